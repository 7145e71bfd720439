//! ItemOperations and GetAttachment as sans-IO logic, against an in-memory mailbox holding
//! real MIME: ranges, policy limits, the status of each failure, mixed requests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;

use eas_codec::ProtocolVersion;
use eas_codec::codec::{Binary, DecodeOptions, Empty, decode};
use eas_codec::command::item_operations::{
    EmptyFolderContents, EmptyFolderOptions, FetchOptions, FetchProperties, FetchRequest,
    ItemOperation, ItemOperationsRequest, ItemOperationsResponse, ItemOperationsStatus,
    OperationResult, multipart,
};
use eas_codec::data::{ApplicationData, BodyPreference};
use eas_model::mail::{BodyOptions, MailItem, MailState};
use eas_server::item_operations::{
    AttachmentData, FetchLimits, GetAttachmentError, ItemSource, encode_outcome, get_attachment,
    item_operations,
};
use eas_server::provision::Policy;
use eas_sync_engine::{BackendError, CollectionId, ItemId};
use proptest::prelude::*;

const MAIL: &str = "From: a@example.net\r\nTo: b@example.com\r\nSubject: s\r\n\
Message-ID: <m1@example.net>\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n\
Content-Type: text/plain; charset=utf-8\r\n\r\nhello body\r\n--b\r\n\
Content-Type: application/octet-stream; name=\"d.bin\"\r\n\
Content-Disposition: attachment; filename=\"d.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n\
AAECAwQFBgcICQ==\r\n--b--\r\n";

/// One folder "5" with item "7" (the mail above).
#[derive(Default)]
struct Mem {
    items: BTreeMap<(String, String), Vec<u8>>,
    emptied: Vec<(String, bool)>,
}

fn mem() -> Mem {
    let mut m = Mem::default();
    m.items
        .insert(("5".into(), "7".into()), MAIL.as_bytes().to_vec());
    m
}

fn parsed(raw: &[u8], id: &str) -> MailItem {
    MailItem::from_mime(
        raw,
        MailState {
            item_id: id.into(),
            ..MailState::default()
        },
    )
    .unwrap()
}

impl ItemSource for Mem {
    fn fetch_item(
        &self,
        folder: &CollectionId,
        id: &ItemId,
        version: ProtocolVersion,
        options: Option<&FetchOptions>,
    ) -> Result<ApplicationData, BackendError> {
        let raw =
            self.items
                .get(&(folder.0.clone(), id.0.clone()))
                .ok_or(BackendError::NoItem {
                    folder: folder.clone(),
                    item: id.clone(),
                })?;
        let body = options.map_or_else(BodyOptions::default, |o| {
            BodyOptions::from_fetch(o).unwrap()
        });
        Ok(ApplicationData::Email(Box::new(
            parsed(raw, &id.0).to_wire_with(version, &body),
        )))
    }
    fn attachment(&self, reference: &str) -> Result<(String, Vec<u8>), BackendError> {
        let (item, part) = eas_model::mail::attachment::parse_file_reference(reference)
            .map_err(|e| BackendError::InvalidItem(e.to_string()))?;
        let missing = || BackendError::NoItem {
            folder: CollectionId::default(),
            item: ItemId(reference.into()),
        };
        let raw = self
            .items
            .iter()
            .find(|((_, i), _)| *i == item)
            .map(|(_, r)| r)
            .ok_or_else(missing)?;
        let att = parsed(raw, &item)
            .attachments
            .into_iter()
            .find(|a| a.part_index == part)
            .ok_or_else(missing)?;
        Ok((
            att.content_type,
            eas_model::mail::attachment::part_content(raw, part).unwrap(),
        ))
    }
    fn empty_folder(&mut self, folder: &CollectionId, sub: bool) -> Result<(), BackendError> {
        if folder.0 != "5" {
            return Err(BackendError::NoFolder(folder.clone()));
        }
        self.items.retain(|(f, _), _| *f != folder.0);
        self.emptied.push((folder.0.clone(), sub));
        Ok(())
    }
    fn conversation_items(&self, _id: &[u8]) -> Result<Vec<(CollectionId, ItemId)>, BackendError> {
        Ok(Vec::new())
    }
    fn move_item(
        &mut self,
        _from: &CollectionId,
        id: &ItemId,
        _to: &CollectionId,
    ) -> Result<ItemId, BackendError> {
        Ok(id.clone())
    }
    fn has_folder(&self, folder: &CollectionId) -> bool {
        folder.0 == "5"
    }
}

fn reference(_m: &Mem) -> String {
    parsed(MAIL.as_bytes(), "7").attachments[0]
        .file_reference
        .clone()
}

fn fetch_attachment(r: &str, range: Option<&str>) -> ItemOperation {
    ItemOperation::Fetch(FetchRequest {
        store: "Mailbox".into(),
        file_reference: Some(r.into()),
        options: range.map(|r| FetchOptions {
            range: Some(r.into()),
            ..FetchOptions::default()
        }),
        ..FetchRequest::default()
    })
}

fn run(
    ops: Vec<ItemOperation>,
    policy: &Policy,
    multipart: bool,
) -> (Vec<u8>, ItemOperationsResponse) {
    let mut m = mem();
    let v = ProtocolVersion::V16_1;
    let out = item_operations(
        &ItemOperationsRequest { operations: ops },
        &mut m,
        v,
        multipart,
        policy,
        &FetchLimits::default(),
    );
    let (bytes, _) = encode_outcome(&out, v).unwrap();
    let wbxml = if multipart {
        multipart::split(&bytes).unwrap()[0].to_vec()
    } else {
        bytes.clone()
    };
    (bytes, decode(&wbxml, DecodeOptions::new(v)).unwrap())
}

fn fetches(r: &ItemOperationsResponse) -> Vec<eas_codec::command::item_operations::FetchResult> {
    r.response
        .as_ref()
        .unwrap()
        .results
        .iter()
        .filter_map(|o| match o {
            OperationResult::Fetch(f) => Some(f.clone()),
            _ => None,
        })
        .collect()
}

fn data(
    f: &eas_codec::command::item_operations::FetchResult,
) -> (Vec<u8>, Option<String>, Option<u64>) {
    match f.properties.as_ref().unwrap() {
        FetchProperties::File(file) => {
            let bytes = match file.data.clone().unwrap_or_default() {
                Binary::Opaque(b) => b,
                Binary::Text(t) => {
                    use base64::Engine as _;
                    base64::engine::general_purpose::STANDARD.decode(t).unwrap()
                }
            };
            (
                bytes,
                file.range.as_ref().map(|r| r.to_string()),
                file.total,
            )
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn attachment_ranges_are_served_or_refused() {
    let m = mem();
    let r = reference(&m);
    let (_, resp) = run(
        vec![
            fetch_attachment(&r, None),
            fetch_attachment(&r, Some("2-4")),
            fetch_attachment(&r, Some("8-100")),
            fetch_attachment(&r, Some("10-12")),
            fetch_attachment(&r, Some("4-2")),
        ],
        &Policy::default(),
        false,
    );
    let f = fetches(&resp);
    assert_eq!(data(&f[0]).0, (0u8..10).collect::<Vec<_>>());
    assert_eq!(data(&f[1]), (vec![2, 3, 4], Some("2-4".into()), Some(10)));
    // Past the end: served to the last byte, the range saying so.
    assert_eq!(data(&f[2]), (vec![8, 9], Some("8-9".into()), Some(10)));
    assert_eq!(f[3].status, ItemOperationsStatus::InvalidRange);
    assert_eq!(f[4].status, ItemOperationsStatus::InvalidRange);
}

#[test]
fn policy_limits_and_bad_references_get_their_statuses() {
    let m = mem();
    let r = reference(&m);
    let off = Policy {
        allow_attachments: false,
        ..Policy::default()
    };
    let (_, resp) = run(vec![fetch_attachment(&r, None)], &off, false);
    assert_eq!(
        fetches(&resp)[0].status,
        ItemOperationsStatus::ResourceAccessDenied
    );
    let small = Policy {
        max_attachment_size: Some(5),
        ..Policy::default()
    };
    let (_, resp) = run(vec![fetch_attachment(&r, None)], &small, false);
    assert_eq!(fetches(&resp)[0].status, ItemOperationsStatus::TooLarge);
    let (_, resp) = run(
        vec![
            fetch_attachment("", None),
            fetch_attachment("99:1", None),
            fetch_attachment("garbage", None),
            ItemOperation::Fetch(FetchRequest {
                store: "DocumentLibrary".into(),
                link_id: Some("http://x/y".into()),
                ..FetchRequest::default()
            }),
            ItemOperation::Fetch(FetchRequest {
                store: "Mailbox".into(),
                long_id: Some("L1".into()),
                ..FetchRequest::default()
            }),
            // The one good operation among the failures is still served.
            fetch_attachment(&r, None),
        ],
        &Policy::default(),
        false,
    );
    let f = fetches(&resp);
    assert_eq!(f[0].status, ItemOperationsStatus::InvalidAttachment);
    assert_eq!(f[1].status, ItemOperationsStatus::InvalidAttachment);
    assert_eq!(f[2].status, ItemOperationsStatus::InvalidAttachment);
    assert_eq!(f[3].status, ItemOperationsStatus::UnknownStore);
    assert_eq!(f[4].status, ItemOperationsStatus::NotFound);
    assert_eq!(f[5].status, ItemOperationsStatus::Success);
    assert_eq!(data(&f[5]).0.len(), 10);
}

#[test]
fn items_are_fetched_with_their_body_preference_and_multipart_moves_data_to_parts() {
    let m = mem();
    let item = |body_type: u8| {
        ItemOperation::Fetch(FetchRequest {
            store: "Mailbox".into(),
            collection_id: Some("5".into()),
            server_id: Some("7".into()),
            options: Some(FetchOptions {
                body_preference: vec![BodyPreference {
                    body_type,
                    ..BodyPreference::default()
                }],
                // A MIME body is asked for with MIMESupport 2, as clients do.
                mime_support: (body_type == 4).then_some(2),
                ..FetchOptions::default()
            }),
            ..FetchRequest::default()
        })
    };
    let (_, resp) = run(vec![item(1), item(4)], &Policy::default(), false);
    let f = fetches(&resp);
    for (i, want) in [(0usize, 1u8), (1, 4)] {
        assert_eq!(f[i].status, ItemOperationsStatus::Success);
        let Some(FetchProperties::Item(ApplicationData::Email(e))) = &f[i].properties else {
            panic!("{:?}", f[i])
        };
        let body = e.body.as_ref().unwrap();
        assert_eq!(body.body_type, Some(want));
        let text = body.data.as_deref().unwrap_or("");
        assert!(text.contains("hello body"), "{text}");
    }
    // A missing item.
    let (_, resp) = run(
        vec![ItemOperation::Fetch(FetchRequest {
            store: "Mailbox".into(),
            collection_id: Some("5".into()),
            server_id: Some("8".into()),
            ..FetchRequest::default()
        })],
        &Policy::default(),
        false,
    );
    assert_eq!(fetches(&resp)[0].status, ItemOperationsStatus::NotFound);
    // Multipart: the attachment's bytes are part 1, referenced by Part.
    let (raw, resp) = run(
        vec![fetch_attachment(&reference(&m), None)],
        &Policy::default(),
        true,
    );
    let parts = multipart::split(&raw).unwrap();
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[1], (0u8..10).collect::<Vec<_>>().as_slice());
    match fetches(&resp)[0].properties.as_ref().unwrap() {
        FetchProperties::File(file) => {
            assert_eq!(file.part, Some(1));
            assert!(file.data.is_none());
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn empty_folder_contents_and_get_attachment() {
    let mut m = mem();
    let out = item_operations(
        &ItemOperationsRequest {
            operations: vec![
                ItemOperation::EmptyFolderContents(EmptyFolderContents {
                    collection_id: "5".into(),
                    options: Some(EmptyFolderOptions {
                        delete_sub_folders: Some(Empty),
                    }),
                }),
                ItemOperation::EmptyFolderContents(EmptyFolderContents {
                    collection_id: "404".into(),
                    options: None,
                }),
            ],
        },
        &mut m,
        ProtocolVersion::V14_1,
        false,
        &Policy::default(),
        &FetchLimits::default(),
    );
    let statuses: Vec<_> = out
        .response
        .response
        .as_ref()
        .unwrap()
        .results
        .iter()
        .map(|r| match r {
            OperationResult::EmptyFolderContents(e) => e.status,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(statuses[0], ItemOperationsStatus::Success);
    assert_ne!(statuses[1], ItemOperationsStatus::Success);
    assert_eq!(m.emptied, vec![("5".to_string(), true)]);
    assert!(m.items.is_empty());

    let m = mem();
    let r = reference(&m);
    let (ct, data) = get_attachment(&m, &r, &Policy::default()).unwrap();
    let AttachmentData::Bytes(bytes) = data else {
        panic!("a small attachment is read whole")
    };
    assert_eq!(ct, "application/octet-stream");
    assert_eq!(bytes, (0u8..10).collect::<Vec<_>>());
    let off = Policy {
        allow_attachments: false,
        ..Policy::default()
    };
    assert_eq!(get_attachment(&m, &r, &off).unwrap_err().http_status(), 403);
    let e = get_attachment(&m, "99:1", &Policy::default()).unwrap_err();
    assert!(matches!(e, GetAttachmentError::NotFound(_)), "{e:?}");
    assert!(get_attachment(&m, "%zz", &Policy::default()).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn no_reference_or_range_panics(reference in ".{0,40}", range in ".{0,30}") {
        let (_, resp) = run(vec![fetch_attachment(&reference, Some(&range))], &Policy::default(), false);
        prop_assert_eq!(fetches(&resp).len(), 1);
    }
}
