//! ResolveRecipients (MS-ASCMD 2.2.1.15): resolve names against the GAL and the user's
//! contacts, optionally with S/MIME certificates, free/busy data (14.0+) and photos (14.1+).

use crate::CompactString;
use crate::{status_enum, wire_struct};

status_enum! {
    /// The global ResolveRecipients status (MS-ASCMD 2.2.3.177.12).
    pub enum ResolveRecipientsStatus {
        1 => Success: "Success.",
        5 => ProtocolError: "Protocol error: an invalid parameter, or a range beyond the limits.",
        6 => ServerError: "An error occurred on the server; the client should retry.",
    }
}

status_enum! {
    /// The status of one `Response`, i.e. of one `To` (MS-ASCMD 2.2.3.177.12).
    pub enum RecipientResolveStatus {
        1 => Success: "The recipient was resolved.",
        2 => Ambiguous: "The recipient is ambiguous; the recipients returned are suggestions (no certificates).",
        3 => AmbiguousPartial: "The recipient is ambiguous; the suggestions returned are a partial list (RecipientCount gives the total; no certificates).",
        4 => NotResolved: "The recipient matched no contact or GAL entry; no certificates were returned.",
    }
}

status_enum! {
    /// The status of a recipient's `Availability` (MS-ASCMD 2.2.3.177.12).
    pub enum AvailabilityStatus {
        1 => Success: "Free/busy data was retrieved for the recipient (the response may still be incomplete).",
        160 => TooManyRecipients: "The request named more than 100 recipients by their To elements.",
        161 => DistributionListTooLarge: "The distribution group named by the To element has more than 20 members.",
        162 => TransientFailure: "Free/busy data could not be retrieved for a temporary reason (timeout); the client should retry.",
        163 => Failure: "Free/busy data could not be retrieved (no permission); the client should not retry.",
    }
}

status_enum! {
    /// The status of a recipient's `Certificates` (MS-ASCMD 2.2.3.177.12).
    pub enum CertificatesStatus {
        1 => Success: "One or more certificates were returned.",
        7 => NoValidCertificate: "The recipient has no valid S/MIME certificate; none were returned.",
        8 => CertificateLimitReached: "The global certificate limit was reached; the recipient's certificates were not returned (CertificateCount gives how many).",
    }
}

status_enum! {
    /// The status of a contact photo, in ResolveRecipients and Find (MS-ASCMD 2.2.3.177.12,
    /// 2.2.3.177.2).
    pub enum PictureStatus {
        1 => Success: "The contact photo was retrieved.",
        173 => NoPicture: "The user has no contact photo.",
        174 => PictureTooLarge: "The contact photo is larger than MaxSize.",
        175 => PictureLimitReached: "More contact photos than MaxPictures would be returned.",
    }
}

wire_struct! {
    /// ResolveRecipients request.
    pub struct ResolveRecipientsRequest = ResolveRecipients::ResolveRecipients {
        /// The names or addresses to resolve (at most 1,000; 100 with availability).
        pub to: many CompactString = ResolveRecipients::To,
        /// What to return besides the match.
        pub options: opt ResolveOptions = ResolveRecipients::Options,
    }
}

wire_struct! {
    /// The `Options` of a request.
    pub struct ResolveOptions {
        /// Certificates wanted: 1 none, 2 full certificates, 3 mini certificates.
        pub certificate_retrieval: opt u8 = ResolveRecipients::CertificateRetrieval,
        /// Most certificates to return in all.
        pub max_certificates: opt u32 = ResolveRecipients::MaxCertificates,
        /// Most suggestions to return for an ambiguous recipient.
        pub max_ambiguous_recipients: opt u32 = ResolveRecipients::MaxAmbiguousRecipients,
        /// Free/busy data wanted for this period (14.0+).
        pub availability: opt AvailabilityRequest = ResolveRecipients::Availability,
        /// Contact photos wanted (14.1+).
        pub picture: opt PictureRequest = ResolveRecipients::Picture,
    }
}

wire_struct! {
    /// The period for which free/busy data is wanted.
    pub struct AvailabilityRequest {
        /// Start of the period, as the wire carries it.
        pub start_time: one CompactString = ResolveRecipients::StartTime,
        /// End of the period, as the wire carries it.
        pub end_time: one CompactString = ResolveRecipients::EndTime,
    }
}

wire_struct! {
    /// Limits on the contact photos returned (an empty element asks for photos without limits).
    pub struct PictureRequest {
        /// Largest photo, in bytes.
        pub max_size: opt u32 = ResolveRecipients::MaxSize,
        /// Most photos.
        pub max_pictures: opt u32 = ResolveRecipients::MaxPictures,
    }
}

wire_struct! {
    /// ResolveRecipients response.
    pub struct ResolveRecipientsResponse = ResolveRecipients::ResolveRecipients {
        /// The command's overall result.
        pub status: one ResolveRecipientsStatus = ResolveRecipients::Status,
        /// One answer per `To` of the request.
        pub response: many RecipientResponse = ResolveRecipients::Response,
    }
}

wire_struct! {
    /// The answer for one `To`.
    pub struct RecipientResponse {
        /// The `To` this answers, as the client sent it.
        pub to: one CompactString = ResolveRecipients::To,
        /// Whether and how it resolved.
        pub status: one RecipientResolveStatus = ResolveRecipients::Status,
        /// How many recipients matched (may exceed the recipients returned).
        pub recipient_count: opt u32 = ResolveRecipients::RecipientCount,
        /// The matches (several for a distribution list or an ambiguous name).
        pub recipient: many Recipient = ResolveRecipients::Recipient,
    }
}

wire_struct! {
    /// One resolved recipient.
    pub struct Recipient {
        /// Where it was found: 1 GAL, 2 the user's contacts.
        pub recipient_type: one u8 = ResolveRecipients::Type,
        /// Its display name.
        pub display_name: one CompactString = ResolveRecipients::DisplayName,
        /// Its SMTP address.
        pub email_address: one CompactString = ResolveRecipients::EmailAddress,
        /// Its free/busy data (14.0+).
        pub availability: opt Availability = ResolveRecipients::Availability,
        /// Its certificates.
        pub certificates: opt Certificates = ResolveRecipients::Certificates,
        /// Its contact photo (14.1+).
        pub picture: opt Picture = ResolveRecipients::Picture,
    }
}

wire_struct! {
    /// A recipient's free/busy data.
    pub struct Availability {
        /// Whether the data could be retrieved.
        pub status: one AvailabilityStatus = ResolveRecipients::Status,
        /// One digit per 30 minutes from the requested start: 0 free, 1 tentative, 2 busy,
        /// 3 out of office, 4 no data.
        pub merged_free_busy: opt CompactString = ResolveRecipients::MergedFreeBusy,
    }
}

wire_struct! {
    /// A recipient's S/MIME certificates.
    pub struct Certificates {
        /// Whether certificates were returned.
        pub status: one CertificatesStatus = ResolveRecipients::Status,
        /// How many valid certificates the recipient has.
        pub certificate_count: opt u32 = ResolveRecipients::CertificateCount,
        /// How many members of a distribution list have certificates.
        pub recipient_count: opt u32 = ResolveRecipients::RecipientCount,
        /// Full X.509 certificates, base64.
        pub certificate: many CompactString = ResolveRecipients::Certificate,
        /// Mini certificates, base64.
        pub mini_certificate: many CompactString = ResolveRecipients::MiniCertificate,
    }
}

wire_struct! {
    /// A recipient's contact photo.
    pub struct Picture {
        /// Whether the photo was returned.
        pub status: one PictureStatus = ResolveRecipients::Status,
        /// The photo, base64.
        pub data: opt CompactString = ResolveRecipients::Data,
    }
}
