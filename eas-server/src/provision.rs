//! Provisioning (MS-ASPROV): the device policy an administrator sets, and the two-phase
//! Provision exchange that hands it to a device.

use serde::{Deserialize, Serialize};

/// The device policy of a domain (the `[policy]` table of the configuration, overridable per
/// domain). The defaults enforce nothing, like Exchange's default mailbox policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// A device password is required (`DevicePasswordEnabled`).
    pub require_password: bool,
    /// The password must mix letters and digits (`AlphanumericDevicePasswordRequired`).
    pub alphanumeric_password: bool,
    /// Minimum password length, 1–16 (`MinDevicePasswordLength`).
    pub min_password_length: Option<u8>,
    /// Minimum number of character classes, 1–4 (`MinDevicePasswordComplexCharacters`).
    pub min_complex_characters: Option<u8>,
    /// Simple passwords such as `1234` are allowed (`AllowSimpleDevicePassword`).
    pub allow_simple_password: bool,
    /// Seconds of inactivity before the device locks (`MaxInactivityTimeDeviceLock`).
    pub max_inactivity_lock_secs: Option<u32>,
    /// Failed unlock attempts, 4–16, before the device wipes itself
    /// (`MaxDevicePasswordFailedAttempts`).
    pub max_failed_attempts: Option<u8>,
    /// Days until the password expires (`DevicePasswordExpiration`).
    pub password_expiration_days: Option<u32>,
    /// Previous passwords that may not be reused (`DevicePasswordHistory`).
    pub password_history: u32,
    /// The device must be encrypted (`RequireDeviceEncryption`).
    pub require_encryption: bool,
    /// Storage cards must be encrypted (`RequireStorageCardEncryption`).
    pub require_storage_card_encryption: bool,
    /// Attachments may be downloaded (`AttachmentsEnabled`).
    pub allow_attachments: bool,
    /// Largest attachment the device may download, bytes (`MaxAttachmentSize`).
    pub max_attachment_size: Option<u32>,
    /// The camera may be used (`AllowCamera`).
    pub allow_camera: bool,
    /// Storage cards may be used (`AllowStorageCard`).
    pub allow_storage_card: bool,
    /// The browser may be used (`AllowBrowser`).
    pub allow_browser: bool,
    /// HTML mail may be shown (`AllowHTMLEmail`).
    pub allow_html_email: bool,
    /// Oldest mail to sync, as a FilterType value, 0 for all (`MaxEmailAgeFilter`).
    pub max_email_age_filter: u32,
    /// Oldest calendar items to sync, as a FilterType value, 0 for all
    /// (`MaxCalendarAgeFilter`).
    pub max_calendar_age_filter: u32,
    /// Largest plain-text body to sync, KB (`MaxEmailBodyTruncationSize`); `None` no limit.
    pub max_email_body_truncation_kb: Option<u32>,
    /// Largest HTML body to sync, KB (`MaxEmailHTMLBodyTruncationSize`); `None` no limit.
    pub max_email_html_body_truncation_kb: Option<u32>,
    /// Devices that cannot enforce the policy (no Provision support) may still sync.
    pub allow_non_provisionable_devices: bool,
    /// Hours after which a device must fetch the policy again (`DevicePolicyRefreshInterval`
    /// in the 2.5 form); `None` never.
    pub refresh_interval_hours: Option<u32>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            require_password: false,
            alphanumeric_password: false,
            min_password_length: None,
            min_complex_characters: None,
            allow_simple_password: true,
            max_inactivity_lock_secs: None,
            max_failed_attempts: None,
            password_expiration_days: None,
            password_history: 0,
            require_encryption: false,
            require_storage_card_encryption: false,
            allow_attachments: true,
            max_attachment_size: None,
            allow_camera: true,
            allow_storage_card: true,
            allow_browser: true,
            allow_html_email: true,
            max_email_age_filter: 0,
            max_calendar_age_filter: 0,
            max_email_body_truncation_kb: None,
            max_email_html_body_truncation_kb: None,
            allow_non_provisionable_devices: true,
            refresh_interval_hours: None,
        }
    }
}
