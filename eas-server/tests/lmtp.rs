//! Tests of the LMTP listener over loopback TCP: what an MTA sees, and what the store is
//! handed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use eas_server::http::Shutdown;
use eas_server::mailin::{Delivery, DeliveryError, LmtpConfig, Message, serve_lmtp};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::task::JoinHandle;

const STEP: Duration = Duration::from_secs(5);

/// Knows a fixed set of users (local part case-insensitive), fails some temporarily at
/// delivery, and records every delivery.
struct Recorder {
    users: Vec<&'static str>,
    failing: Vec<&'static str>,
    delivered: Mutex<Vec<(String, Vec<u8>)>>,
    /// Whether each delivery's message came spooled to disk.
    spooled: Mutex<Vec<bool>>,
}

impl Recorder {
    fn new(failing: Vec<&'static str>) -> Recorder {
        Recorder {
            users: vec!["alice@example.com", "bob@example.com", "carol@example.com"],
            failing,
            delivered: Mutex::new(Vec::new()),
            spooled: Mutex::new(Vec::new()),
        }
    }

    fn delivered(&self) -> Vec<(String, Vec<u8>)> {
        self.delivered.lock().unwrap().clone()
    }
}

impl Delivery for Recorder {
    async fn accepts(&self, recipient: &str) -> Result<bool, DeliveryError> {
        let lower = recipient.to_ascii_lowercase();
        Ok(self.users.contains(&lower.as_str()))
    }

    async fn deliver(&self, recipient: &str, message: Message) -> Result<(), DeliveryError> {
        if self.failing.contains(&recipient) {
            return Err(DeliveryError::Temporary("store busy".to_owned()));
        }
        self.delivered
            .lock()
            .unwrap()
            .push((recipient.to_owned(), message.to_vec().unwrap()));
        self.spooled.lock().unwrap().push(message.is_spooled());
        Ok(())
    }
}

fn config() -> LmtpConfig {
    LmtpConfig {
        hostname: "mx.test".to_owned(),
        max_message_bytes: 10_000,
        max_recipients: 3,
        idle_timeout: Duration::from_secs(10),
        max_connections: 8,
        ..LmtpConfig::default()
    }
}

struct Server {
    addr: SocketAddr,
    recorder: Arc<Recorder>,
    shutdown: Shutdown,
    task: JoinHandle<std::io::Result<()>>,
}

async fn start(config: LmtpConfig, failing: Vec<&'static str>) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let recorder = Arc::new(Recorder::new(failing));
    let (shutdown, token) = Shutdown::new();
    let task = tokio::spawn(serve_lmtp(listener, recorder.clone(), config, token));
    Server {
        addr,
        recorder,
        shutdown,
        task,
    }
}

struct Client {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
}

impl Client {
    async fn connect(addr: SocketAddr) -> Client {
        let stream = tokio::time::timeout(STEP, TcpStream::connect(addr))
            .await
            .unwrap()
            .unwrap();
        let (r, w) = stream.into_split();
        Client {
            reader: BufReader::new(r),
            writer: w,
        }
    }

    /// Connect and read the greeting.
    async fn greeted(addr: SocketAddr) -> Client {
        let mut client = Client::connect(addr).await;
        let greeting = client.line().await;
        assert!(greeting.starts_with("220 mx.test "), "{greeting}");
        assert!(greeting.contains("LMTP"), "{greeting}");
        client
    }

    async fn send(&mut self, text: &str) {
        self.send_bytes(text.as_bytes()).await;
    }

    async fn send_bytes(&mut self, bytes: &[u8]) {
        tokio::time::timeout(STEP, self.writer.write_all(bytes))
            .await
            .unwrap()
            .unwrap();
    }

    /// One reply line without CRLF; panics at EOF.
    async fn line(&mut self) -> String {
        let mut line = String::new();
        let n = tokio::time::timeout(STEP, self.reader.read_line(&mut line))
            .await
            .expect("reply timed out")
            .unwrap();
        assert!(n > 0, "connection closed while a reply was expected");
        assert!(line.ends_with("\r\n"), "reply without CRLF: {line:?}");
        line.truncate(line.len() - 2);
        line
    }

    /// A whole (possibly multi-line) reply.
    async fn reply(&mut self) -> Vec<String> {
        let mut lines = Vec::new();
        loop {
            let line = self.line().await;
            let last = line.as_bytes().get(3) != Some(&b'-');
            lines.push(line);
            if last {
                return lines;
            }
        }
    }

    async fn command(&mut self, text: &str) -> String {
        self.send(&format!("{text}\r\n")).await;
        let reply = self.reply().await;
        assert_eq!(reply.len(), 1, "{reply:?}");
        reply.into_iter().next().unwrap()
    }

    async fn lhlo(&mut self) -> Vec<String> {
        self.send("LHLO client.example\r\n").await;
        let reply = self.reply().await;
        assert!(reply.iter().all(|l| l.starts_with("250")), "{reply:?}");
        reply
    }

    /// Reads until the server closes; returns what came before.
    async fn until_closed(&mut self) -> String {
        let mut rest = String::new();
        tokio::time::timeout(STEP, self.reader.read_to_string(&mut rest))
            .await
            .expect("server did not close the connection")
            .unwrap();
        rest
    }
}

fn code(reply: &str) -> &str {
    &reply[..reply.len().min(9)]
}

/// The id the server gave in its `250 2.0.0 <rcpt> delivered, id X` reply.
fn delivery_id(reply: &str) -> String {
    assert!(reply.starts_with("250 2.0.0 <"), "{reply}");
    reply.rsplit_once("id ").unwrap().1.to_owned()
}

/// The delivered bytes must be exactly the two prepended headers and then the body.
fn assert_delivered(message: &[u8], sender: &str, rcpt: &str, id: &str, body: &[u8]) {
    let prefix = format!(
        "Return-Path: <{sender}>\r\nReceived: from client.example ([127.0.0.1])\r\n\tby mx.test with LMTP id {id}\r\n\tfor <{rcpt}>; "
    );
    assert!(
        message.starts_with(prefix.as_bytes()),
        "{}",
        String::from_utf8_lossy(message)
    );
    let after = &message[prefix.len()..];
    let end = after.windows(2).position(|w| w == b"\r\n").unwrap();
    let date = std::str::from_utf8(&after[..end]).unwrap();
    let parsed = chrono::DateTime::parse_from_rfc2822(date).unwrap();
    let age = chrono::Utc::now().signed_duration_since(parsed);
    assert!(age.num_seconds().abs() < 60, "date {date} is not now");
    assert_eq!(
        String::from_utf8_lossy(&after[end + 2..]),
        String::from_utf8_lossy(body)
    );
}

async fn stop(server: Server) {
    server.shutdown.trigger();
    tokio::time::timeout(STEP, server.task)
        .await
        .expect("serve_lmtp did not return after shutdown")
        .unwrap()
        .unwrap();
}

const BODY: &str = "From: sender@ext.example\r\nSubject: hello\r\n\r\nHi there.\r\n";

#[tokio::test]
async fn transaction_with_an_unknown_recipient_answers_once_per_accepted_recipient() {
    let server = start(config(), vec![]).await;
    let mut c = Client::greeted(server.addr).await;
    let caps = c.lhlo().await;
    assert_eq!(
        caps,
        vec![
            "250-mx.test",
            "250-PIPELINING",
            "250-ENHANCEDSTATUSCODES",
            "250-8BITMIME",
            "250 SIZE 10000"
        ]
    );
    assert_eq!(
        code(
            &c.command("MAIL FROM:<sender@ext.example> SIZE=60 BODY=8BITMIME")
                .await
        ),
        "250 2.1.0"
    );
    assert_eq!(
        code(&c.command("RCPT TO:<Alice@Example.com>").await),
        "250 2.1.5"
    );
    assert_eq!(
        code(&c.command("RCPT TO:<nobody@example.com>").await),
        "550 5.1.1"
    );
    assert_eq!(code(&c.command("DATA").await), "354 2.0.0");
    c.send(&format!("{BODY}.\r\n")).await;
    let reply = c.line().await;
    let id = delivery_id(&reply);
    assert!(reply.contains("<Alice@Example.com>"), "{reply}");
    // Exactly one reply: the next line answers NOOP.
    assert_eq!(code(&c.command("NOOP").await), "250 2.0.0");

    let delivered = server.recorder.delivered();
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0].0, "Alice@Example.com");
    assert_delivered(
        &delivered[0].1,
        "sender@ext.example",
        "Alice@Example.com",
        &id,
        BODY.as_bytes(),
    );

    assert_eq!(code(&c.command("QUIT").await), "221 2.0.0");
    assert_eq!(c.until_closed().await, "");
    stop(server).await;
}

#[tokio::test]
async fn temporary_failure_affects_only_its_recipient_in_rcpt_order() {
    let server = start(config(), vec!["carol@example.com"]).await;
    let mut c = Client::greeted(server.addr).await;
    c.lhlo().await;
    assert_eq!(code(&c.command("MAIL FROM:<>").await), "250 2.1.0");
    assert_eq!(
        code(&c.command("RCPT TO:<carol@example.com>").await),
        "250 2.1.5"
    );
    assert_eq!(
        code(&c.command("RCPT TO:<bob@example.com>").await),
        "250 2.1.5"
    );
    assert_eq!(code(&c.command("DATA").await), "354 2.0.0");
    c.send(&format!("{BODY}.\r\n")).await;
    let first = c.line().await;
    let second = c.line().await;
    assert_eq!(code(&first), "451 4.3.0", "{first}");
    let id = delivery_id(&second);
    assert!(second.contains("<bob@example.com>"), "{second}");

    let delivered = server.recorder.delivered();
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0].0, "bob@example.com");
    // The null reverse path is kept as `<>`.
    assert_delivered(&delivered[0].1, "", "bob@example.com", &id, BODY.as_bytes());
    stop(server).await;
}

#[tokio::test]
async fn data_is_dot_unstuffed_and_bare_lf_becomes_crlf() {
    let server = start(config(), vec![]).await;
    let mut c = Client::greeted(server.addr).await;
    c.lhlo().await;
    c.command("MAIL FROM:<s@ext.example>").await;
    c.command("RCPT TO:<alice@example.com>").await;
    assert_eq!(code(&c.command("DATA").await), "354 2.0.0");
    c.send("Subject: dots\r\n\r\n..\r\n..leading dot\r\n...\r\nbare lf\n.. \r\n.\r\n")
        .await;
    let id = delivery_id(&c.line().await);
    let delivered = server.recorder.delivered();
    assert_delivered(
        &delivered[0].1,
        "s@ext.example",
        "alice@example.com",
        &id,
        b"Subject: dots\r\n\r\n.\r\n.leading dot\r\n..\r\nbare lf\r\n. \r\n",
    );

    // A bare-LF end marker is accepted too.
    c.command("MAIL FROM:<s@ext.example>").await;
    c.command("RCPT TO:<alice@example.com>").await;
    c.command("DATA").await;
    c.send("Subject: lf\n\nbody\n.\n").await;
    let id = delivery_id(&c.line().await);
    let delivered = server.recorder.delivered();
    assert_delivered(
        &delivered[1].1,
        "s@ext.example",
        "alice@example.com",
        &id,
        b"Subject: lf\r\n\r\nbody\r\n",
    );
    stop(server).await;
}

#[tokio::test]
async fn a_large_message_is_spooled_to_disk_and_every_recipient_gets_it_whole() {
    let spool = tempfile::tempdir().unwrap();
    let server = start(
        LmtpConfig {
            max_message_bytes: 4_000_000,
            spool_threshold: 64 * 1024,
            spool_dir: Some(spool.path().to_path_buf()),
            ..config()
        },
        vec![],
    )
    .await;
    let mut body = b"Subject: big\r\n\r\n".to_vec();
    let mut line = 0u32;
    while body.len() < 2_000_000 {
        body.extend_from_slice(format!(".line {line} of a long message\r\n").as_bytes());
        line += 1;
    }
    let mut c = Client::greeted(server.addr).await;
    c.lhlo().await;
    c.command("MAIL FROM:<s@ext.example>").await;
    c.command("RCPT TO:<alice@example.com>").await;
    c.command("RCPT TO:<bob@example.com>").await;
    assert_eq!(code(&c.command("DATA").await), "354 2.0.0");
    // Dot-stuffed on the wire, as an MTA sends it.
    let mut wire = Vec::new();
    for l in body.split_inclusive(|b| *b == b'\n') {
        if l.starts_with(b".") {
            wire.push(b'.');
        }
        wire.extend_from_slice(l);
    }
    wire.extend_from_slice(b".\r\n");
    c.send_bytes(&wire).await;
    let alice = delivery_id(&c.line().await);
    let bob = delivery_id(&c.line().await);
    let delivered = server.recorder.delivered();
    assert_delivered(
        &delivered[0].1,
        "s@ext.example",
        "alice@example.com",
        &alice,
        &body,
    );
    assert_delivered(
        &delivered[1].1,
        "s@ext.example",
        "bob@example.com",
        &bob,
        &body,
    );
    assert_eq!(*server.recorder.spooled.lock().unwrap(), [true, true]);
    // A small message stays in memory.
    c.command("MAIL FROM:<s@ext.example>").await;
    c.command("RCPT TO:<alice@example.com>").await;
    c.command("DATA").await;
    c.send("Subject: small\r\n\r\nhi\r\n.\r\n").await;
    delivery_id(&c.line().await);
    assert_eq!(
        *server.recorder.spooled.lock().unwrap(),
        [true, true, false]
    );
    // Spool files have no name: nothing is left behind, even by a crash.
    assert_eq!(std::fs::read_dir(spool.path()).unwrap().count(), 0);
    stop(server).await;
}

#[tokio::test]
async fn pipelined_commands_in_one_write_get_all_their_replies() {
    let server = start(config(), vec![]).await;
    let mut c = Client::greeted(server.addr).await;
    c.send(
        "LHLO client.example\r\nMAIL FROM:<s@ext.example>\r\nRCPT TO:<alice@example.com>\r\n\
         RCPT TO:<nobody@example.com>\r\nRCPT TO:<bob@example.com>\r\nDATA\r\n",
    )
    .await;
    let lhlo = c.reply().await;
    assert_eq!(lhlo.last().unwrap(), "250 SIZE 10000");
    assert_eq!(code(&c.line().await), "250 2.1.0");
    assert_eq!(code(&c.line().await), "250 2.1.5");
    assert_eq!(code(&c.line().await), "550 5.1.1");
    assert_eq!(code(&c.line().await), "250 2.1.5");
    assert_eq!(code(&c.line().await), "354 2.0.0");
    c.send(&format!("{BODY}.\r\nNOOP\r\nQUIT\r\n")).await;
    let alice = c.line().await;
    let bob = c.line().await;
    assert!(alice.contains("<alice@example.com>"), "{alice}");
    assert!(bob.contains("<bob@example.com>"), "{bob}");
    assert_eq!(code(&c.line().await), "250 2.0.0");
    assert_eq!(code(&c.line().await), "221 2.0.0");
    assert_eq!(c.until_closed().await, "");
    let delivered = server.recorder.delivered();
    let rcpts: Vec<_> = delivered.iter().map(|(r, _)| r.as_str()).collect();
    assert_eq!(rcpts, ["alice@example.com", "bob@example.com"]);
    stop(server).await;
}

#[tokio::test]
async fn oversized_message_is_refused_per_recipient_and_the_session_goes_on() {
    let server = start(
        LmtpConfig {
            max_message_bytes: 100,
            ..config()
        },
        vec![],
    )
    .await;
    let mut c = Client::greeted(server.addr).await;
    assert_eq!(c.lhlo().await.last().unwrap(), "250 SIZE 100");
    // Declared too big: refused at MAIL.
    assert_eq!(
        code(&c.command("MAIL FROM:<s@ext.example> SIZE=101").await),
        "552 5.3.4"
    );
    // Not declared: read to the end, then refused once per recipient.
    c.command("MAIL FROM:<s@ext.example>").await;
    c.command("RCPT TO:<alice@example.com>").await;
    c.command("RCPT TO:<bob@example.com>").await;
    assert_eq!(code(&c.command("DATA").await), "354 2.0.0");
    let mut big = String::from("Subject: big\r\n\r\n");
    for i in 0..50 {
        big.push_str(&format!("line {i}\r\n"));
    }
    // One very long line too: it must not be buffered whole.
    big.push_str(&"x".repeat(100_000));
    big.push_str("\r\n.\r\n");
    c.send(&big).await;
    assert_eq!(code(&c.line().await), "552 5.3.4");
    assert_eq!(code(&c.line().await), "552 5.3.4");
    assert!(server.recorder.delivered().is_empty());

    // The next transaction works.
    assert_eq!(
        code(&c.command("MAIL FROM:<s@ext.example> SIZE=100").await),
        "250 2.1.0"
    );
    c.command("RCPT TO:<alice@example.com>").await;
    c.command("DATA").await;
    c.send("Subject: small\r\n\r\nok\r\n.\r\n").await;
    let id = delivery_id(&c.line().await);
    let delivered = server.recorder.delivered();
    assert_eq!(delivered.len(), 1);
    assert_delivered(
        &delivered[0].1,
        "s@ext.example",
        "alice@example.com",
        &id,
        b"Subject: small\r\n\r\nok\r\n",
    );
    stop(server).await;
}

#[tokio::test]
async fn commands_out_of_sequence_and_malformed_lines_get_replies() {
    let server = start(config(), vec![]).await;
    let mut c = Client::greeted(server.addr).await;
    assert_eq!(code(&c.command("MAIL FROM:<s@x>").await), "503 5.5.1");
    assert_eq!(
        code(&c.command("RCPT TO:<alice@example.com>").await),
        "503 5.5.1"
    );
    assert_eq!(code(&c.command("DATA").await), "503 5.5.1");
    c.lhlo().await;
    assert_eq!(
        code(&c.command("RCPT TO:<alice@example.com>").await),
        "503 5.5.1"
    );
    assert_eq!(code(&c.command("DATA").await), "503 5.5.1");
    assert_eq!(code(&c.command("MAIL FROM:<s@x>").await), "250 2.1.0");
    assert_eq!(code(&c.command("MAIL FROM:<s@x>").await), "503 5.5.1");
    // No accepted recipient yet.
    assert_eq!(
        code(&c.command("RCPT TO:<nobody@example.com>").await),
        "550 5.1.1"
    );
    assert_eq!(code(&c.command("DATA").await), "503 5.5.1");
    // Too many recipients (limit 3).
    for rcpt in ["alice", "bob", "carol"] {
        let r = c.command(&format!("RCPT TO:<{rcpt}@example.com>")).await;
        assert_eq!(code(&r), "250 2.1.5");
    }
    assert_eq!(
        code(&c.command("RCPT TO:<alice@example.com>").await),
        "452 4.5.3"
    );
    assert_eq!(code(&c.command("RSET").await), "250 2.0.0");
    assert_eq!(
        code(&c.command("RCPT TO:<alice@example.com>").await),
        "503 5.5.1"
    );

    assert_eq!(code(&c.command("FROB").await), "500 5.5.2");
    assert_eq!(code(&c.command("").await), "500 5.5.2");
    assert_eq!(code(&c.command(&"N".repeat(1500)).await), "500 5.5.2");
    c.send_bytes(b"NOOP \xff\xfe\r\n").await;
    assert_eq!(code(&c.line().await), "500 5.5.2");
    assert_eq!(code(&c.command("MAIL TO:<s@x>").await), "501 5.5.4");
    assert_eq!(code(&c.command("MAIL FROM:<s@x> FOO=1").await), "555 5.5.4");
    assert_eq!(
        code(&c.command("MAIL FROM:<s@x> SIZE=abc").await),
        "501 5.5.4"
    );
    assert_eq!(code(&c.command("MAIL FROM:<s@x").await), "501 5.1.7");
    assert_eq!(code(&c.command("VRFY alice").await), "252 2.5.0");
    assert_eq!(code(&c.command("LHLO").await), "501 5.5.4");
    assert_eq!(code(&c.command("noop").await), "250 2.0.0");
    assert!(server.recorder.delivered().is_empty());
    stop(server).await;
}

#[tokio::test]
async fn helo_and_ehlo_are_refused_lhlo_works() {
    let server = start(config(), vec![]).await;
    let mut c = Client::greeted(server.addr).await;
    assert_eq!(code(&c.command("HELO client.example").await), "500 5.5.1");
    assert_eq!(code(&c.command("EHLO client.example").await), "500 5.5.1");
    // HELO did not open the session.
    assert_eq!(code(&c.command("MAIL FROM:<s@x>").await), "503 5.5.1");
    c.lhlo().await;
    assert_eq!(code(&c.command("MAIL FROM:<s@x>").await), "250 2.1.0");
    assert_eq!(code(&c.command("QUIT").await), "221 2.0.0");
    stop(server).await;
}

#[tokio::test]
async fn idle_session_gets_421_and_is_closed() {
    let server = start(
        LmtpConfig {
            idle_timeout: Duration::from_millis(300),
            ..config()
        },
        vec![],
    )
    .await;
    let mut c = Client::greeted(server.addr).await;
    c.lhlo().await;
    let started = std::time::Instant::now();
    assert_eq!(code(&c.line().await), "421 4.4.2");
    assert!(started.elapsed() >= Duration::from_millis(250));
    assert_eq!(c.until_closed().await, "");
    stop(server).await;
}

#[tokio::test]
async fn too_many_connections_get_421() {
    let server = start(
        LmtpConfig {
            max_connections: 1,
            ..config()
        },
        vec![],
    )
    .await;
    let mut first = Client::greeted(server.addr).await;
    let mut second = Client::connect(server.addr).await;
    assert_eq!(code(&second.line().await), "421 4.3.2");
    assert_eq!(second.until_closed().await, "");
    // The first session is unaffected.
    assert_eq!(code(&first.command("NOOP").await), "250 2.0.0");
    assert_eq!(code(&first.command("QUIT").await), "221 2.0.0");
    first.until_closed().await;
    // Its slot is free again.
    let mut third = Client::greeted(server.addr).await;
    assert_eq!(code(&third.command("NOOP").await), "250 2.0.0");
    stop(server).await;
}

#[tokio::test]
async fn shutdown_stops_the_listener_and_lets_a_transaction_finish() {
    let server = start(config(), vec![]).await;
    let mut idle = Client::greeted(server.addr).await;
    let mut busy = Client::greeted(server.addr).await;
    busy.lhlo().await;
    busy.command("MAIL FROM:<s@ext.example>").await;

    server.shutdown.trigger();
    // The idle session is told at once.
    assert_eq!(code(&idle.line().await), "421 4.3.2");
    assert_eq!(idle.until_closed().await, "");
    // The session in a transaction can complete it, then is closed.
    assert_eq!(
        code(&busy.command("RCPT TO:<alice@example.com>").await),
        "250 2.1.5"
    );
    busy.command("DATA").await;
    busy.send(&format!("{BODY}.\r\n")).await;
    delivery_id(&busy.line().await);
    assert_eq!(code(&busy.line().await), "421 4.3.2");
    assert_eq!(busy.until_closed().await, "");
    assert_eq!(server.recorder.delivered().len(), 1);

    tokio::time::timeout(STEP, server.task)
        .await
        .expect("serve_lmtp did not return after shutdown")
        .unwrap()
        .unwrap();
    // Nothing listens any more: a new connection is refused or closed without a greeting.
    if let Ok(mut stream) = TcpStream::connect(server.addr).await {
        let mut buf = Vec::new();
        let read = tokio::time::timeout(STEP, stream.read_to_end(&mut buf)).await;
        assert!(matches!(read, Ok(Ok(0)) | Ok(Err(_))), "{buf:?}");
    }
}
