//! The LMTP listener (RFC 2033 over the RFC 5321 command set).
//!
//! LMTP differs from SMTP in two ways that matter here: the greeting command is `LHLO`,
//! and after the message data the server answers once per accepted recipient, in RCPT
//! order, so the MTA learns exactly which deliveries succeeded and never queues a message
//! that was delivered to some recipients only.
//!
//! Replies are buffered and flushed only when the client has nothing more buffered
//! (RFC 2920 pipelining), before `354` and after each per-recipient reply.

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use super::message::{Message, Spool};
use crate::http::ShutdownToken;

/// Where accepted mail goes. Implemented by the server over its store.
pub trait Delivery: Send + Sync + 'static {
    /// RCPT TO check: `Ok(true)` local and deliverable, `Ok(false)` unknown user
    /// (`550 5.1.1`). `recipient` is the address inside the angle brackets as the client
    /// sent it; case-folding the local part is up to the implementation.
    fn accepts(&self, recipient: &str) -> impl Future<Output = Result<bool, DeliveryError>> + Send;

    /// Deliver one message to one recipient. The message already carries the
    /// `Return-Path` and `Received` header lines this module prepends, and uses CRLF line
    /// endings. A large message is spooled to disk: read it with [`Message::reader`]
    /// (blocking) rather than into memory.
    fn deliver(
        &self,
        recipient: &str,
        message: Message,
    ) -> impl Future<Output = Result<(), DeliveryError>> + Send;
}

/// Why a recipient check or a delivery failed; decides the reply the MTA gets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    /// A passing problem (store busy, disk I/O): `451 4.3.0`, the MTA retries later.
    #[error("temporary failure: {0}")]
    Temporary(String),
    /// The message can never be delivered to this recipient: `550`/`554 5.3.0`, the MTA
    /// bounces it.
    #[error("permanent failure: {0}")]
    Permanent(String),
    /// The recipient's mailbox is over quota: `452 4.2.2`, temporary so the MTA retries
    /// once space is freed.
    #[error("mailbox full: {0}")]
    MailboxFull(String),
}

impl DeliveryError {
    /// The reply line (without CRLF). `at_rcpt` picks 550 for the RCPT stage and 554
    /// ("transaction failed") after DATA, as RFC 5321 uses them.
    fn reply(&self, at_rcpt: bool) -> String {
        match self {
            DeliveryError::Temporary(m) => format!("451 4.3.0 {}", one_line(m)),
            DeliveryError::Permanent(m) if at_rcpt => format!("550 5.3.0 {}", one_line(m)),
            DeliveryError::Permanent(m) => format!("554 5.3.0 {}", one_line(m)),
            DeliveryError::MailboxFull(m) => format!("452 4.2.2 {}", one_line(m)),
        }
    }
}

/// Settings of the LMTP listener.
#[derive(Debug, Clone)]
pub struct LmtpConfig {
    /// The name this server gives in the greeting and in `Received` lines.
    pub hostname: String,
    /// Largest accepted message (as received, before the prepended headers), in bytes;
    /// announced as `SIZE`.
    pub max_message_bytes: usize,
    /// Most recipients in one transaction; more get `452 4.5.3`.
    pub max_recipients: usize,
    /// How long the server waits for a command or a line of data before `421` and close.
    pub idle_timeout: Duration,
    /// Most concurrent sessions; more are greeted with `421 4.3.2` and closed.
    pub max_connections: usize,
    /// Message data beyond this many bytes is spooled to a file instead of memory.
    pub spool_threshold: usize,
    /// Where spool files go (unnamed, so nothing is left behind by a crash); `None` is the
    /// system's temporary directory, which may be memory-backed: servers set the data
    /// directory.
    pub spool_dir: Option<std::path::PathBuf>,
}

impl Default for LmtpConfig {
    fn default() -> Self {
        LmtpConfig {
            hostname: "localhost".to_owned(),
            max_message_bytes: 50 * 1024 * 1024,
            max_recipients: 100,
            // RFC 5321 4.5.3.2.7: a server should wait at least 5 minutes for a command.
            idle_timeout: Duration::from_secs(300),
            max_connections: 64,
            spool_threshold: 1024 * 1024,
            spool_dir: None,
        }
    }
}

/// How long [`serve_lmtp`] waits, after shutdown, for sessions to finish the transaction
/// they are in before dropping them. An MTA retries a dropped transaction, so nothing
/// is lost beyond a possible duplicate.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// The longest command line, CRLF included (RFC 5321 4.5.3.1.4 allows 512; extensions
/// make lines longer, so this is the text line limit).
const MAX_COMMAND_LINE: usize = 1000;

/// Accept LMTP sessions on `listener` until `shutdown` triggers; then stop accepting, let
/// sessions finish their current transaction (at most [`SHUTDOWN_GRACE`]) and return.
pub async fn serve_lmtp<D: Delivery>(
    listener: TcpListener,
    delivery: Arc<D>,
    config: LmtpConfig,
    shutdown: ShutdownToken,
) -> std::io::Result<()> {
    let config = Arc::new(config);
    let slots = Arc::new(Semaphore::new(config.max_connections.max(1)));
    let mut sessions = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            _ = shutdown.triggered() => break,
            Some(_) = sessions.join_next(), if !sessions.is_empty() => {}
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        // Typically EMFILE; pausing keeps the loop from spinning.
                        tracing::warn!(error = %e, "LMTP accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let config = config.clone();
                match slots.clone().try_acquire_owned() {
                    Ok(permit) => {
                        let delivery = delivery.clone();
                        let token = shutdown.clone();
                        sessions.spawn(async move {
                            if let Err(e) =
                                serve_lmtp_stream(stream, Some(peer), delivery.as_ref(), &config, token).await
                            {
                                tracing::debug!(%peer, error = %e, "LMTP session ended with an error");
                            }
                            drop(permit);
                        });
                    }
                    Err(_) => {
                        // Refusing politely makes the MTA retry later instead of timing out.
                        sessions.spawn(async move {
                            let mut stream = stream;
                            let line = format!("421 4.3.2 {} too many connections, try later\r\n", config.hostname);
                            let _ = tokio::time::timeout(Duration::from_secs(5), stream.write_all(line.as_bytes())).await;
                            tracing::info!(%peer, "LMTP connection refused: too many sessions");
                        });
                    }
                }
            }
        }
    }
    drop(listener);
    let drain = async { while sessions.join_next().await.is_some() {} };
    if tokio::time::timeout(SHUTDOWN_GRACE, drain).await.is_err() {
        sessions.abort_all();
    }
    Ok(())
}

/// Run one LMTP session over any byte stream (a TCP connection, or a Unix socket, which
/// Postfix also offers). `peer` is the client address for the `Received` line, `None` for
/// a local socket. Returns when the client quits or disconnects, on idle timeout, or on
/// shutdown between transactions.
pub async fn serve_lmtp_stream<S, D>(
    stream: S,
    peer: Option<SocketAddr>,
    delivery: &D,
    config: &LmtpConfig,
    shutdown: ShutdownToken,
) -> std::io::Result<()>
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
    D: Delivery,
{
    let (reader, writer) = tokio::io::split(stream);
    let mut session = Session {
        reader: BufReader::new(reader),
        writer: tokio::io::BufWriter::new(writer),
        delivery,
        config,
        peer: peer.map(|p| p.ip()),
        lhlo: None,
        transaction: None,
    };
    session.run(shutdown).await
}

struct Transaction {
    sender: String,
    recipients: Vec<String>,
}

struct Session<'a, R, W, D> {
    reader: BufReader<R>,
    writer: tokio::io::BufWriter<W>,
    delivery: &'a D,
    config: &'a LmtpConfig,
    peer: Option<IpAddr>,
    lhlo: Option<String>,
    transaction: Option<Transaction>,
}

/// What the next command read produced.
enum Incoming {
    Line(Vec<u8>),
    TooLong,
    Closed,
    IdleTimeout,
    Shutdown,
}

/// What to do after a command.
enum Next {
    Continue,
    Close,
}

impl<R, W, D> Session<'_, R, W, D>
where
    R: AsyncRead + Unpin + Send,
    W: AsyncWrite + Unpin + Send,
    D: Delivery,
{
    async fn run(&mut self, shutdown: ShutdownToken) -> std::io::Result<()> {
        let greeting = format!("220 {} LMTP server ready", self.config.hostname);
        self.reply(&greeting).await?;
        self.writer.flush().await?;
        loop {
            match self.next_command(&shutdown).await? {
                Incoming::Closed => return Ok(()),
                Incoming::IdleTimeout => {
                    let line = format!("421 4.4.2 {} idle timeout, closing", self.config.hostname);
                    return self.close_with(&line).await;
                }
                Incoming::Shutdown => {
                    let line = format!("421 4.3.2 {} shutting down", self.config.hostname);
                    return self.close_with(&line).await;
                }
                Incoming::TooLong => self.reply("500 5.5.2 line too long").await?,
                Incoming::Line(line) => {
                    if let Next::Close = self.command(&line).await? {
                        self.writer.flush().await?;
                        return Ok(());
                    }
                }
            }
            // Pipelining: answer in one packet what the client sent in one packet.
            if self.reader.buffer().is_empty() {
                self.writer.flush().await?;
            }
        }
    }

    async fn close_with(&mut self, line: &str) -> std::io::Result<()> {
        self.reply(line).await?;
        self.writer.flush().await?;
        self.writer.shutdown().await
    }

    async fn reply(&mut self, line: &str) -> std::io::Result<()> {
        self.writer.write_all(line.as_bytes()).await?;
        self.writer.write_all(b"\r\n").await
    }

    /// Read one command line. Shutdown interrupts the wait only between transactions, so
    /// a transaction in progress can finish.
    async fn next_command(&mut self, shutdown: &ShutdownToken) -> std::io::Result<Incoming> {
        let idle = self.config.idle_timeout;
        let between_transactions = self.transaction.is_none();
        let mut line = Vec::new();
        let read = tokio::time::timeout(
            idle,
            read_line_capped(&mut self.reader, &mut line, MAX_COMMAND_LINE),
        );
        let outcome = if between_transactions {
            tokio::select! {
                biased;
                _ = shutdown.triggered() => return Ok(Incoming::Shutdown),
                r = read => r,
            }
        } else {
            read.await
        };
        match outcome {
            Err(_) => Ok(Incoming::IdleTimeout),
            Ok(Err(e)) => Err(e),
            Ok(Ok(None)) => Ok(Incoming::Closed),
            Ok(Ok(Some(read))) if !read.complete => {
                if read.ended {
                    Ok(Incoming::TooLong)
                } else {
                    // EOF in the middle of a line: the client is gone.
                    Ok(Incoming::Closed)
                }
            }
            Ok(Ok(Some(_))) => {
                trim_line_end(&mut line);
                Ok(Incoming::Line(line))
            }
        }
    }

    async fn command(&mut self, line: &[u8]) -> std::io::Result<Next> {
        let Ok(line) = std::str::from_utf8(line) else {
            self.reply("500 5.5.2 command is not valid UTF-8").await?;
            return Ok(Next::Continue);
        };
        let (verb, arg) = match line.split_once(' ') {
            Some((v, a)) => (v, a.trim()),
            None => (line.trim(), ""),
        };
        match verb.to_ascii_uppercase().as_str() {
            "LHLO" => self.lhlo(arg).await?,
            "HELO" | "EHLO" => {
                self.reply("500 5.5.1 this is an LMTP server, use LHLO")
                    .await?
            }
            "MAIL" => self.mail(arg).await?,
            "RCPT" => self.rcpt(arg).await?,
            "DATA" => return self.data(arg).await,
            "RSET" => {
                self.transaction = None;
                self.reply("250 2.0.0 OK").await?;
            }
            "NOOP" => self.reply("250 2.0.0 OK").await?,
            "VRFY" => {
                self.reply("252 2.5.0 cannot verify, but will accept and attempt delivery")
                    .await?
            }
            "HELP" => {
                self.reply("214 2.0.0 LHLO MAIL RCPT DATA RSET NOOP QUIT VRFY")
                    .await?
            }
            "QUIT" => {
                let line = format!("221 2.0.0 {} closing connection", self.config.hostname);
                self.reply(&line).await?;
                return Ok(Next::Close);
            }
            _ => self.reply("500 5.5.2 command not recognized").await?,
        }
        Ok(Next::Continue)
    }

    async fn lhlo(&mut self, arg: &str) -> std::io::Result<()> {
        if arg.is_empty() {
            return self.reply("501 5.5.4 LHLO needs a host name").await;
        }
        // RFC 5321 4.1.4: a greeting command resets any transaction.
        self.transaction = None;
        self.lhlo = Some(header_safe(arg.split(' ').next().unwrap_or(arg)));
        let lines = [
            format!("250-{}", self.config.hostname),
            "250-PIPELINING".to_owned(),
            "250-ENHANCEDSTATUSCODES".to_owned(),
            "250-8BITMIME".to_owned(),
            format!("250 SIZE {}", self.config.max_message_bytes),
        ];
        for line in lines {
            self.reply(&line).await?;
        }
        Ok(())
    }

    async fn mail(&mut self, arg: &str) -> std::io::Result<()> {
        if self.lhlo.is_none() {
            return self.reply("503 5.5.1 send LHLO first").await;
        }
        if self.transaction.is_some() {
            return self.reply("503 5.5.1 sender already given").await;
        }
        let Some(rest) = strip_prefix_ignore_case(arg, "FROM:") else {
            return self.reply("501 5.5.4 syntax: MAIL FROM:<address>").await;
        };
        let Some((sender, params)) = parse_path(rest) else {
            return self.reply("501 5.1.7 bad sender address syntax").await;
        };
        for param in params.split_whitespace() {
            let (key, value) = param.split_once('=').unwrap_or((param, ""));
            if key.eq_ignore_ascii_case("SIZE") {
                let Ok(size) = value.parse::<u64>() else {
                    return self.reply("501 5.5.4 bad SIZE value").await;
                };
                if size > self.config.max_message_bytes as u64 {
                    return self.reply("552 5.3.4 message size exceeds the limit").await;
                }
            } else if key.eq_ignore_ascii_case("BODY") {
                if !(value.eq_ignore_ascii_case("7BIT") || value.eq_ignore_ascii_case("8BITMIME")) {
                    return self.reply("501 5.5.4 BODY must be 7BIT or 8BITMIME").await;
                }
            } else {
                return self.reply("555 5.5.4 unsupported MAIL parameter").await;
            }
        }
        self.transaction = Some(Transaction {
            sender: header_safe(sender),
            recipients: Vec::new(),
        });
        self.reply("250 2.1.0 sender OK").await
    }

    async fn rcpt(&mut self, arg: &str) -> std::io::Result<()> {
        let max = self.config.max_recipients;
        let Some(transaction) = self.transaction.as_ref() else {
            return self.reply("503 5.5.1 send MAIL first").await;
        };
        let Some(rest) = strip_prefix_ignore_case(arg, "TO:") else {
            return self.reply("501 5.5.4 syntax: RCPT TO:<address>").await;
        };
        let recipient = match parse_path(rest) {
            Some((r, params)) if !r.is_empty() && params.is_empty() => r,
            Some((r, _)) if !r.is_empty() => {
                return self.reply("555 5.5.4 unsupported RCPT parameter").await;
            }
            _ => return self.reply("501 5.1.3 bad recipient address syntax").await,
        };
        if transaction.recipients.len() >= max {
            return self.reply("452 4.5.3 too many recipients").await;
        }
        match self.delivery.accepts(recipient).await {
            Ok(true) => {
                if let Some(t) = self.transaction.as_mut() {
                    t.recipients.push(recipient.to_owned());
                }
                self.reply("250 2.1.5 recipient OK").await
            }
            Ok(false) => self.reply("550 5.1.1 no such user here").await,
            Err(e) => {
                tracing::warn!(recipient, error = %e, "LMTP recipient check failed");
                self.reply(&e.reply(true)).await
            }
        }
    }

    async fn data(&mut self, arg: &str) -> std::io::Result<Next> {
        if !arg.is_empty() {
            self.reply("501 5.5.4 DATA takes no arguments").await?;
            return Ok(Next::Continue);
        }
        let ready = match &self.transaction {
            None => Some("503 5.5.1 send MAIL first"),
            Some(t) if t.recipients.is_empty() => Some("503 5.5.1 no valid recipients"),
            Some(_) => None,
        };
        if let Some(line) = ready {
            self.reply(line).await?;
            return Ok(Next::Continue);
        }
        self.reply("354 2.0.0 send message, end with <CRLF>.<CRLF>")
            .await?;
        self.writer.flush().await?;
        let body = match self.read_data().await? {
            DataOutcome::Complete(body) => Some(body),
            DataOutcome::TooLarge => None,
            DataOutcome::Closed => return Ok(Next::Close),
            DataOutcome::IdleTimeout => {
                let line = format!(
                    "421 4.4.2 {} timeout reading data, closing",
                    self.config.hostname
                );
                self.close_with(&line).await?;
                return Ok(Next::Close);
            }
        };
        let Some(transaction) = self.transaction.take() else {
            return Ok(Next::Continue);
        };
        let Some(body) = body else {
            // Every recipient gets its own reply, even when the answer is the same.
            for _ in &transaction.recipients {
                self.reply("552 5.3.4 message size exceeds the limit")
                    .await?;
            }
            return Ok(Next::Continue);
        };
        let id = unique_id();
        let date = chrono::Utc::now().to_rfc2822();
        let from = self.lhlo.clone().unwrap_or_else(|| "unknown".to_owned());
        let peer = match self.peer {
            Some(IpAddr::V4(ip)) => format!("[{ip}]"),
            Some(IpAddr::V6(ip)) => format!("[IPv6:{ip}]"),
            None => "local".to_owned(),
        };
        for recipient in &transaction.recipients {
            let head = format!(
                "Return-Path: <{}>\r\nReceived: from {from} ({peer})\r\n\tby {} with LMTP id {id}\r\n\tfor <{}>; {date}\r\n",
                transaction.sender,
                self.config.hostname,
                header_safe(recipient),
            );
            let message = body.with_head(head.into_bytes());
            let line = match self.delivery.deliver(recipient, message).await {
                Ok(()) => format!("250 2.0.0 <{}> delivered, id {id}", header_safe(recipient)),
                Err(e) => {
                    tracing::warn!(recipient, error = %e, "LMTP delivery failed");
                    e.reply(false)
                }
            };
            self.reply(&line).await?;
            // Deliveries may be slow; each answer goes out as soon as it is known.
            self.writer.flush().await?;
        }
        Ok(Next::Continue)
    }

    /// Read message data up to the lone dot: dot-unstuffed, line ends made CRLF. An
    /// oversized message is read to its end and dropped, so the session can go on.
    async fn read_data(&mut self) -> std::io::Result<DataOutcome> {
        let max = self.config.max_message_bytes as u64;
        let new_spool = || Spool::new(self.config.spool_threshold, self.config.spool_dir.clone());
        let mut body = new_spool();
        let mut too_large = false;
        let mut line = Vec::new();
        loop {
            line.clear();
            // Keep enough of each line to see the end marker, and the whole line while
            // the message is within its limit.
            let keep = if too_large {
                3
            } else {
                usize::try_from(max.saturating_sub(body.len()))
                    .unwrap_or(usize::MAX)
                    .saturating_add(3)
            };
            let read = match tokio::time::timeout(
                self.config.idle_timeout,
                read_line_capped(&mut self.reader, &mut line, keep),
            )
            .await
            {
                Err(_) => return Ok(DataOutcome::IdleTimeout),
                Ok(Err(e)) => return Err(e),
                Ok(Ok(None)) => return Ok(DataOutcome::Closed),
                Ok(Ok(Some(read))) => read,
            };
            if !read.ended {
                return Ok(DataOutcome::Closed);
            }
            if read.complete {
                trim_line_end(&mut line);
                if line == b"." {
                    return Ok(if too_large {
                        DataOutcome::TooLarge
                    } else {
                        DataOutcome::Complete(body.finish().await?)
                    });
                }
            } else {
                too_large = true;
            }
            if too_large {
                continue;
            }
            let text = line.strip_prefix(b".").unwrap_or(&line);
            if body.len() + text.len() as u64 + 2 > max {
                too_large = true;
                // Dropping the spool deletes its file.
                body = new_spool();
                continue;
            }
            body.write(text).await?;
            body.write(b"\r\n").await?;
        }
    }
}

enum DataOutcome {
    Complete(Message),
    TooLarge,
    Closed,
    IdleTimeout,
}

/// The result of [`read_line_capped`].
struct LineRead {
    /// The line ended with LF (otherwise the stream ended mid-line).
    ended: bool,
    /// `buf` holds the whole line (otherwise it was longer than the cap and the rest was
    /// consumed and dropped).
    complete: bool,
}

/// Read one line (through LF) from `reader`, appending at most `cap` bytes of it to `buf`
/// and consuming the rest, so an endless line costs no memory. `None` at end of stream.
async fn read_line_capped<R: AsyncBufRead + Unpin>(
    reader: &mut R,
    buf: &mut Vec<u8>,
    cap: usize,
) -> std::io::Result<Option<LineRead>> {
    let mut total = 0usize;
    loop {
        let available = reader.fill_buf().await?;
        if available.is_empty() {
            return Ok(if total == 0 {
                None
            } else {
                Some(LineRead {
                    ended: false,
                    complete: total <= cap,
                })
            });
        }
        let (chunk, found) = match memchr_lf(available) {
            Some(i) => (&available[..=i], true),
            None => (available, false),
        };
        let room = cap.saturating_sub(total);
        buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
        total += chunk.len();
        let used = chunk.len();
        reader.consume(used);
        if found {
            return Ok(Some(LineRead {
                ended: true,
                complete: total <= cap,
            }));
        }
    }
}

fn memchr_lf(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'\n')
}

/// Drop a trailing LF and the CR before it, if any (bare LF is tolerated).
fn trim_line_end(line: &mut Vec<u8>) {
    if line.last() == Some(&b'\n') {
        line.pop();
        if line.last() == Some(&b'\r') {
            line.pop();
        }
    }
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| text[prefix.len()..].trim_start())
}

/// Split `<address> params` into the address (source route dropped) and the parameters.
/// Angle brackets are required by RFC 5321, but a bare address without spaces is accepted
/// since some clients send one.
fn parse_path(text: &str) -> Option<(&str, &str)> {
    let (inner, params) = if let Some(rest) = text.strip_prefix('<') {
        let end = rest.find('>')?;
        (&rest[..end], rest[end + 1..].trim())
    } else {
        match text.split_once(' ') {
            Some((a, p)) => (a, p.trim()),
            None => (text, ""),
        }
    };
    // RFC 5321 4.1.2: "@a,@b:user@c" — the route is obsolete and ignored.
    let address = match inner.strip_prefix('@') {
        Some(_) => inner.split_once(':')?.1,
        None => inner,
    };
    if address.contains(['<', '>', ' ']) {
        return None;
    }
    Some((address, params))
}

/// Text from the client made safe to place in a header: printable ASCII only, bounded.
fn header_safe(text: &str) -> String {
    text.chars()
        .take(256)
        .map(|c| if c.is_ascii_graphic() { c } else { '?' })
        .collect()
}

fn one_line(text: &str) -> String {
    text.chars()
        .take(200)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// A transaction id unique within this process and unlikely to repeat across restarts:
/// start time in seconds plus a counter.
fn unique_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    static START: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    let start = *START.get_or_init(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    });
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{start:X}{n:06X}")
}
