//! RightsManagement (MS-ASRM, code page 24): the license of an IRM-protected message, as it
//! appears in an Email item (14.1+).
//!
//! Field order is the one of MS-ASRM's examples and schema (section 6).

use crate::CompactString;
use crate::wire_struct;

wire_struct! {
    /// `RightsManagementLicense`: what the user may do with a protected message
    /// (MS-ASRM 2.2.2.14).
    pub struct RightsManagementLicense {
        /// Whether the user owns the content (and so has every right).
        pub owner: opt bool = RightsManagement::Owner,
        /// The email address of the content's owner.
        pub content_owner: opt CompactString = RightsManagement::ContentOwner,
        /// Whether the user may reply to all recipients.
        pub reply_all_allowed: opt bool = RightsManagement::ReplyAllAllowed,
        /// Whether the user may edit the content.
        pub edit_allowed: opt bool = RightsManagement::EditAllowed,
        /// Whether the user may reply to the sender.
        pub reply_allowed: opt bool = RightsManagement::ReplyAllowed,
        /// Whether the user may forward the message.
        pub forward_allowed: opt bool = RightsManagement::ForwardAllowed,
        /// Whether the user may remove the protection when forwarding or replying.
        pub export_allowed: opt bool = RightsManagement::ExportAllowed,
        /// Whether the user may change the recipients when forwarding or replying.
        pub modify_recipients_allowed: opt bool = RightsManagement::ModifyRecipientsAllowed,
        /// The id of the rights policy template applied.
        pub template_id: opt CompactString = RightsManagement::TemplateID,
        /// Whether the user may copy content out of the message.
        pub extract_allowed: opt bool = RightsManagement::ExtractAllowed,
        /// Description of the template applied.
        pub template_description: opt CompactString = RightsManagement::TemplateDescription,
        /// When the license expires (`9999-12-30T23:59:59.999Z` for never).
        pub content_expiry_date: opt CompactString = RightsManagement::ContentExpiryDate,
        /// Name of the template applied.
        pub template_name: opt CompactString = RightsManagement::TemplateName,
        /// Whether the user may print the message.
        pub print_allowed: opt bool = RightsManagement::PrintAllowed,
        /// Whether other programs may access the content.
        pub programmatic_access_allowed: opt bool = RightsManagement::ProgrammaticAccessAllowed,
    }
}
