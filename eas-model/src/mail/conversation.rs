//! `ConversationId`, `ConversationIndex` and `ThreadTopic`.

use chrono::{DateTime, Utc};

/// The conversation topic: the subject without reply and forward prefixes (`Re:`, `Fwd:`,
/// `AW:`, `WG:` and their Nordic, French and Italian kin, with counters such as `Re[2]:`),
/// repeated prefixes all removed.
pub fn thread_topic(subject: &str) -> String {
    const PREFIXES: [&str; 12] = [
        "re", "fwd", "fw", "aw", "wg", "sv", "vs", "tr", "antw", "wtr", "rif", "r",
    ];
    let mut rest = subject.trim();
    'strip: loop {
        for prefix in PREFIXES {
            let Some(head) = rest.get(..prefix.len()) else {
                continue;
            };
            if !head.eq_ignore_ascii_case(prefix) {
                continue;
            }
            let mut after = rest.get(prefix.len()..).unwrap_or_default();
            // An optional counter: `Re[2]:` or `Re(2):`.
            if let Some(open) = after.chars().next().filter(|c| *c == '[' || *c == '(') {
                let close = if open == '[' { ']' } else { ')' };
                if let Some(end) = after.find(close)
                    && after[1..end].chars().all(|c| c.is_ascii_digit())
                {
                    after = &after[end + 1..];
                }
            }
            if let Some(after) = after.trim_start().strip_prefix(':') {
                rest = after.trim_start();
                continue 'strip;
            }
        }
        break;
    }
    rest.to_string()
}

/// The 16-byte `ConversationId` of a thread.
///
/// Every message of a thread must get the same id, so it is derived from the thread's root:
/// the first Message-ID in `References` (the thread's first message), else `In-Reply-To`,
/// else the message's own Message-ID (it is the root of any replies), else the lower-cased
/// thread topic. The key is hashed with 128-bit FNV-1a, which is fixed and documented, so
/// the id is the same on every server run.
pub fn conversation_id(root_key: &str) -> [u8; 16] {
    const OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;
    let mut hash = OFFSET;
    for byte in root_key.bytes() {
        hash ^= u128::from(byte);
        hash = hash.wrapping_mul(PRIME);
    }
    hash.to_be_bytes()
}

/// The 5-byte header form of `ConversationIndex` (MS-ASCON 2.2.2.4): the message's time as a
/// FILETIME (100 ns ticks since 1601) without its 24 least significant bits, big-endian, as
/// MS-OXOMSG 2.2.1.3 lays out the Current FILETIME field.
pub fn conversation_index(sent: DateTime<Utc>) -> [u8; 5] {
    let filetime = filetime(sent);
    let bits = filetime >> 24;
    let b = bits.to_be_bytes();
    [b[3], b[4], b[5], b[6], b[7]]
}

/// A time as a FILETIME: 100-nanosecond intervals since 1601-01-01 UTC (0 before 1601).
pub fn filetime(t: DateTime<Utc>) -> u64 {
    const UNIX_TO_1601_SECS: i64 = 11_644_473_600;
    let secs = t.timestamp().saturating_add(UNIX_TO_1601_SECS);
    let ticks = i128::from(secs) * 10_000_000 + i128::from(t.timestamp_subsec_nanos() / 100);
    u64::try_from(ticks).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn prefixes_are_stripped() {
        assert_eq!(thread_topic("Re: AW: WG: Fwd: Budget"), "Budget");
        assert_eq!(thread_topic("RE[2]: fw: Budget"), "Budget");
        assert_eq!(thread_topic("Reply needed"), "Reply needed");
        assert_eq!(thread_topic("Rex: no"), "Rex: no");
    }

    #[test]
    fn index_is_filetime_high_bits() {
        // 2011-03-10T11:29:18Z is Unix time 1299756558; FILETIME counts from 1601.
        let t = Utc.with_ymd_and_hms(2011, 3, 10, 11, 29, 18).single();
        let t = t.unwrap_or_default();
        let ft = filetime(t);
        assert_eq!(ft, (1_299_756_558u64 + 11_644_473_600) * 10_000_000);
        let idx = conversation_index(t);
        assert_eq!(idx[0], 0x01);
        assert_eq!(
            u64::from_be_bytes([0, 0, 0, idx[0], idx[1], idx[2], idx[3], idx[4]]),
            ft >> 24
        );
    }

    #[test]
    fn ids_differ_per_root() {
        assert_eq!(conversation_id("<a@x>"), conversation_id("<a@x>"));
        assert_ne!(conversation_id("<a@x>"), conversation_id("<b@x>"));
    }
}
