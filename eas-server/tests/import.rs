//! Tests of the Maildir and mbox importers on files written to a temporary directory.
#![allow(
    clippy::type_complexity,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use eas_server::mailin::{
    ImportError, ImportedMessage, normalize_line_endings, read_maildir, read_mbox,
};

/// A unique directory under the system temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("eas-import-test-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    fn write(&self, relative: &str, contents: &[u8]) -> PathBuf {
        let path = self.0.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, contents).unwrap();
        path
    }

    fn mkdir(&self, relative: &str) {
        std::fs::create_dir_all(self.0.join(relative)).unwrap();
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn set_mtime(path: &Path, secs: u64) -> SystemTime {
    let time = UNIX_EPOCH + Duration::from_secs(secs);
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(time)
        .unwrap();
    time
}

fn text(m: &ImportedMessage) -> &str {
    std::str::from_utf8(&m.raw).unwrap()
}

fn flags(m: &ImportedMessage) -> (bool, bool, bool) {
    (m.seen, m.flagged, m.answered)
}

#[test]
fn maildir_reads_cur_new_and_subfolders_with_flags_in_name_order() {
    let dir = TempDir::new();
    let seen = dir.write("cur/1000.M1.host:2,S", b"Subject: seen\n\nA\n");
    let when = set_mtime(&seen, 1_700_000_000);
    dir.write("cur/1001.M2.host:2,FR", b"Subject: flagged answered\n\nB\n");
    dir.write("new/1002.M3.host", b"Subject: new\r\n\r\nC\r\n");
    // In new/ a message is unseen, whatever its name says.
    dir.write("new/1003.M4.host:2,S", b"Subject: new too\n\nD\n");
    dir.write("tmp/0999.M0.host", b"Subject: still being delivered\n\n");
    dir.write("cur/.hidden", b"not a message");
    dir.write(".Sent/cur/2000.M5.host:2,S", b"Subject: sent\n\nE\n");
    dir.mkdir(".Sent/new");
    dir.write(
        ".Archive.2024/cur/3000.M6.host:2,RS",
        b"Subject: archived\n\nF\n",
    );
    dir.write(".NotAFolder/new/4000.M7.host", b"Subject: no cur\n\n");
    dir.write("dovecot-uidlist", b"3 V1 N1\n");

    let messages: Vec<ImportedMessage> = read_maildir(&dir.0)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let summary: Vec<(Option<&str>, &str, (bool, bool, bool))> = messages
        .iter()
        .map(|m| {
            let subject = text(m).lines().next().unwrap();
            (m.folder.as_deref(), subject, flags(m))
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (None, "Subject: seen", (true, false, false)),
            (None, "Subject: flagged answered", (false, true, true)),
            (None, "Subject: new", (false, false, false)),
            (None, "Subject: new too", (false, false, false)),
            (
                Some("Archive/2024"),
                "Subject: archived",
                (true, false, true)
            ),
            (Some("Sent"), "Subject: sent", (true, false, false)),
        ]
    );
    // Bytes as stored, line ends untouched.
    assert_eq!(messages[0].raw, b"Subject: seen\n\nA\n");
    assert_eq!(messages[2].raw, b"Subject: new\r\n\r\nC\r\n");
    assert_eq!(messages[0].received, Some(when));
    assert!(messages.iter().all(|m| m.received.is_some()));
}

#[test]
fn maildir_errors_name_the_path() {
    let dir = TempDir::new();
    dir.write("file.txt", b"x");
    let err = read_maildir(&dir.0).err().unwrap();
    assert!(matches!(err, ImportError::NotMaildir { .. }), "{err}");
    assert!(err.to_string().contains(&dir.0.display().to_string()));

    let missing = dir.0.join("missing");
    let err = read_maildir(&missing).err().unwrap();
    assert!(matches!(err, ImportError::Io { .. }), "{err}");
    assert!(err.to_string().contains("missing"), "{err}");
}

#[test]
fn mbox_splits_unescapes_and_reads_status_headers() {
    let dir = TempDir::new();
    let path = dir.write(
        "inbox.mbox",
        b"From alice@example.com Mon Jan  2 15:04:05 2006\n\
Subject: one\n\
Status: RO\n\
X-Status: AF\n\
\n\
>From the start of a line\n\
>>From quoted twice\n\
> From is not an escape\n\
From inside a paragraph is no separator\n\
\n\
\n\
From bob@example.com Tue Jan 31 10:00:00 2006\n\
Subject: two\n\
Status: O\n\
\n\
body two\n\
\n\
From carol@example.com Wed Feb  1 08:00:00 2006\n\
Subject: three\n\
\n\
no newline at the end",
    );
    let messages: Vec<ImportedMessage> =
        read_mbox(&path).unwrap().collect::<Result<_, _>>().unwrap();
    assert_eq!(messages.len(), 3);

    assert_eq!(
        text(&messages[0]),
        "Subject: one\nStatus: RO\nX-Status: AF\n\nFrom the start of a line\n>From quoted twice\n\
> From is not an escape\nFrom inside a paragraph is no separator\n\n"
    );
    assert_eq!(flags(&messages[0]), (true, true, true));
    assert_eq!(
        messages[0].received,
        Some(UNIX_EPOCH + Duration::from_secs(1_136_214_245))
    );
    assert_eq!(messages[0].folder, None);

    assert_eq!(text(&messages[1]), "Subject: two\nStatus: O\n\nbody two\n");
    assert_eq!(flags(&messages[1]), (false, false, false));

    assert_eq!(
        text(&messages[2]),
        "Subject: three\n\nno newline at the end"
    );
}

#[test]
fn mbox_keeps_crlf_bytes() {
    let dir = TempDir::new();
    let path = dir.write(
        "crlf.mbox",
        b"From a@b Mon Jan  2 15:04:05 2006\r\nSubject: a\r\n\r\nx\r\n\r\nFrom a@b Mon Jan  2 15:04:06 2006\r\nSubject: b\r\n\r\ny\r\n",
    );
    let messages: Vec<ImportedMessage> =
        read_mbox(&path).unwrap().collect::<Result<_, _>>().unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!(text(&messages[0]), "Subject: a\r\n\r\nx\r\n");
    assert_eq!(text(&messages[1]), "Subject: b\r\n\r\ny\r\n");
}

#[test]
fn empty_mbox_has_no_messages() {
    let dir = TempDir::new();
    let path = dir.write("empty.mbox", b"");
    assert_eq!(read_mbox(&path).unwrap().count(), 0);
}

#[test]
fn mbox_not_starting_with_from_is_refused_naming_the_path() {
    let dir = TempDir::new();
    let path = dir.write("notmbox.eml", b"Subject: hi\n\nFrom here on\n");
    let err = read_mbox(&path).err().unwrap();
    assert!(
        matches!(err, ImportError::NotMbox { offset: 0, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("notmbox.eml"), "{err}");

    let missing = dir.0.join("absent.mbox");
    let err = read_mbox(&missing).err().unwrap();
    assert!(matches!(err, ImportError::Io { .. }), "{err}");
    assert!(err.to_string().contains("absent.mbox"), "{err}");
}

#[test]
fn line_endings_normalize_to_crlf() {
    assert_eq!(
        normalize_line_endings(b"a\nb\r\nc\n\nd"),
        b"a\r\nb\r\nc\r\n\r\nd"
    );
    assert_eq!(normalize_line_endings(b"\r\n\n"), b"\r\n\r\n");
}
