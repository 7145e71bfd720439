//! Contact pictures and S/MIME certificates stored per account and returned by Search (GAL),
//! Find and ResolveRecipients; ambiguity and free/busy of recurring and "working elsewhere"
//! items; the admin commands that store them. End to end over HTTPS.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use base64::Engine as _;
use chrono::{Duration, TimeZone, Utc};
use common::*;
use eas_codec::command::resolve::{
    AvailabilityRequest, PictureRequest, ResolveOptions, ResolveRecipientsRequest,
    ResolveRecipientsResponse,
};
use eas_codec::command::search::{
    PictureOptions, ResultProperties, SearchOptions, SearchQuery, SearchRequest, SearchResponse,
    SearchStore,
};
use eas_codec::command::sync::{ClientAdd, SyncRequestCommand, SyncRequestCommands};
use eas_codec::data::ApplicationData;
use eas_codec::data::calendar::{Calendar, CalendarRecurrence};

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A JPEG-looking picture of `len` bytes, distinct per `tag`.
fn picture(len: usize, tag: u8) -> Vec<u8> {
    let mut p = vec![0xFF, 0xD8, 0xFF, 0xE0];
    p.resize(len, tag);
    p
}

fn self_signed_der(name: &str) -> Vec<u8> {
    let mut params = rcgen::CertificateParams::new(Vec::new()).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, name);
    let key = rcgen::KeyPair::generate().unwrap();
    params.self_signed(&key).unwrap().der().to_vec()
}

fn gal(text: &str, range: Option<&str>, picture: Option<PictureOptions>) -> SearchRequest {
    SearchRequest {
        store: SearchStore {
            name: "GAL".into(),
            query: SearchQuery::Text(text.into()),
            options: Some(SearchOptions {
                range: range.map(Into::into),
                picture,
                ..SearchOptions::default()
            }),
        },
    }
}

/// (address, picture status, picture bytes) of each GAL result.
fn gal_pictures(r: &SearchResponse) -> Vec<(String, u32, Option<Vec<u8>>)> {
    r.response
        .as_ref()
        .unwrap()
        .store
        .results
        .iter()
        .map(|res| match &res.properties {
            Some(ResultProperties::Gal(g)) => {
                let p = g.picture.as_ref().expect("a picture element");
                (
                    g.email_address.as_deref().unwrap().to_string(),
                    p.status.code(),
                    p.data.as_ref().map(|d| d.to_bytes().unwrap().into_owned()),
                )
            }
            other => panic!("{other:?}"),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gal_search_and_find_return_pictures_within_max_size_and_max_pictures() {
    let server = TestServer::start(
        |_| {},
        |d| {
            let bob = d.find_account("bob@example.com").unwrap().unwrap();
            d.set_picture(bob, Some(&picture(300, 1))).unwrap();
            let bobbie = d
                .add_account("bobbie@example.com", "Bobbie Smith", None, Some("x"))
                .unwrap();
            d.set_picture(bobbie.id, Some(&picture(200, 2))).unwrap();
            let bobby = d
                .add_account("bobby@example.com", "Bobby Tables", None, Some("x"))
                .unwrap();
            d.set_picture(bobby.id, Some(&picture(5000, 3))).unwrap();
            d.add_account("bobo@example.com", "Bobo Clown", None, Some("x"))
                .unwrap();
        },
    )
    .await;
    let c = server.client("alice@example.com", "alice-pw", "PICS", "14.1");

    // Sorted by name: Bob, Bobbie Smith, Bobby Tables, Bobo Clown.
    let limits = PictureOptions {
        max_size: Some(1000),
        max_pictures: Some(1),
    };
    let r: SearchResponse = c.call("Search", &gal("bob", None, Some(limits))).await;
    let store = &r.response.as_ref().unwrap().store;
    assert_eq!(store.total, Some(4));
    assert_eq!(
        gal_pictures(&r),
        [
            ("bob@example.com".into(), 1, Some(picture(300, 1))),
            ("bobbie@example.com".into(), 175, None),
            ("bobby@example.com".into(), 174, None),
            ("bobo@example.com".into(), 173, None),
        ]
    );

    // Without limits, a range: every stored picture comes back whole.
    let r: SearchResponse = c
        .call(
            "Search",
            &gal("bob", Some("1-2"), Some(PictureOptions::default())),
        )
        .await;
    let store = &r.response.as_ref().unwrap().store;
    assert_eq!(
        (store.total, store.range.as_deref()),
        (Some(4), Some("1-2"))
    );
    assert_eq!(
        gal_pictures(&r),
        [
            ("bobbie@example.com".into(), 1, Some(picture(200, 2))),
            ("bobby@example.com".into(), 1, Some(picture(5000, 3))),
        ]
    );

    // Without Picture in the request, no picture element.
    let r: SearchResponse = c.call("Search", &gal("bobbie", None, None)).await;
    match &r.response.unwrap().store.results[0].properties {
        Some(ResultProperties::Gal(g)) => assert!(g.picture.is_none()),
        other => panic!("{other:?}"),
    }

    // Find (16.1) GAL with pictures.
    use eas_codec::command::find::{
        ExecuteSearch, FindOptions, FindPictureOptions, FindRequest, FindResponse,
        GalSearchCriterion, SearchCriterion,
    };
    let c16 = server.client("alice@example.com", "alice-pw", "FINDPICS", "16.1");
    let req = FindRequest {
        search_id: "p1".into(),
        execute_search: ExecuteSearch {
            criterion: vec![SearchCriterion::Gal(GalSearchCriterion {
                query: "bobb".into(),
                options: Some(FindOptions {
                    range: Some("0-9".into()),
                    picture: Some(FindPictureOptions {
                        max_size: Some(1000),
                        max_pictures: None,
                    }),
                    ..FindOptions::default()
                }),
            })],
        },
    };
    let r: FindResponse = c16.call("Find", &req).await;
    let results = r.response.unwrap();
    assert_eq!(results.total, Some(2));
    let got: Vec<(String, u32, Option<Vec<u8>>)> = results
        .result
        .iter()
        .map(|res| {
            let p = res.properties.picture.as_ref().unwrap();
            (
                res.properties.email_address.as_deref().unwrap().to_string(),
                p.status.code(),
                p.data.as_ref().map(|d| d.to_bytes().unwrap().into_owned()),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("bobbie@example.com".into(), 1, Some(picture(200, 2))),
            ("bobby@example.com".into(), 174, None),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resolve_recipients_gives_certificates_pictures_and_ambiguity() {
    let bob_cert = self_signed_der("Bob");
    let cert = bob_cert.clone();
    let server = TestServer::start(
        |_| {},
        move |d| {
            let bob = d.find_account("bob@example.com").unwrap().unwrap();
            d.set_certificate(bob, Some(&cert)).unwrap();
            d.set_picture(bob, Some(&picture(100, 7))).unwrap();
            d.add_account("bobby@example.com", "Bobby Tables", None, Some("x"))
                .unwrap();
        },
    )
    .await;
    let c = server.client("alice@example.com", "alice-pw", "CERTS", "14.1");
    // A contact of Alice's with a photo on its card.
    add_item(
        &c,
        9,
        ApplicationData::Contact(Box::new(eas_codec::data::contacts::Contact {
            first_name: Some("Dora".into()),
            last_name: Some("Explorer".into()),
            email1_address: Some("dora@remote.example".into()),
            picture: Some(eas_codec::codec::Binary::Text(b64(&picture(64, 5)))),
            ..Default::default()
        })),
    )
    .await;

    let req = |to: &[&str], options: ResolveOptions| ResolveRecipientsRequest {
        to: to.iter().map(|t| (*t).into()).collect(),
        options: Some(options),
    };
    let r: ResolveRecipientsResponse = c
        .call(
            "ResolveRecipients",
            &req(
                &[
                    "bob@example.com",
                    "bobby@example.com",
                    "nobody@nowhere.test",
                    "dora",
                ],
                ResolveOptions {
                    certificate_retrieval: Some(2),
                    picture: Some(PictureRequest {
                        max_size: Some(1000),
                        max_pictures: Some(5),
                    }),
                    ..ResolveOptions::default()
                },
            ),
        )
        .await;
    assert_eq!(r.status.code(), 1);
    let bob = &r.response[0].recipient[0];
    let certs = bob.certificates.as_ref().unwrap();
    assert_eq!(certs.status.code(), 1);
    assert_eq!(certs.certificate_count, Some(1));
    assert_eq!(
        certs.certificate,
        vec![eas_codec::CompactString::from(b64(&bob_cert))]
    );
    let pic = bob.picture.as_ref().unwrap();
    assert_eq!(pic.status.code(), 1);
    assert_eq!(pic.data.as_deref(), Some(b64(&picture(100, 7)).as_str()));
    // Bobby has neither.
    let bobby = &r.response[1].recipient[0];
    assert_eq!(bobby.certificates.as_ref().unwrap().status.code(), 7);
    assert_eq!(bobby.picture.as_ref().unwrap().status.code(), 173);
    // The unknown address is not resolved and lists nobody.
    assert_eq!(r.response[2].status.code(), 4);
    assert!(r.response[2].recipient.is_empty());
    // The contact: her card's photo, no certificate.
    let dora = &r.response[3].recipient[0];
    assert_eq!(dora.recipient_type, 2);
    assert_eq!(dora.certificates.as_ref().unwrap().status.code(), 7);
    let pic = dora.picture.as_ref().unwrap();
    assert_eq!(pic.status.code(), 1);
    assert_eq!(pic.data.as_deref(), Some(b64(&picture(64, 5)).as_str()));

    // MaxCertificates 0: the certificate is withheld with status 8 and its count.
    let r: ResolveRecipientsResponse = c
        .call(
            "ResolveRecipients",
            &req(
                &["bob@example.com"],
                ResolveOptions {
                    certificate_retrieval: Some(2),
                    max_certificates: Some(0),
                    ..ResolveOptions::default()
                },
            ),
        )
        .await;
    let certs = r.response[0].recipient[0].certificates.as_ref().unwrap();
    assert_eq!(certs.status.code(), 8);
    assert_eq!(certs.certificate_count, Some(1));
    assert!(certs.certificate.is_empty());

    // "bob" names Bob and Bobby: ambiguous (2) listing both, or with
    // MaxAmbiguousRecipients 1 ambiguous-partial (3) listing one of the two.
    let r: ResolveRecipientsResponse = c
        .call(
            "ResolveRecipients",
            &req(&["bob"], ResolveOptions::default()),
        )
        .await;
    let bob = &r.response[0];
    assert_eq!(bob.status.code(), 2);
    assert_eq!(bob.recipient_count, Some(2));
    let mut listed: Vec<&str> = bob
        .recipient
        .iter()
        .map(|r| r.email_address.as_str())
        .collect();
    listed.sort_unstable();
    assert_eq!(listed, ["bob@example.com", "bobby@example.com"]);
    let r: ResolveRecipientsResponse = c
        .call(
            "ResolveRecipients",
            &req(
                &["bob"],
                ResolveOptions {
                    max_ambiguous_recipients: Some(1),
                    ..ResolveOptions::default()
                },
            ),
        )
        .await;
    assert_eq!(r.response[0].status.code(), 3);
    assert_eq!(r.response[0].recipient_count, Some(2));
    assert_eq!(r.response[0].recipient.len(), 1);

    // With Availability, the suggestions for an ambiguous name carry no free/busy; the
    // resolved address does.
    let now = Utc::now();
    let iso = |t: chrono::DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%S.000Z").to_string();
    let r: ResolveRecipientsResponse = c
        .call(
            "ResolveRecipients",
            &req(
                &["bob", "bob@example.com"],
                ResolveOptions {
                    availability: Some(AvailabilityRequest {
                        start_time: iso(now).into(),
                        end_time: iso(now + Duration::hours(2)).into(),
                    }),
                    ..ResolveOptions::default()
                },
            ),
        )
        .await;
    assert_eq!(r.response[0].status.code(), 2);
    assert!(
        r.response[0]
            .recipient
            .iter()
            .all(|r| r.availability.is_none())
    );
    let fb = r.response[1].recipient[0].availability.as_ref().unwrap();
    assert_eq!(fb.merged_free_busy.as_deref(), Some("0000"));
}

async fn add_event(c: &Client, event: Calendar) {
    add_item(c, 8, ApplicationData::Calendar(Box::new(event))).await;
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
                    client_id: "e1".into(),
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
async fn free_busy_expands_recurrences_and_marks_working_elsewhere_tentative() {
    let server = TestServer::start(|_| {}, |_| {}).await;
    let fmt = |t: chrono::DateTime<Utc>| t.format("%Y%m%dT%H%M%SZ").to_string();
    let iso = |t: chrono::DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%S.000Z").to_string();
    let tomorrow = (Utc::now() + Duration::days(1)).date_naive();
    let at = |h: u32, m: u32| Utc.from_utc_datetime(&tomorrow.and_hms_opt(h, m, 0).unwrap());
    let bob = server.client("bob@example.com", "bob-pw", "BOBCAL", "14.1");
    // A daily out-of-office half hour at 14:00, begun three days ago (ten occurrences).
    add_event(
        &bob,
        Calendar {
            subject: Some("Walk".into()),
            start_time: Some(fmt(at(14, 0) - Duration::days(4)).into()),
            end_time: Some(fmt(at(14, 30) - Duration::days(4)).into()),
            dt_stamp: Some(fmt(Utc::now()).into()),
            busy_status: Some(3),
            recurrence: Some(CalendarRecurrence {
                recurrence_type: Some(0),
                interval: Some(1),
                occurrences: Some(10),
                ..CalendarRecurrence::default()
            }),
            ..Calendar::default()
        },
    )
    .await;
    // Working elsewhere tomorrow 10:00-11:00.
    add_event(
        &bob,
        Calendar {
            subject: Some("At the client".into()),
            start_time: Some(fmt(at(10, 0)).into()),
            end_time: Some(fmt(at(11, 0)).into()),
            dt_stamp: Some(fmt(Utc::now()).into()),
            busy_status: Some(4),
            ..Calendar::default()
        },
    )
    .await;
    let alice = server.client("alice@example.com", "alice-pw", "FB", "14.1");
    let r: ResolveRecipientsResponse = alice
        .call(
            "ResolveRecipients",
            &ResolveRecipientsRequest {
                to: vec!["bob@example.com".into()],
                options: Some(ResolveOptions {
                    availability: Some(AvailabilityRequest {
                        start_time: iso(at(9, 0)).into(),
                        end_time: iso(at(15, 0)).into(),
                    }),
                    ..ResolveOptions::default()
                }),
            },
        )
        .await;
    let fb = r.response[0].recipient[0].availability.as_ref().unwrap();
    assert_eq!(fb.status.code(), 1);
    // 09:00-15:00 in half hours.
    assert_eq!(fb.merged_free_busy.as_deref(), Some("001100000030"));
}

#[test]
fn pictures_and_certificates_are_set_from_the_command_line() {
    use clap::Parser as _;
    use eas_server::accounts::{AccountId, Directory, HashCost};
    use eas_server::cli::{Cli, Outcome, run_with};
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let run = |args: &[&str]| -> Result<String, String> {
        let mut argv = vec!["eas-server"];
        argv.extend_from_slice(args);
        argv.extend_from_slice(&["--data-dir", data.to_str().unwrap()]);
        let cli = Cli::try_parse_from(argv).map_err(|e| e.to_string())?;
        match run_with(cli, &mut std::io::Cursor::new(&b""[..]), HashCost::TESTING) {
            Ok(Outcome::Output(text)) => Ok(text),
            Ok(other) => panic!("{other:?}"),
            Err(e) => Err(e.to_string()),
        }
    };
    run(&["domain", "add", "example.org"]).unwrap();
    run(&[
        "account",
        "add",
        "ann@example.org",
        "--password",
        "pw-pw-pw-pw",
    ])
    .unwrap();

    let pic = tmp.path().join("ann.jpg");
    std::fs::write(&pic, picture(1234, 9)).unwrap();
    let der = self_signed_der("Ann");
    let pem_path = tmp.path().join("ann.pem");
    std::fs::write(
        &pem_path,
        format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            b64(&der)
        ),
    )
    .unwrap();
    let der_path = tmp.path().join("ann.der");
    std::fs::write(&der_path, &der).unwrap();
    let junk = tmp.path().join("junk.der");
    std::fs::write(&junk, b"not a certificate").unwrap();
    let huge = tmp.path().join("huge.jpg");
    std::fs::write(&huge, picture(200 * 1024, 1)).unwrap();

    let open = || {
        Directory::open(
            data.join(eas_server::config::DATABASE_FILE),
            common::directory_config(),
        )
        .unwrap()
    };
    let ann = |d: &Directory| -> AccountId { d.find_account("ann@example.org").unwrap().unwrap() };

    run(&[
        "account",
        "picture",
        "ann@example.org",
        pic.to_str().unwrap(),
    ])
    .unwrap();
    run(&[
        "account",
        "certificate",
        "ann@example.org",
        pem_path.to_str().unwrap(),
    ])
    .unwrap();
    {
        let d = open();
        assert_eq!(d.picture(ann(&d)).unwrap(), Some(picture(1234, 9)));
        assert_eq!(d.certificate(ann(&d)).unwrap(), Some(der.clone()));
    }
    // DER works as well; junk and oversized pictures are refused and change nothing.
    run(&[
        "account",
        "certificate",
        "ann@example.org",
        der_path.to_str().unwrap(),
    ])
    .unwrap();
    let e = run(&[
        "account",
        "certificate",
        "ann@example.org",
        junk.to_str().unwrap(),
    ])
    .unwrap_err();
    assert!(e.contains("not an X.509 certificate"), "{e}");
    let e = run(&[
        "account",
        "picture",
        "ann@example.org",
        huge.to_str().unwrap(),
    ])
    .unwrap_err();
    assert!(e.contains("picture"), "{e}");
    assert!(
        run(&[
            "account",
            "picture",
            "nobody@example.org",
            pic.to_str().unwrap()
        ])
        .is_err()
    );
    {
        let d = open();
        assert_eq!(d.picture(ann(&d)).unwrap(), Some(picture(1234, 9)));
        assert_eq!(d.certificate(ann(&d)).unwrap(), Some(der.clone()));
    }
    // Without a file, removed.
    run(&["account", "picture", "ann@example.org"]).unwrap();
    run(&["account", "certificate", "ann@example.org"]).unwrap();
    let d = open();
    assert_eq!(d.picture(ann(&d)).unwrap(), None);
    assert_eq!(d.certificate(ann(&d)).unwrap(), None);
}
