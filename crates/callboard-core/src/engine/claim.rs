//! Claiming, inside the step's write transaction: for one campaign, take due contacts in dialing order
//! (callbacks first), suppress do-not-call ones, defer those outside their window or over the frequency cap
//! to when they may be called, and claim the rest (the call row with its dial key and the contact's lease),
//! up to the free slots left by the campaign's limits, its headroom and the provider account's global cap.

use jiff::{SignedDuration, Timestamp};
use rusqlite::Connection;

use super::{dialer::DialRequest, outcome, settings::FrequencyCap, window::CallingWindow};
use crate::{
    clock::{from_db, to_db},
    store::{StoreResult, attempts, engine_step},
};

/// How long a claimed contact stays leased beyond the campaign's max call duration before it is reconciled.
pub const LEASE_MARGIN: SignedDuration = SignedDuration::from_mins(10);

/// What claiming did for one campaign.
#[derive(Debug, Default)]
pub struct Claimed {
    pub requests: Vec<DialRequest>,
    pub deferred: usize,
    pub suppressed: usize,
    pub capped: usize,
}

/// When the frequency cap lets this contact be called again (`None`: now).
fn capped_until(
    conn: &Connection,
    cap: &FrequencyCap,
    contact_id: i64,
    at: Timestamp,
) -> StoreResult<Option<Timestamp>> {
    if cap.lookback() == 0 {
        return Ok(None);
    }
    let since = to_db(at - SignedDuration::from_hours(24 * 7));
    let recent: Vec<Timestamp> =
        engine_step::recent_calls_of_contact(conn, contact_id, &since, cap.lookback())?
            .iter()
            .filter_map(|t| from_db(t))
            .collect();
    Ok(cap.blocked_until(&recent, at))
}

/// A new dial key: a UUID v7 (the claim time, then 74 random bits). Unique like a v4, but keys claimed
/// together sort together, so the unique index on `calls.dial_key` grows at its end instead of at a random
/// page per call, which each step's commit had to write out again.
pub fn dial_key(at: Timestamp) -> String {
    let nanos = at.as_nanosecond();
    let secs = u64::try_from(nanos.div_euclid(1_000_000_000)).unwrap_or(0);
    let subsec = u32::try_from(nanos.rem_euclid(1_000_000_000)).unwrap_or(0);
    uuid::Uuid::new_v7(uuid::Timestamp::from_unix(uuid::NoContext, secs, subsec)).to_string()
}

/// Claims up to `free` contacts of `campaign` at `at`.
pub fn claim(
    conn: &Connection,
    campaign: &attempts::EngineCampaign,
    free: usize,
    cap: &FrequencyCap,
    at: Timestamp,
) -> StoreResult<Claimed> {
    let window: CallingWindow = outcome::window_for(&campaign.hours_preset);
    let lease = SignedDuration::from_secs(campaign.max_call_seconds.max(60)) + LEASE_MARGIN;
    let now = to_db(at);
    let lease_until = to_db(at + lease);
    let mut out = Claimed::default();
    for c in attempts::candidates(conn, campaign.id, &now, free * 4 + 32)? {
        if out.requests.len() == free {
            break;
        }
        if c.on_dnc {
            attempts::suppress(conn, campaign.id, c.contact_id, &now)?;
            out.suppressed += 1;
            continue;
        }
        let zones = outcome::zones_for(c.time_zone.as_deref(), &campaign.time_zone);
        if !window.is_open_in_all(at, &zones) {
            let next = window.next_open_in_all(at, &zones).map(to_db);
            let reason = if next.is_some() {
                "outside_window"
            } else {
                "window_never_opens"
            };
            attempts::defer(conn, campaign.id, c.contact_id, next.as_deref(), reason, &now)?;
            out.deferred += 1;
            continue;
        }
        if let Some(free_at) = capped_until(conn, cap, c.contact_id, at)? {
            // Then the window may be closed: wait for the first opening after the cap frees.
            let next = window.next_open_in_all(free_at, &zones).map(to_db);
            let reason = if next.is_some() {
                "frequency_cap"
            } else {
                "window_never_opens"
            };
            attempts::defer(conn, campaign.id, c.contact_id, next.as_deref(), reason, &now)?;
            out.capped += 1;
            continue;
        }
        let dial_key = dial_key(at);
        let call_id = attempts::claim(conn, campaign, &c, &dial_key, &now, &lease_until)?;
        out.requests.push(DialRequest {
            dial_key,
            call_id,
            campaign_id: campaign.id,
            contact_id: c.contact_id,
            phone_e164: c.phone_e164,
            from_number: campaign.from_number.clone(),
            agent_id: campaign.agent_id,
            variables: serde_json::from_str(&c.variables).unwrap_or_default(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn dial_keys_are_unique_at_one_instant_and_sort_by_claim_time() {
        let at: Timestamp = "2026-03-01T12:00:00.123Z".parse().unwrap_or_default();
        let same: HashSet<String> = (0..10_000).map(|_| dial_key(at)).collect();
        assert_eq!(same.len(), 10_000, "two keys claimed at the same time collided");
        let later = dial_key(at + SignedDuration::from_millis(1));
        assert!(same.iter().all(|k| *k < later), "a later claim sorts first");
        let parsed = uuid::Uuid::parse_str(&later).map(|u| u.get_version_num());
        assert_eq!(parsed.ok(), Some(7));
        // Before 1970 (a test clock could say so) still gives a key.
        assert_eq!(dial_key(Timestamp::MIN).len(), 36);
    }
}
