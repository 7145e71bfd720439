#!/usr/bin/env python3
"""End-to-end EAS 16.1 flow against our server, driven by the independent client
pyactivesync 0.17 (see README.md next to this file for what that client sends).

Steps: provision, FolderSync, Sync Inbox (+ Calendar, Contacts), ItemOperations
Fetch of one body and one attachment, Ping answered by a delivery, Sync again; then
SendMail (to the user, checked on arrival), ResolveRecipients, Search of the GAL and of
the mailbox, Find, Settings Oof set and get, FolderCreate/Update, MoveItems into the new
folder, FolderDelete.
Every step asserts what a real client relies on and, on failure, exits non-zero
naming the step. One summary line per step goes to stdout.
"""
from __future__ import annotations

import argparse
import importlib.metadata
import os
import shlex
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

try:
    from email.message import EmailMessage

    from pyactivesync import BodyType, Client, FolderType, OofState
except ImportError:  # pragma: no cover - environment problem, not a server one
    sys.exit("flow.py: pyactivesync is not installed; run scripts/pyactivesync/run.sh instead")

# pyactivesync.__version__ says "0.1.0" in every release (__init__.py:32); ask the installer.
CLIENT_VERSION = importlib.metadata.version("pyactivesync")

# Exit codes: 1 = a protocol step failed, 2 = bad arguments (argparse's own code).
EXIT_STEP_FAILED = 1

# How many Sync round trips to follow MoreAvailable before calling it a server loop.
MAX_SYNC_ROUNDS = 200
# How many Inbox items to fetch at most while looking for one with an attachment.
MAX_ATTACHMENT_PROBES = 40


class StepFailed(Exception):
    """A step's assertion about the server's answer did not hold."""


def ok(step: str, summary: str) -> None:
    print(f"ok   {step:<16} {summary}", flush=True)


@contextmanager
def step(name: str) -> Iterator[None]:
    """Run one step; any exception (assertion, HTTP error, WBXML parse error in the
    library) ends the run with a message naming the step."""
    try:
        yield
    except StepFailed as exc:
        print(f"FAIL {name:<16} {exc}", file=sys.stderr, flush=True)
        sys.exit(EXIT_STEP_FAILED)
    except Exception as exc:  # noqa: BLE001 - the point is to name the step, whatever broke
        print(f"FAIL {name:<16} {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        sys.exit(EXIT_STEP_FAILED)


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise StepFailed(message)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=f"Run an EAS 16.1 flow (pyactivesync {CLIENT_VERSION}) against a server.",
    )
    p.add_argument("--url", required=True, help="server base URL, e.g. https://127.0.0.1:8443 (https only)")
    p.add_argument("--user", required=True, help="login and mailbox address, e.g. alice@example.com")
    p.add_argument("--password", help="password (default: $EAS_PASSWORD)")
    tls = p.add_mutually_exclusive_group()
    tls.add_argument("--cafile", help="PEM file with the certificate(s) to trust for the server")
    tls.add_argument("--insecure", action="store_true", help="do not verify the server certificate")
    p.add_argument("--device-id", default="PyAsFlow0001", help="EAS DeviceId (stable, so reruns reuse one device seat)")
    p.add_argument("--device-type", default="pyactivesync", help="EAS DeviceType")
    p.add_argument("--timeout", type=float, default=30.0, help="HTTP timeout per request in seconds (default 30)")
    p.add_argument("--heartbeat", type=int, default=60, help="Ping HeartbeatInterval in seconds (default 60, our minimum)")
    p.add_argument(
        "--deliver-cmd",
        help="shell command run while the Ping is parked; it must deliver a mail to the Inbox "
        "(e.g. 'python3 scripts/pyactivesync/lmtp_deliver.py --port 2424 --to alice@example.com')",
    )
    p.add_argument("--deliver-delay", type=float, default=2.0, help="seconds between starting the Ping and --deliver-cmd")
    p.add_argument("--expect-subject", help="a substring of the delivered mail's Subject to find in the final Sync")
    p.add_argument("--body-type", choices=["plain_text", "html", "mime"], default="plain_text", help="body type to fetch")
    p.add_argument("--require-attachment", action="store_true", help="fail if no Inbox mail has an attachment")
    args = p.parse_args(argv)

    url = urllib.parse.urlsplit(args.url)
    if url.scheme != "https":
        # pyactivesync hard-codes https://{server}/Microsoft-Server-ActiveSync (_http.py:28).
        p.error("--url must be https://host[:port] (pyactivesync only speaks HTTPS)")
    if not url.netloc or url.path not in ("", "/", "/Microsoft-Server-ActiveSync") or url.query:
        p.error("--url must be https://host[:port] with no path other than /Microsoft-Server-ActiveSync")
    args.server = url.netloc
    if args.password is None:
        args.password = os.environ.get("EAS_PASSWORD")
    if not args.password:
        p.error("no password: pass --password or set EAS_PASSWORD")
    if args.heartbeat < 1:
        p.error("--heartbeat must be positive")
    if args.cafile and not os.path.isfile(args.cafile):
        p.error(f"--cafile {args.cafile}: no such file")
    return args


def make_client(args: argparse.Namespace) -> Client:
    client = Client(
        args.server,
        args.user,
        args.password,
        device_id=args.device_id,
        device_type=args.device_type,
        verify_ssl=not args.insecure,
        timeout=args.timeout,
    )
    # pyactivesync only takes a bool for verification (_http.py:25,36); a CA file has to be
    # set on its requests.Session. trust_env=False stops REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE
    # from silently overriding our choice (requests lets them beat verify=False) and keeps
    # HTTPS_PROXY away from a loopback test.
    session = client._transport.session  # noqa: SLF001 - no public hook exists
    session.trust_env = False
    if args.cafile:
        session.verify = args.cafile
    if args.insecure:
        import urllib3

        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    return client


def sync_all(client: Client, folder_id: str, what: str) -> tuple[str, list[Any]]:
    """Bootstrap a collection (SyncKey 0) and drain it; returns (sync key, added items)."""
    first = client.sync_folder(folder_id)
    expect(first.sync_key not in ("", "0"), f"{what}: Sync with SyncKey 0 gave no new SyncKey")
    expect(not first.added, f"{what}: Sync with SyncKey 0 returned {len(first.added)} items (MS-ASCMD: none)")
    key = first.sync_key
    added: list[Any] = []
    for _ in range(MAX_SYNC_ROUNDS):
        result = client.sync_folder(folder_id, sync_key=key)
        added.extend(result.added)
        if result.more_available:
            expect(result.sync_key != key, f"{what}: MoreAvailable without a new SyncKey")
        key = result.sync_key
        if not result.more_available:
            break
    else:
        raise StepFailed(f"{what}: still MoreAvailable after {MAX_SYNC_ROUNDS} Sync rounds")
    ids = [item.server_id for item in added]
    expect(all(ids), f"{what}: an Add without ServerId")
    expect(len(set(ids)) == len(ids), f"{what}: the same ServerId was added twice")
    return key, added


def has_attachment_hint(item: Any) -> bool:
    # pyactivesync flattens ApplicationData into {"Page.Tag": text} (_wbxml.py:leaves).
    return "AirSyncBase.FileReference" in item.fields


def run_ping(client: Client, inbox_id: str, args: argparse.Namespace) -> tuple[Any, float]:
    """Park a Ping on the Inbox in a thread, run --deliver-cmd, return (result, seconds)."""
    outcome: dict[str, Any] = {}
    # The library's default read timeout (30 s) is shorter than the heartbeat; give the
    # server the whole heartbeat plus slack before the client gives up.
    ping_timeout = args.heartbeat + max(30.0, args.timeout)

    def ping() -> None:
        start = time.monotonic()
        try:
            outcome["result"] = client.ping([inbox_id], heartbeat=args.heartbeat, timeout=ping_timeout)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            outcome["error"] = exc
        outcome["seconds"] = time.monotonic() - start

    thread = threading.Thread(target=ping, name="ping", daemon=True)
    thread.start()
    if args.deliver_cmd:
        time.sleep(args.deliver_delay)
        if "error" in outcome:
            raise outcome["error"]
        if "result" in outcome:
            raise StepFailed(f"Ping answered (Status {outcome['result'].status!r}) before anything was delivered")
        done = subprocess.run(args.deliver_cmd, shell=True, capture_output=True, text=True, timeout=60)
        expect(
            done.returncode == 0,
            f"--deliver-cmd exited {done.returncode}: {(done.stderr or done.stdout).strip()[-500:]}",
        )
    thread.join(ping_timeout + 5)
    expect(not thread.is_alive(), f"Ping not answered within {ping_timeout:.0f} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"], outcome["seconds"]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print(f"pyactivesync {CLIENT_VERSION} -> https://{args.server} as {args.user}", flush=True)
    client = make_client(args)
    with client:
        with step("provision"):
            key = client.provision()
            expect(bool(key), "no PolicyKey granted")
            ok("provision", f"PolicyKey {key}")

        with step("foldersync"):
            folders = client.list_folders()
            expect(bool(folders), "FolderSync returned no folders")
            ids = [f.id for f in folders]
            expect(len(set(ids)) == len(ids), "duplicate folder ServerIds")
            known = set(ids) | {"0"}
            orphans = [f.name for f in folders if f.parent_id not in known]
            expect(not orphans, f"folders whose ParentId is not a folder: {orphans}")
            by_type = {f.type: f for f in folders}
            inbox = by_type.get(FolderType.INBOX)
            expect(inbox is not None, "no folder of type 2 (Inbox)")
            assert inbox is not None
            ok("foldersync", f"{len(folders)} folders: " + ", ".join(f"{f.name}({int(f.type)})" for f in folders))

        with step("sync-inbox"):
            inbox_key, inbox_items = sync_all(client, inbox.id, "Inbox")
            expect(bool(inbox_items), "Inbox is empty; the flow needs at least one mail to fetch")
            ok("sync-inbox", f"{len(inbox_items)} mails, SyncKey {inbox_key}")

        for folder_type, label in ((FolderType.CALENDAR, "sync-calendar"), (FolderType.CONTACTS, "sync-contacts")):
            folder = by_type.get(folder_type)
            with step(label):
                if folder is None:
                    ok(label, f"skipped: no folder of type {int(folder_type)}")
                    continue
                key, items = sync_all(client, folder.id, folder.name)
                ok(label, f"{len(items)} items, SyncKey {key}")

        body_type = BodyType[args.body_type.upper()]
        with step("fetch-body"):
            first = inbox_items[0]
            fetched = client.fetch_item(inbox.id, first.server_id, body_type=body_type)
            body = fetched.body
            expect(body is not None, f"item {first.server_id}: no AirSyncBase:Body in the Fetch response")
            assert body is not None
            expect(body.data is not None and len(body.data) > 0, f"item {first.server_id}: empty body Data")
            expect(body.type == body_type, f"item {first.server_id}: asked for body type {int(body_type)}, got {int(body.type)}")
            subject = fetched.fields.get("Email.Subject", first.fields.get("Email.Subject", "?"))
            ok("fetch-body", f"item {first.server_id} {subject!r}: {body.type.name} body, {len(body.data or b'')} chars")

        with step("fetch-attach"):
            candidates = [i for i in inbox_items if has_attachment_hint(i)] or inbox_items[:MAX_ATTACHMENT_PROBES]
            found = None
            for item in candidates:
                item_fetch = client.fetch_item(inbox.id, item.server_id, body_type=BodyType.PLAIN_TEXT)
                if item_fetch.attachments:
                    found = (item, item_fetch.attachments[0])
                    break
            if found is None:
                expect(not args.require_attachment, "no Inbox mail has an attachment (--require-attachment)")
                ok("fetch-attach", "skipped: no Inbox mail has an attachment")
            else:
                item, attachment = found
                data = client.fetch_attachment(attachment.file_reference)
                # The library returns b"" when Data is absent or OPAQUE (client.py:1061-1062).
                expect(len(data) > 0, f"{attachment.file_reference}: empty attachment (Data missing, or sent as OPAQUE)")
                if attachment.estimated_data_size is not None:
                    expect(
                        len(data) == attachment.estimated_data_size,
                        f"{attachment.file_reference}: {len(data)} bytes, EstimatedDataSize says {attachment.estimated_data_size}",
                    )
                ok("fetch-attach", f"item {item.server_id} {attachment.display_name!r}: {len(data)} bytes")

        with step("ping"):
            result, seconds = run_ping(client, inbox.id, args)
            if args.deliver_cmd:
                expect(result.status == "2", f"Ping Status {result.status!r}, want 2 (changes) after the delivery")
                expect(inbox.id in result.changed_folder_ids, f"Ping changed folders {result.changed_folder_ids}, want Inbox {inbox.id}")
                expect(seconds < args.heartbeat, f"Ping took {seconds:.1f} s, the full heartbeat: the delivery did not wake it")
            else:
                expect(result.status == "1", f"Ping Status {result.status!r}, want 1 (heartbeat expired, nothing delivered)")
            ok("ping", f"Status {result.status}, changed {result.changed_folder_ids}, {seconds:.1f} s")

        with step("resync-inbox"):
            after = client.sync_folder(inbox.id, sync_key=inbox_key)
            seen = {i.server_id for i in inbox_items}
            new = [i for i in after.added if i.server_id not in seen]
            if args.deliver_cmd:
                expect(after.sync_key != inbox_key, "Sync after the delivery kept the old SyncKey")
                expect(bool(new), f"Sync after the delivery added nothing new (Adds: {[i.server_id for i in after.added]})")
                if args.expect_subject:
                    subjects = [i.fields.get("Email.Subject", "") for i in new]
                    expect(any(args.expect_subject in s for s in subjects), f"no new mail with Subject containing {args.expect_subject!r}: {subjects}")
                ok("resync-inbox", f"{len(new)} new: " + ", ".join(repr(i.fields.get("Email.Subject", "?")) for i in new))
            else:
                ok("resync-inbox", f"{len(new)} new (nothing delivered)")

        run_part_two(client, args, inbox, after.sync_key)

    print("all steps passed", flush=True)
    return 0


def wait_for_subject(client: Client, folder_id: str, sync_key: str, subject: str) -> tuple[str, Any]:
    """Sync the folder until a mail with `subject` arrives (the server delivers through
    its outbound queue, asynchronously); (new sync key, the item)."""
    deadline = time.monotonic() + 20
    while True:
        result = client.sync_folder(folder_id, sync_key=sync_key)
        sync_key = result.sync_key
        for item in result.added:
            if item.fields.get("Email.Subject", "") == subject:
                return sync_key, item
        if time.monotonic() > deadline:
            raise StepFailed(f"no mail with Subject {subject!r} arrived within 20 s")
        time.sleep(0.2)


def run_part_two(client: Client, args: argparse.Namespace, inbox: Any, inbox_key: str) -> None:
    subject = f"pyactivesync flow {os.getpid()}-{int(time.time())}"
    with step("send"):
        message = EmailMessage()
        message["From"] = args.user
        message["To"] = args.user
        message["Subject"] = subject
        message.set_content("Sent by the pyactivesync flow through SendMail.\n")
        client.send_mail(message, save_in_sent_items=True)
        inbox_key, sent_item = wait_for_subject(client, inbox.id, inbox_key, subject)
        ok("send", f"delivered back as item {sent_item.server_id}")

    with step("resolve"):
        recipients = client.resolve_recipients(args.user)
        addresses = [r.email_address for r in recipients]
        expect(args.user.lower() in [a.lower() for a in addresses if a], f"{args.user} resolved to {addresses}")
        ok("resolve", f"{args.user} -> {addresses}")

    with step("search-gal"):
        local = args.user.split("@")[0]
        entries = client.search_gal(local)
        found = [e.email_address for e in entries]
        expect(args.user.lower() in [a.lower() for a in found if a], f"GAL search {local!r} found {found}")
        ok("search-gal", f"{local!r}: {found}")

    with step("search-mailbox"):
        results = client.search_mailbox(inbox.id, date_received_after="2000-01-01T00:00:00.000Z")
        expect(bool(results), "mailbox Search for mail received since 2000 found nothing")
        ok("search-mailbox", f"{len(results)} results")

    with step("find-mailbox"):
        word = subject.split()[-1]
        found = client.find_mailbox(word, folder_id=inbox.id)
        subjects = [i.fields.get("Email.Subject", "") for i in found.items]
        expect(subject in subjects, f"Find {word!r} returned {subjects}")
        ok("find-mailbox", f"{word!r}: {len(found.items)} result(s)")

    with step("oof"):
        client.set_oof(OofState.ENABLED, reply_message="Away (pyactivesync flow)", applies_to=("Internal",))
        settings = client.get_oof()
        expect(settings.state == OofState.ENABLED, f"OofState {settings.state!r} after setting it on")
        client.set_oof(OofState.DISABLED)
        expect(client.get_oof().state == OofState.DISABLED, "OOF still on after turning it off")
        ok("oof", "set on, read back, set off")

    with step("folders"):
        name = f"Flow {os.getpid()}"
        created = client.create_folder(name, parent_id=inbox.id, type=FolderType.USER_GENERIC)
        client.update_folder(created.id, name + " (renamed)", parent_id=inbox.id)
        names = {f.id: f.name for f in client.list_folders()}
        expect(names.get(created.id) == name + " (renamed)", f"renamed folder shows as {names.get(created.id)!r}")
        ok("folders", f"created and renamed {created.id}")

    with step("move"):
        new_id = client.move_item(sent_item.server_id, inbox.id, created.id)
        expect(bool(new_id), "MoveItems gave no new id")
        _, moved = sync_all(client, created.id, name)
        expect(any(i.server_id == new_id for i in moved), f"moved item {new_id} not in the folder: {[i.server_id for i in moved]}")
        ok("move", f"item {sent_item.server_id} -> {created.id}/{new_id}")

    with step("delete-folder"):
        client.delete_folder(created.id)
        expect(created.id not in {f.id for f in client.list_folders()}, "deleted folder still listed")
        ok("delete-folder", f"{created.id} gone")


if __name__ == "__main__":
    sys.exit(main())
