//! Autodiscover (POX) over HTTPS: the ActiveSync URL for the authenticated account, under
//! every case of the path; 401 without or with wrong credentials; errors for another
//! user's address, a foreign schema and a malformed request.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use eas_codec::command::autodiscover::{
    AutodiscoverRequest, AutodiscoverResponse, parse_response, request_to_xml,
};

const URL: &str = "https://mail.example.com/Microsoft-Server-ActiveSync";

async fn post(
    server: &TestServer,
    path: &str,
    auth: Option<(&str, &str)>,
    body: String,
) -> (u16, reqwest::header::HeaderMap, String) {
    let c = server.client("alice@example.com", "alice-pw", "AD", "14.1");
    let base = c
        .base
        .trim_end_matches("/Microsoft-Server-ActiveSync")
        .to_string();
    let mut req = c
        .http
        .post(format!("{base}{path}"))
        .header("Content-Type", "text/xml")
        .body(body);
    if let Some((user, password)) = auth {
        req = req.basic_auth(user, Some(password));
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    (status, headers, resp.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autodiscover_gives_the_account_its_activesync_url() {
    let server = TestServer::start(|c| c.https.public_url = URL.into(), |_| {}).await;
    let request = request_to_xml(&AutodiscoverRequest::new("alice@example.com"));
    for path in [
        "/autodiscover/autodiscover.xml",
        "/Autodiscover/Autodiscover.xml",
        "/AutoDiscover/AutoDiscover.xml",
    ] {
        let (status, headers, xml) = post(
            &server,
            path,
            Some(("alice@example.com", "alice-pw")),
            request.clone(),
        )
        .await;
        assert_eq!(status, 200, "{path}: {xml}");
        assert!(
            headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/xml")
        );
        let answer = parse_response(&xml).unwrap();
        assert_eq!(answer.mobile_sync_url(), Some(URL), "{path}: {xml}");
        match answer {
            AutodiscoverResponse::MobileSync(r) => {
                let user = r.user.unwrap();
                assert_eq!(user.display_name.as_deref(), Some("Alice"));
                assert_eq!(user.email_address, "alice@example.com");
            }
            other => panic!("{other:?}"),
        }
    }
    // The login may use the DOMAIN\user form too.
    let (status, _, xml) = post(
        &server,
        "/autodiscover/autodiscover.xml",
        Some(("example.com\\alice", "alice-pw")),
        request.clone(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(parse_response(&xml).unwrap().mobile_sync_url(), Some(URL));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autodiscover_refuses_strangers_and_bad_requests() {
    let server = TestServer::start(|c| c.https.public_url = URL.into(), |_| {}).await;
    let request = request_to_xml(&AutodiscoverRequest::new("alice@example.com"));
    let path = "/autodiscover/autodiscover.xml";

    let (status, headers, _) = post(&server, path, None, request.clone()).await;
    assert_eq!(status, 401);
    assert!(
        headers["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Basic")
    );
    let (status, _, _) = post(&server, path, Some(("alice@example.com", "wrong")), request).await;
    assert_eq!(status, 401);

    // Bob asking for Alice's settings learns nothing about her.
    let (status, _, xml) = post(
        &server,
        path,
        Some(("bob@example.com", "bob-pw")),
        request_to_xml(&AutodiscoverRequest::new("alice@example.com")),
    )
    .await;
    assert_eq!(status, 200);
    let answer = parse_response(&xml).unwrap();
    assert_eq!(answer.mobile_sync_url(), None);
    match answer {
        AutodiscoverResponse::MobileSync(r) => {
            let error = r.action.unwrap().error.unwrap();
            assert_eq!(error.status.map(|s| s.code()), Some(2));
        }
        other => panic!("{other:?}"),
    }

    // Another schema: 601; not Autodiscover at all: 600.
    let outlook = request_to_xml(&AutodiscoverRequest::new("alice@example.com")).replace(
        "mobilesync/responseschema/2006",
        "outlook/responseschema/2006a",
    );
    let (_, _, xml) = post(
        &server,
        path,
        Some(("alice@example.com", "alice-pw")),
        outlook,
    )
    .await;
    assert!(xml.contains("<ErrorCode>601</ErrorCode>"), "{xml}");
    let (_, _, xml) = post(
        &server,
        path,
        Some(("alice@example.com", "alice-pw")),
        "<nonsense/>".into(),
    )
    .await;
    assert!(xml.contains("<ErrorCode>600</ErrorCode>"), "{xml}");
    // Other methods are not served.
    let c = server.client("alice@example.com", "alice-pw", "AD", "14.1");
    let base = c
        .base
        .trim_end_matches("/Microsoft-Server-ActiveSync")
        .to_string();
    let resp = c
        .http
        .delete(format!("{base}{path}"))
        .basic_auth("alice@example.com", Some("alice-pw"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 405);
}
