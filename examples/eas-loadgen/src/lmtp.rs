//! A minimal LMTP sender (RFC 2033) for feeding mail into the server at a set rate. Hand
//! written because the SMTP crates speak SMTP, not LMTP's LHLO and per-recipient replies,
//! and the loadgen needs the moment the message's last byte left (the start of the
//! delivery-to-push measurement).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

use crate::LoadError;

const REPLY_TIMEOUT: Duration = Duration::from_secs(30);

/// One LMTP session, reused for many messages.
#[derive(Debug)]
pub struct LmtpSender {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
    line: String,
}

impl LmtpSender {
    /// Connects and greets (`LHLO`).
    ///
    /// # Errors
    /// [`LoadError::Io`] or [`LoadError::Lmtp`] when the server does not answer as LMTP.
    pub async fn connect(addr: SocketAddr) -> Result<LmtpSender, LoadError> {
        let stream = tokio::time::timeout(REPLY_TIMEOUT, TcpStream::connect(addr))
            .await
            .map_err(|_| LoadError::Lmtp(format!("connecting to {addr} timed out")))??;
        stream.set_nodelay(true)?;
        let (r, w) = stream.into_split();
        let mut s = LmtpSender {
            reader: BufReader::new(r),
            writer: w,
            line: String::new(),
        };
        s.expect("greeting", '2').await?;
        s.writer.write_all(b"LHLO eas-loadgen\r\n").await?;
        s.expect("LHLO", '2').await?;
        Ok(s)
    }

    /// Delivers `message` (CRLF lines, none starting with a dot: [`message`] makes such) to
    /// `rcpt`. `on_last_byte` is called with the instant just before the final dot is
    /// written — from then on the server has the whole message — and that instant is
    /// returned.
    ///
    /// # Errors
    /// [`LoadError::Lmtp`] when a reply is not 2xx/3xx as expected.
    pub async fn deliver(
        &mut self,
        rcpt: &str,
        message: &str,
        on_last_byte: impl FnOnce(Instant),
    ) -> Result<Instant, LoadError> {
        self.writer
            .write_all(
                format!("MAIL FROM:<loadgen@load.test>\r\nRCPT TO:<{rcpt}>\r\nDATA\r\n").as_bytes(),
            )
            .await?;
        self.expect("MAIL FROM", '2').await?;
        self.expect("RCPT TO", '2').await?;
        self.expect("DATA", '3').await?;
        self.writer.write_all(message.as_bytes()).await?;
        let sent = Instant::now();
        on_last_byte(sent);
        self.writer.write_all(b".\r\n").await?;
        self.expect("end of data", '2').await?;
        Ok(sent)
    }

    /// Reads one (possibly multi-line) reply and checks its first digit.
    async fn expect(&mut self, step: &str, first_digit: char) -> Result<(), LoadError> {
        loop {
            self.line.clear();
            let n = tokio::time::timeout(REPLY_TIMEOUT, self.reader.read_line(&mut self.line))
                .await
                .map_err(|_| LoadError::Lmtp(format!("{step}: no reply in {REPLY_TIMEOUT:?}")))??;
            if n == 0 {
                return Err(LoadError::Lmtp(format!("{step}: connection closed")));
            }
            if !self.line.starts_with(first_digit) {
                return Err(LoadError::Lmtp(format!("{step}: {}", self.line.trim_end())));
            }
            // A continuation line has '-' after the code; the last has a space.
            if self.line.as_bytes().get(3) != Some(&b'-') {
                return Ok(());
            }
        }
    }
}

/// A small message of about `body_bytes` bytes of text; `subject` identifies it.
pub fn message(subject: &str, body_bytes: usize) -> String {
    let mut body = String::with_capacity(body_bytes + 80);
    let line = "The quick brown fox jumps over the lazy dog; load test body text.\r\n";
    while body.len() < body_bytes {
        body.push_str(line);
    }
    format!(
        "From: Load Generator <loadgen@load.test>\r\nTo: <someone@load.test>\r\n\
         Subject: {subject}\r\nDate: Sun, 22 Nov 2026 12:00:00 +0000\r\n\
         Message-ID: <{subject}@load.test>\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n{body}"
    )
}
