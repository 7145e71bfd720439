//! The Contacts class (MS-ASCNTC): code pages 1 (Contacts) and 12 (Contacts2), with the
//! AirSyncBase body.
//!
//! Field order is Exchange's: the Exchange captures (MS-ASCMD examples) write Body, then
//! Department, Email1Address, FileAs, FirstName, CompanyName, LastName, JobTitle,
//! OfficeLocation, then NativeBodyType, which is the order of the MS-ASCNTC schema (section
//! 6.1); elements no capture shows follow that schema, the Contacts2 elements last.

use super::airsyncbase::Body;
use crate::CompactString;
use crate::codec::Binary;
use crate::wire_struct;

wire_struct! {
    /// A Contacts-class item: a contact. Dates are kept as the wire writes them.
    pub struct Contact {
        /// The notes on the contact (12.0+).
        pub body: opt Body = AirSyncBase::Body,
        /// Wedding anniversary (`1990-06-15T00:00:00.000Z`).
        pub anniversary: opt CompactString = Contacts::Anniversary,
        /// The assistant's name.
        pub assistant_name: opt CompactString = Contacts::AssistantName,
        /// The assistant's phone number.
        pub assistant_phone_number: opt CompactString = Contacts::AssistantPhoneNumber,
        /// Birthday (`1970-03-20T00:00:00.000Z`).
        pub birthday: opt CompactString = Contacts::Birthday,
        /// The notes as plain text (2.5).
        pub body_v25: opt CompactString = Contacts::Body,
        /// Size of the whole notes in characters (2.5).
        pub body_size: opt u32 = Contacts::BodySize,
        /// Whether `body_v25` was truncated (0 or 1; 2.5).
        pub body_truncated: opt u8 = Contacts::BodyTruncated,
        /// Second business phone number.
        pub business2_phone_number: opt CompactString = Contacts::Business2PhoneNumber,
        /// Business address: city.
        pub business_address_city: opt CompactString = Contacts::BusinessAddressCity,
        /// Business phone number.
        pub business_phone_number: opt CompactString = Contacts::BusinessPhoneNumber,
        /// Web site.
        pub web_page: opt CompactString = Contacts::WebPage,
        /// Business address: country or region.
        pub business_address_country: opt CompactString = Contacts::BusinessAddressCountry,
        /// Department.
        pub department: opt CompactString = Contacts::Department,
        /// First email address (an RFC 5322 address, possibly with a display name).
        pub email1_address: opt CompactString = Contacts::Email1Address,
        /// Second email address.
        pub email2_address: opt CompactString = Contacts::Email2Address,
        /// Third email address.
        pub email3_address: opt CompactString = Contacts::Email3Address,
        /// Business fax number.
        pub business_fax_number: opt CompactString = Contacts::BusinessFaxNumber,
        /// How the contact is filed (`Doe, John`).
        pub file_as: opt CompactString = Contacts::FileAs,
        /// The contact's alias, in a Search of the contacts folder (14.0+).
        pub alias: opt CompactString = Contacts::Alias,
        /// How often the user writes to the contact, for recipient ranking (14.0+).
        pub weighted_rank: opt i32 = Contacts::WeightedRank,
        /// Given name.
        pub first_name: opt CompactString = Contacts::FirstName,
        /// Middle name.
        pub middle_name: opt CompactString = Contacts::MiddleName,
        /// Home address: city.
        pub home_address_city: opt CompactString = Contacts::HomeAddressCity,
        /// Home address: country or region.
        pub home_address_country: opt CompactString = Contacts::HomeAddressCountry,
        /// Home fax number.
        pub home_fax_number: opt CompactString = Contacts::HomeFaxNumber,
        /// Home phone number.
        pub home_phone_number: opt CompactString = Contacts::HomePhoneNumber,
        /// Second home phone number.
        pub home2_phone_number: opt CompactString = Contacts::Home2PhoneNumber,
        /// Home address: postal code.
        pub home_address_postal_code: opt CompactString = Contacts::HomeAddressPostalCode,
        /// Home address: state or province.
        pub home_address_state: opt CompactString = Contacts::HomeAddressState,
        /// Home address: street.
        pub home_address_street: opt CompactString = Contacts::HomeAddressStreet,
        /// Mobile phone number.
        pub mobile_phone_number: opt CompactString = Contacts::MobilePhoneNumber,
        /// Name suffix (`Jr.`).
        pub suffix: opt CompactString = Contacts::Suffix,
        /// Company.
        pub company_name: opt CompactString = Contacts::CompanyName,
        /// Other address: city.
        pub other_address_city: opt CompactString = Contacts::OtherAddressCity,
        /// Other address: country or region.
        pub other_address_country: opt CompactString = Contacts::OtherAddressCountry,
        /// Car phone number.
        pub car_phone_number: opt CompactString = Contacts::CarPhoneNumber,
        /// Other address: postal code.
        pub other_address_postal_code: opt CompactString = Contacts::OtherAddressPostalCode,
        /// Other address: state or province.
        pub other_address_state: opt CompactString = Contacts::OtherAddressState,
        /// Other address: street.
        pub other_address_street: opt CompactString = Contacts::OtherAddressStreet,
        /// Pager number.
        pub pager_number: opt CompactString = Contacts::PagerNumber,
        /// Title before the name (`Dr.`).
        pub title: opt CompactString = Contacts::Title,
        /// Business address: postal code.
        pub business_address_postal_code: opt CompactString = Contacts::BusinessAddressPostalCode,
        /// Family name.
        pub last_name: opt CompactString = Contacts::LastName,
        /// Spouse's name.
        pub spouse: opt CompactString = Contacts::Spouse,
        /// Business address: state or province.
        pub business_address_state: opt CompactString = Contacts::BusinessAddressState,
        /// Business address: street.
        pub business_address_street: opt CompactString = Contacts::BusinessAddressStreet,
        /// Job title.
        pub job_title: opt CompactString = Contacts::JobTitle,
        /// Phonetic (Japanese) given name.
        pub yomi_first_name: opt CompactString = Contacts::YomiFirstName,
        /// Phonetic (Japanese) family name.
        pub yomi_last_name: opt CompactString = Contacts::YomiLastName,
        /// Phonetic (Japanese) company name.
        pub yomi_company_name: opt CompactString = Contacts::YomiCompanyName,
        /// Office location.
        pub office_location: opt CompactString = Contacts::OfficeLocation,
        /// Radio phone number.
        pub radio_phone_number: opt CompactString = Contacts::RadioPhoneNumber,
        /// Photo, base64-encoded (at most 48 KB decoded).
        pub picture: opt Binary = Contacts::Picture,
        /// Categories.
        pub categories: opt ContactCategories = Contacts::Categories,
        /// Names of the contact's children.
        pub children: opt Children = Contacts::Children,
        /// The format the notes are stored in on the server: 1 text, 2 HTML, 3 RTF (12.0+).
        pub native_body_type: opt u8 = AirSyncBase::NativeBodyType,
        /// Customer id.
        pub customer_id: opt CompactString = Contacts2::CustomerId,
        /// Government-issued id.
        pub government_id: opt CompactString = Contacts2::GovernmentId,
        /// Instant-messaging address.
        pub im_address: opt CompactString = Contacts2::IMAddress,
        /// Second instant-messaging address.
        pub im_address2: opt CompactString = Contacts2::IMAddress2,
        /// Third instant-messaging address.
        pub im_address3: opt CompactString = Contacts2::IMAddress3,
        /// The contact's manager.
        pub manager_name: opt CompactString = Contacts2::ManagerName,
        /// The company's main phone number.
        pub company_main_phone: opt CompactString = Contacts2::CompanyMainPhone,
        /// Account name or number.
        pub account_name: opt CompactString = Contacts2::AccountName,
        /// Nickname.
        pub nick_name: opt CompactString = Contacts2::NickName,
        /// Phone number for multimedia messages.
        pub mms: opt CompactString = Contacts2::MMS,
    }
}

wire_struct! {
    /// `Categories` (Contacts): the categories of a contact.
    pub struct ContactCategories {
        /// The category names.
        pub categories: many CompactString = Contacts::Category,
    }
}

wire_struct! {
    /// `Children`: the names of a contact's children.
    pub struct Children {
        /// The names.
        pub children: many CompactString = Contacts::Child,
    }
}
