//! ValidateCert (MS-ASCMD 2.2.1.22): have the server validate S/MIME certificates.

use crate::CompactString;
use crate::{status_enum, wire_struct};

status_enum! {
    /// ValidateCert status (MS-ASCMD 2.2.3.177.18): the command's global status (1 success,
    /// 17 failure) and the result of each certificate.
    pub enum ValidateCertStatus {
        1 => Success: "Success.",
        2 => ProtocolError: "Protocol error: parameters out of range or invalid.",
        3 => InvalidSignature: "The signature in the digital ID cannot be validated.",
        4 => UntrustedSource: "The digital ID was issued by an untrusted source.",
        5 => InvalidChain: "The certificate chain containing the digital ID was not built correctly.",
        6 => NotForEmailSigning: "The digital ID is not valid for signing mail.",
        7 => ExpiredOrNotYetValid: "The digital ID has expired or is not yet valid.",
        8 => InconsistentValidityPeriods: "The validity periods of the certificates in the chain do not nest.",
        9 => ChainUsageError: "A digital ID in the chain is used incorrectly (it is not valid as an issuer).",
        10 => MissingInformation: "Information in the digital ID is missing or incorrect.",
        11 => WrongRole: "A digital ID in the chain is used in the wrong role (end-entity as issuer or the reverse).",
        12 => AddressMismatch: "The digital ID does not match the sender's address.",
        13 => Revoked: "The digital ID has been revoked.",
        14 => RevocationServerUnreachable: "The server that says whether the digital ID is revoked cannot be reached.",
        15 => ChainRevoked: "A digital ID in the chain has been revoked.",
        16 => RevocationUnknown: "The revocation status of the digital ID cannot be determined.",
        17 => UnknownServerError: "An unknown server error occurred.",
    }
}

wire_struct! {
    /// ValidateCert request.
    pub struct ValidateCertRequest = ValidateCert::ValidateCert {
        /// Intermediate certificates to build the chains with.
        pub certificate_chain: opt CertificateList = ValidateCert::CertificateChain,
        /// The certificates to validate.
        pub certificates: one CertificateList = ValidateCert::Certificates,
        /// Whether to check revocation lists.
        pub check_crl: opt bool = ValidateCert::CheckCRL,
    }
}

wire_struct! {
    /// A list of certificates.
    pub struct CertificateList {
        /// The certificates, base64-encoded X.509.
        pub certificate: many CompactString = ValidateCert::Certificate,
    }
}

wire_struct! {
    /// ValidateCert response.
    pub struct ValidateCertResponse = ValidateCert::ValidateCert {
        /// The command's overall result.
        pub status: one ValidateCertStatus = ValidateCert::Status,
        /// One result per certificate of the request, in order.
        pub certificate: many CertificateResult = ValidateCert::Certificate,
    }
}

wire_struct! {
    /// The result for one certificate.
    pub struct CertificateResult {
        /// Whether it is valid.
        pub status: one ValidateCertStatus = ValidateCert::Status,
    }
}
