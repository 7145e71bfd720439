//! Hostile input: a catalogue of malformed or abusive requests. Each gets a defined HTTP
//! status or protocol status (never a 500 from a panic, never a hang), and after each the
//! server still answers a good request.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use base64::Engine as _;
use common::*;
use eas_codec::command::folder::{FolderCreateRequest, FolderSyncRequest, FolderSyncResponse};
use eas_codec::command::item_operations::{
    FetchOptions, FetchRequest, ItemOperation, ItemOperationsRequest, ItemOperationsResponse,
    OperationResult,
};
use eas_codec::command::move_items::{MoveItem, MoveItemsRequest, MoveItemsResponse};
use eas_codec::command::ping::{PingFolder, PingFolders, PingRequest, PingResponse};
use eas_codec::command::resolve::{ResolveRecipientsRequest, ResolveRecipientsResponse};
use eas_codec::command::search::{SearchQuery, SearchRequest, SearchResponse, SearchStore};
use eas_codec::command::settings::{
    OofGet, OofRequest, OofSettings, SettingsRequest, SettingsResponse,
};
use eas_codec::command::sync::{
    SyncCollection, SyncCollections, SyncRequest, SyncResponse, SyncResponseCollection,
};
use eas_codec::command::validate_cert::{
    CertificateList, ValidateCertRequest, ValidateCertResponse,
};

/// The catalogue's bookkeeping: every case is named, counted and followed by a good request.
struct Catalogue<'a> {
    client: &'a Client,
    cases: Vec<String>,
}

impl Catalogue<'_> {
    /// Record a case whose answer was `status`, which must be one of `allowed`; then check
    /// the server still serves.
    async fn http(&mut self, name: &str, status: u16, allowed: &[u16]) {
        assert!(
            allowed.contains(&status),
            "{name}: HTTP {status}, expected one of {allowed:?}"
        );
        self.alive(name).await;
    }

    /// Record a case answered with a command status.
    async fn status(&mut self, name: &str, got: u32, allowed: &[u32]) {
        assert!(
            allowed.contains(&got),
            "{name}: status {got}, expected one of {allowed:?}"
        );
        self.alive(name).await;
    }

    async fn alive(&mut self, name: &str) {
        let r: FolderSyncResponse = self
            .client
            .call(
                "FolderSync",
                &FolderSyncRequest {
                    sync_key: "0".into(),
                },
            )
            .await;
        assert_eq!(
            r.status.code(),
            1,
            "after {name}: the server no longer serves"
        );
        self.cases.push(name.to_string());
    }
}

/// A raw request: method, query string, extra headers, body.
async fn raw(
    c: &Client,
    method: reqwest::Method,
    path: &str,
    query: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> u16 {
    let base = c.base.trim_end_matches("/Microsoft-Server-ActiveSync");
    let mut req = c
        .http
        .request(method, format!("{base}{path}{query}"))
        .body(body);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    match tokio::time::timeout(Duration::from_secs(30), req.send()).await {
        Ok(Ok(r)) => r.status().as_u16(),
        // The server may answer early and close while the body is still being sent (413):
        // the client then sees the connection end. 0 stands for that.
        Ok(Err(_)) => 0,
        Err(_) => panic!("{path}{query}: no answer in 30 s"),
    }
}

const EAS: &str = "/Microsoft-Server-ActiveSync";

fn basic(user: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

fn wbxml(body: &[u8]) -> Vec<u8> {
    body.to_vec()
}

fn sync_of(c: &Client, collections: Vec<SyncCollection>) -> Vec<u8> {
    eas_codec::codec::encode(
        &SyncRequest {
            collections: Some(SyncCollections { collections }),
            ..SyncRequest::default()
        },
        c.protocol(),
    )
    .unwrap()
}

fn collection_status(r: &SyncResponse) -> Option<u32> {
    r.collections
        .as_ref()
        .and_then(|c| c.collections.first())
        .map(|c: &SyncResponseCollection| c.status.code())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_hostile_requests_get_defined_answers_and_the_server_stays_up() {
    let server = TestServer::start(|c| c.limits.max_body_bytes = 1024 * 1024, |_| {}).await;
    let c = server.client("alice@example.com", "alice-pw", "HOSTILE", "14.1");
    let mut cat = Catalogue {
        client: &c,
        cases: Vec::new(),
    };
    let auth = basic("alice@example.com", "alice-pw");
    let good_q = "?Cmd=FolderSync&User=alice%40example.com&DeviceId=HOSTILE&DeviceType=Test";
    let hdr = |extra: &[(&'static str, &'static str)]| {
        let mut h: Vec<(&str, String)> = vec![
            ("Authorization", auth.clone()),
            ("MS-ASProtocolVersion", "14.1".into()),
            ("Content-Type", "application/vnd.ms-sync.wbxml".into()),
        ];
        for (k, v) in extra {
            h.retain(|(name, _)| !name.eq_ignore_ascii_case(k));
            h.push((k, (*v).to_string()));
        }
        h
    };
    let post = |query: String, headers: Vec<(&'static str, String)>, body: Vec<u8>| {
        let c = &c;
        async move {
            let h: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
            raw(c, reqwest::Method::POST, EAS, &query, &h, body).await
        }
    };
    let fs_body = eas_codec::codec::encode(
        &FolderSyncRequest {
            sync_key: "0".into(),
        },
        c.protocol(),
    )
    .unwrap();

    // --- The HTTP envelope ---
    let s = post(
        "?Cmd=Frobnicate&User=alice%40example.com&DeviceId=HOSTILE&DeviceType=Test".into(),
        hdr(&[]),
        fs_body.clone(),
    )
    .await;
    cat.http("unknown command", s, &[501, 400]).await;
    let s = post(
        "?User=alice%40example.com&DeviceId=HOSTILE&DeviceType=Test".into(),
        hdr(&[]),
        fs_body.clone(),
    )
    .await;
    cat.http("no Cmd", s, &[400]).await;
    let s = post(
        "?Cmd=FolderSync&DeviceId=HOSTILE&DeviceType=Test".into(),
        hdr(&[]),
        fs_body.clone(),
    )
    .await;
    // The account comes from the credentials; a missing User names no one else.
    cat.http("no User", s, &[200, 400, 401]).await;
    let s = post(
        "?Cmd=FolderSync&User=alice%40example.com&DeviceType=Test".into(),
        hdr(&[]),
        fs_body.clone(),
    )
    .await;
    cat.http("no DeviceId", s, &[400]).await;
    let s = post(
        "?Cmd=FolderSync&User=alice%40example.com&DeviceId=HOSTILE".into(),
        hdr(&[]),
        fs_body.clone(),
    )
    .await;
    cat.http("no DeviceType", s, &[400]).await;
    let s = post(
        "?Cmd=FolderSync&User=bob%40example.com&DeviceId=HOSTILE&DeviceType=Test".into(),
        hdr(&[]),
        fs_body.clone(),
    )
    .await;
    cat.http("User names someone else", s, &[403]).await;
    let mut h = hdr(&[]);
    h.retain(|(k, _)| *k != "Authorization");
    let s = post(good_q.into(), h, fs_body.clone()).await;
    cat.http("no credentials", s, &[401]).await;
    let s = post(
        good_q.into(),
        hdr(&[("Authorization", "Basic YWxpY2VAZXhhbXBsZS5jb206d3Jvbmc=")]),
        fs_body.clone(),
    )
    .await;
    cat.http("wrong password", s, &[401]).await;
    let s = post(
        good_q.into(),
        hdr(&[("Authorization", "Basic !!!not base64!!!")]),
        fs_body.clone(),
    )
    .await;
    cat.http("undecodable Basic credentials", s, &[401]).await;
    let s = post(
        good_q.into(),
        hdr(&[("Authorization", "Bearer abc.def")]),
        fs_body.clone(),
    )
    .await;
    cat.http("another auth scheme", s, &[401]).await;
    let s = post(
        good_q.into(),
        hdr(&[("Authorization", "Basic bm9jb2xvbg==")]),
        fs_body.clone(),
    )
    .await;
    cat.http("credentials without a colon", s, &[401]).await;
    let s = post("?jAAJBAp".into(), hdr(&[]), fs_body.clone()).await;
    cat.http("base64 query too short", s, &[400, 401]).await;
    let s = post("?%%%%".into(), hdr(&[]), fs_body.clone()).await;
    cat.http("query that is neither form", s, &[400, 401]).await;
    let s = post(format!("{good_q}&Cmd=Sync"), hdr(&[]), fs_body.clone()).await;
    cat.http("a parameter twice", s, &[400]).await;
    let s = post(
        good_q.into(),
        hdr(&[("MS-ASProtocolVersion", "99.9")]),
        fs_body.clone(),
    )
    .await;
    cat.http("unknown protocol version", s, &[400]).await;
    let s = post(
        good_q.into(),
        hdr(&[("MS-ASProtocolVersion", "x.y;drop")]),
        fs_body.clone(),
    )
    .await;
    cat.http("garbage protocol version", s, &[400]).await;
    let s = post(
        good_q.into(),
        hdr(&[("X-MS-PolicyKey", "not-a-number")]),
        fs_body.clone(),
    )
    .await;
    cat.http("policy key that is not a number", s, &[400]).await;
    let s = post(
        good_q.into(),
        hdr(&[("Content-Type", "text/html")]),
        fs_body.clone(),
    )
    .await;
    cat.http("wrong content type", s, &[400, 415, 200]).await;
    let s = post(good_q.into(), hdr(&[]), vec![0u8; 2 * 1024 * 1024]).await;
    cat.http("body over the limit", s, &[413, 0]).await;
    let s = post(
        good_q.into(),
        hdr(&[("X-MS-PolicyKey", "99999999999")]),
        fs_body.clone(),
    )
    .await;
    cat.http("policy key past u32", s, &[400]).await;
    let s = raw(
        &c,
        reqwest::Method::GET,
        EAS,
        good_q,
        &[("Authorization", &auth)],
        Vec::new(),
    )
    .await;
    cat.http("GET", s, &[405]).await;
    let s = raw(
        &c,
        reqwest::Method::PUT,
        EAS,
        good_q,
        &[("Authorization", &auth)],
        Vec::new(),
    )
    .await;
    cat.http("PUT", s, &[405]).await;
    let s = raw(
        &c,
        reqwest::Method::POST,
        "/Microsoft-Server-ActiveSync/../etc/passwd",
        good_q,
        &[("Authorization", &auth)],
        Vec::new(),
    )
    .await;
    cat.http("another path", s, &[404]).await;
    let s = raw(
        &c,
        reqwest::Method::POST,
        "/autodiscover/autodiscover.xml",
        "",
        &[("Authorization", &auth)],
        vec![b'<'; 100_000],
    )
    .await;
    cat.http("Autodiscover body over its limit", s, &[413])
        .await;

    // --- The WBXML body ---
    let s = post(good_q.into(), hdr(&[]), Vec::new()).await;
    cat.http("FolderSync without a body", s, &[400]).await;
    let s = post(good_q.into(), hdr(&[]), wbxml(&[0x03, 0x01, 0x6a])).await;
    cat.http("truncated WBXML header", s, &[400]).await;
    let s = post(
        good_q.into(),
        hdr(&[]),
        wbxml(&[0x03, 0x01, 0x6a, 0x00, 0x00, 0x07, 0x56]),
    )
    .await;
    cat.http("WBXML cut inside the document", s, &[400]).await;
    let s = post(
        good_q.into(),
        hdr(&[]),
        (0..4096u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 24) as u8)
            .collect(),
    )
    .await;
    cat.http("random bytes", s, &[400]).await;
    let mut deep = vec![0x03, 0x01, 0x6a, 0x00, 0x00, 0x07];
    deep.extend(std::iter::repeat_n(0x56u8, 100_000));
    let s = post(good_q.into(), hdr(&[]), deep).await;
    cat.http("100,000 nested elements", s, &[400]).await;
    let s = post(
        good_q.into(),
        hdr(&[]),
        wbxml(&[0x03, 0x01, 0x6a, 0xff, 0xff, 0xff, 0xff, 0x7f]),
    )
    .await;
    cat.http("string table length of five bytes (overflow)", s, &[400])
        .await;
    let s = post(
        good_q.into(),
        hdr(&[]),
        wbxml(&[0x03, 0x01, 0x6a, 0x8f, 0xff, 0xff, 0xff, 0x0f]),
    )
    .await;
    cat.http("string table longer than the body", s, &[400])
        .await;
    let s = post(
        good_q.into(),
        hdr(&[]),
        wbxml(&[0x03, 0x01, 0x6a, 0x00, 0x00, 0xfe, 0x56, 0x01]),
    )
    .await;
    cat.http("unknown code page", s, &[400]).await;
    let s = post(
        good_q.into(),
        hdr(&[]),
        wbxml(&[0x02, 0x01, 0x6a, 0x00, 0x00, 0x07, 0x56, 0x01]),
    )
    .await;
    cat.http("WBXML version 1.2", s, &[400, 200]).await;
    let s = post(
        good_q.into(),
        hdr(&[]),
        wbxml(&[0x03, 0x01, 0x04, 0x00, 0x00, 0x07, 0x56, 0x01]),
    )
    .await;
    cat.http("a charset other than UTF-8", s, &[400, 200]).await;
    let s = post(
        good_q.into(),
        hdr(&[]),
        wbxml(&[0x03, 0x01, 0x6a, 0x00, 0x00, 0x07, 0x56, 0x52, 0x03, b'0']),
    )
    .await;
    cat.http("unterminated inline string", s, &[400]).await;
    let s = post(
        good_q.into(),
        hdr(&[]),
        wbxml(&[
            0x03, 0x01, 0x6a, 0x00, 0x00, 0x07, 0x56, 0x52, 0xc3, 0x8f, 0xff, 0xff, 0x0f, 0x01,
            0x01,
        ]),
    )
    .await;
    cat.http("opaque longer than the body", s, &[400]).await;
    let s = post(good_q.into(), hdr(&[]), b"<?xml version=\"1.0\"?><FolderSync xmlns=\"FolderHierarchy:\"><SyncKey>0</SyncKey></FolderSync>".to_vec()).await;
    cat.http("XML instead of WBXML", s, &[400]).await;
    let ping = eas_codec::codec::encode(&PingRequest::default(), c.protocol()).unwrap();
    let s = post(good_q.into(), hdr(&[]), ping).await;
    cat.http("another command's document", s, &[400]).await;

    // --- Valid WBXML, hostile content ---
    let r: FolderSyncResponse = c
        .call(
            "FolderSync",
            &FolderSyncRequest {
                sync_key: "garbage".into(),
            },
        )
        .await;
    cat.status("FolderSync with an unknown key", r.status.code(), &[9])
        .await;
    let r: FolderSyncResponse = c
        .call(
            "FolderSync",
            &FolderSyncRequest {
                sync_key: "99999999999999999999999".into(),
            },
        )
        .await;
    cat.status("FolderSync key past u64", r.status.code(), &[9])
        .await;
    let inbox = c.folder_of_type(2).await;
    let sync_key = |k: &str, id: &str| SyncCollection {
        sync_key: k.into(),
        collection_id: id.into(),
        ..SyncCollection::default()
    };
    let a = c
        .post_raw("Sync", "", sync_of(&c, vec![sync_key("garbage", &inbox)]))
        .await;
    let r: SyncResponse = c.decode(&a.body);
    cat.status(
        "Sync with an invalid key",
        collection_status(&r).unwrap(),
        &[3],
    )
    .await;
    let a = c
        .post_raw("Sync", "", sync_of(&c, vec![sync_key("0", "999999")]))
        .await;
    let r: SyncResponse = c.decode(&a.body);
    let got = collection_status(&r)
        .or(r.status.map(|s| s.code()))
        .unwrap_or(0);
    cat.status("Sync of a folder that does not exist", got, &[8, 12])
        .await;
    let many: Vec<SyncCollection> = (0..10_000).map(|i| sync_key("0", &i.to_string())).collect();
    let a = c.post_raw("Sync", "", sync_of(&c, many)).await;
    assert!(
        a.status == 200 || a.status == 400 || a.status == 413,
        "10,000 collections: {}",
        a.status
    );
    if a.status == 200 {
        let r: SyncResponse = c.decode(&a.body);
        let got = r
            .status
            .map(|s| s.code())
            .or(collection_status(&r))
            .unwrap_or(0);
        cat.status("Sync of 10,000 collections", got, &[15]).await;
    } else {
        cat.http("Sync of 10,000 collections", a.status, &[400, 413])
            .await;
    }
    let a = c.post_raw("Sync", "", Vec::new()).await;
    cat.http(
        "Sync without a body (no cached request)",
        a.status,
        &[200, 400],
    )
    .await;
    let ping = |interval: u32, ids: Vec<String>| PingRequest {
        heartbeat_interval: Some(interval),
        folders: Some(PingFolders {
            folders: ids
                .into_iter()
                .map(|id| PingFolder {
                    id: id.into(),
                    class: "Email".into(),
                })
                .collect(),
        }),
    };
    let r: PingResponse = c.call("Ping", &ping(1, vec![inbox.clone()])).await;
    cat.status("Ping heartbeat too short", r.status.code(), &[5])
        .await;
    let r: PingResponse = c.call("Ping", &ping(100_000, vec![inbox.clone()])).await;
    cat.status("Ping heartbeat too long", r.status.code(), &[5])
        .await;
    let r: PingResponse = c
        .call(
            "Ping",
            &ping(60, (0..10_000).map(|i| i.to_string()).collect()),
        )
        .await;
    cat.status("Ping of 10,000 folders", r.status.code(), &[6, 7])
        .await;
    let r: PingResponse = c.call("Ping", &ping(60, vec!["999999".into()])).await;
    cat.status(
        "Ping of a folder that does not exist",
        r.status.code(),
        &[7],
    )
    .await;
    let a = c
        .post(
            "FolderCreate",
            &FolderCreateRequest {
                sync_key: "garbage".into(),
                parent_id: "0".into(),
                display_name: "x".into(),
                folder_type: 12,
            },
        )
        .await;
    cat.http("FolderCreate with a bad key", a.status, &[200])
        .await;
    let r: MoveItemsResponse = c
        .call(
            "MoveItems",
            &MoveItemsRequest {
                moves: vec![MoveItem {
                    src_msg_id: "not-an-id".into(),
                    src_fld_id: "nope".into(),
                    dst_fld_id: inbox.as_str().into(),
                }],
            },
        )
        .await;
    cat.status(
        "MoveItems of nothing",
        r.responses[0].status.code(),
        &[1, 2],
    )
    .await;
    let fetch = |reference: &str, range: Option<&str>| ItemOperationsRequest {
        operations: vec![ItemOperation::Fetch(FetchRequest {
            store: "Mailbox".into(),
            file_reference: Some(reference.into()),
            options: range.map(|r| FetchOptions {
                range: Some(r.into()),
                ..FetchOptions::default()
            }),
            ..FetchRequest::default()
        })],
    };
    let fetch_status = |r: &ItemOperationsResponse| match &r.response.as_ref().unwrap().results[0] {
        OperationResult::Fetch(f) => f.status.code(),
        other => panic!("{other:?}"),
    };
    let r: ItemOperationsResponse = c
        .call("ItemOperations", &fetch("../../etc/passwd", None))
        .await;
    cat.status(
        "attachment reference that is a path",
        fetch_status(&r),
        &[15],
    )
    .await;
    let r: ItemOperationsResponse = c
        .call(
            "ItemOperations",
            &fetch("1:99", Some("99999999999999999999999-1")),
        )
        .await;
    cat.status(
        "Fetch with an overflowing range",
        fetch_status(&r),
        &[8, 15],
    )
    .await;
    let a = c
        .post_raw(
            "GetAttachment",
            "&AttachmentName=..%2F..%2Fetc%2Fpasswd",
            Vec::new(),
        )
        .await;
    cat.http("GetAttachment of a path", a.status, &[500, 404, 400])
        .await;
    let a = c.post_raw("GetAttachment", "", Vec::new()).await;
    cat.http("GetAttachment without a name", a.status, &[400])
        .await;
    let a = c
        .post_raw(
            "SendMail",
            "",
            eas_codec::codec::encode(
                &eas_codec::command::compose::SendMailRequest {
                    client_id: "h1".into(),
                    mime: eas_codec::codec::Opaque(b"\r\n\r\n".to_vec()),
                    ..Default::default()
                },
                c.protocol(),
            )
            .unwrap(),
        )
        .await;
    let r: eas_codec::command::compose::SendMailResponse = c.decode(&a.body);
    cat.status("SendMail of nothing", r.status.unwrap().code(), &[107, 119])
        .await;
    let r: SettingsResponse = c
        .call(
            "Settings",
            &SettingsRequest {
                oof: Some(OofRequest {
                    get: Some(OofGet {
                        body_type: "Text".into(),
                    }),
                    set: Some(OofSettings::default()),
                }),
                ..SettingsRequest::default()
            },
        )
        .await;
    cat.status(
        "Settings Oof get and set at once",
        r.oof.unwrap().status.unwrap().code(),
        &[2],
    )
    .await;
    let r: SettingsResponse = c
        .call(
            "Settings",
            &SettingsRequest {
                oof: Some(OofRequest {
                    get: None,
                    set: Some(OofSettings {
                        oof_state: Some(9),
                        ..OofSettings::default()
                    }),
                }),
                ..SettingsRequest::default()
            },
        )
        .await;
    cat.status(
        "Settings Oof state 9",
        r.oof.unwrap().status.unwrap().code(),
        &[5],
    )
    .await;
    let r: SearchResponse = c
        .call(
            "Search",
            &SearchRequest {
                store: SearchStore {
                    name: "Filesystem".into(),
                    query: SearchQuery::Text("x".into()),
                    options: None,
                },
            },
        )
        .await;
    cat.status(
        "Search of an unknown store",
        r.response.unwrap().store.status.code(),
        &[2],
    )
    .await;
    let r: ResolveRecipientsResponse = c
        .call(
            "ResolveRecipients",
            &ResolveRecipientsRequest {
                to: (0..101).map(|i| format!("user{i}").into()).collect(),
                options: None,
            },
        )
        .await;
    cat.status("ResolveRecipients of 101 names", r.status.code(), &[5])
        .await;
    let r: ValidateCertResponse = c
        .call(
            "ValidateCert",
            &ValidateCertRequest {
                certificates: CertificateList {
                    certificate: vec!["bm90IGEgY2VydGlmaWNhdGU=".into()],
                },
                ..ValidateCertRequest::default()
            },
        )
        .await;
    cat.status(
        "ValidateCert of something that is not a certificate",
        r.certificate[0].status.code(),
        &[10],
    )
    .await;

    // --- Provisioning abuse ---
    let mut p = server.client("alice@example.com", "alice-pw", "HOSTILE2", "14.1");
    let first = p.provision().await;
    p.provision().await;
    p.policy_key = Some(first);
    let a = p
        .post(
            "FolderSync",
            &FolderSyncRequest {
                sync_key: "0".into(),
            },
        )
        .await;
    let r: FolderSyncResponse = p.decode(&a.body);
    cat.status("a replayed old policy key", r.status.code(), &[144])
        .await;
    p.policy_key = Some(0);
    let a = p
        .post(
            "FolderSync",
            &FolderSyncRequest {
                sync_key: "0".into(),
            },
        )
        .await;
    let r: FolderSyncResponse = p.decode(&a.body);
    cat.status("policy key 0", r.status.code(), &[142]).await;

    // --- A slow client holds its own connection, not the server ---
    let slow_addr = server.https();
    let slow = tokio::spawn(async move {
        let stream = tokio::net::TcpStream::connect(slow_addr).await.unwrap();
        // A TLS client hello that never completes, byte by byte.
        for b in [0x16u8, 0x03, 0x01, 0x02] {
            let _ = stream.try_write(&[b]);
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        stream
    });
    cat.http("slow-drip handshake beside a good request", 200, &[200])
        .await;
    drop(slow.await.unwrap());

    assert!(cat.cases.len() >= 50, "only {} cases", cat.cases.len());
    eprintln!(
        "{} hostile requests answered; the server served after each",
        cat.cases.len()
    );
}
