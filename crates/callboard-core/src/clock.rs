//! The only place that reads the wall clock. Everything time-dependent takes a `Clock`, so tests can run a
//! day of campaign in milliseconds with a manual clock (tokio's paused time does not move wall-clock time).

use std::fmt::Debug;

use jiff::Timestamp;

/// A source of "now".
pub trait Clock: Send + Sync + Debug + 'static {
    fn now(&self) -> Timestamp;
}

/// The real wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// RFC 3339 text as stored in the database: UTC, whole microseconds at most.
pub fn to_db(ts: Timestamp) -> String {
    ts.round(jiff::Unit::Microsecond).unwrap_or(ts).to_string()
}
