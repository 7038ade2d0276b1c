//! What happens after an attempt: done, or retry at a time inside the recipient's window, by outcome.

use jiff::{SignedDuration, Timestamp, tz::TimeZone};
use serde::{Deserialize, Serialize};

use super::window::CallingWindow;

/// How an attempt ended, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Answered,
    NoAnswer,
    Busy,
    Voicemail,
    Failed,
    Cancelled,
}

/// Retry or not for one outcome, and after how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetryRule {
    pub retry: bool,
    pub delay_minutes: u32,
}

/// The campaign's retry settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RetryPolicy {
    /// Attempts per contact in this campaign, the first included.
    pub max_attempts: u32,
    pub no_answer: RetryRule,
    pub busy: RetryRule,
    pub voicemail: RetryRule,
    pub failed: RetryRule,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            no_answer: RetryRule {
                retry: true,
                delay_minutes: 120,
            },
            busy: RetryRule {
                retry: true,
                delay_minutes: 15,
            },
            voicemail: RetryRule {
                retry: true,
                delay_minutes: 240,
            },
            failed: RetryRule {
                retry: true,
                delay_minutes: 10,
            },
        }
    }
}

/// The decision for a contact after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextStep {
    /// No more attempts; why.
    Done(DoneReason),
    /// Try again at this instant (already inside the window).
    RetryAt(Timestamp),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DoneReason {
    Answered,
    Cancelled,
    NotRetried,
    MaxAttempts,
    WindowNeverOpens,
}

impl RetryPolicy {
    pub fn rule(&self, outcome: Outcome) -> Option<RetryRule> {
        match outcome {
            Outcome::NoAnswer => Some(self.no_answer),
            Outcome::Busy => Some(self.busy),
            Outcome::Voicemail => Some(self.voicemail),
            Outcome::Failed => Some(self.failed),
            Outcome::Answered | Outcome::Cancelled => None,
        }
    }

    /// Decides what follows `attempts_made` attempts ending in `outcome` at `now`.
    pub fn next_step(
        &self,
        outcome: Outcome,
        attempts_made: u32,
        now: Timestamp,
        window: &CallingWindow,
        zones: &[TimeZone],
    ) -> NextStep {
        let rule = match outcome {
            Outcome::Answered => return NextStep::Done(DoneReason::Answered),
            Outcome::Cancelled => return NextStep::Done(DoneReason::Cancelled),
            other => self.rule(other),
        };
        let Some(rule) = rule.filter(|r| r.retry) else {
            return NextStep::Done(DoneReason::NotRetried);
        };
        if attempts_made >= self.max_attempts {
            return NextStep::Done(DoneReason::MaxAttempts);
        }
        let earliest = now + SignedDuration::from_mins(i64::from(rule.delay_minutes));
        match window.next_open_in_all(earliest, zones) {
            Some(at) => NextStep::RetryAt(at),
            None => NextStep::Done(DoneReason::WindowNeverOpens),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn kuwait() -> Vec<TimeZone> {
        vec![
            jiff::tz::TimeZoneDatabase::bundled()
                .get("Asia/Kuwait")
                .unwrap_or(TimeZone::UTC),
        ]
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap_or(Timestamp::UNIX_EPOCH)
    }

    #[test]
    fn a_retry_lands_inside_the_window() {
        let w = CallingWindow::preset("kw").unwrap_or_default();
        let p = RetryPolicy::default();
        // No answer at 19:30 Thursday in Kuwait: +2 h is Thursday 21:30, closed; Fri/Sat off; Sunday 09:00.
        let step = p.next_step(Outcome::NoAnswer, 1, ts("2026-11-26T16:30:00Z"), &w, &kuwait());
        assert_eq!(step, NextStep::RetryAt(ts("2026-11-29T06:00:00Z")));
        let busy = p.next_step(Outcome::Busy, 1, ts("2026-11-29T07:00:00Z"), &w, &kuwait());
        assert_eq!(busy, NextStep::RetryAt(ts("2026-11-29T07:15:00Z")));
    }

    #[test]
    fn terminal_outcomes_and_caps() {
        let w = CallingWindow::preset("always").unwrap_or_default();
        let mut p = RetryPolicy::default();
        let now = ts("2026-11-29T07:00:00Z");
        assert_eq!(
            p.next_step(Outcome::Answered, 1, now, &w, &[]),
            NextStep::Done(DoneReason::Answered)
        );
        assert_eq!(
            p.next_step(Outcome::Cancelled, 1, now, &w, &[]),
            NextStep::Done(DoneReason::Cancelled)
        );
        assert_eq!(
            p.next_step(Outcome::Busy, 3, now, &w, &[]),
            NextStep::Done(DoneReason::MaxAttempts)
        );
        p.voicemail.retry = false;
        assert_eq!(
            p.next_step(Outcome::Voicemail, 1, now, &w, &[]),
            NextStep::Done(DoneReason::NotRetried)
        );
        assert_eq!(
            p.next_step(Outcome::Busy, 1, now, &CallingWindow::default(), &[TimeZone::UTC]),
            NextStep::Done(DoneReason::WindowNeverOpens)
        );
    }

    #[test]
    fn a_partial_policy_in_json_keeps_the_other_defaults() {
        let p: RetryPolicy = serde_json::from_str(r#"{"max_attempts": 5}"#).unwrap_or_default();
        assert_eq!(p.max_attempts, 5);
        assert_eq!(p.busy, RetryPolicy::default().busy);
    }

    proptest! {
        #[test]
        fn never_more_than_max_attempts_and_never_before_the_delay(
            max in 1u32..6, attempts in 1u32..8, delay in 0u32..2000, minutes in 0i64..100_000,
            outcome in prop_oneof![Just(Outcome::NoAnswer), Just(Outcome::Busy), Just(Outcome::Voicemail), Just(Outcome::Failed)]
        ) {
            let rule = RetryRule { retry: true, delay_minutes: delay };
            let p = RetryPolicy { max_attempts: max, no_answer: rule, busy: rule, voicemail: rule, failed: rule };
            let w = CallingWindow::preset("kw").unwrap_or_default();
            let now = ts("2026-11-01T00:00:00Z") + SignedDuration::from_mins(minutes);
            match p.next_step(outcome, attempts, now, &w, &kuwait()) {
                NextStep::RetryAt(at) => {
                    prop_assert!(attempts < max);
                    prop_assert!(at >= now + SignedDuration::from_mins(i64::from(delay)));
                    prop_assert!(w.is_open_in_all(at, &kuwait()));
                }
                NextStep::Done(reason) => prop_assert_eq!(reason, DoneReason::MaxAttempts),
            }
        }
    }
}
