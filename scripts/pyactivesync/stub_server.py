"""A minimal EAS 16.1 server stub (HTTPS) with an LMTP listener, to test flow.py itself.

    stub_server.py HTTPS_PORT LMTP_PORT CERT_PEM KEY_PEM [good|opaque|noping]

Three Inbox mails (one with an attachment), a Calendar and a Contacts folder; an LMTP
delivery adds a mail and wakes parked Pings. `opaque` sends attachment Data as WBXML opaque
(pyactivesync then sees no bytes), `noping` answers Ping at once with Status 1: both must
make flow.py fail. Responses are built with pyactivesync's own WBXML writer, so this checks
the scripts, not our server. Logs every request line and its headers to stderr.
"""
import base64, email, http.server, socketserver, ssl, sys, threading, urllib.parse
from pyactivesync._wbxml import WBXMLReader, WBXMLWriter, wtag, find, text_of

PORT, LMTP_PORT, CERT, KEY = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
MODE = sys.argv[5] if len(sys.argv) > 5 else "good"
lock = threading.Condition()
inbox = [("2:1", "Hello", None), ("2:2", "With attachment", b"%PDF-1.4 fake"), ("2:3", "Third", None)]
synced = {}  # collection -> count sent
FOLDERS = [("1", "Inbox", 2), ("2", "Sent Items", 5), ("3", "Calendar", 8), ("4", "Contacts", 9)]

def doc(page, name, children): w = WBXMLWriter(); w.tag(page, name, children=children); return w.render()

class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def reply(self, body, code=200):
        self.send_response(code); self.send_header("Content-Type", "application/vnd.ms-sync.wbxml")
        self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def do_OPTIONS(self):
        print("OPTIONS", self.path, file=sys.stderr); self.reply(b"")
    def do_POST(self):
        q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        print(f"POST {self.path}\n  " + "\n  ".join(f"{k}: {v}" for k, v in self.headers.items()), file=sys.stderr)
        cmd = q["Cmd"]; nodes = WBXMLReader(body).parse()
        if cmd != "Provision" and self.headers.get("X-MS-PolicyKey") != "222":
            return self.reply(b"", 449)
        getattr(self, cmd)(nodes)
    def Provision(self, nodes):
        key = "222" if text_of(find(nodes, "Provision.PolicyKey")) else "111"
        self.reply(doc("Provision", "Provision", [wtag("Provision", "Status", text="1"), wtag("Provision", "Policies", children=[wtag("Provision", "Policy", children=[
            wtag("Provision", "PolicyType", text="MS-EAS-Provisioning-WBXML"), wtag("Provision", "Status", text="1"), wtag("Provision", "PolicyKey", text=key)])])]))
    def FolderSync(self, nodes):
        adds = [wtag("FolderHierarchy", "Add", children=[wtag("FolderHierarchy", "ServerId", text=i), wtag("FolderHierarchy", "ParentId", text="0"),
                wtag("FolderHierarchy", "DisplayName", text=n), wtag("FolderHierarchy", "Type", text=str(t))]) for i, n, t in FOLDERS]
        self.reply(doc("FolderHierarchy", "FolderSync", [wtag("FolderHierarchy", "Status", text="1"), wtag("FolderHierarchy", "SyncKey", text="1"),
            wtag("FolderHierarchy", "Changes", children=[wtag("FolderHierarchy", "Count", text=str(len(FOLDERS)))] + adds)]))
    def Sync(self, nodes):
        cid = text_of(find(nodes, "AirSync.CollectionId")); key = int(text_of(find(nodes, "AirSync.SyncKey")))
        items = inbox if cid == "1" else ([("3:1", "Event", None)] if cid == "3" else [])
        with lock:
            start = 0 if key == 0 else synced.get(cid, 0)
            new = [] if key == 0 else items[start:]
            synced[cid] = len(items) if key else 0
        if key and not new: return self.reply(b"")
        adds = [wtag("AirSync", "Add", children=[wtag("AirSync", "ServerId", text=sid), wtag("AirSync", "ApplicationData", children=[wtag("Email", "Subject", text=subj)]
                + ([wtag("AirSyncBase", "Attachments", children=[wtag("AirSyncBase", "Attachment", children=[wtag("AirSyncBase", "FileReference", text=sid + ":1")])])] if att else []))]) for sid, subj, att in new]
        coll = [wtag("AirSync", "SyncKey", text=str(key + 1)), wtag("AirSync", "CollectionId", text=cid), wtag("AirSync", "Status", text="1")]
        if adds: coll.append(wtag("AirSync", "Commands", children=adds))
        self.reply(doc("AirSync", "Sync", [wtag("AirSync", "Collections", children=[wtag("AirSync", "Collection", children=coll)])]))
    def ItemOperations(self, nodes):
        ref = text_of(find(nodes, "AirSyncBase.FileReference"))
        if ref:
            data = next(a for s, _, a in inbox if s + ":1" == ref)
            enc = base64.b64encode(data).decode()
            props = [wtag("AirSyncBase", "ContentType", text="application/pdf"), wtag("ItemOperations", "Data", opaque=enc.encode()) if MODE == "opaque" else wtag("ItemOperations", "Data", text=enc)]
            fetch = [wtag("ItemOperations", "Status", text="1"), wtag("AirSyncBase", "FileReference", text=ref), wtag("ItemOperations", "Properties", children=props)]
        else:
            sid = text_of(find(nodes, "AirSync.ServerId")); btype = text_of(find(nodes, "AirSyncBase.Type"))
            item = next(i for i in inbox if i[0] == sid)
            props = [wtag("Email", "Subject", text=item[1]), wtag("AirSyncBase", "Body", children=[wtag("AirSyncBase", "Type", text=btype), wtag("AirSyncBase", "EstimatedDataSize", text="5"), wtag("AirSyncBase", "Data", text="body!")])]
            if item[2]:
                props.append(wtag("AirSyncBase", "Attachments", children=[wtag("AirSyncBase", "Attachment", children=[wtag("AirSyncBase", "DisplayName", text="r.pdf"),
                    wtag("AirSyncBase", "FileReference", text=sid + ":1"), wtag("AirSyncBase", "Method", text="1"), wtag("AirSyncBase", "EstimatedDataSize", text=str(len(item[2])))])]))
            fetch = [wtag("ItemOperations", "Status", text="1"), wtag("AirSync", "CollectionId", text="1"), wtag("AirSync", "ServerId", text=sid), wtag("ItemOperations", "Properties", children=props)]
        self.reply(doc("ItemOperations", "ItemOperations", [wtag("ItemOperations", "Status", text="1"), wtag("ItemOperations", "Response", children=[wtag("ItemOperations", "Fetch", children=fetch)])]))
    def Ping(self, nodes):
        hb = int(text_of(find(nodes, "Ping.HeartbeatInterval")))
        with lock:
            changed = lock.wait_for(lambda: len(inbox) > synced.get("1", 0), timeout=hb) if MODE != "noping" else False
        if changed:
            self.reply(doc("Ping", "Ping", [wtag("Ping", "Status", text="2"), wtag("Ping", "Folders", children=[wtag("Ping", "Folder", text="1")])]))
        else:
            self.reply(doc("Ping", "Ping", [wtag("Ping", "Status", text="1")]))

class L(socketserver.StreamRequestHandler):
    def handle(self):
        w = lambda s: self.wfile.write(s.encode() + b"\r\n"); w("220 stub"); rcpts = []
        while line := self.rfile.readline():
            u = line.decode().strip()
            if u.startswith("LHLO"): w("250-stub"); w("250 PIPELINING")
            elif u.startswith("MAIL"): w("250 ok")
            elif u.startswith("RCPT"): rcpts.append(u); w("250 ok")
            elif u == "DATA":
                w("354 go"); data = b""
                while (l := self.rfile.readline()) != b".\r\n": data += l
                subj = email.message_from_bytes(data)["Subject"]
                with lock: inbox.append((f"2:{len(inbox)+1}", subj, None)); lock.notify_all()
                for _ in rcpts: w("250 delivered")
            elif u == "QUIT": w("221 bye"); return

class TS(socketserver.ThreadingMixIn, http.server.HTTPServer): daemon_threads = True
srv = TS(("127.0.0.1", PORT), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); ctx.load_cert_chain(CERT, KEY)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
class LS(socketserver.ThreadingTCPServer): allow_reuse_address = True; daemon_threads = True
threading.Thread(target=LS(("127.0.0.1", LMTP_PORT), L).serve_forever, daemon=True).start()
srv.serve_forever()
