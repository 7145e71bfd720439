//! Mail: MIME → MailItem → Email wire item. Golden tests are named after the Scalix
//! defects (seed 003) they guard against; fixtures are ours, in `testdata/mail/`.

// Tests may panic on bad data: that is how they fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use base64::Engine as _;
use chrono::{DateTime, TimeZone, Utc};
use eas_codec::ProtocolVersion;
use eas_codec::data::airsyncbase::{AttachmentsItem, Body, BodyPreference};
use eas_codec::data::email::Email;
use eas_model::mail::body::truncate;
use eas_model::mail::meeting::meeting_request;
use eas_model::mail::{AttachMethod, MailItem, MailState, parse_file_reference};
use eas_model::timezone::TimeZoneInfo;
use proptest::prelude::*;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/testdata/mail/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn received() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 10, 8, 20, 0).unwrap()
}

fn state() -> MailState {
    MailState {
        item_id: "7:42".into(),
        received: Some(received()),
        ..MailState::default()
    }
}

fn item(name: &str) -> MailItem {
    MailItem::from_mime(&fixture(name), state()).unwrap()
}

fn pref(body_type: u8) -> BodyPreference {
    BodyPreference {
        body_type,
        truncation_size: None,
        all_or_none: None,
        preview: None,
    }
}

fn body(email: &Email) -> &Body {
    email.body.as_ref().expect("AirSyncBase Body")
}

fn data(email: &Email) -> &str {
    body(email).data.as_deref().expect("Body/Data")
}

fn attachments(email: &Email) -> Vec<&eas_codec::data::airsyncbase::Attachment> {
    email
        .attachments
        .as_ref()
        .map(|a| {
            a.items
                .iter()
                .filter_map(|i| match i {
                    AttachmentsItem::Attachment(a) => Some(a),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// No element a device sees may carry a transfer encoding or a control character.
fn assert_device_clean(s: &str) {
    assert!(
        !s.chars()
            .any(|c| (c < ' ' && !matches!(c, '\t' | '\r' | '\n')) || c == '\u{7f}'),
        "control character in {s:?}"
    );
}

#[test]
fn bug_20001_html_only_body_is_shown_as_html_and_text() {
    let item = item("20001_html_only.eml");
    let html = item.to_wire(ProtocolVersion::V14_1, &[pref(2)]);
    assert_eq!(body(&html).body_type, Some(2));
    assert!(data(&html).contains("<p>the report is ready.</p>"));
    assert!(data(&html).contains("Café &amp; crème"));
    assert_eq!(html.native_body_type, Some(2));
    let text = item.to_wire(ProtocolVersion::V14_1, &[pref(1)]);
    assert_eq!(body(&text).body_type, Some(1));
    let t = data(&text);
    assert!(t.contains("Hello Bob,"), "{t:?}");
    assert!(t.contains("Café & crème"), "{t:?}");
    assert!(!t.contains('<'), "{t:?}");
}

#[test]
fn bug_20124_20192_upper_case_mime_types_and_charsets() {
    let item = item("20124_uppercase_types.eml");
    let text = item.to_wire(ProtocolVersion::V14_0, &[pref(1)]);
    assert_eq!(data(&text), "Grüße aus Köln");
    let html = item.to_wire(ProtocolVersion::V14_0, &[pref(2)]);
    assert!(data(&html).contains("<p>Grüße aus Köln</p>"));
    assert!(
        html.attachments.is_none(),
        "alternative parts are not attachments"
    );
    // A 7-bit message goes out as MIME exactly as stored.
    let mime = item.to_wire(ProtocolVersion::V14_0, &[pref(4)]);
    assert_eq!(
        data(&mime).as_bytes(),
        &fixture("20124_uppercase_types.eml")[..]
    );
    // The native (HTML) part's charset names the message's code page.
    assert_eq!(html.internet_cpid.as_deref(), Some("65001"));
}

#[test]
fn bug_20138_html_only_converted_to_text_for_2_5() {
    let item = item("20138_html_only_v25.eml");
    let email = item.to_wire(ProtocolVersion::V2_5, &[pref(1)]);
    assert!(email.body.is_none(), "2.5 has no AirSyncBase Body");
    let text = email.body_v25.as_deref().unwrap();
    assert_eq!(
        text, "News\r\nFirst item <new>\r\n\r\nSecond item",
        "{text:?}"
    );
    assert!(
        !text.contains("<p>") && !text.contains("color: red"),
        "{text:?}"
    );
    assert_eq!(
        email.body_size,
        Some(u32::try_from(text.chars().count()).unwrap())
    );
    assert_eq!(email.body_truncated, Some(false));
    assert!(email.native_body_type.is_none());
}

#[test]
fn bug_20910_ampersand_and_quotes_in_attachment_names() {
    let item = item("20910_ampersand_filename.eml");
    let email = item.to_wire(ProtocolVersion::V14_1, &[pref(1)]);
    let atts = attachments(&email);
    let names: Vec<&str> = atts
        .iter()
        .map(|a| a.display_name.as_deref().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "Q&A <draft> \"final\".pdf",
            "Brücke & Co.txt",
            "Bericht & Zahlen.xlsx"
        ]
    );
    for a in &atts {
        assert_eq!(a.method, Some(1));
        let (id, index) = parse_file_reference(a.file_reference.as_deref().unwrap()).unwrap();
        assert_eq!(id, "7:42");
        assert!(index > 0);
    }
    assert_eq!(
        atts[0].estimated_data_size,
        Some(16),
        "decoded size, not base64 size"
    );
    assert_eq!(data(&email), "See attached.");
    // The 2.5 form carries the same names.
    let v25 = item.to_wire(ProtocolVersion::V2_5, &[pref(1)]);
    let a25 = &v25.attachments_v25.as_ref().unwrap().attachments;
    assert_eq!(a25.len(), 3);
    assert_eq!(
        a25[0].display_name.as_deref(),
        Some("Q&A <draft> \"final\".pdf")
    );
    assert_eq!(a25[0].att_name, atts[0].file_reference);
    assert_eq!(a25[0].att_method, Some(1));
}

#[test]
fn bug_20941_only_bcc_no_to() {
    let item = item("20941_bcc_only.eml");
    let email = item.to_wire(ProtocolVersion::V12_1, &[pref(1)]);
    assert_eq!(email.to, None, "To absent, not empty");
    assert_eq!(email.display_to, None);
    assert_eq!(email.cc, None);
    assert_eq!(
        email.from.as_deref(),
        Some("\"Alice Example\" <alice@example.com>")
    );
    assert_eq!(data(&email), "Only Bcc here.\r\n");
}

#[test]
fn bug_20442_invalid_characters_removed_from_html() {
    let item = item("20442_invalid_char_html.eml");
    let html = item.to_wire(ProtocolVersion::V14_1, &[pref(2)]);
    let h = data(&html);
    assert_device_clean(h);
    assert!(h.contains("<p>Buy now![0m</p><p>Price: 5</p>"), "{h:?}");
    assert_device_clean(html.subject.as_deref().unwrap());
    assert_eq!(html.subject.as_deref(), Some("Spam"));
    let mime = item.to_wire(ProtocolVersion::V14_1, &[pref(4)]);
    assert_device_clean(data(&mime));
    // The MIME keeps the message faithful: the controls are quoted-printable inside it.
    assert!(
        data(&mime).contains("Buy=00 now=0B!=1B[0m"),
        "{}",
        data(&mime)
    );
    let text = item.to_wire(ProtocolVersion::V14_1, &[pref(1)]);
    assert_device_clean(data(&text));
}

#[test]
fn bug_20335_line_breaks_kept_with_special_characters() {
    let item = item("20335_line_breaks.eml");
    let text = item.to_wire(ProtocolVersion::V14_1, &[pref(1)]);
    assert_eq!(
        data(&text),
        "Hallo Jürgen,\r\n\r\nder Überblick ist fertig: äöü \"quoted\" & <tags>.\r\n\r\nGrüße,\r\nAnna\r\n"
    );
    let html = item.to_wire(ProtocolVersion::V14_1, &[pref(2)]);
    let h = data(&html);
    assert!(
        h.contains("Hallo Jürgen,<br>\r\n<br>\r\nder Überblick"),
        "{h:?}"
    );
    assert!(
        h.contains("&quot;quoted&quot; &amp; &lt;tags&gt;."),
        "{h:?}"
    );
    assert_eq!(html.native_body_type, Some(1));
}

#[test]
fn bug_20842_body_never_base64() {
    let item = item("20842_base64_body.eml");
    let email = item.to_wire(ProtocolVersion::V12_0, &[pref(1)]);
    assert_eq!(
        data(&email),
        "Dies ist der Text. Zweite Zeile mit Umlauten: äöü.\r\n"
    );
    let v25 = item.to_wire(ProtocolVersion::V2_5, &[pref(1)]);
    assert_eq!(
        v25.body_v25.as_deref(),
        Some("Dies ist der Text. Zweite Zeile mit Umlauten: äöü.\r\n")
    );
}

#[test]
fn bug_19892_quoted_printable_and_base64_decoded() {
    let item = item("19892_encodings.eml");
    let text = item.to_wire(ProtocolVersion::V14_1, &[pref(1)]);
    assert_eq!(
        data(&text),
        "Preis: 10 € – „Angebot“ mit einem sehr langen Satz, der wegen der Zeilenlänge umbrochen wird."
    );
    let html = item.to_wire(ProtocolVersion::V14_1, &[pref(2)]);
    assert!(data(&html).contains("<p>Preis: 10 € – „Angebot“"));
    assert!(!data(&html).contains("PHA+"), "no base64 left");
}

#[test]
fn bug_20587_text_not_an_attachment_when_image_attached() {
    let item = item("20587_iphone_image.eml");
    let email = item.to_wire(ProtocolVersion::V14_1, &[pref(1)]);
    let atts = attachments(&email);
    assert_eq!(atts.len(), 1, "{atts:?}");
    assert_eq!(atts[0].display_name.as_deref(), Some("photo.jpg"));
    assert_eq!(atts[0].estimated_data_size, Some(53), "decoded JPEG bytes");
    assert_eq!(atts[0].is_inline, Some(false), "not referenced by any HTML");
    let t = data(&email);
    assert!(t.starts_with("Look at this:"), "{t:?}");
    assert!(t.contains("Sent from my iPhone"), "{t:?}");
}

#[test]
fn umlauts_iso_8859_1_8bit() {
    let item = item("umlauts_latin1_8bit.eml");
    let email = item.to_wire(ProtocolVersion::V14_1, &[pref(1)]);
    assert_eq!(data(&email), "Schöne Grüße, Jürgen!\r\nÄrger über Öl.\r\n");
    assert_eq!(email.subject.as_deref(), Some("Grüße aus München"));
    assert_eq!(email.internet_cpid.as_deref(), Some("28591"));
    // MIME for the device: valid UTF-8 (the type is a string), and the same message once
    // decoded — the 8-bit part was re-encoded, not re-labelled.
    let mime = item.to_wire(ProtocolVersion::V14_1, &[pref(4)]);
    let again = MailItem::from_mime(data(&mime).as_bytes(), state()).unwrap();
    assert_eq!(again.plain, item.plain);
    assert_eq!(again.subject, item.subject);
    assert!(data(&mime).contains("Content-Transfer-Encoding: quoted-printable"));
    assert_eq!(
        body(&mime).estimated_data_size,
        Some(u32::try_from(data(&mime).len()).unwrap())
    );
}

#[test]
fn umlauts_windows_1252_without_charset() {
    let item = item("umlauts_cp1252_nocharset.eml");
    let email = item.to_wire(ProtocolVersion::V14_1, &[pref(1)]);
    assert_eq!(data(&email), "„Grüße“ kosten 5 € – heute.\r\n");
    assert_eq!(email.subject.as_deref(), Some("„Zitat“"));
    assert_eq!(email.internet_cpid.as_deref(), Some("1252"));
    let utf8 = item_utf8();
    assert_eq!(utf8.plain, "Grüße – ok ✓\r\n");
    assert_eq!(utf8.internet_cpid, 65001);
}

fn item_utf8() -> MailItem {
    item("utf8_nocharset.eml")
}

#[test]
fn rfc2047_headers_and_address_forms() {
    let item = item("rfc2047_headers.eml");
    let email = item.to_wire(ProtocolVersion::V14_1, &[pref(1)]);
    assert_eq!(
        email.from.as_deref(),
        Some("\"Jürgen Müller\" <jm@example.com>")
    );
    assert_eq!(
        email.to.as_deref(),
        Some("\"Björn Öberg\" <bo@example.com>, \"Doe, Jane\" <jane@example.com>")
    );
    assert_eq!(email.display_to.as_deref(), Some("Björn Öberg; Doe, Jane"));
    assert_eq!(email.cc.as_deref(), Some("\"François\" <fr@example.com>"));
    assert_eq!(
        email.reply_to.as_deref(),
        Some("\"Team\" <team@example.com>")
    );
    assert_eq!(email.subject.as_deref(), Some("Re: AW: Preis in €"));
    assert_eq!(email.thread_topic.as_deref(), Some("Preis in €"));
    assert_eq!(email.importance, Some(2));
    assert_eq!(email.message_class.as_deref(), Some("IPM.Note"));
    assert_eq!(
        email.content_class.as_deref(),
        Some("urn:content-classes:message")
    );
    assert_eq!(
        email.date_received.as_deref(),
        Some("2026-03-10T08:20:00.000Z")
    );
}

#[test]
fn x400_addresses_never_reach_the_device() {
    let item = item("x400_addresses.eml");
    let email = item.to_wire(ProtocolVersion::V14_1, &[pref(1)]);
    let all = [&email.from, &email.to, &email.cc, &email.display_to];
    for field in all {
        let v = field.as_deref().unwrap();
        assert!(!v.contains("IMCEAEX"), "{v}");
        assert!(!v.contains("/O="), "{v}");
        assert!(!v.contains("/CN="), "{v}");
    }
    assert_eq!(email.from.as_deref(), Some("\"Mueller, Hans\""));
    assert_eq!(
        email.to.as_deref(),
        Some("\"JDOE\", \"Carol\" <carol@example.com>")
    );
    assert_eq!(email.display_to.as_deref(), Some("JDOE; Carol"));
    assert_eq!(email.cc.as_deref(), Some("\"Dave Dn\""));
}

#[test]
fn truncation_all_or_none_and_preview() {
    let item = item("20335_line_breaks.eml");
    let full = item.plain.len();
    let cut = BodyPreference {
        truncation_size: Some(8),
        ..pref(1)
    };
    let email = item.to_wire(ProtocolVersion::V14_0, std::slice::from_ref(&cut));
    // "Hallo Jü" is 9 bytes: the cut moves back before the two-byte ü.
    assert_eq!(data(&email), "Hallo J");
    assert_eq!(body(&email).truncated, Some(true));
    assert_eq!(
        body(&email).estimated_data_size,
        Some(u32::try_from(full).unwrap())
    );
    let none = BodyPreference {
        all_or_none: Some(true),
        ..cut
    };
    let email = item.to_wire(ProtocolVersion::V14_0, &[none]);
    assert_eq!(body(&email).data, None);
    assert_eq!(body(&email).truncated, Some(true));
    let fits = BodyPreference {
        truncation_size: Some(u32::try_from(full).unwrap()),
        all_or_none: Some(true),
        preview: Some(20),
        ..pref(1)
    };
    let email = item.to_wire(ProtocolVersion::V14_0, std::slice::from_ref(&fits));
    assert_eq!(body(&email).truncated, Some(false));
    assert_eq!(
        body(&email).preview.as_deref(),
        Some("Hallo Jürgen, der Üb")
    );
    let old = item.to_wire(ProtocolVersion::V12_1, &[fits]);
    assert_eq!(body(&old).preview, None, "Preview is 14.0+");
}

#[test]
fn body_preference_follows_native_type_and_all_or_none() {
    let html_mail = item("20001_html_only.eml");
    let chosen = |item: &MailItem, prefs: &[BodyPreference]| {
        body(&item.to_wire(ProtocolVersion::V14_1, prefs)).body_type
    };
    assert_eq!(
        chosen(&html_mail, &[pref(1), pref(2)]),
        Some(2),
        "native HTML first"
    );
    let text_mail = item("20941_bcc_only.eml");
    assert_eq!(
        chosen(&text_mail, &[pref(2), pref(1)]),
        Some(1),
        "native text first"
    );
    assert_eq!(
        chosen(&text_mail, &[pref(2), pref(4)]),
        Some(2),
        "client order otherwise"
    );
    assert_eq!(
        chosen(&text_mail, &[pref(3)]),
        Some(1),
        "no RTF: plain text"
    );
    let small_html = BodyPreference {
        truncation_size: Some(10),
        all_or_none: Some(true),
        ..pref(2)
    };
    let big_text = BodyPreference {
        truncation_size: Some(100_000),
        ..pref(1)
    };
    assert_eq!(
        chosen(&html_mail, &[small_html.clone(), big_text]),
        Some(1),
        "HTML does not fit whole: the next preference"
    );
    let email = html_mail.to_wire(ProtocolVersion::V14_1, &[small_html]);
    assert_eq!(body(&email).body_type, Some(2));
    assert_eq!(body(&email).data, None, "nothing fits: no data, Truncated");
    assert_eq!(body(&email).truncated, Some(true));
}

#[test]
fn empty_body_is_present_and_empty() {
    let item = item("empty_body.eml");
    let email = item.to_wire(ProtocolVersion::V14_1, &[pref(1)]);
    let b = body(&email);
    assert_eq!(b.data.as_deref(), Some(""));
    assert_eq!(b.estimated_data_size, Some(0));
    assert_eq!(b.truncated, Some(false));
    assert!(email.attachments.is_none());
}

#[test]
fn nested_message_stays_one_attachment_with_method_5() {
    let item = item("nested_rfc822.eml");
    assert_eq!(item.attachments.len(), 1);
    assert_eq!(item.attachments[0].method, AttachMethod::EmbeddedMessage);
    let email = item.to_wire(ProtocolVersion::V14_1, &[pref(1)]);
    let atts = attachments(&email);
    assert_eq!(atts.len(), 1, "the inner attachment is not flattened out");
    assert_eq!(atts[0].method, Some(5));
    assert_eq!(atts[0].display_name.as_deref(), Some("Original.eml"));
    assert_eq!(data(&email), "Forwarding the original below.");
    assert!(!data(&email).contains("Inner text"));
}

#[test]
fn related_inline_image_and_content_location() {
    let item = item("related_inline.eml");
    let email = item.to_wire(ProtocolVersion::V14_1, &[pref(2)]);
    let atts = attachments(&email);
    assert_eq!(atts.len(), 2);
    assert_eq!(atts[0].display_name.as_deref(), Some("logo.png"));
    assert_eq!(atts[0].content_id.as_deref(), Some("logo123@example.com"));
    assert_eq!(atts[0].is_inline, Some(true));
    assert_eq!(atts[1].display_name.as_deref(), Some("terms.pdf"));
    assert_eq!(
        atts[1].content_location.as_deref(),
        Some("http://example.com/terms.pdf")
    );
    assert_eq!(atts[1].is_inline, Some(false));
    assert!(data(&email).contains("cid:logo123@example.com"));
    let text = item.to_wire(ProtocolVersion::V14_1, &[pref(1)]);
    assert_eq!(data(&text), "Our logo.");
}

#[test]
fn date_header_stands_in_for_an_unknown_arrival_time() {
    let state = MailState {
        received: None,
        ..state()
    };
    let item = MailItem::from_mime(&fixture("20941_bcc_only.eml"), state).unwrap();
    let email = item.to_wire(ProtocolVersion::V14_1, &[pref(1)]);
    // Date: Tue, 10 Mar 2026 09:15:00 +0100
    assert_eq!(
        email.date_received.as_deref(),
        Some("2026-03-10T08:15:00.000Z")
    );
}

#[test]
fn nested_8bit_message_survives_the_mime_rendition() {
    let mut raw = b"From: a@example.com\r\nSubject: Fwd\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=o\r\n\r\n--o\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nsee below\r\n--o\r\nContent-Type: message/rfc822\r\n\r\nFrom: c@example.com\r\nSubject: inner\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n".to_vec();
    raw.extend_from_slice(b"Gr\xfc\xdfe\r\n--o--\r\n");
    let item = MailItem::from_mime(&raw, state()).unwrap();
    assert_eq!(item.attachments.len(), 1);
    let email = item.to_wire(ProtocolVersion::V14_1, &[pref(4)]);
    let again = MailItem::from_mime(data(&email).as_bytes(), state()).unwrap();
    assert_eq!(again.attachments.len(), 1);
    let parsed = mail_parser::MessageParser::default()
        .parse(data(&email).as_bytes())
        .unwrap();
    let nested = parsed
        .attachment(0)
        .and_then(|p| p.message())
        .expect("nested message");
    assert_eq!(nested.body_text(0).as_deref(), Some("Grüße"));
}

#[test]
fn smime_message_class() {
    let item = item("smime_signed.eml");
    assert_eq!(item.message_class, "IPM.Note.SMIME.MultipartSigned");
}

#[test]
fn meeting_request_from_text_calendar() {
    let item = item("meeting_request.eml");
    assert!(
        item.attachments.is_empty(),
        "the invitation is not an attachment"
    );
    let email = item.to_wire(ProtocolVersion::V14_1, &[pref(1)]);
    assert_eq!(
        email.message_class.as_deref(),
        Some("IPM.Schedule.Meeting.Request")
    );
    assert_eq!(
        email.content_class.as_deref(),
        Some("urn:content-classes:calendarmessage")
    );
    let m = email.meeting_request.as_ref().unwrap();
    // 10:00 in Berlin in March (CET, UTC+1) is 09:00 UTC.
    assert_eq!(m.start_time.as_deref(), Some("20260310T090000Z"));
    assert_eq!(m.end_time.as_deref(), Some("20260310T103000Z"));
    assert_eq!(m.dt_stamp.as_deref(), Some("20260301T120000Z"));
    assert_eq!(m.all_day_event, Some(0));
    assert_eq!(m.instance_type, Some(1));
    assert_eq!(m.location.as_deref(), Some("Raum 4 & Flur"));
    assert_eq!(
        m.organizer.as_deref(),
        Some("\"Alice Example\" <alice@example.com>")
    );
    assert_eq!(m.reminder, Some(900));
    assert_eq!(m.response_requested, Some(1));
    assert_eq!(m.sensitivity, Some(2));
    assert_eq!(m.busy_status, Some(1));
    assert_eq!(m.meeting_message_type, Some(1));
    let tz = TimeZoneInfo::from_base64(m.time_zone.as_deref().unwrap()).unwrap();
    assert!(!tz.is_all_zero());
    assert_eq!(tz.bias, -60, "CET is UTC+1: bias -60 minutes");
    assert_eq!(tz, TimeZoneInfo::for_zone(chrono_tz::Europe::Berlin, 2026));
    let goid = base64::engine::general_purpose::STANDARD
        .decode(m.global_obj_id.as_deref().unwrap())
        .unwrap();
    assert_eq!(
        &goid[..16],
        &[
            0x04, 0x00, 0x00, 0x00, 0x82, 0x00, 0xE0, 0x00, 0x74, 0xC5, 0xB7, 0x10, 0x1A, 0x82,
            0xE0, 0x08
        ]
    );
    assert!(goid.windows(24).any(|w| w == b"meeting-4711@example.com"));
    let r = &m.recurrences.as_ref().unwrap().recurrences[0];
    assert_eq!(r.recurrence_type, Some(1));
    assert_eq!(r.day_of_week, Some(4 | 16));
    assert_eq!(r.occurrences, Some(10));
    assert_eq!(r.interval, Some(1));

    // Version shaping: 16.0 moves Location and the id; 12.1 has no MeetingMessageType.
    let v16 = item.to_wire(ProtocolVersion::V16_0, &[pref(1)]);
    let m16 = v16.meeting_request.as_ref().unwrap();
    assert_eq!(m16.location, None);
    assert_eq!(
        m16.location_v16
            .as_ref()
            .and_then(|l| l.display_name.as_deref()),
        Some("Raum 4 & Flur")
    );
    assert_eq!(m16.uid.as_deref(), Some("meeting-4711@example.com"));
    assert_eq!(m16.global_obj_id, None);
    let v12 = item.to_wire(ProtocolVersion::V12_1, &[pref(1)]);
    let m12 = v12.meeting_request.as_ref().unwrap();
    assert_eq!(m12.meeting_message_type, None);
    assert_eq!(m12.uid, None);
}

#[test]
fn meeting_cancellation_in_utc() {
    let item = item("meeting_cancel.eml");
    assert_eq!(item.message_class, "IPM.Schedule.Meeting.Canceled");
    let m = item.meeting.as_ref().unwrap();
    assert_eq!(m.start_time.as_deref(), Some("20260312T150000Z"));
    assert_eq!(m.end_time.as_deref(), Some("20260312T153000Z"));
    assert_eq!(m.instance_type, Some(0));
    assert_eq!(m.meeting_message_type, Some(0));
    assert_eq!(m.organizer.as_deref(), Some("alice@example.com"));
    let tz = TimeZoneInfo::from_base64(m.time_zone.as_deref().unwrap()).unwrap();
    assert_eq!(tz, TimeZoneInfo::for_zone(chrono_tz::UTC, 2026));
    assert!(!tz.is_all_zero());
}

fn vevent(lines: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:u1\r\nDTSTAMP:20260301T000000Z\r\n{}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        lines.replace('\n', "\r\n")
    )
}

fn recurrence_of(lines: &str) -> eas_codec::data::email::MeetingRecurrence {
    let (_, m) = meeting_request(&vevent(lines), None).unwrap();
    m.recurrences.unwrap().recurrences.remove(0)
}

#[test]
fn meeting_recurrence_patterns() {
    let r = recurrence_of(
        "DTSTART;TZID=Europe/Berlin:20260310T100000\nRRULE:FREQ=MONTHLY;BYDAY=2TU;UNTIL=20261231T000000Z",
    );
    assert_eq!(
        (r.recurrence_type, r.day_of_week, r.week_of_month),
        (Some(3), Some(4), Some(2))
    );
    assert_eq!(r.until.as_deref(), Some("20261231T000000Z"));
    let r = recurrence_of(
        "DTSTART;TZID=Europe/Berlin:20260327T100000\nRRULE:FREQ=MONTHLY;BYDAY=-1FR;INTERVAL=2",
    );
    assert_eq!(
        (r.recurrence_type, r.day_of_week, r.week_of_month),
        (Some(3), Some(32), Some(5))
    );
    assert_eq!(r.interval, Some(2));
    let r = recurrence_of("DTSTART:20260310T100000Z\nRRULE:FREQ=MONTHLY");
    assert_eq!((r.recurrence_type, r.day_of_month), (Some(2), Some(10)));
    let r = recurrence_of("DTSTART:20260310T100000Z\nRRULE:FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=10");
    assert_eq!(
        (r.recurrence_type, r.day_of_month, r.month_of_year),
        (Some(5), Some(10), Some(3))
    );
    let r = recurrence_of("DTSTART:20261126T100000Z\nRRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=4TH");
    assert_eq!(
        (
            r.recurrence_type,
            r.day_of_week,
            r.week_of_month,
            r.month_of_year
        ),
        (Some(6), Some(16), Some(4), Some(11))
    );
    let r = recurrence_of("DTSTART:20260310T100000Z\nRRULE:FREQ=DAILY;COUNT=5");
    assert_eq!((r.recurrence_type, r.occurrences), (Some(0), Some(5)));
    // Late evening in New York is already the next day in UTC: the weekday is New York's.
    let r = recurrence_of("DTSTART;TZID=America/New_York:20260310T230000\nRRULE:FREQ=WEEKLY");
    assert_eq!((r.recurrence_type, r.day_of_week), (Some(1), Some(4)));
    let (_, m) =
        meeting_request(&vevent("DTSTART:20260310T100000Z\nRRULE:FREQ=HOURLY"), None).unwrap();
    assert!(m.recurrences.is_none(), "EAS has no hourly recurrence");
}

#[test]
fn all_day_and_exception_meetings() {
    let (_, m) = meeting_request(
        &vevent("DTSTART;VALUE=DATE:20260310\nX-MICROSOFT-DISALLOW-COUNTER:TRUE"),
        None,
    )
    .unwrap();
    assert_eq!(m.all_day_event, Some(1));
    assert_eq!(m.start_time.as_deref(), Some("20260310T000000Z"));
    assert_eq!(m.end_time.as_deref(), Some("20260311T000000Z"));
    assert_eq!(m.disallow_new_time_proposal, Some(1));
    assert_eq!(m.response_requested, Some(0));
    let (_, m) = meeting_request(
        &vevent(
            "DTSTART:20260317T100000Z\nDURATION:PT45M\nRECURRENCE-ID:20260317T100000Z\nSEQUENCE:3",
        ),
        None,
    )
    .unwrap();
    assert_eq!(m.end_time.as_deref(), Some("20260317T104500Z"));
    assert_eq!(m.instance_type, Some(3));
    assert_eq!(m.recurrence_id.as_deref(), Some("20260317T100000Z"));
    assert_eq!(m.meeting_message_type, Some(2), "an update: SEQUENCE > 0");
    let goid = base64::engine::general_purpose::STANDARD
        .decode(m.global_obj_id.as_deref().unwrap())
        .unwrap();
    assert_eq!(
        &goid[16..20],
        &[0x07, 0xEA, 3, 17],
        "instance date 2026-03-17"
    );
    assert!(meeting_request("BEGIN:VCARD\r\nEND:VCARD\r\n", None).is_err());
    let publish = vevent("DTSTART:20260310T100000Z").replace("METHOD:REQUEST", "METHOD:PUBLISH");
    assert!(meeting_request(&publish, None).is_err());
}

/// A message whose only part is `ics`.
fn invitation_mail(ics: &str) -> Vec<u8> {
    format!(
        "From: Alice <alice@example.com>\r\nTo: bob@example.com\r\nSubject: Invitation\r\nMIME-Version: 1.0\r\nContent-Type: text/calendar; charset=utf-8; method=REQUEST\r\n\r\n{ics}"
    )
    .into_bytes()
}

/// The fields `Email:Recurrence` shares with `Calendar:Recurrence`.
type RecurrenceFields = (
    Option<u8>,
    Option<u32>,
    Option<String>,
    Option<u32>,
    Option<u8>,
    Option<u8>,
    Option<u8>,
    Option<u8>,
);

fn meeting_fields(r: &eas_codec::data::email::MeetingRecurrence) -> RecurrenceFields {
    (
        r.recurrence_type,
        r.interval,
        r.until.as_deref().map(str::to_string),
        r.occurrences,
        r.week_of_month,
        r.day_of_month,
        r.day_of_week,
        r.month_of_year,
    )
}

fn calendar_fields(r: &eas_codec::data::calendar::CalendarRecurrence) -> RecurrenceFields {
    (
        r.recurrence_type,
        r.interval,
        r.until.as_deref().map(str::to_string),
        r.occurrences,
        r.week_of_month,
        r.day_of_month,
        r.day_of_week,
        r.month_of_year,
    )
}

/// The invitation in a mail and the calendar item made from the same VEVENT put the meeting
/// at the same time, in the same zone, on the same days, for every version.
#[test]
fn meeting_request_agrees_with_the_calendar_item() {
    let outlook = {
        let raw = fixture("meeting_request.eml");
        let msg = mail_parser::MessageParser::default().parse(&raw).unwrap();
        msg.parts
            .iter()
            .find_map(|p| match &p.body {
                mail_parser::PartType::Text(t) if t.contains("BEGIN:VCALENDAR") => {
                    Some(t.to_string())
                }
                _ => None,
            })
            .unwrap()
    };
    let cases = [
        // Windows TZID with its VTIMEZONE, weekly on two days.
        outlook,
        vevent(
            "DTSTART;TZID=Europe/Berlin:20260310T100000\nDTEND;TZID=Europe/Berlin:20260310T110000\nRRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TU",
        ),
        // Late evening in New York is the next day in UTC; DST starts within the series.
        vevent(
            "DTSTART;TZID=America/New_York:20260227T230000\nDURATION:PT30M\nRRULE:FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20261231T000000Z",
        ),
        vevent(
            "DTSTART;VALUE=DATE:20260310\nDTEND;VALUE=DATE:20260312\nRRULE:FREQ=YEARLY;UNTIL=20300310",
        ),
        vevent(
            "DTSTART:20261126T150000Z\nDTEND:20261126T160000Z\nRRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=4TH;COUNT=3",
        ),
        // Floating: read as UTC on both sides.
        vevent("DTSTART:20260310T100000\nDURATION:PT1H\nRRULE:FREQ=DAILY;INTERVAL=3;COUNT=4"),
        vevent(
            "DTSTART;TZID=Asia/Kolkata:20260401T093000\nDTEND;TZID=Asia/Kolkata:20260401T100000",
        ),
    ];
    for ics in &cases {
        let mail = MailItem::from_mime(&invitation_mail(ics), state()).unwrap();
        assert_eq!(mail.message_class, "IPM.Schedule.Meeting.Request", "{ics}");
        let appointment = eas_model::calendar::Appointment::from_icalendar(ics, None).unwrap();
        for version in [
            ProtocolVersion::V12_1,
            ProtocolVersion::V14_1,
            ProtocolVersion::V16_0,
        ] {
            let email = mail.to_wire(version, &[pref(1)]);
            let m = email.meeting_request.as_ref().unwrap();
            let c = appointment.to_wire(version);
            let at = format!("{version:?} {ics}");
            assert_eq!(m.all_day_event, c.all_day_event, "{at}");
            assert_eq!(m.start_time, c.start_time, "{at}");
            assert_eq!(m.end_time, c.end_time, "{at}");
            assert_eq!(m.time_zone, c.timezone, "{at}");
            let blob = TimeZoneInfo::from_base64(m.time_zone.as_deref().unwrap()).unwrap();
            assert!(!blob.is_all_zero(), "{at}");
            assert_eq!(
                m.instance_type,
                Some(u8::from(c.recurrence.is_some())),
                "{at}"
            );
            match (&m.recurrences, &c.recurrence) {
                (None, None) => {}
                (Some(mr), Some(cr)) => {
                    assert_eq!(mr.recurrences.len(), 1, "{at}");
                    let r = &mr.recurrences[0];
                    assert_eq!(meeting_fields(r), calendar_fields(cr), "{at}");
                    // The 14.0 and 14.1 elements go to the versions that have them, as for
                    // the calendar item.
                    assert_eq!(
                        (r.calendar_type, r.is_leap_month, r.first_day_of_week),
                        (cr.calendar_type, cr.is_leap_month, cr.first_day_of_week),
                        "{at}"
                    );
                    if version < ProtocolVersion::V14_0 {
                        assert_eq!(r.calendar_type, None, "{at}");
                    }
                }
                (m, c) => panic!("{at}: meeting {m:?}, calendar {c:?}"),
            }
        }
    }
}

#[test]
fn meeting_busy_status_is_the_intended_one() {
    let busy = |lines: &str| {
        let (_, m) =
            meeting_request(&vevent(&format!("DTSTART:20260310T100000Z\n{lines}")), None).unwrap();
        m.busy_status
    };
    // Outlook: BUSYSTATUS is the attendee's copy before answering, INTENDEDSTATUS after.
    assert_eq!(
        busy("X-MICROSOFT-CDO-BUSYSTATUS:TENTATIVE\nX-MICROSOFT-CDO-INTENDEDSTATUS:OOF"),
        Some(3)
    );
    assert_eq!(busy("X-MICROSOFT-CDO-BUSYSTATUS:FREE"), Some(0));
    assert_eq!(busy("TRANSP:TRANSPARENT"), Some(0));
    assert_eq!(busy("TRANSP:OPAQUE"), Some(2));
    assert_eq!(busy(""), Some(2), "absent means busy (MS-ASEMAIL 2.2.2.14)");
}

#[test]
fn meeting_asks_for_answers_when_any_attendee_is_asked() {
    let ics = vevent(
        "DTSTART:20260310T100000Z\nORGANIZER:mailto:alice@example.com\nATTENDEE;RSVP=FALSE:mailto:room@example.com\nATTENDEE;RSVP=TRUE:mailto:bob@example.com",
    );
    let (_, m) = meeting_request(&ics, None).unwrap();
    assert_eq!(m.response_requested, Some(1));
    let a = eas_model::calendar::Appointment::from_icalendar(&ics, None).unwrap();
    assert_eq!(a.response_requested, Some(true));
    let ics = vevent(
        "DTSTART:20260310T100000Z\nORGANIZER:mailto:alice@example.com\nATTENDEE;RSVP=FALSE:mailto:bob@example.com",
    );
    let (_, m) = meeting_request(&ics, None).unwrap();
    assert_eq!(m.response_requested, Some(0));
}

#[test]
fn meeting_with_a_rule_eas_cannot_carry() {
    let ics = vevent("DTSTART:20260310T100000Z\nRRULE:FREQ=DAILY;BYHOUR=10,14");
    let (_, m) = meeting_request(&ics, None).unwrap();
    assert_eq!(m.instance_type, Some(1), "still a recurring meeting");
    assert!(m.recurrences.is_none());
    assert_eq!(m.start_time.as_deref(), Some("20260310T100000Z"));
    // A calendar item is refused instead: storing it would change its days.
    assert!(eas_model::calendar::Appointment::from_icalendar(&ics, None).is_err());
}

#[test]
fn invitation_in_an_unknown_zone_stays_an_attachment() {
    let ics = vevent("DTSTART;TZID=Nowhere/Special:20260310T100000");
    assert!(meeting_request(&ics, None).is_err());
    let mail = MailItem::from_mime(&invitation_mail(&ics), state()).unwrap();
    assert_eq!(mail.message_class, "IPM.Note");
    assert!(mail.meeting.is_none());
    assert_eq!(mail.attachments.len(), 1, "the .ics reaches the user");
}

#[test]
fn conversation_shared_by_the_thread() {
    let first = b"From: a@example.com\r\nTo: b@example.com\r\nSubject: Plan\r\nMessage-ID: <root@example.com>\r\nDate: Mon, 09 Mar 2026 08:00:00 +0000\r\n\r\nfirst\r\n";
    let reply = b"From: b@example.com\r\nTo: a@example.com\r\nSubject: Re: Plan\r\nMessage-ID: <r1@example.com>\r\nIn-Reply-To: <root@example.com>\r\nReferences: <root@example.com>\r\nDate: Mon, 09 Mar 2026 09:00:00 +0000\r\n\r\nreply\r\n";
    let again = b"From: a@example.com\r\nTo: b@example.com\r\nSubject: AW: Re: Plan\r\nMessage-ID: <r2@example.com>\r\nIn-Reply-To: <r1@example.com>\r\nReferences: <root@example.com> <r1@example.com>\r\nDate: Mon, 09 Mar 2026 10:00:00 +0000\r\n\r\nagain\r\n";
    let other = b"From: a@example.com\r\nTo: b@example.com\r\nSubject: Other\r\nMessage-ID: <other@example.com>\r\n\r\nx\r\n";
    let ids: Vec<[u8; 16]> = [&first[..], &reply[..], &again[..], &other[..]]
        .iter()
        .map(|m| MailItem::from_mime(m, state()).unwrap().conversation_id)
        .collect();
    assert_eq!(ids[0], ids[1]);
    assert_eq!(ids[0], ids[2]);
    assert_ne!(ids[0], ids[3]);
    let item = MailItem::from_mime(reply, state()).unwrap();
    let email = item.to_wire(ProtocolVersion::V14_0, &[pref(1)]);
    assert_eq!(email.thread_topic.as_deref(), Some("Plan"));
    assert_eq!(
        email.conversation_id.as_ref().map(|o| o.0.clone()),
        Some(ids[0].to_vec())
    );
    let index = email.conversation_index.as_ref().unwrap();
    assert_eq!(index.0.len(), 5);
    assert_eq!(
        index.0[0], 0x01,
        "FILETIME >> 24 of a 21st-century date starts 0x01"
    );
    assert!(
        item.to_wire(ProtocolVersion::V12_1, &[pref(1)])
            .conversation_id
            .is_none(),
        "ConversationId is 14.0+"
    );
}

#[test]
fn server_state_is_passed_through() {
    let state = MailState {
        read: true,
        categories: vec!["Rot".into(), "Büro & Co".into()],
        last_verb_executed: Some(2),
        last_verb_execution_time: Some(received()),
        ..state()
    };
    let item = MailItem::from_mime(&fixture("20941_bcc_only.eml"), state).unwrap();
    let email = item.to_wire(ProtocolVersion::V14_1, &[pref(1)]);
    assert_eq!(email.read, Some(true));
    assert_eq!(email.last_verb_executed, Some(2));
    let cats: Vec<&str> = email
        .categories
        .as_ref()
        .unwrap()
        .categories
        .iter()
        .map(|c| c.as_str())
        .collect();
    assert_eq!(cats, ["Rot", "Büro & Co"]);
    assert_eq!(
        email.flag,
        Some(Default::default()),
        "an empty Flag: not flagged"
    );
}

#[test]
fn every_listed_charset_decodes_to_utf8() {
    // (charset label, body bytes in that charset, expected text)
    let cases: [(&str, &[u8], &str); 8] = [
        ("ISO-8859-1", b"Gr\xfc\xdfe", "Grüße"),
        ("iso-8859-2", b"\xa3\xf3d\xbc", "Łódź"),
        ("ISO-8859-15", b"\xa4\xdf", "€ß"),
        ("windows-1250", b"\x8elu\x9do", "Žluťo"),
        ("Windows-1252", b"\x84Gr\xfc\xdfe\x93 \x80", "„Grüße“ €"),
        ("KOI8-R", b"\xf0\xd2\xc9\xd7\xc5\xd4", "Привет"),
        (
            "Shift_JIS",
            b"\x82\xb1\x82\xf1\x82\xc9\x82\xbf\x82\xcd",
            "こんにちは",
        ),
        ("GB2312", b"\xc4\xe3\xba\xc3", "你好"),
    ];
    for (charset, bytes, expected) in cases {
        let mut raw = format!(
            "From: a@example.com\r\nSubject: t\r\nContent-Type: text/plain; charset={charset}\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        )
        .into_bytes();
        raw.extend_from_slice(bytes);
        let item = MailItem::from_mime(&raw, state()).unwrap();
        assert_eq!(item.plain, expected, "{charset}");
        let email = item.to_wire(ProtocolVersion::V14_1, &[pref(4)]);
        // The MIME rendition is a valid string and decodes back to the same text.
        let again = MailItem::from_mime(data(&email).as_bytes(), state()).unwrap();
        assert_eq!(again.plain, expected, "{charset} via MIME");
        assert!(
            eas_model::mail::charset::code_page(charset).is_some(),
            "{charset} has a code page"
        );
    }
}

#[test]
fn garbage_input_is_an_error_not_a_panic() {
    assert!(MailItem::from_mime(b"", state()).is_err());
    // Odd but header-bearing input still parses.
    let odd = b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: message/rfc822\r\n\r\n--x--";
    let item = MailItem::from_mime(odd, state()).unwrap();
    let _ = item.to_wire(ProtocolVersion::V2_5, &[pref(4)]);
}

proptest! {
    #[test]
    fn truncation_never_splits_utf8(text in "\\PC*", limit in 0u32..64, all_or_none: bool) {
        let cut = truncate(&text, Some(limit), all_or_none);
        prop_assert_eq!(cut.full_size, text.len());
        prop_assert_eq!(cut.truncated, text.len() > limit as usize);
        match cut.data {
            Some(d) => {
                prop_assert!(text.starts_with(d));
                prop_assert!(d.len() <= limit as usize);
                prop_assert_eq!(d.len() < text.len(), cut.truncated);
                // The cut loses less than one character beyond the limit.
                if cut.truncated {
                    let next = text[d.len()..].chars().next().map_or(0, char::len_utf8);
                    prop_assert!(d.len() + next > limit as usize);
                }
            }
            None => prop_assert!(all_or_none && cut.truncated),
        }
    }

    #[test]
    fn wire_body_truncation_is_honest(text in "[a-zé€😀 \\n]{0,80}", limit in 0u32..100) {
        let raw = format!(
            "From: a@example.com\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{text}"
        );
        let item = MailItem::from_mime(raw.as_bytes(), state()).unwrap();
        let p = BodyPreference { truncation_size: Some(limit), ..pref(1) };
        let email = item.to_wire(ProtocolVersion::V14_1, &[p]);
        let b = email.body.unwrap();
        let d = b.data.unwrap_or_default();
        prop_assert!(item.plain.starts_with(d.as_str()));
        prop_assert_eq!(b.estimated_data_size, Some(item.plain.len() as u32));
        prop_assert_eq!(b.truncated, Some(d.len() < item.plain.len()));
    }
}

/// Every fixture's wire item goes through the WBXML encoder and back for every version with
/// AirSyncBase: names with `&`, `<` and quotes, umlauts, bodies and meetings come back equal.
#[test]
fn every_fixture_round_trips_through_wbxml() {
    use eas_codec::codec::{DecodeOptions, decode, encode};
    use eas_codec::command::item_operations::*;
    use eas_codec::data::ApplicationData;

    let dir = format!("{}/testdata/mail", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".eml"))
        .collect();
    names.sort();
    assert!(names.len() >= 20, "{names:?}");
    for name in &names {
        let item = item(name);
        for version in ProtocolVersion::ALL
            .into_iter()
            .filter(|v| *v >= ProtocolVersion::V12_0)
        {
            for body_type in [1, 2, 4] {
                let email = item.to_wire(version, &[pref(body_type)]);
                let response = ItemOperationsResponse {
                    status: ItemOperationsStatus::Success,
                    response: Some(OperationResults {
                        results: vec![OperationResult::Fetch(FetchResult {
                            status: ItemOperationsStatus::Success,
                            server_id: Some("7:42".into()),
                            class: Some("Email".into()),
                            properties: Some(FetchProperties::Item(ApplicationData::from(
                                email.clone(),
                            ))),
                            ..FetchResult::default()
                        })],
                    }),
                };
                let wbxml = encode(&response, version)
                    .unwrap_or_else(|e| panic!("{name} {version:?}: {e}"));
                let back: ItemOperationsResponse =
                    decode(&wbxml, DecodeOptions::new(version)).unwrap();
                let Some(OperationResults { results }) = back.response else {
                    panic!("{name}: no response");
                };
                let Some(OperationResult::Fetch(FetchResult {
                    properties: Some(FetchProperties::Item(ApplicationData::Email(got))),
                    ..
                })) = results.into_iter().next()
                else {
                    panic!("{name}: no Email");
                };
                assert_eq!(got.body, email.body, "{name} {version:?}");
                assert_eq!(got.attachments, email.attachments, "{name} {version:?}");
                assert_eq!(got.to, email.to, "{name} {version:?}");
                assert_eq!(got.from, email.from, "{name} {version:?}");
                assert_eq!(got.subject, email.subject, "{name} {version:?}");
                assert_eq!(
                    got.meeting_request.as_ref().map(|m| &m.start_time),
                    email.meeting_request.as_ref().map(|m| &m.start_time),
                    "{name} {version:?}"
                );
                assert_eq!(
                    got.meeting_request.as_ref().map(|m| &m.time_zone),
                    email.meeting_request.as_ref().map(|m| &m.time_zone),
                    "{name} {version:?}"
                );
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    /// Arbitrary bytes (with MIME-ish structure mixed in) never panic: they give an error or
    /// an item whose every rendition is a valid, device-clean string.
    #[test]
    fn arbitrary_input_never_panics(
        head in "(Content-Type: (multipart/mixed; boundary=b|text/plain; charset=(koi8-r|bogus)|message/rfc822|text/calendar; method=REQUEST)\r\n)?",
        body in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        let mut raw = format!("From: a@example.com\r\n{head}\r\n--b\r\n").into_bytes();
        raw.extend_from_slice(&body);
        if let Ok(item) = MailItem::from_mime(&raw, state()) {
            for v in [ProtocolVersion::V2_5, ProtocolVersion::V14_1] {
                for t in [1, 2, 4] {
                    let email = item.to_wire(v, &[pref(t)]);
                    if let Some(b) = email.body.as_ref().and_then(|b| b.data.as_deref()) {
                        assert_device_clean(b);
                    }
                }
            }
        }
    }
}
