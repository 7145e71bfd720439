//! Tests of the MS-ASHTTP layer: parsing, status mapping, router, TLS round trip.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::Response;
use base64::Engine as _;
use eas_codec::ProtocolVersion;
use eas_codec::command::Command;
use eas_server::http::request::{
    RawHeaders, RequestError, build_request, parse_basic_auth, parse_binary_query, parse_query,
};
use eas_server::http::response::{protocol_commands_header, protocol_versions_header};
use eas_server::http::{
    CommandHandler, Credentials, EasRequest, HttpConfig, HttpFailure, Shutdown, ShutdownToken,
    TlsSetup, router, serve, wbxml_response,
};
use proptest::prelude::*;

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn basic(user: &str, pw: &str) -> String {
    format!("Basic {}", b64(format!("{user}:{pw}").as_bytes()))
}

#[test]
fn plain_query() {
    let l =
        parse_query("Cmd=Sync&User=alice%40example.com&DeviceId=ABC123&DeviceType=iPhone").unwrap();
    assert_eq!(l.command, Command::Sync);
    assert_eq!(l.user.as_deref(), Some("alice@example.com"));
    assert_eq!(l.device_id, "ABC123");
    assert_eq!(l.device_type, "iPhone");
    assert_eq!(l.protocol_version, None);
}

#[test]
fn plain_query_params_and_errors() {
    let l = parse_query(
        "Cmd=SmartReply&User=DOMAIN%5Cbob&DeviceId=d&DeviceType=t&ItemId=5%3A3&CollectionId=7&SaveInSent=T",
    )
    .unwrap();
    assert_eq!(l.user.as_deref(), Some("DOMAIN\\bob"));
    assert_eq!(l.params.item_id.as_deref(), Some("5:3"));
    assert_eq!(l.params.collection_id.as_deref(), Some("7"));
    assert!(l.params.save_in_sent);
    assert_eq!(
        parse_query("Cmd=Bogus&User=u&DeviceId=d&DeviceType=t"),
        Err(RequestError::UnknownCommand("Bogus".into()))
    );
    assert_eq!(
        parse_query("Cmd=sync&User=u&DeviceId=d&DeviceType=t"),
        Err(RequestError::UnknownCommand("sync".into()))
    );
    assert_eq!(
        parse_query("User=u&DeviceId=d&DeviceType=t"),
        Err(RequestError::MissingParameter("Cmd"))
    );
    assert_eq!(
        parse_query("Cmd=Sync&User=u&DeviceType=t"),
        Err(RequestError::MissingParameter("DeviceId"))
    );
    assert_eq!(
        parse_query("Cmd=Sync&Cmd=Ping&DeviceId=d&DeviceType=t"),
        Err(RequestError::DuplicateParameter("Cmd".into()))
    );
    assert_eq!(
        parse_query("Cmd=Sync&User=%ZZ&DeviceId=d&DeviceType=t"),
        Err(RequestError::BadPercentEncoding)
    );
    assert_eq!(parse_query(""), Err(RequestError::EmptyQuery));
}

fn binary(version: u8, code: u8, params: &[(u8, &[u8])], policy: Option<u32>) -> Vec<u8> {
    let mut v = vec![version, code, 0x09, 0x04]; // locale 0x0409 en-US, little-endian
    v.push(4);
    v.extend_from_slice(b"DEV1");
    match policy {
        Some(k) => {
            v.push(4);
            v.extend_from_slice(&k.to_le_bytes());
        }
        None => v.push(0),
    }
    v.push(9);
    v.extend_from_slice(b"SmartPhone");
    v.truncate(v.len() - 1); // "SmartPhon" (9 bytes)
    for (tag, val) in params {
        v.push(*tag);
        v.push(val.len() as u8);
        v.extend_from_slice(val);
    }
    v
}

#[test]
fn base64_query() {
    let bytes = binary(
        141,
        Command::SmartForward.code(),
        &[
            (1, b"5"),
            (3, b"5:12"),
            (4, b"RgAAAA"),
            (6, b"2024-01-01T00:00:00.000Z"),
            (7, &[0x03]),
            (8, b"alice@example.com"),
            (0, b"att.bin"),
        ],
        Some(3_942_919_513),
    );
    let q = b64(&bytes);
    let l = parse_query(&q).unwrap();
    assert_eq!(l.command, Command::SmartForward);
    assert_eq!(l.protocol_version, Some(ProtocolVersion::V14_1));
    assert_eq!(l.locale, Some(0x0409));
    assert_eq!(l.device_id, "DEV1");
    assert_eq!(l.device_type, "SmartPhon");
    assert_eq!(l.policy_key, Some(3_942_919_513));
    assert_eq!(l.user.as_deref(), Some("alice@example.com"));
    assert_eq!(l.params.collection_id.as_deref(), Some("5"));
    assert_eq!(l.params.item_id.as_deref(), Some("5:12"));
    assert_eq!(l.params.long_id.as_deref(), Some("RgAAAA"));
    assert_eq!(l.params.attachment_name.as_deref(), Some("att.bin"));
    assert_eq!(
        l.params.occurrence.as_deref(),
        Some("2024-01-01T00:00:00.000Z")
    );
    assert!(l.params.save_in_sent);
    assert!(l.accept_multipart);
    // URL-escaped and unpadded forms decode the same.
    let escaped = q
        .replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D");
    assert_eq!(parse_query(&escaped).unwrap(), l);
    assert_eq!(parse_query(q.trim_end_matches('=')).unwrap(), l);
}

#[test]
fn base64_query_errors() {
    let ok = binary(140, 0, &[], None);
    assert!(parse_binary_query(&ok).is_ok());
    for cut in 0..ok.len() {
        assert!(
            matches!(
                parse_binary_query(&ok[..cut]),
                Err(RequestError::Truncated(_) | RequestError::MissingParameter(_))
            ),
            "cut at {cut}"
        );
    }
    assert_eq!(
        parse_binary_query(&binary(99, 0, &[], None)),
        Err(RequestError::UnsupportedVersion("99".into()))
    );
    assert_eq!(
        parse_binary_query(&binary(140, 6, &[], None)),
        Err(RequestError::UnknownCommand("6".into()))
    );
    assert_eq!(
        parse_binary_query(&binary(140, 0, &[(2, b"x")], None)),
        Err(RequestError::UnknownParameterTag(2))
    );
    assert_eq!(
        parse_binary_query(&binary(140, 0, &[(8, &[0xff, 0xfe])], None)),
        Err(RequestError::BadField("User"))
    );
    let mut bad_pk = binary(140, 0, &[], None);
    bad_pk[9] = 3;
    assert_eq!(
        parse_binary_query(&bad_pk),
        Err(RequestError::BadField("PolicyKeyLength"))
    );
    assert_eq!(parse_query("!!!notbase64"), Err(RequestError::BadBase64));
}

#[test]
fn headers_merge() {
    let line = parse_query("Cmd=Ping&User=u&DeviceId=d&DeviceType=t").unwrap();
    let h = RawHeaders {
        protocol_version: Some("14.1".into()),
        policy_key: Some("12345".into()),
        accept_multipart: Some("T".into()),
        authorization: Some(basic("CORP\\u", "pw:with:colons")),
        content_type: Some("application/vnd.ms-sync.wbxml".into()),
        content_length: Some("13".into()),
    };
    let r = build_request(line.clone(), &h).unwrap();
    assert_eq!(r.protocol_version, ProtocolVersion::V14_1);
    assert_eq!(r.policy_key, Some(12345));
    assert!(r.accept_multipart);
    let c = r.credentials.unwrap();
    assert_eq!(c.user, "CORP\\u");
    assert_eq!(c.password, "pw:with:colons");
    assert_eq!(r.content_length, Some(13));
    // Defaults: 2.5, no policy key.
    let r = build_request(line.clone(), &RawHeaders::default()).unwrap();
    assert_eq!(r.protocol_version, ProtocolVersion::V2_5);
    assert_eq!(r.policy_key, None);
    assert!(!r.accept_multipart);
    let bad = |f: fn(&mut RawHeaders)| {
        let mut h = RawHeaders::default();
        f(&mut h);
        build_request(line.clone(), &h).unwrap_err()
    };
    assert_eq!(
        bad(|h| h.protocol_version = Some("13.0".into())),
        RequestError::UnsupportedVersion("13.0".into())
    );
    assert_eq!(
        bad(|h| h.policy_key = Some("-1".into())),
        RequestError::BadPolicyKey
    );
    assert_eq!(
        bad(|h| h.authorization = Some("Bearer x".into())),
        RequestError::BadAuthorization
    );
    assert_eq!(
        bad(|h| h.content_type = Some("text/html".into())),
        RequestError::BadContentType("text/html".into())
    );
    assert_eq!(
        bad(|h| h.content_length = Some("x".into())),
        RequestError::BadContentLength
    );
    // User falls back to the Basic user name.
    let line = parse_binary_query(&binary(141, 0, &[], None)).unwrap();
    let h = RawHeaders {
        authorization: Some(basic("bob@example.com", "pw")),
        ..RawHeaders::default()
    };
    let r = build_request(line, &h).unwrap();
    assert_eq!(r.user, "bob@example.com");
    assert_eq!(r.protocol_version, ProtocolVersion::V14_1);
    assert!(parse_basic_auth("Basic !!!").is_err());
    assert!(parse_basic_auth(&format!("Basic {}", b64(b"nocolon"))).is_err());
    // Latin-1 credentials (python-requests sends them so) are read as Latin-1.
    let c = parse_basic_auth(&format!(
        "Basic {}",
        b64(b"j\xfcrgen@example.com:gr\xfc\xdf")
    ))
    .unwrap();
    assert_eq!(c.user, "jürgen@example.com");
    assert_eq!(c.password, "grüß");
    // UTF-8 stays UTF-8.
    let c = parse_basic_auth(&format!("Basic {}", b64("jürgen:grüß".as_bytes()))).unwrap();
    assert_eq!((c.user.as_str(), c.password.as_str()), ("jürgen", "grüß"));
}

#[test]
fn option_headers() {
    assert_eq!(
        protocol_versions_header(),
        "2.5,12.0,12.1,14.0,14.1,16.0,16.1"
    );
    let cmds = protocol_commands_header();
    for c in Command::ALL {
        assert!(cmds.split(',').any(|n| n == c.name()), "{}", c.name());
    }
    assert_eq!(HttpFailure::NeedsProvisioning.status().as_u16(), 449);
    let r = HttpFailure::ServiceUnavailable {
        retry_after_secs: 42,
    }
    .into_response("r");
    assert_eq!(r.status().as_u16(), 503);
    assert_eq!(r.headers()["retry-after"], "42");
    assert_eq!(HttpFailure::Forbidden.status().as_u16(), 403);
}

proptest! {
    #[test]
    fn arbitrary_queries_never_panic(q in ".*") {
        let _ = parse_query(&q);
    }

    #[test]
    fn arbitrary_blobs_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = parse_binary_query(&bytes);
        let _ = parse_query(&b64(&bytes));
    }

    #[test]
    fn arbitrary_auth_never_panics(s in ".*", bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        let _ = parse_basic_auth(&s);
        let _ = parse_basic_auth(&format!("Basic {}", b64(&bytes)));
    }
}

/// Echoes the body; parks Ping until shutdown; 449 without a policy key for Sync.
struct Echo;

impl CommandHandler for Echo {
    type Principal = ();

    async fn authenticate(
        &self,
        c: &Credentials,
        _r: &EasRequest,
        _peer: std::net::IpAddr,
    ) -> Result<(), HttpFailure> {
        if c.user == "blocked" {
            Err(HttpFailure::Forbidden)
        } else if c.password == "secret" {
            Ok(())
        } else {
            Err(HttpFailure::Unauthorized)
        }
    }

    async fn handle(
        &self,
        _principal: (),
        request: EasRequest,
        body: Bytes,
        shutdown: ShutdownToken,
    ) -> Result<Response<Body>, HttpFailure> {
        match request.command {
            Command::Ping => {
                shutdown.triggered().await;
                Ok(wbxml_response(b"parked-answered".to_vec()))
            }
            Command::Sync if request.policy_key.unwrap_or(0) == 0 => {
                Err(HttpFailure::NeedsProvisioning)
            }
            Command::Search => Err(HttpFailure::NotImplemented),
            _ => {
                let mut out = format!(
                    "{}|{}|{}|{}|",
                    request.command.name(),
                    request.user,
                    request.device_id,
                    request.protocol_version
                )
                .into_bytes();
                out.extend_from_slice(&body);
                Ok(wbxml_response(out))
            }
        }
    }
}

struct Running {
    base: String,
    shutdown: Shutdown,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

async fn start(tls: Option<&TlsSetup>) -> Running {
    start_with(tls, HttpConfig::default()).await
}

async fn start_with(tls: Option<&TlsSetup>, base: HttpConfig) -> Running {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (shutdown, token) = Shutdown::new();
    let config = HttpConfig {
        max_body_bytes: 1024,
        shutdown_grace: Duration::from_secs(5),
        ..base
    };
    let app = router(Echo, config.clone(), token.clone());
    let acceptor = tls.map(TlsSetup::acceptor);
    let scheme = if tls.is_some() { "https" } else { "http" };
    let task = tokio::spawn(async move { serve(listener, acceptor, app, token, &config).await });
    Running {
        base: format!("{scheme}://127.0.0.1:{}", addr.port()),
        shutdown,
        task,
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .timeout(Duration::from_secs(10))
        .no_proxy()
        .build()
        .unwrap()
}

const Q: &str = "Cmd=FolderSync&User=alice@example.com&DeviceId=D1&DeviceType=Test";

#[tokio::test]
async fn router_statuses() {
    tokio::time::timeout(Duration::from_secs(30), async {
        let s = start(None).await;
        let c = client();
        let url = |path: &str, q: &str| format!("{}{path}?{q}", s.base);
        // OPTIONS, any path case.
        let r = c
            .request(
                reqwest::Method::OPTIONS,
                url("/microsoft-server-activesync", ""),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(
            r.headers()["ms-asprotocolversions"],
            "2.5,12.0,12.1,14.0,14.1,16.0,16.1"
        );
        assert!(
            r.headers()["ms-asprotocolcommands"]
                .to_str()
                .unwrap()
                .contains("ItemOperations")
        );
        assert!(r.headers().contains_key("ms-server-activesync"));
        // 401 without credentials, and with a wrong password.
        let r = c
            .post(url("/Microsoft-Server-ActiveSync", Q))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        assert_eq!(
            r.headers()["www-authenticate"],
            "Basic realm=\"ActiveSync\""
        );
        let r = c
            .post(url("/Microsoft-Server-ActiveSync", Q))
            .header("Authorization", basic("alice@example.com", "wrong"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        // Success, mixed-case path, echo.
        let r = c
            .post(url("/MICROSOFT-server-ActiveSync", Q))
            .header("Authorization", basic("alice@example.com", "secret"))
            .header("MS-ASProtocolVersion", "14.1")
            .header("Content-Type", "application/vnd.ms-sync.wbxml")
            .body("hello")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "application/vnd.ms-sync.wbxml");
        assert_eq!(
            r.text().await.unwrap(),
            "FolderSync|alice@example.com|D1|14.1|hello"
        );
        let auth = basic("alice@example.com", "secret");
        let post = |path: &str, q: &str| c.post(url(path, q)).header("Authorization", auth.clone());
        // Unknown command → 501; handler's NotImplemented → 501.
        let r = post(
            "/Microsoft-Server-ActiveSync",
            "Cmd=Frobnicate&User=a&DeviceId=d&DeviceType=t",
        )
        .send()
        .await
        .unwrap();
        assert_eq!(r.status(), 501);
        let r = post(
            "/Microsoft-Server-ActiveSync",
            "Cmd=Search&User=a&DeviceId=d&DeviceType=t",
        )
        .send()
        .await
        .unwrap();
        assert_eq!(r.status(), 501);
        // Malformed → 400.
        let r = post(
            "/Microsoft-Server-ActiveSync",
            "Cmd=Sync&User=a&DeviceType=t",
        )
        .send()
        .await
        .unwrap();
        assert_eq!(r.status(), 400);
        let r = post("/Microsoft-Server-ActiveSync", Q)
            .header("X-MS-PolicyKey", "abc")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        // 449 from the handler.
        let r = post(
            "/Microsoft-Server-ActiveSync",
            "Cmd=Sync&User=a&DeviceId=d&DeviceType=t",
        )
        .send()
        .await
        .unwrap();
        assert_eq!(r.status().as_u16(), 449);
        // 413 with Content-Length over the limit, and for a chunked body over it.
        let r = post("/Microsoft-Server-ActiveSync", Q)
            .body(vec![0u8; 4096])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 413);
        let raw = raw_chunked(&s.base, &auth, 8, 512).await;
        assert!(raw.starts_with("HTTP/1.1 413"), "{raw}");
        // Base64 query over HTTP.
        let q = b64(&binary(
            161,
            Command::FolderSync.code(),
            &[(8, b"alice@example.com")],
            None,
        ));
        let r = post("/Microsoft-Server-ActiveSync", &q)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(
            r.text().await.unwrap(),
            "FolderSync|alice@example.com|DEV1|16.1|"
        );
        // Other paths and methods.
        let r = post("/other", Q).send().await.unwrap();
        assert_eq!(r.status(), 404);
        let r = c
            .get(url("/Microsoft-Server-ActiveSync", Q))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 405);
        s.shutdown.trigger();
        s.task.await.unwrap().unwrap();
    })
    .await
    .expect("test timed out");
}

/// POST a chunked body (no Content-Length) over a raw socket; returns the response head.
async fn raw_chunked(base: &str, auth: &str, chunks: usize, size: usize) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base.trim_start_matches("http://");
    let mut sock = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /Microsoft-Server-ActiveSync?{Q} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {auth}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    sock.write_all(head.as_bytes()).await.unwrap();
    for _ in 0..chunks {
        let mut c = format!("{size:x}\r\n").into_bytes();
        c.extend(std::iter::repeat_n(b'x', size));
        c.extend_from_slice(b"\r\n");
        if sock.write_all(&c).await.is_err() {
            break;
        }
    }
    let _ = sock.write_all(b"0\r\n\r\n").await;
    let mut buf = vec![0u8; 4096];
    let mut got = Vec::new();
    while let Ok(n) = sock.read(&mut buf).await {
        if n == 0 {
            break;
        }
        got.extend_from_slice(&buf[..n]);
    }
    String::from_utf8_lossy(&got).into_owned()
}

#[tokio::test]
async fn https_round_trip_and_graceful_shutdown() {
    tokio::time::timeout(Duration::from_secs(30), async {
        let tls = TlsSetup::self_signed().unwrap();
        assert!(tls.cert_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        let s = start(Some(&tls)).await;
        let c = client();
        let auth = basic("CORP\\alice", "secret");
        let url = format!("{}/Microsoft-Server-ActiveSync?{Q}", s.base);
        for i in 0..3 {
            let r = c
                .post(&url)
                .header("Authorization", auth.clone())
                .header("MS-ASProtocolVersion", "16.1")
                .body(format!("body{i}"))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            assert_eq!(
                r.text().await.unwrap(),
                format!("FolderSync|alice@example.com|D1|16.1|body{i}")
            );
        }
        // A parked Ping is answered, not dropped, when shutdown triggers.
        let ping_url = format!(
            "{}/Microsoft-Server-ActiveSync?Cmd=Ping&User=alice&DeviceId=D1&DeviceType=Test",
            s.base
        );
        let parked = tokio::spawn({
            let c = c.clone();
            let auth = auth.clone();
            async move { c.post(ping_url).header("Authorization", auth).send().await }
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!parked.is_finished());
        s.shutdown.trigger();
        let r = parked.await.unwrap().unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.text().await.unwrap(), "parked-answered");
        s.task.await.unwrap().unwrap();
        // The listener is closed after shutdown.
        assert!(c.post(&url).send().await.is_err());
    })
    .await
    .expect("test timed out");
}

#[test]
fn tls_from_pem_and_errors() {
    let ck = rcgen_pem();
    assert!(TlsSetup::from_pem(&ck.0, &ck.1).is_ok());
    assert!(TlsSetup::from_pem("", &ck.1).is_err());
    assert!(TlsSetup::from_pem(&ck.0, "").is_err());
    let dir = std::env::temp_dir().join(format!("hhttp-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("c.pem"), &ck.0).unwrap();
    std::fs::write(dir.join("k.pem"), &ck.1).unwrap();
    assert!(TlsSetup::from_pem_files(&dir.join("c.pem"), &dir.join("k.pem")).is_ok());
    assert!(TlsSetup::from_pem_files(&dir.join("missing.pem"), &dir.join("k.pem")).is_err());
    std::fs::remove_dir_all(&dir).unwrap();
}

fn rcgen_pem() -> (String, String) {
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    (ck.cert.pem(), ck.signing_key.serialize_pem())
}

#[test]
fn ms_ashttp_base64_example() {
    // The example URI of MS-ASHTTP 2.2.1.1.1.1.
    let l = parse_query("jAAJBAp2MTQwRGV2aWNlAApTbWFydFBob25l").unwrap();
    assert_eq!(l.protocol_version, Some(ProtocolVersion::V14_0));
    assert_eq!(l.command, Command::Sync);
    assert_eq!(l.locale, Some(0x0409));
    assert_eq!(l.device_id, "v140Device");
    assert_eq!(l.policy_key, None);
    assert_eq!(l.device_type, "SmartPhone");
    assert_eq!(l.user, None);
}

#[tokio::test]
async fn timeout_is_503_and_forbidden_is_403() {
    tokio::time::timeout(Duration::from_secs(30), async {
        let config = HttpConfig {
            parked_timeout: Duration::from_millis(200),
            retry_after_secs: 7,
            ..HttpConfig::default()
        };
        let s = start_with(None, config).await;
        let c = client();
        let r = c
            .post(format!(
                "{}/Microsoft-Server-ActiveSync?Cmd=Ping&User=a&DeviceId=d&DeviceType=t",
                s.base
            ))
            .header("Authorization", basic("a", "secret"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 503);
        assert_eq!(r.headers()["retry-after"], "7");
        let r = c
            .post(format!("{}/Microsoft-Server-ActiveSync?{Q}", s.base))
            .header("Authorization", basic("blocked", "secret"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        s.shutdown.trigger();
        s.task.await.unwrap().unwrap();
    })
    .await
    .expect("test timed out");
}
