//! The HTTP layer per MS-ASHTTP: request parsing (plain and base64 query forms, headers),
//! status mapping, the axum router on `/Microsoft-Server-ActiveSync`, the
//! [`CommandHandler`] hook, the serve loop with graceful shutdown, and TLS.

pub mod request;
pub mod response;
pub mod server;
pub mod tls;

pub use request::{
    CommandParams, Credentials, EasRequest, RawHeaders, RequestError, RequestLine, build_request,
    parse_basic_auth, parse_query,
};
pub use response::{HttpFailure, options_response, wbxml_response};
pub use server::{
    CommandHandler, EAS_PATH, HttpConfig, PeerAddr, Shutdown, ShutdownToken, router, serve,
};
pub use tls::{TlsError, TlsSetup};
