//! The data classes decode from real captures, re-encode to the same token stream, pick
//! their class from the children's code pages and drop what a version does not have.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashSet;

use eas_codec::codec::{DecodeOptions, Decoder, Encoder, Value, decode, encode};
use eas_codec::data::*;
use eas_codec::xml::xml_to_wbxml;
use eas_codec::{Class, CodecError, ProtocolVersion, Tag, tag};
use eas_wbxml::{Event, Limits, Reader, TagName, Writer, canon};

#[macro_use]
mod common;

use common::*;

// ---- Corpus access ----

/// A capture from the shared corpus, or `None` (with a note) when the corpus is absent.
fn shared(rel: &str) -> Option<Vec<u8>> {
    match shared_corpus() {
        Some(dir) => Some(std::fs::read(dir.join(rel)).unwrap()),
        None => {
            note!("NOTE: shared corpus absent; {rel} not checked");
            None
        }
    }
}

/// Every capture, each distinct document once (testdata/ copies part of the corpus).
fn corpus() -> Vec<(String, Vec<u8>)> {
    let mut roots = vec![testdata()];
    roots.extend(shared_corpus());
    let mut files = Vec::new();
    for r in &roots {
        wbxml_files(r, &mut files);
    }
    files.sort();
    let mut seen = HashSet::new();
    let mut docs = Vec::new();
    for f in files {
        let doc = std::fs::read(&f).unwrap();
        if seen.insert(doc.clone()) {
            let name = roots
                .iter()
                .find_map(|r| f.strip_prefix(r).ok())
                .unwrap_or(&f)
                .display()
                .to_string();
            docs.push((name, doc));
        }
    }
    docs
}

// ---- Walking a capture with the typed Decoder ----

const DATA_PARENTS: [Tag; 3] = [
    tag!(AirSync::ApplicationData),
    tag!(ItemOperations::Properties),
    tag!(Search::Properties),
];

fn visit(
    d: &mut Decoder<'_>,
    tag: Tag,
    out: &mut Vec<(Tag, ApplicationData)>,
) -> Result<(), CodecError> {
    if DATA_PARENTS.contains(&tag) {
        out.push((tag, <ApplicationData as Value>::decode(d, tag)?));
    } else if d.peek_child_pages()?.is_empty() {
        // A value or an empty element.
        d.skip()?;
    } else {
        while let Some(child) = d.next_child()? {
            visit(d, child, out)?;
        }
    }
    Ok(())
}

/// Every `ApplicationData` / `Properties` item of a whole command document, decoded in place
/// by walking the document with [`Decoder`].
fn items(doc: &[u8], opts: DecodeOptions) -> Result<Vec<(Tag, ApplicationData)>, CodecError> {
    let (mut d, root) = Decoder::open(doc, opts)?;
    let mut out = Vec::new();
    visit(&mut d, root, &mut out)?;
    d.finish()?;
    Ok(out)
}

fn strict(v: ProtocolVersion) -> DecodeOptions {
    DecodeOptions::new(v)
}

/// A standalone `ApplicationData` document, decoded strictly for `v`.
fn decode_as(doc: &[u8], v: ProtocolVersion) -> ApplicationData {
    decode(doc, strict(v)).unwrap()
}

fn email(item: &ApplicationData) -> &Email {
    match item {
        ApplicationData::Email(e) => e,
        other => panic!("expected an Email, got {:?}", other.class()),
    }
}

fn calendar(item: &ApplicationData) -> &Calendar {
    match item {
        ApplicationData::Calendar(c) => c,
        other => panic!("expected a Calendar item, got {:?}", other.class()),
    }
}

fn contact(item: &ApplicationData) -> &Contact {
    match item {
        ApplicationData::Contact(c) => c,
        other => panic!("expected a Contact, got {:?}", other.class()),
    }
}

// ---- Values a client sees, from real captures ----

#[test]
fn exchange_mail_with_attachments() {
    let doc = std::fs::read(testdata().join("lswbxml/sync_response_ppc_as12.wbxml")).unwrap();
    let items = items(&doc, strict(ProtocolVersion::V12_0)).unwrap();
    assert_eq!(items.len(), 31);
    assert!(
        items
            .iter()
            .all(|(t, i)| *t == tag!(AirSync::ApplicationData) && i.class() == Class::Email)
    );

    let first = email(&items[0].1);
    assert_eq!(first.subject.as_deref(), Some("Subject"));
    assert_eq!(
        first.from.as_deref(),
        Some("\"Camper Stewart\" <Camper@cookie.agat.com>")
    );
    assert_eq!(
        first.date_received.as_deref(),
        Some("2011-03-06T11:55:14.375Z")
    );
    assert_eq!(first.importance, Some(1));
    assert_eq!(first.read, Some(true));
    assert_eq!(first.message_class.as_deref(), Some("IPM.Note"));
    assert_eq!(
        first.flag,
        Some(Flag::default()),
        "an empty <Flag/> is kept"
    );
    let att = first.attachments.as_ref().unwrap();
    let [AttachmentsItem::Attachment(a)] = att.items.as_slice() else {
        panic!("{att:?}")
    };
    assert_eq!(a.display_name.as_deref(), Some("DecodedBase64.bin"));
    assert_eq!(a.file_reference.as_deref(), Some("5%3a1%3a0"));
    assert_eq!(a.method, Some(1));
    assert_eq!(a.estimated_data_size, Some(91));
    let body = first.body.as_ref().unwrap();
    assert_eq!(body.body_type, Some(1));
    assert_eq!(body.estimated_data_size, Some(0));
    assert_eq!(body.data, None, "absent, not empty");
    assert_eq!(first.native_body_type, Some(1));

    // The mail with two attachments.
    let two = items
        .iter()
        .map(|(_, i)| email(i))
        .find(|e| e.subject.as_deref() == Some("Excelish and Appish"))
        .unwrap();
    let names: Vec<_> = two
        .attachments
        .as_ref()
        .unwrap()
        .items
        .iter()
        .map(|i| match i {
            AttachmentsItem::Attachment(a) => a.display_name.clone().unwrap(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(names, ["SOLVSAMP.XLS", "ActiveSyncAdmin.exe"]);
}

#[test]
fn client_change_carries_only_what_changed() {
    let doc = std::fs::read(testdata().join("lswbxml/sync_request_htc_as12.wbxml")).unwrap();
    let items = items(&doc, strict(ProtocolVersion::V12_0)).unwrap();
    assert_eq!(items.len(), 2);
    for (_, item) in &items {
        assert_eq!(
            item,
            &ApplicationData::from(Email {
                read: Some(true),
                ..Email::default()
            })
        );
    }
}

#[test]
fn exchange_meeting_request() {
    let Some(doc) = shared("wbxml-stream/derived/ms-ascmd/activesync-ms-ascmd-062.wbxml") else {
        return;
    };
    let items = items(&doc, strict(ProtocolVersion::V14_1)).unwrap();
    let [(_, item)] = items.as_slice() else {
        panic!("{items:?}")
    };
    let mail = email(item);
    assert_eq!(
        mail.message_class.as_deref(),
        Some("IPM.Schedule.Meeting.Request")
    );
    let mr = mail.meeting_request.as_ref().unwrap();
    assert_eq!(mr.location.as_deref(), Some("My Office"));
    assert_eq!(mr.start_time.as_deref(), Some("2010-05-03T16:00:00.000Z"));
    assert_eq!(
        mr.organizer.as_deref(),
        Some("\"Chris Gray\" <chris@contoso.com>")
    );
    assert_eq!(mr.reminder, Some(900));
    assert_eq!(mr.busy_status, Some(2));
    assert_eq!(mr.meeting_message_type, Some(1));
    assert!(
        mr.global_obj_id
            .as_deref()
            .unwrap()
            .starts_with("BAAAAIIA4AB0xbcQ")
    );
    assert!(mail.conversation_id.is_some() && mail.conversation_index.is_some());
    assert_eq!(
        mail.categories,
        Some(EmailCategories::default()),
        "an empty <Categories/> is kept"
    );
}

#[test]
fn exchange_recurring_meeting_with_exceptions() {
    let Some(doc) = shared("wbxml-stream/derived/ms-ascmd/activesync-ms-ascmd-016.wbxml") else {
        return;
    };
    let items = items(&doc, strict(ProtocolVersion::V14_1)).unwrap();
    assert_eq!(items.len(), 2);
    let meeting = calendar(&items[0].1);
    assert_eq!(meeting.subject.as_deref(), Some("Status Meeting"));
    assert_eq!(meeting.organizer_email.as_deref(), Some("kim@contoso.com"));
    let attendees = &meeting.attendees.as_ref().unwrap().attendees;
    assert_eq!(attendees.len(), 1);
    assert_eq!(attendees[0].email.as_deref(), Some("toby@contoso.com"));
    assert_eq!(attendees[0].name.as_deref(), Some("Toby Nixon"));
    assert_eq!(attendees[0].attendee_type, Some(1));
    let rec = meeting.recurrence.as_ref().unwrap();
    assert_eq!(
        (rec.recurrence_type, rec.interval, rec.day_of_week),
        (Some(1), Some(1), Some(4))
    );
    let exceptions = &meeting.exceptions.as_ref().unwrap().exceptions;
    assert_eq!(exceptions.len(), 2);
    assert_eq!(exceptions[0].location.as_deref(), Some("Your office"));
    assert_eq!(
        exceptions[0].exception_start_time.as_deref(),
        Some("20091020T163000Z")
    );
    assert_eq!(exceptions[0].response_type, Some(3));
    assert_eq!(exceptions[0].body.as_ref().unwrap().truncated, Some(true));
    assert_eq!(
        exceptions[1].start_time.as_deref(),
        Some("20091027T163000Z")
    );
    assert_eq!(meeting.meeting_status, Some(3));
    assert_eq!(meeting.response_requested, Some(true));
    assert_eq!(meeting.response_type, Some(2));

    let other = calendar(&items[1].1);
    assert_eq!(other.location.as_deref(), Some(""), "empty, not absent");
}

#[test]
fn outlook_com_calendar_in_16_1() {
    let Some(doc) = shared("syncgw/in05.wbxml") else {
        return;
    };
    let items = items(&doc, strict(ProtocolVersion::V16_1)).unwrap();
    assert_eq!(items.len(), 2);
    let birthday = calendar(&items[0].1);
    assert_eq!(birthday.all_day_event, Some(1));
    let rec = birthday.recurrence.as_ref().unwrap();
    assert_eq!(rec.recurrence_type, Some(5));
    assert_eq!(rec.day_of_month, Some(8));
    assert_eq!(rec.month_of_year, Some(1));
    assert_eq!(rec.calendar_type, Some(0));
    assert_eq!(rec.is_leap_month, Some(0));
    assert_eq!(birthday.location_v16, Some(Location::default()));
    assert_eq!(birthday.location, None);
    assert_eq!(birthday.disallow_new_time_proposal, Some(false));

    let series = calendar(&items[1].1);
    assert_eq!(
        series.client_uid.as_deref(),
        Some("4976ad43-4107-1dc4-08e2-d8ec7744a648")
    );
    let exceptions = &series.exceptions.as_ref().unwrap().exceptions;
    assert_eq!(exceptions[0].deleted, Some(1));
    assert_eq!(
        exceptions[0].instance_id.as_deref(),
        Some("20200521T040000Z")
    );
    assert_eq!(
        exceptions[1].instance_id.as_deref(),
        Some("20200522T040000Z")
    );
    assert_eq!(
        exceptions[1].start_time.as_deref(),
        Some("20200522T050000Z")
    );
    assert_eq!(exceptions[1].exception_start_time, None);

    // Decoding the same capture as 14.1 refuses the 16.x elements.
    let err = self::items(&doc, strict(ProtocolVersion::V14_1)).unwrap_err();
    assert!(
        matches!(err, CodecError::NotInVersion { tag, .. } if tag == tag!(AirSyncBase::Location)),
        "{err:?}"
    );
}

#[test]
fn protocol_2_5_appointment_with_plain_body() {
    let Some(doc) = shared("horde/derived/simpleexception.wbxml") else {
        return;
    };
    let item: ApplicationData = decode(&doc, strict(ProtocolVersion::V2_5)).unwrap();
    let c = calendar(&item);
    assert_eq!(c.subject.as_deref(), Some("Event Title"));
    assert_eq!(c.location.as_deref(), Some("Philadelphia, PA"));
    assert_eq!(c.body_v25.as_deref(), Some("Event Description"));
    assert_eq!(c.body_truncated, Some(false));
    assert_eq!(c.body, None);
    let rec = c.recurrence.as_ref().unwrap();
    assert_eq!(
        (rec.recurrence_type, rec.interval, rec.day_of_week),
        (Some(1), Some(2), Some(16))
    );
    let ex = &c.exceptions.as_ref().unwrap().exceptions[0];
    assert_eq!(ex.deleted, Some(1));
    assert_eq!(ex.exception_start_time.as_deref(), Some("20111229T200000Z"));
    assert_eq!(ex.body_truncated, Some(false));

    // Calendar:Body and BodyTruncated are 2.5 only: strict decoding for 12.0 refuses them.
    let err = decode::<ApplicationData>(&doc, strict(ProtocolVersion::V12_0)).unwrap_err();
    assert!(matches!(err, CodecError::NotInVersion { .. }), "{err:?}");
}

/// Horde's MeetingRequest fixture: the children of an `Email:MeetingRequest`, which the
/// corpus wraps in an `ApplicationData`.
#[test]
fn horde_meeting_request_fixture() {
    let Some(doc) = shared("horde/derived/meeting_request_one.wbxml") else {
        return;
    };
    let (mut d, root) = Decoder::open(&doc, strict(ProtocolVersion::V2_5)).unwrap();
    let mr = MeetingRequest::decode(&mut d, root).unwrap();
    d.finish().unwrap();
    assert_eq!(mr.all_day_event, Some(0));
    assert_eq!(mr.start_time.as_deref(), Some("2012-06-08T17:30:00.000Z"));
    assert_eq!(mr.location.as_deref(), Some("Philadelphia,PA"));
    assert_eq!(mr.organizer.as_deref(), Some("mikerubinsky@gmail.com"));
    assert_eq!(mr.response_requested, Some(1));
    assert_eq!(mr.busy_status, Some(2));
    let mut e = Encoder::new(Vec::new(), ProtocolVersion::V2_5).unwrap();
    mr.encode(&mut e, root).unwrap();
    assert_eq!(
        canon::to_canon(&e.finish().unwrap(), Limits::default()).unwrap(),
        canon::to_canon(&doc, Limits::default()).unwrap(),
        "Horde writes a MeetingRequest in Exchange's order"
    );
}

#[test]
fn exchange_contact_and_search_results() {
    if let Some(doc) = shared("wbxml-stream/derived/ms-ascmd/activesync-ms-ascmd-091.wbxml") {
        let items = items(&doc, strict(ProtocolVersion::V14_1)).unwrap();
        let c = contact(&items[0].1);
        assert_eq!(c.file_as.as_deref(), Some("Sills, Elvin"));
        assert_eq!(c.first_name.as_deref(), Some("Elvin"));
        assert_eq!(c.last_name.as_deref(), Some("Sills"));
        assert_eq!(c.company_name.as_deref(), Some("Contoso, Inc."));
        assert_eq!(c.department.as_deref(), Some("Accounting"));
        assert_eq!(
            c.email1_address.as_deref(),
            Some("\"elvin@contoso.com\"\n<elvin@contoso.com>")
        );
        assert_eq!(c.body.as_ref().unwrap().truncated, Some(true));
    }

    let doc =
        std::fs::read(testdata().join("lswbxml/search_response_from_exchange.wbxml")).unwrap();
    let items = items(&doc, strict(ProtocolVersion::V12_1)).unwrap();
    assert_eq!(items.len(), 2);
    assert!(items.iter().all(|(t, _)| *t == tag!(Search::Properties)));
    let tent = calendar(&items[1].1);
    assert_eq!(tent.subject.as_deref(), Some("tent"));
    let emails: Vec<_> = tent
        .attendees
        .as_ref()
        .unwrap()
        .attendees
        .iter()
        .map(|a| (a.email.as_deref().unwrap(), a.attendee_type.unwrap()))
        .collect();
    assert_eq!(
        emails,
        [("meetingroomtest@test.local", 3), ("maemo@test.local", 1)]
    );
    assert_eq!(tent.body.as_ref().unwrap().body_type, Some(2));
    assert!(
        tent.body
            .as_ref()
            .unwrap()
            .data
            .as_deref()
            .unwrap()
            .starts_with("<html>")
    );
}

#[test]
fn item_operations_multipart_body_part() {
    let Some(doc) = shared("wbxml-stream/derived/ms-ascmd/activesync-ms-ascmd-040.wbxml") else {
        return;
    };
    let items = items(&doc, strict(ProtocolVersion::V14_1)).unwrap();
    let [(t, item)] = items.as_slice() else {
        panic!("{items:?}")
    };
    assert_eq!(*t, tag!(ItemOperations::Properties));
    let body = email(item).body.as_ref().unwrap();
    assert_eq!(body.part, Some(1));
    assert_eq!(body.data, None);
}

#[test]
fn tasks_notes_and_contacts2_pages_choose_their_class() {
    let task: ApplicationData = decode(
        &std::fs::read(testdata().join("synthetic/edge/page09-tasks.wbxml")).unwrap(),
        strict(ProtocolVersion::V14_1),
    )
    .unwrap();
    assert_eq!(
        task,
        ApplicationData::from(Task {
            subject: Some("Buy milk".into()),
            complete: Some(1),
            ..Task::default()
        })
    );
    let note: ApplicationData = decode(
        &std::fs::read(testdata().join("synthetic/edge/page23-notes.wbxml")).unwrap(),
        strict(ProtocolVersion::V14_1),
    )
    .unwrap();
    assert_eq!(
        note,
        ApplicationData::from(Note {
            subject: Some("Note title".into()),
            message_class: Some("IPM.StickyNote".into()),
            ..Note::default()
        })
    );
    let c2: ApplicationData = decode(
        &std::fs::read(testdata().join("synthetic/edge/page12-contacts2.wbxml")).unwrap(),
        strict(ProtocolVersion::V14_1),
    )
    .unwrap();
    assert_eq!(
        c2,
        ApplicationData::from(Contact {
            customer_id: Some("CUST-42".into()),
            nick_name: Some("Jim".into()),
            ..Contact::default()
        })
    );
}

// ---- Class choice, from documents written as XML ----

fn xml_doc(body: &str) -> Vec<u8> {
    xml_to_wbxml(&format!(
        r#"<ApplicationData xmlns="AirSync" xmlns:email="Email" xmlns:email2="Email2"
            xmlns:calendar="Calendar" xmlns:tasks="Tasks" xmlns:airsyncbase="AirSyncBase"
            xmlns:rm="RightsManagement">{body}</ApplicationData>"#
    ))
    .unwrap()
}

#[test]
fn class_comes_from_direct_children_then_hint_then_email() {
    // A flag's Tasks elements are grandchildren: the item stays an Email.
    let doc = xml_doc(
        "<airsyncbase:Body><airsyncbase:Type>1</airsyncbase:Type></airsyncbase:Body>\
         <email:Flag><email:Status>2</email:Status><email:FlagType>Follow up</email:FlagType>\
         <tasks:StartDate>2024-01-01T00:00:00.000Z</tasks:StartDate>\
         <tasks:ReminderSet>0</tasks:ReminderSet></email:Flag>",
    );
    let item: ApplicationData = decode(&doc, strict(ProtocolVersion::V14_1)).unwrap();
    let flag = email(&item).flag.as_ref().unwrap();
    assert_eq!(flag.status, Some(2));
    assert_eq!(flag.start_date.as_deref(), Some("2024-01-01T00:00:00.000Z"));
    assert_eq!(flag.reminder_set, Some(0));

    // Shared pages do not decide; the first class page does.
    let doc = xml_doc(
        "<rm:RightsManagementLicense><rm:Owner>1</rm:Owner></rm:RightsManagementLicense>\
         <email2:ConversationIndex>x</email2:ConversationIndex>",
    );
    let item: ApplicationData = decode(&doc, strict(ProtocolVersion::V14_1)).unwrap();
    let mail = email(&item);
    assert_eq!(
        mail.rights_management_license.as_ref().unwrap().owner,
        Some(true)
    );

    // Only AirSyncBase children: the hint decides, Email without one.
    let doc = xml_doc(
        "<airsyncbase:Body><airsyncbase:Type>2</airsyncbase:Type>\
         <airsyncbase:Data>&lt;p&gt;x&lt;/p&gt;</airsyncbase:Data></airsyncbase:Body>",
    );
    let mut opts = strict(ProtocolVersion::V14_1);
    let item: ApplicationData = decode(&doc, opts).unwrap();
    assert_eq!(item.class(), Class::Email);
    opts.class_hint = Some(Class::Calendar);
    let item: ApplicationData = decode(&doc, opts).unwrap();
    assert_eq!(item.class(), Class::Calendar);
    assert_eq!(
        calendar(&item).body.as_ref().unwrap().data.as_deref(),
        Some("<p>x</p>")
    );
    // A class page beats the hint.
    let doc = xml_doc("<calendar:Subject>s</calendar:Subject>");
    opts.class_hint = Some(Class::Tasks);
    let item: ApplicationData = decode(&doc, opts).unwrap();
    assert_eq!(calendar(&item).subject.as_deref(), Some("s"));

    // An empty ApplicationData is an empty Email (or the hinted class).
    let doc = xml_doc("");
    let item: ApplicationData = decode(&doc, strict(ProtocolVersion::V14_1)).unwrap();
    assert_eq!(item, ApplicationData::Email(Box::default()));

    // An element of another class in the chosen class is refused, not dropped.
    let doc = xml_doc("<email:Subject>s</email:Subject><calendar:Subject>t</calendar:Subject>");
    let err = decode::<ApplicationData>(&doc, strict(ProtocolVersion::V14_1)).unwrap_err();
    assert!(
        matches!(err, CodecError::UnexpectedElement { tag, .. } if tag == tag!(Calendar::Subject)),
        "{err:?}"
    );
}

#[test]
fn the_same_item_under_other_parents() {
    let note = ApplicationData::from(Note {
        subject: Some("Shopping".into()),
        categories: Some(NoteCategories {
            categories: vec!["Home".into(), "Errands".into()],
        }),
        ..Note::default()
    });
    for parent in [tag!(ItemOperations::Properties), tag!(Search::Properties)] {
        let mut e = Encoder::new(Vec::new(), ProtocolVersion::V14_1).unwrap();
        note.encode(&mut e, parent).unwrap();
        let doc = e.finish().unwrap();
        let (mut d, root) = Decoder::open(&doc, strict(ProtocolVersion::V14_1)).unwrap();
        assert_eq!(root, parent);
        assert_eq!(ApplicationData::decode(&mut d, root).unwrap(), note);
        d.finish().unwrap();
    }
}

// ---- Versions ----

#[test]
fn encoding_leaves_out_what_the_version_lacks() {
    let item = ApplicationData::from(Email {
        subject: Some("Hello".into()),
        body_v25: Some("plain".into()),
        body: Some(Body {
            body_type: Some(1),
            data: Some("plain".into()),
            ..Body::default()
        }),
        conversation_id: Some(eas_codec::codec::Opaque(vec![1, 2, 3])),
        ..Email::default()
    });
    let v25 = encode(&item, ProtocolVersion::V2_5).unwrap();
    let tokens = canon::to_canon(&v25, Limits::default()).unwrap();
    assert!(
        !tokens.contains("S 11:"),
        "no AirSyncBase element: {tokens}"
    );
    let back = decode_as(&v25, ProtocolVersion::V2_5);
    assert_eq!(
        back,
        ApplicationData::from(Email {
            subject: Some("Hello".into()),
            body_v25: Some("plain".into()),
            ..Email::default()
        }),
        "2.5 has neither AirSyncBase nor Email2"
    );

    let v14 = encode(&item, ProtocolVersion::V14_1).unwrap();
    let back: ApplicationData = decode(&v14, strict(ProtocolVersion::V14_1)).unwrap();
    let mail = email(&back);
    assert!(mail.body.is_some() && mail.conversation_id.is_some());
    assert_eq!(mail.body_v25, None, "Email:Body is 2.5 only");

    // The location string until 14.1, the AirSyncBase location from 16.0.
    let appt = ApplicationData::from(Calendar {
        location: Some("Room 1".into()),
        location_v16: Some(Location {
            display_name: Some("Room 1".into()),
            latitude: Some("47.64".into()),
            ..Location::default()
        }),
        ..Calendar::default()
    });
    let back: ApplicationData = decode(
        &encode(&appt, ProtocolVersion::V14_1).unwrap(),
        strict(ProtocolVersion::V14_1),
    )
    .unwrap();
    assert_eq!(calendar(&back).location.as_deref(), Some("Room 1"));
    assert_eq!(calendar(&back).location_v16, None);
    // In 16.0 only AirSyncBase elements remain, so the class comes from the collection.
    let mut opts = strict(ProtocolVersion::V16_0);
    opts.class_hint = Some(Class::Calendar);
    let back: ApplicationData =
        decode(&encode(&appt, ProtocolVersion::V16_0).unwrap(), opts).unwrap();
    assert_eq!(calendar(&back).location, None);
    assert_eq!(
        calendar(&back)
            .location_v16
            .as_ref()
            .unwrap()
            .latitude
            .as_deref(),
        Some("47.64")
    );

    // Strict decoding refuses an AirSyncBase body in 2.5; lenient decoding reads it.
    let err = decode::<ApplicationData>(&v14, strict(ProtocolVersion::V2_5)).unwrap_err();
    assert!(
        matches!(err, CodecError::NotInVersion { tag, .. } if tag == tag!(AirSyncBase::Body)),
        "{err:?}"
    );
    let mut lenient = strict(ProtocolVersion::V2_5);
    lenient.strict_versions = false;
    assert_eq!(
        decode::<ApplicationData>(&v14, lenient).unwrap(),
        decode_as(&v14, ProtocolVersion::V14_1)
    );
}

#[test]
fn draft_attachments_in_16() {
    let draft = ApplicationData::from(Email {
        to: Some("a@example.com".into()),
        attachments: Some(Attachments {
            items: vec![
                AttachmentsItem::Add(AttachmentAdd {
                    client_id: Some("c1".into()),
                    method: Some(1),
                    content_type: Some("text/plain".into()),
                    content: Some(eas_codec::codec::Opaque(b"hi\0\xff".to_vec())),
                    display_name: Some("a.txt".into()),
                    ..AttachmentAdd::default()
                }),
                AttachmentsItem::Delete(AttachmentDelete {
                    file_reference: Some("5%3a1%3a0".into()),
                }),
            ],
        }),
        is_draft: Some(true),
        bcc: Some("b@example.com".into()),
        send: Some(eas_codec::codec::Empty),
        ..Email::default()
    });
    let doc = encode(&draft, ProtocolVersion::V16_1).unwrap();
    assert_eq!(decode_as(&doc, ProtocolVersion::V16_1), draft);
    // 14.1 knows neither Add/Delete in Attachments nor the Email2 draft elements.
    let doc = encode(&draft, ProtocolVersion::V14_1).unwrap();
    assert_eq!(
        decode_as(&doc, ProtocolVersion::V14_1),
        ApplicationData::from(Email {
            to: Some("a@example.com".into()),
            attachments: Some(Attachments::default()),
            ..Email::default()
        })
    );
}

// ---- Every item of the corpus re-encodes to its token stream ----

/// The data items of a document as standalone documents (root: the item's element), with
/// the tags used inside each.
fn extract_items(doc: &[u8]) -> Vec<(Vec<u8>, Vec<Tag>)> {
    let Ok(mut r) = Reader::with_limits(doc, Limits::default()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut cur: Option<(Writer<Vec<u8>>, usize, Vec<Tag>)> = None;
    while let Ok(Some(ev)) = r.next_event() {
        if let Some((w, depth, tags)) = cur.as_mut() {
            match ev {
                Event::Start(s) => {
                    *depth += 1;
                    if let Some((p, t)) = s.token() {
                        tags.push(Tag::new(p, t));
                    }
                    w.write_event(&ev).unwrap();
                }
                Event::End => {
                    *depth -= 1;
                    w.write_event(&ev).unwrap();
                }
                // Through `to_str`, so that a non-UTF-8 document stays the same characters.
                Event::Text(t) => w.text(&t.to_str().unwrap()).unwrap(),
                _ => w.write_event(&ev).unwrap(),
            }
            if *depth == 0 {
                let (w, _, tags) = cur.take().unwrap();
                out.push((w.finish().unwrap(), tags));
            }
        } else if let Event::Start(s) = ev
            && let TagName::Token { page, token } = s.name
            && DATA_PARENTS.contains(&Tag::new(page, token))
        {
            let mut w = Writer::new(Vec::new()).unwrap();
            w.write_event(&ev).unwrap();
            cur = Some((w, 1, Vec::new()));
        }
    }
    out
}

/// The newest version that has every tag used.
fn version_for(tags: &[Tag]) -> Option<ProtocolVersion> {
    ProtocolVersion::ALL
        .into_iter()
        .rev()
        .find(|v| tags.iter().all(|t| t.exists_in(*v)))
}

/// Items whose re-encoding differs from the capture only in the order of some elements'
/// children, because the capture's writer orders them differently from the declaration
/// order chosen (see each module's documentation). The children of the listed elements are
/// compared as multisets; everything else must be identical.
const NORMALISED: &[(&str, &[Tag], &str)] = &[
    (
        "horde/derived/",
        &[tag!(AirSync::ApplicationData), tag!(Calendar::Exception)],
        "Horde's test fixtures write Calendar properties in Horde's own order (e.g. \
         Timezone, AllDayEvent, EndTime, Subject, StartTime), unlike Exchange's",
    ),
    (
        "syncgw/in05.wbxml",
        &[tag!(AirSync::ApplicationData)],
        "Outlook.com (16.1) writes Calendar:AllDayEvent first; Exchange 2010 (MS-ASCMD, the \
         lswbxml Search capture) writes it after BusyStatus, which is the order kept",
    ),
    (
        "dalgleish/calendar-item-with-null-body.wbxml",
        &[tag!(ItemOperations::Properties)],
        "an ItemOperations response from a non-Exchange server (its UID is a GUID, not an \
         Exchange global object id) that writes Calendar properties in its own order \
         (AllDayEvent, Body, BusyStatus, Subject, …)",
    ),
    (
        "activesync-ms-ascmd-045.wbxml",
        &[tag!(AirSyncBase::Body)],
        "MS-ASCMD's Search example puts AirSyncBase:Preview right after Type; the \
         MS-ASAIRS schema and the libwbxml capture put it after Data",
    ),
];

/// Items that are not data-class items: a GAL entry, a document library entry, or an
/// attachment or document fetched by ItemOperations. They are other commands' shapes.
fn not_a_data_class(pages: &[u8]) -> bool {
    ApplicationData::class_of_pages(pages).is_none()
        && pages.iter().any(|p| {
            [
                tag!(Gal::DisplayName).page,
                tag!(DocumentLibrary::LinkId).page,
                tag!(ItemOperations::Data).page,
            ]
            .contains(p)
        })
}

/// Captures whose items do not decode, and why.
const UNDECODABLE: &[(&str, &str)] = &[
    (
        "dalgleish/sync-add.wbxml",
        "a Contacts item whose names are encoded on the Settings page (tokens of the wrong \
         code page), so no Contact field matches",
    ),
    (
        "horde/derived/meeting_request_one.wbxml",
        "the corpus wraps the children of a Horde MeetingRequest fixture directly in an \
         ApplicationData; decoded as a MeetingRequest in `horde_meeting_request_fixture`",
    ),
    (
        "airsync-001.wbxml",
        "a 2.5 Contacts item with token 0x3B of page 1, which MS-ASWBXML does not define",
    ),
];

struct Tree {
    line: String,
    children: Vec<Tree>,
}

fn parse_canon<'a>(lines: &mut impl Iterator<Item = &'a str>, out: &mut Vec<Tree>) {
    while let Some(line) = lines.next() {
        if line == "E" {
            return;
        }
        let mut node = Tree {
            line: line.to_string(),
            children: Vec::new(),
        };
        if line.starts_with("S ") && !line.ends_with('/') {
            parse_canon(lines, &mut node.children);
        }
        out.push(node);
    }
}

fn render(t: &Tree, sort_under: &[Tag], out: &mut String) {
    out.push_str(&t.line);
    out.push('\n');
    let sorted = t
        .line
        .strip_prefix("S ")
        .and_then(|n| {
            let (p, k) = n.split_once(':')?;
            Some(Tag::new(
                u8::from_str_radix(p, 16).ok()?,
                u8::from_str_radix(k, 16).ok()?,
            ))
        })
        .is_some_and(|tag| sort_under.contains(&tag));
    let mut kids: Vec<String> = t
        .children
        .iter()
        .map(|c| {
            let mut s = String::new();
            render(c, sort_under, &mut s);
            s
        })
        .collect();
    if sorted {
        kids.sort();
    }
    for k in kids {
        out.push_str(&k);
    }
    if t.line.starts_with("S ") && !t.line.ends_with('/') {
        out.push_str("E\n");
    }
}

fn normalise(canon: &str, sort_under: &[Tag]) -> String {
    let mut trees = Vec::new();
    parse_canon(&mut canon.lines(), &mut trees);
    let mut out = String::new();
    for t in &trees {
        render(t, sort_under, &mut out);
    }
    out
}

#[test]
fn every_corpus_item_round_trips() {
    let (mut total, mut other_shapes, mut identical, mut normalised) = (0, 0, 0, 0);
    let mut undecodable = Vec::new();
    let mut failures = Vec::new();
    let mut per_class = std::collections::BTreeMap::new();
    let mut reordered = Vec::new();
    for (name, doc) in corpus() {
        for (i, (item, tags)) in extract_items(&doc).into_iter().enumerate() {
            total += 1;
            let mut opts = DecodeOptions::new(ProtocolVersion::LATEST);
            opts.strict_versions = false;
            let (mut d, root) = Decoder::open(&item, opts).unwrap();
            if not_a_data_class(&d.peek_child_pages().unwrap()) {
                other_shapes += 1;
                continue;
            }
            let value = match ApplicationData::decode(&mut d, root).and_then(|v| {
                d.finish()?;
                Ok(v)
            }) {
                Ok(v) => v,
                Err(e) => {
                    undecodable.push(format!("{name} #{i}: {e}"));
                    continue;
                }
            };
            *per_class.entry(format!("{:?}", value.class())).or_insert(0) += 1;
            let Some(version) = version_for(&tags) else {
                failures.push(format!("{name} #{i}: no version has all its tags"));
                continue;
            };
            // Strict decoding for that version agrees.
            let (mut d, _) = Decoder::open(&item, DecodeOptions::new(version)).unwrap();
            assert_eq!(
                ApplicationData::decode(&mut d, root).unwrap(),
                value,
                "{name} #{i}"
            );

            let mut e = Encoder::new(Vec::new(), version).unwrap();
            value.encode(&mut e, root).unwrap();
            let back = e.finish().unwrap();
            let expected = canon::to_canon(&item, Limits::default()).unwrap();
            let got = canon::to_canon(&back, Limits::default()).unwrap();
            if got == expected {
                identical += 1;
                continue;
            }
            match NORMALISED.iter().find(|(f, _, _)| name.contains(f)) {
                Some((f, under, _)) if normalise(&got, under) == normalise(&expected, under) => {
                    normalised += 1;
                    reordered.push((*f, format!("{name} #{i}")));
                }
                _ => failures.push(format!(
                    "{name} #{i} ({version}): token stream changed\n\
                     --- capture\n{}--- re-encoded\n{}",
                    normalise(&expected, &[]),
                    normalise(&got, &[])
                )),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    for u in &undecodable {
        assert!(
            UNDECODABLE.iter().any(|(f, _)| u.contains(f)),
            "unexpected decode failure: {u}"
        );
    }
    eprintln!(
        "{total} ApplicationData/Properties elements: {other_shapes} not data-class items, \
         {} undecodable ({undecodable:?}), {identical} re-encoded identically, {normalised} \
         identical after reordering children as listed ({:?}); by class {per_class:?}",
        undecodable.len(),
        reordered.iter().map(|(_, n)| n).collect::<Vec<_>>()
    );
    if shared_corpus().is_some() {
        // Every exemption is still needed.
        for (f, _, why) in NORMALISED {
            assert!(
                reordered.iter().any(|(g, _)| g == f),
                "{f} re-encodes identically now; drop its exemption ({why})"
            );
        }
        for (f, _) in UNDECODABLE {
            assert!(
                undecodable.iter().any(|u| u.contains(f)),
                "{f} decodes now; drop it from UNDECODABLE"
            );
        }
        assert!(
            identical >= 550,
            "only {identical} items re-encoded identically"
        );
    } else {
        assert!(
            identical >= 500,
            "only {identical} items re-encoded identically"
        );
    }
}

#[test]
fn absent_and_empty_stay_distinct() {
    let doc = xml_doc(
        "<email:Cc></email:Cc><email:Subject/>\
         <airsyncbase:Body><airsyncbase:Type>1</airsyncbase:Type>\
         <airsyncbase:Data/></airsyncbase:Body>\
         <email:Flag/>",
    );
    let item: ApplicationData = decode(&doc, strict(ProtocolVersion::V14_1)).unwrap();
    let mail = email(&item);
    assert_eq!(mail.subject.as_deref(), Some(""));
    assert_eq!(mail.cc.as_deref(), Some(""));
    assert_eq!(mail.to, None);
    assert_eq!(mail.flag, Some(Flag::default()));
    assert_eq!(mail.body.as_ref().unwrap().data.as_deref(), Some(""));
    let again = encode(&item, ProtocolVersion::V14_1).unwrap();
    assert_eq!(
        canon::to_canon(&again, Limits::default()).unwrap(),
        canon::to_canon(&doc, Limits::default()).unwrap()
    );
}

/// Every element of the data-class code pages is a field of some data struct, so none is
/// refused for lack of a field. Checked on the source text, where each field names its tag.
#[test]
fn every_data_class_element_has_a_field() {
    let src = [
        include_str!("../src/data/airsyncbase.rs"),
        include_str!("../src/data/calendar.rs"),
        include_str!("../src/data/contacts.rs"),
        include_str!("../src/data/email.rs"),
        include_str!("../src/data/notes.rs"),
        include_str!("../src/data/rights.rs"),
        include_str!("../src/data/tasks.rs"),
    ]
    .concat()
    .split_whitespace()
    .collect::<Vec<_>>()
    .join(" ");
    // Elements of these pages that are not item properties: the body preferences are the
    // parents of `BodyPreference` structs in command options, and the RightsManagement
    // elements other than the license belong to Settings and ComposeMail.
    let elsewhere = [
        "AirSyncBase::BodyPreference",
        "AirSyncBase::BodyPartPreference",
        "RightsManagement::RightsManagementSupport",
        "RightsManagement::RightsManagementTemplates",
        "RightsManagement::RightsManagementTemplate",
        "RightsManagement::RemoveRightsManagementProtection",
    ];
    let mut missing = Vec::new();
    for page in eas_codec::pages::PAGES {
        if ![
            "Email",
            "Email2",
            "Calendar",
            "Contacts",
            "Contacts2",
            "Tasks",
            "Notes",
            "AirSyncBase",
            "RightsManagement",
        ]
        .contains(&page.namespace)
        {
            continue;
        }
        for t in page.tags {
            let path = format!("{}::{}", page.namespace, t.name);
            let used = src.contains(&format!("= {path},")) || src.contains(&format!("= {path} }}"));
            if !used && !elsewhere.contains(&path.as_str()) {
                missing.push(path);
            }
        }
    }
    assert!(missing.is_empty(), "no field for {missing:?}");
}

mod roundtrip {
    use super::*;
    use eas_codec::CompactString;
    use proptest::prelude::*;

    fn text() -> impl Strategy<Value = Option<CompactString>> {
        proptest::option::of("[ -~é€\n]{0,40}".prop_map(CompactString::from))
    }

    prop_compose! {
        fn any_email()(
            subject in text(),
            to in text(),
            read in proptest::option::of(any::<bool>()),
            importance in proptest::option::of(0u8..3),
            data in text(),
            cats in proptest::option::of(proptest::collection::vec("[a-z]{0,8}".prop_map(CompactString::from), 0..4)),
            conv in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..16)),
        ) -> Email {
            Email {
                subject,
                to,
                read,
                importance,
                body: data.map(|d| Body { body_type: Some(1), data: Some(d), ..Body::default() }),
                categories: cats.map(|categories| EmailCategories { categories }),
                conversation_id: conv.map(eas_codec::codec::Opaque),
                ..Email::default()
            }
        }
    }

    prop_compose! {
        fn any_calendar()(
            subject in text(),
            emails in proptest::collection::vec(text(), 0..4),
            interval in proptest::option::of(any::<u32>()),
            deleted in proptest::option::of(any::<u8>()),
        ) -> Calendar {
            Calendar {
                subject,
                attendees: (!emails.is_empty()).then(|| Attendees {
                    attendees: emails
                        .into_iter()
                        .map(|email| Attendee { email, ..Attendee::default() })
                        .collect(),
                }),
                recurrence: interval.map(|i| CalendarRecurrence {
                    interval: Some(i),
                    ..CalendarRecurrence::default()
                }),
                exceptions: deleted.map(|d| Exceptions {
                    exceptions: vec![Exception { deleted: Some(d), ..Exception::default() }],
                }),
                ..Calendar::default()
            }
        }
    }

    proptest! {
        #[test]
        fn items_survive_encode_and_decode(
            item in prop_oneof![
                any_email().prop_map(ApplicationData::from),
                any_calendar().prop_map(ApplicationData::from),
            ]
        ) {
            let doc = encode(&item, ProtocolVersion::V16_1).unwrap();
            let mut opts = DecodeOptions::new(ProtocolVersion::V16_1);
            opts.class_hint = Some(item.class());
            let back: ApplicationData = decode(&doc, opts).unwrap();
            prop_assert_eq!(back, item);
        }
    }
}
