//! One simulated phone: HTTPS + WBXML requests as a real device sends them (Provision,
//! FolderSync, Sync, Ping, SendMail), the keys it must remember, and what it received.

use std::sync::Arc;
use std::time::{Duration, Instant};

use eas_codec::ProtocolVersion;
use eas_codec::codec::{DecodeOptions, Element, Empty, Opaque, Toggle, decode, encode};
use eas_codec::command::compose::{SendMailRequest, SendMailResponse};
use eas_codec::command::folder::{FolderChange, FolderSyncRequest, FolderSyncResponse};
use eas_codec::command::ping::{PingFolder, PingFolders, PingRequest, PingResponse};
use eas_codec::command::provision::{
    PolicyAckStatus, ProvisionRequest, ProvisionResponse, RequestPolicies, RequestPolicy,
};
use eas_codec::command::sync::{
    ClientAdd, ItemChange, SyncCollection, SyncCollections, SyncItemResponse, SyncOptions,
    SyncRequest, SyncRequestCommand, SyncRequestCommands, SyncResponse, SyncResponseCommand,
};
use eas_codec::data::{ApplicationData, BodyPreference, Contact};

use crate::LoadError;
use crate::stats::Recorder;

/// The server every device talks to: one HTTPS client (its connection pool keeps one
/// connection per busy device, as phones do) and the ActiveSync URL.
#[derive(Debug, Clone)]
pub struct Endpoint {
    http: reqwest::Client,
    url: String,
}

impl Endpoint {
    /// `base` is the server's origin (`https://host:port`); `ca_pem` a certificate to trust
    /// besides the system's (the server's self-signed one). `localhost` is pinned to
    /// 127.0.0.1, where the server listens, so no attempt goes to ::1 first.
    ///
    /// # Errors
    /// [`LoadError::Setup`] for an unusable URL or certificate.
    pub fn new(base: &str, ca_pem: Option<&[u8]>) -> Result<Endpoint, LoadError> {
        let mut builder = reqwest::Client::builder()
            .http1_only()
            .tcp_nodelay(true)
            .pool_idle_timeout(None)
            .connect_timeout(Duration::from_secs(30));
        if let Some(pem) = ca_pem {
            let cert = reqwest::Certificate::from_pem(pem)
                .map_err(|e| LoadError::Setup(format!("the CA certificate: {e}")))?;
            builder = builder.add_root_certificate(cert);
        }
        let parsed = reqwest::Url::parse(base)
            .map_err(|e| LoadError::Setup(format!("the URL {base}: {e}")))?;
        if parsed.host_str() == Some("localhost") {
            let port = parsed.port_or_known_default().unwrap_or(443);
            builder = builder.resolve(
                "localhost",
                std::net::SocketAddr::from(([127, 0, 0, 1], port)),
            );
        }
        let http = builder
            .build()
            .map_err(|e| LoadError::Setup(format!("the HTTPS client: {e}")))?;
        Ok(Endpoint {
            http,
            url: format!("{}/Microsoft-Server-ActiveSync", base.trim_end_matches('/')),
        })
    }
}

/// A folder the device syncs.
#[derive(Debug, Clone, Default)]
pub struct Folder {
    /// Its server id.
    pub id: String,
    /// The current sync key (`0` before the first sync).
    pub key: String,
    /// Items received so far.
    pub items: u64,
}

/// What a Ping ended with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PingOutcome {
    /// A watched folder changed.
    Changed,
    /// The heartbeat ran out without changes.
    Expired,
}

/// How the device asks for mail bodies.
#[derive(Debug, Clone, Copy)]
pub struct BodyWanted {
    /// 1 plain text, 2 HTML, 4 MIME.
    pub body_type: u8,
    /// Truncation, bytes.
    pub truncation: u32,
}

/// A simulated phone.
#[derive(Debug)]
pub struct Device {
    endpoint: Arc<Endpoint>,
    recorder: Arc<Recorder>,
    /// The account's login.
    pub login: String,
    password: String,
    /// `DeviceId`.
    pub device_id: String,
    /// The protocol version it speaks (12.0 or later).
    pub version: ProtocolVersion,
    policy_key: Option<String>,
    /// The Inbox.
    pub inbox: Folder,
    /// The Contacts folder.
    pub contacts: Folder,
    /// Items per Sync response asked for.
    pub window: u32,
    /// Body format asked for.
    pub body: BodyWanted,
    own_contacts: Vec<String>,
    next_client_id: u64,
}

impl Device {
    /// A device of `login` that has not talked to the server yet.
    pub fn new(
        endpoint: Arc<Endpoint>,
        recorder: Arc<Recorder>,
        login: &str,
        password: &str,
        device_id: &str,
        version: ProtocolVersion,
    ) -> Device {
        Device {
            endpoint,
            recorder,
            login: login.to_string(),
            password: password.to_string(),
            device_id: device_id.to_string(),
            version,
            policy_key: None,
            inbox: Folder::default(),
            contacts: Folder::default(),
            window: 100,
            body: BodyWanted {
                body_type: 2,
                truncation: 5120,
            },
            own_contacts: Vec::new(),
            next_client_id: 0,
        }
    }

    /// What a freshly set-up phone does: Provision, FolderSync, then the first full Sync of
    /// the Inbox and Contacts.
    ///
    /// # Errors
    /// The first request that failed.
    pub async fn start(&mut self) -> Result<(), LoadError> {
        self.provision().await?;
        self.folder_sync().await?;
        self.pull_inbox().await?;
        self.pull_contacts().await?;
        Ok(())
    }

    async fn post(
        &self,
        command: &'static str,
        body: Vec<u8>,
        timeout: Duration,
    ) -> Result<Vec<u8>, LoadError> {
        let started = Instant::now();
        let mut req = self
            .endpoint
            .http
            .post(&self.endpoint.url)
            .query(&[
                ("Cmd", command),
                ("User", self.login.as_str()),
                ("DeviceId", self.device_id.as_str()),
                ("DeviceType", "LoadPhone"),
            ])
            .basic_auth(&self.login, Some(&self.password))
            .header("MS-ASProtocolVersion", self.version.as_str())
            .header("Content-Type", "application/vnd.ms-sync.wbxml")
            .header("User-Agent", "eas-loadgen/0.1")
            .timeout(timeout)
            .body(body);
        if let Some(k) = &self.policy_key {
            req = req.header("X-MS-PolicyKey", k.as_str());
        }
        let result = async {
            let resp = req.send().await?;
            let status = resp.status().as_u16();
            let body = resp.bytes().await?;
            Ok::<_, reqwest::Error>((status, body))
        }
        .await;
        match result {
            Ok((200, body)) => {
                self.recorder.request(command, started.elapsed());
                Ok(body.to_vec())
            }
            Ok((status, _)) => {
                self.recorder.error(command, &format!("HTTP {status}"));
                Err(LoadError::Http { command, status })
            }
            Err(e) => {
                let what = if e.is_timeout() {
                    "timed out"
                } else if e.is_connect() {
                    "cannot connect"
                } else {
                    "transport error"
                };
                self.recorder.error(command, what);
                Err(LoadError::Transport {
                    command,
                    detail: e.to_string(),
                })
            }
        }
    }

    async fn call<Q: Element, R: Element>(
        &self,
        command: &'static str,
        request: &Q,
        timeout: Duration,
    ) -> Result<Option<R>, LoadError> {
        let body = encode(request, self.version).map_err(|e| LoadError::Protocol {
            command,
            detail: format!("cannot encode: {e}"),
        })?;
        let answer = self.post(command, body, timeout).await?;
        if answer.is_empty() {
            return Ok(None);
        }
        decode(&answer, DecodeOptions::new(self.version))
            .map(Some)
            .map_err(|e| self.protocol_error(command, format!("undecodable answer: {e}")))
    }

    fn protocol_error(&self, command: &'static str, detail: String) -> LoadError {
        self.recorder.error(command, &detail);
        LoadError::Protocol { command, detail }
    }

    /// The two-phase Provision; keeps the final policy key.
    ///
    /// # Errors
    /// A transport, HTTP or protocol failure.
    pub async fn provision(&mut self) -> Result<(), LoadError> {
        self.policy_key = None;
        let policy_type = "MS-EAS-Provisioning-WBXML";
        let mut request = ProvisionRequest {
            policies: Some(RequestPolicies {
                policy: RequestPolicy {
                    policy_type: policy_type.into(),
                    ..RequestPolicy::default()
                },
            }),
            ..ProvisionRequest::default()
        };
        for phase in 0..2 {
            let r: Option<ProvisionResponse> = self
                .call("Provision", &request, Duration::from_secs(60))
                .await?;
            let key = r
                .as_ref()
                .and_then(|r| r.policies.as_ref())
                .and_then(|p| p.policy.policy_key.as_ref())
                .map(ToString::to_string)
                .ok_or_else(|| {
                    self.protocol_error(
                        "Provision",
                        format!("no policy key in phase {}", phase + 1),
                    )
                })?;
            if phase == 0 {
                request.policies = Some(RequestPolicies {
                    policy: RequestPolicy {
                        policy_type: policy_type.into(),
                        policy_key: Some(key.as_str().into()),
                        status: Some(PolicyAckStatus::Success),
                    },
                });
            } else {
                self.policy_key = Some(key);
            }
        }
        Ok(())
    }

    /// A full FolderSync; finds the Inbox and Contacts.
    ///
    /// # Errors
    /// A failure, or a hierarchy without an Inbox or Contacts folder.
    pub async fn folder_sync(&mut self) -> Result<(), LoadError> {
        let r: Option<FolderSyncResponse> = self
            .call(
                "FolderSync",
                &FolderSyncRequest {
                    sync_key: "0".into(),
                },
                Duration::from_secs(60),
            )
            .await?;
        let changes = r
            .and_then(|r| r.changes)
            .map(|c| c.changes)
            .unwrap_or_default();
        let find = |folder_type: u32| {
            changes.iter().find_map(|c| match c {
                FolderChange::Add(a) if a.folder_type == folder_type => {
                    Some(a.server_id.to_string())
                }
                _ => None,
            })
        };
        let (Some(inbox), Some(contacts)) = (find(2), find(9)) else {
            return Err(self.protocol_error("FolderSync", "no Inbox or Contacts folder".into()));
        };
        self.inbox = Folder {
            id: inbox,
            key: "0".into(),
            items: 0,
        };
        self.contacts = Folder {
            id: contacts,
            key: "0".into(),
            items: 0,
        };
        Ok(())
    }

    /// Syncs the Inbox until nothing more is waiting; returns the items added.
    ///
    /// # Errors
    /// A failure (an invalid sync key starts the folder over, and is an error).
    pub async fn pull_inbox(&mut self) -> Result<u64, LoadError> {
        self.pull(true).await
    }

    /// Syncs Contacts until nothing more is waiting; returns the items added.
    ///
    /// # Errors
    /// As [`Device::pull_inbox`].
    pub async fn pull_contacts(&mut self) -> Result<u64, LoadError> {
        self.pull(false).await
    }

    async fn pull(&mut self, inbox: bool) -> Result<u64, LoadError> {
        let mut added = 0;
        loop {
            let page = self.sync_once(inbox, None).await?;
            added += page.added;
            if !page.more {
                return Ok(added);
            }
        }
    }

    /// One incremental Sync of the Inbox, as a phone sends when it looks for new mail;
    /// returns the items added (a no-change Sync returns 0).
    ///
    /// # Errors
    /// As [`Device::pull_inbox`].
    pub async fn sync_inbox_once(&mut self) -> Result<u64, LoadError> {
        Ok(self.sync_once(true, None).await?.added)
    }

    async fn sync_once(
        &mut self,
        inbox: bool,
        commands: Option<SyncRequestCommands>,
    ) -> Result<SyncPage, LoadError> {
        let folder = if inbox { &self.inbox } else { &self.contacts };
        let first = folder.key == "0";
        let options = if inbox {
            vec![SyncOptions {
                body_preference: vec![BodyPreference {
                    body_type: self.body.body_type,
                    truncation_size: Some(self.body.truncation),
                    ..BodyPreference::default()
                }],
                ..SyncOptions::default()
            }]
        } else {
            Vec::new()
        };
        let request = SyncRequest {
            collections: Some(SyncCollections {
                collections: vec![SyncCollection {
                    sync_key: folder.key.as_str().into(),
                    collection_id: folder.id.as_str().into(),
                    get_changes: (!first).then_some(Toggle::Value(true)),
                    window_size: Some(self.window),
                    options,
                    commands,
                    ..SyncCollection::default()
                }],
            }),
            ..SyncRequest::default()
        };
        let r: Option<SyncResponse> = self
            .call("Sync", &request, Duration::from_secs(120))
            .await?;
        // An empty answer: nothing changed, the key stays.
        let Some(r) = r else {
            return Ok(SyncPage::default());
        };
        if let Some(s) = r.status
            && s.code() != 1
        {
            return Err(self.protocol_error("Sync", format!("status {}", s.code())));
        }
        let Some(col) = r.collections.and_then(|c| c.collections.into_iter().next()) else {
            return Err(self.protocol_error("Sync", "no collection in the answer".into()));
        };
        let code = col.status.code();
        if code != 1 {
            if code == 3 {
                // An invalid key: a real phone starts the folder over.
                let folder = if inbox {
                    &mut self.inbox
                } else {
                    &mut self.contacts
                };
                folder.key = "0".into();
            }
            return Err(self.protocol_error("Sync", format!("collection status {code}")));
        }
        let mut page = SyncPage {
            added: 0,
            more: col.more_available.is_some() || first,
        };
        for c in col.commands.map(|c| c.commands).unwrap_or_default() {
            if let SyncResponseCommand::Add(_) = c {
                page.added += 1;
            }
        }
        for r in col.responses.map(|r| r.responses).unwrap_or_default() {
            match r {
                SyncItemResponse::Add(a) if a.status.code() == 1 => {
                    // A few are enough to have something to change.
                    if let Some(id) = a.server_id
                        && self.own_contacts.len() < 64
                    {
                        self.own_contacts.push(id.to_string());
                    }
                }
                SyncItemResponse::Add(a) => {
                    return Err(self.protocol_error(
                        "Sync",
                        format!("add refused: status {}", a.status.code()),
                    ));
                }
                SyncItemResponse::Change(c) | SyncItemResponse::Delete(c)
                    if c.status.code() != 1 =>
                {
                    return Err(self.protocol_error(
                        "Sync",
                        format!("change refused: status {}", c.status.code()),
                    ));
                }
                _ => {}
            }
        }
        let folder = if inbox {
            &mut self.inbox
        } else {
            &mut self.contacts
        };
        folder.key = col.sync_key.to_string();
        folder.items += page.added;
        Ok(page)
    }

    /// Parks a Ping on the Inbox for up to `heartbeat` seconds.
    ///
    /// # Errors
    /// A failure, or a Ping status other than 1 and 2 (an out-of-range heartbeat is also
    /// reported, after adopting the server's limit into `heartbeat`).
    pub async fn ping(&mut self, heartbeat: &mut u32) -> Result<PingOutcome, LoadError> {
        let request = PingRequest {
            heartbeat_interval: Some(*heartbeat),
            folders: Some(PingFolders {
                folders: vec![PingFolder {
                    id: self.inbox.id.as_str().into(),
                    class: "Email".into(),
                }],
            }),
        };
        let timeout = Duration::from_secs(u64::from(*heartbeat) + 60);
        let r: Option<PingResponse> = self.call("Ping", &request, timeout).await?;
        let Some(r) = r else {
            return Err(self.protocol_error("Ping", "empty answer".into()));
        };
        match r.status.code() {
            1 => Ok(PingOutcome::Expired),
            2 => Ok(PingOutcome::Changed),
            5 => {
                if let Some(limit) = r.heartbeat_interval {
                    *heartbeat = limit;
                }
                Err(self.protocol_error("Ping", "status 5 (heartbeat out of range)".into()))
            }
            other => Err(self.protocol_error("Ping", format!("status {other}"))),
        }
    }

    /// Sends a short message to `to` (kept in Sent Items), as a phone's SendMail.
    ///
    /// # Errors
    /// A failure, or a ComposeMail status in the answer.
    pub async fn send_mail(&mut self, to: &str) -> Result<(), LoadError> {
        self.next_client_id += 1;
        let client_id = format!("{}-{}-m{}", self.device_id, run_tag(), self.next_client_id);
        let mime = format!(
            "From: <{from}>\r\nTo: <{to}>\r\nSubject: {client_id}\r\n\
             MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
             Sent by the load generator.\r\n",
            from = self.login
        );
        let request = SendMailRequest {
            client_id: client_id.as_str().into(),
            save_in_sent_items: Some(Empty),
            mime: Opaque(mime.into_bytes()),
            ..SendMailRequest::default()
        };
        let r: Option<SendMailResponse> = self
            .call("SendMail", &request, Duration::from_secs(60))
            .await?;
        match r.and_then(|r| r.status) {
            None => Ok(()),
            Some(s) => Err(self.protocol_error("SendMail", format!("status {}", s.code()))),
        }
    }

    /// Adds a contact, or changes one it added before (every other time), as a phone whose
    /// user edits the address book.
    ///
    /// # Errors
    /// A failure, or a refused add or change.
    pub async fn edit_contact(&mut self) -> Result<(), LoadError> {
        self.next_client_id += 1;
        let n = self.next_client_id;
        let contact = |name: String| {
            ApplicationData::Contact(Box::new(Contact {
                file_as: Some(name.as_str().into()),
                first_name: Some(name.as_str().into()),
                company_name: Some("Load Test".into()),
                ..Contact::default()
            }))
        };
        let command = match self.own_contacts.get(usize::try_from(n).unwrap_or(0) % 64) {
            Some(id) if n.is_multiple_of(2) => SyncRequestCommand::Change(ItemChange {
                server_id: id.as_str().into(),
                application_data: contact(format!("{} changed {n}", self.device_id)),
                ..ItemChange::default()
            }),
            _ => SyncRequestCommand::Add(ClientAdd {
                client_id: format!("c{n}").into(),
                application_data: contact(format!("{} contact {n}", self.device_id)),
                ..ClientAdd::default()
            }),
        };
        self.sync_once(
            false,
            Some(SyncRequestCommands {
                commands: vec![command],
            }),
        )
        .await?;
        Ok(())
    }
}

/// A tag unique to this run: device ids repeat from run to run (the server keeps their
/// state), but a ClientId must never repeat — the server rightly refuses a second SendMail
/// with one it has seen (status 118).
fn run_tag() -> &'static str {
    static TAG: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TAG.get_or_init(|| {
        let millis = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        format!("{millis:x}{:x}", std::process::id())
    })
}

#[derive(Debug, Default)]
struct SyncPage {
    added: u64,
    more: bool,
}
