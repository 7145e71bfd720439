//! Responses and the mapping of failures to HTTP status codes (MS-ASHTTP 3.2.5.2).

use axum::body::Body;
use axum::http::{HeaderValue, Response, StatusCode, header};
use eas_codec::ProtocolVersion;
use eas_codec::command::Command;

use super::request::RequestError;

/// The `Content-Type` of a WBXML body.
pub const WBXML_CONTENT_TYPE: &str = "application/vnd.ms-sync.wbxml";

/// The value of `MS-Server-ActiveSync` this server announces.
pub const SERVER_VERSION: &str = "16.1";

/// An outcome that is answered with an HTTP status instead of a command body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HttpFailure {
    /// 400: the request could not be parsed.
    #[error("bad request: {0}")]
    BadRequest(RequestError),
    /// 401: no or wrong credentials; answered with a Basic challenge.
    #[error("unauthorized")]
    Unauthorized,
    /// 403: the user may not use ActiveSync (e.g. no seat, disabled).
    #[error("forbidden")]
    Forbidden,
    /// 449: the device must provision (missing or stale policy key).
    #[error("needs provisioning")]
    NeedsProvisioning,
    /// 404: nothing is served at this path.
    #[error("not found")]
    NotFound,
    /// 405: the method is not served at this path.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// 400 with `MS-ASProtocolVersions`: the protocol version is above what this account or
    /// device is allowed (an administrator's ceiling); the header lists what is.
    #[error("protocol version not allowed")]
    VersionNotAllowed {
        /// The versions the account and device may use.
        allowed: Vec<ProtocolVersion>,
    },
    /// 413: the body exceeds the configured limit.
    #[error("payload too large")]
    PayloadTooLarge,
    /// 501: the command is not implemented.
    #[error("not implemented")]
    NotImplemented,
    /// 503: try again after the given number of seconds.
    #[error("service unavailable, retry after {retry_after_secs} s")]
    ServiceUnavailable {
        /// Seconds for `Retry-After`.
        retry_after_secs: u32,
    },
    /// 500: an internal error.
    #[error("internal error")]
    Internal,
}

impl HttpFailure {
    /// The status code.
    pub fn status(&self) -> StatusCode {
        match self {
            HttpFailure::BadRequest(RequestError::UnknownCommand(_)) => StatusCode::NOT_IMPLEMENTED,
            HttpFailure::BadRequest(_) => StatusCode::BAD_REQUEST,
            HttpFailure::Unauthorized => StatusCode::UNAUTHORIZED,
            HttpFailure::Forbidden => StatusCode::FORBIDDEN,
            // 449 "Retry With" is a valid code, so this never falls through.
            HttpFailure::NeedsProvisioning => {
                StatusCode::from_u16(449).unwrap_or(StatusCode::FORBIDDEN)
            }
            HttpFailure::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            HttpFailure::VersionNotAllowed { .. } => StatusCode::BAD_REQUEST,
            HttpFailure::NotFound => StatusCode::NOT_FOUND,
            HttpFailure::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            HttpFailure::NotImplemented => StatusCode::NOT_IMPLEMENTED,
            HttpFailure::ServiceUnavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            HttpFailure::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The response, with `WWW-Authenticate` (401) or `Retry-After` (503) as needed.
    pub fn into_response(self, realm: &str) -> Response<Body> {
        let mut resp = empty(self.status());
        let h = resp.headers_mut();
        if let HttpFailure::VersionNotAllowed { allowed } = &self
            && let Ok(v) = HeaderValue::from_str(&versions_list(allowed))
        {
            h.insert("MS-ASProtocolVersions", v);
        }
        match self {
            HttpFailure::Unauthorized => {
                let realm = realm.replace(['"', '\\'], "");
                if let Ok(v) = HeaderValue::from_str(&format!("Basic realm=\"{realm}\"")) {
                    h.insert(header::WWW_AUTHENTICATE, v);
                }
            }
            HttpFailure::ServiceUnavailable { retry_after_secs } => {
                h.insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            }
            _ => {}
        }
        add_server_header(&mut resp);
        resp
    }
}

fn empty(status: StatusCode) -> Response<Body> {
    let mut r = Response::new(Body::empty());
    *r.status_mut() = status;
    r
}

fn add_server_header(resp: &mut Response<Body>) {
    resp.headers_mut().insert(
        "MS-Server-ActiveSync",
        HeaderValue::from_static(SERVER_VERSION),
    );
}

/// `MS-ASProtocolVersions`: every supported version, comma-separated.
pub fn protocol_versions_header() -> String {
    versions_list(&ProtocolVersion::ALL)
}

fn versions_list(versions: &[ProtocolVersion]) -> String {
    versions
        .iter()
        .map(|v| v.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// `MS-ASProtocolCommands`: every command name, comma-separated.
pub fn protocol_commands_header() -> String {
    Command::ALL
        .iter()
        .map(|c| c.name())
        .collect::<Vec<_>>()
        .join(",")
}

/// The answer to `OPTIONS /Microsoft-Server-ActiveSync` (MS-ASHTTP 2.2.4).
pub fn options_response() -> Response<Body> {
    options_response_for(&ProtocolVersion::ALL)
}

/// The OPTIONS answer listing only `versions` (an account or device under a ceiling).
pub fn options_response_for(versions: &[ProtocolVersion]) -> Response<Body> {
    let mut resp = empty(StatusCode::OK);
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&versions_list(versions)) {
        h.insert("MS-ASProtocolVersions", v);
    }
    if let Ok(v) = HeaderValue::from_str(&protocol_commands_header()) {
        h.insert("MS-ASProtocolCommands", v);
    }
    h.insert(header::ALLOW, HeaderValue::from_static("OPTIONS,POST"));
    h.insert("Public", HeaderValue::from_static("OPTIONS,POST"));
    add_server_header(&mut resp);
    resp
}

/// A 200 response carrying a WBXML body (empty bodies get no `Content-Type`).
pub fn wbxml_response(body: Vec<u8>) -> Response<Body> {
    let empty_body = body.is_empty();
    let mut resp = Response::new(Body::from(body));
    if !empty_body {
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(WBXML_CONTENT_TYPE),
        );
    }
    add_server_header(&mut resp);
    resp
}
