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
        let dial_key = uuid::Uuid::new_v4().to_string();
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
