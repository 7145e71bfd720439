//! Provision (MS-ASCMD 2.2.1.14, MS-ASPROV): the security policy handshake and remote wipe.
//!
//! The exchange has two rounds:
//! 1. the *initial* request names only the policy type ([`ProvisionRequest::initial`]); the
//!    server answers with a temporary policy key and the policy settings
//!    ([`EasProvisionDoc`]);
//! 2. the *acknowledgement* ([`ProvisionRequest::acknowledge`]) sends that key back with the
//!    client's [`PolicyAckStatus`]; the server answers with the final policy key, which the
//!    client then sends in `X-MS-PolicyKey` on every command.
//!
//! A server that wants the device wiped answers with `RemoteWipe` (or, 16.1, with
//! `AccountOnlyRemoteWipe` to wipe only this account's data); the client confirms with the
//! same element holding a [`RemoteWipeStatus`].
//!
//! From 14.1 on the request may carry the device's `settings:DeviceInformation` and the
//! response that section's status.

use crate::CompactString;
use std::fmt::Display;
use std::str::FromStr;

use eas_wbxml::Sink;

use super::settings::{DeviceInformation, DeviceInformationStatus};
use crate::codec::{Decoder, Empty, Encoder, Value};
use crate::{CodecError, Tag, status_enum, tag, wire_struct};

/// The policy type of the WBXML policy document (12.0 and later).
pub const POLICY_TYPE_WBXML: &str = "MS-EAS-Provisioning-WBXML";
/// The policy type of the XML policy document of protocol 2.5.
pub const POLICY_TYPE_WAP_XML: &str = "MS-WAP-Provisioning-XML";

status_enum! {
    /// The global Provision status (MS-ASPROV 2.2.2.54 and 3.1.5.2).
    pub enum ProvisionStatus {
        1 => Success: "Success.",
        2 => ProtocolError: "Protocol error: the request is malformed.",
        3 => ServerError: "An error occurred on the server; the client may retry.",
        139 => DeviceNotFullyProvisionable: "The client cannot fully comply with the policy and the server does not allow partially compliant clients.",
        141 => LegacyDeviceOnStrictPolicy: "The device is not provisionable: it sent no policy key and the server requires one.",
        145 => ExternallyManagedDevicesNotAllowed: "The client claims to be managed by a third party, which the server does not allow.",
    }
}

status_enum! {
    /// The status of a `Policy` in a response (MS-ASPROV 2.2.2.54.1).
    pub enum PolicyStatus {
        1 => Success: "Success.",
        2 => NoPolicy: "There is no policy for this client.",
        3 => UnknownPolicyType: "The PolicyType value is unknown.",
        4 => PolicyDataCorrupt: "The policy data on the server is corrupt (possibly tampered with).",
        5 => PolicyKeyMismatch: "The client is acknowledging the wrong policy key.",
    }
}

status_enum! {
    /// The status a client sends in a `Policy` acknowledgement (MS-ASPROV 2.2.2.54.1).
    pub enum PolicyAckStatus {
        1 => Success: "The client applied the policy.",
        2 => PartialSuccess: "The client applied the policy in part (at least the PIN was enabled).",
        3 => NotApplied: "The client did not apply the policy at all.",
        4 => ThirdPartyProvisioned: "The client claims to have been provisioned by a third party.",
    }
}

status_enum! {
    /// The status a client sends to confirm a `RemoteWipe` or `AccountOnlyRemoteWipe`
    /// (MS-ASPROV 2.2.2.54.2).
    pub enum RemoteWipeStatus {
        1 => Success: "The wipe succeeded.",
        2 => Failure: "The wipe failed.",
    }
}

wire_struct! {
    /// Provision request: initial request, policy acknowledgement, or wipe confirmation.
    pub struct ProvisionRequest = Provision::Provision {
        /// The device's properties (14.1+).
        pub device_information: opt DeviceInformation = Settings::DeviceInformation,
        /// The policy asked for or acknowledged.
        pub policies: opt RequestPolicies = Provision::Policies,
        /// Confirmation of a device wipe.
        pub remote_wipe: opt WipeConfirmation = Provision::RemoteWipe,
        /// Confirmation of an account-only wipe (16.1).
        pub account_only_remote_wipe: opt WipeConfirmation = Provision::AccountOnlyRemoteWipe,
    }
}

wire_struct! {
    /// The `Policies` of a request.
    pub struct RequestPolicies {
        /// The policy.
        pub policy: one RequestPolicy = Provision::Policy,
    }
}

wire_struct! {
    /// A `Policy` in a request: the type alone (initial form), or the type with the temporary
    /// policy key and the client's status (acknowledgement form).
    pub struct RequestPolicy {
        /// The policy format wanted ([`POLICY_TYPE_WBXML`] from 12.0 on).
        pub policy_type: one CompactString = Provision::PolicyType,
        /// The temporary policy key being acknowledged.
        pub policy_key: opt CompactString = Provision::PolicyKey,
        /// How far the client applied the policy.
        pub status: opt PolicyAckStatus = Provision::Status,
    }
}

wire_struct! {
    /// A client's confirmation of a wipe.
    pub struct WipeConfirmation {
        /// Whether the wipe succeeded.
        pub status: one RemoteWipeStatus = Provision::Status,
    }
}

impl ProvisionRequest {
    /// The initial request for the WBXML policy, with the device's information when given.
    pub fn initial(device_information: Option<DeviceInformation>) -> Self {
        ProvisionRequest {
            device_information,
            policies: Some(RequestPolicies {
                policy: RequestPolicy {
                    policy_type: POLICY_TYPE_WBXML.into(),
                    policy_key: None,
                    status: None,
                },
            }),
            ..Default::default()
        }
    }

    /// The acknowledgement of the WBXML policy received with the temporary `policy_key`.
    pub fn acknowledge(policy_key: impl Into<CompactString>, status: PolicyAckStatus) -> Self {
        ProvisionRequest {
            policies: Some(RequestPolicies {
                policy: RequestPolicy {
                    policy_type: POLICY_TYPE_WBXML.into(),
                    policy_key: Some(policy_key.into()),
                    status: Some(status),
                },
            }),
            ..Default::default()
        }
    }

    /// The confirmation of a device wipe.
    pub fn confirm_wipe(status: RemoteWipeStatus) -> Self {
        ProvisionRequest {
            remote_wipe: Some(WipeConfirmation { status }),
            ..Default::default()
        }
    }

    /// Whether this is an acknowledgement (a policy key is sent back).
    pub fn is_acknowledgement(&self) -> bool {
        self.policies
            .as_ref()
            .is_some_and(|p| p.policy.policy_key.is_some())
    }
}

wire_struct! {
    /// Provision response.
    pub struct ProvisionResponse = Provision::Provision {
        /// The result of storing the device information (14.1+).
        pub device_information: opt DeviceInformationStatus = Settings::DeviceInformation,
        /// The command's overall result.
        pub status: one ProvisionStatus = Provision::Status,
        /// The policy (temporary key and settings, or final key).
        pub policies: opt ResponsePolicies = Provision::Policies,
        /// The server asks the client to wipe the device.
        pub remote_wipe: opt Empty = Provision::RemoteWipe,
        /// The server asks the client to wipe this account's data only (16.1).
        pub account_only_remote_wipe: opt Empty = Provision::AccountOnlyRemoteWipe,
    }
}

wire_struct! {
    /// The `Policies` of a response.
    pub struct ResponsePolicies {
        /// The policy.
        pub policy: one ResponsePolicy = Provision::Policy,
    }
}

wire_struct! {
    /// A `Policy` in a response.
    pub struct ResponsePolicy {
        /// The policy format.
        pub policy_type: one CompactString = Provision::PolicyType,
        /// The result for this policy.
        pub status: one PolicyStatus = Provision::Status,
        /// The policy key: temporary in the first round, final after the acknowledgement.
        pub policy_key: opt CompactString = Provision::PolicyKey,
        /// The policy settings (first round only).
        pub data: opt PolicyData = Provision::Data,
    }
}

impl ProvisionResponse {
    /// The policy key the server sent, if any.
    pub fn policy_key(&self) -> Option<&str> {
        self.policies
            .as_ref()
            .and_then(|p| p.policy.policy_key.as_deref())
    }

    /// The policy settings the server sent, if any.
    pub fn provision_doc(&self) -> Option<&EasProvisionDoc> {
        match self.policies.as_ref()?.policy.data.as_ref()? {
            PolicyData::Document(doc) => Some(doc),
            PolicyData::WapXml(_) => None,
        }
    }
}

/// The content of a policy's `Data` element.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum PolicyData {
    /// The settings as WBXML elements (12.0+, [`POLICY_TYPE_WBXML`]).
    Document(EasProvisionDoc),
    /// The settings as an XML text (2.5, [`POLICY_TYPE_WAP_XML`]).
    WapXml(String),
}

impl Value for PolicyData {
    fn decode(d: &mut Decoder<'_>, tag: Tag) -> Result<Self, CodecError> {
        // Text content (2.5) has no child elements; 12.0+ holds one EASProvisionDoc.
        if d.peek_child_pages()?.is_empty() {
            return Ok(PolicyData::WapXml(d.text()?.into_owned()));
        }
        let mut doc = None;
        while let Some(child) = d.next_child()? {
            if child == tag!(Provision::EASProvisionDoc) && doc.is_none() {
                doc = Some(EasProvisionDoc::decode(d, child)?);
            } else {
                return Err(d.unexpected(child));
            }
        }
        doc.map(PolicyData::Document)
            .ok_or(CodecError::MissingElement {
                tag: tag!(Provision::EASProvisionDoc),
                parent: tag,
                offset: d.offset(),
            })
    }

    fn encode<S: Sink>(&self, e: &mut Encoder<S>, tag: Tag) -> Result<(), CodecError> {
        match self {
            PolicyData::Document(doc) => {
                e.start(tag)?;
                e.field(tag!(Provision::EASProvisionDoc), doc)?;
                e.end()
            }
            PolicyData::WapXml(xml) => e.text_element(tag, xml),
        }
    }
}

/// A number that MS-ASPROV allows to be sent as an empty element (its `unsignedIntOrEmpty`
/// and `unsignedByteOrEmpty` types): `Empty` means the server sets no value (no limit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum OrEmpty<T> {
    /// The element was sent without a value.
    Empty,
    /// The element's value.
    Value(T),
}

impl<T: Copy> OrEmpty<T> {
    /// The value, if one was sent.
    pub fn value(self) -> Option<T> {
        match self {
            OrEmpty::Empty => None,
            OrEmpty::Value(v) => Some(v),
        }
    }
}

impl<T: FromStr + Display> Value for OrEmpty<T> {
    fn decode(d: &mut Decoder<'_>, tag: Tag) -> Result<Self, CodecError> {
        let at = d.offset();
        let text = d.text()?;
        let text = text.trim();
        if text.is_empty() {
            return Ok(OrEmpty::Empty);
        }
        text.parse()
            .map(OrEmpty::Value)
            .map_err(|_| CodecError::InvalidValue {
                tag,
                offset: at,
                reason: "not a number or empty",
            })
    }

    fn encode<S: Sink>(&self, e: &mut Encoder<S>, tag: Tag) -> Result<(), CodecError> {
        match self {
            OrEmpty::Empty => e.empty(tag),
            OrEmpty::Value(v) => e.text_element(tag, &v.to_string()),
        }
    }
}

wire_struct! {
    /// The policy settings (MS-ASPROV 2.2.2.27 `EASProvisionDoc`, 12.0+), in schema order.
    /// Every setting is optional: an absent setting is not enforced.
    pub struct EasProvisionDoc = Provision::EASProvisionDoc {
        /// A device password is required.
        pub device_password_enabled: opt bool = Provision::DevicePasswordEnabled,
        /// The password must contain letters and digits.
        pub alphanumeric_device_password_required: opt bool =
            Provision::AlphanumericDevicePasswordRequired,
        /// The server may store a recovery password sent with Settings.
        pub password_recovery_enabled: opt bool = Provision::PasswordRecoveryEnabled,
        /// Storage cards must be encrypted (12.1+).
        pub require_storage_card_encryption: opt bool = Provision::RequireStorageCardEncryption,
        /// Attachments may be downloaded.
        pub attachments_enabled: opt bool = Provision::AttachmentsEnabled,
        /// Minimum password length.
        pub min_device_password_length: opt OrEmpty<u8> = Provision::MinDevicePasswordLength,
        /// Seconds of inactivity before the device locks.
        pub max_inactivity_time_device_lock: opt OrEmpty<u32> =
            Provision::MaxInactivityTimeDeviceLock,
        /// Failed unlock attempts before the device is wiped.
        pub max_device_password_failed_attempts: opt OrEmpty<u8> =
            Provision::MaxDevicePasswordFailedAttempts,
        /// Largest attachment the device may download, in bytes.
        pub max_attachment_size: opt OrEmpty<u32> = Provision::MaxAttachmentSize,
        /// Simple passwords such as `1234` are allowed.
        pub allow_simple_device_password: opt bool = Provision::AllowSimpleDevicePassword,
        /// Days until the password expires.
        pub device_password_expiration: opt OrEmpty<u32> = Provision::DevicePasswordExpiration,
        /// Number of previous passwords that may not be reused.
        pub device_password_history: opt u32 = Provision::DevicePasswordHistory,
        /// Storage cards may be used (12.1+).
        pub allow_storage_card: opt bool = Provision::AllowStorageCard,
        /// The camera may be used (12.1+).
        pub allow_camera: opt bool = Provision::AllowCamera,
        /// The device must be encrypted (12.1+).
        pub require_device_encryption: opt bool = Provision::RequireDeviceEncryption,
        /// Unsigned applications may run (12.1+).
        pub allow_unsigned_applications: opt bool = Provision::AllowUnsignedApplications,
        /// Unsigned installation packages may run (12.1+).
        pub allow_unsigned_installation_packages: opt bool =
            Provision::AllowUnsignedInstallationPackages,
        /// Minimum number of character classes in the password (12.1+).
        pub min_device_password_complex_characters: opt u8 =
            Provision::MinDevicePasswordComplexCharacters,
        /// Wi-Fi may be used (12.1+).
        pub allow_wifi: opt bool = Provision::AllowWiFi,
        /// SMS may be used (12.1+).
        pub allow_text_messaging: opt bool = Provision::AllowTextMessaging,
        /// POP and IMAP accounts may be used (12.1+).
        pub allow_pop_imap_email: opt bool = Provision::AllowPOPIMAPEmail,
        /// Bluetooth: 0 disabled, 1 hands-free only, 2 allowed (12.1+).
        pub allow_bluetooth: opt u8 = Provision::AllowBluetooth,
        /// Infrared may be used (12.1+).
        pub allow_irda: opt bool = Provision::AllowIrDA,
        /// The device must sync manually while roaming (12.1+).
        pub require_manual_sync_when_roaming: opt bool = Provision::RequireManualSyncWhenRoaming,
        /// Desktop synchronisation may be used (12.1+).
        pub allow_desktop_sync: opt bool = Provision::AllowDesktopSync,
        /// Oldest calendar items to sync, as a FilterType value (0 all) (12.1+).
        pub max_calendar_age_filter: opt u32 = Provision::MaxCalendarAgeFilter,
        /// HTML mail may be used (12.1+).
        pub allow_html_email: opt bool = Provision::AllowHTMLEmail,
        /// Oldest mail to sync, as a FilterType value (0 all) (12.1+).
        pub max_email_age_filter: opt u32 = Provision::MaxEmailAgeFilter,
        /// Largest plain-text body to sync, in KB (-1 no limit) (12.1+).
        pub max_email_body_truncation_size: opt i32 = Provision::MaxEmailBodyTruncationSize,
        /// Largest HTML body to sync, in KB (-1 no limit) (12.1+).
        pub max_email_html_body_truncation_size: opt i32 =
            Provision::MaxEmailHTMLBodyTruncationSize,
        /// Outgoing mail must be signed (S/MIME) (12.1+).
        pub require_signed_smime_messages: opt bool = Provision::RequireSignedSMIMEMessages,
        /// Outgoing mail must be encrypted (S/MIME) (12.1+).
        pub require_encrypted_smime_messages: opt bool = Provision::RequireEncryptedSMIMEMessages,
        /// Signing algorithm: 0 SHA1, 1 MD5 (12.1+).
        pub require_signed_smime_algorithm: opt i32 = Provision::RequireSignedSMIMEAlgorithm,
        /// Encryption algorithm: 0 TripleDES, 1 DES, 2 RC2 128, 3 RC2 64, 4 RC2 40 (12.1+).
        pub require_encryption_smime_algorithm: opt i32 = Provision::RequireEncryptionSMIMEAlgorithm,
        /// Algorithm negotiation: 0 none, 1 strong only, 2 any (12.1+).
        pub allow_smime_encryption_algorithm_negotiation: opt i32 =
            Provision::AllowSMIMEEncryptionAlgorithmNegotiation,
        /// S/MIME soft certificates may be used (12.1+).
        pub allow_smime_soft_certs: opt bool = Provision::AllowSMIMESoftCerts,
        /// The browser may be used (12.1+).
        pub allow_browser: opt bool = Provision::AllowBrowser,
        /// Consumer mail accounts may be used (12.1+).
        pub allow_consumer_email: opt bool = Provision::AllowConsumerEmail,
        /// Remote desktop may be used (12.1+).
        pub allow_remote_desktop: opt bool = Provision::AllowRemoteDesktop,
        /// Internet sharing (tethering) may be used (12.1+).
        pub allow_internet_sharing: opt bool = Provision::AllowInternetSharing,
        /// In-ROM applications that may not run (12.1+).
        pub unapproved_in_rom_application_list: opt UnapprovedInRomApplicationList =
            Provision::UnapprovedInROMApplicationList,
        /// Applications that may run, by hash (12.1+).
        pub approved_application_list: opt ApprovedApplicationList =
            Provision::ApprovedApplicationList,
    }
}

wire_struct! {
    /// In-ROM applications that may not run.
    pub struct UnapprovedInRomApplicationList {
        /// The applications' names.
        pub application_name: many CompactString = Provision::ApplicationName,
    }
}

wire_struct! {
    /// Applications that may run.
    pub struct ApprovedApplicationList {
        /// SHA-1 hashes of the applications' executables.
        pub hash: many CompactString = Provision::Hash,
    }
}
