//! Where ElevenLabs is and how to talk to it. Built from the environment for now
//! (`CALLBOARD_ELEVENLABS_API_KEY`, `CALLBOARD_ELEVENLABS_BASE_URL`); the keychain-backed secret store
//! replaces [`ElevenLabsConfig::from_env`] at one call site in `launch.rs`.

use std::time::Duration;

use crate::secret::Secret;

/// The default (US-hosted, global) API.
pub const DEFAULT_BASE_URL: &str = "https://api.elevenlabs.io";

/// ElevenLabs' regional and data-residency API hosts, by the name the UI shows.
pub const REGIONS: [(&str, &str); 5] = [
    ("default", DEFAULT_BASE_URL),
    ("us", "https://api.us.elevenlabs.io"),
    ("eu-residency", "https://api.eu.residency.elevenlabs.io"),
    ("in-residency", "https://api.in.residency.elevenlabs.io"),
    ("sg-residency", "https://api.sg.residency.elevenlabs.io"),
];

#[derive(Debug, Clone)]
pub struct ElevenLabsConfig {
    pub api_key: Option<Secret>,
    pub base_url: String,
    /// How long after a call's conversation should have ended we ask ElevenLabs for it when no webhook came.
    pub reconcile_after: Duration,
    /// How often a running batch is polled.
    pub batch_poll_every: Duration,
    /// How often the registered webhook's status is checked (auto-disable alert).
    pub webhook_check_every: Duration,
}

impl Default for ElevenLabsConfig {
    fn default() -> Self {
        ElevenLabsConfig {
            api_key: None,
            base_url: DEFAULT_BASE_URL.into(),
            reconcile_after: Duration::from_secs(10 * 60),
            batch_poll_every: Duration::from_secs(30),
            webhook_check_every: Duration::from_secs(10 * 60),
        }
    }
}

impl ElevenLabsConfig {
    /// Reads `CALLBOARD_ELEVENLABS_API_KEY`, `CALLBOARD_ELEVENLABS_BASE_URL` and
    /// `CALLBOARD_ELEVENLABS_RECONCILE_AFTER_SECS`; empty values count as unset.
    pub fn from_env() -> ElevenLabsConfig {
        let get = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let mut c = ElevenLabsConfig {
            api_key: get("CALLBOARD_ELEVENLABS_API_KEY").map(Secret::new),
            ..Default::default()
        };
        if let Some(url) = get("CALLBOARD_ELEVENLABS_BASE_URL") {
            c.base_url = url.trim().trim_end_matches('/').to_owned();
        }
        if let Some(secs) = get("CALLBOARD_ELEVENLABS_RECONCILE_AFTER_SECS").and_then(|s| s.parse().ok()) {
            c.reconcile_after = Duration::from_secs(secs);
        }
        c
    }

    /// The region name for the base URL, or `custom`.
    pub fn region(&self) -> &'static str {
        REGIONS
            .iter()
            .find(|(_, url)| *url == self.base_url)
            .map_or("custom", |(name, _)| name)
    }
}
