//! Provider webhooks: verify → spool → 200 → journal → apply. Signature checks are pure functions (`sig_*`),
//! the payload types are lenient (`payload_*`), the HTTP handlers (`routes`) append a verified event to the
//! delivery spool (`spool`) before they answer, the journal writer (`journal`) commits it, and the applier
//! (`apply`) folds journal rows into calls on its own task, exactly once. The journal is the `call_events`
//! table (`store::call_events`); calls are found through `store::call_refs`.

pub mod apply;
pub mod ending;
pub mod extract;
pub mod extract_elevenlabs;
pub mod fold;
pub mod fuzz;
pub mod guard;
pub mod hub;
mod journal;
pub mod payload_elevenlabs;
pub mod payload_telephony;
mod ready;
pub mod routes;
pub mod sig_elevenlabs;
pub mod sig_exotel;
pub mod sig_openai;
pub mod sig_twilio;
pub mod source_ip;
pub mod spool;

use serde::{Deserialize, Serialize};

use crate::secret::Secret;

/// Why a signature was not accepted. The message is safe to log and to store: it never holds a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("no signature header")]
    Missing,
    #[error("malformed signature: {0}")]
    Malformed(&'static str),
    #[error("signature does not match")]
    Mismatch,
    #[error("timestamp older than the replay window")]
    Stale,
    #[error("timestamp too far in the future")]
    FromTheFuture,
    #[error("no secret configured for this provider")]
    NotConfigured,
    #[error("source address {0} is not on the allow-list")]
    SourceNotAllowed(std::net::IpAddr),
    #[error("the source address is unknown, and an allow-list is set")]
    SourceUnknown,
}

/// The webhook secrets, from the environment (and later the keychain). `Debug` prints `***`.
#[derive(Debug, Clone, Default)]
pub struct ProviderSecrets {
    /// ElevenLabs' HMAC webhook secret.
    pub elevenlabs_webhook: Option<Secret>,
    /// Twilio's primary auth token (it signs `X-Twilio-Signature`).
    pub twilio_auth_token: Option<Secret>,
    /// The random path segment in Exotel callback URLs (Exotel does not sign).
    pub exotel_webhook: Option<Secret>,
}

impl ProviderSecrets {
    /// Reads `CALLBOARD_ELEVENLABS_WEBHOOK_SECRET`, `CALLBOARD_TWILIO_AUTH_TOKEN` and
    /// `CALLBOARD_EXOTEL_WEBHOOK_SECRET`; empty values count as unset.
    pub fn from_env() -> ProviderSecrets {
        let get = |name: &str| {
            std::env::var(name)
                .ok()
                .filter(|v| !v.is_empty())
                .map(Secret::new)
        };
        ProviderSecrets {
            elevenlabs_webhook: get("CALLBOARD_ELEVENLABS_WEBHOOK_SECRET"),
            twilio_auth_token: get("CALLBOARD_TWILIO_AUTH_TOKEN"),
            exotel_webhook: get("CALLBOARD_EXOTEL_WEBHOOK_SECRET"),
        }
    }
}

/// Who sent a webhook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    Elevenlabs,
    Twilio,
    Exotel,
}

impl Provider {
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Elevenlabs => "elevenlabs",
            Provider::Twilio => "twilio",
            Provider::Exotel => "exotel",
        }
    }

    pub fn parse(s: &str) -> Option<Provider> {
        match s {
            "elevenlabs" => Some(Provider::Elevenlabs),
            "twilio" => Some(Provider::Twilio),
            "exotel" => Some(Provider::Exotel),
            _ => None,
        }
    }
}
