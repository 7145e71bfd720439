//! A received message, held in memory while small and spooled to disk once large, so a
//! 50 MB delivery costs a few hundred kilobytes of memory however many recipients it has.

use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Bytes;
use tokio::io::AsyncWriteExt;

/// A message ready for delivery: header lines prepended for one recipient (`head`), then
/// the message as received (`body`). Cloning is cheap: the bytes are shared.
#[derive(Debug, Clone)]
pub struct Message {
    head: Bytes,
    body: Body,
}

#[derive(Debug, Clone)]
enum Body {
    Memory(Bytes),
    /// An unnamed temporary file (deleted by the system when the last handle closes).
    Spooled {
        file: Arc<std::fs::File>,
        len: u64,
    },
}

impl Message {
    /// A message held in memory.
    pub fn from_bytes(bytes: impl Into<Bytes>) -> Message {
        Message {
            head: Bytes::new(),
            body: Body::Memory(bytes.into()),
        }
    }

    /// The same message with `head` (header lines, CRLF-terminated) in front of it.
    pub fn with_head(&self, head: impl Into<Bytes>) -> Message {
        Message {
            head: head.into(),
            body: self.body.clone(),
        }
    }

    /// Length in bytes, head included.
    pub fn len(&self) -> u64 {
        let body = match &self.body {
            Body::Memory(b) => b.len() as u64,
            Body::Spooled { len, .. } => *len,
        };
        self.head.len() as u64 + body
    }

    /// Whether the message has no bytes at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the message's bytes are on disk rather than in memory.
    pub fn is_spooled(&self) -> bool {
        matches!(self.body, Body::Spooled { .. })
    }

    /// A reader of the whole message from its first byte. Blocking: use it off the async
    /// runtime (the store's transactions run on blocking threads anyway). Readers are
    /// independent of each other.
    pub fn reader(&self) -> Box<dyn Read + Send> {
        let head = std::io::Cursor::new(self.head.clone());
        match &self.body {
            Body::Memory(b) => Box::new(head.chain(std::io::Cursor::new(b.clone()))),
            Body::Spooled { file, len } => Box::new(head.chain(SpoolReader {
                file: file.clone(),
                at: 0,
                len: *len,
            })),
        }
    }

    /// The whole message in memory (for small messages and tests). Blocking.
    pub fn to_vec(&self) -> std::io::Result<Vec<u8>> {
        let mut out = Vec::with_capacity(usize::try_from(self.len()).unwrap_or(0));
        self.reader().read_to_end(&mut out)?;
        Ok(out)
    }
}

/// Reads a spooled file by position, so readers never disturb each other.
struct SpoolReader {
    file: Arc<std::fs::File>,
    at: u64,
    len: u64,
}

impl Read for SpoolReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = self.len.saturating_sub(self.at);
        let want = usize::try_from(left).unwrap_or(usize::MAX).min(buf.len());
        if want == 0 {
            return Ok(0);
        }
        let n = read_at(&self.file, &mut buf[..want], self.at)?;
        self.at += n as u64;
        Ok(n)
    }
}

#[cfg(unix)]
fn read_at(file: &std::fs::File, buf: &mut [u8], at: u64) -> std::io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, at)
}

#[cfg(windows)]
fn read_at(file: &std::fs::File, buf: &mut [u8], at: u64) -> std::io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buf, at)
}

/// Collects a message being received: in memory up to `threshold` bytes, then in an
/// unnamed temporary file in `dir`.
pub struct Spool {
    memory: Vec<u8>,
    file: Option<tokio::io::BufWriter<tokio::fs::File>>,
    len: u64,
    threshold: usize,
    dir: Option<PathBuf>,
}

/// The write buffer in front of a spool file: large writes, few blocking calls.
const SPOOL_BUFFER: usize = 256 * 1024;

impl Spool {
    /// An empty spool. `dir` = `None` spools to the system's temporary directory.
    pub fn new(threshold: usize, dir: Option<PathBuf>) -> Spool {
        Spool {
            memory: Vec::new(),
            file: None,
            len: 0,
            threshold,
            dir,
        }
    }

    /// Bytes collected so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether nothing was collected.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Append bytes.
    pub async fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.len += bytes.len() as u64;
        if let Some(file) = &mut self.file {
            return file.write_all(bytes).await;
        }
        self.memory.extend_from_slice(bytes);
        if self.memory.len() > self.threshold {
            let dir = self.dir.clone();
            let file = tokio::task::spawn_blocking(move || match dir {
                Some(dir) => tempfile::tempfile_in(dir),
                None => tempfile::tempfile(),
            })
            .await
            .map_err(std::io::Error::other)??;
            let mut file =
                tokio::io::BufWriter::with_capacity(SPOOL_BUFFER, tokio::fs::File::from_std(file));
            file.write_all(&self.memory).await?;
            self.memory = Vec::new();
            self.file = Some(file);
        }
        Ok(())
    }

    /// The collected message.
    pub async fn finish(self) -> std::io::Result<Message> {
        match self.file {
            None => Ok(Message::from_bytes(self.memory)),
            Some(mut file) => {
                file.flush().await?;
                let file = file.into_inner().into_std().await;
                Ok(Message {
                    head: Bytes::new(),
                    body: Body::Spooled {
                        file: Arc::new(file),
                        len: self.len,
                    },
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test]
    async fn a_large_message_spools_to_disk_and_reads_back_with_each_head() {
        let dir = tempfile::tempdir().unwrap();
        let mut spool = Spool::new(1000, Some(dir.path().to_path_buf()));
        let mut expected = Vec::new();
        for i in 0..500u32 {
            let line = format!("line {i}\r\n");
            spool.write(line.as_bytes()).await.unwrap();
            expected.extend_from_slice(line.as_bytes());
        }
        let message = spool.finish().await.unwrap();
        assert!(message.is_spooled());
        let a = message.with_head(&b"X-A: 1\r\n"[..]);
        let b = message.with_head(&b"X-B: 2\r\n"[..]);
        let (ra, rb) = tokio::task::spawn_blocking(move || (a.to_vec(), b.to_vec()))
            .await
            .unwrap();
        assert_eq!(ra.unwrap(), [&b"X-A: 1\r\n"[..], &expected].concat());
        assert_eq!(rb.unwrap(), [&b"X-B: 2\r\n"[..], &expected].concat());
        assert_eq!(message.len(), expected.len() as u64);
    }

    #[tokio::test]
    async fn a_small_message_stays_in_memory() {
        let mut spool = Spool::new(1000, None);
        spool.write(b"Subject: x\r\n\r\nhi\r\n").await.unwrap();
        let message = spool.finish().await.unwrap();
        assert!(!message.is_spooled());
        assert_eq!(message.to_vec().unwrap(), b"Subject: x\r\n\r\nhi\r\n");
    }
}
