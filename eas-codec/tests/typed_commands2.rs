//! Provision, Settings, ResolveRecipients, ValidateCert, MeetingResponse, SendMail /
//! SmartReply / SmartForward, Find and Autodiscover: every capture of these commands in the
//! shared corpus decodes into the typed structs and re-encodes to the same token stream, the
//! values a client or server acts on come out right, and built values round-trip.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt::Debug;
use std::path::PathBuf;

use eas_codec::CompactString;
use eas_codec::codec::{DecodeOptions, Decoder, Element, Opaque, decode, encode};
use eas_codec::command::autodiscover::{self, *};
use eas_codec::command::compose::*;
use eas_codec::command::find::*;
use eas_codec::command::meeting_response::*;
use eas_codec::command::provision::*;
use eas_codec::command::resolve::*;
use eas_codec::command::settings::*;
use eas_codec::command::validate_cert::*;
use eas_codec::xml::xml_to_wbxml;
use eas_codec::{CodecError, ProtocolVersion, Tag, tag};
use eas_wbxml::{Limits, canon};

#[macro_use]
mod common;

use common::*;

/// The version the corpus documents are read and written with: every element they use
/// exists in 16.1.
const V: ProtocolVersion = ProtocolVersion::V16_1;

fn corpus_dir() -> Option<PathBuf> {
    let dir = shared_corpus();
    if dir.is_none() {
        note!("NOTE: shared corpus absent; capture tests skipped");
    }
    dir
}

fn load(rel: &str) -> Option<Vec<u8>> {
    let path = corpus_dir()?.join(rel);
    match std::fs::read(&path) {
        Ok(doc) => Some(doc),
        Err(_) => {
            note!("NOTE: {} absent; skipped", path.display());
            None
        }
    }
}

/// How a re-encoded document compares with the original.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Same {
    /// Byte for byte.
    Bytes,
    /// The same token stream (`eas_wbxml::canon`), written differently (e.g. an empty element
    /// with or without the content bit, a string table entry written inline).
    Tokens,
}

/// Decode `doc` as `T` and re-encode it: the same bytes, or at least the same token stream.
fn roundtrip<T: Element + Debug>(doc: &[u8]) -> Result<(T, Same), String> {
    let value: T = decode(doc, DecodeOptions::new(V)).map_err(|e| format!("decode: {e}"))?;
    let back = encode(&value, V).map_err(|e| format!("encode: {e}"))?;
    if back == doc {
        return Ok((value, Same::Bytes));
    }
    let want = canon::to_canon(doc, Limits::default()).map_err(|e| e.to_string())?;
    let got = canon::to_canon(&back, Limits::default()).map_err(|e| e.to_string())?;
    if want != got {
        return Err(format!("token stream changed:\n{want}\n---\n{got}"));
    }
    Ok((value, Same::Tokens))
}

/// A corpus capture decoded as `T` (re-encoding checked), or `None` when the corpus is absent.
fn capture<T: Element + Debug>(rel: &str) -> Option<T> {
    let doc = load(rel)?;
    match roundtrip::<T>(&doc) {
        Ok((v, _)) => Some(v),
        Err(e) => panic!("{rel}: {e}"),
    }
}

/// Encode `value`, decode it back, and compare.
fn built<T: Element + Debug + PartialEq>(value: &T, version: ProtocolVersion) -> T {
    let doc = encode(value, version).unwrap();
    let back: T = decode(&doc, DecodeOptions::new(version)).unwrap();
    assert_eq!(&back, value);
    back
}

fn check<T: Element + Debug>(doc: &[u8]) -> Result<Same, String> {
    roundtrip::<T>(doc).map(|(_, same)| same)
}

type Check = fn(&[u8]) -> Result<Same, String>;

/// Every corpus document whose root is one of these commands, with the type it is read as.
const CAPTURES: &[(&str, Check)] = &[
    // Provision
    ("cisiqo/res-200-1.wbxml", check::<ProvisionRequest>),
    ("cisiqo/res-300-1.wbxml", check::<ProvisionRequest>),
    (
        "libwbxml/derived/activesync/activesync-010-provision-eas.wbxml",
        check::<ProvisionRequest>,
    ),
    (
        "libwbxml/derived/activesync/activesync-011-provision-wap.wbxml",
        check::<ProvisionRequest>,
    ),
    (
        "libwbxml/derived/activesync/activesync-012-provision-eas.wbxml",
        check::<ProvisionResponse>,
    ),
    (
        "lswbxml/provision-1st-request.wbxml",
        check::<ProvisionRequest>,
    ),
    (
        "lswbxml/provision-1st-response.wbxml",
        check::<ProvisionResponse>,
    ),
    (
        "lswbxml/provision-2nd-request.wbxml",
        check::<ProvisionRequest>,
    ),
    (
        "lswbxml/provision-2nd-response.wbxml",
        check::<ProvisionResponse>,
    ),
    (
        "pywbxmldecoder/response-4148.wbxml",
        check::<ProvisionResponse>,
    ),
    (
        "pywbxmldecoder/response-7407.wbxml",
        check::<ProvisionResponse>,
    ),
    (
        "pywbxmldecoder/response-9542.wbxml",
        check::<ProvisionResponse>,
    ),
    ("syncgw/in06.wbxml", check::<ProvisionResponse>),
    (
        "wbxml-stream/activesync/activesync-003.wbxml",
        check::<ProvisionRequest>,
    ),
    (
        "wbxml-stream/activesync/activesync-004.wbxml",
        check::<ProvisionResponse>,
    ),
    (
        "wbxml-stream/activesync/activesync-005.wbxml",
        check::<ProvisionRequest>,
    ),
    (
        "wbxml-stream/activesync/activesync-006.wbxml",
        check::<ProvisionResponse>,
    ),
    (
        "horde/derived/default_policies.wbxml",
        check::<EasProvisionDoc>,
    ),
    // Settings
    (
        "libwbxml/derived/activesync/activesync-001-settings_device_information.wbxml",
        check::<SettingsRequest>,
    ),
    (
        "libwbxml/derived/activesync/activesync-002-settings_user_information.wbxml",
        check::<SettingsRequest>,
    ),
    (
        "libwbxml/derived/activesync/activesync-003-settings_device_password.wbxml",
        check::<SettingsRequest>,
    ),
    (
        "libwbxml/derived/activesync/activesync-004-settings_oof.wbxml",
        check::<SettingsRequest>,
    ),
    (
        "libwbxml/derived/activesync/activesync-005-settings_status.wbxml",
        check::<SettingsResponse>,
    ),
    (
        "lswbxml/settings_request_get.wbxml",
        check::<SettingsRequest>,
    ),
    (
        "lswbxml/settings_response_get.wbxml",
        check::<SettingsResponse>,
    ),
    (
        "wbxml-stream/activesync/activesync-008.wbxml",
        check::<SettingsRequest>,
    ),
    (
        "wbxml-stream/activesync/activesync-009.wbxml",
        check::<SettingsResponse>,
    ),
    (
        "wbxml-stream/derived/ms-ascmd/activesync-ms-ascmd-001.wbxml",
        check::<SettingsRequest>,
    ),
    (
        "wbxml-stream/derived/ms-ascmd/activesync-ms-ascmd-002.wbxml",
        check::<SettingsResponse>,
    ),
    (
        "wbxml-stream/derived/ms-ascmd/activesync-ms-ascmd-072.wbxml",
        check::<SettingsRequest>,
    ),
    (
        "wbxml-stream/derived/ms-ascmd/activesync-ms-ascmd-073.wbxml",
        check::<SettingsResponse>,
    ),
    (
        "wbxml-stream/derived/ms-ascmd/activesync-ms-ascmd-074.wbxml",
        check::<SettingsRequest>,
    ),
    (
        "wbxml-stream/derived/ms-ascmd/activesync-ms-ascmd-075.wbxml",
        check::<SettingsResponse>,
    ),
    (
        "wbxml-stream/derived/ms-ascmd/activesync-ms-ascmd-076.wbxml",
        check::<SettingsRequest>,
    ),
    (
        "wbxml-stream/derived/ms-ascmd/activesync-ms-ascmd-077.wbxml",
        check::<SettingsResponse>,
    ),
    (
        "wbxml-stream/derived/ms-ascmd/activesync-ms-ascmd-080.wbxml",
        check::<SettingsRequest>,
    ),
    (
        "wbxml-stream/derived/ms-ascmd/activesync-ms-ascmd-081.wbxml",
        check::<SettingsResponse>,
    ),
    (
        "wbxml-stream/derived/ms-ascmd/activesync-ms-ascmd-082.wbxml",
        check::<SettingsRequest>,
    ),
    (
        "wbxml-stream/derived/ms-ascmd/activesync-ms-ascmd-083.wbxml",
        check::<SettingsResponse>,
    ),
    // MeetingResponse
    (
        "wbxml-stream/derived/ms-ascmd/activesync-ms-ascmd-065.wbxml",
        check::<MeetingResponseRequest>,
    ),
    (
        "wbxml-stream/derived/ms-ascmd/activesync-ms-ascmd-066.wbxml",
        check::<MeetingResponseResponse>,
    ),
    // ResolveRecipients
    (
        "wbxml-stream/derived/ms-ascmd/activesync-ms-ascmd-067.wbxml",
        check::<ResolveRecipientsRequest>,
    ),
    (
        "wbxml-stream/derived/ms-ascmd/activesync-ms-ascmd-068.wbxml",
        check::<ResolveRecipientsResponse>,
    ),
    (
        "wbxml-stream/derived/ms-ascmd/activesync-ms-ascmd-069.wbxml",
        check::<ResolveRecipientsResponse>,
    ),
    (
        "wbxml-stream/derived/ms-ascmd/activesync-ms-ascmd-070.wbxml",
        check::<ResolveRecipientsRequest>,
    ),
    (
        "wbxml-stream/derived/ms-ascmd/activesync-ms-ascmd-071.wbxml",
        check::<ResolveRecipientsResponse>,
    ),
    // ValidateCert
    (
        "wbxml-stream/derived/ms-ascmd/activesync-ms-ascmd-078.wbxml",
        check::<ValidateCertRequest>,
    ),
    (
        "wbxml-stream/derived/ms-ascmd/activesync-ms-ascmd-079.wbxml",
        check::<ValidateCertResponse>,
    ),
    // SendMail, SmartReply, SmartForward
    (
        "libwbxml/derived/activesync/activesync-030-sendmail-request.wbxml",
        check::<SendMailRequest>,
    ),
    (
        "libwbxml/derived/activesync/activesync-031-sendmail-request.wbxml",
        check::<SendMailRequest>,
    ),
    (
        "libwbxml/derived/activesync/activesync-032-formatted-base64.wbxml",
        check::<SendMailRequest>,
    ),
    ("lswbxml/sendmail_request.wbxml", check::<SendMailRequest>),
    ("lswbxml/sendmail_response.wbxml", check::<SendMailResponse>),
    (
        "synthetic/edge/opaque-3byte-length.wbxml",
        check::<SendMailRequest>,
    ),
    (
        "wbxml-stream/derived/ms-ascmd/activesync-ms-ascmd-018.wbxml",
        check::<SendMailRequest>,
    ),
    (
        "wbxml-stream/derived/ms-ascmd/activesync-ms-ascmd-060.wbxml",
        check::<SendMailRequest>,
    ),
    (
        "wbxml-stream/derived/ms-ascmd/activesync-ms-ascmd-019.wbxml",
        check::<SmartReplyRequest>,
    ),
    (
        "wbxml-stream/derived/ms-ascmd/activesync-ms-ascmd-043.wbxml",
        check::<SmartForwardRequest>,
    ),
    // Find
    ("synthetic/edge/page25-find.wbxml", check::<FindRequest>),
];

/// The documents above that cannot be read, and why (a substring of the error).
const NOT_DECODABLE: &[(&str, &str)] = &[
    // sync.gw puts a Provision:Status (not settings:Status) in settings:DeviceInformation.
    (
        "syncgw/in06.wbxml",
        "Provision:Status is not allowed in Settings:DeviceInformation",
    ),
    // libwbxml's test inputs put DeviceInformation's Set properties under the wrong sections.
    (
        "libwbxml/derived/activesync/activesync-002-settings_user_information.wbxml",
        "Settings:Set is not allowed in Settings:UserInformation",
    ),
    (
        "libwbxml/derived/activesync/activesync-003-settings_device_password.wbxml",
        "Settings:Model is not allowed in Settings:Set",
    ),
    (
        "libwbxml/derived/activesync/activesync-004-settings_oof.wbxml",
        "Settings:Model is not allowed in Settings:Set",
    ),
    // MS-ASCMD examples with '...' placeholders where a number or elements belong.
    (
        "wbxml-stream/derived/ms-ascmd/activesync-ms-ascmd-002.wbxml",
        "not a number",
    ),
    (
        "wbxml-stream/derived/ms-ascmd/activesync-ms-ascmd-083.wbxml",
        "not a number",
    ),
    (
        "wbxml-stream/derived/ms-ascmd/activesync-ms-ascmd-068.wbxml",
        "text inside",
    ),
    // Hand-built edge cases that are fragments, not valid commands.
    (
        "synthetic/edge/opaque-3byte-length.wbxml",
        "lacks its required ComposeMail:ClientId",
    ),
    (
        "synthetic/edge/page25-find.wbxml",
        "lacks its required Find:ExecuteSearch",
    ),
];

const ROOTS: &[Tag] = &[
    tag!(Provision::Provision),
    tag!(Provision::EASProvisionDoc),
    tag!(Settings::Settings),
    tag!(ResolveRecipients::ResolveRecipients),
    tag!(ValidateCert::ValidateCert),
    tag!(MeetingResponse::MeetingResponse),
    tag!(ComposeMail::SendMail),
    tag!(ComposeMail::SmartReply),
    tag!(ComposeMail::SmartForward),
    tag!(Find::Find),
];

#[test]
fn every_capture_of_these_commands_is_listed() {
    let Some(dir) = corpus_dir() else { return };
    let mut files = Vec::new();
    wbxml_files(&dir, &mut files);
    let mut missing = Vec::new();
    for f in &files {
        let doc = std::fs::read(f).unwrap();
        let mut opts = DecodeOptions::new(V);
        opts.strict_versions = false;
        let Ok((_, root)) = Decoder::open(&doc, opts) else {
            continue;
        };
        let rel = f
            .strip_prefix(&dir)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if ROOTS.contains(&root) && !CAPTURES.iter().any(|(p, _)| *p == rel) {
            missing.push(rel);
        }
    }
    assert!(missing.is_empty(), "captures not listed: {missing:?}");
}

#[test]
fn every_listed_capture_round_trips_or_fails_for_its_known_reason() {
    if corpus_dir().is_none() {
        return;
    }
    let (mut bytes, mut tokens, mut refused, mut problems) = (0, Vec::new(), 0, Vec::new());
    for (rel, check) in CAPTURES {
        let Some(doc) = load(rel) else { continue };
        let expected_failure = NOT_DECODABLE.iter().find(|(p, _)| p == rel);
        match (check(&doc), expected_failure) {
            (Ok(Same::Bytes), None) => bytes += 1,
            (Ok(Same::Tokens), None) => tokens.push(*rel),
            (Err(e), Some((_, why))) if e.contains(why) => refused += 1,
            (Err(e), Some((_, why))) => problems.push(format!(
                "{rel}: expected an error containing {why:?}, got {e}"
            )),
            (Ok(_), Some(_)) => problems.push(format!("{rel}: expected to fail but decoded")),
            (Err(e), None) => problems.push(format!("{rel}: {e}")),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(refused, NOT_DECODABLE.len());
    eprintln!(
        "{bytes} captures re-encoded to the same bytes, {} to the same token stream ({tokens:?}); \
         {refused} refused for known reasons",
        tokens.len()
    );
}

// ---- Provision ----

#[test]
fn provision_handshake_from_a_real_device() {
    let Some(first) = capture::<ProvisionRequest>("lswbxml/provision-1st-request.wbxml") else {
        return;
    };
    // The initial form: the policy type alone.
    assert!(!first.is_acknowledgement());
    assert_eq!(first, ProvisionRequest::initial(None));
    let policy = &first.policies.as_ref().unwrap().policy;
    assert_eq!(policy.policy_type, POLICY_TYPE_WBXML);
    assert_eq!((policy.policy_key.as_deref(), policy.status), (None, None));
    assert_eq!(
        encode(&ProvisionRequest::initial(None), ProtocolVersion::V12_1).unwrap(),
        load("lswbxml/provision-1st-request.wbxml").unwrap()
    );

    let resp = capture::<ProvisionResponse>("lswbxml/provision-1st-response.wbxml").unwrap();
    assert_eq!(resp.status, ProvisionStatus::Success);
    let policy = &resp.policies.as_ref().unwrap().policy;
    assert_eq!(policy.status, PolicyStatus::Success);
    assert_eq!(resp.policy_key(), Some("234554790"));
    let doc = resp.provision_doc().unwrap();
    assert_eq!(doc.device_password_enabled, Some(false));
    assert_eq!(doc.min_device_password_length, Some(OrEmpty::Value(4)));
    assert_eq!(
        doc.max_inactivity_time_device_lock,
        Some(OrEmpty::Value(900))
    );
    assert_eq!(
        doc.max_device_password_failed_attempts,
        Some(OrEmpty::Value(8))
    );
    // `<MaxAttachmentSize/>`: sent, without a limit.
    assert_eq!(doc.max_attachment_size, Some(OrEmpty::Empty));
    assert_eq!(doc.max_attachment_size.and_then(OrEmpty::value), None);
    assert_eq!(doc.device_password_expiration, Some(OrEmpty::Empty));
    assert_eq!(doc.allow_bluetooth, Some(2));
    assert_eq!(doc.max_email_body_truncation_size, Some(-1));
    assert_eq!(doc.allow_smime_encryption_algorithm_negotiation, Some(2));
    assert_eq!(doc.allow_internet_sharing, Some(true));
    assert_eq!(
        doc.unapproved_in_rom_application_list,
        Some(UnapprovedInRomApplicationList::default())
    );
    assert_eq!(
        doc.approved_application_list.as_ref().unwrap().hash.len(),
        0
    );

    // The acknowledgement form: the temporary key and the client's status.
    let ack = capture::<ProvisionRequest>("lswbxml/provision-2nd-request.wbxml").unwrap();
    assert!(ack.is_acknowledgement());
    assert_eq!(
        ack,
        ProvisionRequest::acknowledge("234554790", PolicyAckStatus::PartialSuccess)
    );
    assert_eq!(
        PolicyAckStatus::PartialSuccess.meaning(),
        "The client applied the policy in part (at least the PIN was enabled)."
    );

    let last = capture::<ProvisionResponse>("lswbxml/provision-2nd-response.wbxml").unwrap();
    assert_eq!(last.status, ProvisionStatus::Success);
    assert_eq!(last.policy_key(), Some("3898222221"));
    assert!(last.provision_doc().is_none());
}

#[test]
fn provision_with_device_information_keeps_the_clients_order() {
    // Android: ..., UserAgent, EnableOutboundSMS, MobileOperator.
    let Some(req) = capture::<ProvisionRequest>("wbxml-stream/activesync/activesync-003.wbxml")
    else {
        return;
    };
    let set = &req.device_information.as_ref().unwrap().set;
    assert_eq!(set.model(), Some("GT-S6102"));
    assert_eq!(set.imei(), Some("359828043781641"));
    assert_eq!(set.phone_number(), Some(""));
    assert_eq!(set.user_agent(), Some("SAMSUNGGTS6102/100"));
    assert_eq!(set.enable_outbound_sms(), Some(false));
    assert_eq!(set.mobile_operator(), Some("YOIGO"));
    assert_eq!(
        set.properties.last(),
        Some(&DeviceProperty::MobileOperator("YOIGO".into()))
    );

    // A test client: ..., MobileOperator, UserAgent.
    let req = capture::<ProvisionRequest>("cisiqo/res-200-1.wbxml").unwrap();
    let set = &req.device_information.as_ref().unwrap().set;
    assert_eq!(set.friendly_name(), Some("My Test App"));
    assert_eq!(set.os(), Some("Test OS 1.0"));
    assert_eq!(set.os_language(), Some("English"));
    assert_eq!(set.enable_outbound_sms(), None);
    assert_eq!(
        set.properties.last(),
        Some(&DeviceProperty::UserAgent("TestAgent".into()))
    );

    let resp = capture::<ProvisionResponse>("pywbxmldecoder/response-9542.wbxml").unwrap();
    let info = resp.device_information.as_ref().unwrap();
    assert_eq!(info.result(), Some(SettingsStatus::Success));
    assert_eq!(resp.policy_key(), Some("1391954320"));
}

#[test]
fn provision_wap_request_and_a_bare_policy_document() {
    if let Some(req) = capture::<ProvisionRequest>(
        "libwbxml/derived/activesync/activesync-011-provision-wap.wbxml",
    ) {
        assert_eq!(
            req.policies.unwrap().policy.policy_type,
            POLICY_TYPE_WAP_XML
        );
    }
    if let Some(doc) = capture::<EasProvisionDoc>("horde/derived/default_policies.wbxml") {
        assert_eq!(doc.attachments_enabled, Some(true));
        assert_eq!(doc.max_attachment_size, Some(OrEmpty::Value(5_000_000)));
        assert_eq!(doc.allow_camera, None);
    }
}

#[test]
fn provision_remote_wipe_and_wap_data_from_built_documents() {
    // A 2.5 answer carries the policy as XML text; a wipe request is an empty RemoteWipe.
    let xml = r#"<Provision xmlns="Provision">
  <Status>1</Status>
  <Policies>
    <Policy>
      <PolicyType>MS-WAP-Provisioning-XML</PolicyType>
      <Status>1</Status>
      <PolicyKey>42</PolicyKey>
      <Data>&lt;wap-provisioningdoc/&gt;</Data>
    </Policy>
  </Policies>
  <RemoteWipe/>
</Provision>"#;
    let doc = xml_to_wbxml(xml).unwrap();
    let resp: ProvisionResponse = decode(&doc, DecodeOptions::new(ProtocolVersion::V2_5)).unwrap();
    assert_eq!(
        resp.policies.as_ref().unwrap().policy.data,
        Some(PolicyData::WapXml("<wap-provisioningdoc/>".into()))
    );
    assert!(resp.remote_wipe.is_some());
    // The XML tool writes the text around each entity separately; the token stream is the same.
    assert_eq!(
        canon::to_canon(
            &encode(&resp, ProtocolVersion::V2_5).unwrap(),
            Limits::default()
        ),
        canon::to_canon(&doc, Limits::default())
    );

    // 16.1: account-only wipe, confirmed by the client.
    let xml =
        r#"<Provision xmlns="Provision"><Status>1</Status><AccountOnlyRemoteWipe/></Provision>"#;
    let resp: ProvisionResponse =
        decode(&xml_to_wbxml(xml).unwrap(), DecodeOptions::new(V)).unwrap();
    assert!(resp.account_only_remote_wipe.is_some() && resp.remote_wipe.is_none());
    // 14.1 does not know AccountOnlyRemoteWipe: decoding refuses it, encoding leaves it out.
    let err = decode::<ProvisionResponse>(
        &xml_to_wbxml(xml).unwrap(),
        DecodeOptions::new(ProtocolVersion::V14_1),
    )
    .unwrap_err();
    assert!(matches!(err, CodecError::NotInVersion { .. }), "{err}");
    let old: ProvisionResponse = decode(
        &encode(&resp, ProtocolVersion::V14_1).unwrap(),
        DecodeOptions::new(ProtocolVersion::V14_1),
    )
    .unwrap();
    assert_eq!(old.account_only_remote_wipe, None);

    let confirm = built(
        &ProvisionRequest {
            account_only_remote_wipe: Some(WipeConfirmation {
                status: RemoteWipeStatus::Success,
            }),
            ..Default::default()
        },
        V,
    );
    assert_eq!(confirm.account_only_remote_wipe.unwrap().status.code(), 1);
    let confirm = built(
        &ProvisionRequest::confirm_wipe(RemoteWipeStatus::Failure),
        V,
    );
    assert_eq!(
        confirm.remote_wipe.unwrap().status,
        RemoteWipeStatus::Failure
    );
}

/// A policy document with every MS-ASPROV setting.
fn every_policy_setting() -> EasProvisionDoc {
    EasProvisionDoc {
        device_password_enabled: Some(true),
        alphanumeric_device_password_required: Some(true),
        password_recovery_enabled: Some(false),
        require_storage_card_encryption: Some(true),
        attachments_enabled: Some(true),
        min_device_password_length: Some(OrEmpty::Value(6)),
        max_inactivity_time_device_lock: Some(OrEmpty::Value(300)),
        max_device_password_failed_attempts: Some(OrEmpty::Value(10)),
        max_attachment_size: Some(OrEmpty::Empty),
        allow_simple_device_password: Some(false),
        device_password_expiration: Some(OrEmpty::Value(90)),
        device_password_history: Some(5),
        allow_storage_card: Some(true),
        allow_camera: Some(false),
        require_device_encryption: Some(true),
        allow_unsigned_applications: Some(false),
        allow_unsigned_installation_packages: Some(false),
        min_device_password_complex_characters: Some(3),
        allow_wifi: Some(true),
        allow_text_messaging: Some(true),
        allow_pop_imap_email: Some(false),
        allow_bluetooth: Some(1),
        allow_irda: Some(false),
        require_manual_sync_when_roaming: Some(true),
        allow_desktop_sync: Some(false),
        max_calendar_age_filter: Some(4),
        allow_html_email: Some(true),
        max_email_age_filter: Some(3),
        max_email_body_truncation_size: Some(100),
        max_email_html_body_truncation_size: Some(-1),
        require_signed_smime_messages: Some(true),
        require_encrypted_smime_messages: Some(false),
        require_signed_smime_algorithm: Some(0),
        require_encryption_smime_algorithm: Some(0),
        allow_smime_encryption_algorithm_negotiation: Some(1),
        allow_smime_soft_certs: Some(false),
        allow_browser: Some(true),
        allow_consumer_email: Some(false),
        allow_remote_desktop: Some(false),
        allow_internet_sharing: Some(false),
        unapproved_in_rom_application_list: Some(UnapprovedInRomApplicationList {
            application_name: vec!["Games".into(), "Solitaire".into()],
        }),
        approved_application_list: Some(ApprovedApplicationList {
            hash: vec!["3FD4A0B5E9B7C2A1".into()],
        }),
    }
}

#[test]
fn provision_response_built_with_every_setting_round_trips() {
    let doc = every_policy_setting();
    let resp = ProvisionResponse {
        device_information: Some(DeviceInformationStatus {
            status: Some(SettingsStatus::Success),
            set: None,
        }),
        status: ProvisionStatus::Success,
        policies: Some(ResponsePolicies {
            policy: ResponsePolicy {
                policy_type: POLICY_TYPE_WBXML.into(),
                status: PolicyStatus::Success,
                policy_key: Some("1307199584".into()),
                data: Some(PolicyData::Document(doc.clone())),
            },
        }),
        remote_wipe: None,
        account_only_remote_wipe: None,
    };
    let back = built(&resp, V);
    assert_eq!(back.provision_doc(), Some(&doc));

    let failed = built(
        &ProvisionResponse {
            status: ProvisionStatus::DeviceNotFullyProvisionable,
            ..Default::default()
        },
        V,
    );
    assert_eq!(failed.status.code(), 139);
    assert_eq!(PolicyStatus::from_code(5), PolicyStatus::PolicyKeyMismatch);
}

// ---- Settings ----

#[test]
fn settings_user_information_from_a_real_server() {
    let Some(req) = capture::<SettingsRequest>("lswbxml/settings_request_get.wbxml") else {
        return;
    };
    assert!(req.user_information.is_some() && req.oof.is_none());
    let resp = capture::<SettingsResponse>("lswbxml/settings_response_get.wbxml").unwrap();
    assert_eq!(resp.status, SettingsStatus::Success);
    let info = resp.user_information.as_ref().unwrap();
    assert_eq!(info.status, Some(SettingsStatus::Success));
    let addresses = info.get.as_ref().unwrap().email_addresses.as_ref().unwrap();
    assert_eq!(addresses.smtp_address, ["JohnDoe@cookie.agat.com"]);
    assert_eq!(addresses.primary_smtp_address, None);
}

#[test]
fn settings_device_information_both_response_forms() {
    let Some(req) = capture::<SettingsRequest>("wbxml-stream/activesync/activesync-008.wbxml")
    else {
        return;
    };
    let set = &req.device_information.as_ref().unwrap().set;
    assert_eq!(set.user_agent(), Some("SAMSUNG-GT-S6102/100.20306"));
    assert_eq!(set.enable_outbound_sms(), Some(true));

    let resp = capture::<SettingsResponse>("wbxml-stream/activesync/activesync-009.wbxml").unwrap();
    let info = resp.device_information.as_ref().unwrap();
    assert_eq!(
        (info.status, info.result()),
        (Some(SettingsStatus::Success), Some(SettingsStatus::Success))
    );

    // The Set-wrapped form of MS-ASCMD's example (and libwbxml's test).
    let resp = capture::<SettingsResponse>(
        "libwbxml/derived/activesync/activesync-005-settings_status.wbxml",
    )
    .unwrap();
    let info = resp.device_information.as_ref().unwrap();
    assert_eq!(info.status, None);
    assert_eq!(info.result(), Some(SettingsStatus::Success));

    let req = capture::<SettingsRequest>(
        "libwbxml/derived/activesync/activesync-001-settings_device_information.wbxml",
    )
    .unwrap();
    let set = &req.device_information.unwrap().set;
    assert_eq!(set.os_language(), Some("de_DE"));
    assert_eq!(set.phone_number(), Some("+49301234567890"));
}

#[test]
fn settings_out_of_office_from_the_ms_ascmd_examples() {
    let Some(get) =
        capture::<SettingsRequest>("wbxml-stream/derived/ms-ascmd/activesync-ms-ascmd-072.wbxml")
    else {
        return;
    };
    assert_eq!(get.oof.unwrap().get.unwrap().body_type, "Text");

    let resp =
        capture::<SettingsResponse>("wbxml-stream/derived/ms-ascmd/activesync-ms-ascmd-073.wbxml")
            .unwrap();
    let oof = resp.oof.as_ref().unwrap();
    assert_eq!(oof.status, Some(SettingsStatus::Success));
    let settings = oof.get.as_ref().unwrap();
    assert_eq!(settings.oof_state, Some(2));
    assert_eq!(
        settings.start_time.as_deref(),
        Some("2007-05-08T10:45:51.250Z")
    );
    assert_eq!(
        settings.end_time.as_deref(),
        Some("2007-05-11T10:45:51.250Z")
    );
    assert_eq!(settings.oof_message.len(), 3);
    let internal = &settings.oof_message[0];
    assert!(internal.applies_to_internal.is_some() && internal.applies_to_external_known.is_none());
    assert_eq!(internal.enabled, Some(true));
    assert_eq!(
        internal.reply_message.as_deref(),
        Some("Internal OOF Message")
    );
    let unknown = &settings.oof_message[2];
    assert!(unknown.applies_to_external_unknown.is_some());
    assert_eq!(unknown.enabled, Some(false));

    let set =
        capture::<SettingsRequest>("wbxml-stream/derived/ms-ascmd/activesync-ms-ascmd-074.wbxml")
            .unwrap();
    let set = set.oof.unwrap().set.unwrap();
    assert_eq!(set.oof_state, Some(2));
    assert_eq!(set.oof_message[0].body_type.as_deref(), Some("HTML"));
    assert!(
        set.oof_message[0]
            .reply_message
            .as_deref()
            .unwrap()
            .contains("I'll be out of the office")
    );
    let off =
        capture::<SettingsRequest>("wbxml-stream/derived/ms-ascmd/activesync-ms-ascmd-076.wbxml")
            .unwrap();
    assert_eq!(off.oof.unwrap().set.unwrap().oof_state, Some(0));
    for n in ["075", "077"] {
        let resp = capture::<SettingsResponse>(&format!(
            "wbxml-stream/derived/ms-ascmd/activesync-ms-ascmd-{n}.wbxml"
        ))
        .unwrap();
        assert_eq!(resp.oof.unwrap().status, Some(SettingsStatus::Success));
    }
}

#[test]
fn settings_password_and_user_information_from_the_ms_ascmd_examples() {
    let Some(req) =
        capture::<SettingsRequest>("wbxml-stream/derived/ms-ascmd/activesync-ms-ascmd-082.wbxml")
    else {
        return;
    };
    assert_eq!(req.device_password.unwrap().set.password, "bar");
    let req =
        capture::<SettingsRequest>("wbxml-stream/derived/ms-ascmd/activesync-ms-ascmd-080.wbxml")
            .unwrap();
    assert_eq!(
        req.user_information,
        Some(UserInformationRequest::default())
    );
    let resp =
        capture::<SettingsResponse>("wbxml-stream/derived/ms-ascmd/activesync-ms-ascmd-081.wbxml")
            .unwrap();
    let get = resp.user_information.unwrap().get.unwrap();
    assert_eq!(
        get.email_addresses.unwrap().smtp_address,
        ["chris@contoso.com"]
    );
    // Placeholder values of MS-ASCMD's device information example are strings, so it reads.
    let req =
        capture::<SettingsRequest>("wbxml-stream/derived/ms-ascmd/activesync-ms-ascmd-001.wbxml")
            .unwrap();
    assert_eq!(req.device_information.unwrap().set.properties.len(), 8);
}

#[test]
fn settings_accounts_and_rights_management_round_trip() {
    let xml = r#"<Settings xmlns="Settings" xmlns:rm="RightsManagement">
  <Status>1</Status>
  <UserInformation>
    <Status>1</Status>
    <Get>
      <Accounts>
        <Account>
          <AccountId>1</AccountId>
          <AccountName>Chris</AccountName>
          <UserDisplayName>Chris Gray</UserDisplayName>
          <SendDisabled>0</SendDisabled>
          <EmailAddresses>
            <SMTPAddress>chris@contoso.com</SMTPAddress>
            <SMTPAddress>cg@contoso.com</SMTPAddress>
            <PrimarySmtpAddress>chris@contoso.com</PrimarySmtpAddress>
          </EmailAddresses>
        </Account>
      </Accounts>
    </Get>
  </UserInformation>
  <RightsManagementInformation>
    <Status>1</Status>
    <Get>
      <rm:RightsManagementTemplates>
        <rm:RightsManagementTemplate>
          <rm:TemplateID>cf5cf348-a8d7-40d5-91ef-a600b88a395d</rm:TemplateID>
          <rm:TemplateName>Do Not Forward</rm:TemplateName>
          <rm:TemplateDescription>Recipients can read this message, but cannot forward it.</rm:TemplateDescription>
        </rm:RightsManagementTemplate>
      </rm:RightsManagementTemplates>
    </Get>
  </RightsManagementInformation>
</Settings>"#;
    let doc = xml_to_wbxml(xml).unwrap();
    let (resp, same) = roundtrip::<SettingsResponse>(&doc).unwrap();
    assert_eq!(same, Same::Bytes);
    let account = &resp
        .user_information
        .as_ref()
        .unwrap()
        .get
        .as_ref()
        .unwrap()
        .accounts
        .as_ref()
        .unwrap()
        .account[0];
    assert_eq!(account.account_id.as_deref(), Some("1"));
    assert_eq!(account.send_disabled, Some(false));
    let addresses = account.email_addresses.as_ref().unwrap();
    assert_eq!(addresses.smtp_address.len(), 2);
    assert_eq!(
        addresses.primary_smtp_address.as_deref(),
        Some("chris@contoso.com")
    );
    let templates = resp
        .rights_management_information
        .as_ref()
        .unwrap()
        .get
        .as_ref()
        .unwrap()
        .templates
        .as_ref()
        .unwrap();
    assert_eq!(
        templates.template[0].template_name.as_deref(),
        Some("Do Not Forward")
    );
    // The rights-management page only exists from 14.1 on.
    assert!(matches!(
        decode::<SettingsResponse>(&doc, DecodeOptions::new(ProtocolVersion::V14_0)),
        Err(CodecError::NotInVersion { .. })
    ));

    let request = SettingsRequest {
        oof: Some(OofRequest {
            get: None,
            set: Some(OofSettings {
                oof_state: Some(1),
                start_time: None,
                end_time: None,
                oof_message: vec![OofMessage {
                    applies_to_internal: Some(Default::default()),
                    enabled: Some(true),
                    reply_message: Some("Back on Monday & later".into()),
                    body_type: Some("Text".into()),
                    ..Default::default()
                }],
            }),
        }),
        device_information: Some(DeviceInformation {
            set: DeviceInformationSet {
                properties: vec![
                    DeviceProperty::Model("Pixel".into()),
                    DeviceProperty::UserAgent("eas-rs/0.1".into()),
                    DeviceProperty::EnableOutboundSms(false),
                ],
            },
        }),
        device_password: Some(DevicePasswordRequest {
            set: DevicePasswordSet {
                password: CompactString::default(),
            },
        }),
        user_information: Some(UserInformationRequest::default()),
        rights_management_information: Some(RightsManagementInformationRequest::default()),
    };
    built(&request, V);
    let response = SettingsResponse {
        status: SettingsStatus::Success,
        oof: Some(OofResponse {
            status: Some(SettingsStatus::DeniedByPolicy),
            get: None,
        }),
        device_information: Some(DeviceInformationStatus {
            status: Some(SettingsStatus::Success),
            set: None,
        }),
        device_password: Some(DevicePasswordStatus {
            status: None,
            set: Some(SetStatus {
                status: Some(SettingsStatus::Success),
            }),
        }),
        ..Default::default()
    };
    let back = built(&response, V);
    assert_eq!(
        back.device_password.unwrap().result(),
        Some(SettingsStatus::Success)
    );
    assert_eq!(SettingsStatus::DeniedByPolicy.code(), 7);
}

// ---- ResolveRecipients ----

#[test]
fn resolve_recipients_with_availability_and_certificates() {
    let Some(req) = capture::<ResolveRecipientsRequest>(
        "wbxml-stream/derived/ms-ascmd/activesync-ms-ascmd-070.wbxml",
    ) else {
        return;
    };
    assert_eq!(req.to.len(), 4);
    assert_eq!(req.to[1], "chris@contoso.com");
    let options = req.options.as_ref().unwrap();
    assert_eq!(options.max_ambiguous_recipients, Some(2));
    let availability = options.availability.as_ref().unwrap();
    assert_eq!(availability.start_time, "2008-12-01T08:00:00.000Z");
    assert_eq!(availability.end_time, "2008-12-03T08:00:00.000Z");

    let resp = capture::<ResolveRecipientsResponse>(
        "wbxml-stream/derived/ms-ascmd/activesync-ms-ascmd-071.wbxml",
    )
    .unwrap();
    assert_eq!(resp.status, ResolveRecipientsStatus::Success);
    assert_eq!(resp.response.len(), 4);
    let chris = &resp.response[1].recipient[0];
    assert_eq!(chris.email_address, "chris@contoso.com");
    assert_eq!(chris.recipient_type, 1);
    let free_busy = chris.availability.as_ref().unwrap();
    assert_eq!(free_busy.status, AvailabilityStatus::Success);
    assert!(
        free_busy
            .merged_free_busy
            .as_deref()
            .unwrap()
            .starts_with("0020")
    );
    let tom = &resp.response[2];
    assert_eq!(tom.status, RecipientResolveStatus::AmbiguousPartial);
    assert_eq!((tom.recipient_count, tom.recipient.len()), (Some(30), 2));
    let list = &resp.response[3];
    assert_eq!(
        list.recipient[1].availability.as_ref().unwrap().status,
        AvailabilityStatus::DistributionListTooLarge
    );
    assert_eq!(
        resp.response[0].recipient[0]
            .availability
            .as_ref()
            .unwrap()
            .status,
        AvailabilityStatus::TransientFailure
    );

    let req = capture::<ResolveRecipientsRequest>(
        "wbxml-stream/derived/ms-ascmd/activesync-ms-ascmd-067.wbxml",
    )
    .unwrap();
    let options = req.options.unwrap();
    assert_eq!(options.certificate_retrieval, Some(3));
    assert_eq!(options.max_certificates, Some(99));
    let picture = options.picture.unwrap();
    assert_eq!(
        (picture.max_size, picture.max_pictures),
        (Some(1024), Some(10))
    );

    let resp = capture::<ResolveRecipientsResponse>(
        "wbxml-stream/derived/ms-ascmd/activesync-ms-ascmd-069.wbxml",
    )
    .unwrap();
    let contact = &resp.response[0].recipient[0];
    assert_eq!(
        (contact.recipient_type, contact.display_name.as_str()),
        (2, "Chris Gray")
    );
}

#[test]
fn resolve_recipients_built_response_round_trips() {
    let resp = ResolveRecipientsResponse {
        status: ResolveRecipientsStatus::Success,
        response: vec![
            RecipientResponse {
                to: "Testers".into(),
                status: RecipientResolveStatus::Success,
                recipient_count: Some(1),
                recipient: vec![Recipient {
                    recipient_type: 1,
                    display_name: "Testers".into(),
                    email_address: "testers@example.com".into(),
                    availability: Some(Availability {
                        status: AvailabilityStatus::Success,
                        merged_free_busy: Some("0022".into()),
                    }),
                    certificates: Some(Certificates {
                        status: CertificatesStatus::Success,
                        certificate_count: Some(2),
                        recipient_count: Some(3),
                        certificate: vec!["MIIB...".into()],
                        mini_certificate: vec!["AAAAAEfXfBA=".into()],
                    }),
                    picture: Some(Picture {
                        status: PictureStatus::NoPicture,
                        data: None,
                    }),
                }],
            },
            RecipientResponse {
                to: "nobody".into(),
                status: RecipientResolveStatus::NotResolved,
                recipient_count: None,
                recipient: vec![],
            },
        ],
    };
    let back = built(&resp, V);
    assert_eq!(
        back.response[0].recipient[0]
            .picture
            .as_ref()
            .unwrap()
            .status
            .code(),
        173
    );
    // Availability needs 14.0 and pictures 14.1: a 12.1 client gets neither.
    let old: ResolveRecipientsResponse = decode(
        &encode(&resp, ProtocolVersion::V12_1).unwrap(),
        DecodeOptions::new(ProtocolVersion::V12_1),
    )
    .unwrap();
    let r = &old.response[0].recipient[0];
    assert!(r.availability.is_none() && r.picture.is_none() && r.certificates.is_some());
    built(
        &ResolveRecipientsRequest {
            to: vec!["anat".into()],
            options: Some(ResolveOptions {
                certificate_retrieval: Some(2),
                max_certificates: Some(10),
                max_ambiguous_recipients: Some(5),
                availability: Some(AvailabilityRequest {
                    start_time: "2026-01-05T08:00:00.000Z".into(),
                    end_time: "2026-01-05T18:00:00.000Z".into(),
                }),
                picture: Some(PictureRequest::default()),
            }),
        },
        V,
    );
}

// ---- ValidateCert ----

#[test]
fn validate_cert_from_the_ms_ascmd_examples() {
    let Some(req) = capture::<ValidateCertRequest>(
        "wbxml-stream/derived/ms-ascmd/activesync-ms-ascmd-078.wbxml",
    ) else {
        return;
    };
    assert_eq!(req.certificate_chain.as_ref().unwrap().certificate.len(), 5);
    assert_eq!(req.certificates.certificate.len(), 1);
    assert!(req.certificates.certificate[0].starts_with("MIICYjCCAcugAwIBAgIU"));
    assert_eq!(req.check_crl, Some(true));
    let resp = capture::<ValidateCertResponse>(
        "wbxml-stream/derived/ms-ascmd/activesync-ms-ascmd-079.wbxml",
    )
    .unwrap();
    assert_eq!(resp.status, ValidateCertStatus::Success);
    assert_eq!(resp.certificate[0].status, ValidateCertStatus::Success);

    let back = built(
        &ValidateCertResponse {
            status: ValidateCertStatus::Success,
            certificate: vec![
                CertificateResult {
                    status: ValidateCertStatus::Revoked,
                },
                CertificateResult {
                    status: ValidateCertStatus::UntrustedSource,
                },
            ],
        },
        V,
    );
    assert_eq!(back.certificate[0].status.code(), 13);
    assert_eq!(
        ValidateCertStatus::from_code(4).meaning(),
        "The digital ID was issued by an untrusted source."
    );
}

// ---- MeetingResponse ----

#[test]
fn meeting_response_from_the_ms_ascmd_examples() {
    let Some(req) = capture::<MeetingResponseRequest>(
        "wbxml-stream/derived/ms-ascmd/activesync-ms-ascmd-065.wbxml",
    ) else {
        return;
    };
    assert_eq!(req.request.len(), 2);
    let first = &req.request[0];
    assert_eq!(first.user_response, UserResponse::Tentative);
    assert_eq!(first.collection_id.as_deref(), Some("19"));
    assert_eq!(first.request_id.as_deref(), Some("19:39"));
    assert_eq!(first.instance_id.as_deref(), Some("20090907T07:00:00.000Z"));
    assert_eq!(req.request[1].user_response, UserResponse::Accepted);
    assert!(req.request[1].long_id.is_some() && req.request[1].request_id.is_none());

    let resp = capture::<MeetingResponseResponse>(
        "wbxml-stream/derived/ms-ascmd/activesync-ms-ascmd-066.wbxml",
    )
    .unwrap();
    assert_eq!(resp.result[0].status, MeetingResponseStatus::Success);
    assert_eq!(resp.result[0].calendar_id.as_deref(), Some("19:43"));
    assert_eq!(resp.result[1].calendar_id.as_deref(), Some("19:47"));
}

#[test]
fn meeting_response_with_a_proposed_time_round_trips() {
    let req = MeetingResponseRequest {
        request: vec![MeetingResponseItem {
            user_response: UserResponse::Declined,
            collection_id: Some("5".into()),
            request_id: Some("5:12".into()),
            long_id: None,
            instance_id: None,
            send_response: Some(SendResponse {
                body: Some(ComposeBody {
                    body_type: 1,
                    data: Some("Can we meet later?".into()),
                    ..Default::default()
                }),
                proposed_start_time: Some("20260105T150000Z".into()),
                proposed_end_time: Some("20260105T160000Z".into()),
            }),
        }],
    };
    let back = built(&req, V);
    assert_eq!(
        back.request[0]
            .send_response
            .as_ref()
            .unwrap()
            .proposed_start_time
            .as_deref(),
        Some("20260105T150000Z")
    );
    // 16.0 has SendResponse but not the proposed times.
    let v16: MeetingResponseRequest = decode(
        &encode(&req, ProtocolVersion::V16_0).unwrap(),
        DecodeOptions::new(ProtocolVersion::V16_0),
    )
    .unwrap();
    let sent = v16.request[0].send_response.as_ref().unwrap();
    assert!(sent.body.is_some() && sent.proposed_start_time.is_none());
    // An empty SendResponse (a reply without body) stays distinct from none.
    let empty = built(
        &MeetingResponseRequest {
            request: vec![MeetingResponseItem {
                user_response: UserResponse::Accepted,
                long_id: Some("RgAAAAAA".into()),
                send_response: Some(SendResponse::default()),
                ..Default::default()
            }],
        },
        V,
    );
    assert_eq!(
        empty.request[0].send_response,
        Some(SendResponse::default())
    );

    let resp = built(
        &MeetingResponseResponse {
            result: vec![MeetingResponseResult {
                request_id: Some("5:12".into()),
                long_id: None,
                status: MeetingResponseStatus::InvalidMeetingRequest,
                calendar_id: None,
                instance_id: Some("2026-01-05T15:00:00.000Z".into()),
            }],
        },
        V,
    );
    assert_eq!(resp.result[0].status.code(), 2);
}

// ---- SendMail, SmartReply, SmartForward ----

#[test]
fn send_mail_from_a_real_device_and_its_refusal() {
    let Some(req) = capture::<SendMailRequest>("lswbxml/sendmail_request.wbxml") else {
        return;
    };
    assert_eq!(req.client_id, "F35D5740-2263-4CA0-888F-8B7CA3B22F80");
    assert!(req.save_in_sent_items.is_some());
    assert!(
        req.mime.0.starts_with(b"Subject: Cool\r\n") || req.mime.0.starts_with(b"Subject: Cool\n")
    );
    assert!(req.mime.0.len() > 400_000);

    let resp = capture::<SendMailResponse>("lswbxml/sendmail_response.wbxml").unwrap();
    assert_eq!(resp.status, Some(ComposeMailStatus::MessagePreviouslySent));
    assert_eq!(
        resp.status.unwrap().meaning(),
        "A message with this ClientId was already sent."
    );

    for rel in [
        "libwbxml/derived/activesync/activesync-030-sendmail-request.wbxml",
        "wbxml-stream/derived/ms-ascmd/activesync-ms-ascmd-018.wbxml",
    ] {
        let req = capture::<SendMailRequest>(rel).unwrap();
        assert!(req.mime.0.starts_with(b"From: "), "{rel}");
    }
}

#[test]
fn smart_reply_and_forward_from_the_ms_ascmd_examples() {
    let Some(reply) =
        capture::<SmartReplyRequest>("wbxml-stream/derived/ms-ascmd/activesync-ms-ascmd-019.wbxml")
    else {
        return;
    };
    assert_eq!(reply.client_id, "d7b99822-685a-4a40-8dfb-87a114926986");
    assert_eq!(reply.source.folder_id.as_deref(), Some("5"));
    assert_eq!(reply.source.item_id.as_deref(), Some("5:10"));
    assert!(reply.save_in_sent_items.is_some() && reply.replace_mime.is_none());
    let forward = capture::<SmartForwardRequest>(
        "wbxml-stream/derived/ms-ascmd/activesync-ms-ascmd-043.wbxml",
    )
    .unwrap();
    assert!(
        forward
            .source
            .long_id
            .as_deref()
            .unwrap()
            .starts_with("RgAAAAA")
    );
    assert!(forward.source.item_id.is_none() && forward.save_in_sent_items.is_none());
    assert!(forward.mime.is_some());
}

#[test]
fn compose_commands_built_round_trip() {
    built(
        &SendMailRequest {
            client_id: "1".into(),
            account_id: Some("2".into()),
            save_in_sent_items: Some(Default::default()),
            mime: Opaque(b"To: a@example.com\r\n\r\nbinary \x00\xff".to_vec()),
            template_id: Some("cf5cf348-a8d7-40d5-91ef-a600b88a395d".into()),
        },
        V,
    );
    built(
        &SmartReplyRequest {
            client_id: "3".into(),
            replace_mime: Some(Default::default()),
            source: Source {
                folder_id: Some("5".into()),
                item_id: Some("5:10".into()),
                long_id: None,
                instance_id: Some("2026-01-05T15:00:00.000Z".into()),
            },
            mime: Opaque(b"Subject: RE: Lunch\r\n\r\nYes".to_vec()),
            ..Default::default()
        },
        V,
    );
    let forward = built(
        &SmartForwardRequest {
            client_id: "4".into(),
            source: Source {
                item_id: Some("7:1".into()),
                folder_id: Some("7".into()),
                ..Default::default()
            },
            body: Some(ComposeBody {
                body_type: 2,
                data: Some("<p>FYI</p>".into()),
                ..Default::default()
            }),
            forwardees: Some(Forwardees {
                forwardee: vec![
                    Forwardee {
                        name: Some("Anat Kerry".into()),
                        email: "anat@contoso.com".into(),
                    },
                    Forwardee {
                        name: None,
                        email: "dag@contoso.com".into(),
                    },
                ],
            }),
            ..Default::default()
        },
        V,
    );
    assert_eq!(
        forward.forwardees.unwrap().forwardee[1].email,
        "dag@contoso.com"
    );
    for status in [None, Some(ComposeMailStatus::ItemNotFound)] {
        assert_eq!(built(&SmartReplyResponse { status }, V).status, status);
        assert_eq!(built(&SmartForwardResponse { status }, V).status, status);
        assert_eq!(built(&SendMailResponse { status }, V).status, status);
    }
    assert_eq!(
        ComposeMailStatus::from_code(150),
        ComposeMailStatus::ItemNotFound
    );
    // A fragment with Mime alone lacks the required ClientId.
    let err = decode::<SendMailRequest>(
        &xml_to_wbxml("<SendMail xmlns=\"ComposeMail\"><Mime>x</Mime></SendMail>").unwrap(),
        DecodeOptions::new(V),
    )
    .unwrap_err();
    assert!(
        matches!(err, CodecError::MissingElement { tag, .. } if tag == tag!(ComposeMail::ClientId))
    );
}

// ---- Find ----

#[test]
fn find_request_and_response_round_trip() {
    let xml = r#"<Find xmlns="Find" xmlns:airsync="AirSync">
  <SearchId>2e4b2bbf-25dc-4d1b-a2b7-2a74c6d9a6a5</SearchId>
  <ExecuteSearch>
    <MailBoxSearchCriterion>
      <Query>
        <airsync:Class>Email</airsync:Class>
        <airsync:CollectionId>7</airsync:CollectionId>
        <FreeText>subject:Presentation</FreeText>
      </Query>
      <Options>
        <Range>0-99</Range>
        <DeepTraversal/>
      </Options>
    </MailBoxSearchCriterion>
  </ExecuteSearch>
</Find>"#;
    let doc = xml_to_wbxml(xml).unwrap();
    let (req, _) = roundtrip::<FindRequest>(&doc).unwrap();
    let [SearchCriterion::Mailbox(mailbox)] = req.execute_search.criterion.as_slice() else {
        panic!("{req:?}");
    };
    assert_eq!(
        mailbox.query.free_text.as_deref(),
        Some("subject:Presentation")
    );
    assert_eq!(mailbox.query.collection_id.as_deref(), Some("7"));
    let options = mailbox.options.as_ref().unwrap();
    assert_eq!(options.range.as_deref(), Some("0-99"));
    assert!(options.deep_traversal.is_some());

    let gal = built(
        &FindRequest {
            search_id: "e1d2c3b4-0000-4000-8000-000000000001".into(),
            execute_search: ExecuteSearch {
                criterion: vec![SearchCriterion::Gal(GalSearchCriterion {
                    query: "Chris".into(),
                    options: Some(FindOptions {
                        range: Some("0-9".into()),
                        deep_traversal: None,
                        picture: Some(FindPictureOptions {
                            max_size: Some(4096),
                            max_pictures: Some(5),
                        }),
                    }),
                })],
            },
        },
        V,
    );
    assert!(
        matches!(&gal.execute_search.criterion[0], SearchCriterion::Gal(g) if g.query == "Chris")
    );

    let resp = FindResponse {
        status: FindStatus::Success,
        response: Some(FindResults {
            store: "Mailbox".into(),
            status: FindStatus::Success,
            result: vec![
                FindResult {
                    class: Some("Email".into()),
                    server_id: Some("7:3".into()),
                    collection_id: Some("7".into()),
                    properties: FindProperties {
                        subject: Some("Presentation".into()),
                        date_received: Some("2026-01-05T09:00:00.000Z".into()),
                        display_to: Some("Chris Gray".into()),
                        display_cc: Some("Anat Kerry; Dag Rovik".into()),
                        display_bcc: Some(CompactString::default()),
                        importance: Some(1),
                        read: Some(false),
                        is_draft: Some(false),
                        preview: Some("Here are the slides".into()),
                        has_attachments: Some(true),
                        from: Some("\"Anat Kerry\" <anat@contoso.com>".into()),
                        ..Default::default()
                    },
                },
                FindResult {
                    properties: FindProperties {
                        display_name: Some("Chris Gray".into()),
                        phone: Some("+1 425 555 0100".into()),
                        office: Some("20/1234".into()),
                        title: Some("Engineer".into()),
                        company: Some("Contoso".into()),
                        alias: Some("chris".into()),
                        first_name: Some("Chris".into()),
                        last_name: Some("Gray".into()),
                        home_phone: Some("+1 425 555 0101".into()),
                        mobile_phone: Some("+1 425 555 0102".into()),
                        email_address: Some("chris@contoso.com".into()),
                        picture: Some(GalPicture {
                            status: PictureStatus::Success,
                            data: Some(eas_codec::codec::Binary::Text("iVBORw0KGgo=".into())),
                        }),
                        ..Default::default()
                    },
                    ..Default::default()
                },
            ],
            range: Some("0-1".into()),
            total: Some(2),
        }),
    };
    let back = built(&resp, V);
    let results = back.response.unwrap();
    assert_eq!(results.total, Some(2));
    assert_eq!(results.result[0].properties.has_attachments, Some(true));
    assert_eq!(
        results.result[1].properties.email_address.as_deref(),
        Some("chris@contoso.com")
    );
    let refused = built(
        &FindResponse {
            status: FindStatus::FolderSyncRequired,
            response: None,
        },
        V,
    );
    assert_eq!(refused.status.code(), 3);
    // Find exists in 16.1 only.
    assert!(matches!(
        decode::<FindRequest>(&doc, DecodeOptions::new(ProtocolVersion::V16_0)),
        Err(CodecError::NotInVersion { .. })
    ));
}

// ---- Autodiscover ----

const AUTODISCOVER_REQUEST: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006">
  <Request>
    <EMailAddress>chris@woodgrovebank.com</EMailAddress>
    <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006</AcceptableResponseSchema>
  </Request>
</Autodiscover>"#;

#[test]
fn autodiscover_server_side_round_trip() {
    let req = autodiscover::parse_request(AUTODISCOVER_REQUEST).unwrap();
    assert_eq!(req, AutodiscoverRequest::new("chris@woodgrovebank.com"));
    assert_eq!(
        autodiscover::parse_request(&request_to_xml(&req)).unwrap(),
        req
    );

    let resp = AutodiscoverResponse::MobileSync(MobileSyncResponse {
        culture: Some("en:us".into()),
        user: Some(User {
            display_name: Some("Chris Gray & Co <Loans>".into()),
            email_address: req.email_address.clone(),
        }),
        action: Some(Action {
            redirect: None,
            settings: Some(vec![
                Server {
                    server_type: Some("MobileSync".into()),
                    url: Some(
                        "https://loandept.woodgrovebank.com/Microsoft-Server-ActiveSync".into(),
                    ),
                    name: Some(
                        "https://loandept.woodgrovebank.com/Microsoft-Server-ActiveSync".into(),
                    ),
                    server_data: None,
                },
                Server {
                    server_type: Some("CertEnroll".into()),
                    url: Some("https://cert.woodgrovebank.com/CertEnroll".into()),
                    name: Some(String::new()),
                    server_data: Some("CertEnrollTemplate".into()),
                },
            ]),
            error: None,
        }),
    });
    let xml = autodiscover::to_xml(&resp);
    assert!(xml.contains(r#"<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006">"#), "{xml}");
    assert!(xml.contains(r#"<Response xmlns="http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006">"#), "{xml}");
    assert!(xml.contains("Chris Gray &amp; Co &lt;Loans&gt;"), "{xml}");
    let back = parse_response(&xml).unwrap();
    assert_eq!(back, resp);
    assert_eq!(
        back.mobile_sync_url(),
        Some("https://loandept.woodgrovebank.com/Microsoft-Server-ActiveSync")
    );

    for other in [
        AutodiscoverResponse::MobileSync(MobileSyncResponse {
            culture: Some("en:us".into()),
            user: None,
            action: Some(Action {
                redirect: Some("chris@contoso.com".into()),
                ..Default::default()
            }),
        }),
        AutodiscoverResponse::MobileSync(MobileSyncResponse {
            action: Some(Action {
                error: Some(ActionError {
                    status: Some(AutodiscoverStatus::ProtocolError),
                    message: Some("The directory service could not be reached".into()),
                    debug_data: Some("MailUser".into()),
                    error_code: Some(500),
                }),
                ..Default::default()
            }),
            ..Default::default()
        }),
        AutodiscoverResponse::Generic(GenericResponse {
            error: Some(AutodiscoverError {
                time: Some("16:56:32.6164027".into()),
                id: Some("1054084152".into()),
                error_code: Some(AutodiscoverErrorCode::InvalidRequest),
                message: Some("Invalid Request".into()),
                debug_data: Some(String::new()),
            }),
        }),
        AutodiscoverResponse::error(AutodiscoverErrorCode::ProviderNotFound, "No provider"),
    ] {
        let xml = autodiscover::to_xml(&other);
        assert_eq!(parse_response(&xml).unwrap(), other, "{xml}");
        assert_eq!(other.mobile_sync_url(), None);
    }
}

#[test]
fn autodiscover_parses_exchange_style_responses() {
    let xml = r#"<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns="http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006">
  <Response xmlns="http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006">
    <Culture>en:us</Culture>
    <User>
      <DisplayName>Chris Gray</DisplayName>
      <EMailAddress>chris@woodgrovebank.com</EMailAddress>
    </User>
    <Action>
      <Settings>
        <Server>
          <Type>MobileSync</Type>
          <Url>https://loandept.woodgrovebank.com/Microsoft-Server-ActiveSync</Url>
          <Name>https://loandept.woodgrovebank.com/Microsoft-Server-ActiveSync</Name>
        </Server>
      </Settings>
    </Action>
  </Response>
</Autodiscover>"#;
    let resp = parse_response(xml).unwrap();
    let AutodiscoverResponse::MobileSync(r) = &resp else {
        panic!("{resp:?}");
    };
    assert_eq!(
        r.user.as_ref().unwrap().display_name.as_deref(),
        Some("Chris Gray")
    );
    assert!(
        resp.mobile_sync_url()
            .unwrap()
            .ends_with("/Microsoft-Server-ActiveSync")
    );

    let xml = r#"<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006">
  <Response>
    <Error Time="16:56:32.6164027" Id="1054084152">
      <ErrorCode>600</ErrorCode>
      <Message>Invalid Request</Message>
      <DebugData />
    </Error>
  </Response>
</Autodiscover>"#;
    let AutodiscoverResponse::Generic(g) = parse_response(xml).unwrap() else {
        panic!("not the generic response");
    };
    let err = g.error.unwrap();
    assert_eq!(err.error_code, Some(AutodiscoverErrorCode::InvalidRequest));
    assert_eq!(err.time.as_deref(), Some("16:56:32.6164027"));
    assert_eq!(err.debug_data.as_deref(), Some(""));
}

#[test]
fn autodiscover_refuses_unknown_schemas_and_malformed_requests() {
    let other_schema = AUTODISCOVER_REQUEST.replace(
        "mobilesync/responseschema/2006</Acceptable",
        "outlook/responseschema/2006a</Acceptable",
    );
    let two_roots = format!("{AUTODISCOVER_REQUEST}<Autodiscover/>");
    let deep = format!("{}{}", "<a>".repeat(100), "</a>".repeat(100));
    let bad = [
        other_schema.as_str(),
        two_roots.as_str(),
        deep.as_str(),
        // not well-formed
        "<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006\"><Request>",
        "<Autodiscover><Request></Autodiscover>",
        "",
        "just text",
        // wrong namespace
        "<Autodiscover xmlns=\"urn:other\"><Request/></Autodiscover>",
        // missing and unknown elements, text where elements belong, repeats
        "<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006\"><Request><EMailAddress>a@b</EMailAddress></Request></Autodiscover>",
        "<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006\"><Request><EMailAddress>a@b</EMailAddress><Extra/></Request></Autodiscover>",
        "<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006\">text<Request/></Autodiscover>",
        "<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006\"><Request/><Request/></Autodiscover>",
        "<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006\"><Request><EMailAddress>&bogus;</EMailAddress></Request></Autodiscover>",
        "<!DOCTYPE x [<!ENTITY e \"boom\">]><Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006\"/>",
    ];
    for xml in bad {
        let err = autodiscover::parse_request(xml).unwrap_err();
        assert!(matches!(err, CodecError::Xml { .. }), "{xml}: {err:?}");
    }
    let err = autodiscover::parse_request(&other_schema).unwrap_err();
    assert!(
        err.to_string().contains("AcceptableResponseSchema"),
        "{err}"
    );
    // A response document is not a request, nor a request a response.
    let resp = autodiscover::to_xml(&AutodiscoverResponse::error(
        AutodiscoverErrorCode::InvalidRequest,
        "x",
    ));
    assert!(matches!(
        autodiscover::parse_request(&resp),
        Err(CodecError::Xml { .. })
    ));
    assert!(matches!(
        parse_response(AUTODISCOVER_REQUEST),
        Err(CodecError::Xml { .. })
    ));
    // Entities and character references in values are resolved.
    let req = autodiscover::parse_request(&AUTODISCOVER_REQUEST.replace(
        "chris@woodgrovebank.com",
        "o&apos;brien&#64;woodgrovebank.com",
    ))
    .unwrap();
    assert_eq!(req.email_address, "o'brien@woodgrovebank.com");
}

// ---- Coverage of the code pages ----

/// Documents that together use every element of these commands, each read as its type.
const EVERY_ELEMENT: &[(&str, Check)] = &[
    (
        r#"<Provision xmlns="Provision" xmlns:settings="Settings">
  <settings:DeviceInformation>
    <settings:Set>
      <settings:Model>SM-G991B</settings:Model>
      <settings:IMEI>351234567890123</settings:IMEI>
      <settings:FriendlyName>Phone</settings:FriendlyName>
      <settings:OS>Android 14</settings:OS>
      <settings:OSLanguage>en-GB</settings:OSLanguage>
      <settings:PhoneNumber>+441234567890</settings:PhoneNumber>
      <settings:UserAgent>eas-rs/0.1</settings:UserAgent>
      <settings:EnableOutboundSMS>1</settings:EnableOutboundSMS>
      <settings:MobileOperator>Op</settings:MobileOperator>
    </settings:Set>
  </settings:DeviceInformation>
  <Policies>
    <Policy>
      <PolicyType>MS-EAS-Provisioning-WBXML</PolicyType>
      <PolicyKey>1307199584</PolicyKey>
      <Status>1</Status>
    </Policy>
  </Policies>
  <RemoteWipe><Status>1</Status></RemoteWipe>
  <AccountOnlyRemoteWipe><Status>2</Status></AccountOnlyRemoteWipe>
</Provision>"#,
        check::<ProvisionRequest>,
    ),
    (
        r#"<Settings xmlns="Settings" xmlns:rm="RightsManagement">
  <Oof><Get><BodyType>HTML</BodyType></Get></Oof>
</Settings>"#,
        check::<SettingsRequest>,
    ),
    (
        r#"<Settings xmlns="Settings">
  <Oof>
    <Set>
      <OofState>2</OofState>
      <StartTime>2026-01-05T00:00:00.000Z</StartTime>
      <EndTime>2026-01-09T00:00:00.000Z</EndTime>
      <OofMessage>
        <AppliesToInternal/>
        <Enabled>1</Enabled>
        <ReplyMessage>Away</ReplyMessage>
        <BodyType>Text</BodyType>
      </OofMessage>
      <OofMessage><AppliesToExternalKnown/><Enabled>0</Enabled></OofMessage>
      <OofMessage><AppliesToExternalUnknown/><Enabled>0</Enabled></OofMessage>
    </Set>
  </Oof>
  <DevicePassword><Set><Password>secret</Password></Set></DevicePassword>
  <UserInformation><Get/></UserInformation>
  <RightsManagementInformation><Get/></RightsManagementInformation>
</Settings>"#,
        check::<SettingsRequest>,
    ),
    (
        r#"<Settings xmlns="Settings" xmlns:rm="RightsManagement">
  <Status>1</Status>
  <DeviceInformation><Status>1</Status></DeviceInformation>
  <DevicePassword><Set><Status>1</Status></Set></DevicePassword>
  <UserInformation>
    <Status>1</Status>
    <Get>
      <Accounts>
        <Account>
          <AccountId>1</AccountId>
          <AccountName>Work</AccountName>
          <UserDisplayName>Chris Gray</UserDisplayName>
          <SendDisabled>1</SendDisabled>
          <EmailAddresses>
            <SMTPAddress>chris@contoso.com</SMTPAddress>
            <PrimarySmtpAddress>chris@contoso.com</PrimarySmtpAddress>
          </EmailAddresses>
        </Account>
      </Accounts>
    </Get>
  </UserInformation>
  <RightsManagementInformation>
    <Status>1</Status>
    <Get><rm:RightsManagementTemplates/></Get>
  </RightsManagementInformation>
</Settings>"#,
        check::<SettingsResponse>,
    ),
    (
        r#"<ResolveRecipients xmlns="ResolveRecipients">
  <To>chris</To>
  <Options>
    <CertificateRetrieval>2</CertificateRetrieval>
    <MaxCertificates>9</MaxCertificates>
    <MaxAmbiguousRecipients>3</MaxAmbiguousRecipients>
    <Availability><StartTime>2026-01-05T08:00:00.000Z</StartTime><EndTime>2026-01-05T18:00:00.000Z</EndTime></Availability>
    <Picture><MaxSize>1024</MaxSize><MaxPictures>1</MaxPictures></Picture>
  </Options>
</ResolveRecipients>"#,
        check::<ResolveRecipientsRequest>,
    ),
    (
        r#"<ResolveRecipients xmlns="ResolveRecipients">
  <Status>1</Status>
  <Response>
    <To>chris</To>
    <Status>1</Status>
    <RecipientCount>1</RecipientCount>
    <Recipient>
      <Type>1</Type>
      <DisplayName>Chris Gray</DisplayName>
      <EmailAddress>chris@contoso.com</EmailAddress>
      <Availability><Status>1</Status><MergedFreeBusy>0022</MergedFreeBusy></Availability>
      <Certificates>
        <Status>1</Status>
        <CertificateCount>1</CertificateCount>
        <RecipientCount>1</RecipientCount>
        <Certificate>MIIB</Certificate>
        <MiniCertificate>AAAA</MiniCertificate>
      </Certificates>
      <Picture><Status>1</Status><Data>iVBORw0KGgo=</Data></Picture>
    </Recipient>
  </Response>
</ResolveRecipients>"#,
        check::<ResolveRecipientsResponse>,
    ),
    (
        r#"<ValidateCert xmlns="ValidateCert">
  <CertificateChain><Certificate>MIIB</Certificate></CertificateChain>
  <Certificates><Certificate>MIIC</Certificate></Certificates>
  <CheckCRL>0</CheckCRL>
</ValidateCert>"#,
        check::<ValidateCertRequest>,
    ),
    (
        r#"<ValidateCert xmlns="ValidateCert"><Status>1</Status><Certificate><Status>7</Status></Certificate></ValidateCert>"#,
        check::<ValidateCertResponse>,
    ),
    (
        r#"<MeetingResponse xmlns="MeetingResponse" xmlns:search="Search" xmlns:airsyncbase="AirSyncBase">
  <Request>
    <UserResponse>3</UserResponse>
    <CollectionId>5</CollectionId>
    <RequestId>5:1</RequestId>
    <InstanceId>2026-01-05T15:00:00.000Z</InstanceId>
    <SendResponse>
      <airsyncbase:Body>
        <airsyncbase:Type>1</airsyncbase:Type>
        <airsyncbase:EstimatedDataSize>5</airsyncbase:EstimatedDataSize>
        <airsyncbase:Truncated>0</airsyncbase:Truncated>
        <airsyncbase:Data>Later?</airsyncbase:Data>
        <airsyncbase:Preview>Later?</airsyncbase:Preview>
      </airsyncbase:Body>
      <ProposedStartTime>20260105T150000Z</ProposedStartTime>
      <ProposedEndTime>20260105T160000Z</ProposedEndTime>
    </SendResponse>
  </Request>
  <Request><UserResponse>1</UserResponse><search:LongId>RgAAAA</search:LongId></Request>
</MeetingResponse>"#,
        check::<MeetingResponseRequest>,
    ),
    (
        r#"<MeetingResponse xmlns="MeetingResponse" xmlns:search="Search">
  <Result>
    <RequestId>5:1</RequestId>
    <Status>1</Status>
    <CalendarId>1:7</CalendarId>
    <InstanceId>2026-01-05T15:00:00.000Z</InstanceId>
  </Result>
  <Result><search:LongId>RgAAAA</search:LongId><Status>2</Status></Result>
</MeetingResponse>"#,
        check::<MeetingResponseResponse>,
    ),
    (
        r#"<SendMail xmlns="ComposeMail" xmlns:rm="RightsManagement">
  <ClientId>1</ClientId>
  <AccountId>2</AccountId>
  <SaveInSentItems/>
  <Mime><![CDATA[Subject: x]]></Mime>
  <rm:TemplateID>cf5cf348-a8d7-40d5-91ef-a600b88a395d</rm:TemplateID>
</SendMail>"#,
        check::<SendMailRequest>,
    ),
    (
        r#"<SmartReply xmlns="ComposeMail">
  <ClientId>2</ClientId>
  <SaveInSentItems/>
  <ReplaceMime/>
  <Source><FolderId>5</FolderId><ItemId>5:10</ItemId><InstanceId>2026-01-05T15:00:00.000Z</InstanceId></Source>
  <Mime><![CDATA[Subject: RE: x]]></Mime>
</SmartReply>"#,
        check::<SmartReplyRequest>,
    ),
    (
        r#"<SmartForward xmlns="ComposeMail" xmlns:airsyncbase="AirSyncBase">
  <ClientId>3</ClientId>
  <Source><LongId>RgAAAA</LongId></Source>
  <airsyncbase:Body><airsyncbase:Type>1</airsyncbase:Type><airsyncbase:Data>FYI</airsyncbase:Data></airsyncbase:Body>
  <Forwardees>
    <Forwardee><Name>Anat Kerry</Name><Email>anat@contoso.com</Email></Forwardee>
  </Forwardees>
</SmartForward>"#,
        check::<SmartForwardRequest>,
    ),
    (
        r#"<SendMail xmlns="ComposeMail"><Status>120</Status></SendMail>"#,
        check::<SendMailResponse>,
    ),
    (
        r#"<SmartReply xmlns="ComposeMail"><Status>150</Status></SmartReply>"#,
        check::<SmartReplyResponse>,
    ),
    (
        r#"<SmartForward xmlns="ComposeMail"><Status>150</Status></SmartForward>"#,
        check::<SmartForwardResponse>,
    ),
    (
        r#"<Find xmlns="Find" xmlns:airsync="AirSync">
  <SearchId>2e4b2bbf-25dc-4d1b-a2b7-2a74c6d9a6a5</SearchId>
  <ExecuteSearch>
    <MailBoxSearchCriterion>
      <Query><airsync:Class>Email</airsync:Class><airsync:CollectionId>7</airsync:CollectionId><FreeText>x</FreeText></Query>
      <Options><Range>0-9</Range><DeepTraversal/></Options>
    </MailBoxSearchCriterion>
  </ExecuteSearch>
</Find>"#,
        check::<FindRequest>,
    ),
    (
        r#"<Find xmlns="Find">
  <SearchId>2e4b2bbf-25dc-4d1b-a2b7-2a74c6d9a6a6</SearchId>
  <ExecuteSearch>
    <GalSearchCriterion>
      <Query>Chris</Query>
      <Options><Range>0-9</Range><Picture><MaxSize>4096</MaxSize><MaxPictures>5</MaxPictures></Picture></Options>
    </GalSearchCriterion>
  </ExecuteSearch>
</Find>"#,
        check::<FindRequest>,
    ),
    (
        r#"<Find xmlns="Find" xmlns:airsync="AirSync" xmlns:itemoperations="ItemOperations" xmlns:email="Email" xmlns:email2="Email2" xmlns:gal="Gal">
  <Status>1</Status>
  <Response>
    <itemoperations:Store>Mailbox</itemoperations:Store>
    <Status>1</Status>
    <Result>
      <airsync:Class>Email</airsync:Class>
      <airsync:ServerId>7:3</airsync:ServerId>
      <airsync:CollectionId>7</airsync:CollectionId>
      <Properties>
        <email:Subject>Slides</email:Subject>
        <email:DateReceived>2026-01-05T09:00:00.000Z</email:DateReceived>
        <email:DisplayTo>Chris Gray</email:DisplayTo>
        <DisplayCc>Anat Kerry</DisplayCc>
        <DisplayBcc>Dag Rovik</DisplayBcc>
        <email:Importance>2</email:Importance>
        <email:Read>1</email:Read>
        <email2:IsDraft>0</email2:IsDraft>
        <Preview>Here are the slides</Preview>
        <HasAttachments>1</HasAttachments>
        <email:From>anat@contoso.com</email:From>
      </Properties>
    </Result>
    <Result>
      <Properties>
        <gal:DisplayName>Chris Gray</gal:DisplayName>
        <gal:Phone>1</gal:Phone>
        <gal:Office>2</gal:Office>
        <gal:Title>3</gal:Title>
        <gal:Company>4</gal:Company>
        <gal:Alias>chris</gal:Alias>
        <gal:FirstName>Chris</gal:FirstName>
        <gal:LastName>Gray</gal:LastName>
        <gal:HomePhone>5</gal:HomePhone>
        <gal:MobilePhone>6</gal:MobilePhone>
        <gal:EmailAddress>chris@contoso.com</gal:EmailAddress>
        <gal:Picture><gal:Status>1</gal:Status><gal:Data>iVBORw0KGgo=</gal:Data></gal:Picture>
      </Properties>
    </Result>
    <Range>0-1</Range>
    <Total>2</Total>
  </Response>
</Find>"#,
        check::<FindResponse>,
    ),
];

/// The tags of a document's elements.
fn tags_of(doc: &[u8]) -> Vec<Tag> {
    let mut tags = Vec::new();
    for ev in eas_wbxml::Reader::new(doc).unwrap() {
        if let eas_wbxml::Event::Start(eas_wbxml::StartTag {
            name: eas_wbxml::TagName::Token { page, token },
            ..
        }) = ev.unwrap()
        {
            tags.push(Tag::new(page, token));
        }
    }
    tags
}

#[test]
fn every_element_of_these_commands_is_read_and_written() {
    let mut seen = Vec::new();
    for (xml, check) in EVERY_ELEMENT {
        let doc = xml_to_wbxml(xml).unwrap();
        if let Err(e) = check(&doc) {
            panic!("{xml}\n{e}");
        }
        seen.extend(tags_of(&doc));
    }
    // The policy document with every setting, and the server's wipe requests.
    let resp = ProvisionResponse {
        status: ProvisionStatus::Success,
        policies: Some(ResponsePolicies {
            policy: ResponsePolicy {
                policy_type: POLICY_TYPE_WBXML.into(),
                status: PolicyStatus::Success,
                policy_key: Some("1".into()),
                data: Some(PolicyData::Document(every_policy_setting())),
            },
        }),
        remote_wipe: Some(Default::default()),
        account_only_remote_wipe: Some(Default::default()),
        ..Default::default()
    };
    seen.extend(tags_of(&encode(&built(&resp, V), V).unwrap()));

    let pages = [
        "MeetingResponse",
        "ResolveRecipients",
        "ValidateCert",
        "Provision",
        "Settings",
        "ComposeMail",
        "Find",
    ];
    let mut missing = Vec::new();
    for page in eas_codec::pages::PAGES
        .iter()
        .filter(|p| pages.contains(&p.namespace))
    {
        for t in page.tags {
            if !seen.contains(&Tag::new(page.index, t.token)) {
                missing.push(format!("{}:{}", page.namespace, t.name));
            }
        }
    }
    assert!(missing.is_empty(), "elements never used: {missing:?}");
}
