//! Mail out end to end: SendMail, SmartReply and SmartForward over HTTPS, local delivery,
//! relay to a loopback SMTP sink, the queue across a relay outage and a restart, bounces.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use eas_codec::codec::Opaque;
use eas_codec::command::compose::{
    SendMailRequest, SendMailResponse, SmartForwardRequest, SmartReplyRequest, Source,
};
use eas_codec::command::sync::{SyncResponseCollection, SyncResponseCommand};
use eas_codec::data::ApplicationData;
use eas_codec::data::email::Email;
use eas_server::mailout::TlsMode;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// One message the sink accepted.
#[derive(Debug, Clone)]
struct Received {
    from: String,
    to: Vec<String>,
    data: String,
}

/// A loopback SMTP server: accepts everything except recipients in `refuse` (550).
struct Sink {
    addr: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Sink {
    async fn start(addr: &str, refuse: Vec<&'static str>) -> Sink {
        let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let received = Arc::new(Mutex::new(Vec::new()));
        let store = received.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let store = store.clone();
                let refuse = refuse.clone();
                tokio::spawn(async move {
                    let (r, mut w) = stream.into_split();
                    let mut r = BufReader::new(r);
                    let _ = w.write_all(b"220 sink.test ESMTP\r\n").await;
                    let mut from = String::new();
                    let mut to = Vec::new();
                    let mut line = String::new();
                    loop {
                        line.clear();
                        if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                            return;
                        }
                        let upper = line.to_ascii_uppercase();
                        let reply: String = if upper.starts_with("EHLO") {
                            "250-sink.test\r\n250 8BITMIME\r\n".into()
                        } else if upper.starts_with("MAIL FROM:") {
                            from = line[10..].trim().trim_matches(['<', '>']).to_string();
                            to.clear();
                            "250 ok\r\n".into()
                        } else if upper.starts_with("RCPT TO:") {
                            let rcpt = line[8..].trim().trim_matches(['<', '>']).to_string();
                            if refuse.contains(&rcpt.as_str()) {
                                "550 5.1.1 no such user\r\n".into()
                            } else {
                                to.push(rcpt);
                                "250 ok\r\n".into()
                            }
                        } else if upper.starts_with("DATA") {
                            let _ = w.write_all(b"354 go on\r\n").await;
                            let mut data = String::new();
                            loop {
                                let mut l = String::new();
                                if r.read_line(&mut l).await.unwrap_or(0) == 0 {
                                    return;
                                }
                                if l == ".\r\n" {
                                    break;
                                }
                                data.push_str(l.strip_prefix('.').unwrap_or(&l));
                            }
                            store.lock().unwrap().push(Received {
                                from: from.clone(),
                                to: to.clone(),
                                data,
                            });
                            "250 queued\r\n".into()
                        } else if upper.starts_with("QUIT") {
                            let _ = w.write_all(b"221 bye\r\n").await;
                            return;
                        } else {
                            "250 ok\r\n".into()
                        };
                        if w.write_all(reply.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        Sink {
            addr,
            received,
            task,
        }
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Wait until at least `n` messages arrived.
    async fn wait_for(&self, n: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let got = self.received();
            if got.len() >= n || Instant::now() > deadline {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn relay_to(addr: SocketAddr) -> impl FnOnce(&mut eas_server::config::Config) {
    move |c| {
        c.relay.host = addr.ip().to_string();
        c.relay.port = addr.port();
        c.relay.tls = TlsMode::None;
        c.relay.retry_secs = vec![1];
        c.relay.helo = "mx.example.com".into();
    }
}

fn emails(r: &SyncResponseCollection) -> Vec<(String, Email)> {
    r.commands
        .iter()
        .flat_map(|c| c.commands.iter())
        .filter_map(|c| match c {
            SyncResponseCommand::Add(a) => match &a.application_data {
                ApplicationData::Email(e) => Some((a.server_id.to_string(), (**e).clone())),
                _ => None,
            },
            SyncResponseCommand::Change(a) => match &a.application_data {
                ApplicationData::Email(e) => Some((a.server_id.to_string(), (**e).clone())),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// Sync `folder` from `key` until something arrives (the relay delivers asynchronously).
async fn wait_mail(c: &Client, folder: &str, key: &mut String) -> Vec<(String, Email)> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let r = c.sync_one(folder, key, None, vec![]).await;
        *key = r.sync_key.to_string();
        let got = emails(&r);
        if !got.is_empty() || Instant::now() > deadline {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn primed(c: &Client, folder_type: u8) -> (String, String) {
    let folder = c.folder_of_type(folder_type).await;
    let (key, _) = c.sync_all(&folder, vec![]).await;
    (folder, key)
}

fn send_request(client_id: &str, mime: &str, save: bool) -> SendMailRequest {
    SendMailRequest {
        client_id: client_id.into(),
        save_in_sent_items: save.then_some(eas_codec::codec::Empty),
        mime: Opaque(mime.as_bytes().to_vec()),
        ..SendMailRequest::default()
    }
}

async fn queue_depth(server: &TestServer) -> u64 {
    let store = eas_server::store::Store::open(server.config.database_path()).unwrap();
    eas_server::mailout::queue_depth(store.connection()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sendmail_reaches_local_and_remote_recipients_once_and_files_a_copy() {
    let sink = Sink::start("127.0.0.1:0", vec![]).await;
    let server = TestServer::start(relay_to(sink.addr), |_| {}).await;
    let alice = server.client("alice@example.com", "alice-pw", "SEND", "14.1");
    let bob = server.client("bob@example.com", "bob-pw", "BOBS", "14.1");
    let (bob_inbox, mut bob_key) = primed(&bob, 2).await;
    let (sent, mut sent_key) = primed(&alice, 5).await;

    let mime = "From: Alice <alice@example.com>\r\nTo: Bob <bob@example.com>\r\n\
        Cc: carol@remote.example\r\nBcc: dave@remote.example\r\nSubject: Quarterly\r\n\
        MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nNumbers attached.\r\n";
    let a = alice
        .post("SendMail", &send_request("c-1", mime, true))
        .await;
    assert_eq!(a.status, 200);
    assert!(a.body.is_empty(), "success is an empty response");

    let got = wait_mail(&bob, &bob_inbox, &mut bob_key).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].1.subject.as_deref(), Some("Quarterly"));
    let relayed = sink.wait_for(2).await;
    assert_eq!(relayed.len(), 2, "{relayed:?}");
    let mut to: Vec<String> = relayed.iter().flat_map(|r| r.to.clone()).collect();
    to.sort();
    assert_eq!(to, ["carol@remote.example", "dave@remote.example"]);
    for r in &relayed {
        assert_eq!(r.from, "alice@example.com");
        assert!(!r.data.contains("Bcc:"), "Bcc must not travel: {}", r.data);
        assert!(r.data.contains("Message-ID: <"), "a Message-ID is added");
    }
    // The Sent Items copy keeps the Bcc and is read.
    let copy = wait_mail(&alice, &sent, &mut sent_key).await;
    assert_eq!(copy.len(), 1);
    assert_eq!(copy[0].1.read, Some(true));

    // The device lost our answer and sends again: 118, and nothing goes out twice.
    let again: SendMailResponse = alice
        .call("SendMail", &send_request("c-1", mime, true))
        .await;
    assert_eq!(again.status.map(|s| s.code()), Some(118));
    let deadline = Instant::now() + Duration::from_secs(5);
    while queue_depth(&server).await > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(queue_depth(&server).await, 0);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.received().len(), 2);

    // Sending as someone else is refused; so is what is not a message.
    let forged = mime.replace("From: Alice <alice@example.com>", "From: boss@example.com");
    let r: SendMailResponse = alice
        .call("SendMail", &send_request("c-2", &forged, false))
        .await;
    assert_eq!(r.status.map(|s| s.code()), Some(130));
    let r: SendMailResponse = alice
        .call(
            "SendMail",
            &send_request("c-3", "this is not a message", false),
        )
        .await;
    assert_eq!(r.status.map(|s| s.code()), Some(107));
    let r: SendMailResponse = alice
        .call(
            "SendMail",
            &send_request(
                "c-4",
                "From: alice@example.com\r\nSubject: x\r\n\r\nx\r\n",
                false,
            ),
        )
        .await;
    assert_eq!(r.status.map(|s| s.code()), Some(119), "no recipient");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_12_1_sendmail_then_smart_reply_and_forward_mark_the_original() {
    let sink = Sink::start("127.0.0.1:0", vec![]).await;
    let server = TestServer::start(relay_to(sink.addr), |_| {}).await;
    let old = server.client("alice@example.com", "alice-pw", "OLD", "12.1");
    let bob = server.client("bob@example.com", "bob-pw", "BOBR", "14.1");
    let alice = server.client("alice@example.com", "alice-pw", "NEW", "14.1");
    let (bob_inbox, mut bob_key) = primed(&bob, 2).await;
    let (alice_inbox, mut alice_key) = primed(&alice, 2).await;
    let (alice_sent, mut sent_key) = primed(&alice, 5).await;

    // 12.1: the MIME is the body, SaveInSent a URL parameter.
    let mime = "From: alice@example.com\r\nTo: bob@example.com\r\nSubject: Lunch?\r\n\
        Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n\
        Content-Type: text/plain\r\n\r\nShall we meet at noon?\r\n--b\r\n\
        Content-Type: application/pdf; name=\"menu.pdf\"\r\nContent-Disposition: attachment; filename=\"menu.pdf\"\r\n\
        Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n";
    let a = old
        .post_raw("SendMail", "&SaveInSent=T", mime.as_bytes().to_vec())
        .await;
    assert_eq!(a.status, 200, "{a:?}");
    let copy = wait_mail(&alice, &alice_sent, &mut sent_key).await;
    assert_eq!(copy.len(), 1);
    let got = wait_mail(&bob, &bob_inbox, &mut bob_key).await;
    let (original_id, original) = got.into_iter().next().expect("delivered");
    assert_eq!(original.subject.as_deref(), Some("Lunch?"));

    // Bob replies: Alice gets the reply with the original quoted.
    let reply = SmartReplyRequest {
        client_id: "r-1".into(),
        source: Source {
            folder_id: Some(bob_inbox.as_str().into()),
            item_id: Some(original_id.as_str().into()),
            ..Source::default()
        },
        mime: Opaque(
            b"From: bob@example.com\r\nTo: alice@example.com\r\nSubject: Re: Lunch?\r\n\r\nYes!\r\n"
                .to_vec(),
        ),
        ..SmartReplyRequest::default()
    };
    let a = bob.post("SmartReply", &reply).await;
    assert_eq!(a.status, 200);
    assert!(a.body.is_empty(), "{:?}", a.body);
    let got = wait_mail(&alice, &alice_inbox, &mut alice_key).await;
    assert_eq!(got.len(), 1);
    let reply_mail = &got[0].1;
    assert_eq!(reply_mail.subject.as_deref(), Some("Re: Lunch?"));
    let body = reply_mail
        .body
        .as_ref()
        .and_then(|b| b.data.as_deref())
        .unwrap_or_default()
        .to_string();
    assert!(
        body.contains("Yes!") && body.contains("Shall we meet at noon?"),
        "{body}"
    );

    // Bob's original now says "replied".
    let changed = wait_mail(&bob, &bob_inbox, &mut bob_key).await;
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert_eq!(changed[0].1.last_verb_executed, Some(1));

    // Bob forwards it outside: the sink gets the text and the attachment.
    let forward = SmartForwardRequest {
        client_id: "f-1".into(),
        source: Source {
            folder_id: Some(bob_inbox.as_str().into()),
            item_id: Some(original_id.as_str().into()),
            ..Source::default()
        },
        mime: Some(Opaque(
            b"From: bob@example.com\r\nTo: carol@remote.example\r\nSubject: Fw: Lunch?\r\n\r\nFYI\r\n"
                .to_vec(),
        )),
        ..SmartForwardRequest::default()
    };
    let a = bob.post("SmartForward", &forward).await;
    assert_eq!(a.status, 200);
    let relayed = sink.wait_for(1).await;
    assert_eq!(relayed.len(), 1);
    assert_eq!(relayed[0].to, ["carol@remote.example"]);
    assert!(relayed[0].data.contains("FYI"));
    assert!(relayed[0].data.contains("menu.pdf"), "{}", relayed[0].data);
    let changed = wait_mail(&bob, &bob_inbox, &mut bob_key).await;
    assert_eq!(changed[0].1.last_verb_executed, Some(3));

    // A reply to an item that does not exist: 150.
    let mut missing = reply.clone();
    missing.client_id = "r-2".into();
    missing.source.item_id = Some("999999".into());
    let r: eas_codec::command::compose::SmartReplyResponse = bob.call("SmartReply", &missing).await;
    assert_eq!(r.status.map(|s| s.code()), Some(150));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_outage_keeps_the_message_queued_across_a_restart_until_it_is_back() {
    // A relay that is down: a listener that never answers (kept, so no other test's sink
    // can take its port), with a short SMTP time limit.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap();
    let mut server = TestServer::start(
        |c| {
            relay_to(port)(c);
            c.relay.timeout_secs = 1;
        },
        |_| {},
    )
    .await;
    let alice = server.client("alice@example.com", "alice-pw", "OUT", "14.1");
    let mime =
        "From: alice@example.com\r\nTo: carol@remote.example\r\nSubject: Later\r\n\r\nhi\r\n";
    let a = alice
        .post("SendMail", &send_request("q-1", mime, false))
        .await;
    assert_eq!(a.status, 200, "accepted: the queue will retry");
    // Several attempts fail (1 s apart); the message waits.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(queue_depth(&server).await, 1);

    // The server restarts; the relay comes back; the message goes out.
    server.running.take().unwrap().stop().await;
    drop(silent);
    let sink = Sink::start(&port.to_string(), vec![]).await;
    server.running = Some(
        eas_server::app::start(&server.config, directory_config())
            .await
            .unwrap(),
    );
    let relayed = sink.wait_for(1).await;
    assert_eq!(relayed.len(), 1, "delivered after the restart");
    assert!(relayed[0].data.contains("Subject: Later"));
    let deadline = Instant::now() + Duration::from_secs(5);
    while queue_depth(&server).await > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(queue_depth(&server).await, 0);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.received().len(), 1, "exactly once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_permanent_refusal_bounces_to_the_sender_and_no_relay_means_status_120() {
    let sink = Sink::start("127.0.0.1:0", vec!["nobody@remote.example"]).await;
    let server = TestServer::start(relay_to(sink.addr), |_| {}).await;
    let alice = server.client("alice@example.com", "alice-pw", "BNC", "14.1");
    let (inbox, mut key) = primed(&alice, 2).await;
    let mime =
        "From: alice@example.com\r\nTo: nobody@remote.example\r\nSubject: Hello?\r\n\r\nhi\r\n";
    let a = alice
        .post("SendMail", &send_request("b-1", mime, false))
        .await;
    assert_eq!(a.status, 200);
    let got = wait_mail(&alice, &inbox, &mut key).await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(
        got[0].1.subject.as_deref(),
        Some("Undelivered Mail Returned to Sender: Hello?")
    );
    // The row goes right after the report is delivered.
    let deadline = Instant::now() + Duration::from_secs(5);
    while queue_depth(&server).await > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(queue_depth(&server).await, 0);

    // Without a relay, a remote recipient is refused up front.
    let plain = TestServer::start(|_| {}, |_| {}).await;
    let c = plain.client("alice@example.com", "alice-pw", "NOR", "14.1");
    let r: SendMailResponse = c.call("SendMail", &send_request("n-1", mime, false)).await;
    assert_eq!(r.status.map(|s| s.code()), Some(120));
}

/// Sync `folder` from `key` with the whole MIME message as the body until something arrives.
async fn wait_mime(c: &Client, folder: &str, key: &mut String) -> Vec<(String, String)> {
    use eas_codec::command::sync::SyncOptions;
    use eas_codec::data::airsyncbase::BodyPreference;
    let options = vec![SyncOptions {
        mime_support: Some(2),
        body_preference: vec![BodyPreference {
            body_type: 4,
            ..BodyPreference::default()
        }],
        ..SyncOptions::default()
    }];
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let r = c.sync_one(folder, key, None, options.clone()).await;
        *key = r.sync_key.to_string();
        let got: Vec<(String, String)> = emails(&r)
            .into_iter()
            .map(|(id, e)| {
                let mime = e
                    .body
                    .and_then(|b| b.data)
                    .map(|d| d.to_string())
                    .unwrap_or_default();
                (id, mime)
            })
            .collect();
        if !got.is_empty() || Instant::now() > deadline {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_local_sendmail_wakes_the_recipients_ping_and_the_sent_copy_keeps_the_bcc() {
    use eas_codec::command::ping::{
        PingFolder, PingFolders, PingRequest, PingResponse, PingStatus,
    };
    let sink = Sink::start("127.0.0.1:0", vec![]).await;
    let server = TestServer::start(relay_to(sink.addr), |_| {}).await;
    let alice = server.client("alice@example.com", "alice-pw", "PSEND", "14.1");
    let bob = server.client("bob@example.com", "bob-pw", "PBOB", "14.1");
    let (bob_inbox, mut bob_key) = primed(&bob, 2).await;
    let (sent, mut sent_key) = primed(&alice, 5).await;

    let ping = PingRequest {
        heartbeat_interval: Some(300),
        folders: Some(PingFolders {
            folders: vec![PingFolder {
                id: bob_inbox.as_str().into(),
                class: "Email".into(),
            }],
        }),
    };
    let parked = {
        let bob = bob.clone();
        tokio::spawn(async move { bob.call::<_, PingResponse>("Ping", &ping).await })
    };
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(!parked.is_finished(), "nothing has changed yet");

    let mime = "From: alice@example.com\r\nTo: bob@example.com\r\nBcc: eve@remote.example\r\n\
        Subject: Ping me\r\nContent-Type: text/plain\r\n\r\nwake up\r\n";
    let a = alice
        .post("SendMail", &send_request("w-1", mime, true))
        .await;
    assert_eq!(a.status, 200);
    assert!(a.body.is_empty());

    let woken = tokio::time::timeout(Duration::from_secs(10), parked)
        .await
        .expect("the Ping is answered once the mail is delivered")
        .unwrap();
    assert_eq!(woken.status, PingStatus::ChangesOccurred);
    assert_eq!(woken.folders.unwrap().folders[0].as_str(), bob_inbox);

    // Bob's copy has no Bcc; the remote Bcc recipient got it without the header.
    let got = wait_mime(&bob, &bob_inbox, &mut bob_key).await;
    assert_eq!(got.len(), 1);
    assert!(got[0].1.contains("Subject: Ping me"), "{}", got[0].1);
    assert!(!got[0].1.contains("eve@remote.example"), "{}", got[0].1);
    let relayed = sink.wait_for(1).await;
    assert_eq!(relayed[0].to, ["eve@remote.example"]);
    assert!(!relayed[0].data.contains("Bcc:"));

    // Alice's Sent Items copy keeps who was Bcc'd.
    let copy = wait_mime(&alice, &sent, &mut sent_key).await;
    assert_eq!(copy.len(), 1);
    assert!(
        copy[0].1.contains("Bcc: eve@remote.example"),
        "{}",
        copy[0].1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_12_1_smart_forward_and_reply_name_the_original_in_the_query() {
    let sink = Sink::start("127.0.0.1:0", vec![]).await;
    let server = TestServer::start(relay_to(sink.addr), |_| {}).await;
    let bob = server.client("bob@example.com", "bob-pw", "OLDBOB", "12.1");
    let alice = server.client("alice@example.com", "alice-pw", "ALI", "14.1");
    let (inbox, mut key) = primed(&bob, 2).await;
    let (alice_inbox, mut alice_key) = primed(&alice, 2).await;
    let (sent, mut sent_key) = primed(&bob, 5).await;
    let original = "From: alice@example.com\r\nTo: bob@example.com\r\nSubject: Plans\r\n\
        MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"x\"\r\n\r\n--x\r\n\
        Content-Type: text/plain\r\n\r\nThe floor plan is attached.\r\n--x\r\n\
        Content-Type: image/png; name=\"plan.png\"\r\n\
        Content-Disposition: attachment; filename=\"plan.png\"\r\n\
        Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--x--\r\n";
    let reply = lmtp_deliver(server.lmtp(), "bob@example.com", original).await;
    assert!(reply.contains("250"), "{reply}");
    let got = wait_mail(&bob, &inbox, &mut key).await;
    let (item, _) = got.into_iter().next().expect("delivered");
    // A 14.1 device of Bob's watches the same Inbox for the "forwarded" mark.
    let bob_new = server.client("bob@example.com", "bob-pw", "NEWBOB", "14.1");
    let (mut new_key, _) = bob_new.sync_all(&inbox, vec![]).await;

    // SmartForward: ItemId and CollectionId in the query, the MIME as the body.
    let forward = "From: bob@example.com\r\nTo: carol@remote.example\r\n\
        Bcc: dora@remote.example\r\nSubject: Fw: Plans\r\n\r\nSee below.\r\n";
    let query = format!(
        "&ItemId={}&CollectionId={}&SaveInSent=T",
        urlencode(&item),
        urlencode(&inbox)
    );
    let a = bob
        .post_raw("SmartForward", &query, forward.as_bytes().to_vec())
        .await;
    assert_eq!(a.status, 200, "{a:?}");
    assert!(a.body.is_empty());
    let relayed = sink.wait_for(2).await;
    let mut to: Vec<String> = relayed.iter().flat_map(|r| r.to.clone()).collect();
    to.sort();
    assert_eq!(to, ["carol@remote.example", "dora@remote.example"]);
    for r in &relayed {
        assert!(r.data.contains("See below."), "{}", r.data);
        assert!(r.data.contains("plan.png"), "{}", r.data);
        assert!(!r.data.contains("Bcc:"), "{}", r.data);
    }
    // The Sent Items copy is the whole forward, attachment included, and keeps the Bcc.
    let copy = wait_mime(&bob, &sent, &mut sent_key).await;
    assert_eq!(copy.len(), 1);
    assert!(
        copy[0].1.contains("Bcc: dora@remote.example"),
        "{}",
        copy[0].1
    );
    assert!(copy[0].1.contains("plan.png"), "{}", copy[0].1);
    assert!(copy[0].1.contains("See below."), "{}", copy[0].1);
    let changed = wait_mail(&bob_new, &inbox, &mut new_key).await;
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert_eq!(changed[0].0, item);
    assert_eq!(changed[0].1.last_verb_executed, Some(3), "forwarded");

    // SmartReply to Alice, quoting the original; no SaveInSent, no copy.
    let answer = "From: bob@example.com\r\nTo: alice@example.com\r\nSubject: Re: Plans\r\n\r\nLooks good.\r\n";
    let query = format!(
        "&ItemId={}&CollectionId={}",
        urlencode(&item),
        urlencode(&inbox)
    );
    let a = bob
        .post_raw("SmartReply", &query, answer.as_bytes().to_vec())
        .await;
    assert_eq!(a.status, 200, "{a:?}");
    let got = wait_mail(&alice, &alice_inbox, &mut alice_key).await;
    assert_eq!(got.len(), 1);
    let body = got[0]
        .1
        .body
        .as_ref()
        .and_then(|b| b.data.as_deref())
        .unwrap_or_default()
        .to_string();
    assert!(
        body.contains("Looks good.") && body.contains("The floor plan is attached."),
        "{body}"
    );

    // Without ItemId the request cannot name its original: an HTTP error, nothing queued.
    let a = bob
        .post_raw(
            "SmartReply",
            &format!("&CollectionId={}", urlencode(&inbox)),
            answer.as_bytes().to_vec(),
        )
        .await;
    assert!(a.status >= 400, "{a:?}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let r = bob.sync_one(&sent, &sent_key, None, vec![]).await;
    assert!(
        emails(&r).is_empty(),
        "no Sent Items copy without SaveInSent"
    );
    assert_eq!(sink.received().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_past_its_lifetime_comes_back_as_a_delivery_report() {
    // A relay that never answers (see the outage test).
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap();
    let server = TestServer::start(
        |c| {
            relay_to(port)(c);
            c.relay.max_lifetime_secs = 2;
            c.relay.timeout_secs = 1;
        },
        |_| {},
    )
    .await;
    let alice = server.client("alice@example.com", "alice-pw", "LIFE", "14.1");
    let (inbox, mut key) = primed(&alice, 2).await;
    let mime =
        "From: alice@example.com\r\nTo: far@remote.example\r\nSubject: Anyone?\r\n\r\nhi\r\n";
    let a = alice
        .post("SendMail", &send_request("l-1", mime, false))
        .await;
    assert_eq!(a.status, 200);
    // First attempts fail temporarily and the message stays queued.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(queue_depth(&server).await, 1);
    let got = wait_mime(&alice, &inbox, &mut key).await;
    assert_eq!(got.len(), 1, "{got:?}");
    let report = &got[0].1;
    assert!(
        report.contains("Undelivered Mail Returned to Sender: Anyone?"),
        "{report}"
    );
    assert!(report.contains("multipart/report"), "{report}");
    assert!(report.contains("far@remote.example"), "{report}");
    assert!(report.contains("Action: failed"), "{report}");
    assert_eq!(queue_depth(&server).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_search_result_is_replied_to_by_its_long_id_and_replace_mime_sends_only_the_client_text()
{
    use eas_codec::command::compose::SmartReplyResponse;
    use eas_codec::command::search::{
        QueryGroup, QueryTerm, SearchOptions, SearchQuery, SearchRequest, SearchResponse,
        SearchStore,
    };
    let sink = Sink::start("127.0.0.1:0", vec![]).await;
    let server = TestServer::start(relay_to(sink.addr), |_| {}).await;
    let bob = server.client("bob@example.com", "bob-pw", "LONG", "14.1");
    let (inbox, mut key) = primed(&bob, 2).await;
    let original = "From: carol@remote.example\r\nTo: bob@example.com\r\n\
        Subject: Invoice 4711\r\nMIME-Version: 1.0\r\n\
        Content-Type: multipart/mixed; boundary=\"y\"\r\n\r\n--y\r\n\
        Content-Type: text/plain\r\n\r\nPlease find the invoice.\r\n--y\r\n\
        Content-Type: application/pdf; name=\"invoice.pdf\"\r\n\
        Content-Disposition: attachment; filename=\"invoice.pdf\"\r\n\
        Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--y--\r\n";
    let reply = lmtp_deliver(server.lmtp(), "bob@example.com", original).await;
    assert!(reply.contains("250"), "{reply}");
    let got = wait_mail(&bob, &inbox, &mut key).await;
    assert_eq!(got.len(), 1);

    let search = SearchRequest {
        store: SearchStore {
            name: "Mailbox".into(),
            query: SearchQuery::Terms(vec![QueryTerm::And(QueryGroup {
                terms: vec![
                    QueryTerm::Class("Email".into()),
                    QueryTerm::FreeText("invoice".into()),
                ],
            })]),
            options: Some(SearchOptions {
                range: Some("0-9".into()),
                ..SearchOptions::default()
            }),
        },
    };
    let found: SearchResponse = bob.call("Search", &search).await;
    let long_id = found.response.unwrap().store.results[0]
        .long_id
        .clone()
        .expect("a mailbox result has a LongId")
        .to_string();

    let by_long_id = |client_id: &str, long_id: &str| {
        SmartReplyRequest {
        client_id: client_id.into(),
        source: Source {
            long_id: Some(long_id.into()),
            ..Source::default()
        },
        mime: Opaque(
            b"From: bob@example.com\r\nTo: carol@remote.example\r\nSubject: Re: Invoice 4711\r\n\r\nPaid.\r\n"
                .to_vec(),
        ),
        ..SmartReplyRequest::default()
    }
    };
    let a = bob.post("SmartReply", &by_long_id("s-1", &long_id)).await;
    assert_eq!(a.status, 200);
    assert!(a.body.is_empty(), "{:?}", a.body);
    let relayed = sink.wait_for(1).await;
    assert!(relayed[0].data.contains("Paid."), "{}", relayed[0].data);
    assert!(
        relayed[0].data.contains("Please find the invoice."),
        "the original is quoted: {}",
        relayed[0].data
    );
    assert!(
        !relayed[0].data.contains("invoice.pdf"),
        "a reply does not carry the attachment"
    );
    let changed = wait_mail(&bob, &inbox, &mut key).await;
    assert_eq!(changed[0].1.last_verb_executed, Some(1));

    // A LongId that names nothing: 150.
    let r: SmartReplyResponse = bob
        .call("SmartReply", &by_long_id("s-2", "no-such-result"))
        .await;
    assert_eq!(r.status.map(|s| s.code()), Some(150));

    // ReplaceMime: the device sent the whole message; nothing of the original is added.
    let forward = SmartForwardRequest {
        client_id: "s-3".into(),
        source: Source {
            long_id: Some(long_id.as_str().into()),
            ..Source::default()
        },
        replace_mime: Some(eas_codec::codec::Empty),
        mime: Some(Opaque(
            b"From: bob@example.com\r\nTo: dan@remote.example\r\nSubject: Fw: Invoice 4711\r\n\r\nOnly this.\r\n"
                .to_vec(),
        )),
        ..SmartForwardRequest::default()
    };
    let a = bob.post("SmartForward", &forward).await;
    assert_eq!(a.status, 200);
    let relayed = sink.wait_for(2).await;
    let fwd = relayed
        .iter()
        .find(|r| r.to == ["dan@remote.example"])
        .expect("forwarded");
    assert!(fwd.data.contains("Only this."), "{}", fwd.data);
    assert!(!fwd.data.contains("invoice.pdf"), "{}", fwd.data);
    assert!(
        !fwd.data.contains("Please find the invoice."),
        "{}",
        fwd.data
    );
}
