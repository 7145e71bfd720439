//! Oracles for the `model_parse` fuzz target and the property tests, kept in the library so
//! that `fuzz/` stays thin and the same checks run under `cargo test`.
//!
//! They panic when an invariant is broken: that is how a fuzzer learns of it.
#![allow(clippy::panic)]

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use eas_codec::ProtocolVersion;
use eas_codec::codec::{DecodeOptions, decode, encode};
use eas_codec::data::ApplicationData;
use eas_codec::data::airsyncbase::BodyPreference;

use crate::calendar::Appointment;
use crate::compose::{SendContext, send_mail};
use crate::contact::ContactItem;
use crate::mail::{MailItem, MailState};
use crate::note::NoteItem;
use crate::task::TaskItem;
use crate::timezone::{BLOB_LEN, TimeZoneInfo};

const VERSIONS: [ProtocolVersion; 4] = [
    ProtocolVersion::V2_5,
    ProtocolVersion::V12_1,
    ProtocolVersion::V14_1,
    ProtocolVersion::V16_1,
];

/// What a wire item turns into on the way to a client of `version` must encode, and decode
/// strictly (no element the version lacks) to the same item.
fn through_the_codec(item: ApplicationData, version: ProtocolVersion, what: &str) {
    let doc = match encode(&item, version) {
        Ok(d) => d,
        Err(e) => panic!("{what} for {version:?} does not encode: {e}"),
    };
    let mut opts = DecodeOptions::new(version);
    opts.class_hint = Some(match &item {
        ApplicationData::Email(_) => eas_codec::Class::Email,
        ApplicationData::Calendar(_) => eas_codec::Class::Calendar,
        ApplicationData::Contact(_) => eas_codec::Class::Contacts,
        ApplicationData::Task(_) => eas_codec::Class::Tasks,
        ApplicationData::Note(_) => eas_codec::Class::Notes,
    });
    match decode::<ApplicationData>(&doc, opts) {
        Ok(back) => {
            // Encoding leaves out what the version does not know, so compare the re-encoding.
            let again = encode(&back, version).unwrap_or_default();
            assert_eq!(
                again, doc,
                "{what} for {version:?} changed through the codec"
            );
        }
        Err(e) => panic!("{what} for {version:?} does not decode strictly: {e}"),
    }
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0)
        .single()
        .unwrap_or_default()
}

/// Fuzz oracle: any bytes, read as each input format the crate accepts — MIME, iCalendar
/// VEVENT, VTODO and VJOURNAL, vCard, a TimeZone blob — give an item or a `ModelError`, never a
/// panic; what is accepted maps to wire items every protocol version encodes and decodes.
pub fn parse_any(data: &[u8]) {
    mime(data);
    let text = String::from_utf8_lossy(data);
    appointment(&text);
    contact(&text);
    task(&text);
    note(&text);
    time_zone(data);
}

/// Fuzz oracle for [`outline`](crate::mail::outline): any bytes, fed in chunks of a size the
/// first byte picks, give an outline that reads as a message or is refused, never a panic;
/// every left-out part's range lies inside the message, and decoding it chunk by chunk gives
/// what decoding it whole gives.
pub fn outline(data: &[u8]) {
    use crate::mail::outline::{OutlineBuilder, PartDecoder, decode_stored, stored_part};
    let Some((&pick, message)) = data.split_first() else {
        return;
    };
    let chunk = usize::from(pick) + 1;
    let mut builder = OutlineBuilder::new();
    for piece in message.chunks(chunk) {
        builder.push(piece);
    }
    let outline = builder.finish();
    assert_eq!(outline.message_len, message.len() as u64);
    let Ok(item) = MailItem::from_outline(&outline.bytes, MailState::default()) else {
        return;
    };
    for attachment in &item.attachments {
        let Some(part) = stored_part(&outline.bytes, attachment.part_index) else {
            continue;
        };
        assert!(
            part.start <= part.end && part.end <= message.len() as u64,
            "stored range {}..{} outside a message of {} bytes",
            part.start,
            part.end,
            message.len()
        );
        let (Ok(start), Ok(end)) = (usize::try_from(part.start), usize::try_from(part.end)) else {
            continue;
        };
        let content = &message[start..end];
        let whole = decode_stored(&part, content);
        if let Some(mut decoder) = PartDecoder::new(&part) {
            let mut streamed = Vec::new();
            for piece in content.chunks(chunk) {
                decoder.push(piece, &mut streamed);
            }
            decoder.finish(&mut streamed);
            assert_eq!(streamed, whole, "streamed and whole decoding differ");
        }
    }
    for version in VERSIONS {
        let wire = item.to_wire(version, &[]);
        through_the_codec(
            ApplicationData::from(wire),
            version,
            "an email from an outline",
        );
    }
}

fn mime(data: &[u8]) {
    let Ok(item) = MailItem::from_mime(data, MailState::default()) else {
        return;
    };
    for version in VERSIONS {
        for body_type in [1u8, 2, 4] {
            let prefs = [BodyPreference {
                body_type,
                truncation_size: Some(512),
                ..BodyPreference::default()
            }];
            let wire = item.to_wire(version, &prefs);
            through_the_codec(ApplicationData::from(wire), version, "an email");
        }
    }
    let ctx = SendContext {
        now: now(),
        message_id_domain: "fuzz.example",
    };
    if let Ok(out) = send_mail(data, &ctx) {
        assert!(
            !out.envelope.recipients.is_empty(),
            "SendMail accepted a message without recipients"
        );
    }
}

fn appointment(text: &str) {
    let Ok(item) = Appointment::from_icalendar(text, None) else {
        return;
    };
    for version in VERSIONS {
        let wire = item.to_wire(version);
        through_the_codec(ApplicationData::from(wire), version, "an appointment");
    }
    let ics = item.to_icalendar(None);
    if let Err(e) = Appointment::from_icalendar(&ics, None) {
        panic!("our own iCalendar does not read back: {e}\n{ics}");
    }
}

fn contact(text: &str) {
    let Ok(item) = ContactItem::from_vcard(text) else {
        return;
    };
    for version in VERSIONS {
        let wire = item.to_wire(version, chrono_tz::Europe::Berlin);
        through_the_codec(ApplicationData::from(wire), version, "a contact");
    }
    let card = item.to_vcard(calcard::vcard::VCardVersion::V4_0);
    if let Err(e) = ContactItem::from_vcard(&card) {
        panic!("our own vCard does not read back: {e}\n{card}");
    }
}

fn task(text: &str) {
    let Ok(item) = TaskItem::from_vtodo(text, chrono_tz::America::Los_Angeles) else {
        return;
    };
    for version in VERSIONS {
        let wire = item.to_wire(version, chrono_tz::America::Los_Angeles);
        through_the_codec(ApplicationData::from(wire), version, "a task");
    }
    let vtodo = item.to_vtodo("fuzz", now());
    if let Err(e) = TaskItem::from_vtodo(&vtodo, chrono_tz::America::Los_Angeles) {
        panic!("our own VTODO does not read back: {e}\n{vtodo}");
    }
}

fn note(text: &str) {
    let Ok(item) = NoteItem::from_vjournal(text) else {
        return;
    };
    if let Ok(wire) = item.to_wire(ProtocolVersion::V16_1) {
        through_the_codec(
            ApplicationData::from(wire),
            ProtocolVersion::V16_1,
            "a note",
        );
    }
    let journal = item.to_vjournal("fuzz", now());
    if let Err(e) = NoteItem::from_vjournal(&journal) {
        panic!("our own VJOURNAL does not read back: {e}\n{journal}");
    }
}

fn time_zone(data: &[u8]) {
    let Some(blob) = data.get(..BLOB_LEN) else {
        return;
    };
    let Ok(info) = TimeZoneInfo::from_bytes(blob) else {
        return;
    };
    // Names that are not valid UTF-16 are read lossily; after that the bytes are a fixed point.
    let bytes = info.to_bytes();
    match TimeZoneInfo::from_bytes(&bytes) {
        Ok(again) => assert_eq!(again.to_bytes(), bytes, "blob bytes are not a fixed point"),
        Err(e) => panic!("a blob we wrote does not read back: {e}"),
    }
    if !info.standard_name.contains('\u{fffd}') && !info.daylight_name.contains('\u{fffd}') {
        assert_eq!(TimeZoneInfo::from_bytes(&bytes).ok(), Some(info.clone()));
    }
    // Any instant and any wall-clock time convert without panicking, and stay within ±16 h.
    for secs in [0i64, 1_700_000_000, 4_000_000_000] {
        if let Some(t) = DateTime::from_timestamp(secs, 0) {
            let off = info.offset_at(t).local_minus_utc();
            assert!(off.abs() <= 32 * 3600, "offset {off} s from {info:?}");
            let local: NaiveDateTime = t.naive_utc();
            let back = info.to_utc(local);
            assert!(
                (back - t).num_hours().abs() <= 32,
                "{info:?}: {t} -> {back}"
            );
        }
    }
}
