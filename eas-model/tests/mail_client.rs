//! Mail as the client drives it: its `Change`s, its `Options` (body preferences,
//! `MIMESupport`, the 2.5 truncation codes, the 14.1 body part), attachment content for
//! Fetch and GetAttachment, and the 14.0+ elements `Sender`, `ReceivedAsBcc` and
//! `LastVerbExecuted`. Ported from the first mail module's tests onto the current types.

// Tests may panic on bad data: that is how they fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, TimeZone, Utc};
use eas_codec::ProtocolVersion;
use eas_codec::command::sync::SyncOptions;
use eas_codec::data::airsyncbase::{AttachmentsItem, Body, BodyPartPreference, BodyPreference};
use eas_codec::data::email::{Email, EmailCategories, Flag};
use eas_model::ModelError;
use eas_model::mail::{BodyOptions, MailChange, MailItem, MailState, MimeSupport};
use proptest::prelude::*;

const V25: ProtocolVersion = ProtocolVersion::V2_5;
const V121: ProtocolVersion = ProtocolVersion::V12_1;
const V140: ProtocolVersion = ProtocolVersion::V14_0;
const V141: ProtocolVersion = ProtocolVersion::V14_1;

fn state() -> MailState {
    MailState {
        item_id: "5:7".into(),
        received: Utc.with_ymd_and_hms(2024, 3, 2, 1, 5, 0).single(),
        ..MailState::default()
    }
}

fn item(raw: &str) -> MailItem {
    MailItem::from_mime(raw.replace('\n', "\r\n").as_bytes(), state()).unwrap()
}

fn fixture(name: &str) -> MailItem {
    let path = format!("{}/testdata/mail/{name}", env!("CARGO_MANIFEST_DIR"));
    MailItem::from_mime(&std::fs::read(&path).unwrap(), state()).unwrap()
}

fn pref(body_type: u8) -> BodyPreference {
    BodyPreference {
        body_type,
        ..BodyPreference::default()
    }
}

fn body(email: &Email) -> &Body {
    email.body.as_ref().expect("AirSyncBase Body")
}

fn at(y: i32, mo: u32, d: u32, h: u32) -> Option<DateTime<Utc>> {
    Utc.with_ymd_and_hms(y, mo, d, h, 0, 0).single()
}

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

const MIXED: &str = "\
From: a@example.com
To: b@example.com
Subject: files
Content-Type: multipart/mixed; boundary=B

--B
Content-Type: text/plain

See the files.
--B
Content-Type: message/rfc822

From: c@example.com
Subject: Inner

inner body
--B
Content-Type: application/pdf; name=\"report.pdf\"
Content-Disposition: attachment; filename=\"report.pdf\"
Content-Transfer-Encoding: base64

JVBERi0xLjQK
--B
Content-Type: text/plain; charset=iso-8859-1; name=\"notes.txt\"
Content-Disposition: attachment; filename=\"notes.txt\"
Content-Transfer-Encoding: quoted-printable

Gr=FC=DFe
--B--
";

// ---- Client changes ----

#[test]
fn client_changes_read_flag_and_categories() {
    let e = Email {
        read: Some(true),
        flag: Some(Flag {
            status: Some(2),
            flag_type: Some("Follow up".into()),
            utc_due_date: Some("20240401T000000Z".into()),
            due_date: Some("2024-04-01T02:00:00.000Z".into()),
            reminder_set: Some(0),
            reminder_time: Some("garbage ignored when no reminder".into()),
            ..Flag::default()
        }),
        categories: Some(EmailCategories {
            categories: vec!["Work".into(), "Büro & Co".into()],
        }),
        ..Email::default()
    };
    let change = MailChange::from_wire(&e).unwrap();
    assert_eq!(change.read, Some(true));
    let flag = change.flag.clone().unwrap().unwrap();
    assert_eq!(flag.status, Some(2));
    assert_eq!(flag.flag_type.as_deref(), Some("Follow up"));
    assert_eq!(
        flag.utc_due_date.as_deref(),
        Some("2024-04-01T00:00:00.000Z"),
        "dates stored in the dateTime form"
    );
    assert_eq!(flag.reminder_set, Some(0));
    assert_eq!(flag.reminder_time, None, "no reminder: its time dropped");

    let mut state = state();
    change.apply(&mut state);
    assert!(state.read);
    assert_eq!(state.categories, ["Work", "Büro & Co"]);
    assert_eq!(state.flag, Some(flag));
    // The state goes back out in the next Sync.
    let out = MailItem::from_mime(b"From: a@b\r\n\r\nx", state.clone())
        .unwrap()
        .to_wire(V141, &[pref(1)]);
    assert_eq!(out.read, Some(true));
    assert_eq!(out.flag, state.flag);
    assert_eq!(out.categories.unwrap().categories, ["Work", "Büro & Co"]);

    // Absent elements leave the state alone.
    let none = MailChange::from_wire(&Email::default()).unwrap();
    assert_eq!(none, MailChange::default());
    let before = state.clone();
    none.apply(&mut state);
    assert_eq!(state, before);

    // An empty Flag, or status 0, clears it; an empty Categories removes them.
    for cleared in [
        Flag::default(),
        Flag {
            status: Some(0),
            flag_type: Some("Follow up".into()),
            ..Flag::default()
        },
    ] {
        let mut s = before.clone();
        let e = Email {
            flag: Some(cleared),
            categories: Some(EmailCategories::default()),
            ..Email::default()
        };
        MailChange::from_wire(&e).unwrap().apply(&mut s);
        assert_eq!(s.flag, None);
        assert!(s.categories.is_empty());
        assert!(s.read, "read untouched");
    }
}

#[test]
fn a_completed_flag_keeps_its_dates_and_reminder() {
    let e = Email {
        flag: Some(Flag {
            status: Some(1),
            complete_time: Some("2024-04-03T00:00:00.000Z".into()),
            date_completed: Some("2024-04-03T00:00:00Z".into()),
            reminder_set: Some(1),
            reminder_time: Some("20240401T090000Z".into()),
            ordinal_date: Some("2024-03-30T00:00:00.000Z".into()),
            sub_ordinal_date: Some("5000000000000000".into()),
            ..Flag::default()
        }),
        ..Email::default()
    };
    let flag = MailChange::from_wire(&e).unwrap().flag.unwrap().unwrap();
    assert_eq!(flag.status, Some(1));
    assert_eq!(
        flag.date_completed.as_deref(),
        Some("2024-04-03T00:00:00.000Z")
    );
    assert_eq!(
        flag.reminder_time.as_deref(),
        Some("2024-04-01T09:00:00.000Z")
    );
    assert_eq!(flag.sub_ordinal_date.as_deref(), Some("5000000000000000"));
    // Dates without a status: an active flag.
    let e = Email {
        flag: Some(Flag {
            utc_start_date: Some("2024-04-01T00:00:00.000Z".into()),
            ..Flag::default()
        }),
        ..Email::default()
    };
    let flag = MailChange::from_wire(&e).unwrap().flag.unwrap().unwrap();
    assert_eq!(flag.status, Some(2));
}

#[test]
fn a_bad_flag_is_refused_naming_the_field() {
    let refused = |flag: Flag| match MailChange::from_wire(&Email {
        flag: Some(flag),
        ..Email::default()
    }) {
        Err(ModelError::InvalidField { field, .. }) => field,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        refused(Flag {
            status: Some(7),
            ..Flag::default()
        }),
        "Flag/Status"
    );
    assert_eq!(
        refused(Flag {
            status: Some(1),
            complete_time: Some("yesterday".into()),
            ..Flag::default()
        }),
        "Flag/CompleteTime"
    );
    assert_eq!(
        refused(Flag {
            status: Some(2),
            utc_due_date: Some("2024-13-01T00:00:00.000Z".into()),
            ..Flag::default()
        }),
        "Flag/UtcDueDate"
    );
    assert_eq!(
        refused(Flag {
            status: Some(2),
            reminder_set: Some(1),
            reminder_time: Some("soon".into()),
            ..Flag::default()
        }),
        "Flag/ReminderTime"
    );
    assert_eq!(
        refused(Flag {
            status: Some(2),
            reminder_set: Some(3),
            ..Flag::default()
        }),
        "Flag/ReminderSet"
    );
}

// ---- Options ----

#[test]
fn body_options_come_from_the_sync_options() {
    let sync = SyncOptions {
        mime_support: Some(1),
        truncation: Some(4),
        mime_truncation: Some(8),
        body_preference: vec![pref(2), pref(4)],
        body_part_preference: vec![BodyPartPreference {
            body_type: 2,
            truncation_size: Some(100),
            all_or_none: None,
            preview: None,
        }],
        ..SyncOptions::default()
    };
    let o = BodyOptions::from_sync(&sync).unwrap();
    assert_eq!(o.mime_support, MimeSupport::SmimeOnly);
    assert_eq!(o.truncation, Some(4));
    assert_eq!(o.mime_truncation, Some(8));
    assert_eq!(o.preferences, [pref(2), pref(4)]);
    assert_eq!(o.part_preferences.len(), 1);
    // MIMESupport absent is 0, never (MS-ASCMD 2.2.3.110.3).
    let o = BodyOptions::from_sync(&SyncOptions::default()).unwrap();
    assert_eq!(o.mime_support, MimeSupport::Never);
    for (bad, field) in [
        (
            SyncOptions {
                mime_support: Some(3),
                ..SyncOptions::default()
            },
            "MIMESupport",
        ),
        (
            SyncOptions {
                truncation: Some(10),
                ..SyncOptions::default()
            },
            "Truncation",
        ),
        (
            SyncOptions {
                mime_truncation: Some(9),
                ..SyncOptions::default()
            },
            "MIMETruncation",
        ),
    ] {
        assert!(
            matches!(BodyOptions::from_sync(&bad), Err(ModelError::InvalidField { field: f, .. }) if f == field),
            "{field}"
        );
    }
    // ItemOperations and Search carry the same elements but no 2.5 codes.
    let fetch = eas_codec::command::item_operations::FetchOptions {
        mime_support: Some(2),
        body_preference: vec![pref(4)],
        ..Default::default()
    };
    let o = BodyOptions::from_fetch(&fetch).unwrap();
    assert_eq!(o.mime_support, MimeSupport::Always);
    assert_eq!(o.preferences, [pref(4)]);
    let search = eas_codec::command::search::SearchOptions {
        mime_support: Some(5),
        ..Default::default()
    };
    assert!(BodyOptions::from_search(&search).is_err());
    // The convenience: a type-4 preference is MIMESupport 2.
    assert_eq!(
        BodyOptions::new(&[pref(4)]).mime_support,
        MimeSupport::Always
    );
    assert_eq!(
        BodyOptions::new(&[pref(1)]).mime_support,
        MimeSupport::Never
    );
}

#[test]
fn mime_follows_mime_support() {
    let html = item(ALTERNATIVE);
    let signed = item(SIGNED);
    let opts = |m: MimeSupport| BodyOptions {
        preferences: vec![pref(2), pref(4)],
        mime_support: m,
        ..BodyOptions::default()
    };
    let ty = |i: &MailItem, o: &BodyOptions| body(&i.to_wire_with(V141, o)).body_type;
    // HTML is native, so it wins over MIME for an ordinary message.
    assert_eq!(ty(&html, &opts(MimeSupport::Always)), Some(2));
    // An S/MIME message goes as MIME whenever MIME is allowed for it.
    assert_eq!(ty(&signed, &opts(MimeSupport::SmimeOnly)), Some(4));
    assert_eq!(ty(&signed, &opts(MimeSupport::Always)), Some(4));
    // Refused MIME: the next preference, HTML made from the signed text.
    assert_eq!(ty(&signed, &opts(MimeSupport::Never)), Some(2));
    // MIME alone and allowed: the whole message.
    let only_mime = BodyOptions {
        preferences: vec![pref(4)],
        mime_support: MimeSupport::Always,
        ..BodyOptions::default()
    };
    let e = html.to_wire_with(V141, &only_mime);
    assert_eq!(body(&e).body_type, Some(4));
    assert_eq!(body(&e).data.as_deref(), Some(html.mime.as_str()));
    // MIME alone but refused (S/MIME only, or MIMESupport absent): plain text.
    for m in [MimeSupport::SmimeOnly, MimeSupport::Never] {
        let refused = BodyOptions {
            mime_support: m,
            ..only_mime.clone()
        };
        assert_eq!(ty(&html, &refused), Some(1), "{m:?}");
    }
}

#[test]
fn version_2_5_follows_the_truncation_codes() {
    let long = item(&format!("From: a@b\n\n{}\n", "\u{e9}".repeat(600)));
    let code = |t: Option<u32>| BodyOptions {
        truncation: t,
        ..BodyOptions::default()
    };
    let e = long.to_wire_with(V25, &code(Some(1)));
    assert!(e.body.is_none() && e.mime_data.is_none());
    assert_eq!(e.body_v25.as_deref().map(|b| b.chars().count()), Some(512));
    assert_eq!(e.body_truncated, Some(true));
    assert_eq!(e.body_size, Some(602), "the whole size, in characters");
    assert_eq!(
        long.to_wire_with(V25, &code(Some(0))).body_v25.as_deref(),
        Some(""),
        "0: all body text truncated"
    );
    for whole in [Some(2), Some(9), None] {
        let e = long.to_wire_with(V25, &code(whole));
        assert_eq!(e.body_truncated, Some(false), "{whole:?}");
        assert_eq!(e.body_v25.as_deref().map(|b| b.chars().count()), Some(602));
    }

    let mime = |m: MimeSupport, t: Option<u32>| BodyOptions {
        mime_support: m,
        mime_truncation: t,
        ..BodyOptions::default()
    };
    let e = long.to_wire_with(V25, &mime(MimeSupport::Always, Some(8)));
    assert!(e.body_v25.is_none());
    assert_eq!(e.mime_truncated, Some(false));
    assert_eq!(e.mime_data.as_deref(), Some(long.mime.as_str()));
    let e = long.to_wire_with(V25, &mime(MimeSupport::Always, Some(0)));
    assert_eq!(e.mime_data.as_deref(), Some(""));
    assert_eq!(e.mime_truncated, Some(true));
    let big = item(&format!("From: a@b\n\n{}\n", "x".repeat(5000)));
    let e = big.to_wire_with(V25, &mime(MimeSupport::Always, Some(1)));
    assert_eq!(e.mime_data.as_deref().map(str::len), Some(4096));
    assert_eq!(e.mime_size, Some(big.mime.chars().count() as u32));
    // S/MIME only: an ordinary message keeps its text body, a signed one goes as MIME.
    let smime_only = mime(MimeSupport::SmimeOnly, None);
    assert!(long.to_wire_with(V25, &smime_only).mime_data.is_none());
    assert!(
        item(SIGNED)
            .to_wire_with(V25, &smime_only)
            .mime_data
            .is_some()
    );
}

// ---- Attachments ----

#[test]
fn attachment_content_is_the_decoded_part() {
    let i = item(MIXED);
    let names: Vec<&str> = i
        .attachments
        .iter()
        .map(|a| a.display_name.as_str())
        .collect();
    assert_eq!(names, ["Inner.eml", "report.pdf", "notes.txt"]);
    assert!(
        i.attachment_content(0)
            .unwrap()
            .starts_with(b"From: c@example.com")
    );
    assert_eq!(i.attachment_content(1).unwrap(), b"%PDF-1.4\n");
    // Text comes as UTF-8, the size the attachment list announced.
    let notes = i.attachment_content(2).unwrap();
    assert_eq!(notes, "Grüße".as_bytes());
    assert_eq!(notes.len() as u64, i.attachments[2].size);
    assert!(matches!(
        i.attachment_content(3),
        Err(ModelError::InvalidField {
            field: "FileReference",
            ..
        })
    ));

    // By reference, as ItemOperations and GetAttachment name it.
    let pdf = &i.attachments[1];
    assert_eq!(
        i.attachment_content_by_reference(&pdf.file_reference)
            .unwrap(),
        b"%PDF-1.4\n"
    );
    let encoded = pdf.file_reference.replace(':', "%3a");
    assert_eq!(encoded, format!("5%3a7%3a{}", pdf.part_index));
    assert_eq!(
        i.attachment_content_by_reference(&encoded).unwrap(),
        b"%PDF-1.4\n"
    );
    for bad in [
        "6:7:3".to_string(),
        "5:7:0".to_string(),
        "5:7:99".to_string(),
        "5%3".to_string(),
    ] {
        assert!(
            matches!(
                i.attachment_content_by_reference(&bad),
                Err(ModelError::InvalidField {
                    field: "FileReference",
                    ..
                })
            ),
            "{bad}"
        );
    }
}

#[test]
fn binary_attachment_content_is_byte_exact_even_unencoded() {
    let mut raw = b"From: a@example.com\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nhi\r\n--B\r\nContent-Type: application/octet-stream; name=blob.bin\r\nContent-Disposition: attachment; filename=blob.bin\r\nContent-Transfer-Encoding: binary\r\n\r\n".to_vec();
    let blob: &[u8] = b"\x00\x01\nline\r\x7f\xff\xfe \n=";
    raw.extend_from_slice(blob);
    raw.extend_from_slice(b"\r\n--B--\r\n");
    let i = MailItem::from_mime(&raw, state()).unwrap();
    assert_eq!(i.attachments.len(), 1);
    assert!(i.mime.is_ascii(), "the device form is 7-bit");
    assert_eq!(i.attachment_content(0).unwrap(), blob);
    assert_eq!(
        eas_model::mail::attachment::part_content(&raw, i.attachments[0].part_index).unwrap(),
        blob,
        "from the stored message too"
    );
}

#[test]
fn fixture_attachments_all_have_content() {
    for name in [
        "20910_ampersand_filename.eml",
        "20587_iphone_image.eml",
        "nested_rfc822.eml",
        "related_inline.eml",
        "smime_signed.eml",
    ] {
        let i = fixture(name);
        assert!(!i.attachments.is_empty(), "{name}");
        for (n, a) in i.attachments.iter().enumerate() {
            let content = i.attachment_content(n).unwrap();
            assert!(!content.is_empty(), "{name} {n}");
            if a.method == eas_model::mail::AttachMethod::Normal {
                assert_eq!(content.len() as u64, a.size, "{name} {}", a.display_name);
            }
            assert_eq!(
                i.attachment_content_by_reference(&a.file_reference)
                    .unwrap(),
                content
            );
        }
    }
}

// ---- 14.0+ elements ----

#[test]
fn sender_is_kept_only_when_it_differs() {
    let i = item("From: boss@example.com\nSender: Assistant <assistant@example.com>\n\nx\n");
    let s = i.sender.clone().unwrap();
    assert_eq!(s.address.as_deref(), Some("assistant@example.com"));
    assert_eq!(
        i.to_wire(V140, &[pref(1)]).sender.as_deref(),
        Some("\"Assistant\" <assistant@example.com>")
    );
    assert_eq!(i.to_wire(V121, &[pref(1)]).sender, None, "Email2 is 14.0+");
    let same = item("From: boss@example.com\nSender: BOSS@example.com\n\nx\n");
    assert_eq!(same.sender, None);
    assert_eq!(same.to_wire(V141, &[pref(1)]).sender, None);
    assert_eq!(item("From: a@b\n\nx\n").sender, None);
}

#[test]
fn received_as_bcc_when_the_user_is_in_no_recipient_header() {
    let with_user = |raw: &str, users: &[&str]| {
        MailItem::from_mime(
            raw.replace('\n', "\r\n").as_bytes(),
            MailState {
                user_addresses: users.iter().map(|u| u.to_string()).collect(),
                ..state()
            },
        )
        .unwrap()
    };
    let to_me = "From: x@example.com\nTo: Me <ME@example.com>\nCc: y@example.com\n\nx\n";
    let cc_me = "From: x@example.com\nTo: y@example.com\nCc: alias@example.com\n\nx\n";
    let bcc = "From: x@example.com\nTo: y@example.com\n\nx\n";
    let mine = "From: me@example.com\nTo: y@example.com\n\nx\n";
    let users = ["me@example.com", "alias@example.com"];
    assert_eq!(with_user(to_me, &users).received_as_bcc(), Some(false));
    assert_eq!(with_user(cc_me, &users).received_as_bcc(), Some(false));
    assert_eq!(with_user(bcc, &users).received_as_bcc(), Some(true));
    assert_eq!(with_user(mine, &users).received_as_bcc(), Some(false));
    assert_eq!(with_user(bcc, &[]).received_as_bcc(), None, "unknown user");
    let i = with_user(bcc, &users);
    assert_eq!(i.to_wire(V140, &[pref(1)]).received_as_bcc, Some(true));
    assert_eq!(i.to_wire(V121, &[pref(1)]).received_as_bcc, None);
    // The Scalix fixture with only a Bcc header.
    let mut f = fixture("20941_bcc_only.eml");
    f.state.user_addresses = vec!["someone-else@example.net".into()];
    assert_eq!(f.received_as_bcc(), Some(true));
}

#[test]
fn last_verb_goes_out_from_14_0_with_its_time() {
    let mut i = item("From: a@b\nTo: c@d\n\nx\n");
    i.state.last_verb_executed = Some(3);
    i.state.last_verb_execution_time = at(2024, 3, 3, 8);
    let e = i.to_wire(V141, &[pref(1)]);
    assert_eq!(e.last_verb_executed, Some(3));
    assert_eq!(
        e.last_verb_execution_time.as_deref(),
        Some("2024-03-03T08:00:00.000Z")
    );
    let e = i.to_wire(V121, &[pref(1)]);
    assert_eq!(e.last_verb_executed, None);
    assert_eq!(e.last_verb_execution_time, None);
    // A time without its verb is not sent.
    i.state.last_verb_executed = None;
    let e = i.to_wire(V141, &[pref(1)]);
    assert_eq!(e.last_verb_execution_time, None);
}

// ---- 14.1 BodyPart ----

const REPLY: &str = "\
From: b@example.com
To: a@example.com
Subject: Re: lunch
Content-Type: text/plain; charset=utf-8

Yes, noon works <for me>.

On Mon, 4 Mar 2024 at 10:00, Alice <a@example.com> wrote:
> Lunch tomorrow?
> A.
";

fn part_pref(truncation_size: Option<u32>, all_or_none: bool, preview: u32) -> BodyOptions {
    BodyOptions {
        preferences: vec![pref(1)],
        part_preferences: vec![BodyPartPreference {
            body_type: 2,
            truncation_size,
            all_or_none: Some(all_or_none),
            preview: Some(preview),
        }],
        ..BodyOptions::default()
    }
}

#[test]
fn body_part_is_the_new_text_as_html() {
    let i = item(REPLY);
    let e = i.to_wire_with(V141, &part_pref(None, false, 40));
    let part = e.body_part.clone().unwrap();
    assert_eq!(part.status, Some(1));
    assert_eq!(part.body_type, Some(2));
    let data = part.data.unwrap();
    assert!(data.contains("noon works &lt;for me&gt;."), "{data}");
    assert!(
        !data.contains("Lunch tomorrow") && !data.contains("wrote"),
        "{data}"
    );
    assert_eq!(part.estimated_data_size, Some(data.len() as u32));
    assert_eq!(part.truncated, Some(false));
    assert_eq!(part.preview.as_deref(), Some("Yes, noon works <for me>."));
    // The Body is still the whole message.
    assert!(body(&e).data.as_deref().unwrap().contains("Lunch tomorrow"));

    // Truncated, and withheld with status 176 when AllOrNone cannot be met.
    let cut = i
        .to_wire_with(V141, &part_pref(Some(20), false, 0))
        .body_part
        .unwrap();
    assert_eq!(cut.data.as_deref().map(str::len), Some(20));
    assert_eq!(cut.truncated, Some(true));
    assert_eq!(cut.preview, None);
    let none = i
        .to_wire_with(V141, &part_pref(Some(20), true, 0))
        .body_part
        .unwrap();
    assert_eq!(none.status, Some(176));
    assert_eq!(none.data, None);
    assert_eq!(none.estimated_data_size, Some(data.len() as u32));

    // Only 14.1 and later, and only when asked for.
    assert!(
        i.to_wire_with(V140, &part_pref(None, false, 0))
            .body_part
            .is_none()
    );
    assert!(i.to_wire(V141, &[pref(1)]).body_part.is_none());
}

#[test]
fn html_body_part_stops_at_the_quote() {
    let raw = "From: b@example.com\nContent-Type: text/html\n\n<html><body><div>Fine by me.</div><div class=\"gmail_quote\"><div>On Mon, Alice wrote:</div><blockquote>Lunch?</blockquote></div></body></html>\n";
    let i = item(raw);
    let part = i
        .to_wire_with(V141, &part_pref(None, false, 0))
        .body_part
        .unwrap();
    assert_eq!(
        part.data.as_deref(),
        Some("<html><body><div>Fine by me.</div>")
    );
    // A message without quoted history is its whole body.
    let plain = item("From: a@b\n\nJust this.\n");
    assert_eq!(
        plain.message_part_html(),
        eas_model::mail::body::text_to_html("Just this.")
    );
}

// ---- Every version through the codec ----

/// Every element the item sets exists in its version: encoding drops nothing, so decoding
/// gives the same response back.
fn round_trips(e: &Email, v: ProtocolVersion) {
    use eas_codec::codec::{DecodeOptions, decode, encode};
    use eas_codec::command::sync::*;
    use eas_codec::data::ApplicationData;

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
    let wbxml = encode(&response, v).unwrap_or_else(|err| panic!("{v:?}: {err}"));
    let back: SyncResponse = decode(&wbxml, DecodeOptions::new(v)).unwrap();
    assert_eq!(back, response, "version {v:?}");
}

#[test]
fn every_version_round_trips_through_the_codec() {
    let dir = format!("{}/testdata/mail", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".eml"))
        .collect();
    names.sort();
    assert!(names.len() >= 20, "{names:?}");
    let mut items: Vec<MailItem> = [ALTERNATIVE, SIGNED, MIXED, REPLY]
        .iter()
        .map(|m| item(m))
        .chain(names.iter().map(|n| fixture(n)))
        .collect();
    items.push(item(
        "From: boss@example.com\nSender: assistant@example.com\nTo: y@example.com\n\nx\n",
    ));
    for i in &mut items {
        i.state.read = true;
        i.state.categories = vec!["A".into(), "B".into()];
        i.state.flag = MailChange::from_wire(&Email {
            flag: Some(Flag {
                status: Some(1),
                complete_time: Some("2024-01-01T00:00:00.000Z".into()),
                reminder_set: Some(1),
                reminder_time: Some("2024-01-01T00:00:00.000Z".into()),
                ..Flag::default()
            }),
            ..Email::default()
        })
        .unwrap()
        .flag
        .unwrap();
        i.state.last_verb_executed = Some(2);
        i.state.last_verb_execution_time = at(2024, 1, 2, 3);
        i.state.user_addresses = vec!["me@example.com".into()];
    }
    let options = [
        BodyOptions {
            preferences: vec![
                BodyPreference {
                    body_type: 2,
                    truncation_size: Some(20),
                    preview: Some(50),
                    ..BodyPreference::default()
                },
                pref(1),
                pref(4),
            ],
            part_preferences: vec![BodyPartPreference {
                body_type: 2,
                truncation_size: Some(30),
                all_or_none: None,
                preview: Some(10),
            }],
            mime_support: MimeSupport::SmimeOnly,
            truncation: Some(1),
            mime_truncation: Some(8),
        },
        BodyOptions {
            preferences: vec![pref(4)],
            mime_support: MimeSupport::Always,
            mime_truncation: Some(1),
            ..BodyOptions::default()
        },
    ];
    for i in &items {
        for o in &options {
            for v in ProtocolVersion::ALL {
                round_trips(&i.to_wire_with(v, o), v);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Whatever the message and the options: no panic, every attachment has content, and a
    /// body never exceeds its truncation size.
    #[test]
    fn any_message_and_options_map_for_every_version(
        head in "(Content-Type: (multipart/mixed; boundary=b|application/pdf; name=x|multipart/signed; boundary=b)\r\n)?",
        body in proptest::collection::vec(any::<u8>(), 0..300),
        trunc in proptest::option::of(0u32..64),
        types in proptest::collection::vec(1u8..=4, 0..4),
        code in 0u32..10,
    ) {
        let mut raw = format!("From: a@example.com\r\n{head}\r\n--b\r\nContent-Type: image/png\r\nContent-Disposition: attachment\r\n\r\n").into_bytes();
        raw.extend_from_slice(&body);
        if let Ok(i) = MailItem::from_mime(&raw, state()) {
            let options = BodyOptions {
                preferences: types
                    .iter()
                    .map(|&t| BodyPreference {
                        body_type: t,
                        truncation_size: trunc,
                        all_or_none: Some(t % 2 == 0),
                        preview: Some(20),
                    })
                    .collect(),
                part_preferences: vec![BodyPartPreference {
                    body_type: 2,
                    truncation_size: trunc,
                    all_or_none: None,
                    preview: None,
                }],
                mime_support: MimeSupport::from_code(code % 3).unwrap(),
                truncation: Some(code),
                mime_truncation: Some(code.min(8)),
            };
            for v in ProtocolVersion::ALL {
                let e = i.to_wire_with(v, &options);
                if let (Some(limit), Some(Body { data: Some(d), .. })) = (trunc, &e.body) {
                    prop_assert!(d.len() <= limit as usize || options.preferences.is_empty());
                }
                if let (Some(limit), Some(p)) = (trunc, &e.body_part) {
                    prop_assert!(p.data.as_deref().map_or(0, str::len) <= limit as usize);
                }
            }
            for (n, a) in i.attachments.iter().enumerate() {
                prop_assert!(i.attachment_content(n).is_ok());
                prop_assert!(i.attachment_content_by_reference(&a.file_reference).is_ok());
            }
        }
    }
}

#[test]
fn attachment_items_on_the_wire_name_their_reference() {
    let i = item(MIXED);
    let e = i.to_wire(V141, &[pref(1)]);
    let refs: Vec<String> = e
        .attachments
        .unwrap()
        .items
        .into_iter()
        .filter_map(|a| match a {
            AttachmentsItem::Attachment(a) => a.file_reference.map(|r| r.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(refs.len(), 3);
    for r in refs {
        assert!(i.attachment_content_by_reference(&r).is_ok(), "{r}");
    }
}
