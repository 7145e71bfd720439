//! Throughput of the conversions a server runs on every Sync, measured like the other bench
//! examples (N conversions per run, median of RUNS runs):
//!
//! - `mime-to-email`: the 500 mails of the benchmark corpus (`sync-response-500`, rebuilt
//!   as multipart/alternative MIME messages) → `MailItem` → wire `Email` for a 14.1 client
//!   asking for HTML truncated at 32 KB; MB/s on the MIME size.
//! - `vevent-to-appointment`: a 1,000-event calendar (zoned, all-day and recurring events with
//!   attendees and alarms) → `Appointment`s → wire `Calendar`s for 16.1.
//!
//! `cargo run --release -p eas-model --example model_bench -- [RUNS]`

use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use eas_codec::ProtocolVersion;
use eas_codec::codec::{DecodeOptions, decode};
use eas_codec::command::sync::{SyncResponse, SyncResponseCommand};
use eas_codec::data::ApplicationData;
use eas_codec::data::airsyncbase::BodyPreference;
use eas_model::calendar::Appointment;
use eas_model::mail::{MailItem, MailState};
use mail_builder::MessageBuilder;

type Error = Box<dyn std::error::Error>;

fn median_run(runs: usize, mut f: impl FnMut() -> Result<(), Error>) -> Result<f64, Error> {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        f()?;
        times.push(t.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    Ok(times[runs / 2])
}

/// The benchmark corpus's 500 mails as MIME: the same senders, recipients, subjects, dates
/// and bodies, each as text plus an HTML rendering.
fn corpus_mails() -> Result<Vec<Vec<u8>>, Error> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../eas-wbxml/testdata/synthetic/sync-response-500.wbxml");
    let doc = std::fs::read(path)?;
    let resp: SyncResponse = decode(&doc, DecodeOptions::new(ProtocolVersion::V14_1))?;
    let mut out = Vec::new();
    for coll in resp.collections.iter().flat_map(|c| &c.collections) {
        for cmd in coll.commands.iter().flat_map(|c| &c.commands) {
            let SyncResponseCommand::Add(add) = cmd else {
                continue;
            };
            let ApplicationData::Email(mail) = &add.application_data else {
                continue;
            };
            let text = mail
                .body
                .as_ref()
                .and_then(|b| b.data.as_deref())
                .unwrap_or_default()
                .to_string();
            let html = format!(
                "<html><body><p>{}</p></body></html>",
                text.replace('&', "&amp;")
                    .replace('<', "&lt;")
                    .replace("\n\n", "</p><p>")
            );
            let date = mail
                .date_received
                .as_deref()
                .and_then(|d| eas_model::datetime::parse(d, "DateReceived").ok())
                .map_or(0, |d| d.timestamp());
            let msg = MessageBuilder::new()
                .from(mail.from.as_deref().unwrap_or("sender@example.com"))
                .to(mail.to.as_deref().unwrap_or("user@example.com"))
                .subject(mail.subject.as_deref().unwrap_or_default())
                .date(date)
                .message_id(format!("{}@bench.example", add.server_id))
                .text_body(text)
                .html_body(html)
                .write_to_vec()?;
            out.push(msg);
        }
    }
    Ok(out)
}

fn main() -> Result<(), Error> {
    let runs: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(7)
        .max(1);
    println!(
        "# eas-model {}, {}",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::ARCH
    );

    let mails = corpus_mails()?;
    let bytes: usize = mails.iter().map(Vec::len).sum();
    let prefs = [BodyPreference {
        body_type: 2,
        truncation_size: Some(32 * 1024),
        ..BodyPreference::default()
    }];
    let median = median_run(runs, || {
        for (i, m) in mails.iter().enumerate() {
            let state = MailState {
                item_id: format!("5:{i}"),
                ..MailState::default()
            };
            let item = MailItem::from_mime(black_box(m.as_slice()), state)?;
            black_box(item.to_wire(ProtocolVersion::V14_1, &prefs));
        }
        Ok(())
    })?;
    println!(
        "mime-to-email mails={} mime_bytes={bytes} runs={runs} median_s={median:.4} MB/s={:.2} msgs/s={:.0}",
        mails.len(),
        bytes as f64 / median / 1e6,
        mails.len() as f64 / median
    );

    let events = calendar_objects();
    let bytes: usize = events.iter().map(String::len).sum();
    let median = median_run(runs, || {
        for ics in &events {
            let appointment = Appointment::from_icalendar(black_box(ics), None)?;
            black_box(appointment.to_wire(ProtocolVersion::V16_1));
        }
        Ok(())
    })?;
    println!(
        "vevent-to-appointment events={} ics_bytes={bytes} runs={runs} median_s={median:.4} MB/s={:.2} events/s={:.0}",
        events.len(),
        bytes as f64 / median / 1e6,
        events.len() as f64 / median
    );
    Ok(())
}

/// A 1,000-event calendar as a CalDAV store holds it: one iCalendar object per event. Timed
/// events in five zones (both hemispheres, a half-hour offset), every fifth all-day, every
/// third recurring, with attendees, an alarm and a description.
fn calendar_objects() -> Vec<String> {
    const ZONES: [&str; 5] = [
        "Europe/Berlin",
        "America/Los_Angeles",
        "Asia/Kolkata",
        "Pacific/Auckland",
        "Australia/Sydney",
    ];
    const RULES: [&str; 3] = [
        "RRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=30\r\n",
        "RRULE:FREQ=MONTHLY;BYDAY=2TU;UNTIL=20271231T000000Z\r\n",
        "RRULE:FREQ=YEARLY;BYMONTH=6;BYMONTHDAY=15\r\n",
    ];
    (0..1000)
        .map(|i: usize| {
            let month = 1 + i % 12;
            let day = 1 + i % 28;
            let when = if i.is_multiple_of(5) {
                format!(
                    "DTSTART;VALUE=DATE:2026{month:02}{day:02}\r\nDTEND;VALUE=DATE:2026{month:02}{:02}\r\n",
                    day + 1
                )
            } else {
                let tz = ZONES[i % ZONES.len()];
                let hour = 8 + i % 9;
                format!(
                    "DTSTART;TZID={tz}:2026{month:02}{day:02}T{hour:02}3000\r\nDTEND;TZID={tz}:2026{month:02}{day:02}T{:02}0000\r\n",
                    hour + 1
                )
            };
            let rule = if i.is_multiple_of(3) { RULES[i / 3 % RULES.len()] } else { "" };
            let attendees: String = (0..i % 5)
                .map(|a| {
                    format!(
                        "ATTENDEE;CN=Person {a};ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:p{a}.{i}@example.com\r\n"
                    )
                })
                .collect();
            format!(
                "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//eas-rs//bench//EN\r\nBEGIN:VEVENT\r\n\
                 UID:bench-{i}@example.com\r\nDTSTAMP:20260101T000000Z\r\n{when}{rule}\
                 SUMMARY:Event {i}: planning \\, review\r\nLOCATION:Room {}\r\n\
                 DESCRIPTION:Line one\\nLine two with Umlauts äöü\r\n\
                 ORGANIZER;CN=Olga:mailto:olga@example.com\r\n{attendees}\
                 BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\n\
                 END:VEVENT\r\nEND:VCALENDAR\r\n",
                i % 40
            )
        })
        .collect()
}
