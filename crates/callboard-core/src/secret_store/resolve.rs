//! The one resolver for credentials: environment overrides first, then the secret store. Provider code reads
//! through [`Credentials`] (see the module doc of `secret_store` for the calls); nothing else reads the
//! `CALLBOARD_*` secret variables.

use std::{collections::HashMap, sync::Arc};

use serde::{Deserialize, Serialize};

use super::{SecretName, SecretStore, SecretStoreError, StoreKind};
use crate::{secret::Secret, webhooks::ProviderSecrets};

/// Environment overrides captured once at start (tests build them from pairs instead of touching the
/// process environment). Empty values count as unset.
#[derive(Debug, Clone, Default)]
pub struct EnvOverrides {
    secrets: HashMap<SecretName, Secret>,
    base_urls: HashMap<&'static str, String>,
}

/// Base-URL variables per provider and their defaults (design.md §3).
const BASE_URLS: [(&str, &str, &str); 4] = [
    (
        "elevenlabs",
        "CALLBOARD_ELEVENLABS_BASE_URL",
        "https://api.elevenlabs.io",
    ),
    ("twilio", "CALLBOARD_TWILIO_BASE_URL", "https://api.twilio.com"),
    ("exotel", "CALLBOARD_EXOTEL_BASE_URL", "https://api.exotel.com"),
    ("openai", "CALLBOARD_OPENAI_BASE_URL", "https://api.openai.com"),
];

impl EnvOverrides {
    /// Reads every `SecretName::env_var()` and `CALLBOARD_*_BASE_URL` from the process environment.
    pub fn from_env() -> EnvOverrides {
        EnvOverrides::from_lookup(|k| std::env::var(k).ok())
    }

    /// Builds overrides from a lookup (a map in tests; clap's parsed flags in the CLI).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> EnvOverrides {
        let present = |k: &str| lookup(k).filter(|v| !v.trim().is_empty());
        let mut secrets: HashMap<SecretName, Secret> = SecretName::ALL
            .into_iter()
            .filter_map(|n| present(n.env_var()).map(|v| (n, Secret::new(v))))
            .collect();
        // OpenAI's own SDKs read OPENAI_API_KEY; honour it when ours is not set.
        if !secrets.contains_key(&SecretName::OpenaiApiKey)
            && let Some(v) = present("OPENAI_API_KEY")
        {
            secrets.insert(SecretName::OpenaiApiKey, Secret::new(v));
        }
        EnvOverrides {
            secrets,
            base_urls: BASE_URLS
                .into_iter()
                .filter_map(|(p, var, _)| present(var).map(|v| (p, v.trim_end_matches('/').to_owned())))
                .collect(),
        }
    }

    /// Sets one secret override (the CLI's `--twilio-auth-token` flags land here).
    pub fn with_secret(mut self, name: SecretName, value: Option<String>) -> EnvOverrides {
        if let Some(v) = value.filter(|v| !v.trim().is_empty()) {
            self.secrets.insert(name, Secret::new(v));
        }
        self
    }
}

/// Where a secret's effective value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretSource {
    Env,
    Keychain,
    File,
    Memory,
}

/// What the UI may know about a secret: whether it is set and where from, never the value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretStatus {
    pub name: SecretName,
    pub set: bool,
    pub source: Option<SecretSource>,
    /// The environment variable that would override it.
    pub env_var: String,
}

/// ElevenLabs: REST key (`xi-api-key`), webhook HMAC secret, API base URL.
#[derive(Debug, Clone)]
pub struct ElevenlabsCredentials {
    pub api_key: Option<Secret>,
    pub webhook_secret: Option<Secret>,
    pub base_url: String,
}

/// Twilio: basic auth `account_sid:auth_token`; the auth token also signs webhooks.
#[derive(Debug, Clone)]
pub struct TwilioCredentials {
    pub account_sid: Option<Secret>,
    pub auth_token: Option<Secret>,
    pub base_url: String,
}

/// Exotel: basic auth `api_key:api_token` on `/v1/Accounts/{account_sid}`; the webhook secret is a path
/// segment (Exotel does not sign).
#[derive(Debug, Clone)]
pub struct ExotelCredentials {
    pub api_key: Option<Secret>,
    pub api_token: Option<Secret>,
    pub account_sid: Option<Secret>,
    pub webhook_secret: Option<Secret>,
    pub base_url: String,
}

/// OpenAI: bearer key; webhook secret for its signed webhooks.
#[derive(Debug, Clone)]
pub struct OpenaiCredentials {
    pub api_key: Option<Secret>,
    pub webhook_secret: Option<Secret>,
    pub base_url: String,
}

/// The effective credentials: env overrides win, then the store. Cheap to clone (an `Arc` and a map).
#[derive(Debug, Clone)]
pub struct Credentials {
    store: Arc<dyn SecretStore>,
    env: EnvOverrides,
    /// Set when the store is the less-secure file fallback; shown in `app.info` and the UI.
    warning: Option<String>,
}

impl Credentials {
    pub fn new(store: Arc<dyn SecretStore>, env: EnvOverrides, warning: Option<String>) -> Credentials {
        Credentials { store, env, warning }
    }

    /// An in-memory store with no overrides (tests, and an app before launch configures it).
    pub fn in_memory() -> Credentials {
        Credentials::new(super::MemoryStore::new(), EnvOverrides::default(), None)
    }

    pub fn store_kind(&self) -> StoreKind {
        self.store.kind()
    }

    pub fn warning(&self) -> Option<&str> {
        self.warning.as_deref()
    }

    /// The effective value of one secret.
    pub fn get(&self, name: SecretName) -> Result<Option<Secret>, SecretStoreError> {
        match self.env.secrets.get(&name) {
            Some(v) => Ok(Some(v.clone())),
            None => self.store.get(name),
        }
    }

    /// Stores a secret (an env override, if any, still wins when reading).
    pub fn set(&self, name: SecretName, value: &Secret) -> Result<(), SecretStoreError> {
        self.store.set(name, value)
    }

    pub fn delete(&self, name: SecretName) -> Result<(), SecretStoreError> {
        self.store.delete(name)
    }

    /// Set/not set and the source of every secret.
    pub fn statuses(&self) -> Result<Vec<SecretStatus>, SecretStoreError> {
        let store_source = match self.store.kind() {
            StoreKind::Keychain => SecretSource::Keychain,
            StoreKind::File => SecretSource::File,
            StoreKind::Memory => SecretSource::Memory,
        };
        SecretName::ALL
            .into_iter()
            .map(|name| {
                let source = if self.env.secrets.contains_key(&name) {
                    Some(SecretSource::Env)
                } else {
                    self.store.get(name)?.map(|_| store_source)
                };
                Ok(SecretStatus {
                    name,
                    set: source.is_some(),
                    source,
                    env_var: name.env_var().to_owned(),
                })
            })
            .collect()
    }

    /// The base URL set by `CALLBOARD_{PROVIDER}_BASE_URL`, if any (it wins over a region chosen in the UI).
    pub fn base_url_override(&self, provider: &str) -> Option<&str> {
        self.env.base_urls.get(provider).map(String::as_str)
    }

    /// The API base URL for `provider` (`elevenlabs`, `twilio`, `exotel`, `openai`), without a trailing `/`.
    pub fn base_url(&self, provider: &str) -> String {
        if let Some(url) = self.env.base_urls.get(provider) {
            return url.clone();
        }
        BASE_URLS
            .iter()
            .find(|(p, _, _)| *p == provider)
            .map(|(_, _, default)| (*default).to_owned())
            .unwrap_or_default()
    }

    pub fn elevenlabs(&self) -> Result<ElevenlabsCredentials, SecretStoreError> {
        Ok(ElevenlabsCredentials {
            api_key: self.get(SecretName::ElevenlabsApiKey)?,
            webhook_secret: self.get(SecretName::ElevenlabsWebhookSecret)?,
            base_url: self.base_url("elevenlabs"),
        })
    }

    pub fn twilio(&self) -> Result<TwilioCredentials, SecretStoreError> {
        Ok(TwilioCredentials {
            account_sid: self.get(SecretName::TwilioAccountSid)?,
            auth_token: self.get(SecretName::TwilioAuthToken)?,
            base_url: self.base_url("twilio"),
        })
    }

    pub fn exotel(&self) -> Result<ExotelCredentials, SecretStoreError> {
        Ok(ExotelCredentials {
            api_key: self.get(SecretName::ExotelApiKey)?,
            api_token: self.get(SecretName::ExotelApiToken)?,
            account_sid: self.get(SecretName::ExotelAccountSid)?,
            webhook_secret: self.get(SecretName::ExotelWebhookSecret)?,
            base_url: self.base_url("exotel"),
        })
    }

    pub fn openai(&self) -> Result<OpenaiCredentials, SecretStoreError> {
        Ok(OpenaiCredentials {
            api_key: self.get(SecretName::OpenaiApiKey)?,
            webhook_secret: self.get(SecretName::OpenaiWebhookSecret)?,
            base_url: self.base_url("openai"),
        })
    }

    /// The webhook secrets the signature checks need.
    pub fn provider_secrets(&self) -> Result<ProviderSecrets, SecretStoreError> {
        Ok(ProviderSecrets {
            elevenlabs_webhook: self.get(SecretName::ElevenlabsWebhookSecret)?,
            twilio_auth_token: self.get(SecretName::TwilioAuthToken)?,
            exotel_webhook: self.get(SecretName::ExotelWebhookSecret)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret_store::MemoryStore;

    fn overrides(pairs: &[(&str, &str)]) -> EnvOverrides {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        EnvOverrides::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn env_wins_over_the_store_and_statuses_say_where_from() -> Result<(), SecretStoreError> {
        let store = MemoryStore::new();
        store.set(SecretName::TwilioAuthToken, &Secret::new("from-store"))?;
        store.set(SecretName::TwilioAccountSid, &Secret::new("AC1"))?;
        let creds = Credentials::new(
            store,
            overrides(&[
                ("CALLBOARD_TWILIO_AUTH_TOKEN", "from-env"),
                ("CALLBOARD_EXOTEL_WEBHOOK_SECRET", "  "),
                ("CALLBOARD_TWILIO_BASE_URL", "http://127.0.0.1:9/"),
            ]),
            None,
        );
        let tw = creds.twilio()?;
        assert_eq!(tw.auth_token.as_ref().map(Secret::expose), Some("from-env"));
        assert_eq!(tw.account_sid.as_ref().map(Secret::expose), Some("AC1"));
        assert_eq!(tw.base_url, "http://127.0.0.1:9");
        assert_eq!(creds.base_url("openai"), "https://api.openai.com");
        let ps = creds.provider_secrets()?;
        assert_eq!(
            ps.twilio_auth_token.as_ref().map(Secret::expose),
            Some("from-env")
        );
        assert!(ps.exotel_webhook.is_none(), "blank env values count as unset");

        let statuses = creds.statuses()?;
        let of = |n: SecretName| statuses.iter().find(|s| s.name == n).cloned();
        assert_eq!(
            of(SecretName::TwilioAuthToken).and_then(|s| s.source),
            Some(SecretSource::Env)
        );
        assert_eq!(
            of(SecretName::TwilioAccountSid).and_then(|s| s.source),
            Some(SecretSource::Memory)
        );
        assert_eq!(of(SecretName::OpenaiApiKey).map(|s| s.set), Some(false));
        let json = serde_json::to_string(&statuses).unwrap_or_default();
        assert!(
            !json.contains("from-env") && !json.contains("AC1"),
            "statuses never carry values"
        );
        Ok(())
    }

    #[test]
    fn debug_never_shows_a_secret() -> Result<(), SecretStoreError> {
        let creds = Credentials::new(
            MemoryStore::new(),
            overrides(&[("CALLBOARD_OPENAI_API_KEY", "sk-xyz")]),
            None,
        );
        creds.set(SecretName::ElevenlabsApiKey, &Secret::new("xi-abc"))?;
        let shown = format!("{creds:?} {:?} {:?}", creds.openai()?, creds.elevenlabs()?);
        assert!(!shown.contains("sk-xyz") && !shown.contains("xi-abc"), "{shown}");
        Ok(())
    }

    #[test]
    fn openai_api_key_is_read_from_openai_s_own_variable_too() -> Result<(), SecretStoreError> {
        let key = |pairs: &[(&str, &str)]| -> Result<Option<String>, SecretStoreError> {
            let creds = Credentials::new(MemoryStore::new(), overrides(pairs), None);
            Ok(creds.openai()?.api_key.map(|k| k.expose().to_owned()))
        };
        assert_eq!(key(&[("OPENAI_API_KEY", "sk-sdk")])?.as_deref(), Some("sk-sdk"));
        assert_eq!(
            key(&[
                ("OPENAI_API_KEY", "sk-sdk"),
                ("CALLBOARD_OPENAI_API_KEY", "sk-ours")
            ])?
            .as_deref(),
            Some("sk-ours")
        );
        assert_eq!(key(&[("OPENAI_API_KEY", "  ")])?, None);
        Ok(())
    }
}
