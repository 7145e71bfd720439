//! Tags (code page + token) and protocol versions, both resolved through the one table in
//! [`pages`](crate::pages).

use std::fmt;

use crate::pages::{PAGES, PageSpec, TagSpec, Versions};

/// An EAS protocol version, as negotiated through `MS-ASProtocolVersion`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum ProtocolVersion {
    /// 2.5
    V2_5,
    /// 12.0
    V12_0,
    /// 12.1
    V12_1,
    /// 14.0
    V14_0,
    /// 14.1
    V14_1,
    /// 16.0
    V16_0,
    /// 16.1
    V16_1,
}

impl ProtocolVersion {
    /// Every version, oldest first.
    pub const ALL: [ProtocolVersion; 7] = [
        ProtocolVersion::V2_5,
        ProtocolVersion::V12_0,
        ProtocolVersion::V12_1,
        ProtocolVersion::V14_0,
        ProtocolVersion::V14_1,
        ProtocolVersion::V16_0,
        ProtocolVersion::V16_1,
    ];

    /// The newest version.
    pub const LATEST: ProtocolVersion = ProtocolVersion::V16_1;

    /// The version as the `MS-ASProtocolVersion` header writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            ProtocolVersion::V2_5 => "2.5",
            ProtocolVersion::V12_0 => "12.0",
            ProtocolVersion::V12_1 => "12.1",
            ProtocolVersion::V14_0 => "14.0",
            ProtocolVersion::V14_1 => "14.1",
            ProtocolVersion::V16_0 => "16.0",
            ProtocolVersion::V16_1 => "16.1",
        }
    }

    /// Parse a header value such as `14.1`.
    pub fn parse(s: &str) -> Option<ProtocolVersion> {
        ProtocolVersion::ALL
            .into_iter()
            .find(|v| v.as_str() == s.trim())
    }

    /// This version as a one-element [`Versions`] set.
    pub const fn bit(self) -> Versions {
        Versions(1 << (self as u8))
    }
}

impl fmt::Display for ProtocolVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An EAS data class (the `Class` element's values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Class {
    /// `Email`
    Email,
    /// `Calendar`
    Calendar,
    /// `Contacts`
    Contacts,
    /// `Tasks`
    Tasks,
    /// `Notes`
    Notes,
    /// `SMS` (14.0+)
    Sms,
}

impl Class {
    /// The class name as the `Class` element carries it.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Email => "Email",
            Class::Calendar => "Calendar",
            Class::Contacts => "Contacts",
            Class::Tasks => "Tasks",
            Class::Notes => "Notes",
            Class::Sms => "SMS",
        }
    }

    /// The class for a `Class` element's value.
    pub fn parse(s: &str) -> Option<Class> {
        [
            Class::Email,
            Class::Calendar,
            Class::Contacts,
            Class::Tasks,
            Class::Notes,
            Class::Sms,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }
}

/// A WBXML tag of the EAS language: a code page and a token.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag {
    /// The code page (0–25).
    pub page: u8,
    /// The token (0x05–0x3F).
    pub token: u8,
}

const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

impl Tag {
    /// Build a tag from page and token.
    pub const fn new(page: u8, token: u8) -> Tag {
        Tag { page, token }
    }

    /// The tag named `name` in namespace `namespace`, looked up in the table. Used in
    /// constants (through [`tag!`](crate::tag)), where a misspelt name fails the build.
    pub const fn named(namespace: &str, name: &str) -> Tag {
        let mut p = 0;
        while p < PAGES.len() {
            let page = &PAGES[p];
            if str_eq(page.namespace, namespace) {
                let mut i = 0;
                while i < page.tags.len() {
                    if str_eq(page.tags[i].name, name) {
                        return Tag {
                            page: page.index,
                            token: page.tags[i].token,
                        };
                    }
                    i += 1;
                }
            }
            p += 1;
        }
        panic!("no such EAS tag in MS-ASWBXML");
    }

    /// The tag named `name` in `namespace`, if the table has it.
    pub fn lookup(namespace: &str, name: &str) -> Option<Tag> {
        let page = PAGES.iter().find(|p| p.namespace == namespace)?;
        let t = page.tags.iter().find(|t| t.name == name)?;
        Some(Tag::new(page.index, t.token))
    }

    /// The page's row in the table.
    pub fn page_spec(self) -> Option<&'static PageSpec> {
        PAGES.get(usize::from(self.page))
    }

    /// The tag's row in the table.
    pub fn spec(self) -> Option<&'static TagSpec> {
        let page = self.page_spec()?;
        page.tags
            .binary_search_by_key(&self.token, |t| t.token)
            .ok()
            .and_then(|i| page.tags.get(i))
    }

    /// Microsoft's name of the tag.
    pub fn name(self) -> Option<&'static str> {
        self.spec().map(|t| t.name)
    }

    /// Microsoft's name of the tag's namespace.
    pub fn namespace(self) -> Option<&'static str> {
        self.page_spec().map(|p| p.namespace)
    }

    /// Whether the tag exists in protocol version `v`. A table lookup: this runs for every
    /// start tag a strict decoder reads.
    #[inline]
    pub fn exists_in(self, v: ProtocolVersion) -> bool {
        let versions = VERSION_TABLE
            .get(usize::from(self.page))
            .and_then(|page| page.get(usize::from(self.token)))
            .copied()
            .unwrap_or(0);
        versions & v.bit().0 != 0
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for Tag {
    /// Only tags the table names, so that arbitrary values can be encoded.
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        let page = u.choose(PAGES)?;
        let t = u.choose(page.tags)?;
        Ok(Tag::new(page.index, t.token))
    }
}

impl fmt::Debug for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.namespace(), self.name()) {
            (Some(ns), Some(name)) => write!(f, "{ns}:{name}"),
            (Some(ns), None) => write!(f, "{ns}:0x{:02X}", self.token),
            _ => write!(f, "{:02x}:{:02x}", self.page, self.token),
        }
    }
}

/// For every page and token, the versions in which the tag exists (0: no such tag), built
/// from [`PAGES`] at compile time.
static VERSION_TABLE: [[u8; 64]; 26] = {
    let mut table = [[0u8; 64]; 26];
    let mut p = 0;
    while p < PAGES.len() && p < 26 {
        let page = &PAGES[p];
        let mut i = 0;
        while i < page.tags.len() {
            let t = &page.tags[i];
            if (t.token as usize) < 64 {
                table[page.index as usize][t.token as usize] = t.versions.0;
            }
            i += 1;
        }
        p += 1;
    }
    table
};

/// A [`Tag`] constant by namespace and name, checked against the table at compile time:
/// `tag!(AirSync::SyncKey)`.
#[macro_export]
macro_rules! tag {
    ($ns:ident :: $name:ident) => {{
        const T: $crate::Tag = $crate::Tag::named(stringify!($ns), stringify!($name));
        T
    }};
}

/// The EAS code pages as an [`eas_wbxml::CodePages`] implementation (names for dumps and for
/// the XML tool).
#[derive(Debug, Clone, Copy, Default)]
pub struct EasCodePages;

impl eas_wbxml::CodePages for EasCodePages {
    fn namespace(&self, page: u8) -> Option<&'static str> {
        PAGES.get(usize::from(page)).map(|p| p.namespace)
    }
    fn tag_name(&self, page: u8, token: u8) -> Option<&'static str> {
        Tag::new(page, token).name()
    }
    fn page_of(&self, namespace: &str) -> Option<u8> {
        PAGES
            .iter()
            .find(|p| p.namespace == namespace)
            .map(|p| p.index)
    }
    fn tag_token(&self, namespace: &str, name: &str) -> Option<(u8, u8)> {
        Tag::lookup(namespace, name).map(|t| (t.page, t.token))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_resolve_both_ways_from_the_table() {
        let t = tag!(AirSync::SyncKey);
        assert_eq!(t, Tag::new(0, 0x0B));
        assert_eq!(t.name(), Some("SyncKey"));
        assert_eq!(t.to_string(), "AirSync:SyncKey");
        assert_eq!(tag!(Find::Find), Tag::new(25, 0x05));
        assert_eq!(
            Tag::lookup("FolderHierarchy", "FolderSync"),
            Some(Tag::new(7, 0x16))
        );
        assert_eq!(Tag::new(0, 0x3F).to_string(), "AirSync:0x3F");
        assert_eq!(Tag::new(200, 5).to_string(), "c8:05");
    }

    #[test]
    fn versions_restrict_tags() {
        assert!(tag!(AirSync::Wait).exists_in(ProtocolVersion::V12_1));
        assert!(!tag!(AirSync::Wait).exists_in(ProtocolVersion::V12_0));
        assert!(!tag!(AirSyncBase::Body).exists_in(ProtocolVersion::V2_5));
        assert!(tag!(AirSyncBase::Body).exists_in(ProtocolVersion::V12_0));
        assert_eq!(ProtocolVersion::parse("16.1"), Some(ProtocolVersion::V16_1));
        assert_eq!(ProtocolVersion::parse("3.0"), None);
    }

    #[test]
    fn every_page_is_at_its_index_and_every_tag_findable() {
        for (i, p) in PAGES.iter().enumerate() {
            assert_eq!(usize::from(p.index), i);
            for t in p.tags {
                let tag = Tag::new(p.index, t.token);
                assert_eq!(tag.name(), Some(t.name));
                assert_eq!(Tag::lookup(p.namespace, t.name), Some(tag));
            }
        }
    }
}
