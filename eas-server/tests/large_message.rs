//! A large message streams through the server: received over LMTP, stored and shown to a
//! device without the server holding it in memory. The heap is measured by a counting
//! allocator, so this file holds one test only (others would share the count).
//!
//! SQLite allocates through its own allocator, outside this count; what is measured is
//! every byte the server's own code holds.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use base64::Engine as _;
use common::{TestServer, urlencode};
use eas_codec::codec::Binary;
use eas_codec::command::item_operations::{
    FetchOptions, FetchProperties, FetchRequest, ItemOperation, ItemOperationsRequest,
    ItemOperationsResponse, OperationResult,
};
use eas_codec::command::sync::{SyncOptions, SyncResponseCommand};
use eas_codec::data::ApplicationData;
use eas_codec::data::airsyncbase::{AttachmentsItem, BodyPreference};
use peak_alloc::PeakAlloc;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

#[global_allocator]
static HEAP: PeakAlloc = PeakAlloc;

const MIB: usize = 1024 * 1024;
const BIG: usize = 24 * MIB;
const SMALL: usize = 300 * 1024;

/// Attachment bytes: position-dependent, so a misplaced range shows.
fn byte_at(seed: u8, i: usize) -> u8 {
    ((i * 131 + (i >> 9)) as u8) ^ seed
}

fn attachment(seed: u8, len: usize) -> Vec<u8> {
    (0..len).map(|i| byte_at(seed, i)).collect()
}

/// The message, produced piece by piece so the test never holds it either.
fn message_pieces() -> impl Iterator<Item = Vec<u8>> {
    let head = "From: Carol <carol@example.net>\r\nTo: alice@example.com\r\n\
        Subject: The large report\r\nMessage-ID: <large@example.net>\r\nMIME-Version: 1.0\r\n\
        Content-Type: multipart/mixed; boundary=\"=_big\"\r\n\r\n--=_big\r\n\
        Content-Type: text/plain; charset=utf-8\r\n\r\nHere are the figures and the scans.\r\n"
        .as_bytes()
        .to_vec();
    let part = |name: &str, ty: &str| {
        format!(
            "--=_big\r\nContent-Type: {ty}; name=\"{name}\"\r\n\
             Content-Disposition: attachment; filename=\"{name}\"\r\n\
             Content-Transfer-Encoding: base64\r\n\r\n"
        )
        .into_bytes()
    };
    let encoded = |seed: u8, len: usize| {
        // 57 input bytes make one 76-character line; 1,000 lines per piece.
        let per_piece = 57 * 1000;
        (0..len.div_ceil(per_piece)).map(move |p| {
            let start = p * per_piece;
            let end = (start + per_piece).min(len);
            let data: Vec<u8> = (start..end).map(|i| byte_at(seed, i)).collect();
            let mut out = Vec::with_capacity(per_piece * 4 / 3 + 2000);
            for line in data.chunks(57) {
                out.extend_from_slice(
                    base64::engine::general_purpose::STANDARD
                        .encode(line)
                        .as_bytes(),
                );
                out.extend_from_slice(b"\r\n");
            }
            out
        })
    };
    std::iter::once(head)
        .chain(std::iter::once(part(
            "figures.xlsx",
            "application/octet-stream",
        )))
        .chain(encoded(1, SMALL))
        .chain(std::iter::once(part("scans.tiff", "image/tiff")))
        .chain(encoded(2, BIG))
        .chain(std::iter::once(b"--=_big--\r\n".to_vec()))
}

/// Deliver the message over LMTP, streaming it; the reply after the data.
async fn deliver_streaming(addr: SocketAddr) -> String {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (r, mut w) = stream.into_split();
    let mut r = BufReader::new(r);
    let mut line = String::new();
    let mut expect = async |r: &mut BufReader<_>, code: &str| {
        loop {
            line.clear();
            tokio::time::timeout(Duration::from_secs(60), r.read_line(&mut line))
                .await
                .unwrap()
                .unwrap();
            assert!(line.starts_with(code), "{line}");
            if line.as_bytes().get(3) == Some(&b' ') {
                return line.clone();
            }
        }
    };
    expect(&mut r, "220").await;
    w.write_all(b"LHLO test\r\n").await.unwrap();
    expect(&mut r, "250").await;
    w.write_all(b"MAIL FROM:<carol@example.net>\r\nRCPT TO:<alice@example.com>\r\nDATA\r\n")
        .await
        .unwrap();
    expect(&mut r, "250").await;
    expect(&mut r, "250").await;
    expect(&mut r, "354").await;
    // No line of this message starts with a dot: nothing to stuff.
    for piece in message_pieces() {
        w.write_all(&piece).await.unwrap();
    }
    w.write_all(b".\r\n").await.unwrap();
    let done = expect(&mut r, "250").await;
    w.write_all(b"QUIT\r\n").await.unwrap();
    done
}

/// Heap growth over the current level while `f` runs.
async fn peak_growth<T>(f: impl Future<Output = T>) -> (T, usize) {
    HEAP.reset_peak_usage();
    let base = HEAP.current_usage();
    let out = f.await;
    (out, HEAP.peak_usage().saturating_sub(base))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_message_is_received_stored_and_shown_without_being_held_in_memory() {
    let server = TestServer::start(|_| {}, |_| {}).await;
    let c = server.client("alice@example.com", "alice-pw", "BIG", "14.1");
    let inbox = c.folder_of_type(2).await;
    let first = c.sync_one(&inbox, "0", None, vec![]).await;

    let message_len: usize = message_pieces().map(|p| p.len()).sum();
    assert!(message_len > 32 * MIB, "{message_len}");
    let (reply, delivery) = peak_growth(deliver_streaming(server.lmtp())).await;
    assert!(reply.starts_with("250 2.0.0"), "{reply}");
    eprintln!("delivery of {message_len} bytes: heap peak +{delivery} bytes");
    assert!(
        delivery < 4 * MIB,
        "delivering {message_len} bytes grew the heap by {delivery}"
    );

    // What a device is shown: body, both attachments with their sizes.
    let options = vec![SyncOptions {
        body_preference: vec![BodyPreference {
            body_type: 1,
            truncation_size: Some(5000),
            ..BodyPreference::default()
        }],
        ..SyncOptions::default()
    }];
    let (r, shown) = peak_growth(c.sync_one(&inbox, &first.sync_key, None, options)).await;
    eprintln!("sync of it: heap peak +{shown} bytes");
    assert!(
        shown < 4 * MIB,
        "showing the message grew the heap by {shown}"
    );
    let email = r
        .commands
        .iter()
        .flat_map(|c| c.commands.iter())
        .find_map(|c| match c {
            SyncResponseCommand::Add(a) => match &a.application_data {
                ApplicationData::Email(e) => Some(e.clone()),
                _ => None,
            },
            _ => None,
        })
        .expect("the message");
    assert_eq!(email.subject.as_deref(), Some("The large report"));
    let body = email.body.as_ref().and_then(|b| b.data.clone()).unwrap();
    assert!(body.contains("Here are the figures"), "{body}");
    let attachments: Vec<_> = email
        .attachments
        .as_ref()
        .unwrap()
        .items
        .iter()
        .filter_map(|i| match i {
            AttachmentsItem::Attachment(a) => Some(a.clone()),
            _ => None,
        })
        .collect();
    let names: Vec<_> = attachments
        .iter()
        .map(|a| {
            (
                a.display_name.clone().unwrap().to_string(),
                a.estimated_data_size,
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            ("figures.xlsx".to_string(), Some(SMALL as u32)),
            ("scans.tiff".to_string(), Some(BIG as u32)),
        ]
    );
    let reference = |i: usize| attachments[i].file_reference.clone().unwrap().to_string();

    // Fetching the small attachment reads its bytes only, not the 32 MiB around them.
    let fetch = ItemOperationsRequest {
        operations: vec![ItemOperation::Fetch(FetchRequest {
            store: "Mailbox".into(),
            file_reference: Some(reference(0).as_str().into()),
            ..FetchRequest::default()
        })],
    };
    let (resp, fetched) =
        peak_growth(c.call::<_, ItemOperationsResponse>("ItemOperations", &fetch)).await;
    eprintln!("fetch of the {SMALL}-byte attachment: heap peak +{fetched} bytes");
    let data = match &resp.response.as_ref().unwrap().results[0] {
        OperationResult::Fetch(f) => match f.properties.as_ref().unwrap() {
            FetchProperties::File(file) => file.data.clone().unwrap(),
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    };
    let data = match data {
        Binary::Opaque(b) => b,
        Binary::Text(t) => base64::engine::general_purpose::STANDARD.decode(t).unwrap(),
    };
    assert!(data == attachment(1, SMALL), "the small attachment's bytes");
    // The part's bytes, their decoding and the response, with their copies: a few times
    // the attachment, a fraction of the message.
    assert!(
        fetched < 8 * MIB,
        "fetching {SMALL} bytes grew the heap by {fetched}"
    );

    // A range of the large one reads no further than the range's end.
    for (asked, first, last) in [
        ("1000000-1000999", 1_000_000usize, 1_000_999usize),
        ("0-0", 0, 0),
        (
            &format!("{}-{}", BIG - 10, BIG + 5000) as &str,
            BIG - 10,
            BIG - 1,
        ),
    ] {
        let fetch = ItemOperationsRequest {
            operations: vec![ItemOperation::Fetch(FetchRequest {
                store: "Mailbox".into(),
                file_reference: Some(reference(1).as_str().into()),
                options: Some(FetchOptions {
                    range: Some(asked.into()),
                    ..FetchOptions::default()
                }),
                ..FetchRequest::default()
            })],
        };
        let (resp, ranged) =
            peak_growth(c.call::<_, ItemOperationsResponse>("ItemOperations", &fetch)).await;
        eprintln!("fetch of range {asked} of the large attachment: heap peak +{ranged} bytes");
        let file = match &resp.response.as_ref().unwrap().results[0] {
            OperationResult::Fetch(f) => {
                assert_eq!(f.status.code(), 1, "{asked}");
                match f.properties.as_ref().unwrap() {
                    FetchProperties::File(file) => file.clone(),
                    other => panic!("{other:?}"),
                }
            }
            other => panic!("{other:?}"),
        };
        assert_eq!(file.total, Some(BIG as u64));
        assert_eq!(
            file.range.as_deref(),
            Some(format!("{first}-{last}").as_str())
        );
        let data = match file.data.unwrap() {
            Binary::Opaque(b) => b,
            Binary::Text(t) => base64::engine::general_purpose::STANDARD.decode(t).unwrap(),
        };
        let expected: Vec<u8> = (first..=last).map(|i| byte_at(2, i)).collect();
        assert!(data == expected, "range {asked}");
        assert!(ranged < 4 * MIB, "range {asked} grew the heap by {ranged}");
    }

    // The large one arrives whole and exact (GetAttachment, the 12.1 form), streamed: the
    // client here compares it chunk by chunk, so the heap shows the server's share.
    let old = server.client("alice@example.com", "alice-pw", "BIG12", "12.1");
    let url = format!(
        "{}?Cmd=GetAttachment&User=alice%40example.com&DeviceId=BIG12&DeviceType=TestPhone&AttachmentName={}",
        old.base,
        urlencode(&reference(1))
    );
    let (received, streamed) = peak_growth(async {
        let mut resp = old
            .http
            .post(url)
            .basic_auth("alice@example.com", Some("alice-pw"))
            .header("MS-ASProtocolVersion", "12.1")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        assert_eq!(resp.headers()["content-type"], "image/tiff");
        let mut at = 0usize;
        while let Some(chunk) = resp.chunk().await.unwrap() {
            for (i, b) in chunk.iter().enumerate() {
                assert_eq!(*b, byte_at(2, at + i), "byte {}", at + i);
            }
            at += chunk.len();
        }
        at
    })
    .await;
    eprintln!("GetAttachment of the {BIG}-byte attachment: heap peak +{streamed} bytes");
    assert_eq!(received, BIG);
    assert!(
        streamed < 4 * MIB,
        "sending {BIG} bytes grew the heap by {streamed}"
    );
}
