//! One account's mailbox over the SQLite store: the [`Backend`] the sync engine drives.
//!
//! A [`Mailbox`] borrows a connection — in the server, an open transaction — so everything a
//! command changes (items, folders, and the device state saved after it) commits together or
//! not at all, and the response is sent only after the commit.
//!
//! **Ids.** A folder's `CollectionId` and an item's `ServerId` are the decimal row ids. Row
//! ids are never reused (`AUTOINCREMENT`-like behaviour is not needed: a deleted item stays
//! as a tombstone row), so an id a device holds never names another item. A moved item gets a
//! new row (and so a new id) in its destination, as MoveItems requires.
//!
//! **Content.** Mail is the original MIME bytes, rendered on demand by eas-model for the
//! client's version and body preferences. Calendar items, contacts, tasks and notes are kept
//! as iCalendar / vCard text (what a user would export), converted through eas-model in both
//! directions; the mail state a client may change (read, flag, categories, last verb) sits in
//! its own columns beside the untouched MIME.
//!
//! **The feed.** Every write gives the row the folder's next modification sequence; the
//! change feed is the range scan `folder_id = ? AND modseq > ?` over a unique index. A
//! deletion keeps the row as a tombstone (no content) so a device that was away learns of it.

use crate::store::CachedSql as _;
use std::collections::BTreeSet;
use std::io::{Read, Seek, SeekFrom, Write};

use crate::item_operations::AttachmentData;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use eas_codec::ProtocolVersion;
use eas_codec::data::ApplicationData;
use eas_codec::data::email::Flag;
use eas_model::calendar::Appointment;
use eas_model::contact::ContactItem;
use eas_model::mail::outline::{self, OutlineBuilder};
use eas_model::mail::{BodyOptions, MailChange, MailItem, MailState, MimeSupport};
use eas_model::note::NoteItem;
use eas_model::task::TaskItem;
use eas_sync_engine::backend::{FolderClass, RenderContext};
use eas_sync_engine::{
    Backend, BackendError, Change, ChangePage, ChangeToken, CollectionId, Folder, ItemId, ItemMeta,
};
use rusqlite::{Connection, MAIN_DB, OptionalExtension, params};

/// Which classes of folders an account may see (its Email, Contacts and PIM switches).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Visibility {
    /// Mail folders.
    pub email: bool,
    /// Contact folders.
    pub contacts: bool,
    /// Calendar, task and note folders.
    pub pim: bool,
}

impl Visibility {
    /// Everything visible.
    pub const ALL: Visibility = Visibility {
        email: true,
        contacts: true,
        pim: true,
    };

    /// Whether folders of this class are visible.
    pub fn shows(&self, class: FolderClass) -> bool {
        match class {
            FolderClass::Email => self.email,
            FolderClass::Contacts => self.contacts,
            FolderClass::Calendar | FolderClass::Tasks | FolderClass::Notes => self.pim,
        }
    }
}

/// The default folders every mailbox has: (type, name).
pub const DEFAULT_FOLDERS: &[(u8, &str)] = &[
    (2, "Inbox"),
    (3, "Drafts"),
    (4, "Deleted Items"),
    (5, "Sent Items"),
    (6, "Outbox"),
    (7, "Tasks"),
    (8, "Calendar"),
    (9, "Contacts"),
    (10, "Notes"),
];

fn class_code(class: FolderClass) -> i64 {
    match class {
        FolderClass::Email => 1,
        FolderClass::Calendar => 2,
        FolderClass::Contacts => 3,
        FolderClass::Tasks => 4,
        FolderClass::Notes => 5,
    }
}

fn class_of_code(code: i64) -> FolderClass {
    match code {
        2 => FolderClass::Calendar,
        3 => FolderClass::Contacts,
        4 => FolderClass::Tasks,
        5 => FolderClass::Notes,
        _ => FolderClass::Email,
    }
}

/// The class a folder of an MS-ASCMD FolderType holds; `None` for types a client may not
/// create or that this server does not keep (journal, RSS, …).
pub fn class_of_type(folder_type: u8) -> Option<FolderClass> {
    match folder_type {
        1..=6 | 12 => Some(FolderClass::Email),
        7 | 15 => Some(FolderClass::Tasks),
        8 | 13 => Some(FolderClass::Calendar),
        9 | 14 => Some(FolderClass::Contacts),
        10 | 17 => Some(FolderClass::Notes),
        _ => None,
    }
}

/// Whether a folder type is a default (system) folder (MS-ASCMD 2.2.3.186.2: 2–11 and 19).
fn is_special(folder_type: u8) -> bool {
    matches!(folder_type, 2..=11 | 19)
}

fn unavailable(e: rusqlite::Error) -> BackendError {
    BackendError::Unavailable(e.to_string())
}

fn parse_row_id(s: &str) -> Option<i64> {
    if s.is_empty() || s.len() > 18 || !s.bytes().all(|b| b.is_ascii_digit()) || s.starts_with('0')
    {
        return None;
    }
    s.parse().ok()
}

fn ts(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

fn from_ts(v: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(v, 0)
}

/// Make sure the account has its mailbox row and default folders; idempotent.
pub fn ensure_mailbox(conn: &Connection, account: i64) -> Result<(), rusqlite::Error> {
    let exists: Option<i64> = conn
        .cached_row(
            "SELECT account_id FROM store_mailboxes WHERE account_id = ?1",
            [account],
            |r| r.get(0),
        )
        .optional()?;
    if exists.is_some() {
        return Ok(());
    }
    conn.cached_execute(
        "INSERT INTO store_mailboxes (account_id, hierarchy_seq) VALUES (?1, 1)",
        [account],
    )?;
    for (folder_type, name) in DEFAULT_FOLDERS {
        let class = class_of_type(*folder_type).unwrap_or(FolderClass::Email);
        conn.cached_execute(
            "INSERT INTO store_folders (account_id, parent_id, name, folder_type, class)
             VALUES (?1, NULL, ?2, ?3, ?4)",
            params![account, name, folder_type, class_code(class)],
        )?;
    }
    Ok(())
}

/// The mail state columns of an item, in and out of their stored form.
fn flag_to_text(flag: &Flag) -> String {
    let mut out = String::new();
    let mut put = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            out.push_str(k);
            out.push('=');
            out.push_str(&v.replace('%', "%25").replace('\n', "%0A"));
            out.push('\n');
        }
    };
    put("subject", flag.subject.as_ref().map(|s| s.to_string()));
    put("status", flag.status.map(|s| s.to_string()));
    put("flag_type", flag.flag_type.as_ref().map(|s| s.to_string()));
    put(
        "date_completed",
        flag.date_completed.as_ref().map(|s| s.to_string()),
    );
    put(
        "complete_time",
        flag.complete_time.as_ref().map(|s| s.to_string()),
    );
    put(
        "start_date",
        flag.start_date.as_ref().map(|s| s.to_string()),
    );
    put("due_date", flag.due_date.as_ref().map(|s| s.to_string()));
    put(
        "utc_start_date",
        flag.utc_start_date.as_ref().map(|s| s.to_string()),
    );
    put(
        "utc_due_date",
        flag.utc_due_date.as_ref().map(|s| s.to_string()),
    );
    put("reminder_set", flag.reminder_set.map(|s| s.to_string()));
    put(
        "reminder_time",
        flag.reminder_time.as_ref().map(|s| s.to_string()),
    );
    put(
        "ordinal_date",
        flag.ordinal_date.as_ref().map(|s| s.to_string()),
    );
    put(
        "sub_ordinal_date",
        flag.sub_ordinal_date.as_ref().map(|s| s.to_string()),
    );
    out
}

fn flag_from_text(text: &str) -> Flag {
    let mut flag = Flag::default();
    for line in text.lines() {
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let v = v.replace("%0A", "\n").replace("%25", "%");
        match k {
            "subject" => flag.subject = Some(v.into()),
            "status" => flag.status = v.parse().ok(),
            "flag_type" => flag.flag_type = Some(v.into()),
            "date_completed" => flag.date_completed = Some(v.into()),
            "complete_time" => flag.complete_time = Some(v.into()),
            "start_date" => flag.start_date = Some(v.into()),
            "due_date" => flag.due_date = Some(v.into()),
            "utc_start_date" => flag.utc_start_date = Some(v.into()),
            "utc_due_date" => flag.utc_due_date = Some(v.into()),
            "reminder_set" => flag.reminder_set = v.parse().ok(),
            "reminder_time" => flag.reminder_time = Some(v.into()),
            "ordinal_date" => flag.ordinal_date = Some(v.into()),
            "sub_ordinal_date" => flag.sub_ordinal_date = Some(v.into()),
            _ => {}
        }
    }
    flag
}

/// Categories are joined with the unit separator, which no client puts in a category name.
const CATEGORY_SEPARATOR: char = '\u{1f}';

/// What a delivered or imported message starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct InitialMailState {
    /// Already read.
    pub seen: bool,
    /// Flagged for follow-up.
    pub flagged: bool,
    /// When it arrived; `None` for now.
    pub received: Option<DateTime<Utc>>,
}

/// Where a stored item went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// The folder.
    pub folder: CollectionId,
    /// The item.
    pub item: ItemId,
}

/// One account's mailbox on a connection (normally an open transaction).
pub struct Mailbox<'c> {
    conn: &'c Connection,
    account: i64,
    owner: String,
    visible: Visibility,
    zone: Tz,
    now: DateTime<Utc>,
    version: ProtocolVersion,
    touched: BTreeSet<CollectionId>,
    hierarchy_touched: bool,
}

impl std::fmt::Debug for Mailbox<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailbox")
            .field("account", &self.account)
            .field("owner", &self.owner)
            .field("visible", &self.visible)
            .finish_non_exhaustive()
    }
}

struct FolderRow {
    id: i64,
    parent: Option<i64>,
    name: String,
    folder_type: u8,
    class: FolderClass,
}

impl FolderRow {
    fn to_folder(&self) -> Folder {
        Folder {
            id: CollectionId(self.id.to_string()),
            parent: self.parent.map(|p| CollectionId(p.to_string())),
            name: self.name.clone(),
            folder_type: self.folder_type,
            class: self.class,
        }
    }
}

/// A stored item as read back.
#[derive(Debug, Clone)]
pub struct ItemRow {
    /// The row id.
    pub id: i64,
    /// The folder's row id.
    pub folder: i64,
    /// The content: MIME bytes or iCalendar / vCard text; for a row loaded with
    /// [`Content::View`] the message's outline when it has one (see `is_outline`).
    pub content: Vec<u8>,
    /// `content` holds the outline of a message with large attachments
    /// ([`eas_model::mail::outline`]), not the message.
    pub is_outline: bool,
    /// The mail state (mail only).
    pub mail_state: MailState,
}

/// What the store indexes of PIM text: (date for filters, complete, UID).
type PimMeta = (Option<DateTime<Utc>>, bool, Option<String>);

/// How much of an item's content [`Mailbox::load_item_with`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Content {
    /// The stored bytes, whole.
    Full,
    /// What rendering needs: a large message's outline instead of the message.
    View,
    /// None (state changes).
    None,
}

/// Size of the chunks a message is streamed into the store in.
const STREAM_CHUNK: usize = 64 * 1024;

/// Bytes `start..end` of item row `row`'s stored content, read through SQLite's
/// incremental BLOB I/O without loading the rest. The caller has checked that the row
/// belongs to the account (row ids come from [`AttachmentData::Stored`]).
pub fn read_content_range(
    conn: &Connection,
    row: i64,
    start: u64,
    end: u64,
) -> Result<Vec<u8>, BackendError> {
    let broken = |e: std::io::Error| {
        BackendError::Unavailable(format!("item {row}: stored range unreadable: {e}"))
    };
    // A deleted item has no content left: the blob cannot be opened.
    let mut blob = conn
        .blob_open(MAIN_DB, c"store_items", c"content", row, true)
        .map_err(|e| BackendError::Unavailable(format!("item {row}: {e}")))?;
    let stored = blob.len() as u64;
    if start > end || end > stored {
        return Err(BackendError::Unavailable(format!(
            "item {row}: range {start}..{end} outside its {stored} bytes"
        )));
    }
    let len = usize::try_from(end - start)
        .map_err(|_| BackendError::Unavailable(format!("item {row}: range too large")))?;
    let mut out = vec![0u8; len];
    blob.seek(SeekFrom::Start(start)).map_err(broken)?;
    blob.read_exact(&mut out).map_err(broken)?;
    Ok(out)
}

impl<'c> Mailbox<'c> {
    /// The mailbox of `account` (whose address is `owner`), showing the folder classes
    /// `visible` allows. `zone` is the account's time zone (for dates without one, such as
    /// birthdays); `now` stamps deliveries and changes; `version` is the protocol version
    /// of the client whose items [`Backend::add`] and [`Backend::change`] receive (calendar
    /// all-day rules differ between 14.x and 16.x).
    pub fn new(
        conn: &'c Connection,
        account: i64,
        owner: &str,
        visible: Visibility,
        zone: Tz,
        now: DateTime<Utc>,
        version: ProtocolVersion,
    ) -> Mailbox<'c> {
        Mailbox {
            conn,
            account,
            owner: owner.to_string(),
            visible,
            zone,
            now,
            version,
            touched: BTreeSet::new(),
            hierarchy_touched: false,
        }
    }

    /// The folders whose contents this mailbox changed, for push notification after commit.
    pub fn touched(&self) -> &BTreeSet<CollectionId> {
        &self.touched
    }

    /// Whether the folder hierarchy changed.
    pub fn hierarchy_touched(&self) -> bool {
        self.hierarchy_touched
    }

    /// The account's row id.
    pub fn account(&self) -> i64 {
        self.account
    }

    /// The account's address.
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// The time this mailbox was opened at (the command's clock).
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// The connection (the command's transaction).
    pub fn connection(&self) -> &Connection {
        self.conn
    }

    fn folder_row(&self, id: &CollectionId) -> Result<FolderRow, BackendError> {
        let row = parse_row_id(id.as_str())
            .map(|n| {
                self.conn
                    .cached_row(
                        "SELECT id, parent_id, name, folder_type, class FROM store_folders
                         WHERE id = ?1 AND account_id = ?2",
                        params![n, self.account],
                        |r| {
                            Ok(FolderRow {
                                id: r.get(0)?,
                                parent: r.get(1)?,
                                name: r.get(2)?,
                                folder_type: r.get(3)?,
                                class: class_of_code(r.get(4)?),
                            })
                        },
                    )
                    .optional()
            })
            .transpose()
            .map_err(unavailable)?
            .flatten();
        match row {
            Some(f) if self.visible.shows(f.class) => Ok(f),
            _ => Err(BackendError::NoFolder(id.clone())),
        }
    }

    /// The visible folder of a type (the first, for user types), if any.
    pub fn folder_of_type(&self, folder_type: u8) -> Result<Option<CollectionId>, BackendError> {
        let id: Option<i64> = self
            .conn
            .cached_row(
                "SELECT id FROM store_folders WHERE account_id = ?1 AND folder_type = ?2
                 ORDER BY id LIMIT 1",
                params![self.account, folder_type],
                |r| r.get(0),
            )
            .optional()
            .map_err(unavailable)?;
        Ok(match id {
            Some(id) => {
                let cid = CollectionId(id.to_string());
                self.folder_row(&cid).ok().map(|_| cid)
            }
            None => None,
        })
    }

    fn bump_hierarchy(&mut self) -> Result<(), BackendError> {
        self.conn
            .cached_execute(
                "UPDATE store_mailboxes SET hierarchy_seq = hierarchy_seq + 1 WHERE account_id = ?1",
                [self.account],
            )
            .map_err(unavailable)?;
        self.hierarchy_touched = true;
        Ok(())
    }

    /// Take the folder's next modification sequence.
    fn next_modseq(&mut self, folder: i64) -> Result<i64, BackendError> {
        let seq: i64 = self
            .conn
            .cached_row(
                "UPDATE store_folders SET next_modseq = next_modseq + 1 WHERE id = ?1
                 RETURNING next_modseq - 1",
                [folder],
                |r| r.get(0),
            )
            .map_err(unavailable)?;
        self.touched.insert(CollectionId(folder.to_string()));
        Ok(seq)
    }

    fn item_row_id(&self, folder: &FolderRow, id: &ItemId) -> Result<i64, BackendError> {
        let no_item = || BackendError::NoItem {
            folder: CollectionId(folder.id.to_string()),
            item: id.clone(),
        };
        let n = parse_row_id(id.as_str()).ok_or_else(no_item)?;
        let live: Option<i64> = self
            .conn
            .cached_row(
                "SELECT id FROM store_items WHERE id = ?1 AND folder_id = ?2 AND deleted = 0",
                params![n, folder.id],
                |r| r.get(0),
            )
            .optional()
            .map_err(unavailable)?;
        live.ok_or_else(no_item)
    }

    /// Read a live item of a visible folder, with its whole content.
    pub fn load_item(&self, folder: &CollectionId, id: &ItemId) -> Result<ItemRow, BackendError> {
        self.load_item_with(folder, id, Content::Full)
    }

    /// Read a live item of a visible folder, with as much of its content as `content` says.
    pub fn load_item_with(
        &self,
        folder: &CollectionId,
        id: &ItemId,
        content: Content,
    ) -> Result<ItemRow, BackendError> {
        let f = self.folder_row(folder)?;
        let n = self.item_row_id(&f, id)?;
        let column = match content {
            Content::Full => "content, 0",
            Content::View => "COALESCE(outline, content), outline IS NOT NULL",
            Content::None => "NULL, 0",
        };
        self.conn
            .cached_row(
                &format!(
                    "SELECT id, folder_id, {column}, mail_read, mail_flag, mail_categories,
                        last_verb, last_verb_time, date
                     FROM store_items WHERE id = ?1"
                ),
                [n],
                |r| {
                    let id: i64 = r.get(0)?;
                    let flag: Option<String> = r.get(5)?;
                    let cats: Option<String> = r.get(6)?;
                    let date: Option<i64> = r.get(9)?;
                    Ok(ItemRow {
                        id,
                        folder: r.get(1)?,
                        content: r.get::<_, Option<Vec<u8>>>(2)?.unwrap_or_default(),
                        is_outline: r.get::<_, i64>(3)? != 0,
                        mail_state: MailState {
                            item_id: id.to_string(),
                            received: date.and_then(from_ts),
                            read: r.get::<_, i64>(4)? != 0,
                            flag: flag.map(|t| flag_from_text(&t)),
                            categories: cats
                                .map(|c| {
                                    c.split(CATEGORY_SEPARATOR)
                                        .filter(|s| !s.is_empty())
                                        .map(str::to_string)
                                        .collect()
                                })
                                .unwrap_or_default(),
                            last_verb_executed: r
                                .get::<_, Option<i64>>(7)?
                                .and_then(|v| u32::try_from(v).ok()),
                            last_verb_execution_time: r.get::<_, Option<i64>>(8)?.and_then(from_ts),
                            user_addresses: vec![self.owner.clone()],
                        },
                    })
                },
            )
            .map_err(unavailable)
    }

    /// Find a live item by its row id alone (for file references), in a visible folder.
    pub fn locate(&self, id: &ItemId) -> Result<Option<CollectionId>, BackendError> {
        let Some(n) = parse_row_id(id.as_str()) else {
            return Ok(None);
        };
        let folder: Option<i64> = self
            .conn
            .cached_row(
                "SELECT i.folder_id FROM store_items i JOIN store_folders f ON f.id = i.folder_id
                 WHERE i.id = ?1 AND i.deleted = 0 AND f.account_id = ?2",
                params![n, self.account],
                |r| r.get(0),
            )
            .optional()
            .map_err(unavailable)?;
        Ok(folder
            .map(|f| CollectionId(f.to_string()))
            .filter(|c| self.folder_row(c).is_ok()))
    }

    /// Parse a stored item into the client's form.
    pub fn render_row(
        &self,
        class: FolderClass,
        row: &ItemRow,
        version: ProtocolVersion,
        body: &BodyOptions,
    ) -> Result<ApplicationData, BackendError> {
        let invalid = |e: eas_model::ModelError| {
            BackendError::Unavailable(format!("item {} cannot be rendered: {e}", row.id))
        };
        let text = || String::from_utf8_lossy(&row.content).into_owned();
        Ok(match class {
            FolderClass::Email => {
                let item = if !row.is_outline {
                    MailItem::from_mime(&row.content, row.mail_state.clone()).map_err(invalid)?
                } else if body.mime_support != MimeSupport::Never {
                    // The client may be sent the message itself: only then is it read whole.
                    let full = self.full_content(row.id)?;
                    MailItem::from_mime(&full, row.mail_state.clone()).map_err(invalid)?
                } else {
                    MailItem::from_outline(&row.content, row.mail_state.clone()).map_err(invalid)?
                };
                ApplicationData::Email(Box::new(item.to_wire_with(version, body)))
            }
            FolderClass::Calendar => {
                let a = Appointment::from_icalendar(&text(), Some(&self.owner)).map_err(invalid)?;
                let mut wire = a.to_wire(version);
                if version >= ProtocolVersion::V14_0 {
                    wire.response_type = crate::meetings::response_type(&a, &self.owner);
                }
                ApplicationData::Calendar(Box::new(wire))
            }
            FolderClass::Contacts => {
                let c = ContactItem::from_vcard(&text()).map_err(invalid)?;
                ApplicationData::Contact(Box::new(c.to_wire(version, self.zone)))
            }
            FolderClass::Tasks => {
                let t = TaskItem::from_vtodo(&text(), self.zone).map_err(invalid)?;
                ApplicationData::Task(Box::new(t.to_wire(version, self.zone)))
            }
            FolderClass::Notes => {
                let n = NoteItem::from_vjournal(&text()).map_err(invalid)?;
                ApplicationData::Note(Box::new(n.to_wire(version).map_err(invalid)?))
            }
        })
    }

    /// Convert a client's item into stored content and metadata: (content, date, complete,
    /// uid).
    fn content_of(
        &self,
        class: FolderClass,
        data: &ApplicationData,
        version: ProtocolVersion,
        uid: Option<String>,
    ) -> Result<StoredContent, BackendError> {
        let invalid = |e: eas_model::ModelError| BackendError::InvalidItem(e.to_string());
        let uid = uid.unwrap_or_else(|| new_uid(self.account, self.now));
        match (class, data) {
            (FolderClass::Calendar, ApplicationData::Calendar(c)) => {
                let mut a = Appointment::from_wire(c, version).map_err(invalid)?;
                if a.uid.is_none() {
                    a.uid = Some(uid.clone());
                }
                let end = a.when.end_utc(a.tz);
                let last = match &a.recurrence {
                    // A recurring event stays inside every window while it recurs.
                    Some(_) => None,
                    None => Some(end),
                };
                Ok(StoredContent {
                    content: a.to_icalendar(None).into_bytes(),
                    date: last,
                    complete: false,
                    uid: a.uid.clone().unwrap_or(uid),
                })
            }
            (FolderClass::Contacts, ApplicationData::Contact(c)) => {
                let item = ContactItem::from_wire(c, self.zone).map_err(invalid)?;
                Ok(StoredContent {
                    content: item
                        .to_vcard(eas_model::contact::VCardVersion::V3_0)
                        .into_bytes(),
                    date: None,
                    complete: false,
                    uid,
                })
            }
            (FolderClass::Tasks, ApplicationData::Task(t)) => {
                let item = TaskItem::from_wire(t, self.zone).map_err(invalid)?;
                Ok(StoredContent {
                    content: item.to_vtodo(&uid, self.now).into_bytes(),
                    date: item.due,
                    complete: item.complete,
                    uid,
                })
            }
            (FolderClass::Notes, ApplicationData::Note(n)) => {
                let item = NoteItem::from_wire(n).map_err(invalid)?;
                Ok(StoredContent {
                    content: item.to_vjournal(&uid, self.now).into_bytes(),
                    date: None,
                    complete: false,
                    uid,
                })
            }
            (FolderClass::Email, ApplicationData::Email(_)) => Err(BackendError::InvalidItem(
                "mail is added by delivery or SendMail, not by Sync Add".into(),
            )),
            (class, _) => Err(BackendError::InvalidItem(format!(
                "a {class:?} folder cannot hold this item"
            ))),
        }
    }

    /// Store PIM text (iCalendar for calendar, tasks and notes; vCard for contacts) in the
    /// folder of `folder_type`, as the demo and importers do. The text is checked by parsing.
    pub fn add_pim_text(&mut self, folder_type: u8, text: &str) -> Result<Stored, BackendError> {
        let folder = self
            .folder_of_type(folder_type)?
            .ok_or_else(|| BackendError::NoFolder(CollectionId(format!("type {folder_type}"))))?;
        let f = self.folder_row(&folder)?;
        let (date, complete, uid) = self.pim_meta(f.class, text)?;
        let content = StoredContent {
            content: text.as_bytes().to_vec(),
            date,
            complete,
            uid: uid.unwrap_or_else(|| new_uid(self.account, self.now)),
        };
        let id = self.insert(f.id, &content, None)?;
        Ok(Stored {
            folder,
            item: ItemId(id.to_string()),
        })
    }

    /// Replace a PIM item's text (a calendar item an invitation update or reply changed),
    /// as a change devices sync.
    pub fn replace_pim_text(
        &mut self,
        folder: &CollectionId,
        id: &ItemId,
        text: &str,
    ) -> Result<(), BackendError> {
        let f = self.folder_row(folder)?;
        let n = self.item_row_id(&f, id)?;
        let (date, complete, uid) = self.pim_meta(f.class, text)?;
        let seq = self.next_modseq(f.id)?;
        self.conn
            .cached_execute(
                "UPDATE store_items SET content = ?1, date = ?2, complete = ?3,
                    uid = COALESCE(?4, uid), size = ?5, modseq = ?6 WHERE id = ?7",
                params![
                    text.as_bytes(),
                    date.map(ts),
                    i64::from(complete),
                    uid,
                    text.len() as i64,
                    seq,
                    n
                ],
            )
            .map_err(unavailable)?;
        Ok(())
    }

    /// The text of every live item in the visible folders of `class` (PIM: iCalendar or
    /// vCard), for lookups across them.
    pub fn texts_of_class(&self, class: FolderClass) -> Result<Vec<String>, BackendError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT i.folder_id, i.content FROM store_items i
                 JOIN store_folders f ON f.id = i.folder_id
                 WHERE f.account_id = ?1 AND f.class = ?2 AND i.deleted = 0",
            )
            .map_err(unavailable)?;
        let rows = stmt
            .query_map(params![self.account, class_code(class)], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, Option<Vec<u8>>>(1)?))
            })
            .map_err(unavailable)?;
        let mut out = Vec::new();
        for row in rows {
            let (folder, content) = row.map_err(unavailable)?;
            if self.folder_row(&CollectionId(folder.to_string())).is_err() {
                continue;
            }
            if let Some(c) = content {
                out.push(String::from_utf8_lossy(&c).into_owned());
            }
        }
        Ok(out)
    }

    /// Live messages of `folders` received in `(after, before)`, newest first, at most
    /// `limit`.
    pub fn mail_candidates(
        &self,
        folders: &[CollectionId],
        after: Option<DateTime<Utc>>,
        before: Option<DateTime<Utc>>,
        limit: usize,
    ) -> Result<Vec<(CollectionId, ItemId)>, BackendError> {
        let ids: Vec<i64> = folders.iter().filter_map(|f| parse_row_id(&f.0)).collect();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        // The folder ids are integers parsed above: nothing of the client's reaches the SQL.
        let sql = format!(
            "SELECT id, folder_id FROM store_items WHERE folder_id IN ({list}) AND deleted = 0
               AND (?1 IS NULL OR date > ?1) AND (?2 IS NULL OR date < ?2)
             ORDER BY date DESC, id DESC LIMIT ?3"
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(unavailable)?;
        let rows = stmt
            .query_map(
                params![
                    after.map(ts),
                    before.map(ts),
                    i64::try_from(limit).unwrap_or(i64::MAX)
                ],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)),
            )
            .map_err(unavailable)?;
        let mut out = Vec::new();
        for row in rows {
            let (id, folder) = row.map_err(unavailable)?;
            out.push((CollectionId(folder.to_string()), ItemId(id.to_string())));
        }
        Ok(out)
    }

    /// Whether one of the account's contacts has `address` (case-insensitive).
    pub fn knows_contact(&self, address: &str) -> bool {
        let pattern = format!("%{}%", address.replace(['%', '_'], ""));
        self.conn
            .cached_row(
                "SELECT 1 FROM store_items i JOIN store_folders f ON f.id = i.folder_id
                 WHERE f.account_id = ?1 AND f.class = ?2 AND i.deleted = 0
                   AND CAST(i.content AS TEXT) LIKE ?3 LIMIT 1",
                params![self.account, class_code(FolderClass::Contacts), pattern],
                |_| Ok(()),
            )
            .optional()
            .ok()
            .flatten()
            .is_some()
    }

    /// The live item of a visible folder of `class` whose UID is `uid`.
    pub fn find_by_uid(
        &self,
        class: FolderClass,
        uid: &str,
    ) -> Result<Option<(CollectionId, ItemId)>, BackendError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT i.id, i.folder_id FROM store_items i
                 JOIN store_folders f ON f.id = i.folder_id
                 WHERE f.account_id = ?1 AND f.class = ?2 AND i.uid = ?3 AND i.deleted = 0
                 ORDER BY i.id",
            )
            .map_err(unavailable)?;
        let rows = stmt
            .query_map(params![self.account, class_code(class), uid], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
            })
            .map_err(unavailable)?;
        for row in rows {
            let (id, folder) = row.map_err(unavailable)?;
            let folder = CollectionId(folder.to_string());
            if self.folder_row(&folder).is_ok() {
                return Ok(Some((folder, ItemId(id.to_string()))));
            }
        }
        Ok(None)
    }

    /// Date, completion and UID of PIM text of `class`, checked by parsing.
    fn pim_meta(&self, class: FolderClass, text: &str) -> Result<PimMeta, BackendError> {
        let invalid = |e: eas_model::ModelError| BackendError::InvalidItem(e.to_string());
        Ok(match class {
            FolderClass::Calendar => {
                let a = Appointment::from_icalendar(text, Some(&self.owner)).map_err(invalid)?;
                let date = match &a.recurrence {
                    Some(_) => None,
                    None => Some(a.when.end_utc(a.tz)),
                };
                (date, false, a.uid)
            }
            FolderClass::Contacts => {
                ContactItem::from_vcard(text).map_err(invalid)?;
                (None, false, None)
            }
            FolderClass::Tasks => {
                let t = TaskItem::from_vtodo(text, self.zone).map_err(invalid)?;
                (t.due, t.complete, None)
            }
            FolderClass::Notes => {
                NoteItem::from_vjournal(text).map_err(invalid)?;
                (None, false, None)
            }
            FolderClass::Email => {
                return Err(BackendError::InvalidItem("not a PIM folder".into()));
            }
        })
    }

    /// Store a message in the folder of `folder_type` (Inbox for deliveries).
    pub fn add_mail(
        &mut self,
        folder_type: u8,
        raw: &[u8],
        initial: InitialMailState,
    ) -> Result<Stored, BackendError> {
        let folder = self
            .folder_of_type(folder_type)?
            .ok_or_else(|| BackendError::NoFolder(CollectionId(format!("type {folder_type}"))))?;
        self.add_mail_to(&folder, raw, initial)
    }

    /// Store a message in a given mail folder.
    pub fn add_mail_to(
        &mut self,
        folder: &CollectionId,
        raw: &[u8],
        initial: InitialMailState,
    ) -> Result<Stored, BackendError> {
        let mut reader = raw;
        self.add_mail_from(folder, &mut reader, raw.len() as u64, initial)
    }

    /// Store a message of `len` bytes read from `reader` in a given mail folder, streaming:
    /// the bytes go into the database in chunks through SQLite's incremental BLOB I/O while
    /// an outline ([`eas_model::mail::outline`]) of the message is built, so memory use does
    /// not grow with the message's attachments. Reading fewer or more than `len` bytes is an
    /// error (the caller's transaction then stores nothing).
    pub fn add_mail_from(
        &mut self,
        folder: &CollectionId,
        reader: &mut dyn Read,
        len: u64,
        initial: InitialMailState,
    ) -> Result<Stored, BackendError> {
        let f = self.folder_row(folder)?;
        if f.class != FolderClass::Email {
            return Err(BackendError::InvalidItem("not a mail folder".into()));
        }
        let size = i64::try_from(len)
            .map_err(|_| BackendError::InvalidItem("message too large".into()))?;
        let received = initial.received.unwrap_or(self.now);
        let seq = self.next_modseq(f.id)?;
        let flag = initial.flagged.then(|| Flag {
            status: Some(2),
            flag_type: Some("Follow up".into()),
            ..Flag::default()
        });
        self.conn
            .cached_execute(
                "INSERT INTO store_items (folder_id, modseq, deleted, date, complete, content,
                    uid, size, mail_read, mail_flag)
                 VALUES (?1, ?2, 0, ?3, 0, zeroblob(?4), NULL, ?4, ?5, ?6)",
                params![
                    f.id,
                    seq,
                    ts(received),
                    size,
                    i64::from(initial.seen),
                    flag.as_ref().map(flag_to_text),
                ],
            )
            .map_err(unavailable)?;
        let row = self.conn.last_insert_rowid();
        let outline = self.write_content(row, reader, len)?;
        // Parse the outline once, to refuse what can never be shown and to index the
        // conversation.
        let item = MailItem::from_outline(
            &outline.bytes,
            MailState {
                received: Some(received),
                ..MailState::default()
            },
        )
        .map_err(|e| BackendError::InvalidItem(e.to_string()))?;
        let kept_outline = (outline.omitted > 0).then_some(outline.bytes);
        self.conn
            .cached_execute(
                "UPDATE store_items SET conversation_id = ?1, outline = ?2 WHERE id = ?3",
                params![item.conversation_id.to_vec(), kept_outline, row],
            )
            .map_err(unavailable)?;
        Ok(Stored {
            folder: folder.clone(),
            item: ItemId(row.to_string()),
        })
    }

    /// Copy `len` bytes from `reader` into row `row`'s zero-filled content, building the
    /// message's outline on the way.
    fn write_content(
        &self,
        row: i64,
        reader: &mut dyn Read,
        len: u64,
    ) -> Result<eas_model::mail::outline::Outline, BackendError> {
        let mut blob = self
            .conn
            .blob_open(MAIN_DB, c"store_items", c"content", row, false)
            .map_err(unavailable)?;
        let mut builder = OutlineBuilder::new();
        let mut chunk = vec![0u8; STREAM_CHUNK];
        let mut written = 0u64;
        loop {
            let n = match reader.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(BackendError::Unavailable(format!("reading message: {e}"))),
            };
            let piece = &chunk[..n];
            if written + n as u64 > len {
                return Err(BackendError::InvalidItem(format!(
                    "message longer than the announced {len} bytes"
                )));
            }
            blob.write_all(piece)
                .map_err(|e| BackendError::Unavailable(format!("writing message: {e}")))?;
            builder.push(piece);
            written += n as u64;
        }
        if written != len {
            return Err(BackendError::InvalidItem(format!(
                "message of {written} bytes, {len} announced"
            )));
        }
        Ok(builder.finish())
    }

    /// The whole stored content of row `row` (a message read whole on purpose).
    fn full_content(&self, row: i64) -> Result<Vec<u8>, BackendError> {
        self.conn
            .cached_row(
                "SELECT content FROM store_items WHERE id = ?1",
                [row],
                |r| r.get::<_, Option<Vec<u8>>>(0),
            )
            .map_err(unavailable)
            .map(Option::unwrap_or_default)
    }

    fn insert(
        &mut self,
        folder: i64,
        content: &StoredContent,
        _copy_mail_from: Option<i64>,
    ) -> Result<i64, BackendError> {
        let seq = self.next_modseq(folder)?;
        self.conn
            .cached_execute(
                "INSERT INTO store_items (folder_id, modseq, deleted, date, complete, content,
                    uid, size)
                 VALUES (?1, ?2, 0, ?3, ?4, ?5, ?6, ?7)",
                params![
                    folder,
                    seq,
                    content.date.map(ts),
                    i64::from(content.complete),
                    content.content,
                    content.uid,
                    content.content.len() as i64,
                ],
            )
            .map_err(unavailable)?;
        Ok(self.conn.last_insert_rowid())
    }

    fn meta_of_row(&self, id: i64) -> Result<ItemMeta, BackendError> {
        self.conn
            .cached_row(
                "SELECT date, complete FROM store_items WHERE id = ?1",
                [id],
                |r| {
                    Ok(ItemMeta {
                        id: ItemId(id.to_string()),
                        date: r.get::<_, Option<i64>>(0)?.and_then(from_ts),
                        complete: r.get::<_, i64>(1)? != 0,
                    })
                },
            )
            .map_err(unavailable)
    }

    /// Tombstone a live item: its row keeps the id, loses its content, and takes a new
    /// modification sequence so the feed reports the deletion.
    fn tombstone(&mut self, folder: i64, id: i64) -> Result<(), BackendError> {
        let seq = self.next_modseq(folder)?;
        self.conn
            .cached_execute(
                "UPDATE store_items SET deleted = 1, modseq = ?1, content = NULL,
                    outline = NULL, conversation_id = NULL WHERE id = ?2",
                params![seq, id],
            )
            .map_err(unavailable)?;
        Ok(())
    }

    /// Delete every live item of a folder (and with `subfolders`, delete its subfolders).
    pub fn empty_folder(
        &mut self,
        folder: &CollectionId,
        subfolders: bool,
    ) -> Result<(), BackendError> {
        let f = self.folder_row(folder)?;
        let ids: Vec<i64> = {
            let mut stmt = self
                .conn
                .prepare_cached("SELECT id FROM store_items WHERE folder_id = ?1 AND deleted = 0")
                .map_err(unavailable)?;
            let rows = stmt.query_map([f.id], |r| r.get(0)).map_err(unavailable)?;
            rows.collect::<Result<_, _>>().map_err(unavailable)?
        };
        for id in ids {
            self.tombstone(f.id, id)?;
        }
        if subfolders {
            let children: Vec<i64> = {
                let mut stmt = self
                    .conn
                    .prepare_cached("SELECT id FROM store_folders WHERE parent_id = ?1")
                    .map_err(unavailable)?;
                let rows = stmt.query_map([f.id], |r| r.get(0)).map_err(unavailable)?;
                rows.collect::<Result<_, _>>().map_err(unavailable)?
            };
            if !children.is_empty() {
                for c in children {
                    self.conn
                        .cached_execute("DELETE FROM store_folders WHERE id = ?1", [c])
                        .map_err(unavailable)?;
                }
                self.bump_hierarchy()?;
            }
        }
        Ok(())
    }

    /// The live items of a conversation in the account's visible mail folders.
    pub fn conversation_items(
        &self,
        conversation_id: &[u8],
    ) -> Result<Vec<(CollectionId, ItemId)>, BackendError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT i.folder_id, i.id FROM store_items i
                 JOIN store_folders f ON f.id = i.folder_id
                 WHERE i.conversation_id = ?1 AND i.deleted = 0 AND f.account_id = ?2
                 ORDER BY i.id",
            )
            .map_err(unavailable)?;
        let rows = stmt
            .query_map(params![conversation_id, self.account], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
            })
            .map_err(unavailable)?;
        let mut out = Vec::new();
        for row in rows {
            let (f, i) = row.map_err(unavailable)?;
            let c = CollectionId(f.to_string());
            if self.folder_row(&c).is_ok() {
                out.push((c, ItemId(i.to_string())));
            }
        }
        Ok(out)
    }

    /// Whether a folder exists and is visible.
    pub fn has_folder(&self, folder: &CollectionId) -> bool {
        self.folder_row(folder).is_ok()
    }

    /// The class of a visible folder.
    pub fn folder_class(&self, folder: &CollectionId) -> Result<FolderClass, BackendError> {
        Ok(self.folder_row(folder)?.class)
    }

    /// Record a reply or forward on the original message (LastVerbExecuted).
    pub fn set_last_verb(
        &mut self,
        folder: &CollectionId,
        id: &ItemId,
        verb: u32,
    ) -> Result<(), BackendError> {
        let f = self.folder_row(folder)?;
        let n = self.item_row_id(&f, id)?;
        let seq = self.next_modseq(f.id)?;
        self.conn
            .cached_execute(
                "UPDATE store_items SET last_verb = ?1, last_verb_time = ?2, modseq = ?3
                 WHERE id = ?4",
                params![i64::from(verb), ts(self.now), seq, n],
            )
            .map_err(unavailable)?;
        Ok(())
    }
}

struct StoredContent {
    content: Vec<u8>,
    date: Option<DateTime<Utc>>,
    complete: bool,
    uid: String,
}

/// A globally unique id for a new PIM item: time, account and a process-wide counter.
fn new_uid(account: i64, now: DateTime<Utc>) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!(
        "{}-{account}-{n}-{}@eas-server",
        now.timestamp_micros(),
        std::process::id()
    )
}

impl Backend for Mailbox<'_> {
    fn folders(&self) -> Result<(Vec<Folder>, ChangeToken), BackendError> {
        let seq: i64 = self
            .conn
            .cached_row(
                "SELECT hierarchy_seq FROM store_mailboxes WHERE account_id = ?1",
                [self.account],
                |r| r.get(0),
            )
            .optional()
            .map_err(unavailable)?
            .unwrap_or(0);
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, parent_id, name, folder_type, class FROM store_folders
                 WHERE account_id = ?1 ORDER BY id",
            )
            .map_err(unavailable)?;
        let rows = stmt
            .query_map([self.account], |r| {
                Ok(FolderRow {
                    id: r.get(0)?,
                    parent: r.get(1)?,
                    name: r.get(2)?,
                    folder_type: r.get(3)?,
                    class: class_of_code(r.get(4)?),
                })
            })
            .map_err(unavailable)?;
        let mut all = Vec::new();
        for row in rows {
            all.push(row.map_err(unavailable)?);
        }
        // A folder whose class is hidden disappears with its subtree: a child of a hidden
        // folder would otherwise point at a parent the device never saw.
        let mut hidden: BTreeSet<i64> = BTreeSet::new();
        let mut out = Vec::new();
        for f in &all {
            let parent_hidden = f.parent.is_some_and(|p| hidden.contains(&p));
            if parent_hidden || !self.visible.shows(f.class) {
                hidden.insert(f.id);
            } else {
                out.push(f.to_folder());
            }
        }
        Ok((out, ChangeToken(u64::try_from(seq).unwrap_or(0))))
    }

    fn create_folder(
        &mut self,
        parent: Option<&CollectionId>,
        name: &str,
        folder_type: u8,
    ) -> Result<Folder, BackendError> {
        let class = match class_of_type(folder_type) {
            Some(c) if !is_special(folder_type) => c,
            _ => {
                return Err(BackendError::InvalidItem(format!(
                    "folder type {folder_type} cannot be created"
                )));
            }
        };
        if !self.visible.shows(class) {
            return Err(BackendError::InvalidItem(format!(
                "{class:?} folders are disabled for this account"
            )));
        }
        let parent_row = parent.map(|p| self.folder_row(p)).transpose()?;
        let parent_id = parent_row.as_ref().map(|p| p.id);
        self.check_name_free(parent_id, name, None)?;
        self.conn
            .cached_execute(
                "INSERT INTO store_folders (account_id, parent_id, name, folder_type, class)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    self.account,
                    parent_id,
                    name,
                    folder_type,
                    class_code(class)
                ],
            )
            .map_err(unavailable)?;
        let id = self.conn.last_insert_rowid();
        self.bump_hierarchy()?;
        Ok(Folder {
            id: CollectionId(id.to_string()),
            parent: parent_id.map(|p| CollectionId(p.to_string())),
            name: name.to_string(),
            folder_type,
            class,
        })
    }

    fn update_folder(
        &mut self,
        id: &CollectionId,
        parent: Option<&CollectionId>,
        name: &str,
    ) -> Result<(), BackendError> {
        let f = self.folder_row(id)?;
        if is_special(f.folder_type) {
            return Err(BackendError::SpecialFolder(id.clone()));
        }
        let parent_row = parent.map(|p| self.folder_row(p)).transpose()?;
        let parent_id = parent_row.as_ref().map(|p| p.id);
        // Moving a folder under itself or its own descendant would detach a cycle.
        let mut at = parent_id;
        while let Some(p) = at {
            if p == f.id {
                return Err(BackendError::InvalidItem(
                    "a folder cannot move under itself".into(),
                ));
            }
            at = self
                .conn
                .cached_row(
                    "SELECT parent_id FROM store_folders WHERE id = ?1",
                    [p],
                    |r| r.get(0),
                )
                .optional()
                .map_err(unavailable)?
                .flatten();
        }
        self.check_name_free(parent_id, name, Some(f.id))?;
        self.conn
            .cached_execute(
                "UPDATE store_folders SET parent_id = ?1, name = ?2 WHERE id = ?3",
                params![parent_id, name, f.id],
            )
            .map_err(unavailable)?;
        self.bump_hierarchy()
    }

    fn delete_folder(&mut self, id: &CollectionId) -> Result<(), BackendError> {
        let f = self.folder_row(id)?;
        if is_special(f.folder_type) {
            return Err(BackendError::SpecialFolder(id.clone()));
        }
        self.conn
            .cached_execute("DELETE FROM store_folders WHERE id = ?1", [f.id])
            .map_err(unavailable)?;
        self.bump_hierarchy()
    }

    fn changes(
        &self,
        folder: &CollectionId,
        since: ChangeToken,
        limit: usize,
    ) -> Result<ChangePage, BackendError> {
        let f = self.folder_row(folder)?;
        let since = i64::try_from(since.0).unwrap_or(i64::MAX);
        let take = i64::try_from(limit.saturating_add(1)).unwrap_or(i64::MAX);
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, modseq, deleted, date, complete FROM store_items
                 WHERE folder_id = ?1 AND modseq > ?2 ORDER BY modseq LIMIT ?3",
            )
            .map_err(unavailable)?;
        let rows = stmt
            .query_map(params![f.id, since, take], |r| {
                let id: i64 = r.get(0)?;
                let modseq: i64 = r.get(1)?;
                let deleted: i64 = r.get(2)?;
                let date: Option<i64> = r.get(3)?;
                let complete: i64 = r.get(4)?;
                let id = ItemId(id.to_string());
                let change = if deleted != 0 {
                    Change::Delete(id)
                } else {
                    Change::Upsert(ItemMeta {
                        id,
                        date: date.and_then(from_ts),
                        complete: complete != 0,
                    })
                };
                Ok((modseq, change))
            })
            .map_err(unavailable)?;
        let mut page = ChangePage {
            changes: Vec::new(),
            next: ChangeToken(u64::try_from(since).unwrap_or(0)),
            more: false,
        };
        for row in rows {
            let (modseq, change) = row.map_err(unavailable)?;
            if page.changes.len() == limit {
                page.more = true;
                break;
            }
            page.next = ChangeToken(u64::try_from(modseq).unwrap_or(0));
            page.changes.push(change);
        }
        Ok(page)
    }

    fn items(
        &self,
        folder: &CollectionId,
        after: Option<&ItemId>,
        limit: usize,
    ) -> Result<Vec<ItemMeta>, BackendError> {
        let f = self.folder_row(folder)?;
        let after = after.and_then(|a| parse_row_id(a.as_str())).unwrap_or(0);
        let take = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, date, complete FROM store_items
                 WHERE folder_id = ?1 AND deleted = 0 AND id > ?2 ORDER BY id LIMIT ?3",
            )
            .map_err(unavailable)?;
        let rows = stmt
            .query_map(params![f.id, after, take], |r| {
                Ok(ItemMeta {
                    id: ItemId(r.get::<_, i64>(0)?.to_string()),
                    date: r.get::<_, Option<i64>>(1)?.and_then(from_ts),
                    complete: r.get::<_, i64>(2)? != 0,
                })
            })
            .map_err(unavailable)?;
        rows.collect::<Result<_, _>>().map_err(unavailable)
    }

    fn item(&self, folder: &CollectionId, id: &ItemId) -> Result<Option<ItemMeta>, BackendError> {
        let f = self.folder_row(folder)?;
        match self.item_row_id(&f, id) {
            Ok(n) => self.meta_of_row(n).map(Some),
            Err(BackendError::NoItem { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn render(
        &self,
        folder: &CollectionId,
        id: &ItemId,
        ctx: &RenderContext<'_>,
    ) -> Result<ApplicationData, BackendError> {
        let f = self.folder_row(folder)?;
        let row = self.load_item_with(folder, id, Content::View)?;
        let body = match ctx.options {
            Some(o) => BodyOptions::from_sync(o)
                .map_err(|e| BackendError::InvalidItem(format!("body options: {e}")))?,
            None => BodyOptions::default(),
        };
        self.render_row(f.class, &row, ctx.version, &body)
    }

    fn add(
        &mut self,
        folder: &CollectionId,
        data: &ApplicationData,
    ) -> Result<ItemMeta, BackendError> {
        let f = self.folder_row(folder)?;
        let content = self.content_of(f.class, data, self.version, None)?;
        let id = self.insert(f.id, &content, None)?;
        self.meta_of_row(id)
    }

    fn change(
        &mut self,
        folder: &CollectionId,
        id: &ItemId,
        data: &ApplicationData,
    ) -> Result<ItemMeta, BackendError> {
        let f = self.folder_row(folder)?;
        let n = self.item_row_id(&f, id)?;
        if f.class == FolderClass::Email {
            let ApplicationData::Email(email) = data else {
                return Err(BackendError::InvalidItem("not a mail item".into()));
            };
            let change = MailChange::from_wire(email)
                .map_err(|e| BackendError::InvalidItem(e.to_string()))?;
            let mut state = self.load_item_with(folder, id, Content::None)?.mail_state;
            change.apply(&mut state);
            let seq = self.next_modseq(f.id)?;
            self.conn
                .cached_execute(
                    "UPDATE store_items SET mail_read = ?1, mail_flag = ?2, mail_categories = ?3,
                        modseq = ?4 WHERE id = ?5",
                    params![
                        i64::from(state.read),
                        state.flag.as_ref().map(flag_to_text),
                        (!state.categories.is_empty())
                            .then(|| state.categories.join(&CATEGORY_SEPARATOR.to_string())),
                        seq,
                        n
                    ],
                )
                .map_err(unavailable)?;
            return self.meta_of_row(n);
        }
        let uid: Option<String> = self
            .conn
            .cached_row("SELECT uid FROM store_items WHERE id = ?1", [n], |r| {
                r.get(0)
            })
            .map_err(unavailable)?;
        let content = self.content_of(f.class, data, self.version, uid)?;
        let seq = self.next_modseq(f.id)?;
        self.conn
            .cached_execute(
                "UPDATE store_items SET content = ?1, date = ?2, complete = ?3, uid = ?4,
                    size = ?5, modseq = ?6 WHERE id = ?7",
                params![
                    content.content,
                    content.date.map(ts),
                    i64::from(content.complete),
                    content.uid,
                    content.content.len() as i64,
                    seq,
                    n
                ],
            )
            .map_err(unavailable)?;
        self.meta_of_row(n)
    }

    fn delete(
        &mut self,
        folder: &CollectionId,
        id: &ItemId,
        to_trash: bool,
    ) -> Result<(), BackendError> {
        let f = self.folder_row(folder)?;
        let n = self.item_row_id(&f, id)?;
        if to_trash
            && f.class == FolderClass::Email
            && let Some(trash) = self.folder_of_type(4)?
            && trash != *folder
        {
            self.move_item(folder, id, &trash)?;
            return Ok(());
        }
        self.tombstone(f.id, n)
    }

    fn move_item(
        &mut self,
        from: &CollectionId,
        id: &ItemId,
        to: &CollectionId,
    ) -> Result<ItemId, BackendError> {
        let src = self.folder_row(from)?;
        let dst = self.folder_row(to)?;
        let n = self.item_row_id(&src, id)?;
        if src.class != dst.class {
            return Err(BackendError::InvalidItem(format!(
                "a {:?} item cannot move to a {:?} folder",
                src.class, dst.class
            )));
        }
        if src.id == dst.id {
            return Ok(id.clone());
        }
        let seq = self.next_modseq(dst.id)?;
        // SQLite copies the content inside the database: a large message is never read
        // into memory to be moved.
        self.conn
            .cached_execute(
                "INSERT INTO store_items (folder_id, modseq, deleted, date, complete, content,
                    outline, uid, size, conversation_id, mail_read, mail_flag, mail_categories,
                    last_verb, last_verb_time)
                 SELECT ?1, ?2, 0, date, complete, content, outline, uid, size,
                    conversation_id, mail_read, mail_flag, mail_categories, last_verb,
                    last_verb_time
                 FROM store_items WHERE id = ?3",
                params![dst.id, seq, n],
            )
            .map_err(unavailable)?;
        let new_id = self.conn.last_insert_rowid();
        self.tombstone(src.id, n)?;
        Ok(ItemId(new_id.to_string()))
    }
}

impl Mailbox<'_> {
    fn check_name_free(
        &self,
        parent: Option<i64>,
        name: &str,
        except: Option<i64>,
    ) -> Result<(), BackendError> {
        let clash: Option<i64> = self
            .conn
            .cached_row(
                "SELECT id FROM store_folders WHERE account_id = ?1 AND parent_id IS ?2
                   AND name = ?3 COLLATE NOCASE AND id IS NOT ?4",
                params![self.account, parent, name, except],
                |r| r.get(0),
            )
            .optional()
            .map_err(unavailable)?;
        match clash {
            Some(_) => Err(BackendError::FolderExists(name.to_string())),
            None => Ok(()),
        }
    }
}

impl crate::item_operations::ItemSource for Mailbox<'_> {
    fn fetch_item(
        &self,
        folder: &CollectionId,
        id: &ItemId,
        version: ProtocolVersion,
        options: Option<&eas_codec::command::item_operations::FetchOptions>,
    ) -> Result<ApplicationData, BackendError> {
        let class = self.folder_class(folder)?;
        let row = self.load_item_with(folder, id, Content::View)?;
        let body = match options {
            Some(o) => BodyOptions::from_fetch(o)
                .map_err(|e| BackendError::InvalidItem(format!("body options: {e}")))?,
            None => BodyOptions::default(),
        };
        self.render_row(class, &row, version, &body)
    }

    fn attachment(&self, file_reference: &str) -> Result<(String, Vec<u8>), BackendError> {
        let (content_type, data) = self.attachment_data(file_reference)?;
        let bytes = match data {
            AttachmentData::Bytes(bytes) => bytes,
            AttachmentData::Stored { row, part } => {
                let encoded = read_content_range(self.conn, row, part.start, part.end)?;
                outline::decode_stored(&part, &encoded)
            }
        };
        Ok((content_type, bytes))
    }

    fn read_stored(
        &self,
        row: i64,
        part: &outline::StoredPart,
        first: u64,
        last: u64,
    ) -> Result<Vec<u8>, BackendError> {
        let mut decoder = outline::PartDecoder::new(part).ok_or_else(|| {
            BackendError::Unavailable(format!("item {row}: part is not read by range"))
        })?;
        let cap = usize::try_from(last.saturating_sub(first).saturating_add(1))
            .map_err(|_| BackendError::Unavailable(format!("item {row}: range too large")))?;
        let mut served = Vec::with_capacity(cap.min(STREAM_CHUNK * 16));
        // Decoded bytes before the range are passed over, chunk by chunk.
        let mut decoded_at = 0u64;
        let mut at = part.start;
        let mut chunk = Vec::new();
        let keep = |chunk: &mut Vec<u8>, decoded_at: &mut u64, served: &mut Vec<u8>| {
            let chunk_start = *decoded_at;
            let chunk_end = chunk_start + chunk.len() as u64;
            *decoded_at = chunk_end;
            let from = first.max(chunk_start);
            let to = (last + 1).min(chunk_end);
            if from < to {
                // Offsets inside the chunk: below its length.
                let lo = usize::try_from(from - chunk_start).unwrap_or(0);
                let hi = usize::try_from(to - chunk_start).unwrap_or(0);
                served.extend_from_slice(&chunk[lo..hi]);
            }
            chunk.clear();
        };
        while at < part.end && decoded_at <= last {
            let end = (at + STREAM_CHUNK as u64 * 4).min(part.end);
            let encoded = read_content_range(self.conn, row, at, end)?;
            decoder.push(&encoded, &mut chunk);
            keep(&mut chunk, &mut decoded_at, &mut served);
            at = end;
        }
        if at >= part.end {
            decoder.finish(&mut chunk);
            keep(&mut chunk, &mut decoded_at, &mut served);
        }
        Ok(served)
    }

    fn attachment_data(
        &self,
        file_reference: &str,
    ) -> Result<(String, AttachmentData), BackendError> {
        let missing = || BackendError::NoItem {
            folder: CollectionId(String::new()),
            item: ItemId(file_reference.to_string()),
        };
        let (item, part) = eas_model::mail::attachment::parse_file_reference(file_reference)
            .map_err(|_| missing())?;
        let item = ItemId(item);
        let folder = self.locate(&item)?.ok_or_else(missing)?;
        if self.folder_class(&folder)? != FolderClass::Email {
            return Err(missing());
        }
        let row = self.load_item_with(&folder, &item, Content::View)?;
        let unreadable = |e: eas_model::ModelError| BackendError::Unavailable(e.to_string());
        let parsed = if row.is_outline {
            MailItem::from_outline(&row.content, row.mail_state.clone()).map_err(unreadable)?
        } else {
            MailItem::from_mime(&row.content, row.mail_state.clone()).map_err(unreadable)?
        };
        // Only a part the message lists as an attachment may be fetched: a reference to its
        // body or headers part is not one.
        let attachment = parsed
            .attachments
            .iter()
            .find(|a| a.part_index == part)
            .ok_or_else(missing)?;
        let content_type = attachment.content_type.clone();
        let stored = row
            .is_outline
            .then(|| outline::stored_part(&row.content, part))
            .flatten();
        let data = match stored {
            // Left in the store, to be read (and streamed) by range.
            Some(stored) if outline::PartDecoder::new(&stored).is_some() => {
                AttachmentData::Stored {
                    row: row.id,
                    part: stored,
                }
            }
            // Text and attached messages are decoded whole, from their own bytes only.
            Some(stored) => {
                let encoded = read_content_range(self.conn, row.id, stored.start, stored.end)?;
                AttachmentData::Bytes(outline::decode_stored(&stored, &encoded))
            }
            None => AttachmentData::Bytes(
                eas_model::mail::attachment::part_content(&row.content, part)
                    .map_err(|_| missing())?,
            ),
        };
        Ok((content_type, data))
    }

    fn empty_folder(
        &mut self,
        folder: &CollectionId,
        delete_subfolders: bool,
    ) -> Result<(), BackendError> {
        Mailbox::empty_folder(self, folder, delete_subfolders)
    }

    fn conversation_items(
        &self,
        conversation_id: &[u8],
    ) -> Result<Vec<(CollectionId, ItemId)>, BackendError> {
        Mailbox::conversation_items(self, conversation_id)
    }

    fn move_item(
        &mut self,
        from: &CollectionId,
        id: &ItemId,
        to: &CollectionId,
    ) -> Result<ItemId, BackendError> {
        Backend::move_item(self, from, id, to)
    }

    fn has_folder(&self, folder: &CollectionId) -> bool {
        Mailbox::has_folder(self, folder)
    }
}
