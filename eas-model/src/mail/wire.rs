//! `MailItem` → `eas_codec::data::email::Email` for a protocol version and body preferences.

use eas_codec::ProtocolVersion;
use eas_codec::codec::Opaque;
use eas_codec::data::airsyncbase::{
    Attachment, Attachments, AttachmentsItem, Body, BodyPreference, Location,
};
use eas_codec::data::email::{
    AttachmentV25, AttachmentsV25, Email, EmailCategories, MeetingRequest,
};

use super::body::{self, preview, truncate, truncate_chars};
use super::{MailItem, Mailbox, NativeBody};
use crate::datetime::format_extended;

/// Body type codes (MS-ASAIRS `Type`).
const PLAIN: u8 = 1;
const HTML: u8 = 2;
const MIME: u8 = 4;

impl MailItem {
    /// The Email-class wire item for protocol `version`.
    ///
    /// `prefs` are the client's `BodyPreference`s in its order; the one matching the native
    /// format wins, then the others in order, skipping `AllOrNone` ones that do not fit
    /// (types 1 text, 2 HTML, 4 MIME; 3, RTF, is not produced). With none usable the body
    /// is plain text, cut at the first preference's `TruncationSize` if there is one. HTML-only mail is offered as text and text-only mail as HTML. Protocol
    /// 2.5 has no AirSyncBase: a type-4 preference there means the client asked for MIME
    /// (`MIMESupport`), anything else gets the plain text in `Body`, and the 2.5 sizes and
    /// truncation count characters.
    pub fn to_wire(&self, version: ProtocolVersion, prefs: &[BodyPreference]) -> Email {
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
            content_class: Some(self.content_class.as_str().into()),
            ..Email::default()
        };

        let chosen = self.choose(prefs);

        if v12 {
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
            self.fill_v25(&mut email, &chosen);
        }

        if v14 {
            email.conversation_id = Some(Opaque(self.conversation_id.to_vec()));
            email.conversation_index = Some(Opaque(self.conversation_index.to_vec()));
            email.last_verb_executed = self.state.last_verb_executed;
            email.last_verb_execution_time = self
                .state
                .last_verb_execution_time
                .map(|t| format_extended(t).into());
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

    /// The body preference to answer (MS-ASAIRS 2.2.2.3.2): the one whose type is the
    /// message's native format, else the client's first; but a preference with
    /// `AllOrNone` whose body does not fit gives way to the next one that does. When none
    /// fits, the first candidate is answered with no data and `Truncated` set.
    fn choose(&self, prefs: &[BodyPreference]) -> BodyPreference {
        let native = match self.native_body() {
            NativeBody::Plain => PLAIN,
            NativeBody::Html => HTML,
        };
        let usable = prefs
            .iter()
            .filter(|p| matches!(p.body_type, PLAIN | HTML | MIME));
        let mut candidates: Vec<&BodyPreference> =
            usable.clone().filter(|p| p.body_type == native).collect();
        candidates.extend(usable.filter(|p| p.body_type != native));
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

    /// The protocol 2.5 body and attachment elements.
    fn fill_v25(&self, email: &mut Email, pref: &BodyPreference) {
        let chars = |s: &str| u32::try_from(s.chars().count()).unwrap_or(u32::MAX);
        if pref.body_type == MIME {
            let (data, cut) = truncate_chars(&self.mime, pref.truncation_size);
            email.mime_data = Some(data.into());
            email.mime_size = Some(chars(&self.mime));
            email.mime_truncated = Some(cut);
        } else {
            let (data, cut) = truncate_chars(&self.plain, pref.truncation_size);
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
/// `MeetingMessageType` from 14.1.
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
    m
}
