//! Claiming, inside the step's write transaction: for one campaign, take due contacts in dialing order
//! (callbacks first), suppress do-not-call ones, defer those outside their window or over the frequency cap
//! to when they may be called, and claim the rest (the call row with its dial key and the contact's lease),
//! up to the free slots left by the campaign's limits, its headroom and the provider account's global cap.

use std::collections::HashSet;

use jiff::{SignedDuration, Timestamp};
use rusqlite::Connection;

use super::{dialer::DialRequest, outcome, settings::FrequencyCap, window::CallingWindow};
use crate::{
    clock::{from_db, to_db},
    store::{StoreResult, attempts, engine_step, queue},
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

/// Why a due contact is not dialed now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Held {
    /// On the do-not-call list: suppressed.
    Suppressed,
    /// Outside its calling window in one of `zones`: deferred to the next opening (or for good).
    Deferred,
}

/// The checks every way of dialing makes first (the engine's per-call claims, ElevenLabs batch waves): a
/// contact on the DNC list is suppressed, one whose window is closed in one of its `zones` is deferred to the
/// next opening in all of them. `None`: it may be called now, as far as these go.
pub fn hold(
    conn: &Connection,
    campaign_id: i64,
    c: &attempts::Candidate,
    window: &CallingWindow,
    zones: &[jiff::tz::TimeZone],
    at: Timestamp,
    now: &str,
) -> StoreResult<Option<Held>> {
    if c.on_dnc {
        attempts::suppress(conn, campaign_id, c.contact_id, now)?;
        return Ok(Some(Held::Suppressed));
    }
    if !window.is_open_in_all(at, zones) {
        let next = window.next_open_in_all(at, zones);
        defer_to_opening(conn, campaign_id, c.contact_id, next, "outside_window", now)?;
        return Ok(Some(Held::Deferred));
    }
    Ok(None)
}

/// Defers a contact to `next`, the window's next opening, for `reason`; with no opening ever, for good
/// (`window_never_opens`).
fn defer_to_opening(
    conn: &Connection,
    campaign_id: i64,
    contact_id: i64,
    next: Option<Timestamp>,
    reason: &str,
    now: &str,
) -> StoreResult<()> {
    let next = next.map(to_db);
    let reason = if next.is_some() {
        reason
    } else {
        "window_never_opens"
    };
    attempts::defer(conn, campaign_id, contact_id, next.as_deref(), reason, now)
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

/// Candidates fetched beyond the free slots per query, for those set aside (DNC, outside the window, capped).
const CHUNK_SLACK: usize = 8;

/// Claims up to `free` contacts of `campaign` at `at`, looking at no more than `free * 4 + 32` due contacts
/// in dialing order. They are read in chunks of about `free` (a step usually has a few free slots, and
/// reading 4× as many candidates, each joined to its contact and the DNC list, was most of the claim's
/// reads): every contact looked at leaves the due range (claimed, suppressed, or deferred to a later time),
/// so the next chunk continues the same order where the last one stopped, and the contacts looked at are the
/// same as in one read of the whole budget. A contact that is still due after being looked at (it cannot
/// be, but a window that said "closed now, open now" would do it) is skipped, not looked at twice.
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
    let budget = free * 4 + 32;
    let mut looked_at: HashSet<i64> = HashSet::new();
    // Contacts looked at that the last chunk returned again (still due): the next read goes past them.
    let mut still_due = 0;
    while out.requests.len() < free && looked_at.len() < budget {
        let wanted = (free - out.requests.len() + CHUNK_SLACK).min(budget - looked_at.len());
        let limit = wanted + still_due;
        let chunk = attempts::candidates(conn, campaign.id, &now, limit)?;
        let exhausted = chunk.len() < limit;
        let (seen, fresh): (Vec<_>, Vec<_>) =
            chunk.into_iter().partition(|c| looked_at.contains(&c.contact_id));
        still_due = seen.len();
        if fresh.is_empty() {
            if exhausted {
                break;
            }
            // Only contacts already looked at: read again past them (`still_due` grew, so this ends).
            continue;
        }
        for c in fresh.into_iter().take(wanted) {
            if out.requests.len() == free {
                break;
            }
            looked_at.insert(c.contact_id);
            take(
                conn,
                campaign,
                c,
                &window,
                cap,
                at,
                (&now, &lease_until),
                &mut out,
            )?;
        }
        if exhausted {
            break;
        }
    }
    queue::tighten_fresh_range(conn, campaign.id)?;
    Ok(out)
}

/// Looks at one due contact: suppressed (DNC), deferred (outside its window, over the frequency cap) or
/// claimed (the call row with its dial key, the contact leased until `lease_until`).
#[allow(clippy::too_many_arguments)]
fn take(
    conn: &Connection,
    campaign: &attempts::EngineCampaign,
    c: attempts::Candidate,
    window: &CallingWindow,
    cap: &FrequencyCap,
    at: Timestamp,
    (now, lease_until): (&str, &str),
    out: &mut Claimed,
) -> StoreResult<()> {
    let zones = outcome::zones_for(c.time_zone.as_deref(), &campaign.time_zone);
    match hold(conn, campaign.id, &c, window, &zones, at, now)? {
        Some(Held::Suppressed) => {
            out.suppressed += 1;
            return Ok(());
        }
        Some(Held::Deferred) => {
            out.deferred += 1;
            return Ok(());
        }
        None => {}
    }
    if let Some(free_at) = capped_until(conn, cap, c.contact_id, at)? {
        // Then the window may be closed: wait for the first opening after the cap frees.
        let next = window.next_open_in_all(free_at, &zones);
        defer_to_opening(conn, campaign.id, c.contact_id, next, "frequency_cap", now)?;
        out.capped += 1;
        return Ok(());
    }
    let dial_key = dial_key(at);
    let call_id = attempts::claim(conn, campaign, &c, &dial_key, now, lease_until)?;
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
    Ok(())
}

#[cfg(test)]
mod tests {
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

/// Claiming in chunks looks at exactly the contacts one read of the whole budget would have: the due list's
/// prefix up to the `free`-th contact claimed (or all of it), whatever mix of DNC, closed windows and open
/// ones the list holds.
#[cfg(test)]
mod chunk_tests {
    use std::collections::BTreeSet;

    use proptest::prelude::*;

    use super::*;
    use crate::store::Store;

    const T0: &str = "2026-03-02T00:00:00Z";
    /// 15:00 UTC on a Monday: the `us` window is open in New York and London, closed in Tokyo, Sydney and
    /// Los Angeles.
    const AT: &str = "2026-03-02T15:00:00Z";
    const ZONES: [&str; 5] = [
        "America/New_York",
        "Asia/Tokyo",
        "Europe/London",
        "Australia/Sydney",
        "America/Los_Angeles",
    ];

    /// (zone index, on the DNC list, due `AT` minus minutes, fresh) per contact. A fresh member (just joined,
    /// no due time of its own) is due from when it joined, and is read from the fresh range, not the queue
    /// index: the two are merged into one dialing order.
    fn contacts() -> impl Strategy<Value = Vec<(usize, bool, i64, bool)>> {
        prop::collection::vec(
            (
                0..ZONES.len(),
                prop::bool::weighted(0.1),
                0..120_i64,
                prop::bool::ANY,
            ),
            0..150,
        )
    }

    fn looked_at_as_one_read_would(
        mut contacts: Vec<(usize, bool, i64, bool)>,
        free: usize,
    ) -> StoreResult<()> {
        // Members join in list order, so fresh members' joining times follow their rowids: the longest
        // waiting first.
        let mut fresh_waits: Vec<i64> = contacts.iter().filter(|c| c.3).map(|c| c.2).collect();
        fresh_waits.sort_unstable_by(|a, b| b.cmp(a));
        for (c, wait) in contacts.iter_mut().filter(|c| c.3).zip(fresh_waits) {
            c.2 = wait;
        }
        let store = Store::open_in_memory()?;
        let at: Timestamp = AT
            .parse()
            .map_err(|e| crate::store::StoreError::Corrupt(format!("{e}")))?;
        store.with_tx_blocking(move |tx| -> StoreResult<()> {
            tx.execute(
                "INSERT INTO campaigns(id, name, status, hours_preset, time_zone, created_at, updated_at)
                 VALUES (1, 'c', 'running', 'us', 'UTC', ?1, ?1)",
                [T0],
            )?;
            for (i, (zone, dnc, due_min, fresh)) in contacts.iter().enumerate() {
                let phone = format!("+1555{i:07}");
                let due = to_db(at - SignedDuration::from_mins(*due_min));
                tx.execute(
                    "INSERT INTO contacts(id, phone_e164, time_zone, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)",
                    rusqlite::params![i as i64 + 1, phone, ZONES[*zone], T0],
                )?;
                // A fresh member has no due time of its own: it is due from when it joined.
                let (next_attempt_at, joined) = if *fresh { (None, due.as_str()) } else { (Some(&due), T0) };
                tx.execute(
                    "INSERT INTO campaign_contacts(campaign_id, contact_id, next_attempt_at, created_at, updated_at)
                     VALUES (1, ?1, ?2, ?3, ?3)",
                    rusqlite::params![i as i64 + 1, next_attempt_at, joined],
                )?;
                if *dnc {
                    tx.execute(
                        "INSERT INTO dnc_entries(phone_e164, created_at) VALUES (?1, ?2)",
                        rusqlite::params![phone, T0],
                    )?;
                }
            }
            let campaign = attempts::running_campaigns(tx)?
                .into_iter()
                .next()
                .ok_or(crate::store::StoreError::Corrupt("no campaign".into()))?;
            let budget = free * 4 + 32;
            let one_read: Vec<i64> = attempts::candidates(tx, 1, &to_db(at), budget)?
                .iter()
                .map(|c| c.contact_id)
                .collect();
            // Everyone is due: one read is the whole list up to the budget, longest waiting first, then list
            // order, fresh or not.
            let order: Vec<(i64, i64)> = one_read
                .iter()
                .map(|id| (-contacts[*id as usize - 1].2, *id))
                .collect();
            let mut sorted = order.clone();
            sorted.sort();
            assert_eq!(order, sorted);
            assert_eq!(one_read.len(), contacts.len().min(budget));
            let claimed = claim(tx, &campaign, free, &FrequencyCap::default(), at)?;
            let state = |id: i64| -> StoreResult<String> {
                Ok(tx.query_row(
                    "SELECT state || IFNULL(wait_reason, '') FROM campaign_contacts WHERE contact_id = ?1",
                    [id],
                    |r| r.get(0),
                )?)
            };
            // One read of the budget, looked at in order, stops after the `free`-th claim.
            let mut expected = BTreeSet::new();
            let mut claims = 0;
            for id in &one_read {
                if claims == free {
                    break;
                }
                expected.insert(*id);
                if state(*id)? == "dialing" {
                    claims += 1;
                }
            }
            let mut looked_at = BTreeSet::new();
            for id in 1..=contacts.len() as i64 {
                if state(id)? != "pending" {
                    looked_at.insert(id);
                }
            }
            assert_eq!(looked_at, expected, "free {free}");
            assert_eq!(claimed.requests.len(), claims);
            assert_eq!(
                claimed.requests.len() + claimed.deferred + claimed.suppressed + claimed.capped,
                expected.len()
            );
            Ok(())
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn chunked_claims_look_at_the_same_contacts_as_one_read(contacts in contacts(), free in 1usize..12) {
            prop_assert!(looked_at_as_one_read_would(contacts, free).is_ok());
        }
    }
}
