//! Engine settings that span campaigns (the `settings` row `engine`): frequency caps per contact across every
//! campaign, and the most calls in flight per provider account. Absent keys take the defaults.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::{
    store::{StoreError, StoreResult},
    validation::ValidationError,
};

/// The `settings` key the engine settings live under.
pub const SETTINGS_KEY: &str = "engine";

/// How often one person may be called, counting every campaign. `0` means no cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FrequencyCap {
    /// Calls in any rolling 24 hours.
    pub per_day: u32,
    /// Calls in any rolling 7 days.
    pub per_week: u32,
}

impl Default for FrequencyCap {
    /// Room for a campaign's default three attempts in one day, and a little more across campaigns in a week.
    fn default() -> Self {
        FrequencyCap {
            per_day: 3,
            per_week: 10,
        }
    }
}

impl FrequencyCap {
    /// How many of a contact's most recent calls the check needs to see.
    pub fn lookback(&self) -> u32 {
        self.per_day.max(self.per_week)
    }

    /// Given a contact's calls (creation times, newest first, at most `lookback` of them, all from the last
    /// week), when the contact may be called again: `None` if now.
    pub fn blocked_until(&self, recent_newest_first: &[Timestamp], now: Timestamp) -> Option<Timestamp> {
        let mut until: Option<Timestamp> = None;
        for (cap, span) in [
            (self.per_day, SignedDuration::from_hours(24)),
            (self.per_week, SignedDuration::from_hours(24 * 7)),
        ] {
            let Some(n) = usize::try_from(cap).ok().filter(|n| *n > 0) else {
                continue;
            };
            // The cap is reached when the n-th newest call is inside the span; it frees when that one leaves.
            if let Some(nth) = recent_newest_first.get(n - 1)
                && *nth + span > now
            {
                let free_at = *nth + span;
                until = Some(until.map_or(free_at, |u| u.max(free_at)));
            }
        }
        until
    }
}

/// Everything the engine reads from the `engine` settings row.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EngineSettings {
    pub frequency_cap: FrequencyCap,
    /// Most calls in flight at once per provider (`sim`, `twilio`, …) across every campaign; a provider
    /// without an entry has no global cap beyond its campaigns' own limits.
    pub provider_caps: BTreeMap<String, u32>,
}

impl EngineSettings {
    /// Checks the values; errors name the field.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let f = self.frequency_cap;
        if f.per_day > 50 {
            return Err(ValidationError::new(
                "frequency_cap.per_day",
                "must be between 0 (no cap) and 50",
            ));
        }
        if f.per_week > 200 {
            return Err(ValidationError::new(
                "frequency_cap.per_week",
                "must be between 0 (no cap) and 200",
            ));
        }
        if f.per_day > 0 && f.per_week > 0 && f.per_week < f.per_day {
            return Err(ValidationError::new(
                "frequency_cap.per_week",
                "must be at least the daily cap (or 0 for no weekly cap)",
            ));
        }
        for (provider, cap) in &self.provider_caps {
            if crate::campaign::Provider::parse(provider).is_none() {
                return Err(ValidationError::new(
                    "provider_caps",
                    format!("'{provider}' is not a provider"),
                ));
            }
            if !(1..=5000).contains(cap) {
                return Err(ValidationError::new(
                    "provider_caps",
                    format!("the cap for {provider} must be between 1 and 5000"),
                ));
            }
        }
        Ok(())
    }

    pub fn provider_cap(&self, provider: &str) -> Option<u32> {
        self.provider_caps.get(provider).copied()
    }
}

/// The stored settings; unreadable JSON is logged and the defaults are used, so the engine keeps running.
pub fn load(conn: &Connection) -> StoreResult<EngineSettings> {
    let raw: Option<String> = conn
        .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
        .query_row([SETTINGS_KEY], |r| r.get(0))
        .optional()?;
    Ok(match raw {
        None => EngineSettings::default(),
        Some(raw) => serde_json::from_str(&raw).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "unreadable engine settings; using the defaults");
            EngineSettings::default()
        }),
    })
}

pub fn save(conn: &Connection, settings: &EngineSettings, now: &str) -> StoreResult<()> {
    let json = serde_json::to_string(settings).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    conn.execute(
        "INSERT INTO settings(key, value, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        params![SETTINGS_KEY, json, now],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(h: i64) -> Timestamp {
        Timestamp::UNIX_EPOCH + SignedDuration::from_hours(h)
    }

    #[test]
    fn caps_free_when_the_oldest_counted_call_leaves_the_span() {
        let cap = FrequencyCap {
            per_day: 2,
            per_week: 3,
        };
        let now = at(100);
        assert_eq!(cap.blocked_until(&[], now), None);
        assert_eq!(cap.blocked_until(&[at(99)], now), None);
        assert_eq!(cap.blocked_until(&[at(99), at(90)], now), Some(at(114)));
        assert_eq!(
            cap.blocked_until(&[at(99), at(70)], now),
            None,
            "the older one is a day ago"
        );
        // Week: three calls in the last 7 days, the oldest 100 hours ago, frees at 168 h after it.
        assert_eq!(cap.blocked_until(&[at(99), at(60), at(0)], now), Some(at(168)));
        let none = FrequencyCap {
            per_day: 0,
            per_week: 0,
        };
        assert_eq!(none.blocked_until(&[at(99), at(99), at(99)], now), None);
    }

    #[test]
    fn validation_names_the_field() {
        let mut s = EngineSettings::default();
        assert!(s.validate().is_ok());
        s.frequency_cap.per_week = 1;
        assert_eq!(
            s.validate().err().map(|e| e.field),
            Some("frequency_cap.per_week")
        );
        s.frequency_cap.per_week = 5;
        s.provider_caps.insert("skype".into(), 3);
        assert_eq!(s.validate().err().map(|e| e.field), Some("provider_caps"));
        assert!(serde_json::from_str::<EngineSettings>(r#"{"frequency_cap": {"per_day": 1}}"#).is_ok());
        assert!(serde_json::from_str::<EngineSettings>(r#"{"frequncy_cap": {}}"#).is_err());
    }

    proptest! {
        /// Calling whenever allowed never puts more than the cap in any 24 h or 7-day span.
        #[test]
        fn never_over_the_caps(per_day in 1u32..5, extra in 0u32..10, gaps in proptest::collection::vec(0i64..20, 1..200)) {
            let cap = FrequencyCap { per_day, per_week: per_day + extra };
            let mut calls: Vec<Timestamp> = Vec::new();
            let mut now = at(0);
            for g in gaps {
                now += SignedDuration::from_hours(g);
                let recent: Vec<Timestamp> = calls.iter().rev().copied()
                    .filter(|c| *c + SignedDuration::from_hours(168) > now)
                    .take(cap.lookback() as usize).collect();
                if cap.blocked_until(&recent, now).is_none() {
                    calls.push(now);
                }
            }
            for (i, c) in calls.iter().enumerate() {
                let day = calls[i..].iter().take_while(|t| **t < *c + SignedDuration::from_hours(24)).count();
                let week = calls[i..].iter().take_while(|t| **t < *c + SignedDuration::from_hours(168)).count();
                prop_assert!(day as u32 <= cap.per_day);
                prop_assert!(week as u32 <= cap.per_week);
            }
        }
    }
}
