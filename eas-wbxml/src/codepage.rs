//! Code-page tables: how a crate that knows a WBXML language (such as `eas-codec` for
//! ActiveSync) names tags. This crate itself knows no names.

/// One tag of a code page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TagDef {
    /// The token, 0x05 to 0x3F.
    pub token: u8,
    /// The tag's name.
    pub name: &'static str,
}

/// One code page: its index, its namespace name and its tags.
///
/// A language is a static slice of these; the same table drives both directions of lookup
/// through [`CodePages`], so names and tokens cannot drift apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodePage {
    /// The page index used in `SWITCH_PAGE`.
    pub index: u8,
    /// The namespace name, e.g. `AirSync`.
    pub namespace: &'static str,
    /// The tags, in any order.
    pub tags: &'static [TagDef],
}

/// Names for code pages and tag tokens, in both directions.
pub trait CodePages {
    /// The namespace name of a page.
    fn namespace(&self, page: u8) -> Option<&'static str>;
    /// The name of a tag.
    fn tag_name(&self, page: u8, token: u8) -> Option<&'static str>;
    /// The page of a namespace name.
    fn page_of(&self, namespace: &str) -> Option<u8>;
    /// The `(page, token)` of a tag name in a namespace.
    fn tag_token(&self, namespace: &str, name: &str) -> Option<(u8, u8)>;
}

impl CodePages for [CodePage] {
    fn namespace(&self, page: u8) -> Option<&'static str> {
        self.iter().find(|p| p.index == page).map(|p| p.namespace)
    }

    fn tag_name(&self, page: u8, token: u8) -> Option<&'static str> {
        let p = self.iter().find(|p| p.index == page)?;
        p.tags.iter().find(|t| t.token == token).map(|t| t.name)
    }

    fn page_of(&self, namespace: &str) -> Option<u8> {
        self.iter()
            .find(|p| p.namespace == namespace)
            .map(|p| p.index)
    }

    fn tag_token(&self, namespace: &str, name: &str) -> Option<(u8, u8)> {
        let p = self.iter().find(|p| p.namespace == namespace)?;
        p.tags
            .iter()
            .find(|t| t.name == name)
            .map(|t| (p.index, t.token))
    }
}

/// A language with no names: every lookup fails. For generic dumps.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoNames;

impl CodePages for NoNames {
    fn namespace(&self, _: u8) -> Option<&'static str> {
        None
    }
    fn tag_name(&self, _: u8, _: u8) -> Option<&'static str> {
        None
    }
    fn page_of(&self, _: &str) -> Option<u8> {
        None
    }
    fn tag_token(&self, _: &str, _: &str) -> Option<(u8, u8)> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGES: &[CodePage] = &[
        CodePage {
            index: 0,
            namespace: "AirSync",
            tags: &[
                TagDef {
                    token: 0x05,
                    name: "Sync",
                },
                TagDef {
                    token: 0x0B,
                    name: "SyncKey",
                },
            ],
        },
        CodePage {
            index: 7,
            namespace: "FolderHierarchy",
            tags: &[TagDef {
                token: 0x16,
                name: "FolderSync",
            }],
        },
    ];

    #[test]
    fn both_directions_come_from_one_table() {
        assert_eq!(PAGES.tag_name(0, 0x0B), Some("SyncKey"));
        assert_eq!(PAGES.tag_token("AirSync", "SyncKey"), Some((0, 0x0B)));
        assert_eq!(
            PAGES.tag_token("FolderHierarchy", "FolderSync"),
            Some((7, 0x16))
        );
        assert_eq!(PAGES.namespace(7), Some("FolderHierarchy"));
        assert_eq!(PAGES.page_of("FolderHierarchy"), Some(7));
        assert_eq!(PAGES.tag_name(7, 0x05), None);
        assert_eq!(PAGES.tag_token("AirSync", "FolderSync"), None);
        assert_eq!(NoNames.tag_name(0, 5), None);
    }
}
