//! Provision (MS-ASPROV): the two-phase exchange through the codec, the policy documents,
//! and the enforcement decision for every version family.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use eas_codec::ProtocolVersion;
use eas_codec::codec::{DecodeOptions, decode, encode};
use eas_codec::command::Command;
use eas_codec::command::provision::{
    PolicyAckStatus, PolicyData, PolicyStatus, ProvisionRequest, ProvisionResponse,
    ProvisionStatus, RequestPolicies, RequestPolicy,
};
use eas_server::provision::{
    DeviceProvisioning, Policy, PolicyCheck, ProvisionInput, check, provision,
};

const WBXML: &str = "MS-EAS-Provisioning-WBXML";
const WAP: &str = "MS-WAP-Provisioning-XML";

fn strict() -> Policy {
    Policy {
        require_password: true,
        min_password_length: Some(6),
        max_attachment_size: Some(1_000_000),
        allow_camera: false,
        allow_non_provisionable_devices: false,
        ..Policy::default()
    }
}

fn request(
    policy_type: &str,
    key: Option<u32>,
    status: Option<PolicyAckStatus>,
) -> ProvisionRequest {
    ProvisionRequest {
        policies: Some(RequestPolicies {
            policy: RequestPolicy {
                policy_type: policy_type.into(),
                policy_key: key.map(|k| k.to_string().into()),
                status,
            },
        }),
        ..ProvisionRequest::default()
    }
}

/// Run one request through the wire both ways, as the server does.
fn exchange(
    v: ProtocolVersion,
    req: &ProvisionRequest,
    policy: &Policy,
    fresh_key: u32,
    state: &mut DeviceProvisioning,
) -> ProvisionResponse {
    let opts = DecodeOptions::new(v);
    let req: ProvisionRequest = decode(&encode(req, v).unwrap(), opts).unwrap();
    let input = ProvisionInput {
        version: v,
        policy,
        fresh_key,
    };
    let resp = provision(&req, &input, state);
    decode(&encode(&resp, v).unwrap(), opts).unwrap()
}

fn key_of(r: &ProvisionResponse) -> u32 {
    r.policies
        .as_ref()
        .unwrap()
        .policy
        .policy_key
        .as_ref()
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn two_phases_give_a_document_then_a_final_key() {
    for v in [
        ProtocolVersion::V12_1,
        ProtocolVersion::V14_1,
        ProtocolVersion::V16_1,
    ] {
        let policy = strict();
        let mut state = DeviceProvisioning::default();
        let r1 = exchange(v, &request(WBXML, None, None), &policy, 1111, &mut state);
        assert_eq!(r1.status, ProvisionStatus::Success);
        let p = &r1.policies.as_ref().unwrap().policy;
        assert_eq!(p.status, PolicyStatus::Success);
        let temp = key_of(&r1);
        let Some(PolicyData::Document(doc)) = &p.data else {
            panic!("{v:?}: no document: {p:?}")
        };
        assert_eq!(doc.device_password_enabled, Some(true));
        assert!(format!("{:?}", doc.min_device_password_length).contains('6'));
        assert!(format!("{:?}", doc.max_attachment_size).contains("1000000"));
        if v >= ProtocolVersion::V12_1 {
            assert_eq!(doc.allow_camera, Some(false), "{v:?}");
        }
        // Not yet provisioned: the temporary key does not open commands.
        assert_ne!(
            check(Command::Sync, v, Some(temp), &state, &policy),
            PolicyCheck::Allowed
        );
        let r2 = exchange(
            v,
            &request(WBXML, Some(temp), Some(PolicyAckStatus::Success)),
            &policy,
            2222,
            &mut state,
        );
        assert_eq!(r2.status, ProvisionStatus::Success);
        let p2 = &r2.policies.as_ref().unwrap().policy;
        assert_eq!(p2.status, PolicyStatus::Success);
        assert!(p2.data.is_none(), "phase 2 carries no document");
        let key = key_of(&r2);
        assert_ne!(key, temp);
        assert_eq!(
            check(Command::Sync, v, Some(key), &state, &policy),
            PolicyCheck::Allowed
        );
    }
}

#[test]
fn protocol_2_5_gets_the_wap_xml_document() {
    let v = ProtocolVersion::V2_5;
    let policy = Policy {
        max_failed_attempts: Some(8),
        max_inactivity_lock_secs: Some(600),
        ..strict()
    };
    let mut state = DeviceProvisioning::default();
    let r = exchange(v, &request(WAP, None, None), &policy, 5, &mut state);
    let p = &r.policies.unwrap().policy;
    let Some(PolicyData::WapXml(xml)) = &p.data else {
        panic!("{p:?}")
    };
    assert!(xml.starts_with("<wap-provisioningdoc>"));
    assert!(
        xml.contains(r#"<parm name="4131" value="0"/>"#),
        "password required: {xml}"
    );
    assert!(xml.contains(r#"<parm name="MinimumPasswordLength" value="6"/>"#));
    assert!(xml.contains(r#"<parm name="DeviceWipeThreshold" value="8"/>"#));
    assert!(xml.contains(r#"<parm name="AEFrequencyValue" value="10"/>"#));
    // The 12.0+ type is a protocol error for 2.5 (and the reverse).
    let r = exchange(v, &request(WBXML, None, None), &policy, 5, &mut state);
    assert_eq!(r.status, ProvisionStatus::ProtocolError);
}

#[test]
fn wrong_keys_unknown_types_and_refusals() {
    let v = ProtocolVersion::V14_1;
    let policy = strict();
    // Acknowledging without phase 1.
    let mut state = DeviceProvisioning::default();
    let r = exchange(
        v,
        &request(WBXML, Some(77), Some(PolicyAckStatus::Success)),
        &policy,
        9,
        &mut state,
    );
    assert_eq!(
        r.policies.unwrap().policy.status,
        PolicyStatus::PolicyKeyMismatch
    );
    assert_eq!(state.key, None);
    // A wrong key after phase 1.
    let r1 = exchange(v, &request(WBXML, None, None), &policy, 10, &mut state);
    let temp = key_of(&r1);
    let r = exchange(
        v,
        &request(WBXML, Some(temp + 1), Some(PolicyAckStatus::Success)),
        &policy,
        11,
        &mut state,
    );
    assert_eq!(
        r.policies.unwrap().policy.status,
        PolicyStatus::PolicyKeyMismatch
    );
    // A device that could not apply the policy is refused under a strict policy ...
    let r = exchange(
        v,
        &request(WBXML, Some(temp), Some(PolicyAckStatus::PartialSuccess)),
        &policy,
        12,
        &mut state,
    );
    assert_eq!(r.status, ProvisionStatus::DeviceNotFullyProvisionable);
    assert_eq!(state.key, None);
    // ... and accepted under a lenient one.
    let lenient = Policy {
        allow_non_provisionable_devices: true,
        ..strict()
    };
    let mut s2 = DeviceProvisioning::default();
    let t = key_of(&exchange(
        v,
        &request(WBXML, None, None),
        &lenient,
        20,
        &mut s2,
    ));
    let r = exchange(
        v,
        &request(WBXML, Some(t), Some(PolicyAckStatus::PartialSuccess)),
        &lenient,
        21,
        &mut s2,
    );
    assert_eq!(r.status, ProvisionStatus::Success);
    assert!(s2.key.is_some());
    // An unknown policy type.
    let r = exchange(
        v,
        &request("Something-Else", None, None),
        &policy,
        30,
        &mut state,
    );
    assert_eq!(
        r.policies.unwrap().policy.status,
        PolicyStatus::UnknownPolicyType
    );
    // No Policies at all.
    let r = exchange(v, &ProvisionRequest::default(), &policy, 31, &mut state);
    assert_eq!(r.status, ProvisionStatus::ProtocolError);
}

#[test]
fn enforcement_per_version_family() {
    let strict = strict();
    let lenient = Policy::default();
    let provisioned = |policy: &Policy| DeviceProvisioning {
        key: Some(4242),
        policy_fingerprint: Some(policy.fingerprint()),
        ..DeviceProvisioning::default()
    };
    let fresh = DeviceProvisioning::default();
    for (v, modern) in [
        (ProtocolVersion::V12_1, false),
        (ProtocolVersion::V14_0, true),
        (ProtocolVersion::V16_1, true),
    ] {
        let refused = |code: u32| {
            if modern {
                PolicyCheck::CommandStatus(code)
            } else {
                PolicyCheck::Http449
            }
        };
        // Provision itself is always allowed.
        assert_eq!(
            check(Command::Provision, v, None, &fresh, &strict),
            PolicyCheck::Allowed
        );
        // A device that never provisioned and sends no key.
        assert_eq!(
            check(Command::Sync, v, None, &fresh, &lenient),
            PolicyCheck::Allowed
        );
        assert_eq!(check(Command::Sync, v, None, &fresh, &strict), refused(141));
        // Key 0 / missing key for a device that must provision.
        assert_eq!(
            check(Command::FolderSync, v, Some(0), &fresh, &strict),
            refused(142)
        );
        // The right key.
        let state = provisioned(&strict);
        assert_eq!(
            check(Command::Ping, v, Some(4242), &state, &strict),
            PolicyCheck::Allowed
        );
        // A wrong key.
        assert_eq!(
            check(Command::Ping, v, Some(4243), &state, &strict),
            refused(144)
        );
        // The policy changed since the key was issued.
        let changed = Policy {
            min_password_length: Some(8),
            ..strict.clone()
        };
        assert_eq!(
            check(Command::Sync, v, Some(4242), &state, &changed),
            refused(143)
        );
    }
}

#[test]
fn the_fingerprint_follows_what_devices_enforce() {
    let a = strict();
    assert_eq!(a.fingerprint(), strict().fingerprint());
    let b = Policy {
        allow_camera: true,
        ..strict()
    };
    assert_ne!(a.fingerprint(), b.fingerprint());
    // Server-side switches do not force a re-provision.
    let c = Policy {
        allow_non_provisionable_devices: true,
        ..strict()
    };
    assert_eq!(a.fingerprint(), c.fingerprint());
}
