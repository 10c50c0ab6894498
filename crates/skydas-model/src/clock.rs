//! Time now, injected. Whatever needs the current time (session expiry, audit records, export
//! timestamps, sharing versions) takes a [`Clock`]; [`SystemClock`] is the one reader of the
//! wall clock in the workspace, and tests use [`FixedClock`]. Detectors take no clock at all:
//! they are functions of their corpus.

use std::sync::atomic::{AtomicI64, Ordering};

/// A source of the current time.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Microseconds since the Unix epoch.
    fn now_micros(&self) -> i64;

    /// Seconds since the Unix epoch.
    fn now(&self) -> i64 {
        self.now_micros().div_euclid(1_000_000)
    }
}

/// The machine's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_micros(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
    }
}

/// A clock that says what it is told, for tests.
#[derive(Debug, Default)]
pub struct FixedClock(AtomicI64);

impl FixedClock {
    /// A clock at `secs` seconds since the epoch.
    pub fn at(secs: i64) -> FixedClock {
        FixedClock(AtomicI64::new(secs.saturating_mul(1_000_000)))
    }

    /// Moves the clock on by `secs` seconds.
    pub fn advance(&self, secs: i64) {
        self.0
            .fetch_add(secs.saturating_mul(1_000_000), Ordering::Relaxed);
    }
}

impl Clock for FixedClock {
    fn now_micros(&self) -> i64 {
        self.0.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_clock_moves_only_when_told() {
        let c = FixedClock::at(1_700_000_000);
        assert_eq!(c.now(), 1_700_000_000);
        c.advance(61);
        assert_eq!(c.now(), 1_700_000_061);
        assert!(SystemClock.now() > 1_700_000_000);
    }
}
