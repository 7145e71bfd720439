//! The two wire forms of SmartReply / SmartForward, read into one request.
//!
//! 14.0+ sends a ComposeMail WBXML document (`eas_codec::command::compose`); 12.x sends the
//! raw MIME as the HTTP body and the rest as URL parameters (MS-ASHTTP 2.2.1.1.1.2.5:
//! `ItemId`, `CollectionId`, `LongId`, `Occurrence`, `SaveInSent`).

use chrono::{DateTime, Utc};
use eas_codec::command::compose::{SmartForwardRequest, SmartReplyRequest, Source};

use super::{OriginalHeaders, Outgoing, SendContext, SmartOptions, smart_forward, smart_reply};
use crate::{ModelError, datetime};

/// Which command a request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmartKind {
    /// SmartReply: the original is quoted below the client's text.
    Reply,
    /// SmartForward: the original and its attachments follow the client's text.
    Forward,
}

/// The message a SmartReply or SmartForward refers to; the caller fetches it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceRef {
    /// An item of a folder, by server id.
    Item {
        /// The folder; `None` means the Inbox (MS-ASCMD 2.2.3.93).
        folder_id: Option<String>,
        /// The item's server id.
        item_id: String,
        /// The occurrence of a recurring meeting, by its start time.
        instance_id: Option<DateTime<Utc>>,
    },
    /// An item found by Search, by its long id.
    LongId(String),
}

/// A SmartReply or SmartForward, whichever protocol form it came in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmartRequest<'a> {
    /// Reply or forward.
    pub kind: SmartKind,
    /// The client's new message, MIME.
    pub mime: &'a [u8],
    /// The message replied to or forwarded.
    pub source: SourceRef,
    /// Whether the caller should file a copy in Sent Items.
    pub save_in_sent_items: bool,
    /// How to build the outgoing message (`replace_mime` comes from the request).
    pub options: SmartOptions,
}

/// The URL parameters of a 12.x SmartReply / SmartForward, as the query string carried them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LegacyQuery<'a> {
    /// `ItemId`: the source message's server id.
    pub item_id: Option<&'a str>,
    /// `CollectionId`: the folder of the source message.
    pub collection_id: Option<&'a str>,
    /// `LongId`: a Search result's long id.
    pub long_id: Option<&'a str>,
    /// `Occurrence`: the occurrence of a recurring meeting (an EAS date-time).
    pub occurrence: Option<&'a str>,
    /// `SaveInSent`: `T` or `F` (the default).
    pub save_in_sent: Option<&'a str>,
}

impl<'a> SmartRequest<'a> {
    /// A 14.0+ SmartReply.
    pub fn from_reply(req: &'a SmartReplyRequest) -> Result<Self, ModelError> {
        Ok(SmartRequest {
            kind: SmartKind::Reply,
            mime: &req.mime.0,
            source: source_of(&req.source)?,
            save_in_sent_items: req.save_in_sent_items.is_some(),
            options: SmartOptions {
                replace_mime: req.replace_mime.is_some(),
                original_headers: OriginalHeaders::CommandDefault,
            },
        })
    }

    /// A 14.0+ SmartForward. The 16.0 form that forwards a meeting with `Body` and
    /// `Forwardees` instead of MIME is refused here: it is a calendar operation.
    pub fn from_forward(req: &'a SmartForwardRequest) -> Result<Self, ModelError> {
        let mime = req.mime.as_ref().ok_or(ModelError::InvalidField {
            field: "Mime",
            reason: "a SmartForward without MIME (a meeting forward with Forwardees) is not a \
                     mail forward"
                .into(),
        })?;
        Ok(SmartRequest {
            kind: SmartKind::Forward,
            mime: &mime.0,
            source: source_of(&req.source)?,
            save_in_sent_items: req.save_in_sent_items.is_some(),
            options: SmartOptions {
                replace_mime: req.replace_mime.is_some(),
                original_headers: OriginalHeaders::CommandDefault,
            },
        })
    }

    /// A 12.x request: the HTTP body `mime` and the URL parameters. 12.x has no
    /// `ReplaceMime`: the server always appends the original.
    pub fn from_legacy(
        kind: SmartKind,
        mime: &'a [u8],
        query: &LegacyQuery<'_>,
    ) -> Result<Self, ModelError> {
        let source = pick_source(
            query.collection_id,
            query.item_id,
            query.long_id,
            query.occurrence,
            ("CollectionId", "ItemId", "LongId", "Occurrence"),
        )?;
        let save_in_sent_items = match query.save_in_sent.map(str::trim) {
            None | Some("F") | Some("f") => false,
            Some("T") | Some("t") => true,
            Some(other) => {
                return Err(ModelError::InvalidField {
                    field: "SaveInSent",
                    reason: format!("{other:?} is neither T nor F"),
                });
            }
        };
        Ok(SmartRequest {
            kind,
            mime,
            source,
            save_in_sent_items,
            options: SmartOptions::default(),
        })
    }
}

impl SmartRequest<'_> {
    /// Build the message to transmit, given the source message's MIME as the server fetched
    /// it (see [`smart_reply`] and [`smart_forward`]).
    pub fn build(&self, original: &[u8], ctx: &SendContext<'_>) -> Result<Outgoing, ModelError> {
        match self.kind {
            SmartKind::Reply => smart_reply(self.mime, original, &self.options, ctx),
            SmartKind::Forward => smart_forward(self.mime, original, &self.options, ctx),
        }
    }
}

fn source_of(s: &Source) -> Result<SourceRef, ModelError> {
    pick_source(
        s.folder_id.as_deref(),
        s.item_id.as_deref(),
        s.long_id.as_deref(),
        s.instance_id.as_deref(),
        ("FolderId", "ItemId", "LongId", "InstanceId"),
    )
}

/// A parameter that is absent, empty or blank counts as absent.
fn present(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|s| !s.is_empty())
}

/// MS-ASCMD 2.2.3.173 / 2.2.3.74: `LongId` excludes `FolderId` and `ItemId`; `FolderId`
/// needs `ItemId`.
fn pick_source(
    folder: Option<&str>,
    item: Option<&str>,
    long: Option<&str>,
    instance: Option<&str>,
    names: (&'static str, &'static str, &'static str, &'static str),
) -> Result<SourceRef, ModelError> {
    let instance_id = present(instance)
        .map(|s| datetime::parse(s, names.3))
        .transpose()?;
    match (present(folder), present(item), present(long)) {
        (None, None, Some(l)) => Ok(SourceRef::LongId(l.to_string())),
        (_, _, Some(_)) => Err(ModelError::InvalidField {
            field: names.2,
            reason: format!("{} must not come with {} or {}", names.2, names.0, names.1),
        }),
        (f, Some(i), None) => Ok(SourceRef::Item {
            folder_id: f.map(str::to_string),
            item_id: i.to_string(),
            instance_id,
        }),
        (Some(_), None, None) => Err(ModelError::InvalidField {
            field: names.1,
            reason: format!("{} needs {}", names.0, names.1),
        }),
        (None, None, None) => Err(ModelError::InvalidField {
            field: names.1,
            reason: format!(
                "neither {} nor {} names the source message",
                names.1, names.2
            ),
        }),
    }
}
