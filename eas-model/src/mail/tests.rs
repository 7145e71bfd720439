use super::*;
use chrono::TimeZone;
use eas_codec::codec::{DecodeOptions, decode, encode};
use eas_codec::command::sync::*;
use eas_codec::data::ApplicationData;
use proptest::prelude::*;

const V25: ProtocolVersion = ProtocolVersion::V2_5;
const V121: ProtocolVersion = ProtocolVersion::V12_1;
const V141: ProtocolVersion = ProtocolVersion::V14_1;
const V161: ProtocolVersion = ProtocolVersion::V16_1;

fn item(raw: &str) -> MailItem {
    MailItem::from_mime(raw.replace('\n', "\r\n").into_bytes()).unwrap()
}

fn pref(t: u8) -> BodyPreference {
    BodyPreference {
        body_type: t,
        ..BodyPreference::default()
    }
}

fn wire(i: &MailItem, v: ProtocolVersion, body: &BodyOptions) -> Email {
    i.to_wire(&WireOptions {
        version: v,
        body,
        item_ref: "5:7",
    })
}

fn body(i: &MailItem, v: ProtocolVersion, prefs: Vec<BodyPreference>) -> Body {
    wire(i, v, &BodyOptions::new(prefs)).body.unwrap()
}

const PLAIN: &str = "\
From: \"Eva M\u{fc}ller\" <eva@example.com>
To: Alice Martin <alice@example.com>, bob@example.com
Cc: \"O'Neil, Frank\" <frank@example.com>
Reply-To: replies@example.com
Subject: Re: Fwd: Quarterly report
Date: Sat, 02 Mar 2024 01:01:07 +0000
Message-ID: <m2@example.com>
References: <root@example.com> <m1@example.com>
In-Reply-To: <m1@example.com>
X-Priority: 1 (Highest)
Content-Type: text/plain; charset=utf-8

Caf\u{e9} at 10?
See you.
";

const ALTERNATIVE: &str = "\
From: a@example.com
To: b@example.com
Subject: html
Date: Tue, 05 Mar 2024 04:04:28 +0100
Content-Type: multipart/alternative; boundary=B

--B
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable

Gr=FC=DFe aus K=F6ln
--B
Content-Type: text/html; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable

<p>Gr=FC=DFe aus <b>K=F6ln</b></p>
--B--
";

const MIXED: &str = "\
From: a@example.com
To: b@example.com
Subject: files
Content-Type: multipart/mixed; boundary=B

--B
Content-Type: multipart/related; boundary=R

--R
Content-Type: text/html

<p>logo: <img src=\"cid:logo1@x\"></p>
--R
Content-Type: image/png
Content-ID: <logo1@x>
Content-Transfer-Encoding: base64

iVBORw0KGgo=
--R--
--B
Content-Type: message/rfc822

From: c@example.com
Subject: Inner: one/two

inner body
--B
Content-Type: application/pdf; name=\"report.pdf\"
Content-Disposition: attachment; filename=\"report.pdf\"
Content-Transfer-Encoding: base64

JVBERi0xLjQK
--B--
";

const INVITE: &str = "\
From: org@example.com
To: me@example.com
Subject: Planning
Content-Type: multipart/alternative; boundary=B

--B
Content-Type: text/plain

Join us.
--B
Content-Type: text/calendar; charset=utf-8; method=REQUEST

BEGIN:VCALENDAR
METHOD:REQUEST
BEGIN:VEVENT
UID:abc
DTSTART:20240310T100000Z
END:VEVENT
END:VCALENDAR
--B--
";

const SIGNED: &str = "\
From: a@example.com
To: b@example.com
Subject: signed
Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=B

--B
Content-Type: text/plain

signed text
--B
Content-Type: application/pkcs7-signature; name=smime.p7s
Content-Disposition: attachment; filename=smime.p7s
Content-Transfer-Encoding: base64

AAAA
--B--
";

// ---- Reading MIME ----

#[test]
fn headers_become_item_fields() {
    let i = item(PLAIN);
    assert_eq!(
        i.from,
        [Mailbox::new(Some("Eva M\u{fc}ller"), "eva@example.com")]
    );
    assert_eq!(i.to.len(), 2);
    assert_eq!(i.to[1], Mailbox::new(None, "bob@example.com"));
    assert_eq!(i.subject.as_deref(), Some("Re: Fwd: Quarterly report"));
    assert_eq!(i.thread_topic.as_deref(), Some("Quarterly report"));
    assert_eq!(i.date, Utc.with_ymd_and_hms(2024, 3, 2, 1, 1, 7).single());
    assert_eq!(i.importance, Importance::High);
    assert_eq!(i.message_id.as_deref(), Some("m2@example.com"));
    assert_eq!(i.references, ["root@example.com", "m1@example.com"]);
    assert_eq!(i.kind, MessageKind::Note);
    assert_eq!(i.native_body_type(), BodyType::PlainText);
    assert_eq!(i.internet_cpid(), 65001);
    assert!(i.html_body.is_none());
    assert_eq!(
        i.text_body.as_deref(),
        Some("Caf\u{e9} at 10?\r\nSee you.\r\n")
    );
    assert!(i.attachments.is_empty());
    assert_eq!(i.mime(), PLAIN.replace('\n', "\r\n").as_bytes());
}

#[test]
fn charsets_are_decoded_and_named_by_code_page() {
    let i = item(ALTERNATIVE);
    assert_eq!(
        i.text_body.as_deref(),
        Some("Gr\u{fc}\u{df}e aus K\u{f6}ln")
    );
    assert!(i.html_body.as_deref().unwrap().contains("<b>K\u{f6}ln</b>"));
    assert_eq!(i.charset.as_deref(), Some("iso-8859-1"));
    assert_eq!(i.internet_cpid(), 28591);
    assert_eq!(i.native_body_type(), BodyType::Html);
    assert_eq!(item("From: a@b\n\nhi\n").internet_cpid(), 20127);
    assert_eq!(code_page("Windows-1252"), Some(1252));
    assert_eq!(code_page("ISO-2022-JP"), Some(50220));
    assert_eq!(code_page("x-unknown"), None);
}

#[test]
fn importance_headers() {
    let imp = |h: &str| item(&format!("From: a@b\n{h}\n\nx\n")).importance;
    assert_eq!(imp("Importance: Low"), Importance::Low);
    assert_eq!(imp("Importance: high"), Importance::High);
    assert_eq!(imp("X-Priority: 5"), Importance::Low);
    assert_eq!(imp("X-Priority: 3 (Normal)"), Importance::Normal);
    assert_eq!(imp("Priority: urgent"), Importance::High);
    assert_eq!(imp("X-MSMail-Priority: Low"), Importance::Low);
    assert_eq!(imp("X-Other: 1"), Importance::Normal);
}

#[test]
fn only_headerless_input_is_refused() {
    assert!(matches!(
        MailItem::from_mime(Vec::new()),
        Err(ModelError::Mime(_))
    ));
    assert!(MailItem::from_mime(b"\r\n\r\n".to_vec()).is_err());
    // A message with headers but a broken structure still reads.
    let i = item("From: a@b\nContent-Type: multipart/mixed; boundary=Z\n\nno parts\n");
    assert_eq!(i.from, [Mailbox::new(None, "a@b")]);
}

#[test]
fn sender_is_kept_only_when_it_differs() {
    let i = item("From: boss@example.com\nSender: assistant@example.com\n\nx\n");
    assert_eq!(i.sender, Some(Mailbox::new(None, "assistant@example.com")));
    let i = item("From: boss@example.com\nSender: BOSS@example.com\n\nx\n");
    assert_eq!(i.sender, None);
}

#[test]
fn groups_are_flattened_and_names_quoted() {
    let i = item("From: a@b\nTo: team: \"Doe, J\" <j@x>, k@x;, undisclosed-recipients:;\n\nx\n");
    assert_eq!(
        i.to,
        [
            Mailbox::new(Some("Doe, J"), "j@x"),
            Mailbox::new(None, "k@x")
        ]
    );
    let m = Mailbox::new(Some("Say \"hi\" \\ there"), "s@x");
    assert_eq!(m.to_rfc5322(), r#""Say \"hi\" \\ there" <s@x>"#);
    assert_eq!(Mailbox::new(Some("s@x"), "s@x").to_rfc5322(), "s@x");
    assert_eq!(Mailbox::new(Some("  "), "s@x").display(), "s@x");
}

#[test]
fn attachments_are_listed_with_references_and_content() {
    let i = item(MIXED);
    assert_eq!(i.native_body_type(), BodyType::Html);
    let names: Vec<_> = i
        .attachments
        .iter()
        .map(|a| a.display_name.as_str())
        .collect();
    assert_eq!(
        names,
        ["attachment-0.png", "Inner_ one_two.eml", "report.pdf"]
    );
    let logo = &i.attachments[0];
    assert_eq!(logo.content_id.as_deref(), Some("logo1@x"));
    assert!(logo.is_inline);
    assert_eq!(logo.content_type, "image/png");
    assert_eq!(logo.size, 8);
    assert_eq!(i.attachments[1].method, AttachMethod::EmbeddedMessage);
    assert!(!i.attachments[2].is_inline);
    assert_eq!(i.attachment_content(2).unwrap(), b"%PDF-1.4\n");
    assert!(
        i.attachment_content(1)
            .unwrap()
            .starts_with(b"From: c@example.com")
    );
    assert!(matches!(
        i.attachment_content(3),
        Err(ModelError::InvalidField {
            field: "FileReference",
            ..
        })
    ));

    let e = wire(&i, V141, &BodyOptions::new(vec![pref(2)]));
    let atts: Vec<_> = e
        .attachments
        .unwrap()
        .items
        .into_iter()
        .map(|a| match a {
            AttachmentsItem::Attachment(a) => a,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(atts[0].file_reference.as_deref(), Some("5:7:0"));
    assert_eq!(atts[0].is_inline, Some(true));
    assert_eq!(atts[0].content_id.as_deref(), Some("logo1@x"));
    assert_eq!(atts[1].method, Some(5));
    assert_eq!(atts[2].estimated_data_size, Some(9));
    assert_eq!(atts[2].is_inline, None);
}

#[test]
fn file_references_parse_back() {
    assert_eq!(file_reference("5:7", 2), "5:7:2");
    assert_eq!(parse_file_reference("5:7:2"), Some(("5:7".into(), 2)));
    assert_eq!(parse_file_reference("5%3a7%3A2"), Some(("5:7".into(), 2)));
    assert_eq!(parse_file_reference("5:7:x"), None);
    assert_eq!(parse_file_reference(":2"), None);
    assert_eq!(parse_file_reference("5%3"), None);
    assert_eq!(parse_file_reference("nocolon"), None);
}

#[test]
fn meeting_messages_are_classified_and_their_calendar_kept_apart() {
    let i = item(INVITE);
    assert_eq!(i.kind, MessageKind::MeetingRequest);
    assert!(i.calendar.as_deref().unwrap().contains("UID:abc"));
    assert!(i.attachments.is_empty());
    assert_eq!(i.text_body.as_deref(), Some("Join us."));
    let e = wire(&i, V141, &BodyOptions::default());
    assert_eq!(
        e.message_class.as_deref(),
        Some("IPM.Schedule.Meeting.Request")
    );
    assert_eq!(
        e.content_class.as_deref(),
        Some("urn:content-classes:calendarmessage")
    );

    let reply = INVITE.replace("method=REQUEST", "method=REPLY").replace(
        "METHOD:REQUEST",
        "METHOD:REPLY\nATTENDEE;CN=Me;\n PARTSTAT=DECLINED:mailto:me@x",
    );
    assert_eq!(
        item(&reply).kind,
        MessageKind::MeetingResponse(MeetingResponse::Declined)
    );
    // METHOD only inside the iCalendar text.
    let cancel = INVITE
        .replace("; method=REQUEST", "")
        .replace("METHOD:REQUEST", "METHOD:CANCEL");
    assert_eq!(item(&cancel).kind, MessageKind::MeetingCanceled);
    // An .ics file without a method is an ordinary attachment.
    let plain_ics = INVITE
        .replace("; method=REQUEST", "")
        .replace("METHOD:REQUEST\n", "");
    let i = item(&plain_ics);
    assert_eq!(i.kind, MessageKind::Note);
    assert_eq!(i.attachments.len(), 1);
    assert!(i.calendar.is_none());
}

#[test]
fn smime_and_reports_are_classified() {
    assert_eq!(item(SIGNED).kind, MessageKind::SmimeSigned);
    let opaque = "From: a@b\nContent-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m\nContent-Transfer-Encoding: base64\n\nAAAA\n";
    assert_eq!(item(opaque).kind, MessageKind::SmimeOpaque);
    assert_eq!(item(opaque).kind.message_class(), "IPM.Note.SMIME");
    let ndr = "From: MAILER-DAEMON@x\nContent-Type: multipart/report; report-type=delivery-status; boundary=B\n\n--B\nContent-Type: text/plain\n\nfailed\n--B--\n";
    assert_eq!(item(ndr).kind.message_class(), "REPORT.IPM.Note.NDR");
}

// ---- Choosing and cutting the body ----

#[test]
fn the_native_type_wins_when_asked_for() {
    let html = item(ALTERNATIVE);
    assert_eq!(body(&html, V141, vec![pref(1), pref(2)]).body_type, Some(2));
    assert_eq!(body(&html, V141, vec![pref(1)]).body_type, Some(1));
    let plain = item(PLAIN);
    assert_eq!(
        body(&plain, V141, vec![pref(2), pref(1)]).body_type,
        Some(1)
    );
    // HTML made from plain text when only HTML is asked for.
    let b = body(&plain, V141, vec![pref(2)]);
    assert_eq!(b.body_type, Some(2));
    assert!(b.data.unwrap().contains("Caf\u{e9} at 10?"));
    // Plain text made from HTML.
    let i = item("From: a@b\nContent-Type: text/html\n\n<p>Hello <b>you</b></p>\n");
    let b = body(&i, V141, vec![pref(1)]);
    assert_eq!(b.data.as_deref().map(str::trim), Some("Hello you"));
}

#[test]
fn rtf_is_passed_over_and_nothing_asked_means_plain_text() {
    let i = item(ALTERNATIVE);
    assert_eq!(body(&i, V141, vec![pref(3), pref(2)]).body_type, Some(2));
    let b = body(&i, V141, vec![pref(3)]);
    assert_eq!(b.body_type, Some(1));
    assert_eq!(b.data.as_deref(), Some("Gr\u{fc}\u{df}e aus K\u{f6}ln"));
    assert_eq!(body(&i, V141, vec![]).body_type, Some(1));
}

#[test]
fn truncation_counts_bytes_and_never_splits_a_character() {
    let i = item(ALTERNATIVE);
    let p = BodyPreference {
        body_type: 1,
        truncation_size: Some(4),
        ..BodyPreference::default()
    };
    let b = body(&i, V141, vec![p]);
    // "Grüße aus Köln": 14 characters, 17 bytes; G, r, ü fill 4 bytes.
    assert_eq!(b.data.as_deref(), Some("Gr\u{fc}"));
    assert_eq!(b.truncated, Some(true));
    assert_eq!(b.estimated_data_size, Some(17));
    let p = BodyPreference {
        body_type: 1,
        truncation_size: Some(3),
        ..BodyPreference::default()
    };
    assert_eq!(body(&i, V141, vec![p]).data.as_deref(), Some("Gr"));
    let p = BodyPreference {
        body_type: 1,
        truncation_size: Some(1000),
        ..BodyPreference::default()
    };
    assert_eq!(body(&i, V141, vec![p]).truncated, None);
}

#[test]
fn all_or_none_moves_on_and_withholds_when_nothing_fits() {
    let i = item(ALTERNATIVE);
    let html = BodyPreference {
        body_type: 2,
        truncation_size: Some(10),
        all_or_none: Some(true),
        ..BodyPreference::default()
    };
    let text = BodyPreference {
        body_type: 1,
        truncation_size: Some(100),
        all_or_none: Some(true),
        ..BodyPreference::default()
    };
    let b = body(&i, V141, vec![html.clone(), text]);
    assert_eq!(b.body_type, Some(1));
    assert_eq!(b.truncated, None);
    let b = body(&i, V141, vec![html]);
    assert_eq!(b.body_type, Some(2));
    assert_eq!(b.truncated, Some(true));
    assert_eq!(b.data, None);
    assert!(b.estimated_data_size.unwrap() > 10);
}

#[test]
fn mime_follows_mime_support() {
    let plain = item(ALTERNATIVE);
    let signed = item(SIGNED);
    let opts = |m: Option<MimeSupport>| BodyOptions {
        preferences: vec![pref(2), pref(4)],
        mime_support: m,
        ..BodyOptions::default()
    };
    let ty = |i: &MailItem, o: &BodyOptions| wire(i, V141, o).body.unwrap().body_type;
    // HTML is native, so it wins over MIME for an ordinary message.
    assert_eq!(ty(&plain, &opts(Some(MimeSupport::Always))), Some(2));
    // An S/MIME message goes as MIME whenever MIME is allowed for it.
    assert_eq!(ty(&signed, &opts(Some(MimeSupport::SmimeOnly))), Some(4));
    assert_eq!(ty(&signed, &opts(None)), Some(4));
    // Refused MIME: the next preference, HTML made from the signed text.
    assert_eq!(ty(&signed, &opts(Some(MimeSupport::Never))), Some(2));
    // MIME alone: the whole message.
    let only_mime = BodyOptions::new(vec![pref(4)]);
    let b = wire(&plain, V141, &only_mime).body.unwrap();
    assert_eq!(b.body_type, Some(4));
    assert_eq!(b.data.as_deref().map(str::as_bytes), Some(plain.mime()));
    assert_eq!(b.estimated_data_size, Some(plain.mime().len() as u32));
    // Refused MIME falls back to plain text.
    let refused = BodyOptions {
        mime_support: Some(MimeSupport::SmimeOnly),
        ..only_mime
    };
    assert_eq!(ty(&plain, &refused), Some(1));
}

#[test]
fn preview_is_for_14_0_and_later() {
    let i = item(PLAIN);
    let p = BodyPreference {
        body_type: 1,
        preview: Some(12),
        ..BodyPreference::default()
    };
    let b = body(&i, V141, vec![p.clone()]);
    assert_eq!(b.preview.as_deref(), Some("Caf\u{e9} at 10?"));
    assert_eq!(body(&i, V121, vec![p]).preview, None);
    assert_eq!(preview(" a \r\n\r\n b  c ", 10), "a b c");
    assert_eq!(preview("abc def", 4), "abc");
}

// ---- The whole item for each version ----

#[test]
fn a_14_1_item_has_exchanges_elements() {
    let mut i = item(PLAIN);
    i.state.read = true;
    i.state.categories = vec!["Work".into()];
    i.state.last_verb = Some(LastVerb::Forward);
    i.state.last_verb_time = Utc.with_ymd_and_hms(2024, 3, 3, 8, 0, 0).single();
    let e = wire(&i, V141, &BodyOptions::new(vec![pref(1)]));
    assert_eq!(
        e.to.as_deref(),
        Some("\"Alice Martin\" <alice@example.com>, bob@example.com")
    );
    assert_eq!(
        e.cc.as_deref(),
        Some("\"O'Neil, Frank\" <frank@example.com>")
    );
    assert_eq!(
        e.from.as_deref(),
        Some("\"Eva M\u{fc}ller\" <eva@example.com>")
    );
    assert_eq!(e.reply_to.as_deref(), Some("replies@example.com"));
    assert_eq!(
        e.display_to.as_deref(),
        Some("Alice Martin; bob@example.com")
    );
    assert_eq!(e.date_received.as_deref(), Some("2024-03-02T01:01:07.000Z"));
    assert_eq!(e.thread_topic.as_deref(), Some("Quarterly report"));
    assert_eq!(e.importance, Some(2));
    assert_eq!(e.read, Some(true));
    assert_eq!(e.message_class.as_deref(), Some("IPM.Note"));
    assert_eq!(e.internet_cpid.as_deref(), Some("65001"));
    assert_eq!(e.flag, Some(Flag::default()));
    assert_eq!(
        e.content_class.as_deref(),
        Some("urn:content-classes:message")
    );
    assert_eq!(e.native_body_type, Some(1));
    assert_eq!(e.conversation_id.as_ref().map(|c| c.0.len()), Some(16));
    assert_eq!(e.conversation_index.as_ref().map(|c| c.0.len()), Some(5));
    assert_eq!(e.categories.unwrap().categories, ["Work"]);
    assert_eq!(e.last_verb_executed, Some(3));
    assert_eq!(
        e.last_verb_execution_time.as_deref(),
        Some("2024-03-03T08:00:00.000Z")
    );
    assert_eq!(e.is_draft, None);
    assert!(e.body_v25.is_none() && e.attachments_v25.is_none());
    // The store's arrival time wins over the Date header.
    i.state.received = Utc.with_ymd_and_hms(2024, 3, 2, 1, 5, 0).single();
    let e = wire(&i, V141, &BodyOptions::default());
    assert_eq!(e.date_received.as_deref(), Some("2024-03-02T01:05:00.000Z"));
}

#[test]
fn a_flag_goes_out_with_its_dates() {
    let mut i = item(PLAIN);
    let due = Utc.with_ymd_and_hms(2024, 4, 1, 0, 0, 0).single();
    i.state.flag = Some(FollowUpFlag {
        due,
        start: due,
        ..FollowUpFlag::default()
    });
    let f = wire(&i, V141, &BodyOptions::default()).flag.unwrap();
    assert_eq!(f.status, Some(2));
    assert_eq!(f.flag_type.as_deref(), Some("Flag for follow up"));
    assert_eq!(f.utc_due_date.as_deref(), Some("2024-04-01T00:00:00.000Z"));
    assert_eq!(f.reminder_set, Some(0));
    assert_eq!(f.complete_time, None);
}

#[test]
fn version_2_5_gets_the_old_body_and_attachments() {
    let i = item(MIXED);
    let opts = BodyOptions {
        truncation_v25: Some(1),
        ..BodyOptions::default()
    };
    let e = wire(&i, V25, &opts);
    assert!(e.body.is_none() && e.attachments.is_none() && e.flag.is_none());
    assert!(e.content_class.is_none() && e.native_body_type.is_none());
    assert!(e.conversation_id.is_none());
    assert_eq!(e.body_truncated, Some(false));
    assert_eq!(e.body_size, None);
    assert!(e.body_v25.unwrap().contains("logo:"));
    let atts = e.attachments_v25.unwrap().attachments;
    assert_eq!(atts.len(), 3);
    assert_eq!(atts[2].att_name.as_deref(), Some("5:7:2"));
    assert_eq!(atts[2].display_name.as_deref(), Some("report.pdf"));
    assert_eq!(atts[1].att_method, Some(5));

    let long = item(&format!("From: a@b\n\n{}\n", "\u{e9}".repeat(600)));
    let e = wire(&long, V25, &opts);
    assert_eq!(e.body_v25.as_deref().map(|b| b.chars().count()), Some(512));
    assert_eq!(e.body_truncated, Some(true));
    assert_eq!(e.body_size, Some(602));
    let e = wire(
        &long,
        V25,
        &BodyOptions {
            truncation_v25: Some(0),
            ..BodyOptions::default()
        },
    );
    assert_eq!(e.body_v25.as_deref(), Some(""));

    let mime = BodyOptions {
        mime_support: Some(MimeSupport::Always),
        mime_truncation_v25: Some(1),
        ..BodyOptions::default()
    };
    let e = wire(&long, V25, &mime);
    assert!(e.body_v25.is_none());
    assert_eq!(e.mime_truncated, Some(false));
    assert_eq!(e.mime_data.as_deref().map(str::as_bytes), Some(long.mime()));
    // S/MIME only: an ordinary message keeps its text body.
    let smime_only = BodyOptions {
        mime_support: Some(MimeSupport::SmimeOnly),
        ..BodyOptions::default()
    };
    assert!(wire(&long, V25, &smime_only).mime_data.is_none());
    assert!(wire(&item(SIGNED), V25, &smime_only).mime_data.is_some());
}

#[test]
fn drafts_carry_bcc_in_16() {
    let mut i = item("From: a@b\nTo: c@d\nBcc: hidden@d\nSubject: draft\n\ntext\n");
    assert_eq!(
        wire(&i, V161, &BodyOptions::default()).is_draft,
        Some(false)
    );
    assert_eq!(wire(&i, V161, &BodyOptions::default()).bcc, None);
    i.state.is_draft = true;
    let e = wire(&i, V161, &BodyOptions::default());
    assert_eq!(e.is_draft, Some(true));
    assert_eq!(e.bcc.as_deref(), Some("hidden@d"));
    assert_eq!(wire(&i, V141, &BodyOptions::default()).bcc, None);
}

/// Every element the item sets exists in its version: encoding drops nothing, so decoding
/// gives the same item back.
fn round_trips(e: &Email, v: ProtocolVersion) {
    let response = SyncResponse {
        collections: Some(SyncResponseCollections {
            collections: vec![SyncResponseCollection {
                sync_key: "2".into(),
                collection_id: "5".into(),
                status: SyncStatus::Success,
                commands: Some(SyncResponseCommands {
                    commands: vec![SyncResponseCommand::Add(ServerAdd {
                        class: None,
                        server_id: "5:7".into(),
                        application_data: ApplicationData::from(e.clone()),
                    })],
                }),
                ..SyncResponseCollection::default()
            }],
        }),
        ..SyncResponse::default()
    };
    let wbxml = encode(&response, v).unwrap();
    let back: SyncResponse = decode(&wbxml, DecodeOptions::new(v)).unwrap();
    assert_eq!(back, response, "version {v}");
}

#[test]
fn every_version_round_trips_through_the_codec() {
    let mut items: Vec<MailItem> = [PLAIN, ALTERNATIVE, MIXED, INVITE, SIGNED]
        .iter()
        .map(|m| item(m))
        .collect();
    for i in &mut items {
        i.state.read = true;
        i.state.categories = vec!["A".into(), "B".into()];
        i.state.flag = Some(FollowUpFlag {
            complete: true,
            completed: Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).single(),
            reminder: Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).single(),
            ..FollowUpFlag::default()
        });
        i.state.last_verb = Some(LastVerb::ReplyToAll);
        i.state.is_draft = true;
    }
    let opts = BodyOptions {
        preferences: vec![
            BodyPreference {
                body_type: 2,
                truncation_size: Some(20),
                preview: Some(50),
                ..BodyPreference::default()
            },
            pref(1),
        ],
        mime_support: Some(MimeSupport::SmimeOnly),
        truncation_v25: Some(1),
        mime_truncation_v25: Some(8),
    };
    for i in &items {
        for v in ProtocolVersion::ALL {
            round_trips(&wire(i, v, &opts), v);
        }
    }
}

// ---- Conversations ----

#[test]
fn a_thread_shares_one_conversation_id() {
    let root = item("From: a@b\nMessage-ID: <ROOT@x>\nSubject: plan\n\nx\n");
    let reply =
        item("From: c@d\nMessage-ID: <r1@x>\nIn-Reply-To: <ROOT@x>\nSubject: Re: plan\n\nx\n");
    let reply2 = item(
        "From: a@b\nMessage-ID: <r2@x>\nIn-Reply-To: <r1@x>\nReferences: <root@x> <r1@x>\n\nx\n",
    );
    let other = item("From: a@b\nMessage-ID: <other@x>\nSubject: plan\n\nx\n");
    assert_eq!(root.conversation_id(), reply.conversation_id());
    assert_eq!(root.conversation_id(), reply2.conversation_id());
    assert_ne!(root.conversation_id(), other.conversation_id());
    // Without ids, the topic decides.
    let a = item("From: a@b\nSubject: Re: Lunch\n\nx\n");
    let b = item("From: a@b\nSubject: lunch\n\nx\n");
    assert_eq!(a.conversation_id(), b.conversation_id());
    // The value is fixed forever: devices store it.
    assert_eq!(
        fnv1a_128(b"", b"a"),
        0xd228_cb69_6f1a_8caf_7891_2b70_4e4a_8964u128.to_be_bytes()
    );
}

#[test]
fn thread_index_gives_the_conversation_index_and_a_fallback_id() {
    let mut ti = vec![0x01, 0xD2, 0x2C, 0xFA, 0x8A, 0x23];
    ti.extend(1..=16u8);
    ti.extend([0xAA, 0xBB, 0xCC, 0xDD, 0xEE]);
    let header = base64::engine::general_purpose::STANDARD.encode(&ti);
    let i = item(&format!("From: a@b\nThread-Index: {header}\n\nx\n"));
    assert_eq!(
        i.conversation_index(),
        [0xD2, 0x2C, 0xFA, 0x8A, 0x23, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE]
    );
    let guid: Vec<u8> = (1..=16).collect();
    assert_eq!(i.conversation_id().to_vec(), guid);
    // Without Thread-Index: 5 bytes from the date, later dates sorting later.
    let early = item("From: a@b\nDate: Sat, 02 Mar 2024 01:01:07 +0000\n\nx\n");
    let late = item("From: a@b\nDate: Sun, 03 Mar 2024 01:01:07 +0000\n\nx\n");
    assert_eq!(early.conversation_index().len(), 5);
    assert!(early.conversation_index() < late.conversation_index());
}

// ---- Client changes ----

#[test]
fn client_changes_read_flag_and_categories() {
    let e = Email {
        read: Some(true),
        flag: Some(Flag {
            status: Some(2),
            flag_type: Some("Follow up".into()),
            utc_due_date: Some("2024-04-01T00:00:00.000Z".into()),
            due_date: Some("2024-04-01T02:00:00.000Z".into()),
            reminder_set: Some(0),
            reminder_time: Some("garbage ignored when no reminder".into()),
            ..Flag::default()
        }),
        categories: Some(EmailCategories {
            categories: vec!["Work".into()],
        }),
        ..Email::default()
    };
    let c = MailChange::from_wire(&e).unwrap();
    assert_eq!(c.read, Some(true));
    let f = c.flag.clone().unwrap().unwrap();
    assert!(!f.complete);
    assert_eq!(f.flag_type.as_deref(), Some("Follow up"));
    assert_eq!(f.due, Utc.with_ymd_and_hms(2024, 4, 1, 0, 0, 0).single());
    assert_eq!(f.reminder, None);
    let mut state = MailState::default();
    c.apply(&mut state);
    assert!(state.read);
    assert_eq!(state.categories, ["Work"]);
    assert!(state.flag.is_some());

    // An empty Flag, or status 0, clears it; absent leaves it.
    for cleared in [
        Flag::default(),
        Flag {
            status: Some(0),
            ..Flag::default()
        },
    ] {
        let e = Email {
            flag: Some(cleared),
            ..Email::default()
        };
        MailChange::from_wire(&e).unwrap().apply(&mut state);
        assert_eq!(state.flag, None);
    }
    let c = MailChange::from_wire(&Email::default()).unwrap();
    assert_eq!(c, MailChange::default());

    let bad = Email {
        flag: Some(Flag {
            status: Some(7),
            ..Flag::default()
        }),
        ..Email::default()
    };
    assert!(matches!(
        MailChange::from_wire(&bad),
        Err(ModelError::InvalidField {
            field: "Flag/Status",
            ..
        })
    ));
    let bad = Email {
        flag: Some(Flag {
            status: Some(1),
            complete_time: Some("yesterday".into()),
            ..Flag::default()
        }),
        ..Email::default()
    };
    assert!(matches!(
        MailChange::from_wire(&bad),
        Err(ModelError::InvalidField {
            field: "Flag/CompleteTime",
            ..
        })
    ));
}

#[test]
fn a_flag_survives_the_trip_out_and_back() {
    let flag = FollowUpFlag {
        complete: true,
        flag_type: Some("Call".into()),
        subject: Some("Call back".into()),
        start: Utc.with_ymd_and_hms(2024, 4, 1, 0, 0, 0).single(),
        due: Utc.with_ymd_and_hms(2024, 4, 2, 0, 0, 0).single(),
        completed: Utc.with_ymd_and_hms(2024, 4, 3, 0, 0, 0).single(),
        reminder: Utc.with_ymd_and_hms(2024, 4, 1, 9, 0, 0).single(),
        ordinal: Utc.with_ymd_and_hms(2024, 3, 30, 0, 0, 0).single(),
    };
    assert_eq!(flag_from_wire(&flag_to_wire(&flag)).unwrap(), Some(flag));
}

// ---- Anything at all ----

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_bytes_read_without_panic_and_map_for_every_version(
        raw in prop::collection::vec(any::<u8>(), 0..600),
        trunc in prop::option::of(0u32..64),
        types in prop::collection::vec(1u8..=4, 0..4),
        code in 0u32..10,
    ) {
        if let Ok(i) = MailItem::from_mime(raw) {
            let opts = BodyOptions {
                preferences: types
                    .iter()
                    .map(|&t| BodyPreference {
                        body_type: t,
                        truncation_size: trunc,
                        all_or_none: Some(t % 2 == 0),
                        preview: Some(20),
                    })
                    .collect(),
                mime_support: MimeSupport::from_wire(code % 3),
                truncation_v25: Some(code),
                mime_truncation_v25: Some(code),
            };
            for v in ProtocolVersion::ALL {
                let e = wire(&i, v, &opts);
                if let (Some(limit), Some(Body { data: Some(d), .. })) = (trunc, &e.body) {
                    prop_assert!(d.len() <= limit as usize || opts.preferences.is_empty());
                }
            }
            for n in 0..i.attachments.len() {
                prop_assert!(i.attachment_content(n).is_ok());
            }
        }
    }

    #[test]
    fn structured_messages_round_trip(
        subject in "[ -~\u{e0}-\u{ff}]{0,40}",
        text in "[ -~\u{e0}-\u{ff}\u{4e00}-\u{4e10}\n]{0,200}",
        html in any::<bool>(),
        trunc in 0u32..300,
    ) {
        let ct = if html { "text/html" } else { "text/plain" };
        let raw = format!(
            "From: a@b\r\nTo: c@d\r\nSubject: =?utf-8?b?{}?=\r\nContent-Type: {ct}; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n",
            base64::engine::general_purpose::STANDARD.encode(&subject),
            base64::engine::general_purpose::STANDARD.encode(&text),
        );
        let i = MailItem::from_mime(raw.into_bytes()).unwrap();
        prop_assert_eq!(i.subject.as_deref().unwrap_or(""), subject.as_str());
        let opts = BodyOptions::new(vec![BodyPreference {
            body_type: 2,
            truncation_size: Some(trunc),
            preview: Some(255),
            ..BodyPreference::default()
        }]);
        for v in ProtocolVersion::ALL {
            round_trips(&wire(&i, v, &opts), v);
        }
    }
}
