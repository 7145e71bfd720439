//! Search (GAL and mailbox) and ResolveRecipients end to end over HTTPS.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use chrono::{Duration, TimeZone, Utc};
use common::*;
use eas_codec::command::folder::{FolderCreateRequest, FolderCreateResponse};
use eas_codec::command::move_items::{MoveItem, MoveItemsRequest, MoveItemsResponse};
use eas_codec::command::resolve::{
    AvailabilityRequest, ResolveOptions, ResolveRecipientsRequest, ResolveRecipientsResponse,
};
use eas_codec::command::search::{
    Comparison, PictureOptions, QueryGroup, QueryTerm, ResultProperties, SearchOptions,
    SearchQuery, SearchRequest, SearchResponse, SearchStore,
};
use eas_codec::command::sync::{ClientAdd, SyncRequestCommand, SyncRequestCommands};
use eas_codec::data::ApplicationData;
use eas_codec::data::calendar::Calendar;
use eas_codec::data::contacts::Contact;
use eas_codec::tag;

fn gal(text: &str, range: Option<&str>, picture: bool) -> SearchRequest {
    SearchRequest {
        store: SearchStore {
            name: "GAL".into(),
            query: SearchQuery::Text(text.into()),
            options: Some(SearchOptions {
                range: range.map(Into::into),
                picture: picture.then(PictureOptions::default),
                ..SearchOptions::default()
            }),
        },
    }
}

fn mailbox(terms: Vec<QueryTerm>, deep: bool) -> SearchRequest {
    SearchRequest {
        store: SearchStore {
            name: "Mailbox".into(),
            query: SearchQuery::Terms(vec![QueryTerm::And(QueryGroup { terms })]),
            options: Some(SearchOptions {
                range: Some("0-9".into()),
                deep_traversal: deep.then_some(eas_codec::codec::Empty),
                ..SearchOptions::default()
            }),
        },
    }
}

fn subjects(r: &SearchResponse) -> Vec<String> {
    let store = &r.response.as_ref().unwrap().store;
    store
        .results
        .iter()
        .filter_map(|res| match &res.properties {
            Some(ResultProperties::Mailbox(ApplicationData::Email(e))) => {
                e.subject.as_ref().map(|s| s.to_string())
            }
            _ => None,
        })
        .collect()
}

async fn add_item(c: &Client, folder_type: u8, data: ApplicationData) {
    let folder = c.folder_of_type(folder_type).await;
    let (key, _) = c.sync_all(&folder, vec![]).await;
    let r = c
        .sync_one(
            &folder,
            &key,
            Some(SyncRequestCommands {
                commands: vec![SyncRequestCommand::Add(ClientAdd {
                    client_id: "l1".into(),
                    application_data: data,
                    ..ClientAdd::default()
                })],
            }),
            vec![],
        )
        .await;
    assert_eq!(r.status.code(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gal_is_the_domain_searched_by_name_with_ranges() {
    let server = TestServer::start(
        |_| {},
        |d| {
            d.add_account("bobby@example.com", "Bobby Tables", None, Some("x"))
                .unwrap();
            d.add_domain("other.test").unwrap();
            d.add_account("bob@other.test", "Bob Other", None, Some("x"))
                .unwrap();
        },
    )
    .await;
    let c = server.client("alice@example.com", "alice-pw", "GAL", "14.1");
    let r: SearchResponse = c.call("Search", &gal("bob", None, false)).await;
    assert_eq!(r.status.code(), 1);
    let store = &r.response.as_ref().unwrap().store;
    assert_eq!(store.status.code(), 1);
    assert_eq!(store.total, Some(2), "another domain is not in the GAL");
    assert_eq!(store.range.as_deref(), Some("0-1"));
    let names: Vec<_> = store
        .results
        .iter()
        .map(|r| match &r.properties {
            Some(ResultProperties::Gal(g)) => (
                g.display_name.as_deref().unwrap().to_string(),
                g.email_address.as_deref().unwrap().to_string(),
            ),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        names,
        [
            ("Bob".to_string(), "bob@example.com".to_string()),
            ("Bobby Tables".to_string(), "bobby@example.com".to_string())
        ]
    );
    // A range of one; the last name matches too; a picture asked for says there is none.
    let r: SearchResponse = c.call("Search", &gal("tab", Some("0-0"), true)).await;
    let store = &r.response.as_ref().unwrap().store;
    assert_eq!(
        (store.total, store.range.as_deref()),
        (Some(1), Some("0-0"))
    );
    match &store.results[0].properties {
        Some(ResultProperties::Gal(g)) => {
            assert_eq!(g.last_name.as_deref(), Some("Tables"));
            assert_eq!(g.picture.as_ref().unwrap().status.code(), 173);
        }
        other => panic!("{other:?}"),
    }
    let r: SearchResponse = c.call("Search", &gal("nobody", None, false)).await;
    let store = &r.response.as_ref().unwrap().store;
    assert!(store.results.is_empty());
    assert_eq!(store.total, Some(0));
    let r: SearchResponse = c.call("Search", &gal("bob", Some("5-1"), false)).await;
    assert_eq!(r.response.unwrap().store.status.code(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mailbox_search_by_words_folder_dates_and_subfolders() {
    let server = TestServer::start(|_| {}, |_| {}).await;
    for (subject, body) in [
        ("Quarterly report", "The numbers are in."),
        ("Lunch", "Noon at the usual place?"),
        ("Holiday plans", "Attached is the report you asked for."),
    ] {
        lmtp_deliver(server.lmtp(), "alice@example.com", &message(subject, body)).await;
    }
    let c = server.client("alice@example.com", "alice-pw", "SRCH", "14.1");
    let inbox = c.folder_of_type(2).await;
    let (_, ids) = c.sync_all(&inbox, vec![]).await;
    assert_eq!(ids.len(), 3);
    let free = |t: &str| QueryTerm::FreeText(t.into());
    let class = QueryTerm::Class("Email".into());
    let folder = |f: &str| QueryTerm::CollectionId(f.into());

    // Words match subject and body, all of them.
    let r: SearchResponse = c
        .call(
            "Search",
            &mailbox(vec![class.clone(), folder(&inbox), free("report")], false),
        )
        .await;
    let mut got = subjects(&r);
    got.sort();
    assert_eq!(got, ["Holiday plans", "Quarterly report"]);
    let store = &r.response.as_ref().unwrap().store;
    assert_eq!(store.total, Some(2));
    assert!(store.results.iter().all(|r| r.long_id.is_some()));
    let r: SearchResponse = c
        .call(
            "Search",
            &mailbox(vec![class.clone(), free("quarterly numbers")], false),
        )
        .await;
    assert_eq!(subjects(&r), ["Quarterly report"]);

    // A date range: received after tomorrow matches nothing.
    let tomorrow = (Utc::now() + Duration::days(1))
        .format("%Y-%m-%dT%H:%M:%S.000Z")
        .to_string();
    let after = QueryTerm::GreaterThan(Comparison {
        property: Some(tag!(Email::DateReceived)),
        value: Some(tomorrow),
    });
    let r: SearchResponse = c
        .call(
            "Search",
            &mailbox(
                vec![class.clone(), folder(&inbox), after, free("report")],
                false,
            ),
        )
        .await;
    assert!(subjects(&r).is_empty());

    // A message in a subfolder of the Inbox is found with DeepTraversal only.
    let (hierarchy, _) = {
        let f = c.folder_sync("0").await;
        (f.sync_key.unwrap().to_string(), ())
    };
    let created: FolderCreateResponse = c
        .call(
            "FolderCreate",
            &FolderCreateRequest {
                sync_key: hierarchy.as_str().into(),
                parent_id: inbox.as_str().into(),
                display_name: "Reports".into(),
                folder_type: 12,
            },
        )
        .await;
    let sub = created.server_id.unwrap().to_string();
    let r: SearchResponse = c
        .call(
            "Search",
            &mailbox(vec![class.clone(), free("quarterly")], false),
        )
        .await;
    let long_id = r.response.unwrap().store.results[0]
        .long_id
        .clone()
        .unwrap();
    let item = long_id.split(':').nth(1).unwrap().to_string();
    let moved: MoveItemsResponse = c
        .call(
            "MoveItems",
            &MoveItemsRequest {
                moves: vec![MoveItem {
                    src_msg_id: item.as_str().into(),
                    src_fld_id: inbox.as_str().into(),
                    dst_fld_id: sub.as_str().into(),
                }],
            },
        )
        .await;
    assert_eq!(moved.responses[0].status.code(), 3);
    let shallow: SearchResponse = c
        .call(
            "Search",
            &mailbox(
                vec![class.clone(), folder(&inbox), free("quarterly")],
                false,
            ),
        )
        .await;
    assert!(subjects(&shallow).is_empty());
    let deep: SearchResponse = c
        .call(
            "Search",
            &mailbox(vec![class.clone(), folder(&inbox), free("quarterly")], true),
        )
        .await;
    assert_eq!(subjects(&deep), ["Quarterly report"]);
    // A folder that does not exist asks for a FolderSync.
    let r: SearchResponse = c
        .call(
            "Search",
            &mailbox(vec![class, folder("999999"), free("x")], false),
        )
        .await;
    assert_eq!(r.response.unwrap().store.status.code(), 11);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recipients_resolve_from_the_gal_and_contacts_with_free_busy() {
    let server = TestServer::start(|_| {}, |_| {}).await;
    // Bob is busy tomorrow 10:00-11:00 UTC.
    let day = (Utc::now() + Duration::days(1)).date_naive();
    let ten = Utc.from_utc_datetime(&day.and_hms_opt(10, 0, 0).unwrap());
    let fmt = |t: chrono::DateTime<Utc>| t.format("%Y%m%dT%H%M%SZ").to_string();
    let bob = server.client("bob@example.com", "bob-pw", "BOBC", "14.1");
    add_item(
        &bob,
        8,
        ApplicationData::Calendar(Box::new(Calendar {
            subject: Some("Dentist".into()),
            start_time: Some(fmt(ten).into()),
            end_time: Some(fmt(ten + Duration::hours(1)).into()),
            dt_stamp: Some(fmt(Utc::now()).into()),
            busy_status: Some(2),
            ..Calendar::default()
        })),
    )
    .await;
    let alice = server.client("alice@example.com", "alice-pw", "RES", "14.1");
    add_item(
        &alice,
        9,
        ApplicationData::Contact(Box::new(Contact {
            first_name: Some("Dora".into()),
            last_name: Some("Explorer".into()),
            email1_address: Some("dora@remote.example".into()),
            ..Contact::default()
        })),
    )
    .await;

    let window_start = ten - Duration::hours(1);
    let iso = |t: chrono::DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%S.000Z").to_string();
    let req = ResolveRecipientsRequest {
        to: vec!["bob@example.com".into(), "dora".into(), "zed".into()],
        options: Some(ResolveOptions {
            availability: Some(AvailabilityRequest {
                start_time: iso(window_start).into(),
                end_time: iso(window_start + Duration::hours(4)).into(),
            }),
            ..ResolveOptions::default()
        }),
    };
    let r: ResolveRecipientsResponse = alice.call("ResolveRecipients", &req).await;
    assert_eq!(r.status.code(), 1);
    assert_eq!(r.response.len(), 3);
    let bob_r = &r.response[0];
    assert_eq!(bob_r.status.code(), 1);
    let rec = &bob_r.recipient[0];
    assert_eq!(rec.recipient_type, 1, "from the GAL");
    assert_eq!(rec.display_name.as_str(), "Bob");
    let fb = rec.availability.as_ref().unwrap();
    assert_eq!(fb.status.code(), 1);
    // 09:00-13:00 in half hours: free, free, busy, busy, free, free, free, free.
    assert_eq!(fb.merged_free_busy.as_deref(), Some("00220000"));
    let dora = &r.response[1];
    assert_eq!(dora.status.code(), 1);
    assert_eq!(dora.recipient[0].recipient_type, 2, "from the contacts");
    assert_eq!(
        dora.recipient[0].email_address.as_str(),
        "dora@remote.example"
    );
    assert_eq!(r.response[2].status.code(), 4, "not resolved");

    // A window that ends before it starts is a protocol error.
    let bad = ResolveRecipientsRequest {
        to: vec!["bob@example.com".into()],
        options: Some(ResolveOptions {
            availability: Some(AvailabilityRequest {
                start_time: iso(ten).into(),
                end_time: iso(ten - Duration::hours(1)).into(),
            }),
            ..ResolveOptions::default()
        }),
    };
    let r: ResolveRecipientsResponse = alice.call("ResolveRecipients", &bad).await;
    assert_eq!(r.status.code(), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn find_at_16_1_lists_mail_and_people() {
    use eas_codec::command::find::{
        ExecuteSearch, FindOptions, FindRequest, FindResponse, GalSearchCriterion, MailboxQuery,
        MailboxSearchCriterion, SearchCriterion,
    };
    let server = TestServer::start(|_| {}, |_| {}).await;
    lmtp_deliver(
        server.lmtp(),
        "alice@example.com",
        &message("Budget report", "The budget for next year is ready."),
    )
    .await;
    lmtp_deliver(
        server.lmtp(),
        "alice@example.com",
        &message("Lunch", "Noon?"),
    )
    .await;
    let c = server.client("alice@example.com", "alice-pw", "FIND", "16.1");
    let inbox = c.folder_of_type(2).await;
    let find = |criterion: SearchCriterion| FindRequest {
        search_id: "f1".into(),
        execute_search: ExecuteSearch {
            criterion: vec![criterion],
        },
    };
    let mail = |text: &str, range: &str| {
        SearchCriterion::Mailbox(MailboxSearchCriterion {
            query: MailboxQuery {
                class: Some("Email".into()),
                collection_id: Some(inbox.as_str().into()),
                free_text: Some(text.into()),
            },
            options: Some(FindOptions {
                range: Some(range.into()),
                ..FindOptions::default()
            }),
        })
    };
    let r: FindResponse = c.call("Find", &find(mail("budget", "0-9"))).await;
    assert_eq!(r.status.code(), 1);
    let results = r.response.unwrap();
    assert_eq!(results.status.code(), 1);
    assert_eq!(results.total, Some(1));
    let props = &results.result[0].properties;
    assert_eq!(props.subject.as_deref(), Some("Budget report"));
    assert!(
        props
            .preview
            .as_deref()
            .unwrap()
            .starts_with("The budget for next year")
    );
    assert_eq!(props.read, Some(false));
    assert_eq!(
        results.result[0].collection_id.as_deref(),
        Some(inbox.as_str())
    );

    let r: FindResponse = c.call("Find", &find(mail("budget", "5-9"))).await;
    assert_eq!(
        r.response.unwrap().status.code(),
        4,
        "a range must start at 0"
    );

    let r: FindResponse = c
        .call(
            "Find",
            &find(SearchCriterion::Gal(GalSearchCriterion {
                query: "bo".into(),
                options: None,
            })),
        )
        .await;
    let results = r.response.unwrap();
    assert_eq!(results.store.as_str(), "GAL");
    assert_eq!(results.result.len(), 1);
    assert_eq!(
        results.result[0].properties.email_address.as_deref(),
        Some("bob@example.com")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validate_cert_checks_against_the_trust_store() {
    use base64::Engine as _;
    use eas_codec::command::validate_cert::{
        CertificateList, ValidateCertRequest, ValidateCertResponse,
    };
    use rcgen::{
        BasicConstraints, CertificateParams, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    };
    let make_ca = |name: &str| {
        let mut params = CertificateParams::new(Vec::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        let key = KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        (cert, Issuer::new(params, key))
    };
    let leaf = |issuer: &Issuer<'_, KeyPair>| {
        let mut params = CertificateParams::new(Vec::new()).unwrap();
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::EmailProtection];
        let key = KeyPair::generate().unwrap();
        base64::engine::general_purpose::STANDARD
            .encode(params.signed_by(&key, issuer).unwrap().der())
    };
    let (root, root_issuer) = make_ca("Company Root");
    let (_, other_issuer) = make_ca("Someone Else");
    let store = tempfile::tempdir().unwrap();
    let pem = store.path().join("roots.pem");
    std::fs::write(&pem, root.pem()).unwrap();
    let server = TestServer::start(|c| c.smime.trust_store = Some(pem.clone()), |_| {}).await;
    let c = server.client("alice@example.com", "alice-pw", "CERT", "14.1");
    let req = ValidateCertRequest {
        certificates: CertificateList {
            certificate: vec![leaf(&root_issuer).into(), leaf(&other_issuer).into()],
        },
        ..ValidateCertRequest::default()
    };
    let r: ValidateCertResponse = c.call("ValidateCert", &req).await;
    assert_eq!(r.status.code(), 1);
    let codes: Vec<u32> = r.certificate.iter().map(|c| c.status.code()).collect();
    assert_eq!(codes, [1, 4]);
    let empty: ValidateCertResponse = c
        .call("ValidateCert", &ValidateCertRequest::default())
        .await;
    assert_eq!(empty.status.code(), 2);
}
