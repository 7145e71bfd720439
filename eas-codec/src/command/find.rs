//! Find (MS-ASCMD 2.2.1.2, 16.1): search the mailbox or the GAL with a KQL query.

pub use super::search::GalPicture;
use crate::CompactString;
use crate::codec::Empty;
use crate::{status_enum, wire_choice, wire_struct};

status_enum! {
    /// Find status (MS-ASCMD 2.2.3.177.2), of the command and of its `Response`.
    pub enum FindStatus {
        1 => Success: "Success (says nothing about whether anything matched).",
        2 => InvalidRequest: "A search parameter is invalid.",
        3 => FolderSyncRequired: "The folder hierarchy is out of date; a FolderSync is required.",
        4 => RangeMustStartAtZero: "The requested range does not start at 0.",
    }
}

wire_struct! {
    /// Find request.
    pub struct FindRequest = Find::Find {
        /// The client's GUID for this search.
        pub search_id: one CompactString = Find::SearchId,
        /// What to search.
        pub execute_search: one ExecuteSearch = Find::ExecuteSearch,
    }
}

wire_struct! {
    /// The search to run.
    pub struct ExecuteSearch {
        /// The criterion: a mailbox or a GAL search (exactly one).
        pub criterion: choice SearchCriterion,
    }
}

wire_choice! {
    /// A mailbox or a GAL search.
    pub enum SearchCriterion {
        /// Search the mailbox.
        Mailbox(MailboxSearchCriterion) = Find::MailBoxSearchCriterion,
        /// Search the global address list.
        Gal(GalSearchCriterion) = Find::GalSearchCriterion,
    }
}

wire_struct! {
    /// A mailbox search.
    pub struct MailboxSearchCriterion {
        /// The query.
        pub query: one MailboxQuery = Find::Query,
        /// Range and depth.
        pub options: opt FindOptions = Find::Options,
    }
}

wire_struct! {
    /// The query of a mailbox search.
    pub struct MailboxQuery {
        /// The class searched (`Email`).
        pub class: opt CompactString = AirSync::Class,
        /// The folder searched.
        pub collection_id: opt CompactString = AirSync::CollectionId,
        /// The KQL query text.
        pub free_text: opt CompactString = Find::FreeText,
    }
}

wire_struct! {
    /// A GAL search.
    pub struct GalSearchCriterion {
        /// The text to match.
        pub query: one CompactString = Find::Query,
        /// Range and photos.
        pub options: opt FindOptions = Find::Options,
    }
}

wire_struct! {
    /// The options of a search.
    pub struct FindOptions {
        /// The results wanted, `first-last` counting from 0 (e.g. `0-99`).
        pub range: opt CompactString = Find::Range,
        /// Search the subfolders too.
        pub deep_traversal: opt Empty = Find::DeepTraversal,
        /// Return contact photos, within these limits.
        pub picture: opt FindPictureOptions = Find::Picture,
    }
}

wire_struct! {
    /// Limits on the contact photos returned.
    pub struct FindPictureOptions {
        /// Largest photo, in bytes.
        pub max_size: opt u32 = Find::MaxSize,
        /// Most photos.
        pub max_pictures: opt u32 = Find::MaxPictures,
    }
}

wire_struct! {
    /// Find response.
    pub struct FindResponse = Find::Find {
        /// The command's overall result.
        pub status: one FindStatus = Find::Status,
        /// The results.
        pub response: opt FindResults = Find::Response,
    }
}

wire_struct! {
    /// The `Response` of a Find response.
    pub struct FindResults {
        /// The store searched (`Mailbox`).
        pub store: one CompactString = ItemOperations::Store,
        /// The search's result.
        pub status: one FindStatus = Find::Status,
        /// The matches.
        pub result: many FindResult = Find::Result,
        /// The range of matches returned.
        pub range: opt CompactString = Find::Range,
        /// How many matches there are in all.
        pub total: opt u32 = Find::Total,
    }
}

wire_struct! {
    /// One match.
    pub struct FindResult {
        /// The item's class.
        pub class: opt CompactString = AirSync::Class,
        /// The item's server id.
        pub server_id: opt CompactString = AirSync::ServerId,
        /// The item's folder.
        pub collection_id: opt CompactString = AirSync::CollectionId,
        /// The item's properties.
        pub properties: one FindProperties = Find::Properties,
    }
}

wire_struct! {
    /// The properties of a match (MS-ASCMD 2.2.3.139.1): mail properties for a mailbox search,
    /// GAL properties for a GAL search.
    pub struct FindProperties {
        /// The subject.
        pub subject: opt CompactString = Email::Subject,
        /// When the mail was received, as the wire carries it.
        pub date_received: opt CompactString = Email::DateReceived,
        /// The primary recipients' display names.
        pub display_to: opt CompactString = Email::DisplayTo,
        /// The secondary recipients' display names, separated by semicolons.
        pub display_cc: opt CompactString = Find::DisplayCc,
        /// The blind recipients' display names, separated by semicolons.
        pub display_bcc: opt CompactString = Find::DisplayBcc,
        /// Importance: 0 low, 1 normal, 2 high.
        pub importance: opt u8 = Email::Importance,
        /// Whether the mail was read.
        pub read: opt bool = Email::Read,
        /// Whether the mail is a draft.
        pub is_draft: opt bool = Email2::IsDraft,
        /// Up to 255 characters of the text body.
        pub preview: opt CompactString = Find::Preview,
        /// Whether the mail has attachments.
        pub has_attachments: opt bool = Find::HasAttachments,
        /// The sender.
        pub from: opt CompactString = Email::From,
        /// The GAL entry's display name.
        pub display_name: opt CompactString = Gal::DisplayName,
        /// The GAL entry's work phone.
        pub phone: opt CompactString = Gal::Phone,
        /// The GAL entry's office.
        pub office: opt CompactString = Gal::Office,
        /// The GAL entry's title.
        pub title: opt CompactString = Gal::Title,
        /// The GAL entry's company.
        pub company: opt CompactString = Gal::Company,
        /// The GAL entry's alias.
        pub alias: opt CompactString = Gal::Alias,
        /// The GAL entry's first name.
        pub first_name: opt CompactString = Gal::FirstName,
        /// The GAL entry's last name.
        pub last_name: opt CompactString = Gal::LastName,
        /// The GAL entry's home phone.
        pub home_phone: opt CompactString = Gal::HomePhone,
        /// The GAL entry's mobile phone.
        pub mobile_phone: opt CompactString = Gal::MobilePhone,
        /// The GAL entry's SMTP address.
        pub email_address: opt CompactString = Gal::EmailAddress,
        /// The GAL entry's photo.
        pub picture: opt GalPicture = Gal::Picture,
    }
}
