//! Outlines: what a device sees of a message read from its outline equals what it sees of
//! the message itself, and each left-out attachment reads back byte for byte from its
//! range of the stored message.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use base64::Engine as _;
use eas_codec::ProtocolVersion;
use eas_codec::data::airsyncbase::BodyPreference;
use eas_model::mail::attachment::part_content;
use eas_model::mail::outline::{Outline, OutlineBuilder, decode_stored, stored_part};
use eas_model::mail::{BodyOptions, MailItem, MailState};

fn outline_of(message: &[u8], chunk: usize) -> Outline {
    let mut builder = OutlineBuilder::new();
    for piece in message.chunks(chunk) {
        builder.push(piece);
    }
    builder.finish()
}

fn state() -> MailState {
    MailState {
        item_id: "9".into(),
        ..MailState::default()
    }
}

/// Everything a device is shown, for every body type, at 16.1 and 12.1.
fn assert_same_view(message: &[u8], outline: &Outline, name: &str) {
    let full = MailItem::from_mime(message, state()).unwrap();
    let from_outline = MailItem::from_outline(&outline.bytes, state()).unwrap();
    assert_eq!(full.subject, from_outline.subject, "{name}");
    assert_eq!(full.plain, from_outline.plain, "{name}");
    assert_eq!(full.html, from_outline.html, "{name}");
    assert_eq!(full.attachments, from_outline.attachments, "{name}");
    assert_eq!(full.meeting, from_outline.meeting, "{name}");
    assert_eq!(full.conversation_id, from_outline.conversation_id, "{name}");
    for version in [ProtocolVersion::V12_1, ProtocolVersion::V16_1] {
        for body_type in [1u8, 2] {
            let options = BodyOptions::new(&[BodyPreference {
                body_type,
                truncation_size: Some(2048),
                ..BodyPreference::default()
            }]);
            assert_eq!(
                full.to_wire_with(version, &options),
                from_outline.to_wire_with(version, &options),
                "{name} {version:?} type {body_type}"
            );
        }
    }
    // Every attachment's content is the same, read either way.
    for a in &full.attachments {
        let expected = part_content(message, a.part_index).unwrap();
        let got = match stored_part(&outline.bytes, a.part_index) {
            Some(stored) => {
                let range = &message[stored.start as usize..stored.end as usize];
                decode_stored(&stored, range)
            }
            None => part_content(&outline.bytes, a.part_index).unwrap(),
        };
        assert_eq!(expected, got, "{name} part {}", a.part_index);
    }
}

#[test]
fn every_fixture_reads_the_same_from_its_outline() {
    let root = format!("{}/testdata", env!("CARGO_MANIFEST_DIR"));
    let mut seen = 0;
    for dir in ["mail", "compose"] {
        for entry in std::fs::read_dir(format!("{root}/{dir}")).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "eml") {
                continue;
            }
            let message = std::fs::read(&path).unwrap();
            for chunk in [1, 61, 8192] {
                let outline = outline_of(&message, chunk);
                assert_same_view(&message, &outline, &path.display().to_string());
            }
            seen += 1;
        }
    }
    assert!(seen >= 20, "only {seen} fixtures");
}

fn wrap76(data: &[u8]) -> String {
    let text = base64::engine::general_purpose::STANDARD.encode(data);
    text.as_bytes()
        .chunks(76)
        .map(|c| format!("{}\r\n", String::from_utf8_lossy(c)))
        .collect()
}

/// A message as phones receive it: HTML body with an inline image, a large PDF, a large
/// forwarded message and a large CSV the sender marked as attachment.
fn large_message() -> Vec<u8> {
    let image: Vec<u8> = (0..200_000u32).map(|i| (i % 253) as u8).collect();
    let pdf: Vec<u8> = (0..1_500_000u32).map(|i| (i * 31 % 256) as u8).collect();
    let mut forwarded = String::from(
        "From: carol@example.com\r\nSubject: Quarterly numbers\r\nContent-Type: text/plain\r\n\r\n",
    );
    while forwarded.len() < 150_000 {
        forwarded.push_str("Revenue went up; costs went down; everybody is happy.\r\n");
    }
    let mut csv = String::new();
    while csv.len() < 120_000 {
        csv.push_str("caf\u{e9},1,2,3\r\n");
    }
    format!(
        "From: Alice <alice@example.com>\r\nTo: bob@example.com\r\nSubject: Report\r\n\
         Message-ID: <r1@example.com>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n\
         This is a multi-part message.\r\n--outer\r\n\
         Content-Type: multipart/related; boundary=\"rel\"\r\n\r\n--rel\r\n\
         Content-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n--alt\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nSee the chart.\r\n--alt\r\n\
         Content-Type: text/html; charset=utf-8\r\n\r\n<p>See the chart <img src=\"cid:chart@x\"></p>\r\n\
         --alt--\r\n--rel\r\nContent-Type: image/png\r\nContent-ID: <chart@x>\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{}--rel--\r\n--outer\r\n\
         Content-Type: application/pdf; name=\"report.pdf\"\r\n\
         Content-Disposition: attachment; filename=\"report.pdf\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{}--outer\r\n\
         Content-Type: message/rfc822\r\n\r\n{}\r\n--outer\r\n\
         Content-Type: text/csv; charset=utf-8\r\nContent-Disposition: attachment; filename=\"n.csv\"\r\n\
         Content-Transfer-Encoding: 8bit\r\n\r\n{}\r\n--outer--\r\n",
        wrap76(&image),
        wrap76(&pdf),
        forwarded,
        csv
    )
    .into_bytes()
}

#[test]
fn a_large_message_outline_is_small_and_reads_the_same() {
    let message = large_message();
    for chunk in [1, 1000, 65536, message.len()] {
        let outline = outline_of(&message, chunk);
        assert_eq!(outline.omitted, 4, "chunk {chunk}");
        assert_eq!(outline.message_len, message.len() as u64);
        assert!(
            outline.bytes.len() < 4096,
            "outline of {} bytes",
            outline.bytes.len()
        );
        assert_same_view(&message, &outline, &format!("large, chunk {chunk}"));
    }
}
