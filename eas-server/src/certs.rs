//! ValidateCert (MS-ASCMD 2.2.1.22): S/MIME certificates checked against the configured
//! trust store with rustls-webpki — signature chain to a trusted root through the
//! intermediates the device sent, validity dates, and the e-mail protection purpose when
//! the certificate names purposes.
//!
//! Revocation lists are not fetched: the server makes no outbound HTTP requests. A device
//! that asks for a CRL check (`CheckCRL`) is told so honestly for a certificate that is
//! otherwise valid (status 16, revocation status unknown) rather than given a success the
//! server did not establish.

use std::path::Path;

use base64::Engine as _;
use eas_codec::command::validate_cert::ValidateCertStatus;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, UnixTime};
use webpki::{EndEntityCert, Error, KeyUsage};

/// id-kp-emailProtection (1.3.6.1.5.5.7.3.4), DER contents.
const EMAIL_PROTECTION: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x04];

/// Read the trusted roots from a PEM file.
pub fn load_trust_store(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let roots: Result<Vec<_>, _> = CertificateDer::pem_file_iter(path)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .collect();
    let roots = roots.map_err(|e| format!("{}: {e}", path.display()))?;
    if roots.is_empty() {
        return Err(format!("{}: no certificate in it", path.display()));
    }
    Ok(roots)
}

fn decode(text: &str) -> Option<Vec<u8>> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact)
        .ok()
        .filter(|d| !d.is_empty())
}

/// The status of each certificate (base64 DER) in `certificates`, with `chain` as the
/// intermediates the device sent, `roots` the trust store, at `now` (seconds since 1970).
pub fn validate(
    certificates: &[String],
    chain: &[String],
    roots: &[CertificateDer<'static>],
    check_crl: bool,
    now: u64,
) -> Vec<ValidateCertStatus> {
    let anchors: Vec<_> = roots
        .iter()
        .filter_map(|r| webpki::anchor_from_trusted_cert(r).ok())
        .collect();
    let intermediates: Vec<CertificateDer<'static>> = chain
        .iter()
        .filter_map(|c| decode(c))
        .map(CertificateDer::from)
        .collect();
    let time = UnixTime::since_unix_epoch(std::time::Duration::from_secs(now));
    certificates
        .iter()
        .map(|text| {
            let Some(der) = decode(text) else {
                return ValidateCertStatus::MissingInformation;
            };
            let der = CertificateDer::from(der);
            let Ok(cert) = EndEntityCert::try_from(&der) else {
                return ValidateCertStatus::MissingInformation;
            };
            match cert.verify_for_usage(
                webpki::ALL_VERIFICATION_ALGS,
                &anchors,
                &intermediates,
                time,
                KeyUsage::required_if_present(EMAIL_PROTECTION),
                None,
                None,
            ) {
                Ok(_) if check_crl => ValidateCertStatus::RevocationUnknown,
                Ok(_) => ValidateCertStatus::Success,
                Err(e) => status_of(&e),
            }
        })
        .collect()
}

fn status_of(e: &Error) -> ValidateCertStatus {
    match e {
        Error::UnknownIssuer => ValidateCertStatus::UntrustedSource,
        Error::CertExpired { .. } | Error::CertNotValidYet { .. } => {
            ValidateCertStatus::ExpiredOrNotYetValid
        }
        Error::InvalidSignatureForPublicKey
        | Error::UnsupportedSignatureAlgorithmContext(_)
        | Error::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => {
            ValidateCertStatus::InvalidSignature
        }
        Error::RequiredEkuNotFoundContext(_) => ValidateCertStatus::NotForEmailSigning,
        Error::CaUsedAsEndEntity | Error::EndEntityUsedAsCa => ValidateCertStatus::WrongRole,
        Error::InvalidCertValidity => ValidateCertStatus::InconsistentValidityPeriods,
        Error::CertRevoked => ValidateCertStatus::Revoked,
        _ => ValidateCertStatus::InvalidChain,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use rcgen::{
        BasicConstraints, CertificateParams, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
        date_time_ymd,
    };

    fn b64(der: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(der)
    }

    struct Ca {
        cert: CertificateDer<'static>,
        issuer: Issuer<'static, KeyPair>,
    }

    fn ca(name: &str) -> Ca {
        let mut params = CertificateParams::new(Vec::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        let key = KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        Ca {
            cert: cert.der().clone(),
            issuer: Issuer::new(params, key),
        }
    }

    fn leaf(ca: &Ca, eku: Option<ExtendedKeyUsagePurpose>, expired: bool) -> String {
        let mut params = CertificateParams::new(Vec::new()).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "alice");
        if let Some(e) = eku {
            params.extended_key_usages = vec![e];
        }
        if expired {
            params.not_before = date_time_ymd(2020, 1, 1);
            params.not_after = date_time_ymd(2021, 1, 1);
        }
        let key = KeyPair::generate().unwrap();
        b64(params.signed_by(&key, &ca.issuer).unwrap().der())
    }

    #[test]
    fn certificates_are_judged_against_the_trust_store() {
        let trusted = ca("Trusted Root");
        let stranger = ca("Stranger");
        let roots = vec![trusted.cert.clone()];
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let certs = vec![
            leaf(
                &trusted,
                Some(ExtendedKeyUsagePurpose::EmailProtection),
                false,
            ),
            leaf(&trusted, None, false),
            leaf(
                &stranger,
                Some(ExtendedKeyUsagePurpose::EmailProtection),
                false,
            ),
            leaf(
                &trusted,
                Some(ExtendedKeyUsagePurpose::EmailProtection),
                true,
            ),
            leaf(&trusted, Some(ExtendedKeyUsagePurpose::ServerAuth), false),
            "not base64!".to_string(),
        ];
        let got = validate(&certs, &[], &roots, false, now);
        assert_eq!(
            got,
            [
                ValidateCertStatus::Success,
                ValidateCertStatus::Success,
                ValidateCertStatus::UntrustedSource,
                ValidateCertStatus::ExpiredOrNotYetValid,
                ValidateCertStatus::NotForEmailSigning,
                ValidateCertStatus::MissingInformation,
            ]
        );
        let got = validate(&certs[..1], &[], &roots, true, now);
        assert_eq!(got, [ValidateCertStatus::RevocationUnknown]);
        // Nothing trusted: nothing valid.
        let got = validate(&certs[..1], &[], &[], false, now);
        assert_eq!(got, [ValidateCertStatus::UntrustedSource]);
    }
}
