//! Meetings (MS-ASCMD MeetingResponse, MS-ASCAL, RFC 5546 iTIP) over the store.
//!
//! Two paths change a calendar:
//!
//! - **Mail in** ([`on_delivery`]): a message carrying `text/calendar` is read after it is
//!   stored, in the same transaction. METHOD:REQUEST puts the meeting in the recipient's
//!   calendar (tentative until answered, as Exchange does, so free/busy shows it) or updates
//!   the copy there; CANCEL marks the copy cancelled or removes the occurrence; REPLY (to
//!   the organizer) sets the attendee's answer, a repeated or older reply changing nothing.
//! - **MeetingResponse** ([`respond`]): the user's answer to a request in the Inbox or to a
//!   calendar item. The calendar copy gets the answer (a decline removes it, or the one
//!   occurrence), the request mail goes to Deleted Items, and at 16.x with `SendResponse`
//!   the iTIP reply is returned for sending (before 16.0 the device sends its own reply with
//!   SendMail, MS-ASCMD 2.2.1.11). Answers are remembered per request, so a device resending
//!   after a lost response gets the same result and the organizer no second mail.

use crate::store::CachedSql as _;
use chrono::{DateTime, Utc};
use eas_codec::ProtocolVersion;
use eas_codec::command::meeting_response::{
    MeetingResponseItem, MeetingResponseResult, MeetingResponseStatus, UserResponse,
};
use eas_model::calendar::itip::{self, Disposition, ProposedTime, Response};
use eas_model::calendar::{
    Appointment, Attendee, AttendeeStatus, BusyStatus, Exception, MeetingStatus, Person,
};
use eas_model::mail::meeting::calendar_text;
use eas_sync_engine::backend::{Backend, FolderClass};
use eas_sync_engine::{BackendError, CollectionId, ItemId};
use rusqlite::{OptionalExtension, params};

use crate::store::mailbox::{Content, Mailbox};

/// The schema this module keeps: answers given per request (duplicate MeetingResponses),
/// and per organizer's meeting the last reply applied per attendee.
pub const SCHEMA: &str = "CREATE TABLE meeting_answers (
        account_id INTEGER NOT NULL,
        collection_id TEXT NOT NULL,
        request_id TEXT NOT NULL,
        instance_id TEXT NOT NULL DEFAULT '',
        response INTEGER NOT NULL,
        calendar_id TEXT,
        answered_at INTEGER NOT NULL,
        PRIMARY KEY (account_id, collection_id, request_id, instance_id)
     );";

/// A message a meeting action sends: from the account, to each recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMail {
    /// Envelope sender.
    pub from: String,
    /// Envelope recipients.
    pub to: Vec<String>,
    /// The message.
    pub mime: Vec<u8>,
}

/// What a delivered message did to the recipient's calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CalendarEffect {
    /// The message carries no meeting, or one this account has nothing to do with.
    None,
    /// A new meeting was put in the calendar.
    Added(ItemId),
    /// The calendar copy was updated (a newer request, a cancellation, a reply).
    Updated(ItemId),
    /// Nothing changed: an older or repeated request, cancellation or reply.
    Unchanged(&'static str),
}

/// Run `f` inside a savepoint of the mailbox's transaction: its changes are kept when it
/// succeeds and undone when it fails, leaving the rest of the transaction as it was.
pub fn in_savepoint<T>(
    mb: &mut Mailbox<'_>,
    f: impl FnOnce(&mut Mailbox<'_>) -> Result<T, BackendError>,
) -> Result<T, BackendError> {
    let unavailable = |e: rusqlite::Error| BackendError::Unavailable(e.to_string());
    mb.connection()
        .execute_batch("SAVEPOINT meeting")
        .map_err(unavailable)?;
    match f(mb) {
        Ok(v) => {
            mb.connection()
                .execute_batch("RELEASE meeting")
                .map_err(unavailable)?;
            Ok(v)
        }
        Err(e) => {
            mb.connection()
                .execute_batch("ROLLBACK TO meeting; RELEASE meeting")
                .map_err(unavailable)?;
            Err(e)
        }
    }
}

/// The wire `ResponseType` (MS-ASCAL 2.2.2.40) of the calendar owner for a stored item:
/// 1 for the organizer, the owner's attendee status for a received meeting, nothing for an
/// appointment.
pub fn response_type(a: &Appointment, owner: &str) -> Option<u32> {
    match a.meeting_status {
        MeetingStatus::Appointment => None,
        MeetingStatus::Organizer | MeetingStatus::Cancelled => Some(1),
        MeetingStatus::Received | MeetingStatus::CancelledReceived => {
            let status = a
                .attendees
                .iter()
                .find(|at| at.person.email.eq_ignore_ascii_case(owner))
                .map(|at| at.status)
                .unwrap_or(AttendeeStatus::NotResponded);
            Some(match status {
                AttendeeStatus::Unknown => 0,
                AttendeeStatus::Tentative => 2,
                AttendeeStatus::Accepted => 3,
                AttendeeStatus::Declined => 4,
                AttendeeStatus::NotResponded => 5,
            })
        }
    }
}

fn invalid(e: eas_model::ModelError) -> BackendError {
    BackendError::InvalidItem(e.to_string())
}

/// Apply the meeting a just-stored message carries (see the module notes). `mail` is the
/// stored message in `folder`.
pub fn on_delivery(
    mb: &mut Mailbox<'_>,
    folder: &CollectionId,
    mail: &ItemId,
) -> Result<CalendarEffect, BackendError> {
    let row = mb.load_item_with(folder, mail, Content::View)?;
    let Some((method, text)) = calendar_text(&row.content) else {
        return Ok(CalendarEffect::None);
    };
    let owner = mb.owner().to_string();
    match method.as_str() {
        "REQUEST" => on_request(mb, &owner, &text),
        "CANCEL" => on_cancel(mb, &owner, &text),
        "REPLY" => on_reply(mb, &text),
        _ => Ok(CalendarEffect::None),
    }
}

fn is_owner(person: Option<&Person>, owner: &str) -> bool {
    person.is_some_and(|p| p.email.eq_ignore_ascii_case(owner))
}

/// The owner's attendee entry, added when the invitation did not list them (a forward, a
/// distribution list).
fn me<'a>(a: &'a mut Appointment, owner: &str) -> &'a mut Attendee {
    let index = match a
        .attendees
        .iter()
        .position(|at| at.person.email.eq_ignore_ascii_case(owner))
    {
        Some(i) => i,
        None => {
            a.attendees.push(Attendee {
                person: Person {
                    name: None,
                    email: owner.to_string(),
                },
                status: AttendeeStatus::NotResponded,
                ..Attendee::default()
            });
            a.attendees.len() - 1
        }
    };
    &mut a.attendees[index]
}

fn calendar_folder(mb: &Mailbox<'_>) -> Result<Option<CollectionId>, BackendError> {
    mb.folder_of_type(8)
}

fn load_appointment(
    mb: &Mailbox<'_>,
    folder: &CollectionId,
    id: &ItemId,
) -> Result<Appointment, BackendError> {
    let row = mb.load_item_with(folder, id, Content::Full)?;
    Appointment::from_icalendar(&String::from_utf8_lossy(&row.content), Some(mb.owner()))
        .map_err(invalid)
}

fn on_request(
    mb: &mut Mailbox<'_>,
    owner: &str,
    text: &str,
) -> Result<CalendarEffect, BackendError> {
    let Ok(mut incoming) = Appointment::from_icalendar(text, Some(owner)) else {
        return Ok(CalendarEffect::Unchanged("unreadable invitation"));
    };
    let Some(uid) = incoming.uid.clone() else {
        return Ok(CalendarEffect::Unchanged("invitation without UID"));
    };
    if is_owner(incoming.organizer.as_ref(), owner) {
        // The organizer's own invitation (sent to themselves, or a copy): their calendar
        // already has the meeting.
        return Ok(CalendarEffect::Unchanged("own invitation"));
    }
    incoming.meeting_status = MeetingStatus::Received;
    match mb.find_by_uid(FolderClass::Calendar, &uid)? {
        Some((folder, id)) => {
            let stored = load_appointment(mb, &folder, &id)?;
            if incoming.sequence < stored.sequence {
                return Ok(CalendarEffect::Unchanged("older revision"));
            }
            // Same revision: the answer stands. A new revision (times moved) asks again.
            let answer = stored
                .attendees
                .iter()
                .find(|at| at.person.email.eq_ignore_ascii_case(owner))
                .map(|at| at.status);
            if incoming.sequence == stored.sequence
                && let Some(status) = answer
            {
                me(&mut incoming, owner).status = status;
                incoming.busy_status = stored.busy_status;
            } else {
                me(&mut incoming, owner).status = AttendeeStatus::NotResponded;
                incoming.busy_status = Some(BusyStatus::Tentative);
            }
            mb.replace_pim_text(&folder, &id, &incoming.to_icalendar(None))?;
            Ok(CalendarEffect::Updated(id))
        }
        None => {
            me(&mut incoming, owner).status = AttendeeStatus::NotResponded;
            incoming.busy_status = Some(BusyStatus::Tentative);
            if calendar_folder(mb)?.is_none() {
                return Ok(CalendarEffect::Unchanged("no calendar"));
            }
            let stored = mb.add_pim_text(8, &incoming.to_icalendar(None))?;
            Ok(CalendarEffect::Added(stored.item))
        }
    }
}

fn on_cancel(
    mb: &mut Mailbox<'_>,
    owner: &str,
    text: &str,
) -> Result<CalendarEffect, BackendError> {
    let Ok(incoming) = Appointment::from_icalendar(text, Some(owner)) else {
        return Ok(CalendarEffect::Unchanged("unreadable cancellation"));
    };
    let Some(uid) = incoming.uid.as_deref() else {
        return Ok(CalendarEffect::Unchanged("cancellation without UID"));
    };
    let Some((folder, id)) = mb.find_by_uid(FolderClass::Calendar, uid)? else {
        return Ok(CalendarEffect::Unchanged("meeting not in the calendar"));
    };
    let mut stored = load_appointment(mb, &folder, &id)?;
    if is_owner(stored.organizer.as_ref(), owner) {
        return Ok(CalendarEffect::Unchanged("own meeting"));
    }
    match itip::apply_cancel(&mut stored, text).map_err(invalid)? {
        Disposition::Apply => {
            mb.replace_pim_text(&folder, &id, &stored.to_icalendar(None))?;
            Ok(CalendarEffect::Updated(id))
        }
        Disposition::Stale => Ok(CalendarEffect::Unchanged("older cancellation")),
        Disposition::Duplicate => Ok(CalendarEffect::Unchanged("repeated cancellation")),
    }
}

fn on_reply(mb: &mut Mailbox<'_>, text: &str) -> Result<CalendarEffect, BackendError> {
    let Ok(reply) = itip::parse_reply(text) else {
        return Ok(CalendarEffect::Unchanged("unreadable reply"));
    };
    let Some((folder, id)) = mb.find_by_uid(FolderClass::Calendar, &reply.uid)? else {
        return Ok(CalendarEffect::Unchanged("meeting not in the calendar"));
    };
    let mut stored = load_appointment(mb, &folder, &id)?;
    if !is_owner(stored.organizer.as_ref(), mb.owner()) {
        return Ok(CalendarEffect::Unchanged("not the organizer"));
    }
    match itip::classify_reply(&stored, None, &reply).map_err(invalid)? {
        Disposition::Apply => {
            itip::apply_reply(&mut stored, &reply);
            mb.replace_pim_text(&folder, &id, &stored.to_icalendar(None))?;
            Ok(CalendarEffect::Updated(id))
        }
        Disposition::Stale => Ok(CalendarEffect::Unchanged("older reply")),
        Disposition::Duplicate => Ok(CalendarEffect::Unchanged("repeated reply")),
    }
}

/// Everything one MeetingResponse request needs besides the mailbox.
#[derive(Debug, Clone)]
pub struct ResponseContext<'a> {
    /// The protocol version of the request.
    pub version: ProtocolVersion,
    /// The account's display name, for the reply's From.
    pub display_name: Option<&'a str>,
    /// The right-hand side of generated Message-IDs.
    pub message_id_domain: &'a str,
}

/// Answer one MeetingResponse `Request`: the result for the device and the mail to send.
/// Store failures are status 3 (the device may retry); what cannot be answered is 2.
pub fn respond(
    mb: &mut Mailbox<'_>,
    req: &MeetingResponseItem,
    ctx: &ResponseContext<'_>,
) -> (MeetingResponseResult, Vec<OutgoingMail>) {
    let mut result = MeetingResponseResult {
        request_id: req.request_id.clone(),
        long_id: req.long_id.clone(),
        status: MeetingResponseStatus::Success,
        calendar_id: None,
        instance_id: req.instance_id.clone(),
    };
    let mut refusal = None;
    let answered = in_savepoint(mb, |mb| {
        answer(mb, req, ctx).map_err(|r| {
            // Undo the request's partial changes; say why afterwards.
            let e = match &r {
                Refusal::Invalid(why) => BackendError::InvalidItem(why.clone()),
                Refusal::Store(e) => e.clone(),
            };
            refusal = Some(r);
            e
        })
    });
    let outcome = match (answered, refusal) {
        (Ok(v), _) => Ok(v),
        (Err(_), Some(r)) => Err(r),
        (Err(e), None) => Err(Refusal::Store(e)),
    };
    match outcome {
        Ok((calendar_id, mail)) => {
            result.calendar_id = calendar_id.map(|c| c.0.into());
            (result, mail)
        }
        Err(Refusal::Invalid(why)) => {
            tracing::info!(why, "MeetingResponse refused");
            result.status = MeetingResponseStatus::InvalidMeetingRequest;
            (result, Vec::new())
        }
        Err(Refusal::Store(e)) => {
            tracing::warn!(error = %e, "MeetingResponse failed");
            result.status = MeetingResponseStatus::MailboxError;
            (result, Vec::new())
        }
    }
}

enum Refusal {
    Invalid(String),
    Store(BackendError),
}

impl From<BackendError> for Refusal {
    fn from(e: BackendError) -> Self {
        match e {
            BackendError::NoItem { .. } | BackendError::NoFolder(_) => {
                Refusal::Invalid(e.to_string())
            }
            BackendError::InvalidItem(why) => Refusal::Invalid(why),
            other => Refusal::Store(other),
        }
    }
}

fn store_err(e: rusqlite::Error) -> Refusal {
    Refusal::Store(BackendError::Unavailable(e.to_string()))
}

fn user_response(r: UserResponse) -> Option<Response> {
    match r {
        UserResponse::Accepted => Some(Response::Accept),
        UserResponse::Tentative => Some(Response::Tentative),
        UserResponse::Declined => Some(Response::Decline),
        _ => None,
    }
}

fn response_code(r: Response) -> i64 {
    match r {
        Response::Accept => 1,
        Response::Tentative => 2,
        Response::Decline => 3,
    }
}

type Answered = (Option<ItemId>, Vec<OutgoingMail>);

fn answer(
    mb: &mut Mailbox<'_>,
    req: &MeetingResponseItem,
    ctx: &ResponseContext<'_>,
) -> Result<Answered, Refusal> {
    if req.long_id.is_some() {
        return Err(Refusal::Invalid(
            "LongId names a search result; answer from the folder".into(),
        ));
    }
    let (Some(collection), Some(request)) =
        (req.collection_id.as_deref(), req.request_id.as_deref())
    else {
        return Err(Refusal::Invalid(
            "CollectionId and RequestId are required".into(),
        ));
    };
    let Some(response) = user_response(req.user_response) else {
        return Err(Refusal::Invalid("UserResponse is not 1, 2 or 3".into()));
    };
    let instance_key = req.instance_id.as_deref().unwrap_or("").to_string();
    let account = mb.account();
    // A device that lost our answer asks again: give the same answer, send nothing.
    let earlier: Option<(i64, Option<String>)> = mb
        .connection()
        .cached_row(
            "SELECT response, calendar_id FROM meeting_answers
             WHERE account_id = ?1 AND collection_id = ?2 AND request_id = ?3
               AND instance_id = ?4",
            params![account, collection, request, instance_key],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(store_err)?;
    if let Some((code, calendar_id)) = earlier
        && code == response_code(response)
    {
        return Ok((calendar_id.map(ItemId), Vec::new()));
    }

    let folder = CollectionId(collection.to_string());
    let item = ItemId(request.to_string());
    let class = mb.folder_class(&folder)?;
    let occurrence = match req.instance_id.as_deref() {
        Some(text) => Some(
            eas_model::datetime::parse(text, "InstanceId")
                .map_err(|e| Refusal::Invalid(e.to_string()))?,
        ),
        None => None,
    };
    let (invitation, request_mail) = match class {
        FolderClass::Email => {
            if occurrence.is_some() {
                // MS-ASCMD 2.2.3.177.9: InstanceId on a meeting request mail is status 2.
                return Err(Refusal::Invalid(
                    "InstanceId on a meeting request mail".into(),
                ));
            }
            let row = mb.load_item_with(&folder, &item, Content::View)?;
            let Some((method, text)) = calendar_text(&row.content) else {
                return Err(Refusal::Invalid("not a meeting request".into()));
            };
            if method != "REQUEST" {
                return Err(Refusal::Invalid(format!("a {method} is not a request")));
            }
            let a = Appointment::from_icalendar(&text, Some(mb.owner()))
                .map_err(|e| Refusal::Invalid(e.to_string()))?;
            (a, true)
        }
        FolderClass::Calendar => (load_appointment(mb, &folder, &item)?, false),
        _ => return Err(Refusal::Invalid("not mail or calendar".into())),
    };
    let owner = mb.owner().to_string();
    if is_owner(invitation.organizer.as_ref(), &owner) || invitation.organizer.is_none() {
        return Err(Refusal::Invalid("the user is the organizer".into()));
    }
    let Some(uid) = invitation.uid.clone() else {
        return Err(Refusal::Invalid("meeting without UID".into()));
    };
    if let Some(orig) = occurrence
        && !is_occurrence(&invitation, orig)
    {
        return Err(Refusal::Invalid("no such occurrence".into()));
    }

    // The calendar copy: the one delivery made, or (if the user deleted it meanwhile) a new
    // one from the request.
    let copy = match class {
        FolderClass::Calendar => Some((folder.clone(), item.clone())),
        _ => mb.find_by_uid(FolderClass::Calendar, &uid)?,
    };
    let mut calendar_id = None;
    match (response, occurrence, copy) {
        (Response::Decline, None, Some((cal_folder, cal_item))) => {
            Backend::delete(mb, &cal_folder, &cal_item, false)?;
        }
        (Response::Decline, None, None) => {}
        (_, _, copy) => {
            let (cal_folder, cal_item, mut a) = match copy {
                Some((f, i)) => {
                    let a = load_appointment(mb, &f, &i)?;
                    (f, i, a)
                }
                None => {
                    let mut a = invitation.clone();
                    a.meeting_status = MeetingStatus::Received;
                    me(&mut a, &owner).status = AttendeeStatus::NotResponded;
                    let stored = mb.add_pim_text(8, &a.to_icalendar(None))?;
                    (stored.folder, stored.item, a)
                }
            };
            match occurrence {
                None => {
                    me(&mut a, &owner).status = response.status();
                    a.busy_status = Some(match response {
                        Response::Tentative => BusyStatus::Tentative,
                        _ => BusyStatus::Busy,
                    });
                }
                Some(orig) => answer_occurrence(&mut a, &owner, orig, response),
            }
            mb.replace_pim_text(&cal_folder, &cal_item, &a.to_icalendar(None))?;
            if response != Response::Decline {
                calendar_id = Some(cal_item);
            }
        }
    }
    if request_mail {
        // The request has been answered: it leaves the Inbox, as in Exchange.
        Backend::delete(mb, &folder, &item, true)?;
    }

    let mut outgoing = Vec::new();
    if ctx.version >= ProtocolVersion::V16_0
        && let Some(send) = &req.send_response
    {
        let proposed = match (&send.proposed_start_time, &send.proposed_end_time) {
            (Some(s), Some(e)) => Some(ProposedTime {
                start: eas_model::datetime::parse(s, "ProposedStartTime")
                    .map_err(|e| Refusal::Invalid(e.to_string()))?,
                end: eas_model::datetime::parse(e, "ProposedEndTime")
                    .map_err(|e| Refusal::Invalid(e.to_string()))?,
            }),
            _ => None,
        };
        let note = send
            .body
            .as_ref()
            .and_then(|b| b.data.as_deref())
            .map(str::to_string);
        let now = mb.now();
        let message_id = format!(
            "meeting-reply-{}-{}@{}",
            account,
            now.timestamp_nanos_opt().unwrap_or_default(),
            ctx.message_id_domain
        );
        let mime = itip::reply_mail(
            &invitation,
            &owner,
            ctx.display_name,
            response,
            proposed,
            occurrence,
            note.as_deref(),
            now,
            &message_id,
        )
        .map_err(|e| Refusal::Invalid(e.to_string()))?;
        if let Some(organizer) = &invitation.organizer {
            outgoing.push(OutgoingMail {
                from: owner.clone(),
                to: vec![organizer.email.clone()],
                mime,
            });
        }
    }

    mb.connection()
        .cached_execute(
            "INSERT INTO meeting_answers (account_id, collection_id, request_id, instance_id,
                response, calendar_id, answered_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (account_id, collection_id, request_id, instance_id) DO UPDATE SET
                response = excluded.response, calendar_id = excluded.calendar_id,
                answered_at = excluded.answered_at",
            params![
                account,
                collection,
                request,
                instance_key,
                response_code(response),
                calendar_id.as_ref().map(|c| c.0.clone()),
                mb.now().timestamp()
            ],
        )
        .map_err(store_err)?;
    Ok((calendar_id, outgoing))
}

/// Whether `orig` is an occurrence of the meeting (its start, or an instance of its
/// recurrence).
fn is_occurrence(a: &Appointment, orig: DateTime<Utc>) -> bool {
    a.exceptions.iter().any(|e| e.original_start == orig)
        || a.occurrences(orig + chrono::Duration::seconds(1))
            .contains(&orig)
}

/// The owner's answer for one occurrence: a deleted exception for a decline, else a
/// modified exception carrying the answer.
fn answer_occurrence(a: &mut Appointment, owner: &str, orig: DateTime<Utc>, response: Response) {
    a.exceptions.retain(|e| e.original_start != orig);
    if response == Response::Decline {
        a.exceptions.push(Exception::deleted(orig));
        return;
    }
    let mut copy = a.clone();
    me(&mut copy, owner).status = response.status();
    let attendees = copy.attendees;
    let mut ex = Exception::modified(orig);
    ex.busy_status = Some(match response {
        Response::Tentative => BusyStatus::Tentative,
        _ => BusyStatus::Busy,
    });
    ex.attendees = Some(attendees);
    a.exceptions.push(ex);
}
