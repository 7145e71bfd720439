//! Status codes as enums that carry their meaning.

/// Declare a status enum: each known code with its name and Microsoft's meaning, plus
/// `Other(u32)` so that a code from a newer server or client is kept, not lost.
#[macro_export]
macro_rules! status_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $code:literal => $variant:ident : $meaning:literal ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
        #[non_exhaustive]
        $vis enum $name {
            $( #[doc = $meaning] $variant, )*
            /// A code this table does not list, kept as sent.
            Other(u32),
        }

        impl $name {
            /// The numeric code.
            pub fn code(self) -> u32 {
                match self {
                    $( $name::$variant => $code, )*
                    $name::Other(c) => c,
                }
            }

            /// The status for a numeric code.
            pub fn from_code(code: u32) -> Self {
                match code {
                    $( $code => $name::$variant, )*
                    c => $name::Other(c),
                }
            }

            /// Microsoft's description of the code.
            pub fn meaning(self) -> &'static str {
                match self {
                    $( $name::$variant => $meaning, )*
                    $name::Other(_) => "A status code not listed by the specification.",
                }
            }
        }

        impl Default for $name {
            fn default() -> Self {
                $name::from_code(1)
            }
        }

        impl $crate::codec::Value for $name {
            fn decode(
                d: &mut $crate::codec::Decoder<'_>,
                tag: $crate::Tag,
            ) -> Result<Self, $crate::CodecError> {
                <u32 as $crate::codec::Value>::decode(d, tag).map($name::from_code)
            }
            fn encode<S: eas_wbxml::Sink>(
                &self,
                e: &mut $crate::codec::Encoder<S>,
                tag: $crate::Tag,
            ) -> Result<(), $crate::CodecError> {
                <u32 as $crate::codec::Value>::encode(&self.code(), e, tag)
            }
        }
    };
}

crate::status_enum! {
    /// Status codes common to all commands (MS-ASCMD 2.2.2), sent in a command's `Status`
    /// element when the failure is not specific to the command.
    pub enum CommonStatus {
        101 => InvalidContent: "The body of the request is not valid for the command (e.g. empty or not WBXML).",
        102 => InvalidWbxml: "The request contains WBXML that could not be decoded.",
        103 => InvalidXml: "The XML in the request does not conform to the schema.",
        104 => InvalidDateTime: "The request contains an invalid date or time.",
        105 => InvalidCombinationOfIds: "The request contains an invalid combination of ids.",
        106 => InvalidIds: "The request contains one or more invalid ids.",
        107 => InvalidMime: "The MIME in a SendMail, SmartReply or SmartForward request is invalid.",
        108 => DeviceIdMissingOrInvalid: "The device id is missing or invalid.",
        109 => DeviceTypeMissingOrInvalid: "The device type is missing or invalid.",
        110 => ServerError: "A server error occurred; retry later.",
        111 => ServerErrorRetryLater: "A server error occurred; the client should retry later.",
        112 => ActiveDirectoryAccessDenied: "The server has no access to the directory.",
        113 => MailboxQuotaExceeded: "The mailbox is over its quota.",
        114 => MailboxServerOffline: "The mailbox server is offline.",
        115 => SendQuotaExceeded: "The request would exceed the send quota.",
        116 => MessageRecipientUnresolved: "A recipient could not be resolved to an address.",
        117 => MessageReplyNotAllowed: "The mailbox server does not allow a reply to this message.",
        118 => MessagePreviouslySent: "The message was already sent (same ClientId).",
        119 => MessageHasNoRecipient: "The message has no recipient.",
        120 => MailSubmissionFailed: "The server could not submit the message.",
        121 => MessageReplyFailed: "The server could not create a reply.",
        122 => AttachmentIsTooLarge: "The attachment is too large to process.",
        123 => UserHasNoMailbox: "The user has no mailbox.",
        124 => UserCannotBeAnonymous: "The request was sent without credentials.",
        125 => UserPrincipalCouldNotBeFound: "The user was not found in the directory.",
        126 => UserDisabledForSync: "The user is not enabled for ActiveSync.",
        127 => UserOnNewMailboxCannotSync: "The user's mailbox is on a server that ActiveSync cannot reach.",
        128 => UserOnLegacyMailboxCannotSync: "The user's mailbox is on a legacy server.",
        129 => DeviceIsBlockedForThisUser: "The device is blocked for this user.",
        130 => AccessDenied: "The user is not allowed to perform the request.",
        131 => AccountDisabled: "The user's account is disabled.",
        132 => SyncStateNotFound: "The server's sync state for the device is missing; the client must sync from scratch.",
        133 => SyncStateLocked: "The sync state is locked by another request; retry.",
        134 => SyncStateCorrupt: "The sync state is corrupt.",
        135 => SyncStateAlreadyExists: "The sync state already exists.",
        136 => SyncStateVersionInvalid: "The sync state's version is invalid.",
        137 => CommandNotSupported: "The command is not supported by this server.",
        138 => VersionNotSupported: "The command is not supported in the protocol version sent.",
        139 => DeviceNotFullyProvisionable: "The device cannot satisfy the full security policy.",
        140 => RemoteWipeRequested: "A remote wipe was requested; the client must provision.",
        141 => LegacyDeviceOnStrictPolicy: "The device does not support provisioning but the policy requires it.",
        142 => DeviceNotProvisioned: "The device is not provisioned; the client must send Provision.",
        143 => PolicyRefresh: "The policy changed; the client must provision again.",
        144 => InvalidPolicyKey: "The policy key is invalid; the client must provision again.",
        145 => ExternallyManagedDevicesNotAllowed: "Externally managed devices are not allowed.",
        146 => NoRecurrenceInCalendar: "The request asks for an occurrence of a non-recurring item.",
        147 => UnexpectedItemClass: "The item's class is not the one expected.",
        148 => RemoteServerHasNoSsl: "The remote server has no TLS.",
        149 => InvalidStoredRequest: "The stored request (empty Sync or Ping) is invalid; send the full request.",
        150 => ItemNotFound: "The item was not found.",
        151 => TooManyFolders: "The mailbox has too many folders.",
        152 => NoFoldersFound: "No folders were found.",
        153 => ItemsLostAfterMove: "Items were lost after a move.",
        154 => FailureInMoveOperation: "The move failed.",
        155 => MoveCommandDisallowedForNonPersistentMoveAction: "A move with MoveAlways is not allowed here.",
        156 => MoveCommandInvalidDestinationFolder: "The destination folder of a move is invalid.",
        160 => AvailabilityTooManyRecipients: "Availability was asked for too many recipients.",
        161 => AvailabilityDlLimitReached: "A distribution list in an availability request is too large.",
        162 => AvailabilityTransientFailure: "Availability could not be obtained now; retry.",
        163 => AvailabilityFailure: "Availability could not be obtained.",
        164 => BodyPartPreferenceTypeNotSupported: "The BodyPartPreference type is not supported.",
        165 => DeviceInformationRequired: "The request must include device information.",
        166 => InvalidAccountId: "The AccountId is invalid.",
        167 => AccountSendDisabled: "Sending from this account is disabled.",
        168 => IrmFeatureDisabled: "Information Rights Management is disabled.",
        169 => IrmTransientError: "A transient IRM error occurred; retry.",
        170 => IrmPermanentError: "A permanent IRM error occurred.",
        171 => IrmInvalidTemplateId: "The IRM template id is invalid.",
        172 => IrmOperationNotPermitted: "The IRM rights do not permit the operation.",
        173 => NoPicture: "The contact has no picture.",
        174 => PictureTooLarge: "The picture is larger than the client allows.",
        175 => PictureLimitReached: "More pictures than the client allows.",
        176 => BodyPartConversationTooLarge: "The conversation is too large for a body part.",
        177 => MaximumDevicesReached: "The user has reached the maximum number of devices.",
        178 => InvalidMimeBodyCombination: "The request mixes a MIME body with a body of another type.",
        179 => InvalidSmartForwardParameters: "The SmartForward parameters are invalid.",
        183 => InvalidRecipients: "One or more recipients are invalid.",
        184 => OneOrMoreExceptionsFailed: "One or more exceptions of a recurring item could not be processed.",
    }
}
