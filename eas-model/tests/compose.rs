//! SendMail, SmartReply and SmartForward: what the server transmits for mail a device sends.
//! Fixtures are in `testdata/compose/` (written for this project).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{TimeZone, Utc};
use eas_codec::codec::Opaque;
use eas_codec::command::compose::{SmartForwardRequest, SmartReplyRequest, Source};
use eas_model::ModelError;
use eas_model::compose::{
    LegacyQuery, OriginalHeaders, Outgoing, SendContext, SmartKind, SmartOptions, SmartRequest,
    SourceRef, send_mail, smart_forward, smart_reply,
};
use mail_parser::{Message, MessageParser, MimeHeaders, PartType};
use proptest::prelude::*;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/testdata/compose/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn ctx() -> SendContext<'static> {
    SendContext {
        now: Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap(),
        message_id_domain: "eas.example.org",
    }
}

fn parsed(out: &Outgoing) -> Message<'_> {
    MessageParser::default()
        .parse(&out.message)
        .expect("the result parses")
}

/// Where the body starts: after the first empty line.
fn body_start(raw: &[u8]) -> usize {
    raw.windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| p + 4)
        .or_else(|| raw.windows(2).position(|w| w == b"\n\n").map(|p| p + 2))
        .unwrap()
}

fn header_section(raw: &[u8]) -> &[u8] {
    &raw[..body_start(raw)]
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn text_of(m: &Message<'_>) -> String {
    m.body_text(0).expect("a text body").into_owned()
}

fn html_of(m: &Message<'_>) -> String {
    m.html_part(0)
        .and_then(|p| match &p.body {
            PartType::Html(h) => Some(h.to_string()),
            _ => None,
        })
        .expect("an HTML part")
}

// ---------------------------------------------------------------- SendMail

#[test]
fn sendmail_body_bytes_pass_through_exactly_8bit_and_crlf() {
    let input = fixture("sendmail_8bit.eml");
    let out = send_mail(&input, &ctx()).unwrap();
    let body = &input[body_start(&input)..];
    // The 8-bit ISO-8859-1 body, its CRLFs and trailing spaces are untouched.
    assert!(body.contains(&0xF6), "the fixture has 8-bit bytes");
    assert!(out.message.ends_with(body));
    assert_eq!(&out.message[body_start(&out.message)..], body);
    // Everything else is the input minus the Bcc field, after the added lines.
    let bcc = b"Bcc: \"Hidden, One\" <hidden1@example.net>,\r\n hidden2@example.com\r\n";
    let at = input.windows(bcc.len()).position(|w| w == bcc).unwrap();
    let mut expected = out.added_headers.clone();
    expected.extend_from_slice(&input[..at]);
    expected.extend_from_slice(&input[at + bcc.len()..]);
    assert_eq!(out.message, expected);
}

#[test]
fn sendmail_bcc_leaves_the_header_but_stays_in_the_envelope() {
    let input = fixture("sendmail_8bit.eml");
    let out = send_mail(&input, &ctx()).unwrap();
    let head = header_section(&out.message);
    assert!(!contains(head, b"Bcc:"));
    assert!(!contains(head, b"hidden1@example.net"));
    assert!(!contains(head, b"hidden2@example.com"));
    // A body line that looks like a header is body text and stays.
    assert!(contains(&out.message, b"Bcc: this line is body text"));
    assert_eq!(
        out.envelope.recipients,
        [
            "bernd@example.net",
            "carla@example.com",
            "hidden1@example.net",
            "hidden2@example.com"
        ]
    );
    assert_eq!(out.envelope.from.as_deref(), Some("anna@example.org"));
    assert!(parsed(&out).bcc().is_none());
}

#[test]
fn sendmail_adds_missing_date_and_message_id_at_the_top() {
    let input = fixture("sendmail_8bit.eml");
    let out = send_mail(&input, &ctx()).unwrap();
    let added = String::from_utf8(out.added_headers.clone()).unwrap();
    assert!(
        added.starts_with("Date: Mon, 02 Mar 2026 10:00:00 +0000\r\nMessage-ID: <"),
        "{added}"
    );
    assert!(added.ends_with("@eas.example.org>\r\n"), "{added}");
    assert!(out.message.starts_with(&out.added_headers));
    let m = parsed(&out);
    assert_eq!(m.date().unwrap().to_timestamp(), ctx().now.timestamp());
    assert!(m.message_id().unwrap().ends_with("@eas.example.org"));
    // Deterministic: same input and time, same id; another time, another id.
    assert_eq!(send_mail(&input, &ctx()).unwrap(), out);
    let later = SendContext {
        now: ctx().now + chrono::Duration::seconds(1),
        ..ctx()
    };
    let other = send_mail(&input, &later).unwrap();
    assert_ne!(parsed(&other).message_id(), m.message_id());
}

#[test]
fn sendmail_complete_lf_message_is_unchanged() {
    let input = fixture("sendmail_lf_complete.eml");
    let out = send_mail(&input, &ctx()).unwrap();
    assert_eq!(out.message, input);
    assert!(out.added_headers.is_empty());
    assert_eq!(
        out.envelope.recipients,
        ["bernd@example.net", "dora@example.net"]
    );
}

#[test]
fn sendmail_added_lines_follow_an_lf_message() {
    let input = b"To: a@example.net\nSubject: s\n\nbody\n";
    let out = send_mail(input, &ctx()).unwrap();
    assert!(!contains(&out.added_headers, b"\r\n"));
    assert!(out.message.ends_with(input));
}

#[test]
fn sendmail_refuses_no_recipient_and_non_rfc5322_input() {
    let none = send_mail(&fixture("sendmail_no_recipient.eml"), &ctx());
    assert!(matches!(&none, Err(ModelError::NoRecipient)), "{none:?}");
    for bad in [
        &b""[..],
        b"just a line of prose\r\n\r\nmore prose",
        b"\r\nTo: a@example.net\r\n",
        b"From someone Mon Mar  2 10:00:00 2026\nTo: a@example.net\n\nx",
    ] {
        assert!(
            matches!(send_mail(bad, &ctx()), Err(ModelError::Mime(_))),
            "{:?}",
            String::from_utf8_lossy(bad)
        );
    }
}

#[test]
fn sendmail_bcc_only_message_any_case_obsolete_syntax() {
    // Only Bcc recipients (the shape of Scalix bug 20941), spelled in capitals and with the
    // obsolete space before the colon: the envelope has them, the header does not.
    let input = b"From: anna@example.org\r\nBCC : x@example.net,\r\n\ty@example.net\r\nSubject: s\r\n\r\nbody";
    let out = send_mail(input, &ctx()).unwrap();
    assert_eq!(out.envelope.recipients, ["x@example.net", "y@example.net"]);
    assert!(!contains(&out.message, b"example.net"));
    assert!(
        out.message
            .ends_with(b"From: anna@example.org\r\nSubject: s\r\n\r\nbody")
    );
}

#[test]
fn sendmail_refuses_a_bad_message_id_domain() {
    let c = SendContext {
        message_id_domain: "bad domain",
        ..ctx()
    };
    assert!(send_mail(&fixture("sendmail_8bit.eml"), &c).is_err());
}

// ---------------------------------------------------------------- SmartReply

#[test]
fn smart_reply_plain_quotes_the_original_and_threads() {
    let out = smart_reply(
        &fixture("client_reply_plain.eml"),
        &fixture("original_plain.eml"),
        &SmartOptions::default(),
        &ctx(),
    )
    .unwrap();
    let m = parsed(&out);
    let text = text_of(&m);
    assert!(text.contains("Noon works. Äpfel mitbringen?"), "{text}");
    assert!(
        text.contains(
            "On Sun, 1 Mar 2026 18:30:00 +0100, Bernd Beispiel <bernd@example.net> wrote:"
        ),
        "{text}"
    );
    assert!(
        text.contains("> Shall we meet at noon?\r\n> The usual place."),
        "{text}"
    );
    // The client's text comes first.
    assert!(text.find("Noon works").unwrap() < text.find("> Shall").unwrap());
    // Default: a reply has no original header block.
    assert!(!text.contains("> From:"), "{text}");
    assert_eq!(m.subject(), Some("Re: Lunch on Friday?"));
    assert_eq!(m.in_reply_to().as_text(), Some("orig-42@example.net"));
    assert_eq!(
        m.references().as_text_list().unwrap(),
        [
            "root-1@example.net",
            "mid-7@example.net",
            "orig-42@example.net"
        ]
    );
    assert_eq!(
        m.header_raw("X-Mailer").map(str::trim),
        Some("TestPhone 1.0")
    );
    assert!(m.bcc().is_none());
    assert!(!contains(&out.message, b"boss@example.org"));
    assert!(
        out.envelope
            .recipients
            .contains(&"boss@example.org".to_string())
    );
    // Generated Date and Message-ID, and plain text only.
    assert!(m.date().is_some() && m.message_id().is_some());
    assert!(m.root_part().is_content_type("text", "plain"));
    assert!(
        m.html_part(0)
            .is_none_or(|p| !matches!(p.body, PartType::Html(_)))
    );
}

#[test]
fn smart_reply_html_quotes_in_a_blockquote() {
    let out = smart_reply(
        &fixture("client_reply_html.eml"),
        &fixture("original_html.eml"),
        &SmartOptions::default(),
        &ctx(),
    )
    .unwrap();
    let m = parsed(&out);
    let html = html_of(&m);
    let quote = html
        .find("<blockquote type=\"cite\">")
        .expect("a blockquote");
    assert!(html.find("Looks <i>good</i>").unwrap() < quote, "{html}");
    assert!(
        html[quote..].contains("<p>See the <b>plan</b>.</p>"),
        "{html}"
    );
    assert!(html.find("</blockquote>").unwrap() < html.rfind("</body>").unwrap());
    assert_eq!(html.matches("<html").count(), 1, "{html}");
    let text = text_of(&m);
    assert!(
        text.contains("Looks good.") && text.contains("> See the plan."),
        "{text}"
    );
    // The quoted HTML points at cid:plan@example.net, so the image comes along, inline.
    let img = m
        .parts
        .iter()
        .find(|p| p.content_id() == Some("plan@example.net"))
        .expect("the inline image");
    assert!(img.is_content_type("image", "png"));
    assert!(img.content_disposition().unwrap().is_inline());
    assert_eq!(m.in_reply_to().as_text(), Some("orig-html@example.net"));
}

#[test]
fn smart_reply_with_original_headers_included_scalix_20122() {
    let options = SmartOptions {
        original_headers: OriginalHeaders::Include,
        ..SmartOptions::default()
    };
    let out = smart_reply(
        &fixture("client_reply_plain.eml"),
        &fixture("original_plain.eml"),
        &options,
        &ctx(),
    )
    .unwrap();
    let text = text_of(&parsed(&out));
    assert!(
        text.contains("> From: Bernd Beispiel <bernd@example.net>"),
        "{text}"
    );
    assert!(text.contains("> Subject: Lunch on Friday?"), "{text}");
    assert!(text.contains("> Cc: carla@example.com"), "{text}");
}

// ---------------------------------------------------------------- SmartForward

#[test]
fn smart_forward_keeps_attachments_and_a_nested_message_nested() {
    let original = fixture("original_attachments.eml");
    let out = smart_forward(
        &fixture("client_forward.eml"),
        &original,
        &SmartOptions::default(),
        &ctx(),
    )
    .unwrap();
    let m = parsed(&out);
    let orig = MessageParser::default().parse(&original).unwrap();

    let text = text_of(&m);
    let sep = text
        .find("---------- Forwarded message ----------")
        .unwrap();
    assert!(text.find("FYI, plus my notes.").unwrap() < sep, "{text}");
    for line in [
        "From: Bernd Beispiel <bernd@example.net>",
        "Date: Sun, 1 Mar 2026 18:30:00 +0100",
        "Subject: Documents",
        "To: Anna Nutzer <anna@example.org>",
        "Cc: carla@example.com, Dora <dora@example.net>",
        "Two documents and the old thread.",
    ] {
        assert!(text[sep..].contains(line), "{line:?} in {text}");
    }
    assert!(m.in_reply_to().is_empty());

    // The client's own attachment.
    let notes = m
        .attachments()
        .find(|a| a.attachment_name() == Some("notes.txt"));
    assert_eq!(notes.unwrap().contents(), b"my notes");

    // The original's PDF: same name, type and bytes.
    let pdf = m
        .attachments()
        .find(|a| a.attachment_name() == Some("report.pdf"))
        .unwrap();
    let orig_pdf = orig
        .attachments()
        .find(|a| a.attachment_name() == Some("report.pdf"))
        .unwrap();
    assert!(pdf.is_content_type("application", "pdf"));
    assert_eq!(pdf.contents(), orig_pdf.contents());

    // The inline image keeps its Content-ID and stays inline, next to the HTML.
    let logo = m
        .parts
        .iter()
        .find(|p| p.content_id() == Some("logo@example.net"))
        .unwrap();
    assert!(logo.content_disposition().unwrap().is_inline());
    assert!(html_of(&m).contains("cid:logo@example.net"));

    // The forwarded message/rfc822 stays a message, with its own structure.
    let nested = m
        .parts
        .iter()
        .find(|p| p.is_content_type("message", "rfc822"))
        .expect("a message/rfc822 part");
    assert_eq!(nested.attachment_name(), Some("earlier.eml"));
    let inner = nested.message().expect("parsed as a nested message");
    assert_eq!(inner.subject(), Some("The earlier thread"));
    assert_eq!(
        inner.body_text(0).as_deref().map(str::trim_end),
        Some("Inner text of the earlier message.")
    );
    let csv = inner.attachments().next().unwrap();
    assert_eq!(csv.attachment_name(), Some("numbers.csv"));
    assert_eq!(csv.contents(), b"a,b\r\n1,2");
    // Not flattened: the inner text is not a body part of the outer message.
    assert!(!text.contains("Inner text of the earlier message."));
    assert_eq!(out.envelope.recipients, ["erik@example.com"]);
}

#[test]
fn smart_forward_without_header_block_scalix_20122() {
    let options = SmartOptions {
        original_headers: OriginalHeaders::Omit,
        ..SmartOptions::default()
    };
    let out = smart_forward(
        &fixture("client_forward.eml"),
        &fixture("original_plain.eml"),
        &options,
        &ctx(),
    )
    .unwrap();
    let text = text_of(&parsed(&out));
    assert!(
        text.contains("---------- Forwarded message ----------"),
        "{text}"
    );
    assert!(!text.contains("From: Bernd"), "{text}");
    assert!(text.contains("Shall we meet at noon?"), "{text}");
}

#[test]
fn replace_mime_sends_the_client_message_as_is() {
    let client = fixture("client_forward.eml");
    let options = SmartOptions {
        replace_mime: true,
        ..SmartOptions::default()
    };
    let out = smart_forward(
        &client,
        &fixture("original_attachments.eml"),
        &options,
        &ctx(),
    )
    .unwrap();
    assert_eq!(out, send_mail(&client, &ctx()).unwrap());
    assert!(out.message.ends_with(&client));
    assert!(!contains(&out.message, b"report.pdf"));
    let reply = smart_reply(&client, &fixture("original_plain.eml"), &options, &ctx()).unwrap();
    assert!(!contains(&reply.message, b"Shall we meet"));
}

#[test]
fn iso_8859_1_original_becomes_utf8_with_umlauts_intact() {
    let out = smart_reply(
        &fixture("client_reply_plain.eml"),
        &fixture("original_latin1.eml"),
        &SmartOptions::default(),
        &ctx(),
    )
    .unwrap();
    assert!(!contains(&out.message, b"ISO-8859-1"));
    let m = parsed(&out);
    let part = m.text_part(0).unwrap();
    assert_eq!(
        part.content_type()
            .and_then(|c| c.attribute("charset"))
            .map(str::to_ascii_lowercase),
        Some("utf-8".into())
    );
    let text = text_of(&m);
    assert!(
        text.contains("> Grüße aus München, schöne Täler."),
        "{text}"
    );
    assert!(
        text.contains("Jürgen Müller <juergen@example.de> wrote:"),
        "{text}"
    );

    let fwd = smart_forward(
        &fixture("client_forward.eml"),
        &fixture("original_latin1.eml"),
        &SmartOptions::default(),
        &ctx(),
    )
    .unwrap();
    let text = text_of(&parsed(&fwd));
    assert!(text.contains("Subject: Über die Brücke"), "{text}");
    assert!(text.contains("Grüße aus München"), "{text}");
}

// ---------------------------------------------------------------- odd originals

#[test]
fn reply_to_attachment_only_original_is_valid_scalix_20989() {
    // Scalix bug 20989: Windows Mobile looped replying to a Palm Pre message; the original
    // here has no text part at all, only an attachment, and no Message-ID or Date.
    let client = fixture("client_reply_plain.eml");
    let original = fixture("original_attachment_only.eml");
    let out = smart_reply(&client, &original, &SmartOptions::default(), &ctx()).unwrap();
    let m = parsed(&out);
    let text = text_of(&m);
    assert!(text.contains("Noon works."), "{text}");
    assert!(text.contains("palm@example.net wrote:"), "{text}");
    assert_eq!(m.attachment_count(), 0, "a reply does not carry the photo");
    assert!(m.in_reply_to().is_empty(), "no Message-ID to refer to");
    assert_eq!(m.subject(), Some("Re: Lunch on Friday?"));

    let fwd = smart_forward(&client, &original, &SmartOptions::default(), &ctx()).unwrap();
    let m = parsed(&fwd);
    let photo = m.attachments().next().expect("the photo");
    assert_eq!(photo.attachment_name(), Some("IMG_0001.jpg"));
    assert!(photo.is_content_type("image", "jpeg"));
    // Only the MIME fields of the original's top part travel with the attachment.
    assert!(
        photo
            .headers
            .iter()
            .all(|h| h.name().to_ascii_lowercase().starts_with("content-"))
    );
}

#[test]
fn reply_to_calendar_original_is_valid_scalix_19923() {
    // Scalix bug 19923 (Windows Mobile dropped its push thread after sending): an original
    // whose only part is text/calendar must not break the reply.
    let client = fixture("client_reply_plain.eml");
    let original = fixture("original_calendar.eml");
    let out = smart_reply(&client, &original, &SmartOptions::default(), &ctx()).unwrap();
    let m = parsed(&out);
    let text = text_of(&m);
    assert!(text.contains("Noon works."), "{text}");
    assert!(
        text.contains("Organizer <org@example.net> wrote:"),
        "{text}"
    );
    assert!(!text.contains("BEGIN:VCALENDAR"), "{text}");
    assert_eq!(m.in_reply_to().as_text(), Some("invite-1@example.net"));

    let fwd = smart_forward(&client, &original, &SmartOptions::default(), &ctx()).unwrap();
    let m = parsed(&fwd);
    let cal = m
        .attachments()
        .find(|a| a.is_content_type("text", "calendar"))
        .expect("the invitation travels with the forward");
    assert!(cal.text_contents().unwrap().contains("UID:invite-1"));
}

#[test]
fn smart_refuses_a_client_message_without_recipient() {
    let r = smart_reply(
        &fixture("sendmail_no_recipient.eml"),
        &fixture("original_plain.eml"),
        &SmartOptions::default(),
        &ctx(),
    );
    assert!(matches!(r, Err(ModelError::NoRecipient)), "{r:?}");
    let r = smart_reply(
        &fixture("client_reply_plain.eml"),
        b"not a message",
        &SmartOptions::default(),
        &ctx(),
    );
    assert!(matches!(r, Err(ModelError::Mime(_))), "{r:?}");
}

#[test]
fn built_messages_are_deterministic() {
    let run = || {
        smart_forward(
            &fixture("client_forward.eml"),
            &fixture("original_attachments.eml"),
            &SmartOptions::default(),
            &ctx(),
        )
        .unwrap()
    };
    assert_eq!(run(), run());
}

// ---------------------------------------------------------------- the two wire forms

#[test]
fn requests_from_both_protocol_forms() {
    let wire = SmartReplyRequest {
        client_id: "3".into(),
        replace_mime: Some(Default::default()),
        save_in_sent_items: Some(Default::default()),
        source: Source {
            folder_id: Some("5".into()),
            item_id: Some("5:10".into()),
            long_id: None,
            instance_id: Some("2026-01-05T15:00:00.000Z".into()),
        },
        mime: Opaque(b"To: a@example.net\r\n\r\nYes".to_vec()),
        ..Default::default()
    };
    let r = SmartRequest::from_reply(&wire).unwrap();
    assert_eq!(r.kind, SmartKind::Reply);
    // ReplaceMime from the wire: the client's MIME goes out as it is.
    let sent = r.build(&fixture("original_plain.eml"), &ctx()).unwrap();
    assert!(sent.message.ends_with(b"To: a@example.net\r\n\r\nYes"));
    assert!(r.options.replace_mime && r.save_in_sent_items);
    assert_eq!(r.mime, b"To: a@example.net\r\n\r\nYes");
    assert_eq!(
        r.source,
        SourceRef::Item {
            folder_id: Some("5".into()),
            item_id: "5:10".into(),
            instance_id: Utc.with_ymd_and_hms(2026, 1, 5, 15, 0, 0).single(),
        }
    );

    let fwd = SmartForwardRequest {
        client_id: "4".into(),
        source: Source {
            long_id: Some("RgAAAA".into()),
            ..Default::default()
        },
        mime: Some(Opaque(b"To: a@example.net\r\n\r\nFYI".to_vec())),
        ..Default::default()
    };
    let r = SmartRequest::from_forward(&fwd).unwrap();
    assert_eq!(r.source, SourceRef::LongId("RgAAAA".into()));
    assert!(!r.options.replace_mime && !r.save_in_sent_items);

    // A meeting forward (16.0, no MIME) is not a mail forward.
    let meeting = SmartForwardRequest {
        mime: None,
        ..fwd.clone()
    };
    assert!(SmartRequest::from_forward(&meeting).is_err());
    // LongId excludes ItemId; FolderId needs ItemId; a bad InstanceId is refused.
    let mut bad = wire.clone();
    bad.source.long_id = Some("x".into());
    assert!(SmartRequest::from_reply(&bad).is_err());
    let mut bad = wire.clone();
    bad.source.item_id = None;
    assert!(SmartRequest::from_reply(&bad).is_err());
    let mut bad = wire;
    bad.source.instance_id = Some("yesterday".into());
    assert!(SmartRequest::from_reply(&bad).is_err());

    // 12.x: MIME body plus URL parameters.
    let mime = b"To: a@example.net\r\n\r\nhi";
    let r = SmartRequest::from_legacy(
        SmartKind::Forward,
        mime,
        &LegacyQuery {
            item_id: Some("5:1"),
            collection_id: Some("5"),
            save_in_sent: Some("T"),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(r.save_in_sent_items && !r.options.replace_mime);
    assert!(matches!(&r.source, SourceRef::Item { item_id, .. } if item_id == "5:1"));
    // 12.x always appends the original.
    let built = r.build(&fixture("original_plain.eml"), &ctx()).unwrap();
    assert!(text_of(&parsed(&built)).contains("Shall we meet at noon?"));
    let q = LegacyQuery {
        item_id: Some("5:1"),
        save_in_sent: Some("yes"),
        ..Default::default()
    };
    assert!(SmartRequest::from_legacy(SmartKind::Reply, mime, &q).is_err());
    assert!(SmartRequest::from_legacy(SmartKind::Reply, mime, &LegacyQuery::default()).is_err());
}

// ---------------------------------------------------------------- property

fn text_lines() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec("[a-zA-Z0-9 äöüßÄÖÜ€.,;!?<>&'\"=-]{0,60}", 0..8)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn reply_parses_and_contains_both_texts(client in text_lines(), original in text_lines()) {
        let client_mime = format!(
            "From: a@example.org\r\nTo: b@example.net\r\nSubject: Re: x\r\n\
             Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{}",
            client.join("\r\n")
        );
        let original_mime = format!(
            "From: b@example.net\r\nTo: a@example.org\r\nSubject: x\r\n\
             Message-ID: <p@example.net>\r\n\
             Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{}",
            original.join("\r\n")
        );
        let out = smart_reply(
            client_mime.as_bytes(),
            original_mime.as_bytes(),
            &SmartOptions::default(),
            &ctx(),
        ).unwrap();
        let m = MessageParser::default().parse(&out.message).unwrap();
        let text = m.body_text(0).unwrap().into_owned();
        // Blank lines have nothing to find.
        for line in client.iter().filter(|l| !l.trim().is_empty()) {
            prop_assert!(text.contains(line.trim_end()), "{line:?} in {text:?}");
        }
        for line in original.iter().filter(|l| !l.trim().is_empty()) {
            let quoted = format!("> {}", line.trim_end());
            prop_assert!(text.contains(&quoted), "{quoted:?} in {text:?}");
        }
        prop_assert_eq!(m.in_reply_to().as_text(), Some("p@example.net"));
    }
}

#[test]
fn iphone_text_image_text_client_keeps_its_text_as_text_scalix_20587() {
    // Scalix bug 20587: with an image attached on an iPhone, the message text showed up as an
    // attachment. The iPhone writes text, image, text in one multipart/mixed.
    let client = b"From: anna@example.org\r\nTo: bernd@example.net\r\nSubject: Re: Plan\r\n\
MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"IP\"\r\n\r\n\
--IP\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nBefore the photo.\r\n\
--IP\r\nContent-Type: image/jpeg; name=\"photo.jpg\"\r\nContent-Disposition: inline; filename=\"photo.jpg\"\r\n\
Content-Transfer-Encoding: base64\r\n\r\n/9j/4AAQ\r\n\
--IP\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nAfter the photo.\r\n--IP--\r\n";
    let out = smart_reply(
        client,
        &fixture("original_plain.eml"),
        &SmartOptions::default(),
        &ctx(),
    )
    .unwrap();
    let m = parsed(&out);
    let text = text_of(&m);
    assert!(
        text.contains("Before the photo.") && text.contains("After the photo."),
        "{text}"
    );
    let names: Vec<_> = m.attachments().map(|a| a.attachment_name()).collect();
    assert_eq!(names, [Some("photo.jpg")]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Whatever a client or a mailbox hands over, the answer is a message or a ModelError.
    #[test]
    fn arbitrary_input_never_panics(
        client in prop::collection::vec(any::<u8>(), 0..400),
        original in prop::collection::vec(any::<u8>(), 0..400),
        prefix in prop::bool::ANY,
    ) {
        let mut client = client;
        if prefix {
            // Give the parser something that gets past the header check.
            let mut c = b"To: a@example.net\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n".to_vec();
            c.extend_from_slice(&client);
            client = c;
        }
        let _ = send_mail(&client, &ctx());
        for options in [SmartOptions::default(), SmartOptions { replace_mime: true, ..SmartOptions::default() }] {
            let _ = smart_reply(&client, &original, &options, &ctx());
            let _ = smart_forward(&client, &original, &options, &ctx());
            let _ = smart_forward(&client, &client, &options, &ctx());
        }
    }
}
