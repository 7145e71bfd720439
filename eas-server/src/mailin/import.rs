//! Import of existing mailboxes: Maildir (with Maildir++ subfolders) and mbox (mboxrd
//! and mboxo).
//!
//! Messages are handed over with their bytes exactly as stored (apart from mbox `From `
//! unescaping): line endings are not converted. The importer reads, it does not rewrite
//! mail; a Maildir written on Unix holds LF-only files and a CRLF conversion here would
//! also alter 8-bit or binary bodies containing lone CRs. LMTP, in contrast, delivers
//! CRLF because that is the wire format. Where the store wants one form for both,
//! [`normalize_line_endings`] converts at that one boundary.
//!
//! Both readers are lazy iterators: a Maildir's file names are listed up front, each file
//! is read when its turn comes; an mbox file is streamed through a `BufReader`, one
//! message in memory at a time.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// One message read from a mailbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedMessage {
    /// The message bytes as stored.
    pub raw: Vec<u8>,
    /// The Maildir++ subfolder, `None` for the root folder (the inbox) and for mbox:
    /// `.Sent` gives `"Sent"`, nested `.A.B` gives `"A/B"`.
    pub folder: Option<String>,
    /// Read (Maildir flag `S`, mbox `Status: R`).
    pub seen: bool,
    /// Flagged (Maildir `F`, mbox `X-Status: F`).
    pub flagged: bool,
    /// Answered (Maildir `R`, mbox `X-Status: A`).
    pub answered: bool,
    /// When the message arrived: the file's modification time in a Maildir (as Dovecot
    /// and Courier keep it), the date of the `From ` line in an mbox (taken as UTC, the
    /// line has no zone).
    pub received: Option<SystemTime>,
}

/// Why a mailbox could not be read. Every variant names the file or directory.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// A file or directory could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The directory has neither `cur/` nor `new/`.
    #[error("{}: not a Maildir (no cur/ or new/ directory)", path.display())]
    NotMaildir {
        /// The directory.
        path: PathBuf,
    },
    /// The file does not start with a `From ` line.
    #[error("{}: not an mbox file (byte {offset}: expected a \"From \" line)", path.display())]
    NotMbox {
        /// The file.
        path: PathBuf,
        /// Where the `From ` line was expected.
        offset: u64,
    },
    /// Reading an mbox file failed part way.
    #[error("{}: read error at byte {offset}: {source}", path.display())]
    MboxRead {
        /// The file.
        path: PathBuf,
        /// The byte offset reached.
        offset: u64,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> ImportError + '_ {
    move |source| ImportError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Convert bare LF line ends to CRLF, leaving existing CRLF alone.
pub fn normalize_line_endings(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() + raw.len() / 32);
    let mut previous = 0u8;
    for &b in raw {
        if b == b'\n' && previous != b'\r' {
            out.push(b'\r');
        }
        out.push(b);
        previous = b;
    }
    out
}

// ---------------------------------------------------------------------------------------
// Maildir

struct MaildirEntry {
    path: PathBuf,
    folder: Option<String>,
    seen: bool,
    flagged: bool,
    answered: bool,
}

/// Read a Maildir: `cur/` and `new/` of `root` and of every Maildir++ subfolder (a
/// `.Name` directory with a `cur/`). Folders come in name order (root first), messages of
/// a folder in file name order, which for Maildir names is delivery order. `tmp/` is
/// skipped: it holds deliveries in progress. A file that cannot be read yields an error
/// item and iteration goes on.
pub fn read_maildir(
    root: &Path,
) -> Result<impl Iterator<Item = Result<ImportedMessage, ImportError>>, ImportError> {
    if !root.join("cur").is_dir() && !root.join("new").is_dir() {
        // A missing root is an I/O error; an existing one without cur/new is not a Maildir.
        std::fs::metadata(root).map_err(io_error(root))?;
        return Err(ImportError::NotMaildir {
            path: root.to_owned(),
        });
    }
    let mut folders: Vec<(Option<String>, PathBuf)> = vec![(None, root.to_owned())];
    let mut subfolders = Vec::new();
    for entry in std::fs::read_dir(root).map_err(io_error(root))? {
        let entry = entry.map_err(io_error(root))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some(dotted) = name.strip_prefix('.') else {
            continue;
        };
        if dotted.is_empty() || dotted.starts_with('.') {
            continue;
        }
        let path = entry.path();
        if path.join("cur").is_dir() {
            subfolders.push((Some(dotted.split('.').collect::<Vec<_>>().join("/")), path));
        }
    }
    subfolders.sort_by(|a, b| a.0.cmp(&b.0));
    folders.extend(subfolders);

    let mut entries = Vec::new();
    for (folder, dir) in folders {
        let mut files: Vec<(String, PathBuf, bool)> = Vec::new();
        for sub in ["cur", "new"] {
            let dir = dir.join(sub);
            if !dir.is_dir() {
                continue;
            }
            for entry in std::fs::read_dir(&dir).map_err(io_error(&dir))? {
                let entry = entry.map_err(io_error(&dir))?;
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.starts_with('.') {
                    continue;
                }
                let is_file = entry
                    .file_type()
                    .map(|t| t.is_file() || t.is_symlink())
                    .map_err(io_error(&entry.path()))?;
                if is_file {
                    files.push((name, entry.path(), sub == "new"));
                }
            }
        }
        files.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, path, in_new) in files {
            let flags = maildir_flags(&name);
            // A message still in new/ has not been seen by any client, whatever its name.
            let seen = !in_new && flags.contains('S');
            entries.push(MaildirEntry {
                path,
                folder: folder.clone(),
                seen,
                flagged: flags.contains('F'),
                answered: flags.contains('R'),
            });
        }
    }
    Ok(entries.into_iter().map(read_maildir_entry))
}

/// The flag letters of a Maildir file name: what follows `:2,`.
fn maildir_flags(name: &str) -> &str {
    match name.rsplit_once(":2,") {
        Some((_, flags)) => flags,
        None => "",
    }
}

fn read_maildir_entry(entry: MaildirEntry) -> Result<ImportedMessage, ImportError> {
    let raw = std::fs::read(&entry.path).map_err(io_error(&entry.path))?;
    let received = std::fs::metadata(&entry.path)
        .and_then(|m| m.modified())
        .ok();
    Ok(ImportedMessage {
        raw,
        folder: entry.folder,
        seen: entry.seen,
        flagged: entry.flagged,
        answered: entry.answered,
        received,
    })
}

// ---------------------------------------------------------------------------------------
// mbox

/// Read an mbox file, streaming it. Messages are split at lines beginning `From ` that
/// follow a blank line (or open the file); the blank line before a separator belongs to
/// the format and is dropped. `>From `, `>>From `, ... lose one `>` (mboxrd). In an mboxo
/// file, whose writer escaped only `From `, a body line that really began `>>From ` thus
/// comes back as `>From `; the two formats cannot be told apart from the file, and the
/// mboxrd reading is right for every line mboxo escaped. `Status:` (`R` seen) and
/// `X-Status:` (`F` flagged, `A` answered) headers set the flags and are kept in the
/// message. An empty file has no messages; a file whose first line is not a `From ` line
/// is refused.
pub fn read_mbox(
    path: &Path,
) -> Result<impl Iterator<Item = Result<ImportedMessage, ImportError>>, ImportError> {
    let file = File::open(path).map_err(io_error(path))?;
    let mut reader = BufReader::new(file);
    let mut first = Vec::new();
    let read = reader
        .read_until(b'\n', &mut first)
        .map_err(|source| ImportError::MboxRead {
            path: path.to_owned(),
            offset: 0,
            source,
        })?;
    let done = read == 0;
    if !done && !first.starts_with(b"From ") {
        return Err(ImportError::NotMbox {
            path: path.to_owned(),
            offset: 0,
        });
    }
    Ok(MboxMessages {
        path: path.to_owned(),
        reader,
        offset: read as u64,
        from_line: first,
        done,
    })
}

struct MboxMessages {
    path: PathBuf,
    reader: BufReader<File>,
    /// Bytes of the file consumed so far.
    offset: u64,
    /// The `From ` line opening the next message.
    from_line: Vec<u8>,
    done: bool,
}

impl Iterator for MboxMessages {
    type Item = Result<ImportedMessage, ImportError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let received = from_line_date(&self.from_line);
        let mut raw = Vec::new();
        let mut in_headers = true;
        let (mut seen, mut flagged, mut answered) = (false, false, false);
        // A blank line is held back until the next line shows whether it separates
        // messages.
        let mut held_blank: Option<Vec<u8>> = None;
        let mut line = Vec::new();
        loop {
            line.clear();
            let n = match self.reader.read_until(b'\n', &mut line) {
                Ok(n) => n,
                Err(source) => {
                    self.done = true;
                    return Some(Err(ImportError::MboxRead {
                        path: self.path.clone(),
                        offset: self.offset,
                        source,
                    }));
                }
            };
            self.offset += n as u64;
            if n == 0 {
                self.done = true;
                break;
            }
            if line.starts_with(b"From ") && held_blank.is_some() {
                self.from_line = std::mem::take(&mut line);
                break;
            }
            if let Some(blank) = held_blank.take() {
                raw.extend_from_slice(&blank);
            }
            if line == b"\n" || line == b"\r\n" {
                in_headers = false;
                held_blank = Some(line.clone());
                continue;
            }
            if in_headers {
                if let Some(value) = header_value(&line, b"status:") {
                    seen |= value.contains(&b'R');
                } else if let Some(value) = header_value(&line, b"x-status:") {
                    flagged |= value.contains(&b'F');
                    answered |= value.contains(&b'A');
                }
            }
            let unescaped = if is_escaped_from(&line) {
                &line[1..]
            } else {
                &line[..]
            };
            raw.extend_from_slice(unescaped);
        }
        Some(Ok(ImportedMessage {
            raw,
            folder: None,
            seen,
            flagged,
            answered,
            received,
        }))
    }
}

/// `>+From `: an escaped `From ` line (mboxrd).
fn is_escaped_from(line: &[u8]) -> bool {
    let quotes = line.iter().take_while(|&&b| b == b'>').count();
    quotes > 0 && line[quotes..].starts_with(b"From ")
}

fn header_value<'a>(line: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    let head = line.get(..name.len())?;
    head.eq_ignore_ascii_case(name).then(|| &line[name.len()..])
}

/// The date of a `From sender Www Mmm dd hh:mm:ss yyyy` line, read as UTC.
fn from_line_date(line: &[u8]) -> Option<SystemTime> {
    let text = std::str::from_utf8(line).ok()?.trim_end();
    let mut words = text.split_whitespace().skip(2);
    // asctime: weekday month day time year, possibly followed by a zone we ignore.
    let date: Vec<&str> = words.by_ref().take(5).collect();
    if date.len() < 5 {
        return None;
    }
    let joined = date.join(" ");
    let parsed = chrono::NaiveDateTime::parse_from_str(&joined, "%a %b %d %H:%M:%S %Y").ok()?;
    Some(SystemTime::from(parsed.and_utc()))
}
