#!/usr/bin/env python3
"""Deliver one generated RFC 5322 message over LMTP (RFC 2033), standard library only.

    lmtp_deliver.py --host 127.0.0.1 --port 2424 --to alice@example.com [--to bob@...]
                    [--from sender@example.org] [--subject S]

Speaks LHLO, MAIL FROM, RCPT TO (one per recipient), DATA, QUIT and checks every reply
code; after the message's final dot, LMTP sends one reply per accepted recipient, and
each must be 2xx. Exits 0 on delivery to every recipient, 1 otherwise, with the failing
exchange on stderr. Prints the Subject on stdout so callers can look for it.
"""
from __future__ import annotations

import argparse
import socket
import sys
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid


class LmtpError(Exception):
    """The server's reply was not what the LMTP exchange requires."""


class LmtpClient:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.reader = sock.makefile("rb")

    def send_line(self, line: str) -> None:
        self.sock.sendall(line.encode("utf-8") + b"\r\n")

    def reply(self) -> tuple[int, list[str]]:
        """Read one (possibly multi-line, RFC 5321 4.2.1) reply: (code, text lines)."""
        lines: list[str] = []
        while True:
            raw = self.reader.readline(8192)
            if not raw:
                raise LmtpError("connection closed by the server" + (f" after {lines}" if lines else ""))
            text = raw.decode("utf-8", "replace").rstrip("\r\n")
            if len(text) < 3 or not text[:3].isdigit() or (len(text) > 3 and text[3] not in " -"):
                raise LmtpError(f"malformed reply line {text!r}")
            lines.append(text[4:])
            code = int(text[:3])
            if len(text) == 3 or text[3] == " ":
                return code, lines

    def expect(self, what: str, accepted: range) -> list[str]:
        code, lines = self.reply()
        if code not in accepted:
            raise LmtpError(f"{what}: {code} {' / '.join(lines)}")
        return lines


def build_message(sender: str, recipients: list[str], subject: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(recipients)
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
    msg.set_content(f"This message was delivered over LMTP by lmtp_deliver.py.\n\nSubject: {subject}\n")
    raw = msg.as_bytes()
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def dot_stuff(raw: bytes) -> bytes:
    """RFC 5321 4.5.2: double a leading dot on every line; end with CRLF.CRLF."""
    if not raw.endswith(b"\r\n"):
        raw += b"\r\n"
    lines = raw.split(b"\r\n")
    stuffed = b"\r\n".join(b"." + line if line.startswith(b".") else line for line in lines)
    return stuffed + b".\r\n"


def deliver(host: str, port: int, sender: str, recipients: list[str], raw: bytes, timeout: float) -> None:
    with socket.create_connection((host, port), timeout=timeout) as sock:
        lmtp = LmtpClient(sock)
        lmtp.expect("greeting", range(220, 221))
        lmtp.send_line("LHLO lmtp-deliver.localhost")
        lmtp.expect("LHLO", range(250, 251))
        lmtp.send_line(f"MAIL FROM:<{sender}>")
        lmtp.expect("MAIL FROM", range(250, 251))
        for rcpt in recipients:
            lmtp.send_line(f"RCPT TO:<{rcpt}>")
            # 251 (user not local; will forward) is a success too.
            lmtp.expect(f"RCPT TO {rcpt}", range(250, 252))
        lmtp.send_line("DATA")
        lmtp.expect("DATA", range(354, 355))
        sock.sendall(dot_stuff(raw))
        # RFC 2033 4.2: one reply per successful RCPT, in RCPT order.
        failures = []
        for rcpt in recipients:
            code, lines = lmtp.reply()
            if not 200 <= code < 300:
                failures.append(f"{rcpt}: {code} {' / '.join(lines)}")
        lmtp.send_line("QUIT")
        lmtp.expect("QUIT", range(221, 222))
        if failures:
            raise LmtpError("delivery refused for " + "; ".join(failures))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Deliver one generated message over LMTP.")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--to", action="append", required=True, help="recipient address (repeatable)")
    p.add_argument("--from", dest="sender", default="lmtp-deliver@example.org", help="envelope and header sender")
    p.add_argument("--subject", help="Subject (default: a unique one)")
    p.add_argument("--timeout", type=float, default=30.0, help="socket timeout in seconds")
    args = p.parse_args(argv)

    subject = args.subject or f"LMTP test {uuid.uuid4().hex[:12]}"
    raw = build_message(args.sender, args.to, subject)
    try:
        deliver(args.host, args.port, args.sender, args.to, raw, args.timeout)
    except (OSError, LmtpError) as exc:
        print(f"lmtp_deliver: {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    print(subject)
    return 0


if __name__ == "__main__":
    sys.exit(main())
