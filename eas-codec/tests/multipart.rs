//! The multipart ItemOperations response body (MS-ASCMD 2.2.1.10.1.1).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use eas_codec::codec::{DecodeOptions, decode, encode};
use eas_codec::command::item_operations::multipart::{join, split};
use eas_codec::command::item_operations::*;
use eas_codec::data::{ApplicationData, Body, Email};
use eas_codec::{CodecError, ProtocolVersion};
use proptest::prelude::*;

#[test]
fn a_fetch_with_its_body_in_the_second_part() {
    let v = ProtocolVersion::V14_1;
    let body = b"From: a@example.com\r\nSubject: hi\r\n\r\nbinary \x00\xff part".to_vec();
    let response = ItemOperationsResponse {
        status: ItemOperationsStatus::Success,
        response: Some(OperationResults {
            results: vec![OperationResult::Fetch(FetchResult {
                status: ItemOperationsStatus::Success,
                collection_id: Some("5".into()),
                server_id: Some("5:1".into()),
                class: Some("Email".into()),
                properties: Some(FetchProperties::Item(ApplicationData::from(Email {
                    body: Some(Body {
                        body_type: Some(4),
                        part: Some(1),
                        ..Body::default()
                    }),
                    ..Email::default()
                }))),
                ..FetchResult::default()
            })],
        }),
    };
    let wbxml = encode(&response, v).unwrap();
    let multipart = join(&[&wbxml, &body]).unwrap();
    // Count, then (offset, length) pairs from the start of the body, then the parts.
    assert_eq!(&multipart[..4], &2u32.to_le_bytes());
    assert_eq!(&multipart[4..8], &20u32.to_le_bytes());
    let parts = split(&multipart).unwrap();
    assert_eq!(parts, [&wbxml[..], &body[..]]);
    let back: ItemOperationsResponse = decode(parts[0], DecodeOptions::new(v)).unwrap();
    assert_eq!(back, response);
}

#[test]
fn malformed_bodies_are_errors_not_panics() {
    let cases: &[&[u8]] = &[
        &[],
        &[1, 0, 0],
        // Claims 1000 parts in a 12-byte body.
        &[0xE8, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        // One part at offset 12, 100 bytes long, in a 12-byte body.
        &[1, 0, 0, 0, 12, 0, 0, 0, 100, 0, 0, 0],
        // Offset + length overflows.
        &[1, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF],
    ];
    for body in cases {
        assert!(
            matches!(split(body), Err(CodecError::Xml { .. })),
            "{body:?}"
        );
    }
    assert_eq!(split(&[0, 0, 0, 0]).unwrap(), Vec::<&[u8]>::new());
}

proptest! {
    #[test]
    fn any_bytes_split_without_panicking(data in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = split(&data);
    }

    #[test]
    fn join_then_split_is_the_identity(parts in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..64), 0..8)) {
        let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
        let body = join(&refs).unwrap();
        prop_assert_eq!(split(&body).unwrap(), refs);
    }
}
