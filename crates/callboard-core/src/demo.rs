//! Demo data: sample agents, contacts and campaigns in every state, so a new user sees a populated console
//! without any provider account. Seeded once per data dir; everything it writes is marked as demo.

use rusqlite::{Transaction, params};

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
const CONTACTS_PER_CAMPAIGN: usize = 40;

/// Seeds demo data unless this data dir has been seeded before. Returns whether it seeded.
pub fn seed(store: &Store, clock: &dyn Clock) -> StoreResult<bool> {
    let at = clock.now();
    let now = to_db(at);
    store.with_tx_blocking(move |tx| -> StoreResult<bool> {
        let seeded: bool = tx.query_row(
            "SELECT EXISTS(SELECT 1 FROM settings WHERE key = ?1)",
            [DEMO_SETTING],
            |r| r.get(0),
        )?;
        if seeded {
            return Ok(false);
        }
        seed_tx(tx, &now)?;
        crate::live::demo::seed(tx, at)?;
        tx.execute(
            "INSERT INTO settings(key, value, updated_at) VALUES (?1, 'true', ?2)",
            params![DEMO_SETTING, now],
        )?;
        Ok(true)
    })
}

fn seed_tx(tx: &Transaction<'_>, now: &str) -> StoreResult<()> {
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
        let (cc, prefix, zone) = REGIONS[c.region];
        for i in 0..CONTACTS_PER_CAMPAIGN {
            serial += 1;
            let digits = match c.region {
                0 => format!("{prefix}{:07}", 1_000_000 + serial * 7919 % 8_999_999),
                1 => format!("{prefix}{:08}", 10_000_000 + serial * 7919 % 89_999_999),
                _ => format!("{prefix}{:04}", serial % 10_000),
            };
            let phone = format!("{cc}{digits}");
            let name = NAMES[(c.region * 4 + i) % NAMES.len()];
            tx.execute(
                "INSERT INTO contacts(phone_e164, name, time_zone, time_zone_source, variables, created_at, updated_at)
                 VALUES (?1, ?2, ?3, 'number', '{\"demo\": true}', ?4, ?4)",
                params![phone, name, zone, now],
            )?;
            let contact_id = tx.last_insert_rowid();
            let done = (i as f64) < c.done_share * CONTACTS_PER_CAMPAIGN as f64;
            tx.execute(
                "INSERT INTO campaign_contacts(campaign_id, contact_id, state, attempts, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
                params![campaign.id, contact_id, if done { "done" } else { "pending" }, i64::from(done), now],
            )?;
        }
    }
    Ok(())
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
        assert!(list.iter().all(|c| c.contacts == CONTACTS_PER_CAMPAIGN as i64));
        Ok(())
    }
}
