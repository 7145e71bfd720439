//! Failed-login throttling, per account and per source address (kept in memory).
use std::collections::{HashMap, VecDeque};
use std::hash::Hash;

use chrono::{DateTime, Duration, Utc};

/// When failed logins lead to a refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Failures within `window` that trigger a lock-out.
    pub max_failures: u32,
    /// The sliding window over which failures are counted.
    pub window: Duration,
    /// How long logins are refused once `max_failures` is reached.
    pub lockout: Duration,
}

impl Default for ThrottlePolicy {
    /// 5 failures within 15 minutes lock out for 15 minutes.
    fn default() -> Self {
        ThrottlePolicy {
            max_failures: 5,
            window: Duration::minutes(15),
            lockout: Duration::minutes(15),
        }
    }
}

#[derive(Debug, Default)]
struct Record {
    failures: VecDeque<DateTime<Utc>>,
    locked_until: Option<DateTime<Utc>>,
}

/// Failure records keyed by account (normalised login) or source address.
#[derive(Debug)]
pub(crate) struct Throttle<K> {
    records: HashMap<K, Record>,
}

/// Above this many records, stale ones are swept on the next failure.
const SWEEP_ABOVE: usize = 4096;

impl<K: Hash + Eq + Clone> Throttle<K> {
    pub(crate) fn new() -> Self {
        Throttle {
            records: HashMap::new(),
        }
    }

    /// The end of the current lock-out of `key`, if it is locked at `now`.
    pub(crate) fn locked_until(&self, key: &K, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.records
            .get(key)
            .and_then(|r| r.locked_until)
            .filter(|until| *until > now)
    }

    /// Records a failure; returns the lock-out end when this failure triggers one.
    pub(crate) fn fail(
        &mut self,
        key: &K,
        now: DateTime<Utc>,
        policy: &ThrottlePolicy,
    ) -> Option<DateTime<Utc>> {
        if self.records.len() > SWEEP_ABOVE {
            self.records.retain(|_, r| {
                r.locked_until.is_some_and(|u| u > now)
                    || r.failures.back().is_some_and(|t| *t + policy.window > now)
            });
        }
        let record = self.records.entry(key.clone()).or_default();
        while record
            .failures
            .front()
            .is_some_and(|t| *t + policy.window <= now)
        {
            record.failures.pop_front();
        }
        record.failures.push_back(now);
        if record.failures.len() >= policy.max_failures as usize {
            record.failures.clear();
            let until = now + policy.lockout;
            record.locked_until = Some(until);
            Some(until)
        } else {
            None
        }
    }

    /// Forgets the failures of `key`.
    pub(crate) fn reset(&mut self, key: &K) {
        self.records.remove(key);
    }
}
