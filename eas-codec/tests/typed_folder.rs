//! Folder commands decode from real captures and re-encode to the same bytes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use eas_codec::codec::{DecodeOptions, decode, encode};
use eas_codec::command::folder::*;
use eas_codec::{CodecError, ProtocolVersion, tag};

fn capture(rel: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../eas-wbxml/testdata")
            .join(rel),
    )
    .unwrap()
}

const V: ProtocolVersion = ProtocolVersion::V14_1;

#[test]
fn folder_sync_request_and_response_round_trip() {
    let doc = capture("lswbxml/folder_sync_initial_request.wbxml");
    let req: FolderSyncRequest = decode(&doc, DecodeOptions::new(V)).unwrap();
    assert_eq!(req.sync_key, "0");
    assert_eq!(encode(&req, V).unwrap(), doc);

    let doc = capture("lswbxml/folder_sync_initial_response.wbxml");
    let resp: FolderSyncResponse = decode(&doc, DecodeOptions::new(V)).unwrap();
    assert_eq!(resp.status, FolderSyncStatus::Success);
    let changes = resp.changes.as_ref().unwrap();
    assert_eq!(changes.count, Some(changes.changes.len() as u32));
    let names: Vec<_> = changes
        .changes
        .iter()
        .filter_map(|c| match c {
            FolderChange::Add(f) => Some(f.display_name.as_str()),
            _ => None,
        })
        .collect();
    assert!(
        names.contains(&"Calendar") && names.contains(&"Inbox"),
        "{names:?}"
    );
    assert_eq!(encode(&resp, V).unwrap(), doc);
}

#[test]
fn a_request_is_not_a_response_and_errors_name_the_element() {
    let doc = capture("lswbxml/folder_sync_initial_request.wbxml");
    let err = decode::<FolderSyncResponse>(&doc, DecodeOptions::new(V)).unwrap_err();
    assert_eq!(
        err,
        CodecError::MissingElement {
            tag: tag!(FolderHierarchy::Status),
            parent: tag!(FolderHierarchy::FolderSync),
            offset: 12
        }
    );
    let err = decode::<FolderCreateRequest>(&doc, DecodeOptions::new(V)).unwrap_err();
    assert!(matches!(err, CodecError::WrongRoot { .. }));
}

#[test]
fn unknown_statuses_are_kept() {
    let resp = FolderDeleteResponse {
        status: FolderDeleteStatus::from_code(177),
        sync_key: Some("3".into()),
    };
    let doc = encode(&resp, V).unwrap();
    let back: FolderDeleteResponse = decode(&doc, DecodeOptions::new(V)).unwrap();
    assert_eq!(back.status, FolderDeleteStatus::Other(177));
    assert_eq!(back, resp);
}

#[test]
fn commands_map_names_codes_and_protocol_error_statuses() {
    use eas_codec::command::Command;
    use eas_codec::status::CommonStatus;
    for c in Command::ALL {
        assert_eq!(Command::from_name(c.name()), Some(c));
        assert_eq!(Command::from_code(c.code()), Some(c));
    }
    assert_eq!(
        Command::from_name("sync"),
        None,
        "command names are case-sensitive"
    );
    let truncated =
        decode::<FolderSyncRequest>(&[3, 1, 0x6A, 0, 0x00, 0x07, 0x56], DecodeOptions::new(V))
            .unwrap_err();
    assert_eq!(Command::FolderSync.protocol_error_status(&truncated), 10);
    assert_eq!(Command::Sync.protocol_error_status(&truncated), 4);
    assert_eq!(
        Command::SendMail.protocol_error_status(&truncated),
        CommonStatus::InvalidWbxml.code()
    );
    let schema = decode::<FolderSyncResponse>(
        &capture("lswbxml/folder_sync_initial_request.wbxml"),
        DecodeOptions::new(V),
    )
    .unwrap_err();
    assert_eq!(Command::MoveItems.protocol_error_status(&schema), 103);
    assert_eq!(
        CommonStatus::from_code(142),
        CommonStatus::DeviceNotProvisioned
    );
    assert!(
        CommonStatus::DeviceNotProvisioned
            .meaning()
            .contains("Provision")
    );
}

#[test]
fn a_comparison_on_search_value_itself_is_refused_not_garbled() {
    // Found by the typed_roundtrip fuzzer: `<GreaterThan><Value/><Value>x</Value>` would read
    // back as two values.
    use eas_codec::command::search::*;
    let req = SearchRequest {
        store: SearchStore {
            name: "Mailbox".into(),
            query: SearchQuery::Terms(vec![QueryTerm::GreaterThan(Comparison {
                property: Some(tag!(Search::Value)),
                value: Some("x".into()),
            })]),
            options: None,
        },
    };
    assert!(matches!(
        encode(&req, V),
        Err(CodecError::InvalidValue { .. })
    ));
    let ok = SearchRequest {
        store: SearchStore {
            name: "Mailbox".into(),
            query: SearchQuery::Terms(vec![QueryTerm::GreaterThan(Comparison {
                property: Some(tag!(Email::DateReceived)),
                value: Some("2026-01-01T00:00:00.000Z".into()),
            })]),
            options: None,
        },
    };
    let doc = encode(&ok, V).unwrap();
    assert_eq!(
        decode::<SearchRequest>(&doc, DecodeOptions::new(V)).unwrap(),
        ok
    );
}

#[test]
fn get_hierarchy_response_round_trips_for_2_5_and_not_for_14() {
    let resp = GetHierarchyResponse {
        folders: vec![HierarchyFolder {
            display_name: "Inbox".into(),
            server_id: "5".into(),
            folder_type: 2,
            parent_id: "0".into(),
        }],
    };
    let v25 = ProtocolVersion::V2_5;
    let doc = encode(&resp, v25).unwrap();
    assert_eq!(
        decode::<GetHierarchyResponse>(&doc, DecodeOptions::new(v25)).unwrap(),
        resp
    );
    // The element does not exist from 14.0 on: a strict 14.1 decoder refuses it.
    assert!(matches!(
        decode::<GetHierarchyResponse>(&doc, DecodeOptions::new(V)),
        Err(CodecError::NotInVersion { .. })
    ));
}

#[test]
fn a_query_nested_deeper_than_readers_accept_is_refused_and_the_deepest_accepted_reads_back() {
    // Found by the typed_roundtrip fuzzer: a Search query of nested `And`s encoded into a
    // document 65 levels deep, which every default reader (ours included) refuses.
    use eas_codec::command::search::*;
    fn nested(levels: usize) -> SearchRequest {
        let mut term = QueryTerm::FreeText("x".into());
        for _ in 0..levels {
            term = QueryTerm::And(QueryGroup { terms: vec![term] });
        }
        SearchRequest {
            store: SearchStore {
                name: "Mailbox".into(),
                query: SearchQuery::Terms(vec![term]),
                options: None,
            },
        }
    }
    // Search > Store > Query > And×n > FreeText: n + 4 levels.
    let deepest = nested(60);
    let doc = encode(&deepest, V).unwrap();
    assert_eq!(
        decode::<SearchRequest>(&doc, DecodeOptions::new(V)).unwrap(),
        deepest
    );
    assert!(matches!(
        encode(&nested(61), V),
        Err(CodecError::TooDeep { limit: 64, .. })
    ));
    assert!(matches!(
        encode(&nested(500), V),
        Err(CodecError::TooDeep { .. })
    ));
}

#[test]
fn a_conversation_id_sent_as_text_holding_a_nul_stays_text() {
    // Found by the typed_decode fuzzer: `<ConversationId>&#0;</ConversationId>` decoded as
    // text but was written back as opaque data, so the value changed on the way through.
    use eas_codec::codec::Binary;
    use eas_codec::command::item_operations::*;
    let doc = [
        0x03, 0x01, 0x6A, 0x00, 0x00, 0x14, 0x45, 0x56, 0x57, 0x03, b'5', b's', 0x00, 0x01, 0x58,
        0x02, 0x00, 0x00, 0x00, 0x01, 0x01, 0x01,
    ];
    let req: ItemOperationsRequest = decode(&doc, DecodeOptions::new(V)).unwrap();
    let ItemOperation::Move(m) = &req.operations[0] else {
        panic!("not a move: {req:?}");
    };
    assert_eq!(m.conversation_id, Binary::Text("\0".into()));
    let again = encode(&req, V).unwrap();
    assert_eq!(
        decode::<ItemOperationsRequest>(&again, DecodeOptions::new(V)).unwrap(),
        req
    );
    // Text around the NUL survives too; opaque stays opaque.
    for id in [Binary::Text("a\0b\0".into()), Binary::Opaque(vec![0, 1, 2])] {
        let mut r = req.clone();
        let ItemOperation::Move(m) = &mut r.operations[0] else {
            unreachable!()
        };
        m.conversation_id = id;
        let bytes = encode(&r, V).unwrap();
        assert_eq!(
            decode::<ItemOperationsRequest>(&bytes, DecodeOptions::new(V)).unwrap(),
            r
        );
    }
}
