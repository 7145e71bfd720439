//! Looking people and mail up: Search of the global address list and of the mailbox
//! (MS-ASCMD 2.2.1.16) and ResolveRecipients with free/busy (2.2.1.15).
//!
//! The global address list of an account is the accounts of its own domain. Names match by
//! prefix, case-insensitively, on the display name, each word of it, the local part and the
//! address. Free/busy is merged from the recipient's calendar (meetings and appointments,
//! recurrences expanded, declined and cancelled meetings left out) into 30-minute slots,
//! one digit each (MS-ASCMD 2.2.3.107): 0 free, 1 tentative, 2 busy, 3 out of office
//! (4 is "no data", never given for a calendar on this server). An item shorter than a
//! slot, or several overlapping, give the slot the highest digit, as the spec says.
//! MS-ASCMD has no digit for "working elsewhere" (MS-ASCAL BusyStatus 4): such an item is
//! shown tentative, since the person is at work but their time is claimed.
//!
//! Pictures and S/MIME certificates are kept per account in the directory
//! (`eas-server account picture|certificate`) and returned by Search (GAL),
//! ResolveRecipients and Find within the phone's `MaxSize`/`MaxPictures`/`MaxCertificates`.

use chrono::{DateTime, Duration, Utc};
use eas_codec::command::resolve::{
    Availability, AvailabilityStatus, Certificates, CertificatesStatus, PictureStatus, Recipient,
    RecipientResolveStatus, RecipientResponse,
};
use eas_codec::command::search::{Comparison, GalProperties, QueryTerm, SearchQuery};
use eas_model::calendar::{Appointment, AttendeeStatus, BusyStatus};
use eas_model::contact::ContactItem;
use eas_sync_engine::backend::{Backend, FolderClass};
use eas_sync_engine::{BackendError, CollectionId, ItemId};

use crate::accounts::{AccountId, Directory, DirectoryError};
use crate::store::mailbox::{Content, Mailbox};

/// One person the GAL knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// The display name (the address when the account has none).
    pub display_name: String,
    /// The SMTP address.
    pub address: String,
    /// The account's row id, for free/busy; `None` for a contact.
    pub account: Option<i64>,
    /// A contact's photo (accounts' pictures are read from the directory when asked for).
    pub picture: Option<Vec<u8>>,
}

/// Whether `query` names `person`: a prefix of the display name, of one of its words, of
/// the local part or of the address (ASCII case-insensitive; Unicode lower-cased).
pub fn matches(person: &Person, query: &str) -> bool {
    let q = query.trim().to_lowercase();
    if q.is_empty() {
        return false;
    }
    let name = person.display_name.to_lowercase();
    let address = person.address.to_lowercase();
    name.starts_with(&q)
        || name.split_whitespace().any(|w| w.starts_with(&q))
        || address.starts_with(&q)
}

/// The GAL properties of a person.
pub fn gal_properties(p: &Person) -> GalProperties {
    let mut words = p.display_name.split_whitespace();
    let first = words.next().map(str::to_string);
    let rest: Vec<&str> = words.collect();
    GalProperties {
        display_name: Some(p.display_name.as_str().into()),
        email_address: Some(p.address.as_str().into()),
        alias: p.address.split('@').next().map(Into::into),
        first_name: first.filter(|_| !rest.is_empty()).map(Into::into),
        last_name: (!rest.is_empty()).then(|| rest.join(" ").into()),
        ..GalProperties::default()
    }
}

/// A `Range` `m-n` (0-based, inclusive); `default` when absent; `None` when malformed.
pub fn parse_range(range: Option<&str>, default: (usize, usize)) -> Option<(usize, usize)> {
    let Some(text) = range else {
        return Some(default);
    };
    let (a, b) = text.trim().split_once('-')?;
    let (a, b) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
    (a <= b).then_some((a, b))
}

/// The people in the account's contacts (one per address).
pub fn contacts(mb: &Mailbox<'_>) -> Result<Vec<Person>, BackendError> {
    let mut out = Vec::new();
    for text in mb.texts_of_class(FolderClass::Contacts)? {
        let Ok(c) = ContactItem::from_vcard(&text) else {
            continue;
        };
        let name = c.display_name();
        for email in c.emails.iter().flatten() {
            let email = email.trim();
            if email.contains('@') {
                out.push(Person {
                    display_name: if name.trim().is_empty() {
                        email.to_string()
                    } else {
                        name.clone()
                    },
                    address: email.to_string(),
                    account: None,
                    picture: c.picture.clone(),
                });
            }
        }
    }
    Ok(out)
}

/// The merged free/busy string of `account`'s calendar for `[start, end)`.
pub fn merged_free_busy(
    mb: &Mailbox<'_>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<String, BackendError> {
    let slot = Duration::minutes(30);
    let slots = usize::try_from(((end - start).num_minutes() + 29) / 30).unwrap_or(0);
    let mut digits = vec![0u8; slots];
    let owner = mb.owner().to_string();
    for text in mb.texts_of_class(FolderClass::Calendar)? {
        let Ok(a) = Appointment::from_icalendar(&text, Some(&owner)) else {
            continue;
        };
        if a.meeting_status.is_cancelled() {
            continue;
        }
        let mine = a
            .attendees
            .iter()
            .find(|at| at.person.email.eq_ignore_ascii_case(&owner))
            .map(|at| at.status);
        if mine == Some(AttendeeStatus::Declined) {
            continue;
        }
        let digit = match a.busy_status {
            Some(BusyStatus::Free) => continue,
            Some(BusyStatus::Tentative) => 1,
            None | Some(BusyStatus::Busy) => 2,
            Some(BusyStatus::OutOfOffice) => 3,
            Some(BusyStatus::WorkingElsewhere) => 1,
        };
        let length = a.when.end_utc(a.tz) - a.when.start_utc(a.tz);
        for occurrence in a.occurrences(end) {
            let occ_end = occurrence + length;
            if occ_end <= start || occurrence >= end {
                continue;
            }
            for (i, d) in digits.iter_mut().enumerate() {
                let s = start + slot * i32::try_from(i).unwrap_or(i32::MAX);
                let e = s + slot;
                if occurrence < e && occ_end > s && digit > *d {
                    *d = digit;
                }
            }
        }
    }
    Ok(digits.iter().map(|d| char::from(b'0' + d)).collect())
}

/// A free/busy window a device may ask for: start before end, at most 42 days
/// (MS-ASCMD 2.2.3.162.1 and Exchange's limit).
pub fn availability_window(start: &str, end: &str) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let s = eas_model::datetime::parse(start, "StartTime").ok()?;
    let e = eas_model::datetime::parse(end, "EndTime").ok()?;
    (s < e && e - s <= Duration::days(42)).then_some((s, e))
}

/// The answer for one `To`: resolved (one match), ambiguous (several, at most `max`
/// listed), or not resolved. A resolved recipient gets its free/busy when a window is
/// given.
pub fn resolve_one(
    to: &str,
    candidates: &[Person],
    max: usize,
    free_busy: &dyn Fn(&Person) -> Option<Availability>,
) -> RecipientResponse {
    let wanted = to.trim();
    // An exact address wins; otherwise every name match.
    let exact: Vec<&Person> = candidates
        .iter()
        .filter(|p| p.address.eq_ignore_ascii_case(wanted))
        .collect();
    let mut found: Vec<&Person> = if exact.is_empty() {
        candidates.iter().filter(|p| matches(p, wanted)).collect()
    } else {
        exact
    };
    // One address, once: a colleague also in the contacts is the GAL entry.
    let mut seen = std::collections::HashSet::new();
    found.retain(|p| seen.insert(p.address.to_lowercase()));
    let count = found.len();
    let status = match count {
        0 => RecipientResolveStatus::NotResolved,
        1 => RecipientResolveStatus::Success,
        n if n <= max => RecipientResolveStatus::Ambiguous,
        _ => RecipientResolveStatus::AmbiguousPartial,
    };
    RecipientResponse {
        to: wanted.into(),
        status,
        recipient_count: Some(u32::try_from(count).unwrap_or(u32::MAX)),
        recipient: found
            .into_iter()
            .take(max.max(1))
            .map(|p| Recipient {
                recipient_type: if p.account.is_some() { 1 } else { 2 },
                display_name: p.display_name.as_str().into(),
                email_address: p.address.as_str().into(),
                // Free/busy only for a name that resolved to one person (MS-ASCMD
                // 2.2.3.183): suggestions for an ambiguous name get none.
                availability: if count == 1 { free_busy(p) } else { None },
                certificates: None,
                picture: None,
            })
            .collect(),
    }
}

/// A free/busy answer for a person whose calendar is `mb`.
pub fn availability(mb: &Mailbox<'_>, window: (DateTime<Utc>, DateTime<Utc>)) -> Availability {
    match merged_free_busy(mb, window.0, window.1) {
        Ok(s) => Availability {
            status: AvailabilityStatus::Success,
            merged_free_busy: Some(s.into()),
        },
        Err(e) => {
            tracing::warn!(error = %e, "free/busy unreadable");
            Availability {
                status: AvailabilityStatus::TransientFailure,
                merged_free_busy: None,
            }
        }
    }
}

/// A phone's limits on contact pictures (Search, ResolveRecipients and Find `Picture`):
/// the largest picture in bytes and how many pictures in one response; `None` is no limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PictureLimits {
    /// `MaxSize`.
    pub max_size: Option<u32>,
    /// `MaxPictures`.
    pub max_pictures: Option<u32>,
}

/// The picture answer for each entry of `stored`, in order (MS-ASCMD 2.2.3.177.x): no
/// picture (173), larger than `MaxSize` (174), past `MaxPictures` (175, once that many were
/// returned), or the picture.
pub fn picture_answers(
    stored: Vec<Option<Vec<u8>>>,
    limits: PictureLimits,
) -> Vec<(PictureStatus, Option<Vec<u8>>)> {
    let mut returned: u32 = 0;
    stored
        .into_iter()
        .map(|picture| match picture {
            None => (PictureStatus::NoPicture, None),
            Some(p)
                if limits
                    .max_size
                    .is_some_and(|m| u32::try_from(p.len()).map_or(true, |len| len > m)) =>
            {
                (PictureStatus::PictureTooLarge, None)
            }
            Some(_) if limits.max_pictures.is_some_and(|m| returned >= m) => {
                (PictureStatus::PictureLimitReached, None)
            }
            Some(p) => {
                returned += 1;
                (PictureStatus::Success, Some(p))
            }
        })
        .collect()
}

/// The stored pictures of `people` (none for contacts), in order.
pub fn stored_pictures(
    dir: &Directory,
    people: &[Option<i64>],
) -> Result<Vec<Option<Vec<u8>>>, DirectoryError> {
    people
        .iter()
        .map(|account| match account {
            Some(id) => dir.picture(AccountId(*id)),
            None => Ok(None),
        })
        .collect()
}

/// The stored certificates (DER) of `people` (none for contacts), in order.
pub fn stored_certificates(
    dir: &Directory,
    people: &[Option<i64>],
) -> Result<Vec<Option<Vec<u8>>>, DirectoryError> {
    people
        .iter()
        .map(|account| match account {
            Some(id) => dir.certificate(AccountId(*id)),
            None => Ok(None),
        })
        .collect()
}

/// The `Certificates` of one recipient from its stored certificate (DER). Both retrieval
/// forms (2 full, 3 mini) get the full certificate: the mini-certificate is an Exchange
/// BLOB whose layout MS-ASCMD does not define. `budget` is what remains of `MaxCertificates`;
/// past it the recipient gets status 8 with the count not returned.
pub fn certificates_answer(der: Option<Vec<u8>>, budget: &mut Option<u32>) -> Certificates {
    match der {
        None => Certificates {
            status: CertificatesStatus::NoValidCertificate,
            certificate_count: Some(0),
            ..Certificates::default()
        },
        Some(_) if *budget == Some(0) => Certificates {
            status: CertificatesStatus::CertificateLimitReached,
            certificate_count: Some(1),
            ..Certificates::default()
        },
        Some(der) => {
            if let Some(b) = budget.as_mut() {
                *b -= 1;
            }
            Certificates {
                status: CertificatesStatus::Success,
                certificate_count: Some(1),
                certificate: vec![
                    base64::Engine::encode(&base64::engine::general_purpose::STANDARD, der).into(),
                ],
                ..Certificates::default()
            }
        }
    }
}

/// What a mailbox Search query asks, read from its terms.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MailQuery {
    /// Words that must all appear (subject, body, sender, recipients).
    pub words: Vec<String>,
    /// The folder to search; all mail folders when `None`.
    pub folder: Option<CollectionId>,
    /// Received after.
    pub after: Option<DateTime<Utc>>,
    /// Received before.
    pub before: Option<DateTime<Utc>>,
    /// A class other than Email was asked for.
    pub other_class: bool,
}

/// Read a mailbox query (`And` of `Class`, `CollectionId`, `FreeText`, and `GreaterThan` /
/// `LessThan` on `DateReceived`). `None` when it holds something else.
pub fn mail_query(query: &SearchQuery) -> Option<MailQuery> {
    let mut q = MailQuery::default();
    match query {
        SearchQuery::Text(t) => q.words = words(t),
        SearchQuery::Terms(terms) => {
            for t in terms {
                collect(t, &mut q)?;
            }
        }
    }
    Some(q)
}

fn words(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_lowercase).collect()
}

fn collect(term: &QueryTerm, q: &mut MailQuery) -> Option<()> {
    match term {
        QueryTerm::And(g) => {
            for t in &g.terms {
                collect(t, q)?;
            }
        }
        // An Or of one term is that term; more is beyond what mailbox search takes.
        QueryTerm::Or(g) if g.terms.len() == 1 => collect(&g.terms[0], q)?,
        QueryTerm::Or(_) | QueryTerm::ConversationId(_) | QueryTerm::EqualTo(_) => return None,
        QueryTerm::FreeText(t) => q.words.extend(words(t)),
        QueryTerm::Class(c) => q.other_class |= !c.eq_ignore_ascii_case("Email"),
        QueryTerm::CollectionId(c) => q.folder = Some(CollectionId(c.clone())),
        QueryTerm::GreaterThan(c) => q.after = Some(date_of(c)?),
        QueryTerm::LessThan(c) => q.before = Some(date_of(c)?),
    }
    Some(())
}

fn date_of(c: &Comparison) -> Option<DateTime<Utc>> {
    eas_model::datetime::parse(c.value.as_deref()?, "Value").ok()
}

/// Most messages one mailbox search reads: a query matching more gives the newest.
pub const MAX_SCANNED: usize = 20_000;

/// The messages matching `q`, newest first: (folder, item).
pub fn search_mail(
    mb: &Mailbox<'_>,
    q: &MailQuery,
    deep: bool,
) -> Result<Vec<(CollectionId, ItemId)>, BackendError> {
    let (folders, _) = mb.folders()?;
    let mail: Vec<_> = folders
        .iter()
        .filter(|f| f.class == FolderClass::Email)
        .collect();
    let scope: Vec<CollectionId> = match &q.folder {
        None => mail.iter().map(|f| f.id.clone()).collect(),
        Some(root) => {
            if !mail.iter().any(|f| &f.id == root) {
                return Err(BackendError::NoFolder(root.clone()));
            }
            let mut scope = vec![root.clone()];
            if deep {
                // Breadth first over the children.
                let mut i = 0;
                while i < scope.len() {
                    let parent = scope[i].clone();
                    scope.extend(
                        mail.iter()
                            .filter(|f| f.parent.as_ref() == Some(&parent))
                            .map(|f| f.id.clone()),
                    );
                    i += 1;
                }
            }
            scope
        }
    };
    let candidates = mb.mail_candidates(&scope, q.after, q.before, MAX_SCANNED)?;
    let mut out = Vec::new();
    for (folder, item) in candidates {
        if q.words.is_empty() || text_matches(mb, &folder, &item, &q.words)? {
            out.push((folder, item));
        }
    }
    Ok(out)
}

fn text_matches(
    mb: &Mailbox<'_>,
    folder: &CollectionId,
    item: &ItemId,
    words: &[String],
) -> Result<bool, BackendError> {
    let row = mb.load_item_with(folder, item, Content::View)?;
    let parsed = if row.is_outline {
        eas_model::mail::MailItem::from_outline(&row.content, row.mail_state.clone())
    } else {
        eas_model::mail::MailItem::from_mime(&row.content, row.mail_state.clone())
    };
    let Ok(m) = parsed else {
        return Ok(false);
    };
    let mut hay = String::new();
    hay.push_str(m.subject.as_deref().unwrap_or(""));
    hay.push('\n');
    hay.push_str(&m.plain);
    for p in m.from.iter().chain(&m.to).chain(&m.cc) {
        hay.push('\n');
        hay.push_str(p.name.as_deref().unwrap_or(""));
        hay.push(' ');
        hay.push_str(p.address.as_deref().unwrap_or(""));
    }
    let hay = hay.to_lowercase();
    Ok(words.iter().all(|w| hay.contains(w.as_str())))
}

/// The Find (16.1) properties of a message: the list fields a phone shows.
pub fn find_properties(
    mb: &Mailbox<'_>,
    folder: &CollectionId,
    item: &ItemId,
) -> Result<eas_codec::command::find::FindProperties, BackendError> {
    let row = mb.load_item_with(folder, item, Content::View)?;
    let parsed = if row.is_outline {
        eas_model::mail::MailItem::from_outline(&row.content, row.mail_state.clone())
    } else {
        eas_model::mail::MailItem::from_mime(&row.content, row.mail_state.clone())
    }
    .map_err(|e| BackendError::Unavailable(e.to_string()))?;
    let names = |list: &[eas_model::mail::Mailbox]| {
        list.iter()
            .map(|m| {
                m.name
                    .clone()
                    .or_else(|| m.address.clone())
                    .unwrap_or_default()
            })
            .filter(|n| !n.is_empty())
            .collect::<Vec<_>>()
            .join("; ")
    };
    let from = parsed.from.first().map(|m| match (&m.name, &m.address) {
        (Some(n), Some(a)) => format!("\"{n}\" <{a}>"),
        (None, Some(a)) => a.clone(),
        (Some(n), None) => n.clone(),
        (None, None) => String::new(),
    });
    let preview: String = parsed
        .plain
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(255)
        .collect();
    Ok(eas_codec::command::find::FindProperties {
        subject: parsed.subject.as_deref().map(Into::into),
        date_received: parsed
            .date_received
            .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string().into()),
        display_to: Some(names(&parsed.to).into())
            .filter(|s: &eas_codec::CompactString| !s.is_empty()),
        display_cc: Some(names(&parsed.cc).into())
            .filter(|s: &eas_codec::CompactString| !s.is_empty()),
        importance: Some(parsed.importance),
        read: Some(parsed.state.read),
        preview: Some(preview.into()),
        has_attachments: Some(!parsed.attachments.is_empty()),
        from: from.map(Into::into),
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn person(name: &str, address: &str) -> Person {
        Person {
            display_name: name.into(),
            address: address.into(),
            account: Some(1),
            picture: None,
        }
    }

    #[test]
    fn names_match_by_word_prefix_and_addresses_exactly_first() {
        let people = [
            person("Bob Builder", "bob@example.com"),
            person("Bobby Tables", "bobby@example.com"),
            person("Alice Liddell", "alice@example.com"),
        ];
        let none = |_: &Person| None;
        let r = resolve_one("bob@example.com", &people, 10, &none);
        assert_eq!(r.status, RecipientResolveStatus::Success);
        let r = resolve_one("bob", &people, 10, &none);
        assert_eq!(r.status, RecipientResolveStatus::Ambiguous);
        assert_eq!(r.recipient.len(), 2);
        let r = resolve_one("bob", &people, 1, &none);
        assert_eq!(r.status, RecipientResolveStatus::AmbiguousPartial);
        assert_eq!(r.recipient_count, Some(2));
        assert_eq!(r.recipient.len(), 1);
        let r = resolve_one("liddell", &people, 10, &none);
        assert_eq!(r.status, RecipientResolveStatus::Success);
        let r = resolve_one("zed", &people, 10, &none);
        assert_eq!(r.status, RecipientResolveStatus::NotResolved);
        assert!(r.recipient.is_empty());
    }

    #[test]
    fn ranges_and_windows() {
        assert_eq!(parse_range(None, (0, 49)), Some((0, 49)));
        assert_eq!(parse_range(Some("5-9"), (0, 49)), Some((5, 9)));
        assert_eq!(parse_range(Some("9-5"), (0, 49)), None);
        assert_eq!(parse_range(Some("x"), (0, 49)), None);
        assert!(
            availability_window("2026-11-23T08:00:00.000Z", "2026-11-23T18:00:00.000Z").is_some()
        );
        assert!(
            availability_window("2026-11-23T18:00:00.000Z", "2026-11-23T08:00:00.000Z").is_none()
        );
        assert!(
            availability_window("2026-01-01T00:00:00.000Z", "2026-03-01T00:00:00.000Z").is_none()
        );
    }

    #[test]
    fn pictures_answer_within_size_and_count_limits() {
        let stored = vec![
            Some(vec![1; 10]),
            None,
            Some(vec![2; 500]),
            Some(vec![3; 20]),
            Some(vec![4; 5]),
        ];
        let limits = PictureLimits {
            max_size: Some(100),
            max_pictures: Some(2),
        };
        let got: Vec<PictureStatus> = picture_answers(stored.clone(), limits)
            .into_iter()
            .map(|(s, _)| s)
            .collect();
        assert_eq!(
            got,
            [
                PictureStatus::Success,
                PictureStatus::NoPicture,
                PictureStatus::PictureTooLarge,
                PictureStatus::Success,
                PictureStatus::PictureLimitReached,
            ]
        );
        let all = picture_answers(stored, PictureLimits::default());
        assert_eq!(all[2], (PictureStatus::Success, Some(vec![2; 500])));
    }

    #[test]
    fn certificates_stop_at_max_certificates() {
        let mut budget = Some(1);
        let first = certificates_answer(Some(vec![1, 2, 3]), &mut budget);
        assert_eq!(first.status, CertificatesStatus::Success);
        assert_eq!(
            first.certificate,
            vec![eas_codec::CompactString::from("AQID")]
        );
        let second = certificates_answer(Some(vec![4]), &mut budget);
        assert_eq!(second.status, CertificatesStatus::CertificateLimitReached);
        assert!(second.certificate.is_empty());
        let none = certificates_answer(None, &mut None);
        assert_eq!(none.status, CertificatesStatus::NoValidCertificate);
    }
}
