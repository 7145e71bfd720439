//! The operations listener: `GET /metrics` (Prometheus text format 0.0.4) and `GET /status`
//! (JSON, for `eas-server top`), and the tiny client `top` reads it with.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, Response, header};
use axum::routing::get;

use crate::metrics::{Metrics, Status};

/// The router of the operations listener.
pub fn router(metrics: Arc<Metrics>) -> Router {
    let for_status = metrics.clone();
    Router::new()
        .route(
            "/metrics",
            get(move || {
                let metrics = metrics.clone();
                async move {
                    let mut r = Response::new(Body::from(metrics.render()));
                    r.headers_mut().insert(
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
                    );
                    r
                }
            }),
        )
        .route(
            "/status",
            get(move || {
                let metrics = for_status.clone();
                async move {
                    let body = serde_json::to_vec(&metrics.status()).unwrap_or_default();
                    let mut r = Response::new(Body::from(body));
                    r.headers_mut().insert(
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("application/json"),
                    );
                    r
                }
            }),
        )
}

/// Read `/status` from a running server's operations listener at `addr` (`host:port`).
/// A plain HTTP/1.0 GET over a socket: `top` talks to its own server on loopback, which
/// needs no HTTP client library.
pub fn fetch_status(addr: &str) -> Result<Status, String> {
    let addr = addr
        .trim()
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let target = addr
        .to_socket_addrs()
        .map_err(|e| format!("{addr}: {e}"))?
        .next()
        .ok_or_else(|| format!("{addr}: no address"))?;
    let mut stream = TcpStream::connect_timeout(&target, Duration::from_secs(5))
        .map_err(|e| format!("{addr}: {e} (is [metrics] listen set?)"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    stream
        .write_all(format!("GET /status HTTP/1.0\r\nHost: {addr}\r\n\r\n").as_bytes())
        .map_err(|e| format!("{addr}: {e}"))?;
    let mut raw = Vec::new();
    stream
        .take(16 * 1024 * 1024)
        .read_to_end(&mut raw)
        .map_err(|e| format!("{addr}: {e}"))?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| format!("{addr}: not an HTTP response"))?;
    let head = String::from_utf8_lossy(&raw[..split]);
    if !head.starts_with("HTTP/1.1 200") && !head.starts_with("HTTP/1.0 200") {
        return Err(format!(
            "{addr}: {}",
            head.lines().next().unwrap_or("no status line")
        ));
    }
    serde_json::from_slice(&raw[split + 4..]).map_err(|e| format!("{addr}: bad status: {e}"))
}
