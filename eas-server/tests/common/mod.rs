//! The end-to-end harness: a server started on loopback (HTTPS with a fresh self-signed
//! certificate, LMTP), accounts made with a cheap password hash, and a client that speaks
//! HTTPS + WBXML like a phone.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    dead_code,
    unreachable_pub
)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use eas_codec::ProtocolVersion;
use eas_codec::codec::{DecodeOptions, Element, decode, encode};
use eas_codec::command::folder::{FolderSyncRequest, FolderSyncResponse};
use eas_codec::command::provision::{
    ProvisionRequest, ProvisionResponse, RequestPolicies, RequestPolicy,
};
use eas_codec::command::sync::{
    SyncCollection, SyncCollections, SyncOptions, SyncRequest, SyncRequestCommands, SyncResponse,
    SyncResponseCollection,
};
use eas_server::accounts::{Directory, DirectoryConfig, HashCost};
use eas_server::app::{Running, start};
use eas_server::config::Config;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// A started server and its data directory (removed on drop).
pub struct TestServer {
    pub running: Option<Running>,
    pub config: Config,
    pub dir: PathBuf,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

pub fn directory_config() -> DirectoryConfig {
    DirectoryConfig {
        hash_cost: HashCost::TESTING,
        ..DirectoryConfig::default()
    }
}

/// A fresh data directory and a configuration listening on ephemeral loopback ports.
pub fn test_config(tweak: impl FnOnce(&mut Config)) -> (Config, PathBuf) {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("eas-e2e-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut config = Config::demo(dir.clone());
    config.https.listen = vec!["127.0.0.1:0".parse().unwrap()];
    config.lmtp.listen = vec!["127.0.0.1:0".parse().unwrap()];
    tweak(&mut config);
    (config, dir)
}

impl TestServer {
    /// Start a server with domain `example.com` and accounts `alice` and `bob`
    /// (passwords `alice-pw`, `bob-pw`), after `setup` has had the directory.
    pub async fn start(
        tweak: impl FnOnce(&mut Config),
        setup: impl FnOnce(&mut Directory),
    ) -> TestServer {
        let (config, dir) = test_config(tweak);
        std::fs::create_dir_all(&config.data_dir).unwrap();
        {
            // The store must exist (migrated) before the directory shares its file.
            let _ = eas_server::store::Store::open(config.database_path()).unwrap();
            let mut d = Directory::open(config.database_path(), directory_config()).unwrap();
            d.add_domain("example.com").unwrap();
            d.set_switch(
                eas_server::accounts::Target::Domain("example.com"),
                eas_server::accounts::Switch::ActiveSync,
                eas_server::accounts::Setting::Enabled,
            )
            .unwrap();
            d.add_account("alice@example.com", "Alice", None, Some("alice-pw"))
                .unwrap();
            d.add_account("bob@example.com", "Bob", None, Some("bob-pw"))
                .unwrap();
            setup(&mut d);
        }
        let running = start(&config, directory_config()).await.unwrap();
        TestServer {
            running: Some(running),
            config,
            dir,
        }
    }

    pub fn running(&self) -> &Running {
        self.running.as_ref().unwrap()
    }

    pub fn https(&self) -> SocketAddr {
        self.running().https[0]
    }

    pub fn lmtp(&self) -> SocketAddr {
        self.running().lmtp[0]
    }

    /// A client for `login`, device `device`, protocol `version`.
    pub fn client(&self, login: &str, password: &str, device: &str, version: &str) -> Client {
        let cert =
            reqwest::Certificate::from_pem(self.running().cert_pem.as_deref().unwrap().as_bytes())
                .unwrap();
        let http = reqwest::Client::builder()
            .add_root_certificate(cert)
            .timeout(Duration::from_secs(120))
            .build()
            .unwrap();
        Client {
            http,
            base: format!(
                "https://localhost:{}/Microsoft-Server-ActiveSync",
                self.https().port()
            ),
            login: login.to_string(),
            password: password.to_string(),
            user: login.to_string(),
            device_id: device.to_string(),
            device_type: "TestPhone".to_string(),
            version: version.to_string(),
            policy_key: None,
        }
    }

    /// Open the database directly (as an administrator would with the CLI).
    pub fn directory(&self) -> Directory {
        Directory::open(self.config.database_path(), directory_config()).unwrap()
    }
}

/// An HTTP answer.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
}

/// A device.
#[derive(Debug, Clone)]
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
    pub login: String,
    pub password: String,
    /// The `User` query parameter.
    pub user: String,
    pub device_id: String,
    pub device_type: String,
    pub version: String,
    pub policy_key: Option<u32>,
}

impl Client {
    pub fn protocol(&self) -> ProtocolVersion {
        ProtocolVersion::ALL
            .iter()
            .copied()
            .find(|v| v.as_str() == self.version)
            .unwrap()
    }

    /// POST a command with a raw body and extra query parameters.
    pub async fn post_raw(&self, cmd: &str, extra: &str, body: Vec<u8>) -> Answer {
        let url = format!(
            "{}?Cmd={cmd}&User={}&DeviceId={}&DeviceType={}{extra}",
            self.base,
            urlencode(&self.user),
            self.device_id,
            self.device_type
        );
        let mut req = self
            .http
            .post(url)
            .basic_auth(&self.login, Some(&self.password))
            .header("MS-ASProtocolVersion", &self.version)
            .header("Content-Type", "application/vnd.ms-sync.wbxml")
            .body(body);
        if let Some(k) = self.policy_key {
            req = req.header("X-MS-PolicyKey", k.to_string());
        }
        let resp = req.send().await.unwrap();
        Answer {
            status: resp.status().as_u16(),
            headers: resp.headers().clone(),
            body: resp.bytes().await.unwrap().to_vec(),
        }
    }

    /// POST a typed request; the raw answer.
    pub async fn post<Q: Element>(&self, cmd: &str, req: &Q) -> Answer {
        let body = encode(req, self.protocol()).unwrap();
        self.post_raw(cmd, "", body).await
    }

    /// POST a typed request and decode the typed response (asserting HTTP 200).
    pub async fn call<Q: Element, R: Element>(&self, cmd: &str, req: &Q) -> R {
        let a = self.post(cmd, req).await;
        assert_eq!(a.status, 200, "{cmd}: HTTP {} {:?}", a.status, a.headers);
        self.decode(&a.body)
    }

    pub fn decode<R: Element>(&self, body: &[u8]) -> R {
        decode(body, DecodeOptions::new(self.protocol())).unwrap()
    }

    /// The two-phase Provision; stores the final key.
    pub async fn provision(&mut self) -> u32 {
        let policy_type = if self.version == "2.5" {
            "MS-WAP-Provisioning-XML"
        } else {
            "MS-EAS-Provisioning-WBXML"
        };
        let req = ProvisionRequest {
            policies: Some(RequestPolicies {
                policy: RequestPolicy {
                    policy_type: policy_type.into(),
                    ..RequestPolicy::default()
                },
            }),
            ..ProvisionRequest::default()
        };
        let r1: ProvisionResponse = self.call("Provision", &req).await;
        let temp = r1
            .policies
            .as_ref()
            .and_then(|p| p.policy.policy_key.as_ref())
            .expect("phase 1 key")
            .parse::<u32>()
            .unwrap();
        let ack = ProvisionRequest {
            policies: Some(RequestPolicies {
                policy: RequestPolicy {
                    policy_type: policy_type.into(),
                    policy_key: Some(temp.to_string().into()),
                    status: Some(eas_codec::command::provision::PolicyAckStatus::Success),
                },
            }),
            ..ProvisionRequest::default()
        };
        let r2: ProvisionResponse = self.call("Provision", &ack).await;
        let key = r2
            .policies
            .as_ref()
            .and_then(|p| p.policy.policy_key.as_ref())
            .expect("phase 2 key")
            .parse::<u32>()
            .unwrap();
        self.policy_key = Some(key);
        key
    }

    pub async fn folder_sync(&self, key: &str) -> FolderSyncResponse {
        self.call(
            "FolderSync",
            &FolderSyncRequest {
                sync_key: key.into(),
            },
        )
        .await
    }

    /// The id of the folder of `folder_type` from a full FolderSync.
    pub async fn folder_of_type(&self, folder_type: u8) -> String {
        let r = self.folder_sync("0").await;
        let changes = &r.changes.as_ref().unwrap().changes;
        changes
            .iter()
            .find_map(|c| match c {
                eas_codec::command::folder::FolderChange::Add(a)
                    if a.folder_type == u32::from(folder_type) =>
                {
                    Some(a.server_id.to_string())
                }
                _ => None,
            })
            .unwrap_or_else(|| panic!("no folder of type {folder_type}"))
    }

    /// A Sync of one collection.
    pub async fn sync_one(
        &self,
        collection: &str,
        key: &str,
        commands: Option<SyncRequestCommands>,
        options: Vec<SyncOptions>,
    ) -> SyncResponseCollection {
        let req = SyncRequest {
            collections: Some(SyncCollections {
                collections: vec![SyncCollection {
                    sync_key: key.into(),
                    collection_id: collection.into(),
                    get_changes: (key != "0").then_some(eas_codec::codec::Toggle::Value(true)),
                    window_size: Some(512),
                    options,
                    commands,
                    ..SyncCollection::default()
                }],
            }),
            ..SyncRequest::default()
        };
        let r: SyncResponse = self.call("Sync", &req).await;
        r.collections
            .unwrap_or_default()
            .collections
            .into_iter()
            .next()
            .expect("one collection in the response")
    }

    /// Initial sync of a collection, then pull everything; returns (key, server ids added).
    pub async fn sync_all(
        &self,
        collection: &str,
        options: Vec<SyncOptions>,
    ) -> (String, Vec<String>) {
        let first = self.sync_one(collection, "0", None, options.clone()).await;
        let mut key = first.sync_key.to_string();
        let mut ids = Vec::new();
        loop {
            let r = self.sync_one(collection, &key, None, options.clone()).await;
            key = r.sync_key.to_string();
            if let Some(cmds) = &r.commands {
                for c in &cmds.commands {
                    if let eas_codec::command::sync::SyncResponseCommand::Add(a) = c {
                        ids.push(a.server_id.to_string());
                    }
                }
            }
            if r.more_available.is_none() {
                break;
            }
        }
        (key, ids)
    }
}

pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Deliver `message` to `rcpt` over LMTP; the reply after DATA.
pub async fn lmtp_deliver(addr: SocketAddr, rcpt: &str, message: &str) -> String {
    lmtp_deliver_from(addr, "sender@example.net", rcpt, message).await
}

/// [`lmtp_deliver`] with the envelope sender `from`.
pub async fn lmtp_deliver_from(addr: SocketAddr, from: &str, rcpt: &str, message: &str) -> String {
    let stream = tokio::time::timeout(Duration::from_secs(5), tokio::net::TcpStream::connect(addr))
        .await
        .unwrap()
        .unwrap();
    let (r, mut w) = stream.into_split();
    let mut r = BufReader::new(r);
    let mut line = String::new();
    async fn reply(r: &mut BufReader<tokio::net::tcp::OwnedReadHalf>, line: &mut String) -> String {
        // Multi-line replies end with "NNN " (a space after the code).
        let mut all = String::new();
        loop {
            line.clear();
            tokio::time::timeout(Duration::from_secs(10), r.read_line(line))
                .await
                .unwrap()
                .unwrap();
            all.push_str(line);
            if line.len() < 4 || line.as_bytes()[3] == b' ' {
                return all;
            }
        }
    }
    assert!(reply(&mut r, &mut line).await.starts_with("220"));
    w.write_all(b"LHLO test\r\n").await.unwrap();
    assert!(reply(&mut r, &mut line).await.starts_with("250"));
    w.write_all(format!("MAIL FROM:<{from}>\r\n").as_bytes())
        .await
        .unwrap();
    assert!(reply(&mut r, &mut line).await.starts_with("250"));
    w.write_all(format!("RCPT TO:<{rcpt}>\r\n").as_bytes())
        .await
        .unwrap();
    let rc = reply(&mut r, &mut line).await;
    if !rc.starts_with("250") {
        return rc;
    }
    w.write_all(b"DATA\r\n").await.unwrap();
    assert!(reply(&mut r, &mut line).await.starts_with("354"));
    let body = message.replace("\r\n", "\n").replace('\n', "\r\n");
    let body = body
        .lines()
        .map(|l| {
            if l.starts_with('.') {
                format!(".{l}")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\r\n");
    w.write_all(body.as_bytes()).await.unwrap();
    w.write_all(b"\r\n.\r\n").await.unwrap();
    let done = reply(&mut r, &mut line).await;
    w.write_all(b"QUIT\r\n").await.unwrap();
    done
}

/// A small RFC 5322 message.
pub fn message(subject: &str, body: &str) -> String {
    format!(
        "From: Sender <sender@example.net>\r\nTo: someone@example.com\r\nSubject: {subject}\r\n\
         Date: Sun, 22 Nov 2026 08:00:00 +0000\r\nMessage-ID: <{}@example.net>\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n",
        subject.replace(' ', ".")
    )
}
