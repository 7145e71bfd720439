//! Tests of provisioning: the policy documents, the two-phase Provision exchange through the
//! codec, enforcement of the policy key, and the status-only command responses.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use eas_codec::ProtocolVersion::{self, V2_5, V12_0, V12_1, V14_0, V14_1, V16_1};
use eas_codec::codec::{DecodeOptions, decode, encode};
use eas_codec::command::Command;
use eas_codec::command::provision::{
    OrEmpty, POLICY_TYPE_WAP_XML, PolicyAckStatus, PolicyData, PolicyStatus, ProvisionRequest,
    ProvisionResponse, ProvisionStatus, RequestPolicies, RequestPolicy,
};
use eas_codec::command::settings::{DeviceInformation, SettingsStatus};
use eas_server::provision::{
    DeviceProvisioning, Policy, PolicyCheck, ProvisionInput, check, provision,
};
use eas_server::status_response::status_only;

fn strict() -> Policy {
    Policy {
        require_password: true,
        alphanumeric_password: true,
        min_password_length: Some(6),
        max_inactivity_lock_secs: Some(300),
        max_failed_attempts: Some(8),
        allow_camera: false,
        require_encryption: true,
        max_email_body_truncation_kb: Some(100),
        allow_non_provisionable_devices: false,
        ..Policy::default()
    }
}

/// Encode the request as the client would, run `provision`, and return the response as
/// the client decodes it.
fn exchange(
    req: &ProvisionRequest,
    v: ProtocolVersion,
    policy: &Policy,
    key: u32,
    state: &mut DeviceProvisioning,
) -> ProvisionResponse {
    let wire = encode(req, v).unwrap();
    let req: ProvisionRequest = decode(&wire, DecodeOptions::new(v)).unwrap();
    let input = ProvisionInput {
        version: v,
        policy,
        fresh_key: key,
    };
    let resp = provision(&req, &input, state);
    decode(&encode(&resp, v).unwrap(), DecodeOptions::new(v)).unwrap()
}

fn wap_request(key: Option<&str>, status: Option<PolicyAckStatus>) -> ProvisionRequest {
    ProvisionRequest {
        policies: Some(RequestPolicies {
            policy: RequestPolicy {
                policy_type: POLICY_TYPE_WAP_XML.into(),
                policy_key: key.map(Into::into),
                status,
            },
        }),
        ..Default::default()
    }
}

#[test]
fn two_phase_exchange_at_12_1_14_1_16_1() {
    let policy = strict();
    for v in [V12_1, V14_1, V16_1] {
        let mut state = DeviceProvisioning::default();
        let info = (v >= V14_1).then(DeviceInformation::default);
        let r1 = exchange(
            &ProvisionRequest::initial(info),
            v,
            &policy,
            1111,
            &mut state,
        );
        assert_eq!(r1.status, ProvisionStatus::Success, "{v}");
        assert_eq!(
            r1.policies.as_ref().unwrap().policy.status,
            PolicyStatus::Success
        );
        assert_eq!(r1.policy_key(), Some("1111"));
        let doc = r1.provision_doc().expect("a policy document");
        assert_eq!(doc.device_password_enabled, Some(true));
        assert_eq!(doc.alphanumeric_device_password_required, Some(true));
        assert_eq!(doc.min_device_password_length, Some(OrEmpty::Value(6)));
        assert_eq!(
            doc.max_inactivity_time_device_lock,
            Some(OrEmpty::Value(300))
        );
        assert_eq!(
            doc.max_device_password_failed_attempts,
            Some(OrEmpty::Value(8))
        );
        assert_eq!(doc.max_attachment_size, Some(OrEmpty::Empty));
        assert_eq!(doc.allow_camera, Some(false));
        assert_eq!(doc.require_device_encryption, Some(true));
        assert_eq!(doc.max_email_body_truncation_size, Some(100));
        assert_eq!(doc.max_email_html_body_truncation_size, Some(-1));
        if v >= V14_1 {
            let di = r1
                .device_information
                .as_ref()
                .expect("DeviceInformation answered");
            assert_eq!(di.result(), Some(SettingsStatus::Success));
            assert!(state.device_information_received);
        }
        // Before the acknowledgement the device is not provisioned.
        assert_eq!(state.key, None);

        let ack = ProvisionRequest::acknowledge("1111", PolicyAckStatus::Success);
        let r2 = exchange(&ack, v, &policy, 2222, &mut state);
        assert_eq!(r2.status, ProvisionStatus::Success);
        assert_eq!(
            r2.policies.as_ref().unwrap().policy.status,
            PolicyStatus::Success
        );
        assert_eq!(r2.policy_key(), Some("2222"));
        assert!(r2.policies.as_ref().unwrap().policy.data.is_none());
        assert_eq!(state.key, Some(2222));
        assert_eq!(state.pending_key, None);
        assert_eq!(
            check(Command::Sync, v, Some(2222), &state, &policy),
            PolicyCheck::Allowed
        );
        // The temporary key is spent.
        let again = exchange(&ack, v, &policy, 3333, &mut state);
        assert_eq!(
            again.policies.unwrap().policy.status,
            PolicyStatus::PolicyKeyMismatch
        );
        assert_eq!(state.key, Some(2222));
    }
}

#[test]
fn twelve_zero_document_leaves_out_12_1_settings() {
    let doc = strict().to_provision_doc(V12_0);
    assert_eq!(doc.device_password_enabled, Some(true));
    assert_eq!(doc.allow_camera, None);
    assert_eq!(doc.require_device_encryption, None);
    assert!(strict().to_provision_doc(V12_1).allow_camera.is_some());
}

#[test]
fn two_point_five_gets_the_wap_xml_form() {
    let policy = strict();
    let mut state = DeviceProvisioning::default();
    let r1 = exchange(&wap_request(None, None), V2_5, &policy, 77, &mut state);
    assert_eq!(r1.status, ProvisionStatus::Success);
    let Some(PolicyData::WapXml(xml)) = &r1.policies.as_ref().unwrap().policy.data else {
        panic!("expected the XML form: {r1:?}");
    };
    assert!(xml.starts_with("<wap-provisioningdoc>"));
    assert!(xml.contains(r#"<parm name="4131" value="0"/>"#), "{xml}");
    assert!(xml.contains(r#"<parm name="4133" value="0"/>"#), "{xml}");
    assert!(xml.contains(r#"<parm name="AEFrequencyType" value="1"/>"#));
    assert!(xml.contains(r#"<parm name="AEFrequencyValue" value="5"/>"#));
    assert!(xml.contains(r#"<parm name="DeviceWipeThreshold" value="8"/>"#));
    assert!(xml.contains(r#"<parm name="CodewordFrequency" value="4"/>"#));
    assert!(xml.contains(r#"<parm name="MinimumPasswordLength" value="6"/>"#));
    assert!(xml.contains(r#"<parm name="PasswordComplexity" value="0"/>"#));
    assert!(xml.ends_with("</wap-provisioningdoc>"));

    let r2 = exchange(
        &wap_request(Some("77"), Some(PolicyAckStatus::Success)),
        V2_5,
        &policy,
        78,
        &mut state,
    );
    assert_eq!(r2.policy_key(), Some("78"));

    let open = Policy::default().to_wap_provisioning_xml();
    assert!(open.contains(r#"<parm name="4131" value="1"/>"#));
    assert!(!open.contains("Registry"));
}

#[test]
fn wrong_or_unexpected_acknowledgements_are_refused() {
    let policy = strict();
    // Phase 2 without phase 1.
    let mut state = DeviceProvisioning::default();
    let ack = ProvisionRequest::acknowledge("5", PolicyAckStatus::Success);
    let r = exchange(&ack, V14_1, &policy, 9, &mut state);
    assert_eq!(
        r.policies.unwrap().policy.status,
        PolicyStatus::PolicyKeyMismatch
    );
    assert_eq!(state.key, None);

    // The wrong key after phase 1.
    exchange(
        &ProvisionRequest::initial(None),
        V14_0,
        &policy,
        10,
        &mut state,
    );
    let r = exchange(
        &ProvisionRequest::acknowledge("11", PolicyAckStatus::Success),
        V14_0,
        &policy,
        12,
        &mut state,
    );
    assert_eq!(
        r.policies.unwrap().policy.status,
        PolicyStatus::PolicyKeyMismatch
    );
    assert_eq!(state.key, None);
    assert_eq!(state.pending_key, Some(10));

    // Partial compliance on a strict policy: 139, no key.
    let r = exchange(
        &ProvisionRequest::acknowledge("10", PolicyAckStatus::PartialSuccess),
        V14_0,
        &policy,
        13,
        &mut state,
    );
    assert_eq!(r.status, ProvisionStatus::DeviceNotFullyProvisionable);
    assert_eq!(state.key, None);

    // The same answer is accepted when non-provisionable devices are allowed.
    let lenient = Policy {
        allow_non_provisionable_devices: true,
        ..strict()
    };
    let mut state = DeviceProvisioning::default();
    exchange(
        &ProvisionRequest::initial(None),
        V14_0,
        &lenient,
        20,
        &mut state,
    );
    let r = exchange(
        &ProvisionRequest::acknowledge("20", PolicyAckStatus::PartialSuccess),
        V14_0,
        &lenient,
        21,
        &mut state,
    );
    assert_eq!(r.status, ProvisionStatus::Success);
    assert_eq!(state.key, Some(21));
}

#[test]
fn policy_types_are_checked() {
    let policy = strict();
    let mut state = DeviceProvisioning::default();
    let mut req = ProvisionRequest::initial(None);
    req.policies.as_mut().unwrap().policy.policy_type = "MS-Unknown".into();
    let r = exchange(&req, V14_1, &policy, 1, &mut state);
    assert_eq!(r.status, ProvisionStatus::Success);
    assert_eq!(
        r.policies.unwrap().policy.status,
        PolicyStatus::UnknownPolicyType
    );
    assert_eq!(state.pending_key, None);

    // The XML form asked for by a 12.1 client, and the WBXML form by a 2.5 client.
    let r = exchange(&wap_request(None, None), V12_1, &policy, 1, &mut state);
    assert_eq!(r.status, ProvisionStatus::ProtocolError);
    let r = exchange(
        &ProvisionRequest::initial(None),
        V2_5,
        &policy,
        1,
        &mut state,
    );
    assert_eq!(r.status, ProvisionStatus::ProtocolError);

    // No Policies at all.
    let r = exchange(&ProvisionRequest::default(), V14_1, &policy, 1, &mut state);
    assert_eq!(r.status, ProvisionStatus::ProtocolError);
    assert_eq!(state.pending_key, None);
}

#[test]
fn fingerprint_follows_what_devices_enforce() {
    let a = strict();
    assert_eq!(a.fingerprint(), strict().fingerprint());
    let b = Policy {
        min_password_length: Some(7),
        ..strict()
    };
    assert_ne!(a.fingerprint(), b.fingerprint());
    let c = Policy {
        allow_non_provisionable_devices: true,
        ..strict()
    };
    assert_eq!(a.fingerprint(), c.fingerprint());
}

fn provisioned(policy: &Policy, key: u32) -> DeviceProvisioning {
    DeviceProvisioning {
        key: Some(key),
        policy_fingerprint: Some(policy.fingerprint()),
        ..Default::default()
    }
}

#[test]
fn check_answers_per_version_family() {
    let policy = strict();
    let state = provisioned(&policy, 42);
    let never = DeviceProvisioning::default();
    let changed = Policy {
        min_password_length: Some(8),
        ..strict()
    };
    let cases: [(Option<u32>, &DeviceProvisioning, &Policy, Option<u32>); 6] = [
        (Some(42), &state, &policy, None),       // correct key
        (None, &never, &policy, Some(141)),      // no key, strict policy
        (Some(0), &never, &policy, Some(142)),   // provisionable, not provisioned
        (None, &state, &policy, Some(142)),      // provisioned device without its key
        (Some(41), &state, &policy, Some(144)),  // stale / wrong key
        (Some(42), &state, &changed, Some(143)), // key for an old policy
    ];
    for (key, st, pol, want) in cases {
        for v in [V2_5, V12_0, V12_1, V14_0, V14_1, V16_1] {
            let got = check(Command::FolderSync, v, key, st, pol);
            let expected = match want {
                None => PolicyCheck::Allowed,
                Some(_) if v < V14_0 => PolicyCheck::Http449,
                Some(code) => PolicyCheck::CommandStatus(code),
            };
            assert_eq!(got, expected, "{key:?} {v}");
        }
    }
    // Provision is exempt whatever the key.
    assert_eq!(
        check(Command::Provision, V14_1, Some(41), &state, &policy),
        PolicyCheck::Allowed
    );
    // A temporary key is not a final key.
    let pending = DeviceProvisioning {
        pending_key: Some(7),
        ..Default::default()
    };
    assert_eq!(
        check(Command::Sync, V16_1, Some(7), &pending, &policy),
        PolicyCheck::CommandStatus(142)
    );
}

#[test]
fn non_provisionable_devices_allowed_or_refused() {
    let lenient = Policy::default();
    let never = DeviceProvisioning::default();
    assert_eq!(
        check(Command::Sync, V14_1, None, &never, &lenient),
        PolicyCheck::Allowed
    );
    assert_eq!(
        check(Command::Sync, V12_1, None, &never, &lenient),
        PolicyCheck::Allowed
    );
    // A device that sends key 0 supports Provision and must use it.
    assert_eq!(
        check(Command::Sync, V14_1, Some(0), &never, &lenient),
        PolicyCheck::CommandStatus(142)
    );
    let strict = strict();
    assert_eq!(
        check(Command::Sync, V14_1, None, &never, &strict),
        PolicyCheck::CommandStatus(141)
    );
    assert_eq!(
        check(Command::Sync, V12_1, None, &never, &strict),
        PolicyCheck::Http449
    );
}

#[test]
fn status_only_decodes_back_for_every_command_with_a_status() {
    use eas_codec::command::{
        compose, estimate, find, folder, item_operations, meeting_response, move_items, ping,
        resolve, search, settings, sync, validate_cert,
    };
    for v in ProtocolVersion::ALL {
        for command in Command::ALL {
            let Some(bytes) = status_only(command, 142, v) else {
                continue;
            };
            let o = DecodeOptions::new(v);
            let code = match command {
                Command::Sync => decode::<sync::SyncResponse>(&bytes, o)
                    .unwrap()
                    .status
                    .map(|s| s.code()),
                Command::SendMail => decode::<compose::SendMailResponse>(&bytes, o)
                    .unwrap()
                    .status
                    .map(|s| s.code()),
                Command::SmartReply => decode::<compose::SmartReplyResponse>(&bytes, o)
                    .unwrap()
                    .status
                    .map(|s| s.code()),
                Command::SmartForward => decode::<compose::SmartForwardResponse>(&bytes, o)
                    .unwrap()
                    .status
                    .map(|s| s.code()),
                Command::FolderSync => Some(
                    decode::<folder::FolderSyncResponse>(&bytes, o)
                        .unwrap()
                        .status
                        .code(),
                ),
                Command::FolderCreate => Some(
                    decode::<folder::FolderCreateResponse>(&bytes, o)
                        .unwrap()
                        .status
                        .code(),
                ),
                Command::FolderUpdate => Some(
                    decode::<folder::FolderUpdateResponse>(&bytes, o)
                        .unwrap()
                        .status
                        .code(),
                ),
                Command::FolderDelete => Some(
                    decode::<folder::FolderDeleteResponse>(&bytes, o)
                        .unwrap()
                        .status
                        .code(),
                ),
                Command::MoveItems => decode::<move_items::MoveItemsResponse>(&bytes, o)
                    .unwrap()
                    .status
                    .map(|s| s.code()),
                Command::GetItemEstimate => decode::<estimate::GetItemEstimateResponse>(&bytes, o)
                    .unwrap()
                    .status
                    .map(|s| s.code()),
                Command::MeetingResponse => {
                    decode::<meeting_response::MeetingResponseResponse>(&bytes, o)
                        .unwrap()
                        .result
                        .first()
                        .map(|r| r.status.code())
                }
                Command::Search => Some(
                    decode::<search::SearchResponse>(&bytes, o)
                        .unwrap()
                        .status
                        .code(),
                ),
                Command::Settings => Some(
                    decode::<settings::SettingsResponse>(&bytes, o)
                        .unwrap()
                        .status
                        .code(),
                ),
                Command::Ping => Some(
                    decode::<ping::PingResponse>(&bytes, o)
                        .unwrap()
                        .status
                        .code(),
                ),
                Command::ItemOperations => Some(
                    decode::<item_operations::ItemOperationsResponse>(&bytes, o)
                        .unwrap()
                        .status
                        .code(),
                ),
                Command::Provision => Some(
                    decode::<ProvisionResponse>(&bytes, o)
                        .unwrap()
                        .status
                        .code(),
                ),
                Command::ResolveRecipients => Some(
                    decode::<resolve::ResolveRecipientsResponse>(&bytes, o)
                        .unwrap()
                        .status
                        .code(),
                ),
                Command::ValidateCert => Some(
                    decode::<validate_cert::ValidateCertResponse>(&bytes, o)
                        .unwrap()
                        .status
                        .code(),
                ),
                Command::Find => Some(
                    decode::<find::FindResponse>(&bytes, o)
                        .unwrap()
                        .status
                        .code(),
                ),
                Command::GetAttachment | Command::GetHierarchy => {
                    panic!("{command:?} has no status")
                }
            };
            assert_eq!(code, Some(142), "{command:?} at {v}");
        }
    }
    // Every command with a status answers at 16.1; the composed-mail commands only from 14.0.
    for command in Command::ALL {
        let has = status_only(command, 111, V16_1).is_some();
        let expected = !matches!(command, Command::GetAttachment | Command::GetHierarchy);
        assert_eq!(has, expected, "{command:?}");
    }
    assert!(status_only(Command::SendMail, 111, V12_1).is_none());
    assert!(status_only(Command::SendMail, 111, V14_0).is_some());
}
