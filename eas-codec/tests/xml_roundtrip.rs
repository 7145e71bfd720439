//! WBXML → XML → WBXML keeps the token stream of every capture, with the XML naming every
//! tag by Microsoft's names.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use eas_codec::xml::{wbxml_to_xml, xml_to_wbxml};
use eas_wbxml::{Limits, canon};

#[macro_use]
mod common;

use common::*;

fn roots() -> Vec<PathBuf> {
    let mut v = vec![testdata()];
    if let Some(shared) = shared_corpus() {
        v.push(shared);
    } else {
        note!("NOTE: shared corpus absent; only testdata/ is checked");
    }
    v
}

#[test]
fn every_decodable_capture_survives_xml() {
    let mut files = Vec::new();
    for r in roots() {
        wbxml_files(&r, &mut files);
    }
    let (mut checked, mut failures) = (0, Vec::new());
    for f in &files {
        let doc = std::fs::read(f).unwrap();
        let Ok(expected) = canon::to_canon(&doc, Limits::default()) else {
            continue;
        };
        let xml = match wbxml_to_xml(&doc) {
            Ok(x) => x,
            // Attributes, PIs and literal tags have no place in EAS XML.
            Err(eas_codec::CodecError::Unsupported { .. }) => continue,
            Err(e) => {
                failures.push(format!("{}: to XML: {e}", f.display()));
                continue;
            }
        };
        checked += 1;
        match xml_to_wbxml(&xml).map(|back| canon::to_canon(&back, Limits::default())) {
            Ok(Ok(got)) if got == expected => {}
            Ok(Ok(_)) => failures.push(format!("{}: token stream changed", f.display())),
            Ok(Err(e)) => failures.push(format!("{}: re-encoded is invalid: {e}", f.display())),
            Err(e) => failures.push(format!("{}: from XML: {e}", f.display())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked >= 50, "only {checked} documents checked");
    eprintln!("{checked} documents survived WBXML -> XML -> WBXML");
}

#[test]
fn xml_uses_microsoft_names_and_one_namespace_per_page() {
    let doc = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../eas-wbxml/testdata/lswbxml/ios4_mime_sync_fetch_request.wbxml"),
    )
    .unwrap();
    let xml = wbxml_to_xml(&doc).unwrap();
    assert!(xml.contains("<Sync xmlns=\"AirSync\""), "{xml}");
    assert!(xml.contains("xmlns:airsyncbase=\"AirSyncBase\""), "{xml}");
    assert!(xml.contains("<airsyncbase:BodyPreference>"), "{xml}");
}

#[test]
fn binary_opaque_and_unknown_tokens_survive() {
    // Sync root, an unnamed AirSync token 0x3F holding binary opaque data.
    let doc = [
        3, 1, 0x6A, 0, 0x45, 0x7F, 0xC3, 3, 0, 0xFF, 0x10, 0x01, 0x01,
    ];
    let xml = wbxml_to_xml(&doc).unwrap();
    assert!(
        xml.contains("<tok-3F><?eas-opaque-base64 AP8Q?></tok-3F>"),
        "{xml}"
    );
    assert_eq!(xml_to_wbxml(&xml).unwrap(), doc);
}

#[test]
fn bad_xml_is_a_clear_error() {
    for bad in [
        "<Sync xmlns=\"AirSync\"><NoSuchTag/></Sync>",
        "<Sync xmlns=\"Nowhere\"/>",
        "<Sync xmlns=\"AirSync\"><SyncKey>1</Sync>",
        "<Sync/>",
    ] {
        assert!(
            matches!(
                xml_to_wbxml(bad),
                Err(eas_codec::CodecError::Xml { .. }) | Err(eas_codec::CodecError::Wbxml(_))
            ),
            "{bad}"
        );
    }
}
