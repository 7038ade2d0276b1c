//! Demo data: sample agents, contacts and campaigns in every state, so a new user sees a populated console
//! without any provider account. Seeded once per data dir; everything it writes is marked as demo.

use rusqlite::{OptionalExtension, Transaction, params};

use crate::{
    agent::{AgentInput, AgentSettings},
    campaign::{CampaignInput, CampaignSettings, CampaignStatus},
    clock::{Clock, to_db},
    store::{Store, StoreError, StoreResult, agents, campaigns},
};

/// The settings key that marks a data dir as demo data.
pub const DEMO_SETTING: &str = "demo";

struct DemoCampaign {
    name: &'static str,
    description: &'static str,
    status: CampaignStatus,
    agent: usize,
    hours: &'static str,
    zone: &'static str,
    region: usize,
    contacts: usize,
    done_share: f64,
}

const AGENTS: [(&str, &str, &str, &str); 3] = [
    (
        "Sara (Kuwait test drives)",
        "elevenlabs",
        "ar",
        "Hello, this is Sara from Al-Noor Motors about your test drive.",
    ),
    (
        "Priya (home loans)",
        "elevenlabs",
        "hi-IN",
        "Namaste, I'm calling from Griha Finance about your home-loan enquiry.",
    ),
    (
        "Intake line",
        "openai-realtime",
        "en",
        "Thanks for calling, I'll take a few details so the right person can help.",
    ),
];

const CAMPAIGNS: [DemoCampaign; 5] = [
    DemoCampaign {
        name: "Staff satisfaction survey (internal)",
        description: "Internal list of showroom staff: the always-on window, so the demo is busy at any hour.",
        status: CampaignStatus::Running,
        agent: 2,
        hours: "always",
        zone: "Asia/Kuwait",
        region: 0,
        contacts: 1500,
        done_share: 0.2,
    },
    DemoCampaign {
        name: "Test-drive follow-up (Kuwait)",
        description: "Leads from the showroom's test-drive sheet: confirm interest, book a second visit.",
        status: CampaignStatus::Running,
        agent: 0,
        hours: "kw",
        zone: "Asia/Kuwait",
        region: 0,
        contacts: 800,
        done_share: 0.4,
    },
    DemoCampaign {
        name: "Home-loan enquiries (India)",
        description: "Web enquiries from the last 14 days, Hindi and English.",
        status: CampaignStatus::Paused,
        agent: 1,
        hours: "in",
        zone: "Asia/Kolkata",
        region: 1,
        contacts: 1000,
        done_share: 0.25,
    },
    DemoCampaign {
        name: "Policy renewals (US)",
        description: "Auto policies expiring next month.",
        status: CampaignStatus::Completed,
        agent: 2,
        hours: "us",
        zone: "America/New_York",
        region: 2,
        contacts: 600,
        done_share: 1.0,
    },
    DemoCampaign {
        name: "Service reminders (draft)",
        description: "Customers due for their 10,000 km service.",
        status: CampaignStatus::Draft,
        agent: 0,
        hours: "kw",
        zone: "Asia/Kuwait",
        region: 0,
        contacts: 300,
        done_share: 0.0,
    },
];

/// (country code, national prefix digits, zone) for the three demo markets.
const REGIONS: [(&str, &str, &str); 3] = [
    ("+965", "5", "Asia/Kuwait"),
    ("+91", "98", "Asia/Kolkata"),
    ("+1", "212555", "America/New_York"),
];
const NAMES: [&str; 12] = [
    "Fatima Al-Sabah",
    "Ahmed Hassan",
    "Yousef Al-Mutairi",
    "Noura Al-Ajmi",
    "Aarav Sharma",
    "Diya Patel",
    "Rohan Iyer",
    "Ananya Gupta",
    "Emily Carter",
    "James Miller",
    "Maria Lopez",
    "David Kim",
];

/// The demo number `serial` in `region` (0 Kuwait, 1 India, 2 US): distinct for distinct serials below
/// 10 000 per region.
fn demo_phone(region: usize, serial: usize) -> String {
    let (cc, prefix, _) = REGIONS[region % REGIONS.len()];
    let digits = match region % REGIONS.len() {
        0 => format!("{prefix}{:07}", 1_000_000 + serial % 8_999_999),
        1 => format!("{prefix}{:08}", 10_000_000 + serial % 89_999_999),
        _ => format!("{prefix}{:04}", serial % 10_000),
    };
    format!("{cc}{digits}")
}

/// Adds `n` demo contacts to a campaign: in `region`, or spread over the three markets when `None`, from
/// number `first` on; the first `done_share` of them already called. A number already stored is reused,
/// so the same call makes the same contacts.
pub fn insert_contacts(
    tx: &rusqlite::Connection,
    campaign_id: i64,
    region: Option<usize>,
    first: usize,
    n: usize,
    done_share: f64,
    now: &str,
) -> StoreResult<()> {
    let mut insert = tx.prepare_cached(
        "INSERT OR IGNORE INTO contacts(phone_e164, name, time_zone, time_zone_source, variables, created_at, updated_at)
         VALUES (?1, ?2, ?3, 'number', ?4, ?5, ?5)",
    )?;
    let mut find = tx.prepare_cached("SELECT id FROM contacts WHERE phone_e164 = ?1")?;
    let mut add = tx.prepare_cached(
        "INSERT OR IGNORE INTO campaign_contacts(campaign_id, contact_id, state, attempts, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
    )?;
    for i in 0..n {
        let serial = first + i;
        let r = region.unwrap_or(i % REGIONS.len());
        let phone = demo_phone(r, serial);
        let name = NAMES[r * 4 + serial % 4];
        let vars = serde_json::json!({"demo": true, "first_name": name.split(' ').next()}).to_string();
        insert.execute(params![phone, name, REGIONS[r].2, vars, now])?;
        let contact_id: i64 = find.query_row([&phone], |row| row.get(0))?;
        let done = (i as f64) < done_share * n as f64;
        add.execute(params![
            campaign_id,
            contact_id,
            if done { "done" } else { "pending" },
            i64::from(done),
            now
        ])?;
    }
    Ok(())
}

/// What the demo seeded, kept in the `demo` setting so that leaving demo mode removes exactly that.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Seeded {
    pub agents: Vec<i64>,
    pub campaigns: Vec<i64>,
}

/// Seeds demo data unless this data dir has been seeded before. Returns whether it seeded.
pub fn seed(store: &Store, clock: &dyn Clock) -> StoreResult<bool> {
    let at = clock.now();
    store.with_tx_blocking(move |tx| seed_once(tx, at))
}

/// [`seed`] inside the caller's transaction.
pub fn seed_once(tx: &Transaction<'_>, at: jiff::Timestamp) -> StoreResult<bool> {
    let now = &to_db(at);
    let seeded: bool = tx.query_row(
        "SELECT EXISTS(SELECT 1 FROM settings WHERE key = ?1)",
        [DEMO_SETTING],
        |r| r.get(0),
    )?;
    if seeded {
        return Ok(false);
    }
    let ids = seed_tx(tx, now)?;
    // Today's call history and a stuck call, so the Live board, Overview and Needs attention have data.
    crate::live::demo::seed(tx, at)?;
    let value = serde_json::to_string(&ids).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    tx.execute(
        "INSERT INTO settings(key, value, updated_at) VALUES (?1, ?2, ?3)",
        params![DEMO_SETTING, value, now],
    )?;
    Ok(true)
}

/// Removes what the demo seeded (its campaigns with their calls, journal rows and "Needs attention" items, its
/// agents, the demo contacts no other campaign uses) and the demo flag. Returns the ids of the campaigns it removed, or `None`
/// when this data dir was not in demo mode.
pub fn leave(tx: &Transaction<'_>) -> StoreResult<Option<Vec<i64>>> {
    let value: Option<String> = tx
        .query_row("SELECT value FROM settings WHERE key = ?1", [DEMO_SETTING], |r| {
            r.get(0)
        })
        .optional()?;
    let Some(value) = value else {
        return Ok(None);
    };
    // Data dirs seeded before the ids were kept say `true`: everything on the simulator is demo data there.
    let ids: Seeded = serde_json::from_str(&value).unwrap_or_default();
    let campaigns = if value.trim() == "true" {
        "SELECT id FROM campaigns WHERE provider = 'sim'".to_owned()
    } else {
        format!(
            "SELECT value FROM json_each('{}')",
            serde_json::json!(ids.campaigns)
        )
    };
    let removed = tx
        .prepare(&format!("SELECT id FROM campaigns WHERE id IN ({campaigns})"))?
        .query_map([], |r| r.get(0))?
        .collect::<Result<Vec<i64>, _>>()?;
    // Attention items outlive a deleted campaign or call (their ids are set to NULL, the alert stays); the
    // demo's (its stuck call) go with it.
    tx.execute_batch(&format!(
        "DELETE FROM attention_items WHERE campaign_id IN ({campaigns})
           OR call_id IN (SELECT id FROM calls WHERE campaign_id IN ({campaigns}));
         DELETE FROM call_events WHERE call_id IN (SELECT id FROM calls WHERE campaign_id IN ({campaigns}));
         DELETE FROM calls WHERE campaign_id IN ({campaigns});
         DELETE FROM campaigns WHERE id IN ({campaigns});
         DELETE FROM contacts WHERE json_extract(variables, '$.demo') = 1
           AND NOT EXISTS (SELECT 1 FROM campaign_contacts cc WHERE cc.contact_id = contacts.id);"
    ))?;
    for agent in ids.agents {
        tx.execute("DELETE FROM agents WHERE id = ?1", [agent])?;
    }
    tx.execute("DELETE FROM settings WHERE key = ?1", [DEMO_SETTING])?;
    Ok(Some(removed))
}

/// Fills in a random secret for each provider that has none, so the simulator's signatures are checked for
/// real (nobody else knows them).
pub fn random_secrets(mut s: crate::webhooks::ProviderSecrets) -> crate::webhooks::ProviderSecrets {
    use crate::secret::Secret;
    s.elevenlabs_webhook.get_or_insert_with(Secret::random);
    s.twilio_auth_token.get_or_insert_with(Secret::random);
    s.exotel_webhook.get_or_insert_with(Secret::random);
    s
}

fn seed_tx(tx: &Transaction<'_>, now: &str) -> StoreResult<Seeded> {
    let mut ids = Seeded::default();
    let invalid = |e: crate::validation::ValidationError| StoreError::Corrupt(format!("demo data: {e}"));
    let mut agent_ids = Vec::new();
    for (name, provider, language, first) in AGENTS {
        let settings: AgentSettings = AgentInput {
            name: name.into(),
            provider: Some(provider.into()),
            language: Some(language.into()),
            first_message: Some(first.into()),
            disclosure: Some("This call may be recorded for quality purposes.".into()),
            ..Default::default()
        }
        .validate()
        .map_err(invalid)?;
        agent_ids.push(agents::insert(tx, &settings, now)?.id);
    }
    ids.agents.clone_from(&agent_ids);
    let mut serial = 0usize;
    for c in &CAMPAIGNS {
        let settings = CampaignSettings::default()
            .apply(CampaignInput {
                name: Some(c.name.into()),
                description: Some(c.description.into()),
                provider: Some("sim".into()),
                agent_id: Some(agent_ids.get(c.agent).copied()),
                max_concurrent: Some(10),
                calls_per_second: Some(2.0),
                hours_preset: Some(c.hours.into()),
                time_zone: Some(c.zone.into()),
                ..Default::default()
            })
            .map_err(invalid)?;
        let campaign = campaigns::insert(tx, &settings, c.status, now)?;
        insert_contacts(
            tx,
            campaign.id,
            Some(c.region),
            serial,
            c.contacts,
            c.done_share,
            now,
        )?;
        serial += c.contacts;
        ids.campaigns.push(campaign.id);
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SystemClock;

    #[test]
    fn seeds_once_with_every_state() -> StoreResult<()> {
        let store = Store::open_in_memory()?;
        assert!(seed(&store, &SystemClock)?);
        assert!(!seed(&store, &SystemClock)?);
        let list = store.read_blocking(campaigns::list)?;
        assert_eq!(list.len(), CAMPAIGNS.len());
        assert!(list.iter().any(|c| c.status == CampaignStatus::Running));
        let contacts: i64 = list.iter().map(|c| c.contacts).sum();
        assert!(contacts >= 3000, "{contacts}");
        let phones: i64 = store.read_blocking(|c| {
            Ok(
                c.query_row("SELECT COUNT(DISTINCT phone_e164) FROM contacts", [], |r| {
                    r.get(0)
                })?,
            )
        })?;
        assert_eq!(phones, contacts);
        // The stuck call's alert, raised as the watchdog would, goes with the demo; an alert about no
        // campaign stays.
        let stuck = store.read_blocking(|c| {
            Ok(c.query_row(
                "SELECT id, campaign_id FROM calls WHERE provider_call_id LIKE 'sim-demo-stuck-%'",
                [],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)),
            )?)
        })?;
        store.with_tx_blocking(move |tx| -> StoreResult<()> {
            for (kind, campaign_id, call_id) in [
                ("stuck_call", Some(stuck.1), Some(stuck.0)),
                ("webhook_rejected", None, None),
            ] {
                let item = crate::store::attention::NewItem {
                    kind: kind.into(),
                    severity: "warning",
                    title: kind.into(),
                    message: String::new(),
                    campaign_id,
                    call_id,
                    dedupe_key: kind.into(),
                };
                crate::store::attention::raise(tx, &item, "2026-11-28T00:00:00Z")?;
            }
            Ok(())
        })?;
        let mut seeded: Vec<i64> = list.iter().map(|c| c.id).collect();
        seeded.sort_unstable();
        let removed = store.with_tx_blocking(leave)?.map(|mut ids| {
            ids.sort_unstable();
            ids
        });
        assert_eq!(removed, Some(seeded));
        assert!(store.read_blocking(campaigns::list)?.is_empty());
        let left: i64 =
            store.read_blocking(|c| Ok(c.query_row("SELECT COUNT(*) FROM contacts", [], |r| r.get(0))?))?;
        assert_eq!(left, 0);
        let alerts: Vec<String> = store.read_blocking(|c| {
            Ok(crate::store::attention::list(c, true, 10)?
                .into_iter()
                .map(|i| i.kind)
                .collect())
        })?;
        assert_eq!(alerts, ["webhook_rejected"]);
        assert_eq!(store.with_tx_blocking(leave)?, None);
        assert!(seed(&store, &SystemClock)?, "seeding again after leaving");
        Ok(())
    }
}
