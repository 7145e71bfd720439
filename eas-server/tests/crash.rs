//! Crash safety: the real server binary is killed with SIGKILL at random moments while
//! devices add, edit and delete contacts, pull mail, send mail, and an MTA delivers over
//! LMTP; it is restarted each time. Every device keeps a ledger of what the server told it,
//! and after a final quiescent sync the ledgers must balance: each device's view equals the
//! server's, nothing is duplicated, every acknowledged LMTP delivery and every accepted
//! SendMail is in the recipient's Inbox exactly once, and every acknowledged contact add
//! exists exactly once with its last acknowledged edit.
//!
//! Devices behave like phones across a crash: a request that got no answer is sent again,
//! byte for byte (same SyncKey, same ClientIds); the server must recognise the resend.
//!
//! Size and randomness from the environment: `EAS_CRASH_KILLS` (default 20),
//! `EAS_CRASH_DEVICES` (devices per account, default 2), `EAS_CRASH_SEED` (default: the
//! clock; printed, so a failing run can be repeated).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use eas_codec::ProtocolVersion;
use eas_codec::codec::{DecodeOptions, Empty, Opaque, Toggle, decode, encode};
use eas_codec::command::compose::{SendMailRequest, SendMailResponse};
use eas_codec::command::folder::{FolderChange, FolderSyncRequest, FolderSyncResponse};
use eas_codec::command::provision::{
    PolicyAckStatus, ProvisionRequest, ProvisionResponse, RequestPolicies, RequestPolicy,
};
use eas_codec::command::sync::{
    ClientAdd, ItemChange, ItemDelete, SyncCollection, SyncCollections, SyncItemResponse,
    SyncRequest, SyncRequestCommand, SyncRequestCommands, SyncResponse, SyncResponseCommand,
};
use eas_codec::data::ApplicationData;
use eas_codec::data::contacts::Contact;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

const ACCOUNTS: [(&str, &str); 2] = [
    ("alice@example.com", "alice-pw"),
    ("bob@example.com", "bob-pw"),
];
/// How long anything may take to come back before the test gives up (a hang is a failure).
const PATIENCE: Duration = Duration::from_secs(90);

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// xorshift64*: enough randomness for timing and choices, reproducible from the seed.
#[derive(Clone)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The server as a child process, killed on drop.
struct Server {
    child: Option<Child>,
    config: PathBuf,
    log: PathBuf,
    https: SocketAddr,
    lmtp: SocketAddr,
    starts: u32,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

impl Server {
    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill(); // SIGKILL on Unix
            let _ = c.wait();
        }
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    /// Start the binary and wait until both listeners accept.
    async fn start(&mut self) {
        assert!(self.child.is_none());
        for attempt in 0..5 {
            let log = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.log)
                .unwrap();
            let child = Command::new(env!("CARGO_BIN_EXE_eas-server"))
                .arg("serve")
                .arg("--config")
                .arg(&self.config)
                .stdin(Stdio::null())
                .stdout(log.try_clone().unwrap())
                .stderr(log)
                .spawn()
                .unwrap();
            self.child = Some(child);
            self.starts += 1;
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                    // Exited: a port still held by the killed process's last moments is the
                    // only excusable reason; try again a few times.
                    self.child = None;
                    eprintln!("server exited on start ({status}), attempt {attempt}");
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    break;
                }
                let up = tokio::net::TcpStream::connect(self.https).await.is_ok()
                    && tokio::net::TcpStream::connect(self.lmtp).await.is_ok();
                if up {
                    return;
                }
                assert!(
                    Instant::now() < deadline,
                    "the server did not come up in 30 s:\n{}",
                    self.log_tail()
                );
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        panic!("the server would not start:\n{}", self.log_tail());
    }
}

/// Everything counted along the way, for the summary.
#[derive(Default)]
struct Counters {
    requests: AtomicU64,
    resends: AtomicU64,
    resyncs: AtomicU64,
    readds: AtomicU64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum AddState {
    /// Sent, no answer yet.
    Pending,
    /// The server gave it this id.
    Acked(String),
    /// The server refused it: it must not exist.
    Refused,
    /// The request carrying it was abandoned by a resync: it may exist at most once.
    Uncertain,
}

/// What a device knows of its own contacts.
#[derive(Debug, Clone)]
struct OwnContact {
    state: AddState,
    /// The company name the server last acknowledged; `None` while an edit is unanswered.
    company: Option<String>,
    deleted: bool,
    /// A delete whose answer was lost to a resync: it may or may not have happened.
    delete_uncertain: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Folder {
    Inbox,
    Contacts,
}

struct Device {
    name: String,
    account: usize,
    login: String,
    password: String,
    device_id: String,
    version: ProtocolVersion,
    http: reqwest::Client,
    base: String,
    policy_key: Option<u32>,
    folders: BTreeMap<&'static str, (String, String)>,
    /// server id → subject.
    inbox: BTreeMap<String, String>,
    /// server id → (FileAs marker, company).
    contacts: BTreeMap<String, (String, String)>,
    own: BTreeMap<String, OwnContact>,
    /// Subjects of SendMails the server accepted, and those still unanswered at the end.
    sent: Vec<String>,
    next: u64,
    counters: Arc<Counters>,
}

fn key_of(f: Folder) -> &'static str {
    match f {
        Folder::Inbox => "inbox",
        Folder::Contacts => "contacts",
    }
}

fn contact(marker: &str, company: &str) -> ApplicationData {
    ApplicationData::Contact(Box::new(Contact {
        file_as: Some(marker.into()),
        first_name: Some(marker.into()),
        company_name: Some(company.into()),
        ..Contact::default()
    }))
}

impl Device {
    fn new(
        account: usize,
        n: usize,
        version: ProtocolVersion,
        server: &Server,
        cert: &reqwest::Certificate,
        counters: Arc<Counters>,
    ) -> Device {
        let (login, password) = ACCOUNTS[account];
        let http = reqwest::Client::builder()
            .add_root_certificate(cert.clone())
            .timeout(Duration::from_secs(20))
            .build()
            .unwrap();
        Device {
            name: format!("a{account}d{n}"),
            account,
            login: login.into(),
            password: password.into(),
            device_id: format!("CRASH{account}X{n}"),
            version,
            http,
            base: format!(
                "https://localhost:{}/Microsoft-Server-ActiveSync",
                server.https.port()
            ),
            policy_key: None,
            folders: BTreeMap::new(),
            inbox: BTreeMap::new(),
            contacts: BTreeMap::new(),
            own: BTreeMap::new(),
            sent: Vec::new(),
            next: 0,
            counters,
        }
    }

    async fn try_post(&self, cmd: &str, body: &[u8]) -> Result<(u16, Vec<u8>), String> {
        let url = format!(
            "{}?Cmd={cmd}&User={}&DeviceId={}&DeviceType=CrashPhone",
            self.base,
            common::urlencode(&self.login),
            self.device_id
        );
        let mut req = self
            .http
            .post(url)
            .basic_auth(&self.login, Some(&self.password))
            .header("MS-ASProtocolVersion", self.version.as_str())
            .header("Content-Type", "application/vnd.ms-sync.wbxml")
            .body(body.to_vec());
        if let Some(k) = self.policy_key {
            req = req.header("X-MS-PolicyKey", k.to_string());
        }
        let resp = req.send().await.map_err(|e| e.to_string())?;
        let status = resp.status().as_u16();
        let body = resp.bytes().await.map_err(|e| e.to_string())?;
        Ok((status, body.to_vec()))
    }

    /// Send until the server answers, as a phone does: the same bytes each time. A server
    /// that is down (or starting, 503) is waited for; any other answer is returned.
    async fn post(&self, cmd: &str, body: &[u8]) -> (u16, Vec<u8>) {
        let deadline = Instant::now() + PATIENCE;
        let mut first = true;
        loop {
            self.counters.requests.fetch_add(1, Ordering::Relaxed);
            if !first {
                self.counters.resends.fetch_add(1, Ordering::Relaxed);
            }
            first = false;
            match self.try_post(cmd, body).await {
                Ok((status, body)) if status != 503 && status != 502 => return (status, body),
                Ok(_) | Err(_) => {}
            }
            assert!(
                Instant::now() < deadline,
                "{}: {cmd} got no answer for {PATIENCE:?}",
                self.name
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn call<R: eas_codec::codec::Element>(&self, cmd: &str, body: &[u8]) -> R {
        let (status, resp) = self.post(cmd, body).await;
        assert_eq!(status, 200, "{}: {cmd} answered HTTP {status}", self.name);
        decode(&resp, DecodeOptions::new(self.version))
            .unwrap_or_else(|e| panic!("{}: {cmd} answer does not decode: {e}", self.name))
    }

    async fn provision(&mut self) {
        let policy = |key: Option<String>, status| ProvisionRequest {
            policies: Some(RequestPolicies {
                policy: RequestPolicy {
                    policy_type: "MS-EAS-Provisioning-WBXML".into(),
                    policy_key: key.map(Into::into),
                    status,
                },
            }),
            ..ProvisionRequest::default()
        };
        for _ in 0..5 {
            self.policy_key = None;
            let body = encode(&policy(None, None), self.version).unwrap();
            let r: ProvisionResponse = self.call("Provision", &body).await;
            let temp = r.policies.and_then(|p| p.policy.policy_key).unwrap();
            let body = encode(
                &policy(Some(temp.to_string()), Some(PolicyAckStatus::Success)),
                self.version,
            )
            .unwrap();
            // A crash between the phases can cost the temporary key; then start again.
            let r: ProvisionResponse = self.call("Provision", &body).await;
            if let Some(key) = r
                .policies
                .and_then(|p| p.policy.policy_key)
                .and_then(|k| k.parse().ok())
            {
                self.policy_key = Some(key);
                return;
            }
        }
        panic!("{}: could not provision", self.name);
    }

    async fn folder_sync(&mut self) {
        let body = encode(
            &FolderSyncRequest {
                sync_key: "0".into(),
            },
            self.version,
        )
        .unwrap();
        let r: FolderSyncResponse = self.call("FolderSync", &body).await;
        for c in r.changes.map(|c| c.changes).unwrap_or_default() {
            if let FolderChange::Add(a) = c {
                let which = match a.folder_type {
                    2 => "inbox",
                    9 => "contacts",
                    5 => "sent",
                    _ => continue,
                };
                self.folders
                    .insert(which, (a.server_id.to_string(), "0".to_string()));
            }
        }
        assert_eq!(
            self.folders.len(),
            3,
            "{}: folders {:?}",
            self.name,
            self.folders
        );
    }

    /// One Sync of `folder` carrying `commands`. Returns whether anything changed on the
    /// device (commands from the server or more to come). Status 3 (the key is not known)
    /// makes the device start the folder over, as phones do; `pending` adds of the lost
    /// request become uncertain.
    async fn sync(&mut self, folder: Folder, commands: Vec<SyncRequestCommand>) -> bool {
        let (id, key) = self.folders[key_of(folder)].clone();
        let req = SyncRequest {
            collections: Some(SyncCollections {
                collections: vec![SyncCollection {
                    sync_key: key.as_str().into(),
                    collection_id: id.as_str().into(),
                    get_changes: (key != "0").then_some(Toggle::Value(true)),
                    window_size: Some(50),
                    commands: (!commands.is_empty()).then(|| SyncRequestCommands {
                        commands: commands.clone(),
                    }),
                    ..SyncCollection::default()
                }],
            }),
            ..SyncRequest::default()
        };
        let body = encode(&req, self.version).unwrap();
        let (status, resp) = self.post("Sync", &body).await;
        assert_eq!(status, 200, "{}: Sync answered HTTP {status}", self.name);
        if resp.is_empty() {
            // Nothing changed (an empty answer is allowed from 12.1 on).
            return false;
        }
        let r: SyncResponse = decode(&resp, DecodeOptions::new(self.version))
            .unwrap_or_else(|e| panic!("{}: Sync answer does not decode: {e}", self.name));
        if let Some(s) = r.status {
            panic!(
                "{}: Sync failed as a whole with status {}",
                self.name,
                s.code()
            );
        }
        let col = r
            .collections
            .and_then(|c| c.collections.into_iter().next())
            .unwrap_or_else(|| panic!("{}: a Sync answer without the collection", self.name));
        match col.status.code() {
            1 => {}
            3 => {
                self.counters.resyncs.fetch_add(1, Ordering::Relaxed);
                eprintln!(
                    "{}: status 3 for {folder:?} at key {key}; resync",
                    self.name
                );
                self.abandon(&commands);
                self.folders.get_mut(key_of(folder)).unwrap().1 = "0".into();
                match folder {
                    Folder::Inbox => self.inbox.clear(),
                    Folder::Contacts => self.contacts.clear(),
                }
                return true;
            }
            other => panic!("{}: Sync of {folder:?} got status {other}", self.name),
        }
        self.folders.get_mut(key_of(folder)).unwrap().1 = col.sync_key.to_string();
        // After a first sync (key 0) the items are still to be fetched.
        let mut changed = col.more_available.is_some() || key == "0";
        for r in col.responses.map(|r| r.responses).unwrap_or_default() {
            match r {
                SyncItemResponse::Add(a) => {
                    let own = self.own.get_mut(a.client_id.as_str()).unwrap_or_else(|| {
                        panic!(
                            "{}: an answer for unknown ClientId {}",
                            self.name, a.client_id
                        )
                    });
                    if a.status.code() == 1 {
                        let sid = a.server_id.map(|s| s.to_string()).unwrap_or_else(|| {
                            panic!("{}: an accepted add without a ServerId", self.name)
                        });
                        own.state = AddState::Acked(sid.clone());
                        let company = own.company.clone().unwrap_or_default();
                        self.contacts
                            .insert(sid, (a.client_id.to_string(), company));
                    } else {
                        own.state = AddState::Refused;
                    }
                }
                SyncItemResponse::Change(c) | SyncItemResponse::Delete(c) => {
                    panic!(
                        "{}: the server refused a change or delete of {}: status {}",
                        self.name,
                        c.server_id,
                        c.status.code()
                    );
                }
                SyncItemResponse::Fetch(_) => {}
            }
        }
        // What this request changed or deleted is now acknowledged.
        for c in &commands {
            match c {
                SyncRequestCommand::Change(ch) => {
                    if let ApplicationData::Contact(k) = &ch.application_data {
                        let marker = k.file_as.as_deref().unwrap().to_string();
                        let company = k.company_name.as_deref().unwrap().to_string();
                        self.own.get_mut(&marker).unwrap().company = Some(company.clone());
                        if let Some(v) = self.contacts.get_mut(ch.server_id.as_str()) {
                            v.1 = company;
                        }
                    }
                }
                SyncRequestCommand::Delete(d) => {
                    if let Some((marker, _)) = self.contacts.remove(d.server_id.as_str()) {
                        self.own.get_mut(&marker).unwrap().deleted = true;
                    }
                }
                _ => {}
            }
        }
        for c in col.commands.map(|c| c.commands).unwrap_or_default() {
            changed = true;
            match c {
                SyncResponseCommand::Add(a) => {
                    let entry = describe(&a.application_data);
                    let held = match folder {
                        Folder::Inbox => self.inbox.insert(a.server_id.to_string(), entry.0),
                        Folder::Contacts => self
                            .contacts
                            .insert(a.server_id.to_string(), entry)
                            .map(|e| e.0),
                    };
                    if held.is_some() {
                        self.counters.readds.fetch_add(1, Ordering::Relaxed);
                    }
                }
                SyncResponseCommand::Change(ch) => {
                    let entry = describe(&ch.application_data);
                    match folder {
                        Folder::Inbox => {
                            // Mail changes are flags; the subject stays.
                            assert!(self.inbox.contains_key(ch.server_id.as_str()));
                        }
                        Folder::Contacts => {
                            self.contacts.insert(ch.server_id.to_string(), entry);
                        }
                    }
                }
                SyncResponseCommand::Delete(d) => {
                    match folder {
                        Folder::Inbox => {
                            self.inbox.remove(d.server_id.as_str());
                        }
                        Folder::Contacts => {
                            self.contacts.remove(d.server_id.as_str());
                        }
                    };
                }
                SyncResponseCommand::SoftDelete(d) => {
                    panic!(
                        "{}: a SoftDelete of {} with no filter",
                        self.name, d.server_id
                    )
                }
            }
        }
        changed
    }

    /// The request carrying `commands` will not be answered: what it did is unknown.
    fn abandon(&mut self, commands: &[SyncRequestCommand]) {
        for c in commands {
            match c {
                SyncRequestCommand::Add(a) => {
                    if let Some(o) = self.own.get_mut(a.client_id.as_str())
                        && o.state == AddState::Pending
                    {
                        o.state = AddState::Uncertain;
                    }
                }
                SyncRequestCommand::Change(ch) => {
                    if let ApplicationData::Contact(k) = &ch.application_data
                        && let Some(o) = self.own.get_mut(k.file_as.as_deref().unwrap())
                    {
                        o.company = None;
                    }
                }
                SyncRequestCommand::Delete(d) => {
                    if let Some((marker, _)) = self.contacts.get(d.server_id.as_str()) {
                        self.own.get_mut(marker).unwrap().delete_uncertain = true;
                    }
                }
                SyncRequestCommand::Fetch(_) => {}
            }
        }
    }

    /// Sync `folder` until the server has nothing more to say.
    async fn settle(&mut self, folder: Folder) {
        let mut rounds = 0;
        while self.sync(folder, vec![]).await || self.folders[key_of(folder)].1 == "0" {
            rounds += 1;
            assert!(rounds < 500, "{}: {folder:?} never settles", self.name);
        }
    }

    /// One random piece of work.
    async fn act(&mut self, rng: &mut Rng, peer: &str) {
        match rng.below(10) {
            0..=4 if self.folders["contacts"].1 == "0" => {
                // Starting over after a resync: no commands go with key 0.
                self.sync(Folder::Contacts, vec![]).await;
            }
            0..=4 => {
                let mut cmds = Vec::new();
                // A new contact, sometimes two.
                for _ in 0..=rng.below(2) {
                    self.next += 1;
                    let marker = format!("{}-c{}", self.name, self.next);
                    self.own.insert(
                        marker.clone(),
                        OwnContact {
                            state: AddState::Pending,
                            company: Some("v0".into()),
                            deleted: false,
                            delete_uncertain: false,
                        },
                    );
                    cmds.push(SyncRequestCommand::Add(ClientAdd {
                        client_id: marker.as_str().into(),
                        application_data: contact(&marker, "v0"),
                        ..ClientAdd::default()
                    }));
                }
                // An edit or a delete of one of ours that the server holds.
                let mine: Vec<(String, String)> = self
                    .own
                    .iter()
                    .filter_map(|(m, o)| match &o.state {
                        AddState::Acked(sid) if !o.deleted && self.contacts.contains_key(sid) => {
                            Some((m.clone(), sid.clone()))
                        }
                        _ => None,
                    })
                    .collect();
                if !mine.is_empty() {
                    let (marker, sid) = &mine[rng.below(mine.len() as u64) as usize];
                    if rng.below(4) == 0 {
                        cmds.push(SyncRequestCommand::Delete(ItemDelete {
                            server_id: sid.as_str().into(),
                            ..ItemDelete::default()
                        }));
                    } else {
                        self.next += 1;
                        let company = format!("v{}", self.next);
                        cmds.push(SyncRequestCommand::Change(ItemChange {
                            server_id: sid.as_str().into(),
                            application_data: contact(marker, &company),
                            ..ItemChange::default()
                        }));
                    }
                }
                self.sync(Folder::Contacts, cmds).await;
            }
            5..=7 => {
                self.sync(Folder::Inbox, vec![]).await;
            }
            _ => {
                self.next += 1;
                let subject = format!("send-{}-{}", self.name, self.next);
                let mime = format!(
                    "From: {login}\r\nTo: {peer}\r\nSubject: {subject}\r\n\
                     MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
                     sent by {name}\r\n",
                    login = self.login,
                    name = self.name
                );
                let req = SendMailRequest {
                    client_id: subject.as_str().into(),
                    save_in_sent_items: Some(Empty),
                    mime: Opaque(mime.into_bytes()),
                    ..SendMailRequest::default()
                };
                let body = encode(&req, self.version).unwrap();
                let (status, resp) = self.post("SendMail", &body).await;
                assert_eq!(
                    status, 200,
                    "{}: SendMail answered HTTP {status}",
                    self.name
                );
                if !resp.is_empty() {
                    // 118: this ClientId was already sent (our earlier try got through).
                    let r: SendMailResponse =
                        decode(&resp, DecodeOptions::new(self.version)).unwrap();
                    let code = r.status.map(|s| s.code());
                    assert_eq!(code, Some(118), "{}: SendMail status {code:?}", self.name);
                }
                self.sent.push(subject);
            }
        }
    }
}

/// (marker, company) of an item: a contact's FileAs and company, a mail's subject.
fn describe(data: &ApplicationData) -> (String, String) {
    match data {
        ApplicationData::Contact(c) => (
            c.file_as.as_deref().unwrap_or("").to_string(),
            c.company_name.as_deref().unwrap_or("").to_string(),
        ),
        ApplicationData::Email(e) => (
            e.subject.as_deref().unwrap_or("").to_string(),
            String::new(),
        ),
        other => panic!("an unexpected item: {other:?}"),
    }
}

/// One (possibly multi-line) LMTP reply.
async fn lmtp_reply(r: &mut BufReader<tokio::net::tcp::OwnedReadHalf>) -> Result<String, String> {
    let mut all = String::new();
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).await.map_err(|e| e.to_string())? == 0 {
            return Err("connection closed".to_string());
        }
        all.push_str(&line);
        if line.len() < 4 || line.as_bytes()[3] == b' ' {
            return Ok(all);
        }
    }
}

/// One LMTP delivery; `Ok(true)` when the server said 250 for it.
async fn lmtp_once(addr: SocketAddr, rcpt: &str, subject: &str) -> Result<bool, String> {
    let io = async {
        let stream = tokio::net::TcpStream::connect(addr)
            .await
            .map_err(|e| e.to_string())?;
        let (r, mut w) = stream.into_split();
        let mut r = BufReader::new(r);
        let greeting = lmtp_reply(&mut r).await?;
        if !greeting.starts_with("220") {
            return Ok(false);
        }
        let message = format!(
            "From: mta@example.net\r\nTo: {rcpt}\r\nSubject: {subject}\r\n\
             Message-ID: <{subject}@example.net>\r\nMIME-Version: 1.0\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\r\nbody of {subject}\r\n.\r\n"
        );
        for (send, want) in [
            ("LHLO crash.test\r\n".to_string(), "250"),
            ("MAIL FROM:<mta@example.net>\r\n".to_string(), "250"),
            (format!("RCPT TO:<{rcpt}>\r\n"), "250"),
            ("DATA\r\n".to_string(), "354"),
            (message, "250"),
        ] {
            w.write_all(send.as_bytes())
                .await
                .map_err(|e| e.to_string())?;
            if !lmtp_reply(&mut r).await?.starts_with(want) {
                return Ok(false);
            }
        }
        let _ = w.write_all(b"QUIT\r\n").await;
        Ok(true)
    };
    tokio::time::timeout(Duration::from_secs(20), io)
        .await
        .map_err(|_| "timed out".to_string())?
}

fn prepare(dir: &Path, https: u16, lmtp: u16) -> PathBuf {
    let mut config = eas_server::config::Config::demo(dir.join("data"));
    config.https.listen = vec![SocketAddr::from(([127, 0, 0, 1], https))];
    config.lmtp.listen = vec![SocketAddr::from(([127, 0, 0, 1], lmtp))];
    config.log.filter = "info".into();
    std::fs::create_dir_all(&config.data_dir).unwrap();
    let _ = eas_server::store::Store::open(config.database_path()).unwrap();
    let mut d =
        eas_server::accounts::Directory::open(config.database_path(), common::directory_config())
            .unwrap();
    d.add_domain("example.com").unwrap();
    d.set_switch(
        eas_server::accounts::Target::Domain("example.com"),
        eas_server::accounts::Switch::ActiveSync,
        eas_server::accounts::Setting::Enabled,
    )
    .unwrap();
    for (login, pw) in ACCOUNTS {
        d.add_account(login, login, None, Some(pw)).unwrap();
    }
    let path = dir.join("config.toml");
    std::fs::write(&path, toml::to_string(&config).unwrap()).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_at_random_moments_loses_and_duplicates_nothing() {
    let kills = env_or("EAS_CRASH_KILLS", 20);
    let per_account = env_or("EAS_CRASH_DEVICES", 2) as usize;
    let seed = env_or(
        "EAS_CRASH_SEED",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64,
    ) | 1;
    eprintln!(
        "crash test: EAS_CRASH_SEED={seed} EAS_CRASH_KILLS={kills} EAS_CRASH_DEVICES={per_account}"
    );

    let dir = std::env::temp_dir().join(format!("eas-crash-{}-{seed}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (https, lmtp) = (free_port(), free_port());
    let config = prepare(&dir, https, lmtp);
    let mut server = Server {
        child: None,
        config,
        log: dir.join("server.log"),
        https: SocketAddr::from(([127, 0, 0, 1], https)),
        lmtp: SocketAddr::from(([127, 0, 0, 1], lmtp)),
        starts: 0,
    };
    server.start().await;
    let cert = reqwest::Certificate::from_pem(
        &std::fs::read(dir.join("data").join("tls").join("cert.pem")).unwrap(),
    )
    .unwrap();
    let counters = Arc::new(Counters::default());

    // Devices: provisioned and primed while the server is left alone.
    let versions = [ProtocolVersion::V14_1, ProtocolVersion::V16_1];
    let mut devices = Vec::new();
    for account in 0..ACCOUNTS.len() {
        for n in 0..per_account {
            let mut d = Device::new(
                account,
                n,
                versions[(account + n) % versions.len()],
                &server,
                &cert,
                counters.clone(),
            );
            d.provision().await;
            d.folder_sync().await;
            d.settle(Folder::Inbox).await;
            d.settle(Folder::Contacts).await;
            devices.push(d);
        }
    }

    // Chaos: devices and the MTA work while the killer strikes.
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for (i, mut d) in devices.into_iter().enumerate() {
        let stop = stop.clone();
        let mut rng = Rng(seed.wrapping_add(0x9E37_79B9 * (i as u64 + 1)));
        let peer = ACCOUNTS[(d.account + 1) % ACCOUNTS.len()].0.to_string();
        tasks.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                d.act(&mut rng, &peer).await;
                tokio::time::sleep(Duration::from_millis(rng.below(30))).await;
            }
            d
        }));
    }
    // subject → acknowledged?
    let lmtp_ledger: Arc<Mutex<Vec<(usize, String, bool)>>> = Arc::default();
    let feeder = {
        let stop = stop.clone();
        let ledger = lmtp_ledger.clone();
        let addr = server.lmtp;
        let mut rng = Rng(seed ^ 0xDEAD_BEEF);
        tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let account = rng.below(ACCOUNTS.len() as u64) as usize;
                let subject = format!("lmtp-{n}");
                let acked = matches!(
                    lmtp_once(addr, ACCOUNTS[account].0, &subject).await,
                    Ok(true)
                );
                ledger.lock().unwrap().push((account, subject, acked));
                if !acked {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                tokio::time::sleep(Duration::from_millis(rng.below(40))).await;
            }
        })
    };
    let mut rng = Rng(seed ^ 0x5EED);
    let chaos = Instant::now();
    for k in 0..kills {
        tokio::time::sleep(Duration::from_millis(50 + rng.below(1450))).await;
        server.kill();
        // Sometimes the server stays down a while, as after a real crash.
        tokio::time::sleep(Duration::from_millis(rng.below(300))).await;
        server.start().await;
        if k % 5 == 4 {
            eprintln!(
                "  {} kills, {} requests so far",
                k + 1,
                counters.requests.load(Ordering::Relaxed)
            );
        }
    }
    // Some calm work after the last restart, then stop.
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    let mut devices = Vec::new();
    for t in tasks {
        devices.push(t.await.unwrap());
    }
    feeder.await.unwrap();
    let chaos_time = chaos.elapsed();

    // Quiescence: the outbound queue delivers what was accepted, devices catch up.
    let lmtp_ledger = lmtp_ledger.lock().unwrap().clone();
    let accepted_sends: BTreeMap<String, usize> = devices
        .iter()
        .flat_map(|d| {
            let to = (d.account + 1) % ACCOUNTS.len();
            d.sent.iter().map(move |s| (s.clone(), to))
        })
        .collect();
    let deadline = Instant::now() + PATIENCE;
    loop {
        for d in devices.iter_mut() {
            d.settle(Folder::Inbox).await;
            d.settle(Folder::Contacts).await;
        }
        let arrived = accepted_sends.iter().all(|(subject, to)| {
            devices
                .iter()
                .filter(|d| d.account == *to)
                .all(|d| d.inbox.values().any(|s| s == subject))
        });
        if arrived {
            break;
        }
        if Instant::now() >= deadline {
            let missing: Vec<&String> = accepted_sends
                .iter()
                .filter(|(subject, to)| {
                    devices
                        .iter()
                        .any(|d| d.account == **to && !d.inbox.values().any(|s| s == *subject))
                })
                .map(|(s, _)| s)
                .collect();
            let store = eas_server::store::Store::open(
                eas_server::config::Config::demo(dir.join("data")).database_path(),
            )
            .ok();
            let queued = store.map(|s| eas_server::mailout::queue_depth(s.connection()));
            // Let the audit below say whether the server has them and the devices do not.
            eprintln!("accepted SendMails not on every device: {missing:?}; queue {queued:?}");
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // One more round now that the queue is empty.
    for d in devices.iter_mut() {
        d.settle(Folder::Inbox).await;
        d.settle(Folder::Contacts).await;
    }

    // The server's view, through a device that has never synced.
    let mut audits = Vec::new();
    for account in 0..ACCOUNTS.len() {
        let mut a = Device::new(
            account,
            99,
            ProtocolVersion::V16_1,
            &server,
            &cert,
            counters.clone(),
        );
        a.provision().await;
        a.folder_sync().await;
        a.settle(Folder::Inbox).await;
        a.settle(Folder::Contacts).await;
        audits.push(a);
    }

    // (a) every device sees what the server has.
    for d in &devices {
        let a = &audits[d.account];
        assert_eq!(
            d.inbox, a.inbox,
            "{}: Inbox differs from the server's",
            d.name
        );
        assert_eq!(
            d.contacts, a.contacts,
            "{}: Contacts differ from the server's",
            d.name
        );
    }
    for (account, a) in audits.iter().enumerate() {
        // (b) nothing twice.
        let mut seen = BTreeSet::new();
        for s in a.inbox.values() {
            assert!(
                seen.insert(s.clone()),
                "account {account}: {s} is in the Inbox twice"
            );
        }
        let mut seen = BTreeSet::new();
        for (m, _) in a.contacts.values() {
            assert!(
                seen.insert(m.clone()),
                "account {account}: contact {m} exists twice"
            );
        }
        let count = |subject: &str| a.inbox.values().filter(|s| *s == subject).count();
        // (c) LMTP: acknowledged exactly once, the rest at most once.
        for (to, subject, acked) in &lmtp_ledger {
            if *to != account {
                continue;
            }
            let n = count(subject);
            if *acked {
                assert_eq!(n, 1, "acknowledged delivery {subject} is there {n} times");
            } else {
                assert!(
                    n <= 1,
                    "unacknowledged delivery {subject} is there {n} times"
                );
            }
        }
        // (e) SendMail: accepted means delivered exactly once.
        for (subject, to) in &accepted_sends {
            if *to == account {
                assert_eq!(count(subject), 1, "accepted SendMail {subject}");
            }
        }
        // Nothing else arrived.
        for s in a.inbox.values() {
            let known = lmtp_ledger
                .iter()
                .any(|(to, subj, _)| *to == account && subj == s)
                || accepted_sends.get(s) == Some(&account);
            assert!(known, "account {account}: {s} came from nowhere");
        }
    }
    // (d) every device's own contacts.
    let mut own_total = 0;
    for d in &devices {
        let server_contacts = &audits[d.account].contacts;
        for (marker, o) in &d.own {
            own_total += 1;
            let there: Vec<&(String, String)> = server_contacts
                .values()
                .filter(|(m, _)| m == marker)
                .collect();
            let expect = match (&o.state, o.deleted, o.delete_uncertain) {
                (AddState::Refused, ..) => Some(0),
                (_, true, _) => Some(0),
                (AddState::Acked(_), false, false) => Some(1),
                (AddState::Pending, ..) => panic!("{}: {marker} was never answered", d.name),
                _ => None, // uncertain: at most once
            };
            match expect {
                Some(n) => assert_eq!(there.len(), n, "{}: contact {marker}", d.name),
                None => assert!(there.len() <= 1, "{}: contact {marker}", d.name),
            }
            if let (Some(c), [(_, company)]) = (&o.company, there.as_slice()) {
                assert_eq!(
                    company, c,
                    "{}: {marker} lost its last acknowledged edit",
                    d.name
                );
            }
        }
    }
    // (f) still healthy.
    assert!(server.child.as_mut().unwrap().try_wait().unwrap().is_none());

    let acked = lmtp_ledger.iter().filter(|l| l.2).count();
    let items: usize = audits
        .iter()
        .map(|a| a.inbox.len() + a.contacts.len())
        .sum();
    eprintln!(
        "crash test passed: seed {seed}, {kills} kills ({} starts) in {:.1} s, {} devices, \
         {} requests ({} resent after no answer), {} resyncs, {} re-sent adds; \
         LMTP {acked} acknowledged of {}; {} SendMails accepted; {own_total} device contact adds; \
         {items} items on the server at the end",
        server.starts,
        chaos_time.as_secs_f64(),
        devices.len(),
        counters.requests.load(Ordering::Relaxed),
        counters.resends.load(Ordering::Relaxed),
        counters.resyncs.load(Ordering::Relaxed),
        counters.readds.load(Ordering::Relaxed),
        lmtp_ledger.len(),
        accepted_sends.len(),
    );
    server.kill();
    let _ = std::fs::remove_dir_all(&dir);
}
