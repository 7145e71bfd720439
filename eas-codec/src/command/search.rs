//! Search (MS-ASCMD 2.2.1.16): the global address list, the mailbox and document libraries.

use super::resolve::PictureStatus;
use crate::CompactString;
use crate::codec::{Binary, Decoder, Empty, Encoder, Value};
use crate::data::{ApplicationData, BodyPartPreference, BodyPreference};
use crate::{CodecError, Tag, status_enum, tag, wire_choice, wire_struct};

status_enum! {
    /// Search status (MS-ASCMD 2.2.3.177.16).
    pub enum SearchStatus {
        1 => Success: "Success: the server processed the search.",
        2 => InvalidRequest: "Protocol violation or XML validation error.",
        3 => ServerError: "Server error.",
        4 => BadLink: "Bad link: the link to the document library is invalid.",
        5 => AccessDenied: "Access denied.",
        6 => NotFound: "Not found.",
        7 => ConnectionFailed: "Connection failed.",
        8 => TooComplex: "The query is too complex.",
        10 => TimedOut: "The search timed out; retry, possibly with a narrower query.",
        11 => FolderSyncRequired: "The folder hierarchy is out of date; the client must issue FolderSync.",
        12 => EndOfRetrievableRange: "The requested range does not begin with the first result (end of retrievable range).",
        13 => AccessBlocked: "Access is blocked to the specified resource.",
        14 => CredentialsRequired: "Credentials are required to access the resource.",
    }
}

wire_struct! {
    /// Search request.
    pub struct SearchRequest = Search::Search {
        /// The store to search.
        pub store: one SearchStore = Search::Store,
    }
}

wire_struct! {
    /// What and where to search.
    pub struct SearchStore {
        /// `GAL`, `Mailbox` or `DocumentLibrary`.
        pub name: one CompactString = Search::Name,
        /// The query.
        pub query: one SearchQuery = Search::Query,
        /// Options.
        pub options: opt SearchOptions = Search::Options,
    }
}

/// A query: plain text for the GAL, a tree of terms for the mailbox and document libraries.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum SearchQuery {
    /// Text to match (GAL: prefix of a name or address).
    Text(String),
    /// Terms, all of which apply.
    Terms(Vec<QueryTerm>),
}

impl Default for SearchQuery {
    fn default() -> Self {
        SearchQuery::Text(String::new())
    }
}

impl Value for SearchQuery {
    fn decode(d: &mut Decoder<'_>, tag: Tag) -> Result<Self, CodecError> {
        if d.peek_child_pages()?.is_empty() {
            String::decode(d, tag).map(SearchQuery::Text)
        } else {
            QueryGroup::decode(d, tag).map(|g| SearchQuery::Terms(g.terms))
        }
    }
    fn encode<S: eas_wbxml::Sink>(&self, e: &mut Encoder<S>, tag: Tag) -> Result<(), CodecError> {
        match self {
            SearchQuery::Text(t) => t.encode(e, tag),
            SearchQuery::Terms(terms) => QueryGroup {
                terms: terms.clone(),
            }
            .encode(e, tag),
        }
    }
}

wire_struct! {
    /// A group of query terms (`And`, `Or`, or the query itself).
    pub struct QueryGroup {
        /// The terms.
        pub terms: choice QueryTerm,
    }
}

wire_choice! {
    /// One term of a mailbox or document-library query.
    pub enum QueryTerm {
        /// All of the inner terms.
        And(QueryGroup) = Search::And,
        /// Any of the inner terms.
        Or(QueryGroup) = Search::Or,
        /// Words to find.
        FreeText(String) = Search::FreeText,
        /// Restrict to a class.
        Class(String) = AirSync::Class,
        /// Restrict to a folder.
        CollectionId(String) = AirSync::CollectionId,
        /// Restrict to a conversation (14.0+).
        ConversationId(Binary) = Search::ConversationId,
        /// A property equals a value.
        EqualTo(Comparison) = Search::EqualTo,
        /// A property is greater than a value.
        GreaterThan(Comparison) = Search::GreaterThan,
        /// A property is less than a value.
        LessThan(Comparison) = Search::LessThan,
    }
}

/// A comparison: an empty element naming the property (e.g. `email:DateReceived`,
/// `documentlibrary:LinkId`), and the value to compare with.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Comparison {
    /// The property compared.
    pub property: Option<Tag>,
    /// The value.
    pub value: Option<String>,
}

impl Value for Comparison {
    fn decode(d: &mut Decoder<'_>, _: Tag) -> Result<Self, CodecError> {
        let mut c = Comparison::default();
        while let Some(child) = d.next_child()? {
            if child == tag!(Search::Value) {
                if c.value.is_some() {
                    return Err(CodecError::DuplicateElement {
                        tag: child,
                        parent: d.parent(),
                        offset: d.offset(),
                    });
                }
                c.value = Some(String::decode(d, child)?);
            } else if c.property.is_none() {
                Empty::decode(d, child)?;
                c.property = Some(child);
            } else {
                return Err(d.unexpected(child));
            }
        }
        Ok(c)
    }
    fn encode<S: eas_wbxml::Sink>(&self, e: &mut Encoder<S>, tag: Tag) -> Result<(), CodecError> {
        if self.property == Some(tag!(Search::Value)) {
            // It could not be told apart from the value on the way back.
            return Err(CodecError::InvalidValue {
                tag,
                offset: 0,
                reason: "the compared property cannot be Search:Value",
            });
        }
        e.start(tag)?;
        if let Some(p) = self.property {
            e.empty(p)?;
        }
        if let Some(v) = &self.value {
            e.field(tag!(Search::Value), v)?;
        }
        e.end()
    }
}

wire_struct! {
    /// Search options.
    pub struct SearchOptions {
        /// Which results, `0-99` style.
        pub range: opt CompactString = Search::Range,
        /// Credentials for a document library.
        pub user_name: opt CompactString = Search::UserName,
        /// Password for a document library.
        pub password: opt CompactString = Search::Password,
        /// Search subfolders too.
        pub deep_traversal: opt Empty = Search::DeepTraversal,
        /// Do not use cached results.
        pub rebuild_results: opt Empty = Search::RebuildResults,
        /// Body formats accepted for mailbox results.
        pub body_preference: many BodyPreference = AirSyncBase::BodyPreference,
        /// Body part preference (14.1+).
        pub body_part_preference: many BodyPartPreference = AirSyncBase::BodyPartPreference,
        /// Whether the client supports IRM (14.1+).
        pub rights_management_support: opt bool = RightsManagement::RightsManagementSupport,
        /// Whether to return MIME for mailbox results.
        pub mime_support: opt u32 = AirSync::MIMESupport,
        /// Contact pictures for GAL results (14.1+).
        pub picture: opt PictureOptions = Search::Picture,
    }
}

wire_struct! {
    /// Limits on contact pictures.
    pub struct PictureOptions {
        /// Largest picture in bytes.
        pub max_size: opt u32 = Search::MaxSize,
        /// Most pictures.
        pub max_pictures: opt u32 = Search::MaxPictures,
    }
}

wire_struct! {
    /// Search response.
    pub struct SearchResponse = Search::Search {
        /// Result of the request.
        pub status: one SearchStatus = Search::Status,
        /// The results.
        pub response: opt SearchResults = Search::Response,
    }
}

wire_struct! {
    /// The results of a search.
    pub struct SearchResults {
        /// The store searched.
        pub store: one SearchResultStore = Search::Store,
    }
}

wire_struct! {
    /// The results from one store.
    pub struct SearchResultStore {
        /// Result for this store.
        pub status: one SearchStatus = Search::Status,
        /// The matches.
        pub results: many SearchResult = Search::Result,
        /// The range returned.
        pub range: opt CompactString = Search::Range,
        /// How many matches there are in all.
        pub total: opt u32 = Search::Total,
    }
}

wire_struct! {
    /// One match.
    pub struct SearchResult {
        /// The class of a mailbox match.
        pub class: opt CompactString = AirSync::Class,
        /// An id to fetch a mailbox match with ItemOperations.
        pub long_id: opt CompactString = Search::LongId,
        /// The folder of a mailbox match.
        pub collection_id: opt CompactString = AirSync::CollectionId,
        /// The match's properties.
        pub properties: opt ResultProperties = Search::Properties,
    }
}

/// A match's properties, by store.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum ResultProperties {
    /// A GAL entry.
    Gal(GalProperties),
    /// A document-library entry.
    DocumentLibrary(DocumentProperties),
    /// A mailbox item.
    Mailbox(ApplicationData),
}

impl Value for ResultProperties {
    fn decode(d: &mut Decoder<'_>, tag: Tag) -> Result<Self, CodecError> {
        let pages = d.peek_child_pages()?;
        if pages.contains(&tag!(Gal::DisplayName).page) {
            GalProperties::decode(d, tag).map(ResultProperties::Gal)
        } else if pages.contains(&tag!(DocumentLibrary::LinkId).page) {
            DocumentProperties::decode(d, tag).map(ResultProperties::DocumentLibrary)
        } else {
            ApplicationData::decode(d, tag).map(ResultProperties::Mailbox)
        }
    }
    fn encode<S: eas_wbxml::Sink>(&self, e: &mut Encoder<S>, tag: Tag) -> Result<(), CodecError> {
        match self {
            ResultProperties::Gal(g) => g.encode(e, tag),
            ResultProperties::DocumentLibrary(p) => p.encode(e, tag),
            ResultProperties::Mailbox(a) => a.encode(e, tag),
        }
    }
}

wire_struct! {
    /// A global address list entry.
    pub struct GalProperties {
        /// Display name.
        pub display_name: opt CompactString = Gal::DisplayName,
        /// Work phone.
        pub phone: opt CompactString = Gal::Phone,
        /// Office.
        pub office: opt CompactString = Gal::Office,
        /// Job title.
        pub title: opt CompactString = Gal::Title,
        /// Company.
        pub company: opt CompactString = Gal::Company,
        /// Alias.
        pub alias: opt CompactString = Gal::Alias,
        /// First name.
        pub first_name: opt CompactString = Gal::FirstName,
        /// Last name.
        pub last_name: opt CompactString = Gal::LastName,
        /// Home phone.
        pub home_phone: opt CompactString = Gal::HomePhone,
        /// Mobile phone.
        pub mobile_phone: opt CompactString = Gal::MobilePhone,
        /// SMTP address.
        pub email_address: opt CompactString = Gal::EmailAddress,
        /// Contact picture (14.1+).
        pub picture: opt GalPicture = Gal::Picture,
    }
}

wire_struct! {
    /// A contact picture in a GAL result.
    pub struct GalPicture {
        /// Whether a picture is returned.
        pub status: one PictureStatus = Gal::Status,
        /// The picture: base64 text, or raw bytes as opaque data.
        pub data: opt Binary = Gal::Data,
    }
}

wire_struct! {
    /// A document library entry.
    pub struct DocumentProperties {
        /// The link to the document or folder.
        pub link_id: opt CompactString = DocumentLibrary::LinkId,
        /// Its name.
        pub display_name: opt CompactString = DocumentLibrary::DisplayName,
        /// Whether it is a folder.
        pub is_folder: opt bool = DocumentLibrary::IsFolder,
        /// When it was created.
        pub creation_date: opt CompactString = DocumentLibrary::CreationDate,
        /// When it was last modified.
        pub last_modified_date: opt CompactString = DocumentLibrary::LastModifiedDate,
        /// Whether it is hidden.
        pub is_hidden: opt bool = DocumentLibrary::IsHidden,
        /// Its size in bytes.
        pub content_length: opt u64 = DocumentLibrary::ContentLength,
        /// Its MIME type.
        pub content_type: opt CompactString = DocumentLibrary::ContentType,
    }
}
