//! Settings (MS-ASCMD 2.2.1.18): out-of-office settings, device information, the device
//! recovery password, the user's addresses and accounts, and the rights-management templates.
//!
//! A request carries any of the sections (`Oof`, `DeviceInformation`, `DevicePassword`,
//! `UserInformation`, `RightsManagementInformation`); the response answers each section it was
//! asked with that section's own `Status`, next to the command's global `Status`.
//!
//! `DeviceInformation`'s `Set` is an `xs:all` group, and real clients disagree on its order
//! (MS-ASCMD's own example and libwbxml put `MobileOperator` before `UserAgent`, Android sends
//! `UserAgent`, `EnableOutboundSMS`, `MobileOperator`), so its properties are kept as a list
//! in document order ([`DeviceInformationSet::properties`]) with accessors by name.

use crate::CompactString;
use crate::{status_enum, wire_choice, wire_struct};

status_enum! {
    /// Settings status (MS-ASCMD 2.2.3.177.15), both the command's global status and the status
    /// of each section (`Oof`, `DeviceInformation`, `DevicePassword`, `UserInformation`,
    /// `RightsManagementInformation`).
    pub enum SettingsStatus {
        1 => Success: "Success.",
        2 => ProtocolError: "Protocol error: the request is malformed.",
        3 => AccessDenied: "Access denied.",
        4 => ServerUnavailable: "The server is unavailable.",
        5 => InvalidArguments: "Invalid arguments.",
        6 => ConflictingArguments: "Conflicting arguments.",
        7 => DeniedByPolicy: "Denied by policy.",
    }
}

// ---- Requests ----

wire_struct! {
    /// Settings request: the sections the client gets or sets.
    pub struct SettingsRequest = Settings::Settings {
        /// Get or set out-of-office settings.
        pub oof: opt OofRequest = Settings::Oof,
        /// Send the device's properties.
        pub device_information: opt DeviceInformation = Settings::DeviceInformation,
        /// Set (or clear, with an empty password) the device recovery password.
        pub device_password: opt DevicePasswordRequest = Settings::DevicePassword,
        /// Ask for the user's addresses and accounts.
        pub user_information: opt UserInformationRequest = Settings::UserInformation,
        /// Ask for the rights-management templates (14.1+).
        pub rights_management_information: opt RightsManagementInformationRequest =
            Settings::RightsManagementInformation,
    }
}

wire_struct! {
    /// The `Oof` section of a request: a `Get` or a `Set`.
    pub struct OofRequest {
        /// Read the out-of-office settings.
        pub get: opt OofGet = Settings::Get,
        /// Change the out-of-office settings.
        pub set: opt OofSettings = Settings::Set,
    }
}

wire_struct! {
    /// The `Get` of an `Oof` request.
    pub struct OofGet {
        /// The format the reply messages are wanted in (`Text` or `HTML`).
        pub body_type: one CompactString = Settings::BodyType,
    }
}

wire_struct! {
    /// Out-of-office settings: the `Set` of a request or the `Get` of a response.
    pub struct OofSettings {
        /// 0 disabled, 1 enabled (global), 2 enabled for the time between `start_time` and
        /// `end_time`.
        pub oof_state: opt u8 = Settings::OofState,
        /// Start of the out-of-office period (for state 2), as the wire carries it.
        pub start_time: opt CompactString = Settings::StartTime,
        /// End of the out-of-office period (for state 2), as the wire carries it.
        pub end_time: opt CompactString = Settings::EndTime,
        /// The messages for each audience (up to three).
        pub oof_message: many OofMessage = Settings::OofMessage,
    }
}

wire_struct! {
    /// The out-of-office message for one audience; exactly one `applies_to_*` is present.
    pub struct OofMessage {
        /// The message is for senders inside the organisation.
        pub applies_to_internal: opt crate::codec::Empty = Settings::AppliesToInternal,
        /// The message is for known senders outside the organisation (in the contacts).
        pub applies_to_external_known: opt crate::codec::Empty = Settings::AppliesToExternalKnown,
        /// The message is for unknown senders outside the organisation.
        pub applies_to_external_unknown: opt crate::codec::Empty =
            Settings::AppliesToExternalUnknown,
        /// Whether the message is sent to this audience.
        pub enabled: opt bool = Settings::Enabled,
        /// The reply text.
        pub reply_message: opt CompactString = Settings::ReplyMessage,
        /// The reply's format (`Text` or `HTML`).
        pub body_type: opt CompactString = Settings::BodyType,
    }
}

wire_struct! {
    /// The `DeviceInformation` a client sends (in Settings, and in Provision from 14.1 on).
    pub struct DeviceInformation {
        /// The device's properties.
        pub set: one DeviceInformationSet = Settings::Set,
    }
}

wire_struct! {
    /// The `Set` of `DeviceInformation`: the device's properties in document order.
    pub struct DeviceInformationSet {
        /// The properties, as sent.
        pub properties: choice DeviceProperty,
    }
}

wire_choice! {
    /// One property of the device.
    pub enum DeviceProperty {
        /// The device model.
        Model(String) = Settings::Model,
        /// The International Mobile Equipment Identity.
        Imei(String) = Settings::IMEI,
        /// The name the user gave the device.
        FriendlyName(String) = Settings::FriendlyName,
        /// The operating system.
        Os(String) = Settings::OS,
        /// The operating system's language.
        OsLanguage(String) = Settings::OSLanguage,
        /// The device's phone number.
        PhoneNumber(String) = Settings::PhoneNumber,
        /// The client's user agent (12.1+).
        UserAgent(String) = Settings::UserAgent,
        /// Whether the device sends SMS through the server (14.0+).
        EnableOutboundSms(bool) = Settings::EnableOutboundSMS,
        /// The mobile network operator (14.0+).
        MobileOperator(String) = Settings::MobileOperator,
    }
}

impl DeviceInformationSet {
    fn text(&self, pick: fn(&DeviceProperty) -> Option<&String>) -> Option<&str> {
        self.properties.iter().find_map(pick).map(String::as_str)
    }

    /// The device model.
    pub fn model(&self) -> Option<&str> {
        self.text(|p| match p {
            DeviceProperty::Model(s) => Some(s),
            _ => None,
        })
    }

    /// The IMEI.
    pub fn imei(&self) -> Option<&str> {
        self.text(|p| match p {
            DeviceProperty::Imei(s) => Some(s),
            _ => None,
        })
    }

    /// The friendly name.
    pub fn friendly_name(&self) -> Option<&str> {
        self.text(|p| match p {
            DeviceProperty::FriendlyName(s) => Some(s),
            _ => None,
        })
    }

    /// The operating system.
    pub fn os(&self) -> Option<&str> {
        self.text(|p| match p {
            DeviceProperty::Os(s) => Some(s),
            _ => None,
        })
    }

    /// The operating system's language.
    pub fn os_language(&self) -> Option<&str> {
        self.text(|p| match p {
            DeviceProperty::OsLanguage(s) => Some(s),
            _ => None,
        })
    }

    /// The phone number.
    pub fn phone_number(&self) -> Option<&str> {
        self.text(|p| match p {
            DeviceProperty::PhoneNumber(s) => Some(s),
            _ => None,
        })
    }

    /// The user agent.
    pub fn user_agent(&self) -> Option<&str> {
        self.text(|p| match p {
            DeviceProperty::UserAgent(s) => Some(s),
            _ => None,
        })
    }

    /// The mobile operator.
    pub fn mobile_operator(&self) -> Option<&str> {
        self.text(|p| match p {
            DeviceProperty::MobileOperator(s) => Some(s),
            _ => None,
        })
    }

    /// Whether outbound SMS is enabled, if the client said.
    pub fn enable_outbound_sms(&self) -> Option<bool> {
        self.properties.iter().find_map(|p| match p {
            DeviceProperty::EnableOutboundSms(b) => Some(*b),
            _ => None,
        })
    }
}

wire_struct! {
    /// The `DevicePassword` section of a request.
    pub struct DevicePasswordRequest {
        /// The password to store.
        pub set: one DevicePasswordSet = Settings::Set,
    }
}

wire_struct! {
    /// The `Set` of a `DevicePassword` request.
    pub struct DevicePasswordSet {
        /// The recovery password (empty to clear it).
        pub password: one CompactString = Settings::Password,
    }
}

wire_struct! {
    /// The `UserInformation` section of a request.
    pub struct UserInformationRequest {
        /// The (empty) `Get`.
        pub get: one crate::codec::Empty = Settings::Get,
    }
}

wire_struct! {
    /// The `RightsManagementInformation` section of a request (14.1+).
    pub struct RightsManagementInformationRequest {
        /// The (empty) `Get`.
        pub get: one crate::codec::Empty = Settings::Get,
    }
}

// ---- Responses ----

wire_struct! {
    /// Settings response: the global status and one answer per section asked.
    pub struct SettingsResponse = Settings::Settings {
        /// The command's overall result.
        pub status: one SettingsStatus = Settings::Status,
        /// The out-of-office answer.
        pub oof: opt OofResponse = Settings::Oof,
        /// The result of sending device information.
        pub device_information: opt DeviceInformationStatus = Settings::DeviceInformation,
        /// The result of setting the recovery password.
        pub device_password: opt DevicePasswordStatus = Settings::DevicePassword,
        /// The user's addresses and accounts.
        pub user_information: opt UserInformationResponse = Settings::UserInformation,
        /// The rights-management templates (14.1+).
        pub rights_management_information: opt RightsManagementInformationResponse =
            Settings::RightsManagementInformation,
    }
}

wire_struct! {
    /// The `Oof` section of a response.
    pub struct OofResponse {
        /// The section's result.
        pub status: opt SettingsStatus = Settings::Status,
        /// The settings, when the request was a `Get`.
        pub get: opt OofSettings = Settings::Get,
    }
}

wire_struct! {
    /// The `DeviceInformation` of a response (also in Provision responses).
    ///
    /// The schema puts `Status` directly here (Exchange does); MS-ASCMD's example and some
    /// servers wrap it in `Set`, which [`DeviceInformationStatus::set`] keeps.
    pub struct DeviceInformationStatus {
        /// The result of storing the device information.
        pub status: opt SettingsStatus = Settings::Status,
        /// The same result in the `Set`-wrapped form.
        pub set: opt SetStatus = Settings::Set,
    }
}

wire_struct! {
    /// The `DevicePassword` of a response (`Status` directly, or wrapped in `Set`).
    pub struct DevicePasswordStatus {
        /// The result of storing the password.
        pub status: opt SettingsStatus = Settings::Status,
        /// The same result in the `Set`-wrapped form.
        pub set: opt SetStatus = Settings::Set,
    }
}

wire_struct! {
    /// A `Set` that only carries the result of the set operation.
    pub struct SetStatus {
        /// The result.
        pub status: opt SettingsStatus = Settings::Status,
    }
}

impl DeviceInformationStatus {
    /// The status in whichever form the server sent it.
    pub fn result(&self) -> Option<SettingsStatus> {
        self.status
            .or_else(|| self.set.as_ref().and_then(|s| s.status))
    }
}

impl DevicePasswordStatus {
    /// The status in whichever form the server sent it.
    pub fn result(&self) -> Option<SettingsStatus> {
        self.status
            .or_else(|| self.set.as_ref().and_then(|s| s.status))
    }
}

wire_struct! {
    /// The `UserInformation` section of a response.
    pub struct UserInformationResponse {
        /// The section's result.
        pub status: opt SettingsStatus = Settings::Status,
        /// The information.
        pub get: opt UserInformationGet = Settings::Get,
    }
}

wire_struct! {
    /// The user's addresses (before 14.1) and accounts (14.1+).
    pub struct UserInformationGet {
        /// The user's addresses.
        pub email_addresses: opt EmailAddresses = Settings::EmailAddresses,
        /// The user's accounts (14.1+).
        pub accounts: opt Accounts = Settings::Accounts,
    }
}

wire_struct! {
    /// A list of SMTP addresses.
    pub struct EmailAddresses {
        /// The addresses.
        pub smtp_address: many CompactString = Settings::SMTPAddress,
        /// The primary address (14.1+).
        pub primary_smtp_address: opt CompactString = Settings::PrimarySmtpAddress,
    }
}

wire_struct! {
    /// The user's accounts (14.1+).
    pub struct Accounts {
        /// The accounts.
        pub account: many Account = Settings::Account,
    }
}

wire_struct! {
    /// One account the user can send from or read (14.1+).
    pub struct Account {
        /// The account's id (for `AccountId` in SendMail, SmartReply, SmartForward).
        pub account_id: opt CompactString = Settings::AccountId,
        /// The account's name.
        pub account_name: opt CompactString = Settings::AccountName,
        /// The display name of the account's user.
        pub user_display_name: opt CompactString = Settings::UserDisplayName,
        /// Whether sending from the account is disabled.
        pub send_disabled: opt bool = Settings::SendDisabled,
        /// The account's addresses.
        pub email_addresses: opt EmailAddresses = Settings::EmailAddresses,
    }
}

wire_struct! {
    /// The `RightsManagementInformation` section of a response (14.1+).
    pub struct RightsManagementInformationResponse {
        /// The section's result.
        pub status: opt SettingsStatus = Settings::Status,
        /// The templates.
        pub get: opt RightsManagementInformationGet = Settings::Get,
    }
}

wire_struct! {
    /// The `Get` of a `RightsManagementInformation` response.
    pub struct RightsManagementInformationGet {
        /// The templates available to the user.
        pub templates: opt RightsManagementTemplates = RightsManagement::RightsManagementTemplates,
    }
}

wire_struct! {
    /// A list of rights-management templates.
    pub struct RightsManagementTemplates {
        /// The templates.
        pub template: many RightsManagementTemplate = RightsManagement::RightsManagementTemplate,
    }
}

wire_struct! {
    /// One rights-management template.
    pub struct RightsManagementTemplate {
        /// The template's id (for `TemplateID` in SendMail, SmartReply, SmartForward).
        pub template_id: one CompactString = RightsManagement::TemplateID,
        /// The template's name.
        pub template_name: opt CompactString = RightsManagement::TemplateName,
        /// The template's description.
        pub template_description: opt CompactString = RightsManagement::TemplateDescription,
    }
}
