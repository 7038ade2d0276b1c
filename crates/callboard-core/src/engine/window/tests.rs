//! Calling-window rules: presets, DST change days, multi-zone contacts, and properties checked against a
//! brute-force minute-by-minute oracle.

use jiff::{SignedDuration, Timestamp, civil::date, tz::TimeZone};
use proptest::prelude::*;

use super::*;

fn zone(name: &str) -> TimeZone {
    jiff::tz::TimeZoneDatabase::bundled()
        .get(name)
        .unwrap_or(TimeZone::UTC)
}

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap_or(Timestamp::UNIX_EPOCH)
}

fn preset(name: &str) -> CallingWindow {
    CallingWindow::preset(name).unwrap_or_default()
}

#[test]
fn us_window_follows_spring_forward() {
    let ny = zone("America/New_York");
    let w = preset("us");
    // 13:30Z is 08:30 EST on Saturday (open from 08:00) and 09:30 EDT on Sunday.
    assert!(w.is_open(ts("2026-03-07T13:30:00Z"), &ny));
    assert!(!w.is_open(ts("2026-03-07T12:30:00Z"), &ny)); // 07:30 EST
    assert!(w.is_open(ts("2026-03-08T12:30:00Z"), &ny)); // 08:30 EDT
    // The 9-to-20 example from the dependency notes.
    let nine = CallingWindow::daily(Time::constant(9, 0, 0, 0), Some(Time::constant(20, 0, 0, 0)));
    assert!(!nine.is_open(ts("2026-03-07T13:30:00Z"), &ny));
    assert!(nine.is_open(ts("2026-03-08T13:30:00Z"), &ny));
}

#[test]
fn a_start_inside_the_spring_gap_opens_after_the_gap_not_never() {
    let ny = zone("America/New_York");
    let w = CallingWindow::daily(Time::constant(2, 30, 0, 0), Some(Time::constant(4, 0, 0, 0)));
    // 02:30 does not exist on 2026-03-08: the window opens at 03:30 EDT (07:30Z) and closes at 04:00 EDT.
    let opened = w.next_open(ts("2026-03-08T05:00:00Z"), &ny);
    assert_eq!(opened, Some(ts("2026-03-08T07:30:00Z")));
    assert!(!w.is_open(ts("2026-03-08T08:00:00Z"), &ny));
}

#[test]
fn a_window_inside_the_autumn_fold_opens_once() {
    let ny = zone("America/New_York");
    let w = CallingWindow::daily(Time::constant(1, 0, 0, 0), Some(Time::constant(1, 45, 0, 0)));
    // 01:00–01:45 happens twice on 2026-11-01; calls go in the first (EDT) occurrence only.
    assert!(w.is_open(ts("2026-11-01T05:30:00Z"), &ny)); // 01:30 EDT
    assert!(!w.is_open(ts("2026-11-01T06:30:00Z"), &ny)); // 01:30 EST, the repeat
    let open_minutes = (0..24 * 60)
        .filter(|m| w.is_open(ts("2026-11-01T00:00:00Z") + SignedDuration::from_mins(*m), &ny))
        .count();
    assert_eq!(open_minutes, 45);
}

#[test]
fn kuwait_is_closed_on_friday_and_saturday() {
    let kw = zone("Asia/Kuwait");
    let w = preset("kw");
    // 2026-11-27 is a Friday; 10:00 in Kuwait is 07:00Z.
    assert!(!w.is_open(ts("2026-11-27T07:00:00Z"), &kw));
    assert!(!w.is_open(ts("2026-11-28T07:00:00Z"), &kw));
    assert!(w.is_open(ts("2026-11-29T07:00:00Z"), &kw)); // Sunday
    // From Friday morning the next opening is Sunday 09:00 local.
    assert_eq!(
        w.next_open(ts("2026-11-27T07:00:00Z"), &kw),
        Some(ts("2026-11-29T06:00:00Z"))
    );
}

#[test]
fn legacy_zone_names_resolve_through_the_bundled_database() {
    let calcutta = zone("Asia/Calcutta");
    assert_ne!(calcutta, TimeZone::UTC);
    // 10:30 IST on a Monday.
    assert!(preset("in").is_open(ts("2026-11-30T05:00:00Z"), &calcutta));
}

#[test]
fn multi_zone_contacts_wait_for_every_zone() {
    let zones = [zone("America/Boise"), zone("America/Los_Angeles")];
    let w = CallingWindow::daily(Time::constant(9, 0, 0, 0), Some(Time::constant(20, 0, 0, 0)));
    // 15:30Z on 2026-03-09: 09:30 in Boise (MDT), 08:30 in Los Angeles (PDT).
    let at = ts("2026-03-09T15:30:00Z");
    assert!(w.is_open(at, &zones[0]));
    assert!(!w.is_open_in_all(at, &zones));
    assert_eq!(w.next_open_in_all(at, &zones), Some(ts("2026-03-09T16:00:00Z")));
    assert_eq!(w.next_open_in_all(at, &[]), Some(at));
}

#[test]
fn blocked_dates_and_impossible_windows() {
    let kw = zone("Asia/Kuwait");
    let mut w = preset("kw");
    w.blocked_dates.insert(date(2026, 11, 29));
    assert!(!w.is_open(ts("2026-11-29T07:00:00Z"), &kw));
    assert_eq!(
        w.next_open(ts("2026-11-29T07:00:00Z"), &kw),
        Some(ts("2026-11-30T06:00:00Z"))
    );
    assert_eq!(
        CallingWindow::default().next_open(ts("2026-11-29T07:00:00Z"), &kw),
        None
    );
    // Windows that never overlap: Kuwait mornings and Honolulu mornings.
    let short = CallingWindow::daily(Time::constant(9, 0, 0, 0), Some(Time::constant(10, 0, 0, 0)));
    let zones = [kw, zone("Pacific/Honolulu")];
    assert_eq!(short.next_open_in_all(ts("2026-11-29T07:00:00Z"), &zones), None);
}

#[test]
fn presets_are_valid_and_bad_hours_are_refused() {
    for name in ["always", "kw", "in", "us"] {
        assert_eq!(preset(name).validate(), Ok(()), "{name}");
    }
    assert!(CallingWindow::preset("mars").is_none());
    let backwards = CallingWindow::daily(Time::constant(20, 0, 0, 0), Some(Time::constant(9, 0, 0, 0)));
    assert!(backwards.validate().is_err());
}

const ZONES: [&str; 8] = [
    "America/New_York",
    "America/Los_Angeles",
    "Europe/London",
    "Asia/Kuwait",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
    "America/Sao_Paulo",
    "Pacific/Chatham",
];

fn window_strategy() -> impl Strategy<Value = CallingWindow> {
    let hours = (0i8..23, 0i8..4, 1i8..10).prop_map(|(h, q, len)| {
        let start = Time::constant(h, q * 15, 0, 0);
        let end_h = h + len;
        let end = if end_h >= 24 {
            None
        } else {
            Some(Time::constant(end_h, q * 15, 0, 0))
        };
        Hours { start, end }
    });
    (
        proptest::collection::vec(proptest::option::of(hours), 7),
        proptest::collection::btree_set(0u32..60, 0..5),
    )
        .prop_map(|(days, blocked)| {
            let mut w = CallingWindow::default();
            for (i, h) in days.into_iter().enumerate() {
                w.days[i] = h.into_iter().collect();
            }
            // Blocked dates near the test range (2026-03-01 + n days).
            for n in blocked {
                if let Ok(d) = date(2026, 3, 1).checked_add(jiff::Span::new().days(i64::from(n))) {
                    w.blocked_dates.insert(d);
                }
            }
            w
        })
}

/// The oracle: the local wall-clock reading, checked against the day's hours directly. It differs from the
/// rule only inside folds (where the rule opens once), so it is used away from the fold hour.
fn oracle_open(w: &CallingWindow, at: Timestamp, tz: &TimeZone) -> bool {
    let local = tz.to_datetime(at);
    if w.blocked_dates.contains(&local.date()) {
        return false;
    }
    let time = local.time();
    w.days[day_index(local.date().weekday())]
        .iter()
        .any(|h| h.start <= time && h.end.is_none_or(|e| time < e))
}

fn near_transition(at: Timestamp, tz: &TimeZone) -> bool {
    let before = tz.to_offset(at - SignedDuration::from_hours(3));
    let after = tz.to_offset(at + SignedDuration::from_hours(3));
    before != after
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn is_open_matches_local_time_away_from_transitions(
        w in window_strategy(), z in 0usize..ZONES.len(), minutes in 0i64..(60 * 24 * 70)
    ) {
        let tz = zone(ZONES[z]);
        let at = ts("2026-03-01T00:00:00Z") + SignedDuration::from_mins(minutes);
        prop_assume!(!near_transition(at, &tz));
        prop_assert_eq!(w.is_open(at, &tz), oracle_open(&w, at, &tz));
    }

    #[test]
    fn next_open_is_open_and_nothing_earlier_is(
        w in window_strategy(), z in 0usize..ZONES.len(), minutes in 0i64..(60 * 24 * 60)
    ) {
        let tz = zone(ZONES[z]);
        let at = ts("2026-03-01T00:00:00Z") + SignedDuration::from_mins(minutes);
        match w.next_open(at, &tz) {
            Some(n) => {
                prop_assert!(n >= at);
                prop_assert!(w.is_open(n, &tz));
                // Minute steps between `at` and `n` (bounded to 9 days) are all closed.
                let mut probe = at;
                let limit = at + SignedDuration::from_hours(24 * 9);
                while probe < n && probe < limit {
                    prop_assert!(!w.is_open(probe, &tz), "open at {} before {}", probe, n);
                    probe += SignedDuration::from_mins(7);
                }
            }
            None => prop_assert!(w.days.iter().all(Vec::is_empty) || !w.blocked_dates.is_empty()),
        }
    }

    #[test]
    fn multi_zone_next_open_is_open_everywhere(
        w in window_strategy(), a in 0usize..ZONES.len(), b in 0usize..ZONES.len(), minutes in 0i64..(60 * 24 * 30)
    ) {
        let zones = [zone(ZONES[a]), zone(ZONES[b])];
        let at = ts("2026-03-01T00:00:00Z") + SignedDuration::from_mins(minutes);
        if let Some(n) = w.next_open_in_all(at, &zones) {
            prop_assert!(n >= at);
            prop_assert!(w.is_open_in_all(n, &zones));
        }
    }
}

/// The change days inside the engine's simulated week (29 March – 5 April 2026).
#[test]
fn europe_springs_forward_and_australia_falls_back_inside_the_simulated_week() {
    let w = preset("us");
    let london = zone("Europe/London");
    // Sunday 29 March: clocks go 01:00 GMT → 02:00 BST; 08:00 BST is 07:00Z (the day before it was 08:00Z).
    assert_eq!(
        w.next_open(ts("2026-03-28T22:00:00Z"), &london),
        Some(ts("2026-03-29T07:00:00Z"))
    );
    assert_eq!(
        w.next_open(ts("2026-03-27T22:00:00Z"), &london),
        Some(ts("2026-03-28T08:00:00Z"))
    );
    // 21:00 BST closes at 20:00Z: 13 hours, not 12 or 14.
    assert!(w.is_open(ts("2026-03-29T19:59:00Z"), &london));
    assert!(!w.is_open(ts("2026-03-29T20:00:00Z"), &london));
    let sydney = zone("Australia/Sydney");
    // Sunday 5 April: 03:00 AEDT → 02:00 AEST; 08:00 AEST is 22:00Z on the 4th (the day before: 21:00Z).
    assert_eq!(
        w.next_open(ts("2026-04-04T12:00:00Z"), &sydney),
        Some(ts("2026-04-04T22:00:00Z"))
    );
    assert_eq!(
        w.next_open(ts("2026-04-03T12:00:00Z"), &sydney),
        Some(ts("2026-04-03T21:00:00Z"))
    );
    let lord_howe = zone("Australia/Lord_Howe"); // a half-hour change
    assert_eq!(
        w.next_open(ts("2026-04-04T12:00:00Z"), &lord_howe),
        Some(ts("2026-04-04T21:30:00Z"))
    );
    // Across the whole change day the window is open exactly 13 hours in each zone.
    for (tz, day) in [
        (&london, "2026-03-29T00:00:00Z"),
        (&sydney, "2026-04-04T13:00:00Z"),
    ] {
        let minutes = (0..24 * 60)
            .filter(|m| w.is_open(ts(day) + SignedDuration::from_mins(*m), tz))
            .count();
        assert_eq!(minutes, 13 * 60);
    }
}

#[test]
fn a_retry_across_a_change_day_lands_inside_the_window() {
    use crate::engine::retry::{NextStep, Outcome, RetryPolicy};
    let london = zone("Europe/London");
    let w = preset("us");
    // No answer at 20:30 GMT on Saturday 28 March; two hours later the window is closed; the retry goes to the
    // Sunday opening, 08:00 BST = 07:00Z (not 08:00Z, which a fixed offset would give).
    let next =
        RetryPolicy::default().next_step(Outcome::NoAnswer, 1, ts("2026-03-28T20:30:00Z"), &w, &[london]);
    assert_eq!(next, NextStep::RetryAt(ts("2026-03-29T07:00:00Z")));
}
