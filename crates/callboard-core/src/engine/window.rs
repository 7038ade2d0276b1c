//! Calling windows in the recipient's local time. A window is a set of local hours per weekday plus
//! blocked dates, evaluated in each contact's own zone with the bundled tz database.
//!
//! DST rule: each day's interval is turned into absolute instants with jiff's "compatible" disambiguation
//! (a start inside a spring-forward gap moves past the gap; a start or end inside a fall-back fold takes the
//! earlier instant). So a window is never skipped on a change day and never opens twice.
//! A contact with several candidate zones (`+1 208` is Boise and Los Angeles) may be called only while the
//! window is open in every one of them.

use std::collections::BTreeSet;

use jiff::{
    Timestamp,
    civil::{Date, DateTime, Time, Weekday},
    tz::TimeZone,
};
use serde::{Deserialize, Serialize};

use crate::validation::ValidationError;

/// How far ahead `next_open` looks before concluding the window never opens.
const HORIZON_DAYS: usize = 400;
/// How many rounds the multi-zone search takes before giving up on an empty intersection.
const INTERSECT_ROUNDS: usize = 64;

/// Local hours `[start, end)` on one weekday; `end` may be 24:00 (written as `None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hours {
    pub start: Time,
    pub end: Option<Time>,
}

/// When calls may be placed, in the recipient's local time.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CallingWindow {
    /// Index 0 = Monday … 6 = Sunday.
    pub days: [Vec<Hours>; 7],
    pub blocked_dates: BTreeSet<Date>,
}

fn t(h: i8, m: i8) -> Time {
    Time::constant(h, m, 0, 0)
}

impl CallingWindow {
    /// Every weekday the same hours.
    pub fn daily(start: Time, end: Option<Time>) -> Self {
        let h = vec![Hours { start, end }];
        CallingWindow {
            days: std::array::from_fn(|_| h.clone()),
            blocked_dates: BTreeSet::new(),
        }
    }

    /// The named presets: `kw` Sun–Thu 09:00–20:00; `in` Mon–Sat 10:00–19:00; `us` daily 08:00–21:00 (TCPA);
    /// `always` no restriction.
    pub fn preset(name: &str) -> Option<Self> {
        let on = |weekdays: &[Weekday], start, end| {
            let mut w = CallingWindow::default();
            for d in weekdays {
                w.days[day_index(*d)] = vec![Hours {
                    start,
                    end: Some(end),
                }];
            }
            w
        };
        use Weekday::*;
        match name {
            "always" => Some(CallingWindow::daily(t(0, 0), None)),
            "kw" => Some(on(
                &[Sunday, Monday, Tuesday, Wednesday, Thursday],
                t(9, 0),
                t(20, 0),
            )),
            "in" => Some(on(
                &[Monday, Tuesday, Wednesday, Thursday, Friday, Saturday],
                t(10, 0),
                t(19, 0),
            )),
            "us" => Some(CallingWindow::daily(t(8, 0), Some(t(21, 0)))),
            _ => None,
        }
    }

    /// Checks the hours are well formed: each interval non-empty, sorted, not overlapping.
    pub fn validate(&self) -> Result<(), ValidationError> {
        for hours in &self.days {
            let mut prev_end: Option<Time> = None;
            for h in hours {
                if h.end.is_some_and(|e| e <= h.start) {
                    return Err(ValidationError::new(
                        "hours",
                        "each interval must end after it starts",
                    ));
                }
                if prev_end.is_some_and(|p| h.start < p) {
                    return Err(ValidationError::new(
                        "hours",
                        "intervals must be in order and not overlap",
                    ));
                }
                prev_end = Some(h.end.unwrap_or(Time::MAX));
            }
        }
        Ok(())
    }

    /// Whether the window is open at `at` in zone `tz`.
    pub fn is_open(&self, at: Timestamp, tz: &TimeZone) -> bool {
        let date = tz.to_datetime(at).date();
        self.intervals(date, tz).any(|(s, e)| s <= at && at < e)
    }

    /// Whether the window is open at `at` in every zone.
    pub fn is_open_in_all(&self, at: Timestamp, zones: &[TimeZone]) -> bool {
        zones.iter().all(|z| self.is_open(at, z))
    }

    /// The earliest instant `>= at` when the window is open in `tz`, or `None` within the horizon.
    pub fn next_open(&self, at: Timestamp, tz: &TimeZone) -> Option<Timestamp> {
        let mut date = tz.to_datetime(at).date();
        for _ in 0..HORIZON_DAYS {
            if let Some((s, _)) = self.intervals(date, tz).find(|(_, e)| *e > at) {
                return Some(s.max(at));
            }
            date = date.tomorrow().ok()?;
        }
        None
    }

    /// The earliest instant `>= at` when the window is open in every zone (an empty list means no zone
    /// constraint, so `at`).
    pub fn next_open_in_all(&self, at: Timestamp, zones: &[TimeZone]) -> Option<Timestamp> {
        let mut candidate = at;
        for _ in 0..INTERSECT_ROUNDS {
            let mut latest = candidate;
            for z in zones {
                latest = latest.max(self.next_open(candidate, z)?);
            }
            if latest == candidate {
                return Some(candidate);
            }
            candidate = latest;
        }
        None
    }

    /// The absolute intervals of one local date, in order; none on a blocked date.
    fn intervals<'a>(
        &'a self,
        date: Date,
        tz: &'a TimeZone,
    ) -> impl Iterator<Item = (Timestamp, Timestamp)> + 'a {
        let blocked = self.blocked_dates.contains(&date);
        let hours: &[Hours] = if blocked {
            &[]
        } else {
            &self.days[day_index(date.weekday())]
        };
        hours.iter().filter_map(move |h| {
            let start = local_instant(tz, DateTime::from_parts(date, h.start))?;
            let end = match h.end {
                Some(end) => local_instant(tz, DateTime::from_parts(date, end))?,
                None => local_instant(tz, DateTime::from_parts(date.tomorrow().ok()?, Time::MIN))?,
            };
            (start < end).then_some((start, end))
        })
    }
}

fn day_index(d: Weekday) -> usize {
    usize::try_from(d.to_monday_zero_offset()).unwrap_or(0)
}

/// A local wall time as an instant: past a gap, the earlier of a fold.
fn local_instant(tz: &TimeZone, dt: DateTime) -> Option<Timestamp> {
    tz.to_ambiguous_timestamp(dt).compatible().ok()
}

#[cfg(test)]
mod tests;
