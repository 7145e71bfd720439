//! Limits and defaults that MS-ASCMD documents, for the sync engine and server to enforce
//! (they are answered with protocol statuses, not decoding errors). The decoder's own bound
//! on repetitions is [`DecodeOptions::max_repeat`](crate::codec::DecodeOptions::max_repeat).

use std::ops::RangeInclusive;

/// Largest Sync `WindowSize`; a server reads 0 and anything larger as this (MS-ASCMD
/// 2.2.3.199).
pub const WINDOW_SIZE_MAX: u32 = 512;

/// The `WindowSize` a server assumes when a request has none (MS-ASCMD 2.2.3.199).
pub const WINDOW_SIZE_DEFAULT: u32 = 100;

/// Allowed Sync `Wait`, in minutes; outside it the answer is status 14 with the nearest
/// bound in `Limit` (MS-ASCMD 2.2.3.97, 2.2.3.198).
pub const SYNC_WAIT_MINUTES: RangeInclusive<u32> = 1..=59;

/// Allowed Sync `HeartbeatInterval`, in seconds (MS-ASCMD 2.2.3.88.2).
pub const SYNC_HEARTBEAT_SECONDS: RangeInclusive<u32> = 60..=3540;

/// The effective window for a requested `WindowSize`.
pub fn effective_window_size(requested: Option<u32>) -> u32 {
    match requested {
        None => WINDOW_SIZE_DEFAULT,
        Some(0) => WINDOW_SIZE_MAX,
        Some(n) => n.min(WINDOW_SIZE_MAX),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_sizes_follow_ms_ascmd() {
        assert_eq!(effective_window_size(None), 100);
        assert_eq!(effective_window_size(Some(0)), 512);
        assert_eq!(effective_window_size(Some(25)), 25);
        assert_eq!(effective_window_size(Some(10_000)), 512);
        assert!(SYNC_WAIT_MINUTES.contains(&59) && !SYNC_WAIT_MINUTES.contains(&60));
        assert!(SYNC_HEARTBEAT_SECONDS.contains(&60) && !SYNC_HEARTBEAT_SECONDS.contains(&3541));
    }
}
