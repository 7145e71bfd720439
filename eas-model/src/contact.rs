//! Contacts (MS-ASCNTC): [`ContactItem`] and its vCard (3.0, 4.0) and wire forms.
//!
//! # vCard mapping
//!
//! | MS-ASCNTC | vCard |
//! |---|---|
//! | LastName, FirstName, MiddleName, Title, Suffix | `N` (family; given; additional; prefix; suffix) |
//! | — | `FN`, built from the name, else FileAs, company, first e-mail or phone |
//! | CompanyName, Department | `ORG` (company; unit) |
//! | JobTitle | `TITLE` |
//! | NickName | `NICKNAME` |
//! | Email1–3Address | `EMAIL` |
//! | phone numbers | `TEL` with `TYPE` (see [`PhoneKind`]) |
//! | Business/Home/OtherAddress* | `ADR;TYPE=WORK` / `HOME` / `OTHER` |
//! | Birthday | `BDAY` (a date; a year-less vCard date becomes year 1604, as Apple does) |
//! | Anniversary | `ANNIVERSARY` (4.0), `X-ANNIVERSARY` (3.0) |
//! | WebPage | `URL` |
//! | IMAddress, IMAddress2, IMAddress3 | `IMPP` |
//! | Categories | `CATEGORIES` |
//! | Body (notes) | `NOTE` |
//! | Picture | `PHOTO` (4.0 `data:` URI, 3.0 `ENCODING=b`) |
//! | YomiFirstName, YomiLastName, YomiCompanyName | `X-PHONETIC-FIRST-NAME`, `X-PHONETIC-LAST-NAME`, `X-PHONETIC-ORG` (Apple's names) |
//! | Spouse, ManagerName, AssistantName | `X-MS-SPOUSE`, `X-MS-MANAGER`, `X-MS-ASSISTANT` (Outlook's names) |
//! | Children | one `X-EAS-CHILD` per child |
//! | FileAs, Alias, OfficeLocation | `X-EAS-FILE-AS`, `X-EAS-ALIAS`, `X-EAS-OFFICE-LOCATION` |
//! | CustomerId, GovernmentId, AccountName | `X-EAS-CUSTOMER-ID`, `X-EAS-GOVERNMENT-ID`, `X-EAS-ACCOUNT-NAME` |
//! | WeightedRank | `X-EAS-WEIGHTED-RANK` |
//!
//! When reading, the spellings other programs use are accepted too: Apple's grouped
//! `itemN.X-ABLabel` labels and `X-ABRELATEDNAMES` / `X-ABDATE`, Evolution's and
//! KAddressBook's `X-EVOLUTION-*` / `X-KADDRESSBOOK-*` names, `X-ANNIVERSARY`, `X-MS-IMADDRESS`
//! and the `X-AIM`-style instant-messaging properties, vCard 2.1 `QUOTED-PRINTABLE` and
//! `CHARSET` (decoded by calcard).
//!
//! **Slots.** EAS has numbered slots (three e-mails, two business phones …) where vCard has
//! lists. A list entry fills the first free slot of its kind in order. When a slot is written
//! while an earlier slot of the same kind is empty, the entry carries an `X-EAS-FIELD`
//! parameter naming the MS-ASCNTC element (`X-EAS-FIELD=Email2Address`), so it comes back to
//! the same slot. Entries beyond the last slot are dropped: EAS has nowhere to keep them.
//!
//! # Wire mapping
//!
//! Birthday and Anniversary are `dateTime` values on the wire, but mean a calendar date.
//! Devices send the *local midnight* of that date converted to UTC (May 7 in UTC+2 is
//! `1980-05-06T22:00:00.000Z`), some send `00:00Z` of the date. [`ContactItem::from_wire`]
//! therefore reads the date as follows: if the instant is midnight in the user's zone, that
//! local date; otherwise the date is found by rounding to the nearest day with the window
//! shifted two hours east, i.e. any instant in (D−14 h, D+10 h] UTC means D. Plain
//! nearest-day rounding would move UTC+13 (New Zealand summer, Tonga, Samoa) a day back; the
//! shifted window covers every offset from UTC−10 (Hawaii) to UTC+13:45 (Chatham). Only
//! UTC−12/−11 and UTC+14 need the zone rule. [`ContactItem::to_wire`] writes local midnight
//! in the user's zone, which those devices display as the right day.
//!
//! Notes go in an AirSyncBase `Body` of type 1 (12.0+) or `Contacts:Body` (2.5), with `\r\n`
//! line breaks; empty notes give no body. The picture is base64 text.

use base64::Engine as _;
use calcard::common::{Data, IanaString, PartialDateTime};
/// The vCard version [`ContactItem::to_vcard`] writes (calcard's type, re-exported so callers
/// need no dependency on calcard).
pub use calcard::vcard::VCardVersion;
use calcard::vcard::{
    VCard, VCardEntry, VCardParameter, VCardParameterName, VCardParameterValue, VCardProperty,
    VCardType, VCardValue,
};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use eas_codec::ProtocolVersion;
use eas_codec::codec::Binary;
use eas_codec::data::contacts::{Children, Contact, ContactCategories};

use crate::ModelError;
use crate::datetime;
use crate::note::{body_from_wire, body_to_wire, categories_from, non_empty, normalize_newlines};

/// The year a year-less birthday gets (Apple's convention; EAS dates always have a year).
pub const NO_YEAR: i32 = 1604;

/// MS-ASCNTC 2.2.2.58: Picture is limited to 48 KB of base64 text; a client that sends more
/// gets Sync status 6.
pub const MAX_PICTURE_BASE64: usize = 48 * 1024;

/// The parameter that pins a vCard entry to an EAS slot (see the module documentation).
const FIELD_PARAM: &str = "X-EAS-FIELD";

/// A postal address. All parts `None` means "no address".
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PostalAddress {
    /// Street, possibly several lines separated by `\n`.
    pub street: Option<String>,
    /// City.
    pub city: Option<String>,
    /// State or province.
    pub state: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// Country or region.
    pub country: Option<String>,
}

impl PostalAddress {
    /// Whether no part is set.
    pub fn is_empty(&self) -> bool {
        self.street.is_none()
            && self.city.is_none()
            && self.state.is_none()
            && self.postal_code.is_none()
            && self.country.is_none()
    }
}

/// The phone numbers EAS knows, one slot each.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Phones {
    /// BusinessPhoneNumber.
    pub business: Option<String>,
    /// Business2PhoneNumber.
    pub business2: Option<String>,
    /// HomePhoneNumber.
    pub home: Option<String>,
    /// Home2PhoneNumber.
    pub home2: Option<String>,
    /// MobilePhoneNumber.
    pub mobile: Option<String>,
    /// CarPhoneNumber.
    pub car: Option<String>,
    /// PagerNumber.
    pub pager: Option<String>,
    /// RadioPhoneNumber.
    pub radio: Option<String>,
    /// BusinessFaxNumber.
    pub business_fax: Option<String>,
    /// HomeFaxNumber.
    pub home_fax: Option<String>,
    /// AssistantPhoneNumber.
    pub assistant: Option<String>,
    /// CompanyMainPhone (Contacts2).
    pub company_main: Option<String>,
    /// MMS (Contacts2).
    pub mms: Option<String>,
}

/// Which phone slot a number is in. The vCard `TYPE`s written for each are listed per variant;
/// reading accepts the same and common variants (`IPHONE`, `MAIN`, `MMS`, Apple labels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PhoneKind {
    /// `WORK,VOICE`.
    Business,
    /// `WORK,VOICE`, second.
    Business2,
    /// `HOME,VOICE`.
    Home,
    /// `HOME,VOICE`, second.
    Home2,
    /// `CELL`.
    Mobile,
    /// `CAR`.
    Car,
    /// `PAGER`.
    Pager,
    /// `X-RADIO`.
    Radio,
    /// `WORK,FAX`.
    BusinessFax,
    /// `HOME,FAX`.
    HomeFax,
    /// `X-ASSISTANT`.
    Assistant,
    /// `MAIN-NUMBER` (RFC 7852).
    CompanyMain,
    /// `MSG` (what Android writes for MMS).
    Mms,
}

impl PhoneKind {
    /// Every kind, in the order vCards are written.
    pub const ALL: [PhoneKind; 13] = [
        PhoneKind::Business,
        PhoneKind::Business2,
        PhoneKind::Home,
        PhoneKind::Home2,
        PhoneKind::Mobile,
        PhoneKind::Car,
        PhoneKind::Pager,
        PhoneKind::Radio,
        PhoneKind::BusinessFax,
        PhoneKind::HomeFax,
        PhoneKind::Assistant,
        PhoneKind::CompanyMain,
        PhoneKind::Mms,
    ];

    /// The MS-ASCNTC element name.
    pub fn element(self) -> &'static str {
        match self {
            PhoneKind::Business => "BusinessPhoneNumber",
            PhoneKind::Business2 => "Business2PhoneNumber",
            PhoneKind::Home => "HomePhoneNumber",
            PhoneKind::Home2 => "Home2PhoneNumber",
            PhoneKind::Mobile => "MobilePhoneNumber",
            PhoneKind::Car => "CarPhoneNumber",
            PhoneKind::Pager => "PagerNumber",
            PhoneKind::Radio => "RadioPhoneNumber",
            PhoneKind::BusinessFax => "BusinessFaxNumber",
            PhoneKind::HomeFax => "HomeFaxNumber",
            PhoneKind::Assistant => "AssistantPhoneNumber",
            PhoneKind::CompanyMain => "CompanyMainPhone",
            PhoneKind::Mms => "MMS",
        }
    }

    /// The kinds that share this one's vCard `TYPE` (filled in order).
    fn group(self) -> &'static [PhoneKind] {
        match self {
            PhoneKind::Business | PhoneKind::Business2 => {
                &[PhoneKind::Business, PhoneKind::Business2]
            }
            PhoneKind::Home | PhoneKind::Home2 => &[PhoneKind::Home, PhoneKind::Home2],
            PhoneKind::Mobile => &[PhoneKind::Mobile],
            PhoneKind::Car => &[PhoneKind::Car],
            PhoneKind::Pager => &[PhoneKind::Pager],
            PhoneKind::Radio => &[PhoneKind::Radio],
            PhoneKind::BusinessFax => &[PhoneKind::BusinessFax],
            PhoneKind::HomeFax => &[PhoneKind::HomeFax],
            PhoneKind::Assistant => &[PhoneKind::Assistant],
            PhoneKind::CompanyMain => &[PhoneKind::CompanyMain],
            PhoneKind::Mms => &[PhoneKind::Mms],
        }
    }

    fn vcard_types(self) -> Vec<VCardParameterValue> {
        let t = VCardParameterValue::Type;
        let x = |s: &str| VCardParameterValue::Text(s.to_owned());
        match self {
            PhoneKind::Business | PhoneKind::Business2 => {
                vec![t(VCardType::Work), t(VCardType::Voice)]
            }
            PhoneKind::Home | PhoneKind::Home2 => vec![t(VCardType::Home), t(VCardType::Voice)],
            PhoneKind::Mobile => vec![t(VCardType::Cell)],
            PhoneKind::Car => vec![x("CAR")],
            PhoneKind::Pager => vec![t(VCardType::Pager)],
            PhoneKind::Radio => vec![x("X-RADIO")],
            PhoneKind::BusinessFax => vec![t(VCardType::Work), t(VCardType::Fax)],
            PhoneKind::HomeFax => vec![t(VCardType::Home), t(VCardType::Fax)],
            PhoneKind::Assistant => vec![x("X-ASSISTANT")],
            PhoneKind::CompanyMain => vec![t(VCardType::MainNumber)],
            PhoneKind::Mms => vec![x("MSG")],
        }
    }

    fn from_element(name: &str) -> Option<PhoneKind> {
        PhoneKind::ALL
            .into_iter()
            .find(|k| k.element().eq_ignore_ascii_case(name))
    }
}

impl Phones {
    /// The number in one slot.
    pub fn get(&self, kind: PhoneKind) -> Option<&str> {
        self.slot(kind).as_deref()
    }

    fn slot(&self, kind: PhoneKind) -> &Option<String> {
        match kind {
            PhoneKind::Business => &self.business,
            PhoneKind::Business2 => &self.business2,
            PhoneKind::Home => &self.home,
            PhoneKind::Home2 => &self.home2,
            PhoneKind::Mobile => &self.mobile,
            PhoneKind::Car => &self.car,
            PhoneKind::Pager => &self.pager,
            PhoneKind::Radio => &self.radio,
            PhoneKind::BusinessFax => &self.business_fax,
            PhoneKind::HomeFax => &self.home_fax,
            PhoneKind::Assistant => &self.assistant,
            PhoneKind::CompanyMain => &self.company_main,
            PhoneKind::Mms => &self.mms,
        }
    }

    /// The slot itself, to set or clear.
    pub fn slot_mut(&mut self, kind: PhoneKind) -> &mut Option<String> {
        match kind {
            PhoneKind::Business => &mut self.business,
            PhoneKind::Business2 => &mut self.business2,
            PhoneKind::Home => &mut self.home,
            PhoneKind::Home2 => &mut self.home2,
            PhoneKind::Mobile => &mut self.mobile,
            PhoneKind::Car => &mut self.car,
            PhoneKind::Pager => &mut self.pager,
            PhoneKind::Radio => &mut self.radio,
            PhoneKind::BusinessFax => &mut self.business_fax,
            PhoneKind::HomeFax => &mut self.home_fax,
            PhoneKind::Assistant => &mut self.assistant,
            PhoneKind::CompanyMain => &mut self.company_main,
            PhoneKind::Mms => &mut self.mms,
        }
    }
}

/// A contact, at meaning level: every field of MS-ASCNTC's Contacts and Contacts2 pages.
///
/// Text fields never hold an empty string: every conversion turns empty values into `None`
/// (EAS and vCard cannot tell "empty" from "absent" either). `notes` uses `\n` line breaks.
/// Reading a vCard trims white space around every value but the notes, since vCard parsers
/// (calcard's list values among them) do not keep it consistently.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ContactItem {
    /// Given name.
    pub first_name: Option<String>,
    /// Middle name.
    pub middle_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// Title before the name (`Dr.`).
    pub title: Option<String>,
    /// Suffix after the name (`Jr.`).
    pub suffix: Option<String>,
    /// Nickname.
    pub nickname: Option<String>,
    /// Phonetic given name.
    pub yomi_first_name: Option<String>,
    /// Phonetic family name.
    pub yomi_last_name: Option<String>,
    /// Phonetic company name.
    pub yomi_company_name: Option<String>,
    /// How the contact is filed (`Doe, John`).
    pub file_as: Option<String>,
    /// Alias (14.0+).
    pub alias: Option<String>,
    /// Recipient ranking weight (14.0+).
    pub weighted_rank: Option<i32>,
    /// Company.
    pub company_name: Option<String>,
    /// Department.
    pub department: Option<String>,
    /// Job title.
    pub job_title: Option<String>,
    /// Office location.
    pub office_location: Option<String>,
    /// Email1Address, Email2Address, Email3Address.
    pub emails: [Option<String>; 3],
    /// The phone numbers.
    pub phones: Phones,
    /// The business address.
    pub business_address: PostalAddress,
    /// The home address.
    pub home_address: PostalAddress,
    /// The other address.
    pub other_address: PostalAddress,
    /// Birthday, a calendar date (no time, no zone).
    pub birthday: Option<NaiveDate>,
    /// Wedding anniversary, a calendar date.
    pub anniversary: Option<NaiveDate>,
    /// Web site.
    pub web_page: Option<String>,
    /// IMAddress, IMAddress2, IMAddress3.
    pub im_addresses: [Option<String>; 3],
    /// Spouse's name.
    pub spouse: Option<String>,
    /// Children's names.
    pub children: Vec<String>,
    /// Assistant's name.
    pub assistant_name: Option<String>,
    /// Manager's name.
    pub manager_name: Option<String>,
    /// Customer id.
    pub customer_id: Option<String>,
    /// Government id.
    pub government_id: Option<String>,
    /// Account name.
    pub account_name: Option<String>,
    /// Categories, in order.
    pub categories: Vec<String>,
    /// Notes, plain text with `\n` line breaks.
    pub notes: Option<String>,
    /// The photo's bytes (JPEG, PNG or GIF).
    pub picture: Option<Vec<u8>>,
}

const EMAIL_ELEMENTS: [&str; 3] = ["Email1Address", "Email2Address", "Email3Address"];
const IM_ELEMENTS: [&str; 3] = ["IMAddress", "IMAddress2", "IMAddress3"];

impl ContactItem {
    /// The display name a vCard `FN` gets: the name parts, else FileAs, company, first
    /// e-mail, first phone number, else empty.
    pub fn display_name(&self) -> String {
        let parts: Vec<&str> = [
            &self.title,
            &self.first_name,
            &self.middle_name,
            &self.last_name,
            &self.suffix,
        ]
        .into_iter()
        .filter_map(|p| p.as_deref())
        .collect();
        if !parts.is_empty() {
            return parts.join(" ");
        }
        self.file_as
            .as_deref()
            .or(self.company_name.as_deref())
            .or(self.emails.iter().find_map(|e| e.as_deref()))
            .or(PhoneKind::ALL.into_iter().find_map(|k| self.phones.get(k)))
            .unwrap_or_default()
            .to_owned()
    }

    // ---------------------------------------------------------------- vCard out

    /// The contact as a vCard of `version` (3.0 or 4.0; 2.1 is written as 3.0, since calcard
    /// writes no 2.1).
    pub fn to_vcard(&self, version: VCardVersion) -> String {
        let version = match version {
            VCardVersion::V4_0 => VCardVersion::V4_0,
            _ => VCardVersion::V3_0,
        };
        let v4 = version == VCardVersion::V4_0;
        let mut e: Vec<VCardEntry> = Vec::new();
        let text = |name: VCardProperty, value: &str| {
            VCardEntry::new(name).with_value(VCardValue::Text(value.to_owned()))
        };
        let x = |name: &str| VCardProperty::Other(name.to_owned());
        let opt = |o: &Option<String>| o.clone().unwrap_or_default();

        e.push(text(VCardProperty::Fn, &self.display_name()));
        e.push(
            VCardEntry::new(VCardProperty::N).with_values(
                [
                    &self.last_name,
                    &self.first_name,
                    &self.middle_name,
                    &self.title,
                    &self.suffix,
                ]
                .into_iter()
                .map(|p| VCardValue::Text(opt(p)))
                .collect(),
            ),
        );
        if let Some(n) = &self.nickname {
            e.push(text(VCardProperty::Nickname, n));
        }
        if self.company_name.is_some() || self.department.is_some() {
            let mut values = vec![VCardValue::Text(opt(&self.company_name))];
            if let Some(d) = &self.department {
                values.push(VCardValue::Text(d.clone()));
            }
            e.push(VCardEntry::new(VCardProperty::Org).with_values(values));
        }
        if let Some(t) = &self.job_title {
            e.push(text(VCardProperty::Title, t));
        }
        for (i, email) in self.emails.iter().enumerate() {
            if let Some(email) = email {
                let mut entry = text(VCardProperty::Email, email);
                if self.emails[..i].iter().any(Option::is_none) {
                    entry.add_param(field_param(EMAIL_ELEMENTS[i]));
                }
                e.push(entry);
            }
        }
        for kind in PhoneKind::ALL {
            if let Some(number) = self.phones.get(kind) {
                let mut entry = text(VCardProperty::Tel, number);
                for t in kind.vcard_types() {
                    entry.add_param(VCardParameter::typ(t));
                }
                let group = kind.group();
                let pos = group.iter().position(|k| *k == kind).unwrap_or(0);
                if group[..pos].iter().any(|k| self.phones.get(*k).is_none()) {
                    entry.add_param(field_param(kind.element()));
                }
                e.push(entry);
            }
        }
        for (addr, t) in [
            (
                &self.business_address,
                VCardParameterValue::Type(VCardType::Work),
            ),
            (
                &self.home_address,
                VCardParameterValue::Type(VCardType::Home),
            ),
            (
                &self.other_address,
                VCardParameterValue::Text("OTHER".into()),
            ),
        ] {
            if !addr.is_empty() {
                e.push(
                    VCardEntry::new(VCardProperty::Adr)
                        .with_param(VCardParameter::typ(t))
                        .with_values(
                            [
                                &None,
                                &None,
                                &addr.street,
                                &addr.city,
                                &addr.state,
                                &addr.postal_code,
                                &addr.country,
                            ]
                            .into_iter()
                            .map(|p| VCardValue::Text(opt(p)))
                            .collect(),
                        ),
                );
            }
        }
        if let Some(b) = self.birthday {
            e.push(date_entry(VCardProperty::Bday, b, v4));
        }
        if let Some(a) = self.anniversary {
            if v4 {
                e.push(date_entry(VCardProperty::Anniversary, a, true));
            } else {
                e.push(text(x("X-ANNIVERSARY"), &a.format("%Y-%m-%d").to_string()));
            }
        }
        if let Some(w) = &self.web_page {
            e.push(text(VCardProperty::Url, w));
        }
        for (i, im) in self.im_addresses.iter().enumerate() {
            if let Some(im) = im {
                let mut entry = text(VCardProperty::Impp, im);
                if self.im_addresses[..i].iter().any(Option::is_none) {
                    entry.add_param(field_param(IM_ELEMENTS[i]));
                }
                e.push(entry);
            }
        }
        if !self.categories.is_empty() {
            e.push(
                VCardEntry::new(VCardProperty::Categories).with_values(
                    self.categories
                        .iter()
                        .map(|c| VCardValue::Text(c.clone()))
                        .collect(),
                ),
            );
        }
        if let Some(n) = &self.notes {
            e.push(text(VCardProperty::Note, n));
        }
        if let Some(p) = &self.picture {
            e.push(
                VCardEntry::new(VCardProperty::Photo).with_value(VCardValue::Binary(Data {
                    content_type: Some(image_type(p).to_owned()),
                    data: p.clone(),
                })),
            );
        }
        for (name, value) in [
            ("X-PHONETIC-FIRST-NAME", &self.yomi_first_name),
            ("X-PHONETIC-LAST-NAME", &self.yomi_last_name),
            ("X-PHONETIC-ORG", &self.yomi_company_name),
            ("X-MS-SPOUSE", &self.spouse),
            ("X-MS-MANAGER", &self.manager_name),
            ("X-MS-ASSISTANT", &self.assistant_name),
            ("X-EAS-FILE-AS", &self.file_as),
            ("X-EAS-ALIAS", &self.alias),
            ("X-EAS-OFFICE-LOCATION", &self.office_location),
            ("X-EAS-CUSTOMER-ID", &self.customer_id),
            ("X-EAS-GOVERNMENT-ID", &self.government_id),
            ("X-EAS-ACCOUNT-NAME", &self.account_name),
        ] {
            if let Some(v) = value {
                e.push(text(x(name), v));
            }
        }
        for child in &self.children {
            e.push(text(x("X-EAS-CHILD"), child));
        }
        if let Some(r) = self.weighted_rank {
            e.push(text(x("X-EAS-WEIGHTED-RANK"), &r.to_string()));
        }
        let card = VCard { entries: e };
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = card.write_to(&mut out, version);
        out
    }

    // ---------------------------------------------------------------- vCard in

    /// Read the first vCard (2.1, 3.0 or 4.0) of `text`.
    pub fn from_vcard(text: &str) -> Result<Self, ModelError> {
        let card =
            VCard::parse(text).map_err(|e| ModelError::VCard(format!("cannot parse: {e:?}")))?;
        let mut c = ContactItem::default();
        let labels = apple_labels(&card);
        let label_of = |entry: &VCardEntry| -> Option<String> {
            entry
                .group
                .as_ref()
                .and_then(|g| labels.iter().find(|(lg, _)| lg.eq_ignore_ascii_case(g)))
                .map(|(_, l)| l.clone())
        };

        let mut fn_value = None;
        let mut saw_n = false;
        let mut emails: Vec<(Option<usize>, String)> = Vec::new();
        let mut ims: Vec<(Option<usize>, String)> = Vec::new();
        let mut phones: Vec<(Option<PhoneKind>, Vec<PhoneKind>, String)> = Vec::new();
        let mut addresses: Vec<(Vec<String>, PostalAddress)> = Vec::new();

        for entry in &card.entries {
            let types = entry_types(entry);
            let pinned = pinned_field(entry);
            match &entry.name {
                VCardProperty::Fn => fn_value = text_at(entry, 0),
                VCardProperty::N => {
                    saw_n = true;
                    c.last_name = text_at(entry, 0);
                    c.first_name = text_at(entry, 1);
                    c.middle_name = text_at(entry, 2);
                    c.title = text_at(entry, 3);
                    c.suffix = text_at(entry, 4);
                }
                VCardProperty::Nickname => c.nickname = joined(entry, ", "),
                VCardProperty::Org => {
                    c.company_name = text_at(entry, 0);
                    let units: Vec<String> = (1..entry.values.len())
                        .filter_map(|i| text_at(entry, i))
                        .collect();
                    c.department = (!units.is_empty()).then(|| units.join(", "));
                }
                VCardProperty::Title => c.job_title = joined(entry, ", "),
                VCardProperty::Email => {
                    if let Some(v) = joined(entry, ",") {
                        let slot = pinned.and_then(|p| {
                            EMAIL_ELEMENTS
                                .iter()
                                .position(|n| n.eq_ignore_ascii_case(&p))
                        });
                        emails.push((slot, v));
                    }
                }
                VCardProperty::Impp => {
                    if let Some(v) = joined(entry, ",") {
                        let slot = pinned.and_then(|p| {
                            IM_ELEMENTS.iter().position(|n| n.eq_ignore_ascii_case(&p))
                        });
                        ims.push((slot, v));
                    }
                }
                VCardProperty::Tel => {
                    if let Some(v) = joined(entry, ",") {
                        let v = v.strip_prefix("tel:").map(str::to_owned).unwrap_or(v);
                        let pinned = pinned.as_deref().and_then(PhoneKind::from_element);
                        phones.push((pinned, classify_phone(&types, label_of(entry)), v));
                    }
                }
                VCardProperty::Adr => {
                    let street_parts: Vec<String> = [0, 1, 2]
                        .into_iter()
                        .filter_map(|i| text_at(entry, i))
                        .collect();
                    let addr = PostalAddress {
                        street: (!street_parts.is_empty()).then(|| street_parts.join("\n")),
                        city: text_at(entry, 3),
                        state: text_at(entry, 4),
                        postal_code: text_at(entry, 5),
                        country: text_at(entry, 6),
                    };
                    let mut kinds = types.clone();
                    if let Some(l) = label_of(entry) {
                        kinds.push(l);
                    }
                    if !addr.is_empty() {
                        addresses.push((kinds, addr));
                    }
                }
                VCardProperty::Bday => c.birthday = vcard_date(entry),
                VCardProperty::Anniversary => c.anniversary = vcard_date(entry),
                VCardProperty::Url => c.web_page = c.web_page.take().or(joined(entry, ",")),
                VCardProperty::Categories => c.categories.extend(
                    entry
                        .values
                        .iter()
                        .flat_map(value_texts)
                        .map(|s| s.trim().to_owned())
                        .filter(|s| !s.is_empty()),
                ),
                VCardProperty::Note => {
                    c.notes = joined_raw(entry, ",").map(|n| normalize_newlines(&n));
                }
                VCardProperty::Photo => match entry.values.first() {
                    Some(VCardValue::Binary(d)) if !d.data.is_empty() => {
                        c.picture = Some(d.data.clone())
                    }
                    // calcard hands base64 content that happens to be valid UTF-8 back as
                    // text; anything that is not a link is those bytes. Links (http: …) are
                    // not fetched: this crate does no I/O.
                    Some(VCardValue::Text(t)) if !t.is_empty() && !looks_like_uri(t) => {
                        c.picture = Some(t.as_bytes().to_vec())
                    }
                    _ => {}
                },
                VCardProperty::Related => {
                    let value = joined(entry, ",");
                    if types.iter().any(|t| t == "spouse") {
                        c.spouse = c.spouse.take().or(value);
                    } else if types.iter().any(|t| t == "child") {
                        c.children.extend(value);
                    }
                }
                VCardProperty::Other(name) => {
                    let name = name.to_ascii_uppercase();
                    let value = joined(entry, ",");
                    match name.as_str() {
                        "X-PHONETIC-FIRST-NAME" => c.yomi_first_name = value,
                        "X-PHONETIC-LAST-NAME" => c.yomi_last_name = value,
                        "X-PHONETIC-ORG" => c.yomi_company_name = value,
                        "X-MS-SPOUSE"
                        | "X-SPOUSE"
                        | "X-EVOLUTION-SPOUSE"
                        | "X-KADDRESSBOOK-X-SPOUSESNAME" => c.spouse = value,
                        "X-MS-MANAGER"
                        | "X-MANAGER"
                        | "X-EVOLUTION-MANAGER"
                        | "X-KADDRESSBOOK-X-MANAGERSNAME" => c.manager_name = value,
                        "X-MS-ASSISTANT"
                        | "X-ASSISTANT"
                        | "X-EVOLUTION-ASSISTANT"
                        | "X-KADDRESSBOOK-X-ASSISTANTSNAME" => c.assistant_name = value,
                        "X-EAS-FILE-AS" | "X-EVOLUTION-FILE-AS" => c.file_as = value,
                        "X-EAS-ALIAS" => c.alias = value,
                        "X-EAS-OFFICE-LOCATION" | "X-KADDRESSBOOK-X-OFFICE" => {
                            c.office_location = value
                        }
                        "X-EAS-CUSTOMER-ID" => c.customer_id = value,
                        "X-EAS-GOVERNMENT-ID" => c.government_id = value,
                        "X-EAS-ACCOUNT-NAME" => c.account_name = value,
                        "X-EAS-CHILD" => c.children.extend(value),
                        "X-EAS-WEIGHTED-RANK" => {
                            c.weighted_rank = value.and_then(|v| v.trim().parse().ok())
                        }
                        "X-ANNIVERSARY" | "X-MS-ANNIVERSARY" | "X-EVOLUTION-ANNIVERSARY" => {
                            c.anniversary = c.anniversary.or(value.as_deref().and_then(text_date))
                        }
                        "X-ABDATE" if label_of(entry).is_some_and(|l| l == "anniversary") => {
                            c.anniversary = c.anniversary.or(value.as_deref().and_then(text_date));
                        }
                        "X-ABRELATEDNAMES" => match label_of(entry).as_deref() {
                            Some("spouse" | "partner") => c.spouse = c.spouse.take().or(value),
                            Some("child") => c.children.extend(value),
                            Some("manager") => c.manager_name = c.manager_name.take().or(value),
                            Some("assistant") => {
                                c.assistant_name = c.assistant_name.take().or(value)
                            }
                            _ => {}
                        },
                        "X-MS-IMADDRESS" | "X-AIM" | "X-JABBER" | "X-ICQ" | "X-MSN" | "X-YAHOO"
                        | "X-SKYPE" | "X-GOOGLE-TALK" | "X-GADUGADU" | "X-QQ" => {
                            if let Some(v) = value {
                                ims.push((None, v));
                            }
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
        }

        fill_slots(&mut c.emails, emails);
        fill_slots(&mut c.im_addresses, ims);
        // Pinned numbers first, so positional ones fill the slots that are left.
        let (pinned, loose): (Vec<_>, Vec<_>) = phones.into_iter().partition(|p| p.0.is_some());
        for (kind, _, number) in pinned {
            if let Some(kind) = kind {
                let slot = c.phones.slot_mut(kind);
                if slot.is_none() {
                    *slot = Some(number);
                }
            }
        }
        for (_, candidates, number) in loose {
            if let Some(kind) = candidates.into_iter().find(|k| c.phones.get(*k).is_none()) {
                *c.phones.slot_mut(kind) = Some(number);
            }
        }
        for (kinds, addr) in addresses {
            let has = |t: &str| kinds.iter().any(|k| k == t);
            let order: [fn(&mut ContactItem) -> &mut PostalAddress; 3] = if has("work") {
                [
                    |c| &mut c.business_address,
                    |c| &mut c.other_address,
                    |c| &mut c.home_address,
                ]
            } else if has("home") {
                [
                    |c| &mut c.home_address,
                    |c| &mut c.other_address,
                    |c| &mut c.business_address,
                ]
            } else {
                [
                    |c| &mut c.other_address,
                    |c| &mut c.home_address,
                    |c| &mut c.business_address,
                ]
            };
            if let Some(slot) = order.into_iter().find(|f| f(&mut c).is_empty()) {
                *slot(&mut c) = addr;
            }
        }
        // A card with no N at all (some exporters) keeps its display name as FileAs.
        if !saw_n && c.file_as.is_none() {
            c.file_as = fn_value;
        }
        c.children.retain(|k| !k.is_empty());
        Ok(c)
    }

    // ---------------------------------------------------------------- wire

    /// The wire `Contact` for `version`. `zone` is the user's time zone: Birthday and
    /// Anniversary are written as local midnight there (see the module documentation).
    /// Alias and WeightedRank are left out before 14.0, which does not know them; a picture
    /// larger than [`MAX_PICTURE_BASE64`] once encoded is left out (the protocol forbids it;
    /// scaling it down is the caller's business).
    pub fn to_wire(&self, version: ProtocolVersion, zone: Tz) -> Contact {
        let s = |o: &Option<String>| o.as_deref().map(Into::into);
        let (body, body_v25) = body_to_wire(self.notes.as_deref(), version);
        let v14 = version >= ProtocolVersion::V14_0;
        let p = &self.phones;
        Contact {
            body,
            anniversary: self.anniversary.map(|d| wire_date(d, zone).into()),
            assistant_name: s(&self.assistant_name),
            assistant_phone_number: s(&p.assistant),
            birthday: self.birthday.map(|d| wire_date(d, zone).into()),
            body_v25,
            body_size: None,
            body_truncated: None,
            business2_phone_number: s(&p.business2),
            business_address_city: s(&self.business_address.city),
            business_phone_number: s(&p.business),
            web_page: s(&self.web_page),
            business_address_country: s(&self.business_address.country),
            department: s(&self.department),
            email1_address: s(&self.emails[0]),
            email2_address: s(&self.emails[1]),
            email3_address: s(&self.emails[2]),
            business_fax_number: s(&p.business_fax),
            file_as: s(&self.file_as),
            alias: if v14 { s(&self.alias) } else { None },
            weighted_rank: if v14 { self.weighted_rank } else { None },
            first_name: s(&self.first_name),
            middle_name: s(&self.middle_name),
            home_address_city: s(&self.home_address.city),
            home_address_country: s(&self.home_address.country),
            home_fax_number: s(&p.home_fax),
            home_phone_number: s(&p.home),
            home2_phone_number: s(&p.home2),
            home_address_postal_code: s(&self.home_address.postal_code),
            home_address_state: s(&self.home_address.state),
            home_address_street: s(&self.home_address.street),
            mobile_phone_number: s(&p.mobile),
            suffix: s(&self.suffix),
            company_name: s(&self.company_name),
            other_address_city: s(&self.other_address.city),
            other_address_country: s(&self.other_address.country),
            car_phone_number: s(&p.car),
            other_address_postal_code: s(&self.other_address.postal_code),
            other_address_state: s(&self.other_address.state),
            other_address_street: s(&self.other_address.street),
            pager_number: s(&p.pager),
            title: s(&self.title),
            business_address_postal_code: s(&self.business_address.postal_code),
            last_name: s(&self.last_name),
            spouse: s(&self.spouse),
            business_address_state: s(&self.business_address.state),
            business_address_street: s(&self.business_address.street),
            job_title: s(&self.job_title),
            yomi_first_name: s(&self.yomi_first_name),
            yomi_last_name: s(&self.yomi_last_name),
            yomi_company_name: s(&self.yomi_company_name),
            office_location: s(&self.office_location),
            radio_phone_number: s(&p.radio),
            picture: self
                .picture
                .as_ref()
                .map(|b| base64::engine::general_purpose::STANDARD.encode(b))
                .filter(|t| t.len() <= MAX_PICTURE_BASE64)
                .map(Binary::Text),
            categories: (!self.categories.is_empty()).then(|| ContactCategories {
                categories: self.categories.iter().map(|c| c.as_str().into()).collect(),
            }),
            children: (!self.children.is_empty()).then(|| Children {
                children: self.children.iter().map(|c| c.as_str().into()).collect(),
            }),
            native_body_type: None,
            customer_id: s(&self.customer_id),
            government_id: s(&self.government_id),
            im_address: s(&self.im_addresses[0]),
            im_address2: s(&self.im_addresses[1]),
            im_address3: s(&self.im_addresses[2]),
            manager_name: s(&self.manager_name),
            company_main_phone: s(&p.company_main),
            account_name: s(&self.account_name),
            nick_name: s(&self.nickname),
            mms: s(&p.mms),
        }
    }

    /// Read a wire `Contact`. `zone` is the user's time zone, used to read Birthday and
    /// Anniversary as dates (see the module documentation). Empty elements mean absent; an
    /// empty `Picture` (how clients delete the photo) gives no picture; a picture above
    /// [`MAX_PICTURE_BASE64`] is an error (the server answers status 6).
    pub fn from_wire(w: &Contact, zone: Tz) -> Result<Self, ModelError> {
        let s = |o: &Option<eas_codec::CompactString>| non_empty(o.as_deref());
        let picture = match &w.picture {
            None => None,
            Some(Binary::Text(t)) if t.trim().len() > MAX_PICTURE_BASE64 => {
                return Err(ModelError::InvalidField {
                    field: "Picture",
                    reason: format!(
                        "{} bytes of base64, above the 48 KB MS-ASCNTC allows",
                        t.trim().len()
                    ),
                });
            }
            Some(Binary::Opaque(b)) if b.len() > MAX_PICTURE_BASE64 / 4 * 3 => {
                return Err(ModelError::InvalidField {
                    field: "Picture",
                    reason: format!("{} bytes, above the 48 KB MS-ASCNTC allows", b.len()),
                });
            }
            Some(b) => {
                let bytes = b.to_bytes().map_err(|e| ModelError::InvalidField {
                    field: "Picture",
                    reason: format!("not base64: {e}"),
                })?;
                (!bytes.is_empty()).then(|| bytes.into_owned())
            }
        };
        Ok(ContactItem {
            first_name: s(&w.first_name),
            middle_name: s(&w.middle_name),
            last_name: s(&w.last_name),
            title: s(&w.title),
            suffix: s(&w.suffix),
            nickname: s(&w.nick_name),
            yomi_first_name: s(&w.yomi_first_name),
            yomi_last_name: s(&w.yomi_last_name),
            yomi_company_name: s(&w.yomi_company_name),
            file_as: s(&w.file_as),
            alias: s(&w.alias),
            weighted_rank: w.weighted_rank,
            company_name: s(&w.company_name),
            department: s(&w.department),
            job_title: s(&w.job_title),
            office_location: s(&w.office_location),
            emails: [
                s(&w.email1_address),
                s(&w.email2_address),
                s(&w.email3_address),
            ],
            phones: Phones {
                business: s(&w.business_phone_number),
                business2: s(&w.business2_phone_number),
                home: s(&w.home_phone_number),
                home2: s(&w.home2_phone_number),
                mobile: s(&w.mobile_phone_number),
                car: s(&w.car_phone_number),
                pager: s(&w.pager_number),
                radio: s(&w.radio_phone_number),
                business_fax: s(&w.business_fax_number),
                home_fax: s(&w.home_fax_number),
                assistant: s(&w.assistant_phone_number),
                company_main: s(&w.company_main_phone),
                mms: s(&w.mms),
            },
            business_address: PostalAddress {
                street: s(&w.business_address_street),
                city: s(&w.business_address_city),
                state: s(&w.business_address_state),
                postal_code: s(&w.business_address_postal_code),
                country: s(&w.business_address_country),
            },
            home_address: PostalAddress {
                street: s(&w.home_address_street),
                city: s(&w.home_address_city),
                state: s(&w.home_address_state),
                postal_code: s(&w.home_address_postal_code),
                country: s(&w.home_address_country),
            },
            other_address: PostalAddress {
                street: s(&w.other_address_street),
                city: s(&w.other_address_city),
                state: s(&w.other_address_state),
                postal_code: s(&w.other_address_postal_code),
                country: s(&w.other_address_country),
            },
            birthday: read_wire_date(w.birthday.as_deref(), "Birthday", zone)?,
            anniversary: read_wire_date(w.anniversary.as_deref(), "Anniversary", zone)?,
            web_page: s(&w.web_page),
            im_addresses: [s(&w.im_address), s(&w.im_address2), s(&w.im_address3)],
            spouse: s(&w.spouse),
            children: categories_from(
                w.children
                    .as_ref()
                    .map(|c| c.children.as_slice())
                    .unwrap_or_default(),
            ),
            assistant_name: s(&w.assistant_name),
            manager_name: s(&w.manager_name),
            customer_id: s(&w.customer_id),
            government_id: s(&w.government_id),
            account_name: s(&w.account_name),
            categories: categories_from(
                w.categories
                    .as_ref()
                    .map(|c| c.categories.as_slice())
                    .unwrap_or_default(),
            ),
            notes: body_from_wire(w.body.as_ref(), w.body_v25.as_deref())?,
            picture,
        })
    }
}

/// The date a wire Birthday/Anniversary means (see the module documentation).
pub fn date_from_wire_instant(t: DateTime<Utc>, zone: Tz) -> NaiveDate {
    let local = t.with_timezone(&zone);
    if local.time() == NaiveTime::MIN {
        return local.date_naive();
    }
    (t + Duration::hours(14) - Duration::milliseconds(1)).date_naive()
}

/// The instant a date is written as on the wire: local midnight in `zone`, or the first
/// valid local time after it when a DST change skips midnight.
pub fn date_to_wire_instant(d: NaiveDate, zone: Tz) -> DateTime<Utc> {
    let mut local = d.and_time(NaiveTime::MIN);
    for _ in 0..4 {
        if let Some(t) = zone.from_local_datetime(&local).earliest() {
            return t.with_timezone(&Utc);
        }
        local += Duration::minutes(30);
    }
    // No zone skips two hours; fall back to the date at UTC midnight.
    d.and_time(NaiveTime::MIN).and_utc()
}

fn wire_date(d: NaiveDate, zone: Tz) -> String {
    datetime::format_extended(date_to_wire_instant(d, zone))
}

fn read_wire_date(
    s: Option<&str>,
    field: &'static str,
    zone: Tz,
) -> Result<Option<NaiveDate>, ModelError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => Ok(Some(date_from_wire_instant(
            datetime::parse(s, field)?,
            zone,
        ))),
    }
}

fn field_param(element: &str) -> VCardParameter {
    VCardParameter::new(
        VCardParameterName::Other(FIELD_PARAM.into()),
        VCardParameterValue::Text(element.to_owned()),
    )
}

fn pinned_field(entry: &VCardEntry) -> Option<String> {
    entry.params.iter().find_map(|p| match (&p.name, &p.value) {
        (VCardParameterName::Other(n), VCardParameterValue::Text(v))
            if n.eq_ignore_ascii_case(FIELD_PARAM) =>
        {
            Some(v.clone())
        }
        _ => None,
    })
}

/// The entry's `TYPE`s, lower-case, including vCard 2.1 bare parameters (`TEL;CAR:`).
fn entry_types(entry: &VCardEntry) -> Vec<String> {
    let mut out = Vec::new();
    for p in &entry.params {
        match (&p.name, &p.value) {
            (VCardParameterName::Type, VCardParameterValue::Type(t)) => {
                out.push(t.as_str().to_ascii_lowercase())
            }
            (VCardParameterName::Type, VCardParameterValue::Text(t)) => out.extend(
                t.split(',')
                    .map(|s| s.trim().to_ascii_lowercase())
                    .filter(|s| !s.is_empty()),
            ),
            (VCardParameterName::Other(n), VCardParameterValue::Null) => {
                out.push(n.to_ascii_lowercase())
            }
            _ => {}
        }
    }
    out
}

/// Apple's `itemN.X-ABLabel` labels: group name → label, lower-case, `_$!<…>!$_` removed.
fn apple_labels(card: &VCard) -> Vec<(String, String)> {
    card.entries
        .iter()
        .filter(
            |e| matches!(&e.name, VCardProperty::Other(n) if n.eq_ignore_ascii_case("X-ABLABEL")),
        )
        .filter_map(|e| {
            let group = e.group.clone()?;
            let label = text_at(e, 0)?;
            let label = label
                .trim_start_matches("_$!<")
                .trim_end_matches(">!$_")
                .to_ascii_lowercase();
            Some((group, label))
        })
        .collect()
}

/// The slots a number may go to, in order of preference.
fn classify_phone(types: &[String], label: Option<String>) -> Vec<PhoneKind> {
    use PhoneKind as K;
    let has = |t: &str| types.iter().any(|x| x == t);
    if let Some(label) = label {
        let by_label: Option<Vec<PhoneKind>> = match label.as_str() {
            "assistant" => Some(vec![K::Assistant]),
            "radio" => Some(vec![K::Radio]),
            "car" => Some(vec![K::Car]),
            "mms" => Some(vec![K::Mms]),
            "main" | "company main" | "company" => Some(vec![K::CompanyMain]),
            "pager" => Some(vec![K::Pager]),
            "mobile" | "iphone" | "cell" => Some(vec![K::Mobile]),
            "home fax" | "homefax" => Some(vec![K::HomeFax]),
            "work fax" | "workfax" | "business fax" => Some(vec![K::BusinessFax]),
            _ => None,
        };
        if let Some(k) = by_label {
            return k;
        }
    }
    if has("fax") {
        return if has("home") {
            vec![K::HomeFax]
        } else {
            vec![K::BusinessFax]
        };
    }
    if has("pager") {
        return vec![K::Pager];
    }
    if has("car") {
        return vec![K::Car];
    }
    if has("x-radio") || has("radio") {
        return vec![K::Radio];
    }
    if has("x-assistant") || has("x-evolution-assistant") || has("assistant") {
        return vec![K::Assistant];
    }
    if has("main-number") || has("main") || has("x-evolution-company") || has("company") {
        return vec![K::CompanyMain];
    }
    if has("msg") || has("mms") || has("x-mms") {
        return vec![K::Mms];
    }
    if has("cell") || has("iphone") || has("mobile") {
        return vec![K::Mobile];
    }
    if has("home") {
        return vec![K::Home, K::Home2];
    }
    if has("work") {
        return vec![K::Business, K::Business2];
    }
    // An untyped number (or `voice`, `other`): most such numbers today are mobile ones.
    vec![K::Mobile, K::Home, K::Business, K::Home2, K::Business2]
}

/// Put pinned values in their slot, then the others in the first free slots, in order.
fn fill_slots(slots: &mut [Option<String>; 3], values: Vec<(Option<usize>, String)>) {
    let (pinned, loose): (Vec<_>, Vec<_>) = values.into_iter().partition(|v| v.0.is_some());
    for (i, v) in pinned {
        if let Some(slot) = i.and_then(|i| slots.get_mut(i))
            && slot.is_none()
        {
            *slot = Some(v);
        }
    }
    for (_, v) in loose {
        if let Some(slot) = slots.iter_mut().find(|s| s.is_none()) {
            *slot = Some(v);
        }
    }
}

/// The texts of a value (a structured value's parts).
fn value_texts(v: &VCardValue) -> Vec<String> {
    match v {
        VCardValue::Text(t) => vec![t.clone()],
        VCardValue::Component(parts) => parts.clone(),
        VCardValue::Integer(i) => vec![i.to_string()],
        VCardValue::Float(f) => vec![f.to_string()],
        VCardValue::Boolean(b) => vec![b.to_string()],
        _ => Vec::new(),
    }
}

/// The `i`th value as text (parts of a list joined with `,`), trimmed, `None` if empty.
fn text_at(entry: &VCardEntry, i: usize) -> Option<String> {
    let v = entry.values.get(i)?;
    non_empty(Some(value_texts(v).join(",").trim()))
}

/// All values joined, untrimmed.
fn joined_raw(entry: &VCardEntry, sep: &str) -> Option<String> {
    let all: Vec<String> = entry.values.iter().flat_map(value_texts).collect();
    non_empty(Some(all.join(sep).as_str()))
}

/// All values joined, trimmed.
fn joined(entry: &VCardEntry, sep: &str) -> Option<String> {
    non_empty(joined_raw(entry, sep).as_deref().map(str::trim))
}

fn date_entry(name: VCardProperty, d: NaiveDate, v4: bool) -> VCardEntry {
    use chrono::Datelike;
    let no_year = d.year() == NO_YEAR;
    let p = PartialDateTime {
        year: if no_year && v4 {
            None
        } else {
            u16::try_from(d.year()).ok()
        },
        month: u8::try_from(d.month()).ok(),
        day: u8::try_from(d.day()).ok(),
        ..Default::default()
    };
    let mut entry = VCardEntry::new(name).with_value(VCardValue::PartialDateTime(p));
    if no_year && !v4 {
        entry.add_param(VCardParameter::new(
            VCardParameterName::Other("X-APPLE-OMIT-YEAR".into()),
            VCardParameterValue::Text(NO_YEAR.to_string()),
        ));
    }
    entry
}

/// A vCard date value as a date. Year-less dates get [`NO_YEAR`]; a date-time with a zone is
/// read like a wire date (UTC zone rule); text values are tried as `YYYY-MM-DD` / `YYYYMMDD`.
fn vcard_date(entry: &VCardEntry) -> Option<NaiveDate> {
    match entry.values.first()? {
        VCardValue::PartialDateTime(p) => {
            let month = u32::from(p.month?);
            let day = u32::from(p.day?);
            let year = p.year.map_or(NO_YEAR, i32::from);
            let date = NaiveDate::from_ymd_opt(year, month, day)?;
            if p.hour.is_some() && p.tz_hour.is_some() {
                let r = p.to_date_time()?;
                let offset = r.offset?;
                let t = r.date_time.and_local_timezone(offset).single()?;
                return Some(date_from_wire_instant(t.with_timezone(&Utc), Tz::UTC));
            }
            Some(date)
        }
        VCardValue::Text(t) => text_date(t),
        _ => None,
    }
}

fn text_date(t: &str) -> Option<NaiveDate> {
    let t = t.trim();
    if let Ok(instant) = datetime::parse(t, "BDAY") {
        return Some(date_from_wire_instant(instant, Tz::UTC));
    }
    let head = t.get(..10).unwrap_or(t);
    NaiveDate::parse_from_str(head, "%Y-%m-%d")
        .ok()
        .or_else(|| NaiveDate::parse_from_str(t.get(..8).unwrap_or(t), "%Y%m%d").ok())
        .or_else(|| {
            let md = t.strip_prefix("--")?;
            let md = md.replace('-', "");
            let month = md.get(..2)?.parse().ok()?;
            let day = md.get(2..4)?.parse().ok()?;
            NaiveDate::from_ymd_opt(NO_YEAR, month, day)
        })
}

/// Whether `t` starts with a URI scheme (`http:`, `data:`, `cid:` …).
fn looks_like_uri(t: &str) -> bool {
    let Some((scheme, _)) = t.split_once(':') else {
        return false;
    };
    scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// The media type of a picture, from its first bytes.
fn image_type(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(&[0x89, b'P', b'N', b'G']) {
        "image/png"
    } else if bytes.starts_with(b"GIF8") {
        "image/gif"
    } else {
        "image/jpeg"
    }
}
