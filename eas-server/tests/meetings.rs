//! Meetings end to end: invitations, updates and cancellations arriving over LMTP reach the
//! calendar; MeetingResponse answers them (from the Inbox or the calendar), once, and at
//! 16.1 with SendResponse the organizer gets the iTIP reply and their calendar the answer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::*;
use eas_codec::command::meeting_response::{
    MeetingResponseItem, MeetingResponseRequest, MeetingResponseResponse, SendResponse,
    UserResponse,
};
use eas_codec::command::sync::{SyncResponseCollection, SyncResponseCommand};
use eas_codec::data::ApplicationData;
use eas_codec::data::calendar::Calendar;
use eas_server::store::mailbox::{Mailbox, Visibility};

fn ical_time(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

fn start() -> DateTime<Utc> {
    // Tomorrow at 10:00 UTC: inside every calendar filter.
    let tomorrow = Utc::now().date_naive() + Duration::days(1);
    Utc.from_utc_datetime(&tomorrow.and_hms_opt(10, 0, 0).unwrap())
}

fn vevent(method: &str, uid: &str, seq: u32, organizer: &str, attendee: &str, hour: i64) -> String {
    let s = start() + Duration::hours(hour);
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nMETHOD:{method}\r\nBEGIN:VEVENT\r\n\
         UID:{uid}\r\nSEQUENCE:{seq}\r\nDTSTAMP:{}\r\nDTSTART:{}\r\nDTEND:{}\r\n\
         SUMMARY:Planning\r\nLOCATION:Room 4\r\nORGANIZER;CN=Org:mailto:{organizer}\r\n\
         ATTENDEE;CN=Alice;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:{attendee}\r\n\
         {}END:VEVENT\r\nEND:VCALENDAR\r\n",
        ical_time(Utc::now()),
        ical_time(s),
        ical_time(s + Duration::hours(1)),
        if method == "CANCEL" {
            "STATUS:CANCELLED\r\n"
        } else {
            ""
        },
    )
}

fn invitation_mail(from: &str, to: &str, subject: &str, ics: &str, method: &str) -> String {
    format!(
        "From: Org <{from}>\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: <{}@test>\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"m\"\r\n\r\n--m\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nPlease come.\r\n--m\r\n\
         Content-Type: text/calendar; charset=utf-8; method={method}\r\n\r\n{ics}--m--\r\n",
        subject.replace(' ', "-")
    )
}

fn adds(r: &SyncResponseCollection) -> Vec<(String, ApplicationData)> {
    r.commands
        .iter()
        .flat_map(|c| c.commands.iter())
        .filter_map(|c| match c {
            SyncResponseCommand::Add(a) => {
                Some((a.server_id.to_string(), a.application_data.clone()))
            }
            _ => None,
        })
        .collect()
}

fn changes(r: &SyncResponseCollection) -> Vec<(String, ApplicationData)> {
    r.commands
        .iter()
        .flat_map(|c| c.commands.iter())
        .filter_map(|c| match c {
            SyncResponseCommand::Change(a) => {
                Some((a.server_id.to_string(), a.application_data.clone()))
            }
            _ => None,
        })
        .collect()
}

fn deletes(r: &SyncResponseCollection) -> Vec<String> {
    r.commands
        .iter()
        .flat_map(|c| c.commands.iter())
        .filter_map(|c| match c {
            SyncResponseCommand::Delete(d) => Some(d.server_id.to_string()),
            _ => None,
        })
        .collect()
}

fn calendar(data: &ApplicationData) -> &Calendar {
    match data {
        ApplicationData::Calendar(c) => c,
        other => panic!("not a calendar item: {other:?}"),
    }
}

fn answer(collection: &str, request: &str, response: UserResponse) -> MeetingResponseItem {
    MeetingResponseItem {
        user_response: response,
        collection_id: Some(collection.into()),
        request_id: Some(request.into()),
        ..MeetingResponseItem::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invitation_lands_in_the_calendar_and_is_answered_once() {
    let server = TestServer::start(|_| {}, |_| {}).await;
    let c = server.client("alice@example.com", "alice-pw", "MEET", "14.1");
    let inbox = c.folder_of_type(2).await;
    let cal = c.folder_of_type(8).await;
    let (inbox_key, _) = c.sync_all(&inbox, vec![]).await;
    let (cal_key, before) = c.sync_all(&cal, vec![]).await;
    assert!(before.is_empty());

    let ics = vevent(
        "REQUEST",
        "m1@example.net",
        0,
        "carol@example.net",
        "alice@example.com",
        0,
    );
    let reply = lmtp_deliver(
        server.lmtp(),
        "alice@example.com",
        &invitation_mail(
            "carol@example.net",
            "alice@example.com",
            "Planning",
            &ics,
            "REQUEST",
        ),
    )
    .await;
    assert!(reply.starts_with("250"), "{reply}");

    // The mail is a meeting request; the calendar has the meeting, not yet answered.
    let r = c.sync_one(&inbox, &inbox_key, None, vec![]).await;
    let inbox_key = r.sync_key.to_string();
    let (request_id, mail) = adds(&r).into_iter().next().expect("the invitation");
    match &mail {
        ApplicationData::Email(e) => {
            assert_eq!(
                e.message_class.as_deref(),
                Some("IPM.Schedule.Meeting.Request")
            );
            assert!(e.meeting_request.is_some());
        }
        other => panic!("{other:?}"),
    }
    let r = c.sync_one(&cal, &cal_key, None, vec![]).await;
    let cal_key = r.sync_key.to_string();
    let added = adds(&r);
    assert_eq!(added.len(), 1, "{added:?}");
    let (calendar_id, item) = &added[0];
    let item = calendar(item);
    assert_eq!(item.subject.as_deref(), Some("Planning"));
    assert_eq!(item.uid.as_deref(), Some("m1@example.net"));
    assert_eq!(item.meeting_status, Some(3));
    assert_eq!(item.busy_status, Some(1), "tentative until answered");
    assert_eq!(item.response_type, Some(5), "not responded");

    // Accept from the Inbox.
    let req = MeetingResponseRequest {
        request: vec![answer(&inbox, &request_id, UserResponse::Accepted)],
    };
    let resp: MeetingResponseResponse = c.call("MeetingResponse", &req).await;
    assert_eq!(resp.result.len(), 1);
    assert_eq!(resp.result[0].status.code(), 1);
    assert_eq!(
        resp.result[0].request_id.as_deref(),
        Some(request_id.as_str())
    );
    assert_eq!(
        resp.result[0].calendar_id.as_deref(),
        Some(calendar_id.as_str())
    );

    // The calendar item shows the answer; the request left the Inbox.
    let r = c.sync_one(&cal, &cal_key, None, vec![]).await;
    let cal_key = r.sync_key.to_string();
    let changed = changes(&r);
    assert_eq!(changed.len(), 1, "{changed:?}");
    let item = calendar(&changed[0].1);
    assert_eq!(item.response_type, Some(3), "accepted");
    assert_eq!(item.busy_status, Some(2), "busy");
    let r = c.sync_one(&inbox, &inbox_key, None, vec![]).await;
    assert_eq!(deletes(&r), vec![request_id.clone()]);

    // The device resends (it lost our answer): the same answer, nothing changes.
    let resp: MeetingResponseResponse = c.call("MeetingResponse", &req).await;
    assert_eq!(resp.result[0].status.code(), 1);
    assert_eq!(
        resp.result[0].calendar_id.as_deref(),
        Some(calendar_id.as_str())
    );
    let r = c.sync_one(&cal, &cal_key, None, vec![]).await;
    assert!(changes(&r).is_empty() && adds(&r).is_empty());
    let cal_key = r.sync_key.to_string();

    // The organizer moves the meeting (SEQUENCE 1): the copy follows and asks again.
    let moved = vevent(
        "REQUEST",
        "m1@example.net",
        1,
        "carol@example.net",
        "alice@example.com",
        2,
    );
    lmtp_deliver(
        server.lmtp(),
        "alice@example.com",
        &invitation_mail(
            "carol@example.net",
            "alice@example.com",
            "Planning moved",
            &moved,
            "REQUEST",
        ),
    )
    .await;
    let r = c.sync_one(&cal, &cal_key, None, vec![]).await;
    let cal_key = r.sync_key.to_string();
    let changed = changes(&r);
    assert_eq!(changed.len(), 1, "{changed:?}");
    let item = calendar(&changed[0].1);
    let expected_start = (start() + Duration::hours(2))
        .format("%Y%m%dT%H%M%SZ")
        .to_string();
    assert_eq!(item.start_time.as_deref(), Some(expected_start.as_str()));
    assert_eq!(item.response_type, Some(5), "a new time asks again");

    // An older revision arriving late changes nothing.
    lmtp_deliver(
        server.lmtp(),
        "alice@example.com",
        &invitation_mail(
            "carol@example.net",
            "alice@example.com",
            "Planning old",
            &ics,
            "REQUEST",
        ),
    )
    .await;
    let r = c.sync_one(&cal, &cal_key, None, vec![]).await;
    let cal_key = r.sync_key.to_string();
    assert!(changes(&r).is_empty(), "{:?}", changes(&r));

    // The organizer cancels: the copy is marked cancelled.
    let cancel = vevent(
        "CANCEL",
        "m1@example.net",
        2,
        "carol@example.net",
        "alice@example.com",
        2,
    );
    lmtp_deliver(
        server.lmtp(),
        "alice@example.com",
        &invitation_mail(
            "carol@example.net",
            "alice@example.com",
            "Cancelled: Planning",
            &cancel,
            "CANCEL",
        ),
    )
    .await;
    let r = c.sync_one(&cal, &cal_key, None, vec![]).await;
    let changed = changes(&r);
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert_eq!(calendar(&changed[0].1).meeting_status, Some(7));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn declining_removes_the_meeting_and_what_is_not_a_request_is_refused() {
    let server = TestServer::start(|_| {}, |_| {}).await;
    let c = server.client("alice@example.com", "alice-pw", "DECL", "14.1");
    let inbox = c.folder_of_type(2).await;
    let cal = c.folder_of_type(8).await;
    let (inbox_key, _) = c.sync_all(&inbox, vec![]).await;
    let (cal_key, _) = c.sync_all(&cal, vec![]).await;
    let ics = vevent(
        "REQUEST",
        "m2@example.net",
        0,
        "carol@example.net",
        "alice@example.com",
        0,
    );
    lmtp_deliver(
        server.lmtp(),
        "alice@example.com",
        &invitation_mail(
            "carol@example.net",
            "alice@example.com",
            "Review",
            &ics,
            "REQUEST",
        ),
    )
    .await;
    lmtp_deliver(
        server.lmtp(),
        "alice@example.com",
        &message("plain", "no meeting here"),
    )
    .await;
    let r = c.sync_one(&inbox, &inbox_key, None, vec![]).await;
    let mut ids = adds(&r);
    ids.sort_by_key(|(id, _)| id.parse::<u64>().unwrap());
    let (request_id, plain_id) = (ids[0].0.clone(), ids[1].0.clone());
    let r = c.sync_one(&cal, &cal_key, None, vec![]).await;
    let cal_key = r.sync_key.to_string();
    let (calendar_id, _) = adds(&r).into_iter().next().expect("the meeting");

    let req = MeetingResponseRequest {
        request: vec![
            answer(&inbox, &plain_id, UserResponse::Accepted),
            answer(&inbox, "999999", UserResponse::Accepted),
            answer(&inbox, &request_id, UserResponse::Declined),
        ],
    };
    let resp: MeetingResponseResponse = c.call("MeetingResponse", &req).await;
    let codes: Vec<u32> = resp.result.iter().map(|r| r.status.code()).collect();
    assert_eq!(codes, [2, 2, 1], "{resp:?}");
    assert_eq!(
        resp.result[2].calendar_id, None,
        "a declined meeting has no calendar item"
    );
    let r = c.sync_one(&cal, &cal_key, None, vec![]).await;
    assert_eq!(deletes(&r), vec![calendar_id]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_16_1_the_organizer_gets_the_reply_and_their_calendar_the_answer() {
    let server = TestServer::start(|_| {}, |_| {}).await;
    // Bob organizes: his calendar holds the meeting (as his client would have saved it).
    let ics = vevent(
        "REQUEST",
        "m3@example.com",
        0,
        "bob@example.com",
        "alice@example.com",
        4,
    )
    .replace("METHOD:REQUEST\r\n", "");
    {
        let dir = server.directory();
        let bob = dir.find_account("bob@example.com").unwrap().unwrap().0;
        drop(dir);
        let store = eas_server::store::Store::open(server.config.database_path()).unwrap();
        let conn = store.connection();
        eas_server::store::mailbox::ensure_mailbox(conn, bob).unwrap();
        let mut mb = Mailbox::new(
            conn,
            bob,
            "bob@example.com",
            Visibility::ALL,
            chrono_tz::UTC,
            Utc::now(),
            eas_codec::ProtocolVersion::V16_1,
        );
        mb.add_pim_text(8, &ics).unwrap();
    }
    let bob = server.client("bob@example.com", "bob-pw", "BOB", "16.1");
    let bob_cal = bob.folder_of_type(8).await;
    let bob_inbox = bob.folder_of_type(2).await;
    let (bob_cal_key, _) = bob.sync_all(&bob_cal, vec![]).await;
    let (bob_inbox_key, _) = bob.sync_all(&bob_inbox, vec![]).await;

    // The invitation reaches Alice; she accepts tentatively from her calendar, at 16.1, and
    // asks for the reply to be sent.
    let invite = vevent(
        "REQUEST",
        "m3@example.com",
        0,
        "bob@example.com",
        "alice@example.com",
        4,
    );
    lmtp_deliver(
        server.lmtp(),
        "alice@example.com",
        &invitation_mail(
            "bob@example.com",
            "alice@example.com",
            "Offsite",
            &invite,
            "REQUEST",
        ),
    )
    .await;
    let alice = server.client("alice@example.com", "alice-pw", "AL16", "16.1");
    let cal = alice.folder_of_type(8).await;
    let (_, ids) = alice.sync_all(&cal, vec![]).await;
    assert_eq!(ids.len(), 1);
    let mut item = answer(&cal, &ids[0], UserResponse::Tentative);
    item.send_response = Some(SendResponse::default());
    let resp: MeetingResponseResponse = alice
        .call(
            "MeetingResponse",
            &MeetingResponseRequest {
                request: vec![item],
            },
        )
        .await;
    assert_eq!(resp.result[0].status.code(), 1, "{resp:?}");
    assert_eq!(resp.result[0].calendar_id.as_deref(), Some(ids[0].as_str()));

    // Bob's Inbox has the reply (the relay delivers it from the queue, at once); his
    // calendar shows Alice as tentative.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut key = bob_inbox_key.clone();
    let mails = loop {
        let r = bob.sync_one(&bob_inbox, &key, None, vec![]).await;
        key = r.sync_key.to_string();
        let mails = adds(&r);
        if !mails.is_empty() || std::time::Instant::now() > deadline {
            break mails;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(mails.len(), 1, "{mails:?}");
    match &mails[0].1 {
        ApplicationData::Email(e) => {
            assert_eq!(e.subject.as_deref(), Some("Tentative: Planning"));
        }
        other => panic!("{other:?}"),
    }
    let r = bob.sync_one(&bob_cal, &bob_cal_key, None, vec![]).await;
    let changed = changes(&r);
    assert_eq!(changed.len(), 1, "{changed:?}");
    let meeting = calendar(&changed[0].1);
    assert_eq!(meeting.response_type, Some(1), "Bob organizes");
    let attendees = meeting.attendees.as_ref().unwrap();
    let alice_status = attendees
        .attendees
        .iter()
        .find(|a| {
            a.email
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case("alice@example.com"))
        })
        .and_then(|a| a.attendee_status);
    assert_eq!(alice_status, Some(2), "tentative");

    // Bob cannot answer his own meeting.
    let resp: MeetingResponseResponse = bob
        .call(
            "MeetingResponse",
            &MeetingResponseRequest {
                request: vec![answer(&bob_cal, &changed[0].0, UserResponse::Accepted)],
            },
        )
        .await;
    assert_eq!(resp.result[0].status.code(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_meeting_is_forwarded_from_the_calendar_as_an_invitation() {
    use eas_codec::codec::Opaque;
    use eas_codec::command::compose::{
        ComposeBody, Forwardee, Forwardees, SmartForwardRequest, SmartForwardResponse, Source,
    };
    let server = TestServer::start(|_| {}, |_| {}).await;
    let ics = vevent(
        "REQUEST",
        "m5@example.net",
        0,
        "carol@example.net",
        "alice@example.com",
        3,
    );
    lmtp_deliver(
        server.lmtp(),
        "alice@example.com",
        &invitation_mail(
            "carol@example.net",
            "alice@example.com",
            "Planning",
            &ics,
            "REQUEST",
        ),
    )
    .await;
    let alice = server.client("alice@example.com", "alice-pw", "FWD16", "16.1");
    let cal = alice.folder_of_type(8).await;
    let (_, ids) = alice.sync_all(&cal, vec![]).await;
    assert_eq!(ids.len(), 1);
    let bob = server.client("bob@example.com", "bob-pw", "FWDB", "16.1");
    let bob_inbox = bob.folder_of_type(2).await;
    let bob_cal = bob.folder_of_type(8).await;
    let (mut bob_key, _) = bob.sync_all(&bob_inbox, vec![]).await;
    let (bob_cal_key, _) = bob.sync_all(&bob_cal, vec![]).await;

    // 16.1: Forwardees and a note, no MIME.
    let forward = SmartForwardRequest {
        client_id: "fw-1".into(),
        source: Source {
            folder_id: Some(cal.as_str().into()),
            item_id: Some(ids[0].as_str().into()),
            ..Source::default()
        },
        body: Some(ComposeBody {
            body_type: 1,
            data: Some("Bob, please join.".into()),
            ..ComposeBody::default()
        }),
        forwardees: Some(Forwardees {
            forwardee: vec![Forwardee {
                name: Some("Bob".into()),
                email: "bob@example.com".into(),
            }],
        }),
        ..SmartForwardRequest::default()
    };
    let a = alice.post("SmartForward", &forward).await;
    assert_eq!(a.status, 200);
    assert!(
        a.body.is_empty(),
        "{:?}",
        alice.decode::<SmartForwardResponse>(&a.body)
    );

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mails = loop {
        let r = bob.sync_one(&bob_inbox, &bob_key, None, vec![]).await;
        bob_key = r.sync_key.to_string();
        let got = adds(&r);
        if !got.is_empty() || std::time::Instant::now() > deadline {
            break got;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(mails.len(), 1, "{mails:?}");
    match &mails[0].1 {
        ApplicationData::Email(e) => {
            assert_eq!(e.subject.as_deref(), Some("Fw: Planning"));
            assert_eq!(
                e.message_class.as_deref(),
                Some("IPM.Schedule.Meeting.Request")
            );
        }
        other => panic!("{other:?}"),
    }
    // Bob's calendar has the meeting, organized by Carol, waiting for his answer.
    let r = bob.sync_one(&bob_cal, &bob_cal_key, None, vec![]).await;
    let added = adds(&r);
    assert_eq!(added.len(), 1, "{added:?}");
    let item = calendar(&added[0].1);
    assert_eq!(item.uid.as_deref(), Some("m5@example.net"));
    assert_eq!(item.organizer_email.as_deref(), Some("carol@example.net"));
    assert_eq!(item.response_type, Some(5));

    // An occurrence of a meeting that does not recur: 146.
    let mut one = forward.clone();
    one.client_id = "fw-2".into();
    one.source.instance_id = Some(
        start()
            .checked_add_signed(Duration::hours(3))
            .unwrap()
            .format("%Y-%m-%dT%H:%M:%S.000Z")
            .to_string()
            .into(),
    );
    let r: SmartForwardResponse = alice.call("SmartForward", &one).await;
    assert_eq!(r.status.map(|s| s.code()), Some(146));
    let _ = Opaque(Vec::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_time_proposed_at_16_1_reaches_the_organizer_as_a_counter() {
    let server = TestServer::start(|_| {}, |_| {}).await;
    let invite = vevent(
        "REQUEST",
        "m6@example.com",
        0,
        "bob@example.com",
        "alice@example.com",
        5,
    );
    lmtp_deliver(
        server.lmtp(),
        "alice@example.com",
        &invitation_mail(
            "bob@example.com",
            "alice@example.com",
            "Review",
            &invite,
            "REQUEST",
        ),
    )
    .await;
    let bob = server.client("bob@example.com", "bob-pw", "BOBP", "16.1");
    let bob_inbox = bob.folder_of_type(2).await;
    let (mut key, _) = bob.sync_all(&bob_inbox, vec![]).await;
    let alice = server.client("alice@example.com", "alice-pw", "ALP", "16.1");
    let inbox = alice.folder_of_type(2).await;
    let (_, ids) = alice.sync_all(&inbox, vec![]).await;
    let proposed = start() + Duration::days(1);
    let iso = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%S.000Z").to_string();
    let mut item = answer(&inbox, &ids[0], UserResponse::Tentative);
    item.send_response = Some(SendResponse {
        proposed_start_time: Some(iso(proposed).into()),
        proposed_end_time: Some(iso(proposed + Duration::hours(1)).into()),
        ..SendResponse::default()
    });
    let resp: MeetingResponseResponse = alice
        .call(
            "MeetingResponse",
            &MeetingResponseRequest {
                request: vec![item],
            },
        )
        .await;
    assert_eq!(resp.result[0].status.code(), 1, "{resp:?}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mails = loop {
        let r = bob.sync_one(&bob_inbox, &key, None, vec![]).await;
        key = r.sync_key.to_string();
        let got = adds(&r);
        if !got.is_empty() || std::time::Instant::now() > deadline {
            break got;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(mails.len(), 1, "{mails:?}");
    match &mails[0].1 {
        ApplicationData::Email(e) => {
            assert_eq!(e.subject.as_deref(), Some("New Time Proposed: Planning"));
        }
        other => panic!("{other:?}"),
    }
    // The COUNTER carries the proposed time.
    let store = eas_server::store::Store::open(server.config.database_path()).unwrap();
    let counter: Vec<u8> = store
        .connection()
        .query_row(
            "SELECT content FROM store_items WHERE CAST(content AS TEXT) LIKE '%METHOD:COUNTER%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let text = String::from_utf8_lossy(&counter);
    assert!(
        text.contains(&proposed.format("%Y%m%dT%H%M%SZ").to_string()),
        "{text}"
    );
}
