//! `MailItem` → `eas_codec::data::email::Email` for a protocol version and body preferences.

use eas_codec::ProtocolVersion;
use eas_codec::codec::Opaque;
use eas_codec::data::airsyncbase::{
    Attachment, Attachments, AttachmentsItem, Body, BodyPart, BodyPartPreference, BodyPreference,
    Location,
};
use eas_codec::data::email::{
    AttachmentV25, AttachmentsV25, Email, EmailCategories, MeetingRequest,
};

use super::body::{self, preview, truncate, truncate_chars};
use super::options::{BodyOptions, mime_truncation_chars, truncation_chars};
use super::{MailItem, Mailbox, NativeBody, quote};
use crate::datetime::format_extended;

/// Body type codes (MS-ASAIRS `Type`).
const PLAIN: u8 = 1;
const HTML: u8 = 2;
const MIME: u8 = 4;

impl MailItem {
    /// The Email-class wire item for protocol `version` and body preferences `prefs`, for a
    /// caller without an `Options` element: [`MailItem::to_wire_with`] with
    /// [`BodyOptions::new`] (a type-4 preference counts as `MIMESupport` 2).
    pub fn to_wire(&self, version: ProtocolVersion, prefs: &[BodyPreference]) -> Email {
        self.to_wire_with(version, &BodyOptions::new(prefs))
    }

    /// The Email-class wire item for protocol `version` and the client's body options.
    ///
    /// From 12.0 the body answers one `BodyPreference`: an S/MIME message goes as MIME first
    /// when `MIMESupport` allows it and a preference asks for type 4 (no other form can show
    /// it); then the preference matching the native format; then the others in the client's
    /// order, skipping `AllOrNone` ones that do not fit (types 1 text, 2 HTML, and 4 MIME
    /// only where `MIMESupport` allows; 3, RTF, is not produced). With none usable the body
    /// is plain text, cut at the first preference's `TruncationSize` if there is one.
    /// HTML-only mail is offered as text and text-only mail as HTML. With a
    /// `BodyPartPreference` (14.1+) the item also carries the `BodyPart`: the new text
    /// without the quoted history, as HTML.
    ///
    /// Protocol 2.5 has no AirSyncBase: when `MIMESupport` allows it the message goes whole
    /// in `MIMEData`, cut by the `MIMETruncation` code, else the plain text in `Body`, cut by
    /// the `Truncation` code; both count characters. Without a code the matching
    /// preference's `TruncationSize` stands in (counted in characters too).
    pub fn to_wire_with(&self, version: ProtocolVersion, options: &BodyOptions) -> Email {
        let v12 = version >= ProtocolVersion::V12_0;
        let v14 = version >= ProtocolVersion::V14_0;
        let mut email = Email {
            to: join(&self.to, ", "),
            cc: join(&self.cc, ", "),
            from: join(&self.from, ", "),
            subject: self.subject.as_deref().map(Into::into),
            reply_to: join(&self.reply_to, "; "),
            date_received: self.date_received.map(|t| format_extended(t).into()),
            display_to: display_names(&self.to),
            thread_topic: self.thread_topic.as_deref().map(Into::into),
            importance: Some(self.importance),
            read: Some(self.state.read),
            message_class: Some(self.message_class.as_str().into()),
            meeting_request: self.meeting.as_ref().map(|m| meeting_for(m, version)),
            internet_cpid: Some(self.internet_cpid.to_string().into()),
            ..Email::default()
        };

        let chosen = self.choose(options);

        if v12 {
            // ContentClass is 12.0+: the 2.5 code page has no such element.
            email.content_class = Some(self.content_class.as_str().into());
            email.body = Some(self.body_for(&chosen, v14));
            email.native_body_type = Some(match self.native_body() {
                NativeBody::Plain => PLAIN,
                NativeBody::Html => HTML,
            });
            // An empty Flag says "not flagged" (MS-ASEMAIL 2.2.2.34).
            email.flag = Some(self.state.flag.clone().unwrap_or_default());
            if !self.attachments.is_empty() {
                email.attachments = Some(Attachments {
                    items: self
                        .attachments
                        .iter()
                        .map(|a| {
                            AttachmentsItem::Attachment(Attachment {
                                display_name: Some(a.display_name.as_str().into()),
                                file_reference: Some(a.file_reference.as_str().into()),
                                method: Some(a.method.code()),
                                estimated_data_size: Some(
                                    u32::try_from(a.size).unwrap_or(u32::MAX),
                                ),
                                content_id: a.content_id.as_deref().map(Into::into),
                                content_location: a.content_location.as_deref().map(Into::into),
                                is_inline: Some(a.is_inline),
                                ..Attachment::default()
                            })
                        })
                        .collect(),
                });
            }
        } else {
            self.fill_v25(&mut email, &chosen, options);
        }

        if version >= ProtocolVersion::V14_1
            && let Some(pref) = options.part_preferences.first()
        {
            email.body_part = Some(self.body_part_for(pref));
        }

        if v14 {
            email.conversation_id = Some(Opaque(self.conversation_id.to_vec()));
            email.conversation_index = Some(Opaque(self.conversation_index.to_vec()));
            email.last_verb_executed = self.state.last_verb_executed;
            // A time without the verb it belongs to means nothing to the device.
            email.last_verb_execution_time = self
                .state
                .last_verb_execution_time
                .filter(|_| self.state.last_verb_executed.is_some())
                .map(|t| format_extended(t).into());
            email.sender = self
                .sender
                .as_ref()
                .and_then(Mailbox::to_rfc5322)
                .map(Into::into);
            email.received_as_bcc = self.received_as_bcc();
            email.categories = Some(EmailCategories {
                categories: self
                    .state
                    .categories
                    .iter()
                    .map(|c| c.as_str().into())
                    .collect(),
            });
        }
        email
    }

    /// Whether the message is S/MIME signed or encrypted (its class is `IPM.Note.SMIME…`).
    fn is_smime(&self) -> bool {
        self.message_class.starts_with("IPM.Note.SMIME")
    }

    /// The body preference to answer (MS-ASAIRS 2.2.2.3.2): MIME for an S/MIME message when
    /// allowed, else the one whose type is the message's native format, else the client's
    /// first; but a preference with `AllOrNone` whose body does not fit gives way to the
    /// next one that does. When none fits, the first candidate is answered with no data and
    /// `Truncated` set.
    fn choose(&self, options: &BodyOptions) -> BodyPreference {
        let prefs = &options.preferences;
        let native = match self.native_body() {
            NativeBody::Plain => PLAIN,
            NativeBody::Html => HTML,
        };
        let smime = self.is_smime();
        let mime_ok = options.mime_support.allows(smime);
        let usable = prefs
            .iter()
            .filter(|p| matches!(p.body_type, PLAIN | HTML) || p.body_type == MIME && mime_ok);
        let first = if smime && mime_ok { MIME } else { native };
        let mut candidates: Vec<&BodyPreference> =
            usable.clone().filter(|p| p.body_type == first).collect();
        candidates.extend(
            usable
                .clone()
                .filter(|p| p.body_type == native && first != native),
        );
        candidates.extend(usable.filter(|p| p.body_type != first && p.body_type != native));
        let fits = |p: &BodyPreference| {
            let Some(limit) = p.truncation_size.filter(|_| p.all_or_none == Some(true)) else {
                return true;
            };
            let size = match p.body_type {
                HTML => self
                    .html
                    .as_ref()
                    .map_or_else(|| body::text_to_html(&self.plain).len(), String::len),
                MIME => self.mime.len(),
                _ => self.plain.len(),
            };
            size <= limit as usize
        };
        candidates
            .iter()
            .find(|p| fits(p))
            .or(candidates.first())
            .map(|p| (*p).clone())
            .unwrap_or_else(|| BodyPreference {
                // No type the server can produce (RTF only, or nothing asked): plain text,
                // within the first preference's limits.
                body_type: PLAIN,
                truncation_size: prefs.first().and_then(|p| p.truncation_size),
                all_or_none: prefs.first().and_then(|p| p.all_or_none),
                preview: prefs.first().and_then(|p| p.preview),
            })
    }

    /// The AirSyncBase `Body` for one preference.
    fn body_for(&self, pref: &BodyPreference, with_preview: bool) -> Body {
        let html;
        let (body_type, full): (u8, &str) = match pref.body_type {
            HTML => {
                html = self.html_rendition();
                (HTML, html.as_str())
            }
            MIME => (MIME, self.mime.as_str()),
            _ => (PLAIN, self.plain.as_str()),
        };
        let cut = truncate(
            full,
            pref.truncation_size,
            pref.all_or_none.unwrap_or(false),
        );
        Body {
            body_type: Some(body_type),
            estimated_data_size: Some(u32::try_from(cut.full_size).unwrap_or(u32::MAX)),
            truncated: Some(cut.truncated),
            data: cut.data.map(Into::into),
            preview: pref
                .preview
                .filter(|n| with_preview && *n > 0)
                .map(|n| preview(&self.plain, n).into()),
            part: None,
        }
    }

    /// The `BodyPart` for a `BodyPartPreference`: the message part as HTML (the only type
    /// MS-ASAIRS defines), cut at `TruncationSize`; with `AllOrNone` and a part that does not
    /// fit, no data and status 176 (too large).
    fn body_part_for(&self, pref: &BodyPartPreference) -> BodyPart {
        let html = self.message_part_html();
        let cut = truncate(
            &html,
            pref.truncation_size,
            pref.all_or_none.unwrap_or(false),
        );
        BodyPart {
            status: Some(if cut.data.is_some() { 1 } else { 176 }),
            body_type: Some(HTML),
            estimated_data_size: Some(u32::try_from(cut.full_size).unwrap_or(u32::MAX)),
            truncated: Some(cut.truncated),
            data: cut.data.map(Into::into),
            preview: pref
                .preview
                .filter(|n| *n > 0)
                .map(|n| preview(quote::new_text(&self.plain), n).into()),
        }
    }

    /// The protocol 2.5 body and attachment elements.
    fn fill_v25(&self, email: &mut Email, pref: &BodyPreference, options: &BodyOptions) {
        let chars = |s: &str| u32::try_from(s.chars().count()).unwrap_or(u32::MAX);
        if options.mime_support.allows(self.is_smime()) {
            let limit = mime_truncation_chars(options.mime_truncation).or_else(|| {
                options
                    .preferences
                    .iter()
                    .find(|p| p.body_type == MIME)
                    .and_then(|p| p.truncation_size)
                    .filter(|_| options.mime_truncation.is_none())
            });
            let (data, cut) = truncate_chars(&self.mime, limit);
            email.mime_data = Some(data.into());
            email.mime_size = Some(chars(&self.mime));
            email.mime_truncated = Some(cut);
        } else {
            let limit = truncation_chars(options.truncation).or_else(|| {
                pref.truncation_size
                    .filter(|_| options.truncation.is_none())
            });
            let (data, cut) = truncate_chars(&self.plain, limit);
            email.body_v25 = Some(data.into());
            email.body_size = Some(chars(&self.plain));
            email.body_truncated = Some(cut);
        }
        if !self.attachments.is_empty() {
            email.attachments_v25 = Some(AttachmentsV25 {
                attachments: self
                    .attachments
                    .iter()
                    .map(|a| AttachmentV25 {
                        att_name: Some(a.file_reference.as_str().into()),
                        att_size: Some(u32::try_from(a.size).unwrap_or(u32::MAX)),
                        att_oid: a.content_id.as_deref().map(Into::into),
                        att_method: Some(a.method.code()),
                        display_name: Some(a.display_name.as_str().into()),
                    })
                    .collect(),
            });
        }
    }
}

/// Mailboxes as one header value; `None` when there are none (an absent `To`, not an empty
/// one: Scalix bug 20941).
fn join(list: &[Mailbox], sep: &str) -> Option<eas_codec::CompactString> {
    let parts: Vec<String> = list.iter().filter_map(Mailbox::to_rfc5322).collect();
    (!parts.is_empty()).then(|| parts.join(sep).into())
}

/// `DisplayTo`: the To recipients' display names, semicolon-separated.
fn display_names(list: &[Mailbox]) -> Option<eas_codec::CompactString> {
    let names: Vec<&str> = list.iter().filter_map(Mailbox::shown_name).collect();
    (!names.is_empty()).then(|| names.join("; ").into())
}

/// The meeting with only the elements `version` defines: `Location` and `GlobalObjId` until
/// 14.1, AirSyncBase `Location` and `UID` from 16.0, `DisallowNewTimeProposal` from 14.0,
/// `MeetingMessageType` from 14.1, and in the recurrence `CalendarType` / `IsLeapMonth` from
/// 14.0 and `FirstDayOfWeek` from 14.1.
fn meeting_for(m: &MeetingRequest, version: ProtocolVersion) -> MeetingRequest {
    let mut m = m.clone();
    if version >= ProtocolVersion::V16_0 {
        m.location_v16 = m.location.take().map(|l| Location {
            display_name: Some(l),
            ..Location::default()
        });
        m.global_obj_id = None;
    } else {
        m.uid = None;
    }
    if version < ProtocolVersion::V14_1 {
        m.meeting_message_type = None;
    }
    if version < ProtocolVersion::V14_0 {
        m.disallow_new_time_proposal = None;
    }
    for r in m.recurrences.iter_mut().flat_map(|r| &mut r.recurrences) {
        if version < ProtocolVersion::V14_1 {
            r.first_day_of_week = None;
        }
        if version < ProtocolVersion::V14_0 {
            r.calendar_type = None;
            r.is_leap_month = None;
        }
    }
    m
}
