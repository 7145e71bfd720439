//! The axum router on `/Microsoft-Server-ActiveSync`, the [`CommandHandler`] hook, the
//! serve loop with keep-alive and graceful shutdown.

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, Response, StatusCode};
use eas_codec::command::Command;
use hyper::body::Body as _;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt as _;

use super::request::{
    Credentials, EasRequest, RawHeaders, RequestError, build_request, parse_query,
};
use super::response::{HttpFailure, options_response};

/// The ActiveSync endpoint path (matched case-insensitively).
pub const EAS_PATH: &str = "/Microsoft-Server-ActiveSync";

/// The longest Ping heartbeat or Sync `Wait` a client may ask for, in seconds.
pub const MAX_HEARTBEAT_SECS: u64 = 3540;

/// Settings of the HTTP layer.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Largest accepted request body, in bytes (413 above it).
    pub max_body_bytes: usize,
    /// Time limit for ordinary commands.
    pub command_timeout: Duration,
    /// Time limit for commands that may park (Ping, Sync with `Wait`): heartbeat + margin.
    pub parked_timeout: Duration,
    /// The realm of the Basic challenge.
    pub realm: String,
    /// Seconds announced in `Retry-After` when a command times out.
    pub retry_after_secs: u32,
    /// How long shutdown waits for in-flight requests before dropping them.
    pub shutdown_grace: Duration,
    /// Time limit for the TLS handshake.
    pub handshake_timeout: Duration,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            max_body_bytes: 32 * 1024 * 1024,
            command_timeout: Duration::from_secs(300),
            parked_timeout: Duration::from_secs(MAX_HEARTBEAT_SECS + 120),
            realm: "ActiveSync".to_owned(),
            retry_after_secs: 30,
            shutdown_grace: Duration::from_secs(10),
            handshake_timeout: Duration::from_secs(15),
        }
    }
}

impl HttpConfig {
    /// The time limit for a command.
    pub fn timeout_for(&self, command: Command) -> Duration {
        match command {
            Command::Ping | Command::Sync => self.parked_timeout,
            _ => self.command_timeout,
        }
    }
}

/// Triggers shutdown. Dropping it does not trigger shutdown.
#[derive(Debug)]
pub struct Shutdown {
    tx: watch::Sender<bool>,
}

/// Observes shutdown; given to handlers so parked requests (Ping, Sync `Wait`) can answer
/// early instead of being dropped.
#[derive(Debug, Clone)]
pub struct ShutdownToken {
    rx: watch::Receiver<bool>,
}

impl Shutdown {
    /// A new, untriggered shutdown switch and its token.
    pub fn new() -> (Shutdown, ShutdownToken) {
        let (tx, rx) = watch::channel(false);
        (Shutdown { tx }, ShutdownToken { rx })
    }

    /// Trigger shutdown: every token's [`ShutdownToken::triggered`] completes.
    pub fn trigger(&self) {
        self.tx.send_replace(true);
    }

    /// Another token.
    pub fn token(&self) -> ShutdownToken {
        ShutdownToken {
            rx: self.tx.subscribe(),
        }
    }
}

impl ShutdownToken {
    /// A token that never triggers.
    pub fn never() -> ShutdownToken {
        let (tx, rx) = watch::channel(false);
        // Keeping the sender alive forever would leak; instead a closed channel that
        // never held `true` is treated as "never" by `triggered`.
        drop(tx);
        ShutdownToken { rx }
    }

    /// Whether shutdown has been triggered.
    pub fn is_triggered(&self) -> bool {
        *self.rx.borrow()
    }

    /// Completes when shutdown is triggered (never, if the switch was dropped untriggered).
    pub async fn triggered(&self) {
        let mut rx = self.rx.clone();
        if rx.wait_for(|v| *v).await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// The address a request came from, put in the request's extensions by [`serve`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerAddr(pub SocketAddr);

/// The command layer the HTTP layer hands authenticated requests to.
pub trait CommandHandler: Send + Sync + 'static {
    /// Who a successful authentication says the caller is, handed to [`Self::handle`].
    type Principal: Send + 'static;

    /// Check credentials for a request coming from `peer` (for throttling by source):
    /// the principal to proceed with, or a failure such as [`HttpFailure::Unauthorized`],
    /// [`HttpFailure::Forbidden`] or [`HttpFailure::NeedsProvisioning`].
    fn authenticate(
        &self,
        credentials: &Credentials,
        request: &EasRequest,
        peer: IpAddr,
    ) -> impl Future<Output = Result<Self::Principal, HttpFailure>> + Send;

    /// Execute a command. `shutdown` completes when the server is stopping; a parked
    /// request should then answer at once.
    fn handle(
        &self,
        principal: Self::Principal,
        request: EasRequest,
        body: Bytes,
        shutdown: ShutdownToken,
    ) -> impl Future<Output = Result<Response<Body>, HttpFailure>> + Send;

    /// The protocol versions this caller may use, for OPTIONS (`None`: all, as without
    /// credentials). The default allows all.
    fn allowed_versions(
        &self,
        credentials: &Credentials,
        device: Option<&str>,
        peer: IpAddr,
    ) -> impl Future<Output = Option<Vec<eas_codec::ProtocolVersion>>> + Send {
        let _ = (credentials, device, peer);
        async { None }
    }

    /// Answer an Autodiscover request ([`AUTODISCOVER_PATH`], POX): `credentials` from the
    /// Basic `Authorization` header (`None` when absent or malformed), the XML body. The
    /// default serves none (404).
    fn autodiscover(
        &self,
        credentials: Option<Credentials>,
        peer: IpAddr,
        body: Bytes,
    ) -> impl Future<Output = Result<Response<Body>, HttpFailure>> + Send {
        let _ = (credentials, peer, body);
        async { Err(HttpFailure::NotFound) }
    }
}

/// The Autodiscover endpoint (matched case-insensitively, as clients vary the case).
pub const AUTODISCOVER_PATH: &str = "/autodiscover/autodiscover.xml";

/// Largest Autodiscover request body: the document is a few hundred bytes.
const MAX_AUTODISCOVER_BODY: usize = 64 * 1024;

struct AppState<H> {
    handler: H,
    config: HttpConfig,
    shutdown: ShutdownToken,
}

/// The router: `POST` and `OPTIONS` on [`EAS_PATH`] (any case); 404 elsewhere, 405 for
/// other methods.
pub fn router<H: CommandHandler>(
    handler: H,
    config: HttpConfig,
    shutdown: ShutdownToken,
) -> Router {
    let state = Arc::new(AppState {
        handler,
        config,
        shutdown,
    });
    Router::new().fallback(dispatch::<H>).with_state(state)
}

fn header_text(headers: &HeaderMap, name: &'static str) -> Result<Option<String>, RequestError> {
    match headers.get(name) {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .map(|s| Some(s.to_owned()))
            .map_err(|_| RequestError::BadHeader(name)),
    }
}

/// Extract the ActiveSync headers from a header map.
pub fn raw_headers(headers: &HeaderMap) -> Result<RawHeaders, RequestError> {
    Ok(RawHeaders {
        protocol_version: header_text(headers, "ms-asprotocolversion")?,
        policy_key: header_text(headers, "x-ms-policykey")?,
        accept_multipart: header_text(headers, "ms-asacceptmultipart")?,
        authorization: header_text(headers, "authorization")?,
        content_type: header_text(headers, "content-type")?,
        content_length: header_text(headers, "content-length")?,
    })
}

async fn read_body(mut body: Body, limit: usize) -> Result<Bytes, HttpFailure> {
    let mut out: Vec<u8> = Vec::new();
    loop {
        let frame = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await;
        match frame {
            None => return Ok(Bytes::from(out)),
            Some(Err(_)) => {
                return Err(HttpFailure::BadRequest(RequestError::BadContentLength));
            }
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    if out.len().saturating_add(data.len()) > limit {
                        return Err(HttpFailure::PayloadTooLarge);
                    }
                    out.extend_from_slice(&data);
                }
            }
        }
    }
}

async fn dispatch<H: CommandHandler>(
    State(state): State<Arc<AppState<H>>>,
    req: Request,
) -> Response<Body> {
    if req.uri().path().eq_ignore_ascii_case(AUTODISCOVER_PATH) {
        let realm = state.config.realm.clone();
        return match autodiscover(&state, req).await {
            Ok(r) => r,
            Err(f) => f.into_response(&realm),
        };
    }
    if !req.uri().path().eq_ignore_ascii_case(EAS_PATH) {
        let mut r = Response::new(Body::empty());
        *r.status_mut() = StatusCode::NOT_FOUND;
        return r;
    }
    let realm = state.config.realm.clone();
    match *req.method() {
        Method::OPTIONS => options(&state, req).await,
        Method::POST => match handle_post(&state, req).await {
            Ok(r) => r,
            Err(Refused {
                failure,
                body_unread,
            }) => {
                tracing::debug!(failure = %failure, "ActiveSync request failed");
                let mut r = failure.into_response(&realm);
                // The rest of the body is still on the connection, so it cannot carry another
                // request; say so, or a client reusing it writes into a closing socket.
                if body_unread {
                    r.headers_mut().insert(
                        axum::http::header::CONNECTION,
                        axum::http::HeaderValue::from_static("close"),
                    );
                }
                r
            }
        },
        _ => {
            let mut r = Response::new(Body::empty());
            *r.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
            if let Ok(v) = axum::http::HeaderValue::from_str("OPTIONS,POST") {
                r.headers_mut().insert(axum::http::header::ALLOW, v);
            }
            r
        }
    }
}

/// OPTIONS: every version, or, when the request carries credentials (as phones send them),
/// the versions the handler allows this account and device.
async fn options<H: CommandHandler>(state: &AppState<H>, req: Request) -> Response<Body> {
    let peer = req
        .extensions()
        .get::<PeerAddr>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |p| p.0.ip());
    let credentials = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| super::request::parse_basic_auth(v).ok());
    let Some(credentials) = credentials else {
        return options_response();
    };
    let device = req.uri().query().and_then(|q| {
        q.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            k.eq_ignore_ascii_case("DeviceId").then(|| v.to_string())
        })
    });
    match state
        .handler
        .allowed_versions(&credentials, device.as_deref(), peer)
        .await
    {
        Some(versions) => super::response::options_response_for(&versions),
        None => options_response(),
    }
}

async fn autodiscover<H: CommandHandler>(
    state: &AppState<H>,
    req: Request,
) -> Result<Response<Body>, HttpFailure> {
    if !matches!(*req.method(), Method::POST | Method::GET) {
        return Err(HttpFailure::MethodNotAllowed);
    }
    let (parts, body) = req.into_parts();
    let peer = parts
        .extensions
        .get::<PeerAddr>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |p| p.0.ip());
    let credentials = parts
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| super::request::parse_basic_auth(v).ok());
    let body = read_body(body, MAX_AUTODISCOVER_BODY).await?;
    state.handler.autodiscover(credentials, peer, body).await
}

/// A refused POST, and whether its body was still (partly) unread.
struct Refused {
    failure: HttpFailure,
    body_unread: bool,
}

async fn handle_post<H: CommandHandler>(
    state: &AppState<H>,
    req: Request,
) -> Result<Response<Body>, Refused> {
    let (request, principal, body) = accept_post(state, req).await.map_err(|failure| Refused {
        failure,
        body_unread: true,
    })?;
    let timeout = state.config.timeout_for(request.command);
    let fut = state
        .handler
        .handle(principal, request, body, state.shutdown.clone());
    let answer = match tokio::time::timeout(timeout, fut).await {
        Ok(r) => r,
        Err(_) => Err(HttpFailure::ServiceUnavailable {
            retry_after_secs: state.config.retry_after_secs,
        }),
    };
    answer.map_err(|failure| Refused {
        failure,
        body_unread: false,
    })
}

/// Everything before the command runs: the request line and headers, the credentials, the
/// admission, the body.
async fn accept_post<H: CommandHandler>(
    state: &AppState<H>,
    req: Request,
) -> Result<(EasRequest, H::Principal, Bytes), HttpFailure> {
    let (parts, body) = req.into_parts();
    // Without `serve` (a router driven directly, as in tests) there is no peer.
    let peer = parts
        .extensions
        .get::<PeerAddr>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |p| p.0.ip());
    let request = {
        let query = parts.uri.query().unwrap_or("");
        let line = parse_query(query).map_err(HttpFailure::BadRequest)?;
        let headers = raw_headers(&parts.headers).map_err(HttpFailure::BadRequest)?;
        // Missing or malformed credentials get the challenge, not a 400.
        match build_request(line, &headers) {
            Ok(r) => r,
            Err(RequestError::BadAuthorization) => return Err(HttpFailure::Unauthorized),
            Err(RequestError::MissingParameter("User")) => return Err(HttpFailure::Unauthorized),
            Err(e) => return Err(HttpFailure::BadRequest(e)),
        }
    };
    // Everything needed is parsed into owned values: drop the request head now. Its header
    // values are slices of the connection's read buffer and would keep that buffer (8 KiB)
    // alive for as long as a Ping stays parked — 80 MB for 10,000 phones.
    drop(parts);
    let credentials = request
        .credentials
        .clone()
        .ok_or(HttpFailure::Unauthorized)?;
    let limit = state.config.max_body_bytes;
    if request
        .content_length
        .is_some_and(|n| n > u64::try_from(limit).unwrap_or(u64::MAX))
    {
        return Err(HttpFailure::PayloadTooLarge);
    }
    let principal = state
        .handler
        .authenticate(&credentials, &request, peer)
        .await?;
    let body = read_body(body, limit).await?;
    Ok((request, principal, body))
}

/// Serve `router` on `listener` until `shutdown` triggers, over TLS when `tls` is given
/// (plain HTTP otherwise, for a TLS-terminating proxy in front). HTTP/1.1 keep-alive is on.
/// On shutdown the listener stops accepting, each connection finishes its in-flight
/// request (handlers see the [`ShutdownToken`] and answer parked requests), and after
/// `grace` the remaining connections are dropped.
pub async fn serve(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    router: Router,
    shutdown: ShutdownToken,
    config: &HttpConfig,
) -> std::io::Result<()> {
    let mut conns = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            _ = shutdown.triggered() => break,
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let router = router.clone();
                let tls = tls.clone();
                let token = shutdown.clone();
                let handshake = config.handshake_timeout;
                conns.spawn(async move {
                    match tls {
                        Some(acceptor) => {
                            match tokio::time::timeout(handshake, acceptor.accept(stream)).await {
                                Ok(Ok(s)) => serve_connection(s, router, token, peer).await,
                                Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                                Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                            }
                        }
                        None => serve_connection(stream, router, token, peer).await,
                    }
                });
            }
        }
    }
    drop(listener);
    let drain = async { while conns.join_next().await.is_some() {} };
    if tokio::time::timeout(config.shutdown_grace, drain)
        .await
        .is_err()
    {
        conns.abort_all();
    }
    Ok(())
}

async fn serve_connection<S>(stream: S, router: Router, shutdown: ShutdownToken, peer: SocketAddr)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
        let mut req = req.map(Body::new);
        req.extensions_mut().insert(PeerAddr(peer));
        router.clone().oneshot(req)
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
    let mut conn = std::pin::pin!(conn);
    tokio::select! {
        r = conn.as_mut() => {
            if let Err(e) = r { tracing::debug!(%peer, error = %e, "connection ended with an error"); }
            return;
        }
        _ = shutdown.triggered() => {}
    }
    conn.as_mut().graceful_shutdown();
    if let Err(e) = conn.await {
        tracing::debug!(%peer, error = %e, "connection ended with an error during shutdown");
    }
}
