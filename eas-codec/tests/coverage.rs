//! Every element of every code page is carried by some wire type: each tag of the MS-ASWBXML
//! table is named (`Namespace::Name`) in the typed model's source. (AirNotify, page 3, has no
//! tags in MS-ASWBXML: "no longer in use".)

use eas_codec::pages::PAGES;

const SOURCES: &[&str] = &[
    include_str!("../src/command/autodiscover.rs"),
    include_str!("../src/command/compose.rs"),
    include_str!("../src/command/estimate.rs"),
    include_str!("../src/command/find.rs"),
    include_str!("../src/command/folder.rs"),
    include_str!("../src/command/item_operations.rs"),
    include_str!("../src/command/meeting_response.rs"),
    include_str!("../src/command/move_items.rs"),
    include_str!("../src/command/ping.rs"),
    include_str!("../src/command/provision.rs"),
    include_str!("../src/command/resolve.rs"),
    include_str!("../src/command/search.rs"),
    include_str!("../src/command/settings.rs"),
    include_str!("../src/command/sync.rs"),
    include_str!("../src/command/validate_cert.rs"),
    include_str!("../src/data/airsyncbase.rs"),
    include_str!("../src/data/calendar.rs"),
    include_str!("../src/data/contacts.rs"),
    include_str!("../src/data/email.rs"),
    include_str!("../src/data/mod.rs"),
    include_str!("../src/data/notes.rs"),
    include_str!("../src/data/rights.rs"),
    include_str!("../src/data/tasks.rs"),
];

#[test]
fn every_tag_of_every_page_is_carried_by_a_wire_type() {
    let mut missing = Vec::new();
    let mut total = 0;
    for page in PAGES {
        for t in page.tags {
            total += 1;
            let needle = format!("{}::{}", page.namespace, t.name);
            // A field names its tag as `= Ns::Name` or `=> Ns::Name`; a root as `= Ns::Name {`.
            let named = SOURCES.iter().any(|src| {
                src.match_indices(&needle).any(|(i, _)| {
                    let after = src[i + needle.len()..].chars().next();
                    !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
                })
            });
            if !named {
                missing.push(needle);
            }
        }
    }
    assert!(
        missing.is_empty(),
        "{} of {total} tags have no wire type: {missing:?}",
        missing.len()
    );
    assert_eq!(total, 608);
}
