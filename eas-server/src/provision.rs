//! Provisioning (MS-ASPROV): the device policy an administrator sets, and the two-phase
//! Provision exchange that hands it to a device.

use std::fmt::Write as _;

use eas_codec::ProtocolVersion;
use eas_codec::command::Command;
use eas_codec::command::provision::{
    EasProvisionDoc, OrEmpty, POLICY_TYPE_WAP_XML, POLICY_TYPE_WBXML, PolicyAckStatus, PolicyData,
    PolicyStatus, ProvisionRequest, ProvisionResponse, ProvisionStatus, RequestPolicy,
    ResponsePolicies, ResponsePolicy,
};
use eas_codec::command::settings::{DeviceInformationStatus, SettingsStatus};
use eas_codec::status::CommonStatus;
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

// ---- The policy document ----

/// `None` as the empty element MS-ASPROV uses for "no limit".
fn or_empty<T>(value: Option<T>) -> OrEmpty<T> {
    value.map_or(OrEmpty::Empty, OrEmpty::Value)
}

/// A size limit in KB as the truncation settings carry it: -1 is "no limit".
fn truncation_kb(limit: Option<u32>) -> i32 {
    limit.map_or(-1, |kb| i32::try_from(kb).unwrap_or(i32::MAX))
}

impl Policy {
    /// The settings as the `EASProvisionDoc` of a Provision response (12.0 and later).
    ///
    /// Every setting the version knows is sent, the unrestricted ones too: MS-ASPROV
    /// 3.2.5.1.1 asks a server to send an unset setting as an empty element or its default,
    /// so that a device drops a restriction an earlier policy imposed. Settings introduced in
    /// 12.1 are left out for 12.0 (the encoder would drop them anyway).
    pub fn to_provision_doc(&self, version: ProtocolVersion) -> EasProvisionDoc {
        let mut doc = EasProvisionDoc {
            device_password_enabled: Some(self.require_password),
            alphanumeric_device_password_required: Some(self.alphanumeric_password),
            // This server keeps no recovery passwords.
            password_recovery_enabled: Some(false),
            attachments_enabled: Some(self.allow_attachments),
            min_device_password_length: Some(or_empty(self.min_password_length)),
            max_inactivity_time_device_lock: Some(or_empty(self.max_inactivity_lock_secs)),
            max_device_password_failed_attempts: Some(or_empty(self.max_failed_attempts)),
            max_attachment_size: Some(or_empty(self.max_attachment_size)),
            allow_simple_device_password: Some(self.allow_simple_password),
            device_password_expiration: Some(or_empty(self.password_expiration_days)),
            device_password_history: Some(self.password_history),
            ..EasProvisionDoc::default()
        };
        if version >= ProtocolVersion::V12_1 {
            doc.require_storage_card_encryption = Some(self.require_storage_card_encryption);
            doc.allow_storage_card = Some(self.allow_storage_card);
            doc.allow_camera = Some(self.allow_camera);
            doc.require_device_encryption = Some(self.require_encryption);
            doc.allow_unsigned_applications = Some(true);
            doc.allow_unsigned_installation_packages = Some(true);
            // 1 is the schema's default (any one character class).
            doc.min_device_password_complex_characters =
                Some(self.min_complex_characters.unwrap_or(1));
            doc.allow_wifi = Some(true);
            doc.allow_text_messaging = Some(true);
            doc.allow_pop_imap_email = Some(true);
            // 2: Bluetooth allowed without restriction.
            doc.allow_bluetooth = Some(2);
            doc.allow_irda = Some(true);
            doc.require_manual_sync_when_roaming = Some(false);
            doc.allow_desktop_sync = Some(true);
            doc.max_calendar_age_filter = Some(self.max_calendar_age_filter);
            doc.allow_html_email = Some(self.allow_html_email);
            doc.max_email_age_filter = Some(self.max_email_age_filter);
            doc.max_email_body_truncation_size =
                Some(truncation_kb(self.max_email_body_truncation_kb));
            doc.max_email_html_body_truncation_size =
                Some(truncation_kb(self.max_email_html_body_truncation_kb));
            doc.require_signed_smime_messages = Some(false);
            doc.require_encrypted_smime_messages = Some(false);
            // 2: any S/MIME algorithm may be negotiated.
            doc.allow_smime_encryption_algorithm_negotiation = Some(2);
            doc.allow_smime_soft_certs = Some(true);
            doc.allow_browser = Some(self.allow_browser);
            doc.allow_consumer_email = Some(true);
            doc.allow_remote_desktop = Some(true);
            doc.allow_internet_sharing = Some(true);
        }
        doc
    }

    /// The settings as the `MS-WAP-Provisioning-XML` text of protocol 2.5 (MS-ASPROV
    /// 2.2.2.24.2): the `SecurityPolicy` characteristic, and the `Registry` branches of the
    /// password settings when a password is required. 2.5 devices know nothing else.
    pub fn to_wap_provisioning_xml(&self) -> String {
        let mut xml = String::from("<wap-provisioningdoc>");
        // 4131 is "password NOT required" and 4133 "no wipe after failed attempts": 0 turns
        // the requirement on.
        let wipe = self.require_password && self.max_failed_attempts.is_some();
        let _ = write!(
            xml,
            "<characteristic type=\"SecurityPolicy\">\
             <parm name=\"4131\" value=\"{}\"/><parm name=\"4133\" value=\"{}\"/>\
             </characteristic>",
            u8::from(!self.require_password),
            u8::from(!wipe),
        );
        if self.require_password {
            // The inactivity lock is set in whole minutes (rounded up, 1–9999).
            let lock_minutes = self
                .max_inactivity_lock_secs
                .map(|secs| secs.div_ceil(60).clamp(1, 9999));
            // The device asks for a code word after half the allowed failures (at most 8).
            let attempts = self.max_failed_attempts.map(|n| n.max(2));
            let codeword = attempts.map_or(-1, |n| i32::from((n / 2).min(8)));
            xml.push_str("<characteristic type=\"Registry\">");
            let _ = write!(
                xml,
                "<characteristic type=\"HKLM\\Comm\\Security\\Policy\\LASSD\\AE\\{{50C13377-C66D-400C-889E-C316FC4AB374}}\">\
                 <parm name=\"AEFrequencyType\" value=\"{}\"/>\
                 <parm name=\"AEFrequencyValue\" value=\"{}\"/></characteristic>",
                u8::from(lock_minutes.is_some()),
                lock_minutes.unwrap_or(0),
            );
            let _ = write!(
                xml,
                "<characteristic type=\"HKLM\\Comm\\Security\\Policy\\LASSD\">\
                 <parm name=\"DeviceWipeThreshold\" value=\"{}\"/></characteristic>\
                 <characteristic type=\"HKLM\\Comm\\Security\\Policy\\LASSD\">\
                 <parm name=\"CodewordFrequency\" value=\"{codeword}\"/></characteristic>",
                attempts.unwrap_or(0),
            );
            let _ = write!(
                xml,
                "<characteristic type=\"HKLM\\Comm\\Security\\Policy\\LASSD\\LAP\\lap_pw\">\
                 <parm name=\"MinimumPasswordLength\" value=\"{}\"/></characteristic>\
                 <characteristic type=\"HKLM\\Comm\\Security\\Policy\\LASSD\\LAP\\lap_pw\">\
                 <parm name=\"PasswordComplexity\" value=\"{}\"/></characteristic>",
                self.min_password_length.unwrap_or(1).max(1),
                // 0: letters and digits required; 2: a simple PIN will do.
                if self.alphanumeric_password { 0 } else { 2 },
            );
            xml.push_str("</characteristic>");
        }
        xml.push_str("</wap-provisioningdoc>");
        xml
    }

    /// A stable hash of everything a device is told to enforce (64-bit FNV-1a over a
    /// canonical text), stored with a policy key so that a changed policy makes devices
    /// provision again. Settings that are not sent to devices
    /// (`allow_non_provisionable_devices`, `refresh_interval_hours`) are left out: changing
    /// them must not force every device through Provision.
    pub fn fingerprint(&self) -> u64 {
        // Destructured so that a new field fails the build until it is placed here.
        let Policy {
            require_password,
            alphanumeric_password,
            min_password_length,
            min_complex_characters,
            allow_simple_password,
            max_inactivity_lock_secs,
            max_failed_attempts,
            password_expiration_days,
            password_history,
            require_encryption,
            require_storage_card_encryption,
            allow_attachments,
            max_attachment_size,
            allow_camera,
            allow_storage_card,
            allow_browser,
            allow_html_email,
            max_email_age_filter,
            max_calendar_age_filter,
            max_email_body_truncation_kb,
            max_email_html_body_truncation_kb,
            allow_non_provisionable_devices: _,
            refresh_interval_hours: _,
        } = self;
        fn opt<T: std::fmt::Display>(v: &Option<T>) -> String {
            v.as_ref()
                .map_or_else(|| "-".to_string(), |v| v.to_string())
        }
        let canonical = format!(
            "v1;pw={require_password};alnum={alphanumeric_password};minlen={};complex={};\
             simple={allow_simple_password};lock={};fail={};expire={};history={password_history};\
             enc={require_encryption};cardenc={require_storage_card_encryption};\
             att={allow_attachments};attsize={};camera={allow_camera};card={allow_storage_card};\
             browser={allow_browser};html={allow_html_email};mailage={max_email_age_filter};\
             calage={max_calendar_age_filter};trunc={};htmltrunc={}",
            opt(min_password_length),
            opt(min_complex_characters),
            opt(max_inactivity_lock_secs),
            opt(max_failed_attempts),
            opt(password_expiration_days),
            opt(max_attachment_size),
            opt(max_email_body_truncation_kb),
            opt(max_email_html_body_truncation_kb),
        );
        fnv1a64(canonical.as_bytes())
    }
}

/// 64-bit FNV-1a: tiny, dependency-free and fixed forever, which a persisted hash needs.
fn fnv1a64(bytes: &[u8]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes
        .iter()
        .fold(OFFSET, |h, &b| (h ^ u64::from(b)).wrapping_mul(PRIME))
}

// ---- The two-phase exchange ----

/// What the server remembers of one device's provisioning (persisted by the store).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeviceProvisioning {
    /// The temporary key handed out in phase 1, awaiting acknowledgement.
    pub pending_key: Option<u32>,
    /// The fingerprint of the policy sent with `pending_key`: the final key is issued for
    /// the policy the device actually saw, even if the policy changed in between.
    pub pending_fingerprint: Option<u64>,
    /// The acknowledged (final) policy key.
    pub key: Option<u32>,
    /// The fingerprint of the policy `key` was issued for.
    pub policy_fingerprint: Option<u64>,
    /// How the device said it applied the policy when it acknowledged `key`.
    pub compliance: Option<PolicyAckStatus>,
    /// The device sent its `DeviceInformation` inside Provision (14.1+). The caller stores
    /// the information itself; this only records that it arrived.
    pub device_information_received: bool,
}

/// What [`provision`] needs besides the request and the device's state.
#[derive(Debug, Clone, Copy)]
pub struct ProvisionInput<'a> {
    /// The negotiated protocol version.
    pub version: ProtocolVersion,
    /// The policy in force for the device's user.
    pub policy: &'a Policy,
    /// A fresh random key, nonzero, chosen by the caller (this module has no RNG). Used as
    /// the temporary key in phase 1 and as the final key in phase 2.
    pub fresh_key: u32,
}

/// The policy type a device of `version` must ask for: the XML form exists only in 2.5,
/// the WBXML form only from 12.0 on.
fn expected_policy_type(version: ProtocolVersion) -> &'static str {
    if version == ProtocolVersion::V2_5 {
        POLICY_TYPE_WAP_XML
    } else {
        POLICY_TYPE_WBXML
    }
}

fn is_known_policy_type(policy_type: &str) -> bool {
    policy_type == POLICY_TYPE_WBXML || policy_type == POLICY_TYPE_WAP_XML
}

fn response(status: ProvisionStatus, policy: Option<ResponsePolicy>) -> ProvisionResponse {
    ProvisionResponse {
        status,
        policies: policy.map(|policy| ResponsePolicies { policy }),
        ..ProvisionResponse::default()
    }
}

/// Answer one Provision request (MS-ASPROV 3.2.5.1), updating the device's state.
///
/// - Phase 1 (a `Policy` with only a `PolicyType`): a temporary key and the policy
///   document; the device's current final key stays valid until the acknowledgement.
/// - Phase 2 (the temporary key and the device's status): the final key, no document.
///   A key that is not the pending one, or an acknowledgement without a phase 1, gets
///   policy status 5. A device that applied the policy only partly (2), not at all (3), or
///   says it is managed by a third party (4) is refused with 139 (or 145 for 4) unless the
///   policy allows non-provisionable devices.
/// - A known policy type of the wrong protocol version, a request with no `Policies` or an
///   acknowledgement without `Status` is a protocol error (status 2); an unknown policy
///   type gets policy status 3.
///
/// The 14.1 `DeviceInformation` is answered with a Settings status of 1.
pub fn provision(
    req: &ProvisionRequest,
    input: &ProvisionInput<'_>,
    state: &mut DeviceProvisioning,
) -> ProvisionResponse {
    let mut resp = answer_policy(req, input, state);
    if req.device_information.is_some() && input.version >= ProtocolVersion::V14_1 {
        state.device_information_received = true;
        resp.device_information = Some(DeviceInformationStatus {
            status: Some(SettingsStatus::Success),
            set: None,
        });
    }
    resp
}

fn answer_policy(
    req: &ProvisionRequest,
    input: &ProvisionInput<'_>,
    state: &mut DeviceProvisioning,
) -> ProvisionResponse {
    let Some(policies) = &req.policies else {
        if req.remote_wipe.is_some() || req.account_only_remote_wipe.is_some() {
            // Remote wipe is not issued yet, so a confirmation can only be stale: it is
            // accepted and changes nothing. Issuing wipes will hook in here and in phase 1.
            return response(ProvisionStatus::Success, None);
        }
        // MS-ASCMD 3.1.5.1: a request without PolicyType is answered with status 2.
        return response(ProvisionStatus::ProtocolError, None);
    };
    let RequestPolicy {
        policy_type,
        policy_key,
        status,
    } = &policies.policy;
    if !is_known_policy_type(policy_type) {
        return response(
            ProvisionStatus::Success,
            Some(ResponsePolicy {
                policy_type: policy_type.clone(),
                status: PolicyStatus::UnknownPolicyType,
                policy_key: None,
                data: None,
            }),
        );
    }
    if policy_type != expected_policy_type(input.version) {
        return response(ProvisionStatus::ProtocolError, None);
    }
    match policy_key {
        None => phase_one(policy_type, input, state),
        Some(key) => phase_two(policy_type, key, *status, input, state),
    }
}

fn phase_one(
    policy_type: &str,
    input: &ProvisionInput<'_>,
    state: &mut DeviceProvisioning,
) -> ProvisionResponse {
    let temporary = input.fresh_key.max(1);
    state.pending_key = Some(temporary);
    state.pending_fingerprint = Some(input.policy.fingerprint());
    let data = if input.version == ProtocolVersion::V2_5 {
        PolicyData::WapXml(input.policy.to_wap_provisioning_xml())
    } else {
        PolicyData::Document(input.policy.to_provision_doc(input.version))
    };
    response(
        ProvisionStatus::Success,
        Some(ResponsePolicy {
            policy_type: policy_type.into(),
            status: PolicyStatus::Success,
            policy_key: Some(temporary.to_string().into()),
            data: Some(data),
        }),
    )
}

fn phase_two(
    policy_type: &str,
    key: &str,
    ack: Option<PolicyAckStatus>,
    input: &ProvisionInput<'_>,
    state: &mut DeviceProvisioning,
) -> ProvisionResponse {
    let Some(ack) = ack else {
        return response(ProvisionStatus::ProtocolError, None);
    };
    let acknowledged = key.trim().parse::<u32>().ok();
    if state.pending_key.is_none() || acknowledged != state.pending_key {
        return response(
            ProvisionStatus::Success,
            Some(ResponsePolicy {
                policy_type: policy_type.into(),
                status: PolicyStatus::PolicyKeyMismatch,
                policy_key: None,
                data: None,
            }),
        );
    }
    let lenient = input.policy.allow_non_provisionable_devices;
    match ack {
        PolicyAckStatus::Success => {}
        PolicyAckStatus::PartialSuccess | PolicyAckStatus::NotApplied if lenient => {}
        PolicyAckStatus::ThirdPartyProvisioned if lenient => {}
        PolicyAckStatus::PartialSuccess | PolicyAckStatus::NotApplied => {
            // The pending key stays, so the device may apply the policy and acknowledge again.
            return response(ProvisionStatus::DeviceNotFullyProvisionable, None);
        }
        PolicyAckStatus::ThirdPartyProvisioned => {
            return response(ProvisionStatus::ExternallyManagedDevicesNotAllowed, None);
        }
        _ => return response(ProvisionStatus::ProtocolError, None),
    }
    let mut final_key = input.fresh_key.max(1);
    if Some(final_key) == state.pending_key {
        // The temporary key must not double as the final one.
        final_key = final_key.wrapping_add(1).max(1);
    }
    state.key = Some(final_key);
    state.policy_fingerprint = state.pending_fingerprint.take();
    state.pending_key = None;
    state.compliance = Some(ack);
    response(
        ProvisionStatus::Success,
        Some(ResponsePolicy {
            policy_type: policy_type.into(),
            status: PolicyStatus::Success,
            policy_key: Some(final_key.to_string().into()),
            data: None,
        }),
    )
}

// ---- Enforcement ----

/// Whether a command may run, given the device's policy key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyCheck {
    /// The command may run.
    Allowed,
    /// Answer HTTP 449 (protocol versions before 14.0, MS-ASHTTP 3.2.5.2).
    Http449,
    /// Answer with a command response carrying this status (14.0 and later; see
    /// [`crate::status_response::status_only`]).
    CommandStatus(u32),
}

/// Decide whether `command` may run for a device that sent `header_key`
/// (`X-MS-PolicyKey` or the base64 field; `None` when absent), MS-ASPROV 3.2.5.
///
/// Only Provision is exempt. A device that sends no key at all and never provisioned is a
/// device without Provision support: allowed when the policy allows non-provisionable
/// devices, else refused (141). Otherwise the key must be the device's final key
/// (0 or absent: 142; another key: 144), issued for the current policy (else 143). Before
/// 14.0 every refusal is HTTP 449, which those versions know as "provision first".
pub fn check(
    command: Command,
    version: ProtocolVersion,
    header_key: Option<u32>,
    state: &DeviceProvisioning,
    policy: &Policy,
) -> PolicyCheck {
    if command == Command::Provision {
        return PolicyCheck::Allowed;
    }
    let refusal = match (header_key, state.key) {
        (None, None) if policy.allow_non_provisionable_devices => return PolicyCheck::Allowed,
        (None, None) => CommonStatus::LegacyDeviceOnStrictPolicy,
        (None | Some(0), _) | (Some(_), None) => CommonStatus::DeviceNotProvisioned,
        (Some(sent), Some(issued)) if sent != issued => CommonStatus::InvalidPolicyKey,
        (Some(_), Some(_)) if state.policy_fingerprint != Some(policy.fingerprint()) => {
            CommonStatus::PolicyRefresh
        }
        (Some(_), Some(_)) => return PolicyCheck::Allowed,
    };
    if version >= ProtocolVersion::V14_0 {
        PolicyCheck::CommandStatus(refusal.code())
    } else {
        PolicyCheck::Http449
    }
}
