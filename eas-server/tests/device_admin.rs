//! Administration end to end: domain policies (`eas-server domain policy set`) reach the
//! devices through Provision. (Version ceilings are tested in `devices.rs`.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::Cursor;

use common::*;
use eas_codec::command::provision::{
    OrEmpty, ProvisionRequest, ProvisionResponse, RequestPolicies, RequestPolicy,
};
use eas_server::accounts::HashCost;
use eas_server::cli::{Cli, Outcome, run_with};

fn cli(server: &TestServer, args: &[&str]) -> Result<String, String> {
    use clap::Parser as _;
    let mut argv = vec!["eas-server"];
    argv.extend_from_slice(args);
    let dir = server.config.data_dir.to_str().unwrap().to_string();
    argv.extend_from_slice(&["--data-dir", &dir]);
    let cli = Cli::try_parse_from(argv).map_err(|e| e.to_string())?;
    match run_with(cli, &mut Cursor::new(Vec::new()), HashCost::TESTING) {
        Ok(Outcome::Output(text)) => Ok(text),
        Ok(other) => panic!("{other:?}"),
        Err(e) => Err(e.to_string()),
    }
}

async fn phase_one(c: &Client) -> ProvisionResponse {
    c.call(
        "Provision",
        &ProvisionRequest {
            policies: Some(RequestPolicies {
                policy: RequestPolicy {
                    policy_type: "MS-EAS-Provisioning-WBXML".into(),
                    ..RequestPolicy::default()
                },
            }),
            ..ProvisionRequest::default()
        },
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_domain_policy_set_by_the_administrator_reaches_provision() {
    let server = TestServer::start(|_| {}, |_| {}).await;
    let c = server.client("alice@example.com", "alice-pw", "POL1", "14.1");
    let before = phase_one(&c).await;
    let doc = before.provision_doc().expect("a policy document");
    assert_ne!(doc.min_device_password_length, Some(OrEmpty::Value(9)));
    let mut provisioned = server.client("alice@example.com", "alice-pw", "POL0", "14.1");
    provisioned.provision().await;
    assert_eq!(provisioned.folder_sync("0").await.status.code(), 1);

    let out = cli(
        &server,
        &[
            "domain",
            "policy",
            "set",
            "example.com",
            "--min-password-length",
            "9",
            "--require-password",
            "true",
            "--max-failed-attempts",
            "5",
        ],
    )
    .unwrap();
    assert!(out.contains("min-password-length: 9  (set here)"), "{out}");

    // The device provisioned under the old policy must provision again (143), then syncs.
    let refused = provisioned
        .post(
            "FolderSync",
            &eas_codec::command::folder::FolderSyncRequest {
                sync_key: "0".into(),
            },
        )
        .await;
    assert_eq!(refused.status, 200);
    let refused: eas_codec::command::folder::FolderSyncResponse = provisioned.decode(&refused.body);
    assert_eq!(
        refused.status.code(),
        eas_codec::status::CommonStatus::PolicyRefresh.code()
    );
    provisioned.provision().await;
    assert_eq!(provisioned.folder_sync("0").await.status.code(), 1);

    let after = phase_one(&c).await;
    let doc = after.provision_doc().expect("a policy document");
    assert_eq!(doc.device_password_enabled, Some(true));
    assert_eq!(doc.min_device_password_length, Some(OrEmpty::Value(9)));
    assert_eq!(
        doc.max_device_password_failed_attempts,
        Some(OrEmpty::Value(5))
    );
    // bob shares the domain, hence the policy.
    let b = server.client("bob@example.com", "bob-pw", "POL2", "14.1");
    let doc = phase_one(&b).await.provision_doc().cloned().unwrap();
    assert_eq!(doc.min_device_password_length, Some(OrEmpty::Value(9)));

    // Misspelt names, wrong types and unknown domains are refused; nothing changes.
    for bad in [
        &["--min-pasword-length", "6"][..],
        &["--require-password", "perhaps"][..],
    ] {
        let mut args = vec!["domain", "policy", "set", "example.com"];
        args.extend_from_slice(bad);
        assert!(cli(&server, &args).is_err(), "{bad:?}");
    }
    assert!(
        cli(
            &server,
            &[
                "domain",
                "policy",
                "set",
                "nowhere.org",
                "--require-password",
                "true"
            ]
        )
        .is_err()
    );
    let show = cli(&server, &["domain", "policy", "show", "example.com"]).unwrap();
    assert!(
        show.contains("min-password-length: 9  (set here)"),
        "{show}"
    );

    // `default` goes back to the configured value.
    cli(
        &server,
        &[
            "domain",
            "policy",
            "set",
            "example.com",
            "--min-password-length",
            "default",
        ],
    )
    .unwrap();
    let doc = phase_one(&c).await.provision_doc().cloned().unwrap();
    assert_eq!(
        doc.min_device_password_length,
        before.provision_doc().unwrap().min_device_password_length
    );
}
