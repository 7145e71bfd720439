//! MS-ASWBXML code pages 0–25: the one table that drives both tag lookup directions.
//! Transcribed from [MS-ASWBXML] section 2.1.2.1 (revision v20190319, protocol revision 22.2;
//! sources below).
//!
//! Revision used: [MS-ASWBXML] v20190319 (protocol revision 22.2, 3/19/2019). Its per-row
//! statements (tag name, token, supported protocol versions) were read from Microsoft's
//! requirement specification for that revision (`MS-ASWBXML_RequirementSpecification.xlsx`,
//! OfficeDev/Interop-TestSuites, ExchangeActiveSync/Docs/MS-ASWBXML). That file leaves out the
//! rows that are 2.5-only (Body/BodySize/BodyTruncated, Attachment..., MIMEData..., Truncation,
//! ...): those rows come from the full text of [MS-ASWBXML] v20150630 (whose version lists end
//! at 16.0) and are assumed unchanged since. Code pages 10, 12 and 25 were also checked against
//! the current learn.microsoft.com pages (sections 2.1.2.1.11, 2.1.2.1.13, 2.1.2.1.26).
//!
//! Rows marked "All" in the spec use [`Versions::ALL`]. `PageSpec::versions` is not a column of
//! the spec: it is the union of the versions of the page's tags (page 3 has no tags; see its
//! entry). No row of these revisions is marked "not used", so no entry carries `// not used`;
//! tokens without a name in the spec are absent.

/// Set of EAS protocol versions, one bit each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Versions(pub u8);

impl Versions {
    /// 2.5
    pub const V2_5: Versions = Versions(1 << 0);
    /// 12.0
    pub const V12_0: Versions = Versions(1 << 1);
    /// 12.1
    pub const V12_1: Versions = Versions(1 << 2);
    /// 14.0
    pub const V14_0: Versions = Versions(1 << 3);
    /// 14.1
    pub const V14_1: Versions = Versions(1 << 4);
    /// 16.0
    pub const V16_0: Versions = Versions(1 << 5);
    /// 16.1
    pub const V16_1: Versions = Versions(1 << 6);
    /// Every version.
    pub const ALL: Versions = Versions(0x7F);
    /// 12.0 and later.
    pub const FROM_12_0: Versions = Versions(0x7E);
    /// 12.1 and later.
    pub const FROM_12_1: Versions = Versions(0x7C);
    /// 14.0 and later.
    pub const FROM_14_0: Versions = Versions(0x78);
    /// 14.1 and later.
    pub const FROM_14_1: Versions = Versions(0x70);
    /// 16.0 and later.
    pub const FROM_16_0: Versions = Versions(0x60);
    /// 16.1 only.
    pub const FROM_16_1: Versions = Versions(0x40);
    /// Union of two sets.
    pub const fn or(self, other: Versions) -> Versions {
        Versions(self.0 | other.0)
    }
    /// Whether `self` contains every version of `other`.
    pub const fn contains(self, other: Versions) -> bool {
        self.0 & other.0 == other.0
    }
}

/// One tag of a code page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TagSpec {
    /// Token, 0x05..=0x3F.
    pub token: u8,
    /// Microsoft's tag name.
    pub name: &'static str,
    /// Protocol versions in which the tag exists.
    pub versions: Versions,
}

/// One code page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageSpec {
    /// Page index (SWITCH_PAGE value).
    pub index: u8,
    /// Microsoft's namespace name, e.g. "AirSync", "AirSyncBase", "Email2".
    pub namespace: &'static str,
    /// Versions in which the page exists (e.g. AirNotify: 2.5 only; Find: 16.1... check the spec).
    pub versions: Versions,
    /// Tags in token order.
    pub tags: &'static [TagSpec],
}

/// Builds one table entry.
const fn t(token: u8, name: &'static str, versions: Versions) -> TagSpec {
    TagSpec {
        token,
        name,
        versions,
    }
}

// Short names for the version sets used by the table ("Protocol versions" column).
/// "All".
const ALL: Versions = Versions::ALL;
/// "2.5".
const V2_5: Versions = Versions::V2_5;
/// "2.5, 12.0, 12.1".
const UNTIL_12_1: Versions = Versions::V2_5.or(Versions::V12_0).or(Versions::V12_1);
/// "2.5, 12.0, 12.1, 14.0, 14.1".
const UNTIL_14_1: Versions = UNTIL_12_1.or(Versions::V14_0).or(Versions::V14_1);
/// "12.0, 12.1, 14.0, 14.1, 16.0, 16.1".
const FROM_12_0: Versions = Versions::FROM_12_0;
/// "12.1, 14.0, 14.1, 16.0, 16.1".
const FROM_12_1: Versions = Versions::FROM_12_1;
/// "14.0, 14.1, 16.0, 16.1".
const FROM_14_0: Versions = Versions::FROM_14_0;
/// "14.1, 16.0, 16.1".
const FROM_14_1: Versions = Versions::FROM_14_1;
/// "16.0, 16.1".
const FROM_16_0: Versions = Versions::FROM_16_0;
/// "16.1".
const FROM_16_1: Versions = Versions::FROM_16_1;

/// All code pages, index order, 0..=25.
pub const PAGES: &[PageSpec] = &[
    // Code Page 0: AirSync ([MS-ASWBXML] section 2.1.2.1.1)
    // Tokens 0x11, 0x1A and 0x1F have no name in the spec, so they are absent (libwbxml/Horde name
    //   them Version, RTFTruncation/RtfTruncation, NotifyGUID).
    PageSpec {
        index: 0,
        namespace: "AirSync",
        versions: ALL,
        tags: &[
            t(0x05, "Sync", ALL),
            t(0x06, "Responses", ALL),
            t(0x07, "Add", ALL),
            t(0x08, "Change", ALL),
            t(0x09, "Delete", ALL),
            t(0x0A, "Fetch", ALL),
            t(0x0B, "SyncKey", ALL),
            t(0x0C, "ClientId", ALL),
            t(0x0D, "ServerId", ALL),
            t(0x0E, "Status", ALL),
            t(0x0F, "Collection", ALL),
            t(0x10, "Class", ALL),
            t(0x12, "CollectionId", ALL),
            t(0x13, "GetChanges", ALL),
            t(0x14, "MoreAvailable", ALL),
            t(0x15, "WindowSize", ALL),
            t(0x16, "Commands", ALL),
            t(0x17, "Options", ALL),
            t(0x18, "FilterType", ALL),
            t(0x19, "Truncation", V2_5),
            t(0x1B, "Conflict", ALL),
            t(0x1C, "Collections", ALL),
            t(0x1D, "ApplicationData", ALL),
            t(0x1E, "DeletesAsMoves", ALL),
            t(0x20, "Supported", ALL),
            t(0x21, "SoftDelete", ALL),
            t(0x22, "MIMESupport", ALL),
            t(0x23, "MIMETruncation", ALL),
            t(0x24, "Wait", FROM_12_1),
            t(0x25, "Limit", FROM_12_1),
            t(0x26, "Partial", FROM_12_1),
            t(0x27, "ConversationMode", FROM_14_0),
            t(0x28, "MaxItems", FROM_14_0),
            t(0x29, "HeartbeatInterval", FROM_14_0),
        ],
    },
    // Code Page 1: Contacts ([MS-ASWBXML] section 2.1.2.1.2)
    PageSpec {
        index: 1,
        namespace: "Contacts",
        versions: ALL,
        tags: &[
            t(0x05, "Anniversary", ALL),
            t(0x06, "AssistantName", ALL),
            t(0x07, "AssistantPhoneNumber", ALL),
            t(0x08, "Birthday", ALL),
            // see note 1: AirSyncBase (page 17) Body replaces this tag from 12.0 on
            t(0x09, "Body", V2_5),
            t(0x0A, "BodySize", V2_5),
            t(0x0B, "BodyTruncated", V2_5),
            t(0x0C, "Business2PhoneNumber", ALL),
            t(0x0D, "BusinessAddressCity", ALL),
            t(0x0E, "BusinessAddressCountry", ALL),
            t(0x0F, "BusinessAddressPostalCode", ALL),
            t(0x10, "BusinessAddressState", ALL),
            t(0x11, "BusinessAddressStreet", ALL),
            t(0x12, "BusinessFaxNumber", ALL),
            t(0x13, "BusinessPhoneNumber", ALL),
            t(0x14, "CarPhoneNumber", ALL),
            t(0x15, "Categories", ALL),
            t(0x16, "Category", ALL),
            t(0x17, "Children", ALL),
            t(0x18, "Child", ALL),
            t(0x19, "CompanyName", ALL),
            t(0x1A, "Department", ALL),
            t(0x1B, "Email1Address", ALL),
            t(0x1C, "Email2Address", ALL),
            t(0x1D, "Email3Address", ALL),
            t(0x1E, "FileAs", ALL),
            t(0x1F, "FirstName", ALL),
            t(0x20, "Home2PhoneNumber", ALL),
            t(0x21, "HomeAddressCity", ALL),
            t(0x22, "HomeAddressCountry", ALL),
            t(0x23, "HomeAddressPostalCode", ALL),
            t(0x24, "HomeAddressState", ALL),
            t(0x25, "HomeAddressStreet", ALL),
            t(0x26, "HomeFaxNumber", ALL),
            t(0x27, "HomePhoneNumber", ALL),
            t(0x28, "JobTitle", ALL),
            t(0x29, "LastName", ALL),
            t(0x2A, "MiddleName", ALL),
            t(0x2B, "MobilePhoneNumber", ALL),
            t(0x2C, "OfficeLocation", ALL),
            t(0x2D, "OtherAddressCity", ALL),
            t(0x2E, "OtherAddressCountry", ALL),
            t(0x2F, "OtherAddressPostalCode", ALL),
            t(0x30, "OtherAddressState", ALL),
            t(0x31, "OtherAddressStreet", ALL),
            t(0x32, "PagerNumber", ALL),
            t(0x33, "RadioPhoneNumber", ALL),
            t(0x34, "Spouse", ALL),
            t(0x35, "Suffix", ALL),
            t(0x36, "Title", ALL),
            t(0x37, "WebPage", ALL),
            t(0x38, "YomiCompanyName", ALL),
            t(0x39, "YomiFirstName", ALL),
            t(0x3A, "YomiLastName", ALL),
            t(0x3C, "Picture", ALL),
            t(0x3D, "Alias", FROM_14_0),
            t(0x3E, "WeightedRank", FROM_14_0),
        ],
    },
    // Code Page 2: Email ([MS-ASWBXML] section 2.1.2.1.3)
    PageSpec {
        index: 2,
        namespace: "Email",
        versions: ALL,
        tags: &[
            t(0x05, "Attachment", V2_5),
            // see note 1: AirSyncBase (page 17) Attachments replaces this tag from 12.0 on
            t(0x06, "Attachments", V2_5),
            t(0x07, "AttName", V2_5),
            t(0x08, "AttSize", V2_5),
            // sic: "Att0id" (digit zero, lower-case d) as printed in the spec
            t(0x09, "Att0id", V2_5),
            t(0x0A, "AttMethod", V2_5),
            // see note 2: AirSyncBase (page 17) Body replaces this tag from 12.0 on
            t(0x0C, "Body", V2_5),
            t(0x0D, "BodySize", V2_5),
            t(0x0E, "BodyTruncated", V2_5),
            t(0x0F, "DateReceived", ALL),
            t(0x10, "DisplayName", V2_5),
            t(0x11, "DisplayTo", ALL),
            t(0x12, "Importance", ALL),
            t(0x13, "MessageClass", ALL),
            t(0x14, "Subject", ALL),
            t(0x15, "Read", ALL),
            t(0x16, "To", ALL),
            t(0x17, "Cc", ALL),
            t(0x18, "From", ALL),
            t(0x19, "ReplyTo", ALL),
            t(0x1A, "AllDayEvent", ALL),
            t(0x1B, "Categories", FROM_14_0),
            t(0x1C, "Category", FROM_14_0),
            t(0x1D, "DtStamp", ALL),
            t(0x1E, "EndTime", ALL),
            t(0x1F, "InstanceType", ALL),
            t(0x20, "BusyStatus", ALL),
            // see note 3: AirSyncBase (page 17) Location replaces this tag in 16.0 and 16.1
            t(0x21, "Location", UNTIL_14_1),
            t(0x22, "MeetingRequest", ALL),
            t(0x23, "Organizer", ALL),
            t(0x24, "RecurrenceId", ALL),
            t(0x25, "Reminder", ALL),
            t(0x26, "ResponseRequested", ALL),
            t(0x27, "Recurrences", ALL),
            t(0x28, "Recurrence", ALL),
            t(0x29, "Type", ALL),
            t(0x2A, "Until", ALL),
            t(0x2B, "Occurrences", ALL),
            t(0x2C, "Interval", ALL),
            t(0x2D, "DayOfWeek", ALL),
            t(0x2E, "DayOfMonth", ALL),
            t(0x2F, "WeekOfMonth", ALL),
            t(0x30, "MonthOfYear", ALL),
            t(0x31, "StartTime", ALL),
            t(0x32, "Sensitivity", ALL),
            t(0x33, "TimeZone", ALL),
            // see note 4: Calendar (page 4) UID replaces this tag in 16.0 and 16.1
            t(0x34, "GlobalObjId", UNTIL_14_1),
            t(0x35, "ThreadTopic", ALL),
            t(0x36, "MIMEData", V2_5),
            t(0x37, "MIMETruncated", V2_5),
            t(0x38, "MIMESize", V2_5),
            t(0x39, "InternetCPID", ALL),
            t(0x3A, "Flag", FROM_12_0),
            t(0x3B, "Status", FROM_12_0),
            t(0x3C, "ContentClass", FROM_12_0),
            t(0x3D, "FlagType", FROM_12_0),
            t(0x3E, "CompleteTime", FROM_12_0),
            t(0x3F, "DisallowNewTimeProposal", FROM_14_0),
        ],
    },
    // Code Page 3: AirNotify ([MS-ASWBXML] section 2.1.2.1.4)
    // The spec says only "WBXML code page 3 is no longer in use" and lists no tags.
    PageSpec {
        index: 3,
        namespace: "AirNotify",
        // check: the spec gives no protocol versions for this page; 2.5 only is the
        // brief's expectation (AirNotify predates 12.0), not a statement of the spec.
        versions: V2_5,
        tags: &[],
    },
    // Code Page 4: Calendar ([MS-ASWBXML] section 2.1.2.1.5)
    PageSpec {
        index: 4,
        namespace: "Calendar",
        versions: ALL,
        tags: &[
            t(0x05, "Timezone", ALL),
            t(0x06, "AllDayEvent", ALL),
            t(0x07, "Attendees", ALL),
            t(0x08, "Attendee", ALL),
            t(0x09, "Email", ALL),
            t(0x0A, "Name", ALL),
            // see note 1: AirSyncBase (page 17) Body replaces this tag from 12.0 on
            t(0x0B, "Body", V2_5),
            t(0x0C, "BodyTruncated", V2_5),
            t(0x0D, "BusyStatus", ALL),
            t(0x0E, "Categories", ALL),
            t(0x0F, "Category", ALL),
            t(0x11, "DtStamp", ALL),
            t(0x12, "EndTime", ALL),
            t(0x13, "Exception", ALL),
            t(0x14, "Exceptions", ALL),
            t(0x15, "Deleted", ALL),
            t(0x16, "ExceptionStartTime", UNTIL_14_1),
            // see note 2: AirSyncBase (page 17) Location replaces this tag in 16.0 and 16.1
            t(0x17, "Location", UNTIL_14_1),
            t(0x18, "MeetingStatus", ALL),
            t(0x19, "OrganizerEmail", ALL),
            t(0x1A, "OrganizerName", ALL),
            t(0x1B, "Recurrence", ALL),
            t(0x1C, "Type", ALL),
            t(0x1D, "Until", ALL),
            t(0x1E, "Occurrences", ALL),
            t(0x1F, "Interval", ALL),
            t(0x20, "DayOfWeek", ALL),
            t(0x21, "DayOfMonth", ALL),
            t(0x22, "WeekOfMonth", ALL),
            t(0x23, "MonthOfYear", ALL),
            t(0x24, "Reminder", ALL),
            t(0x25, "Sensitivity", ALL),
            t(0x26, "Subject", ALL),
            t(0x27, "StartTime", ALL),
            t(0x28, "UID", ALL),
            t(0x29, "AttendeeStatus", FROM_12_0),
            t(0x2A, "AttendeeType", FROM_12_0),
            t(0x33, "DisallowNewTimeProposal", FROM_14_0),
            t(0x34, "ResponseRequested", FROM_14_0),
            t(0x35, "AppointmentReplyTime", FROM_14_0),
            t(0x36, "ResponseType", FROM_14_0),
            t(0x37, "CalendarType", FROM_14_0),
            t(0x38, "IsLeapMonth", FROM_14_0),
            t(0x39, "FirstDayOfWeek", FROM_14_1),
            t(0x3A, "OnlineMeetingConfLink", FROM_14_1),
            t(0x3B, "OnlineMeetingExternalLink", FROM_14_1),
            t(0x3C, "ClientUid", FROM_16_0),
        ],
    },
    // Code Page 5: Move ([MS-ASWBXML] section 2.1.2.1.6)
    PageSpec {
        index: 5,
        namespace: "Move",
        versions: ALL,
        tags: &[
            t(0x05, "MoveItems", ALL),
            t(0x06, "Move", ALL),
            t(0x07, "SrcMsgId", ALL),
            t(0x08, "SrcFldId", ALL),
            t(0x09, "DstFldId", ALL),
            t(0x0A, "Response", ALL),
            t(0x0B, "Status", ALL),
            t(0x0C, "DstMsgId", ALL),
        ],
    },
    // Code Page 6: GetItemEstimate ([MS-ASWBXML] section 2.1.2.1.7)
    PageSpec {
        index: 6,
        namespace: "GetItemEstimate",
        versions: ALL,
        tags: &[
            t(0x05, "GetItemEstimate", ALL),
            t(0x07, "Collections", ALL),
            t(0x08, "Collection", ALL),
            // see note 1: AirSync (page 0) Class replaces this tag from 14.0 on
            t(0x09, "Class", UNTIL_12_1),
            t(0x0A, "CollectionId", ALL),
            t(0x0C, "Estimate", ALL),
            t(0x0D, "Response", ALL),
            t(0x0E, "Status", ALL),
        ],
    },
    // Code Page 7: FolderHierarchy ([MS-ASWBXML] section 2.1.2.1.8)
    PageSpec {
        index: 7,
        namespace: "FolderHierarchy",
        versions: ALL,
        tags: &[
            t(0x05, "Folders", UNTIL_12_1),
            t(0x06, "Folder", UNTIL_12_1),
            t(0x07, "DisplayName", ALL),
            t(0x08, "ServerId", ALL),
            t(0x09, "ParentId", ALL),
            t(0x0A, "Type", ALL),
            t(0x0C, "Status", ALL),
            t(0x0E, "Changes", ALL),
            t(0x0F, "Add", ALL),
            t(0x10, "Delete", ALL),
            t(0x11, "Update", ALL),
            t(0x12, "SyncKey", ALL),
            t(0x13, "FolderCreate", ALL),
            t(0x14, "FolderDelete", ALL),
            t(0x15, "FolderUpdate", ALL),
            t(0x16, "FolderSync", ALL),
            t(0x17, "Count", ALL),
        ],
    },
    // Code Page 8: MeetingResponse ([MS-ASWBXML] section 2.1.2.1.9)
    PageSpec {
        index: 8,
        namespace: "MeetingResponse",
        versions: ALL,
        tags: &[
            t(0x05, "CalendarId", ALL),
            t(0x06, "CollectionId", ALL),
            t(0x07, "MeetingResponse", ALL),
            t(0x08, "RequestId", ALL),
            t(0x09, "Request", ALL),
            t(0x0A, "Result", ALL),
            t(0x0B, "Status", ALL),
            t(0x0C, "UserResponse", ALL),
            t(0x0E, "InstanceId", FROM_14_1),
            t(0x10, "ProposedStartTime", FROM_16_1),
            t(0x11, "ProposedEndTime", FROM_16_1),
            t(0x12, "SendResponse", FROM_16_0),
        ],
    },
    // Code Page 9: Tasks ([MS-ASWBXML] section 2.1.2.1.10)
    PageSpec {
        index: 9,
        namespace: "Tasks",
        versions: ALL,
        tags: &[
            // see note 1: AirSyncBase (page 17) Body replaces this tag from 12.0 on
            t(0x05, "Body", V2_5),
            t(0x06, "BodySize", V2_5),
            t(0x07, "BodyTruncated", V2_5),
            t(0x08, "Categories", ALL),
            t(0x09, "Category", ALL),
            t(0x0A, "Complete", ALL),
            t(0x0B, "DateCompleted", ALL),
            t(0x0C, "DueDate", ALL),
            t(0x0D, "UtcDueDate", ALL),
            t(0x0E, "Importance", ALL),
            t(0x0F, "Recurrence", ALL),
            t(0x10, "Type", ALL),
            t(0x11, "Start", ALL),
            t(0x12, "Until", ALL),
            t(0x13, "Occurrences", ALL),
            t(0x14, "Interval", ALL),
            t(0x15, "DayOfMonth", ALL),
            t(0x16, "DayOfWeek", ALL),
            t(0x17, "WeekOfMonth", ALL),
            t(0x18, "MonthOfYear", ALL),
            t(0x19, "Regenerate", ALL),
            t(0x1A, "DeadOccur", ALL),
            t(0x1B, "ReminderSet", ALL),
            t(0x1C, "ReminderTime", ALL),
            t(0x1D, "Sensitivity", ALL),
            t(0x1E, "StartDate", ALL),
            t(0x1F, "UtcStartDate", ALL),
            t(0x20, "Subject", ALL),
            t(0x22, "OrdinalDate", FROM_12_0),
            t(0x23, "SubOrdinalDate", FROM_12_0),
            t(0x24, "CalendarType", FROM_14_0),
            t(0x25, "IsLeapMonth", FROM_14_0),
            t(0x26, "FirstDayOfWeek", FROM_14_1),
        ],
    },
    // Code Page 10: ResolveRecipients ([MS-ASWBXML] section 2.1.2.1.11)
    PageSpec {
        index: 10,
        namespace: "ResolveRecipients",
        versions: ALL,
        tags: &[
            t(0x05, "ResolveRecipients", ALL),
            t(0x06, "Response", ALL),
            t(0x07, "Status", ALL),
            t(0x08, "Type", ALL),
            t(0x09, "Recipient", ALL),
            t(0x0A, "DisplayName", ALL),
            t(0x0B, "EmailAddress", ALL),
            t(0x0C, "Certificates", ALL),
            t(0x0D, "Certificate", ALL),
            t(0x0E, "MiniCertificate", ALL),
            t(0x0F, "Options", ALL),
            t(0x10, "To", ALL),
            t(0x11, "CertificateRetrieval", ALL),
            t(0x12, "RecipientCount", ALL),
            t(0x13, "MaxCertificates", ALL),
            t(0x14, "MaxAmbiguousRecipients", ALL),
            t(0x15, "CertificateCount", ALL),
            t(0x16, "Availability", FROM_14_0),
            t(0x17, "StartTime", FROM_14_0),
            t(0x18, "EndTime", FROM_14_0),
            t(0x19, "MergedFreeBusy", FROM_14_0),
            t(0x1A, "Picture", FROM_14_1),
            t(0x1B, "MaxSize", FROM_14_1),
            t(0x1C, "Data", FROM_14_1),
            t(0x1D, "MaxPictures", FROM_14_1),
        ],
    },
    // Code Page 11: ValidateCert ([MS-ASWBXML] section 2.1.2.1.12)
    PageSpec {
        index: 11,
        namespace: "ValidateCert",
        versions: ALL,
        tags: &[
            t(0x05, "ValidateCert", ALL),
            t(0x06, "Certificates", ALL),
            t(0x07, "Certificate", ALL),
            t(0x08, "CertificateChain", ALL),
            t(0x09, "CheckCRL", ALL),
            t(0x0A, "Status", ALL),
        ],
    },
    // Code Page 12: Contacts2 ([MS-ASWBXML] section 2.1.2.1.13)
    PageSpec {
        index: 12,
        namespace: "Contacts2",
        versions: ALL,
        tags: &[
            t(0x05, "CustomerId", ALL),
            t(0x06, "GovernmentId", ALL),
            t(0x07, "IMAddress", ALL),
            t(0x08, "IMAddress2", ALL),
            t(0x09, "IMAddress3", ALL),
            t(0x0A, "ManagerName", ALL),
            t(0x0B, "CompanyMainPhone", ALL),
            t(0x0C, "AccountName", ALL),
            t(0x0D, "NickName", ALL),
            t(0x0E, "MMS", ALL),
        ],
    },
    // Code Page 13: Ping ([MS-ASWBXML] section 2.1.2.1.14)
    // Token 0x06 has no name in the current spec (older revisions listed "AutdState (Not used)";
    //   removed by v20150630).
    PageSpec {
        index: 13,
        namespace: "Ping",
        versions: ALL,
        tags: &[
            t(0x05, "Ping", ALL),
            t(0x07, "Status", ALL),
            t(0x08, "HeartbeatInterval", ALL),
            t(0x09, "Folders", ALL),
            t(0x0A, "Folder", ALL),
            t(0x0B, "Id", ALL),
            t(0x0C, "Class", ALL),
            t(0x0D, "MaxFolders", ALL),
        ],
    },
    // Code Page 14: Provision ([MS-ASWBXML] section 2.1.2.1.15)
    PageSpec {
        index: 14,
        namespace: "Provision",
        versions: ALL,
        tags: &[
            t(0x05, "Provision", ALL),
            t(0x06, "Policies", ALL),
            t(0x07, "Policy", ALL),
            t(0x08, "PolicyType", ALL),
            t(0x09, "PolicyKey", ALL),
            t(0x0A, "Data", ALL),
            t(0x0B, "Status", ALL),
            t(0x0C, "RemoteWipe", ALL),
            t(0x0D, "EASProvisionDoc", FROM_12_0),
            t(0x0E, "DevicePasswordEnabled", FROM_12_0),
            t(0x0F, "AlphanumericDevicePasswordRequired", FROM_12_0),
            t(0x10, "RequireStorageCardEncryption", FROM_12_1),
            t(0x11, "PasswordRecoveryEnabled", FROM_12_0),
            t(0x13, "AttachmentsEnabled", FROM_12_0),
            t(0x14, "MinDevicePasswordLength", FROM_12_0),
            t(0x15, "MaxInactivityTimeDeviceLock", FROM_12_0),
            // check: the v20190319 requirement spec lists 12.0-16.0 without 16.1 (v20150630
            //   predates 16.1); [MS-ASPROV] 2.2.2.32 supports it in 16.1, so 16.1 is included
            t(0x16, "MaxDevicePasswordFailedAttempts", FROM_12_0),
            t(0x17, "MaxAttachmentSize", FROM_12_0),
            t(0x18, "AllowSimpleDevicePassword", FROM_12_0),
            t(0x19, "DevicePasswordExpiration", FROM_12_0),
            t(0x1A, "DevicePasswordHistory", FROM_12_0),
            t(0x1B, "AllowStorageCard", FROM_12_1),
            t(0x1C, "AllowCamera", FROM_12_1),
            t(0x1D, "RequireDeviceEncryption", FROM_12_1),
            t(0x1E, "AllowUnsignedApplications", FROM_12_1),
            t(0x1F, "AllowUnsignedInstallationPackages", FROM_12_1),
            t(0x20, "MinDevicePasswordComplexCharacters", FROM_12_1),
            t(0x21, "AllowWiFi", FROM_12_1),
            t(0x22, "AllowTextMessaging", FROM_12_1),
            t(0x23, "AllowPOPIMAPEmail", FROM_12_1),
            t(0x24, "AllowBluetooth", FROM_12_1),
            t(0x25, "AllowIrDA", FROM_12_1),
            t(0x26, "RequireManualSyncWhenRoaming", FROM_12_1),
            t(0x27, "AllowDesktopSync", FROM_12_1),
            // check: the v20190319 requirement spec lists 12.1-16.0 without 16.1 (v20150630
            //   predates 16.1); [MS-ASPROV] 2.2.2.31 supports it in 16.1, so 16.1 is included
            t(0x28, "MaxCalendarAgeFilter", FROM_12_1),
            t(0x29, "AllowHTMLEmail", FROM_12_1),
            t(0x2A, "MaxEmailAgeFilter", FROM_12_1),
            t(0x2B, "MaxEmailBodyTruncationSize", FROM_12_1),
            t(0x2C, "MaxEmailHTMLBodyTruncationSize", FROM_12_1),
            t(0x2D, "RequireSignedSMIMEMessages", FROM_12_1),
            t(0x2E, "RequireEncryptedSMIMEMessages", FROM_12_1),
            t(0x2F, "RequireSignedSMIMEAlgorithm", FROM_12_1),
            t(0x30, "RequireEncryptionSMIMEAlgorithm", FROM_12_1),
            t(0x31, "AllowSMIMEEncryptionAlgorithmNegotiation", FROM_12_1),
            t(0x32, "AllowSMIMESoftCerts", FROM_12_1),
            t(0x33, "AllowBrowser", FROM_12_1),
            t(0x34, "AllowConsumerEmail", FROM_12_1),
            t(0x35, "AllowRemoteDesktop", FROM_12_1),
            t(0x36, "AllowInternetSharing", FROM_12_1),
            t(0x37, "UnapprovedInROMApplicationList", FROM_12_1),
            t(0x38, "ApplicationName", FROM_12_1),
            t(0x39, "ApprovedApplicationList", FROM_12_1),
            t(0x3A, "Hash", FROM_12_1),
            t(0x3B, "AccountOnlyRemoteWipe", FROM_16_1),
        ],
    },
    // Code Page 15: Search ([MS-ASWBXML] section 2.1.2.1.16)
    // Tokens 0x06 and 0x16 have no name in the spec (older revisions said they are "not used").
    PageSpec {
        index: 15,
        namespace: "Search",
        versions: ALL,
        tags: &[
            t(0x05, "Search", ALL),
            t(0x07, "Store", ALL),
            t(0x08, "Name", ALL),
            t(0x09, "Query", ALL),
            t(0x0A, "Options", ALL),
            t(0x0B, "Range", ALL),
            t(0x0C, "Status", ALL),
            t(0x0D, "Response", ALL),
            t(0x0E, "Result", ALL),
            t(0x0F, "Properties", ALL),
            t(0x10, "Total", ALL),
            t(0x11, "EqualTo", FROM_12_0),
            t(0x12, "Value", FROM_12_0),
            t(0x13, "And", FROM_12_0),
            t(0x14, "Or", FROM_12_0),
            t(0x15, "FreeText", FROM_12_0),
            t(0x17, "DeepTraversal", FROM_12_0),
            t(0x18, "LongId", FROM_12_0),
            t(0x19, "RebuildResults", FROM_12_0),
            t(0x1A, "LessThan", FROM_12_0),
            t(0x1B, "GreaterThan", FROM_12_0),
            t(0x1E, "UserName", FROM_12_1),
            t(0x1F, "Password", FROM_12_1),
            t(0x20, "ConversationId", FROM_14_0),
            t(0x21, "Picture", FROM_14_1),
            t(0x22, "MaxSize", FROM_14_1),
            t(0x23, "MaxPictures", FROM_14_1),
        ],
    },
    // Code Page 16: GAL ([MS-ASWBXML] section 2.1.2.1.17)
    // The section title spells the page "GAL"; the code page table in 2.1.2.1 gives the XML
    //   namespace as "Gal".
    PageSpec {
        index: 16,
        namespace: "Gal",
        versions: ALL,
        tags: &[
            t(0x05, "DisplayName", ALL),
            t(0x06, "Phone", ALL),
            t(0x07, "Office", ALL),
            t(0x08, "Title", ALL),
            t(0x09, "Company", ALL),
            t(0x0A, "Alias", ALL),
            t(0x0B, "FirstName", ALL),
            t(0x0C, "LastName", ALL),
            t(0x0D, "HomePhone", ALL),
            t(0x0E, "MobilePhone", ALL),
            t(0x0F, "EmailAddress", ALL),
            t(0x10, "Picture", FROM_14_1),
            t(0x11, "Status", FROM_14_1),
            t(0x12, "Data", FROM_14_1),
        ],
    },
    // Code Page 17: AirSyncBase ([MS-ASWBXML] section 2.1.2.1.18)
    // Older revisions marked ContentLocation (0x14) "(not used)"; v20150630 and later list it with
    //   versions 12.0 to 16.1 and no such mark.
    PageSpec {
        index: 17,
        namespace: "AirSyncBase",
        versions: FROM_12_0,
        tags: &[
            t(0x05, "BodyPreference", FROM_12_0),
            t(0x06, "Type", FROM_12_0),
            t(0x07, "TruncationSize", FROM_12_0),
            t(0x08, "AllOrNone", FROM_12_0),
            t(0x0A, "Body", FROM_12_0),
            t(0x0B, "Data", FROM_12_0),
            t(0x0C, "EstimatedDataSize", FROM_12_0),
            t(0x0D, "Truncated", FROM_12_0),
            t(0x0E, "Attachments", FROM_12_0),
            t(0x0F, "Attachment", FROM_12_0),
            t(0x10, "DisplayName", FROM_12_0),
            t(0x11, "FileReference", FROM_12_0),
            t(0x12, "Method", FROM_12_0),
            t(0x13, "ContentId", FROM_12_0),
            t(0x14, "ContentLocation", FROM_12_0),
            t(0x15, "IsInline", FROM_12_0),
            t(0x16, "NativeBodyType", FROM_12_0),
            t(0x17, "ContentType", FROM_12_0),
            t(0x18, "Preview", FROM_14_0),
            t(0x19, "BodyPartPreference", FROM_14_1),
            t(0x1A, "BodyPart", FROM_14_1),
            t(0x1B, "Status", FROM_14_1),
            t(0x1C, "Add", FROM_16_0),
            t(0x1D, "Delete", FROM_16_0),
            t(0x1E, "ClientId", FROM_16_0),
            t(0x1F, "Content", FROM_16_0),
            t(0x20, "Location", FROM_16_0),
            t(0x21, "Annotation", FROM_16_0),
            t(0x22, "Street", FROM_16_0),
            t(0x23, "City", FROM_16_0),
            t(0x24, "State", FROM_16_0),
            t(0x25, "Country", FROM_16_0),
            t(0x26, "PostalCode", FROM_16_0),
            t(0x27, "Latitude", FROM_16_0),
            t(0x28, "Longitude", FROM_16_0),
            t(0x29, "Accuracy", FROM_16_0),
            t(0x2A, "Altitude", FROM_16_0),
            t(0x2B, "AltitudeAccuracy", FROM_16_0),
            t(0x2C, "LocationUri", FROM_16_0),
            t(0x2D, "InstanceId", FROM_16_0),
        ],
    },
    // Code Page 18: Settings ([MS-ASWBXML] section 2.1.2.1.19)
    PageSpec {
        index: 18,
        namespace: "Settings",
        versions: FROM_12_0,
        tags: &[
            t(0x05, "Settings", FROM_12_0),
            t(0x06, "Status", FROM_12_0),
            t(0x07, "Get", FROM_12_0),
            t(0x08, "Set", FROM_12_0),
            t(0x09, "Oof", FROM_12_0),
            t(0x0A, "OofState", FROM_12_0),
            t(0x0B, "StartTime", FROM_12_0),
            t(0x0C, "EndTime", FROM_12_0),
            t(0x0D, "OofMessage", FROM_12_0),
            t(0x0E, "AppliesToInternal", FROM_12_0),
            t(0x0F, "AppliesToExternalKnown", FROM_12_0),
            t(0x10, "AppliesToExternalUnknown", FROM_12_0),
            t(0x11, "Enabled", FROM_12_0),
            t(0x12, "ReplyMessage", FROM_12_0),
            t(0x13, "BodyType", FROM_12_0),
            t(0x14, "DevicePassword", FROM_12_0),
            t(0x15, "Password", FROM_12_0),
            t(0x16, "DeviceInformation", FROM_12_0),
            t(0x17, "Model", FROM_12_0),
            t(0x18, "IMEI", FROM_12_0),
            t(0x19, "FriendlyName", FROM_12_0),
            t(0x1A, "OS", FROM_12_0),
            t(0x1B, "OSLanguage", FROM_12_0),
            t(0x1C, "PhoneNumber", FROM_12_0),
            t(0x1D, "UserInformation", FROM_12_0),
            t(0x1E, "EmailAddresses", FROM_12_0),
            t(0x1F, "SMTPAddress", FROM_12_0),
            t(0x20, "UserAgent", FROM_12_1),
            t(0x21, "EnableOutboundSMS", FROM_14_0),
            t(0x22, "MobileOperator", FROM_14_0),
            t(0x23, "PrimarySmtpAddress", FROM_14_1),
            t(0x24, "Accounts", FROM_14_1),
            t(0x25, "Account", FROM_14_1),
            t(0x26, "AccountId", FROM_14_1),
            t(0x27, "AccountName", FROM_14_1),
            t(0x28, "UserDisplayName", FROM_14_1),
            t(0x29, "SendDisabled", FROM_14_1),
            t(0x2B, "RightsManagementInformation", FROM_14_1),
        ],
    },
    // Code Page 19: DocumentLibrary ([MS-ASWBXML] section 2.1.2.1.20)
    PageSpec {
        index: 19,
        namespace: "DocumentLibrary",
        versions: FROM_12_0,
        tags: &[
            t(0x05, "LinkId", FROM_12_0),
            t(0x06, "DisplayName", FROM_12_0),
            t(0x07, "IsFolder", FROM_12_0),
            t(0x08, "CreationDate", FROM_12_0),
            t(0x09, "LastModifiedDate", FROM_12_0),
            t(0x0A, "IsHidden", FROM_12_0),
            t(0x0B, "ContentLength", FROM_12_0),
            t(0x0C, "ContentType", FROM_12_0),
        ],
    },
    // Code Page 20: ItemOperations ([MS-ASWBXML] section 2.1.2.1.21)
    PageSpec {
        index: 20,
        namespace: "ItemOperations",
        versions: FROM_12_0,
        tags: &[
            t(0x05, "ItemOperations", FROM_12_0),
            t(0x06, "Fetch", FROM_12_0),
            t(0x07, "Store", FROM_12_0),
            t(0x08, "Options", FROM_12_0),
            t(0x09, "Range", FROM_12_0),
            t(0x0A, "Total", FROM_12_0),
            t(0x0B, "Properties", FROM_12_0),
            t(0x0C, "Data", FROM_12_0),
            t(0x0D, "Status", FROM_12_0),
            t(0x0E, "Response", FROM_12_0),
            t(0x0F, "Version", FROM_12_0),
            t(0x10, "Schema", FROM_12_0),
            t(0x11, "Part", FROM_12_0),
            t(0x12, "EmptyFolderContents", FROM_12_0),
            t(0x13, "DeleteSubFolders", FROM_12_0),
            t(0x14, "UserName", FROM_12_1),
            t(0x15, "Password", FROM_12_1),
            t(0x16, "Move", FROM_14_0),
            t(0x17, "DstFldId", FROM_14_0),
            t(0x18, "ConversationId", FROM_14_0),
            t(0x19, "MoveAlways", FROM_14_0),
        ],
    },
    // Code Page 21: ComposeMail ([MS-ASWBXML] section 2.1.2.1.22)
    PageSpec {
        index: 21,
        namespace: "ComposeMail",
        versions: FROM_14_0,
        tags: &[
            t(0x05, "SendMail", FROM_14_0),
            t(0x06, "SmartForward", FROM_14_0),
            t(0x07, "SmartReply", FROM_14_0),
            t(0x08, "SaveInSentItems", FROM_14_0),
            t(0x09, "ReplaceMime", FROM_14_0),
            t(0x0B, "Source", FROM_14_0),
            t(0x0C, "FolderId", FROM_14_0),
            t(0x0D, "ItemId", FROM_14_0),
            t(0x0E, "LongId", FROM_14_0),
            t(0x0F, "InstanceId", FROM_14_0),
            t(0x10, "Mime", FROM_14_0),
            t(0x11, "ClientId", FROM_14_0),
            t(0x12, "Status", FROM_14_0),
            t(0x13, "AccountId", FROM_14_1),
            t(0x15, "Forwardees", FROM_16_0),
            t(0x16, "Forwardee", FROM_16_0),
            // check: v20150630 named 0x17 "ForwardeeName"; the v20190319 requirement spec and
            //   current [MS-ASCMD] (section 2.2.3.120.3) name it "Name"
            t(0x17, "Name", FROM_16_0),
            // check: v20150630 named 0x18 "ForwardeeEmail"; the v20190319 requirement spec and
            //   current [MS-ASCMD] (section 2.2.3.53) name it "Email"
            t(0x18, "Email", FROM_16_0),
        ],
    },
    // Code Page 22: Email2 ([MS-ASWBXML] section 2.1.2.1.23)
    PageSpec {
        index: 22,
        namespace: "Email2",
        versions: FROM_14_0,
        tags: &[
            t(0x05, "UmCallerID", FROM_14_0),
            t(0x06, "UmUserNotes", FROM_14_0),
            t(0x07, "UmAttDuration", FROM_14_0),
            t(0x08, "UmAttOrder", FROM_14_0),
            t(0x09, "ConversationId", FROM_14_0),
            t(0x0A, "ConversationIndex", FROM_14_0),
            t(0x0B, "LastVerbExecuted", FROM_14_0),
            t(0x0C, "LastVerbExecutionTime", FROM_14_0),
            t(0x0D, "ReceivedAsBcc", FROM_14_0),
            t(0x0E, "Sender", FROM_14_0),
            t(0x0F, "CalendarType", FROM_14_0),
            t(0x10, "IsLeapMonth", FROM_14_0),
            t(0x11, "AccountId", FROM_14_1),
            t(0x12, "FirstDayOfWeek", FROM_14_1),
            t(0x13, "MeetingMessageType", FROM_14_1),
            t(0x15, "IsDraft", FROM_16_0),
            t(0x16, "Bcc", FROM_16_0),
            t(0x17, "Send", FROM_16_0),
        ],
    },
    // Code Page 23: Notes ([MS-ASWBXML] section 2.1.2.1.24)
    PageSpec {
        index: 23,
        namespace: "Notes",
        versions: FROM_14_0,
        tags: &[
            t(0x05, "Subject", FROM_14_0),
            t(0x06, "MessageClass", FROM_14_0),
            t(0x07, "LastModifiedDate", FROM_14_0),
            t(0x08, "Categories", FROM_14_0),
            t(0x09, "Category", FROM_14_0),
        ],
    },
    // Code Page 24: RightsManagement ([MS-ASWBXML] section 2.1.2.1.25)
    PageSpec {
        index: 24,
        namespace: "RightsManagement",
        versions: FROM_14_1,
        tags: &[
            t(0x05, "RightsManagementSupport", FROM_14_1),
            t(0x06, "RightsManagementTemplates", FROM_14_1),
            t(0x07, "RightsManagementTemplate", FROM_14_1),
            t(0x08, "RightsManagementLicense", FROM_14_1),
            t(0x09, "EditAllowed", FROM_14_1),
            t(0x0A, "ReplyAllowed", FROM_14_1),
            t(0x0B, "ReplyAllAllowed", FROM_14_1),
            t(0x0C, "ForwardAllowed", FROM_14_1),
            t(0x0D, "ModifyRecipientsAllowed", FROM_14_1),
            t(0x0E, "ExtractAllowed", FROM_14_1),
            t(0x0F, "PrintAllowed", FROM_14_1),
            t(0x10, "ExportAllowed", FROM_14_1),
            t(0x11, "ProgrammaticAccessAllowed", FROM_14_1),
            t(0x12, "Owner", FROM_14_1),
            t(0x13, "ContentExpiryDate", FROM_14_1),
            t(0x14, "TemplateID", FROM_14_1),
            t(0x15, "TemplateName", FROM_14_1),
            t(0x16, "TemplateDescription", FROM_14_1),
            t(0x17, "ContentOwner", FROM_14_1),
            t(0x18, "RemoveRightsManagementProtection", FROM_14_1),
        ],
    },
    // Code Page 25: Find ([MS-ASWBXML] section 2.1.2.1.26)
    PageSpec {
        index: 25,
        namespace: "Find",
        versions: FROM_16_1,
        tags: &[
            t(0x05, "Find", FROM_16_1),
            t(0x06, "SearchId", FROM_16_1),
            t(0x07, "ExecuteSearch", FROM_16_1),
            t(0x08, "MailBoxSearchCriterion", FROM_16_1),
            t(0x09, "Query", FROM_16_1),
            t(0x0A, "Status", FROM_16_1),
            t(0x0B, "FreeText", FROM_16_1),
            t(0x0C, "Options", FROM_16_1),
            t(0x0D, "Range", FROM_16_1),
            t(0x0E, "DeepTraversal", FROM_16_1),
            t(0x11, "Response", FROM_16_1),
            t(0x12, "Result", FROM_16_1),
            t(0x13, "Properties", FROM_16_1),
            t(0x14, "Preview", FROM_16_1),
            t(0x15, "HasAttachments", FROM_16_1),
            t(0x16, "Total", FROM_16_1),
            t(0x17, "DisplayCc", FROM_16_1),
            t(0x18, "DisplayBcc", FROM_16_1),
            t(0x19, "GalSearchCriterion", FROM_16_1),
            t(0x20, "MaxPictures", FROM_16_1),
            t(0x21, "MaxSize", FROM_16_1),
            t(0x22, "Picture", FROM_16_1),
        ],
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twenty_six_pages_in_index_order() {
        assert_eq!(PAGES.len(), 26);
        for (i, page) in PAGES.iter().enumerate() {
            assert_eq!(
                usize::from(page.index),
                i,
                "page {} out of place",
                page.namespace
            );
        }
    }

    #[test]
    fn tokens_strictly_increasing_and_in_range() {
        for page in PAGES {
            let mut prev: Option<u8> = None;
            for tag in page.tags {
                assert!(
                    (0x05..=0x3F).contains(&tag.token),
                    "page {} tag {} token {:#04x} out of range",
                    page.index,
                    tag.name,
                    tag.token
                );
                if let Some(p) = prev {
                    assert!(
                        tag.token > p,
                        "page {} token {:#04x} not after {:#04x}",
                        page.index,
                        tag.token,
                        p
                    );
                }
                prev = Some(tag.token);
            }
        }
    }

    #[test]
    fn no_duplicate_names_within_a_page() {
        // The spec has no duplicate tag name within any page 0..=25, so nothing is exempt.
        for page in PAGES {
            for (i, a) in page.tags.iter().enumerate() {
                for b in &page.tags[i + 1..] {
                    assert_ne!(a.name, b.name, "page {} repeats {}", page.index, a.name);
                }
            }
        }
    }

    #[test]
    fn tag_versions_nonempty_and_within_page_versions() {
        for page in PAGES {
            assert_ne!(page.versions.0, 0, "page {} has no versions", page.index);
            assert_eq!(page.versions.0 & !Versions::ALL.0, 0);
            for tag in page.tags {
                assert_ne!(
                    tag.versions.0, 0,
                    "page {} tag {} has no versions",
                    page.index, tag.name
                );
                assert!(
                    page.versions.contains(tag.versions),
                    "page {} tag {} outside page versions",
                    page.index,
                    tag.name
                );
            }
        }
    }

    #[test]
    fn tag_counts_per_page() {
        let counts: Vec<usize> = PAGES.iter().map(|p| p.tags.len()).collect();
        assert_eq!(
            counts,
            [
                34, 57, 58, 0, 47, 8, 8, 17, 12, 33, 25, 6, 10, 8, 54, 27, 14, 40, 38, 8, 21, 18,
                18, 5, 20, 22
            ]
        );
    }

    #[test]
    fn spot_checks() {
        let find = |page: usize, token: u8| {
            let Some(tag) = PAGES[page].tags.iter().find(|t| t.token == token) else {
                panic!("page {page} has no token {token:#04x}");
            };
            *tag
        };
        assert_eq!(find(0, 0x05).name, "Sync");
        assert_eq!(find(2, 0x09).name, "Att0id");
        assert_eq!(find(17, 0x0A).name, "Body");
        assert_eq!(find(17, 0x0A).versions, Versions::FROM_12_0);
        assert_eq!(find(25, 0x22).name, "Picture");
        assert_eq!(find(25, 0x22).versions, Versions::FROM_16_1);
        assert_eq!(
            find(2, 0x21).versions,
            Versions(Versions::ALL.0 & !Versions::FROM_16_0.0)
        );
        assert_eq!(find(14, 0x3B).name, "AccountOnlyRemoteWipe");
        assert_eq!(find(21, 0x17).name, "Name");
    }
}
