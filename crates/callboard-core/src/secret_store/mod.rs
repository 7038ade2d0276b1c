//! Where provider keys, webhook secrets and tokens are kept, and how the rest of the code reads them.
//!
//! **Reading credentials (for provider code):** never read the environment or a store yourself; ask the
//! resolver the app holds:
//!
//! ```ignore
//! let creds = app.credentials();                 // Arc<Credentials>
//! let el = creds.elevenlabs()?;                  // api_key, webhook_secret: Option<Secret>; base_url: String
//! let tw = creds.twilio()?;                      // account_sid, auth_token, base_url
//! let key = creds.get(SecretName::OpenaiApiKey)?; // any single secret
//! ```
//!
//! The resolver ([`Credentials`]) applies the precedence the design promises: a `CALLBOARD_*` environment
//! variable (or the matching CLI flag) wins, then the secret store. Its calls are blocking (the OS keychain is
//! a D-Bus/XPC round trip, capped by a timeout), so async code calls them inside `spawn_blocking`.
//!
//! **Backends** ([`SecretStore`]): the OS keychain through `keyring-core` (Secret Service on Linux, Keychain
//! on macOS, Credential Manager on Windows; [`keychain`]); where no keychain answers (headless Linux, CI) an
//! AES-256-GCM encrypted file in the data dir with its key in a separate 0600 file ([`file`]), which
//! `app.info` and the UI flag as less secure; and [`MemoryStore`] for tests. Secrets are never written to
//! SQLite and never logged: every value travels as [`Secret`], whose `Debug`/`Display` print `***`.

pub mod file;
pub mod keychain;
pub mod resolve;

use std::{
    collections::HashMap,
    path::Path,
    sync::{Arc, Mutex},
};

use serde::{Deserialize, Serialize};

pub use resolve::{Credentials, EnvOverrides, SecretSource, SecretStatus};

use crate::secret::Secret;

/// Every secret Callboard knows, with its stable name (the key in the store) and its environment override.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SecretName {
    #[serde(rename = "elevenlabs.api_key")]
    ElevenlabsApiKey,
    #[serde(rename = "elevenlabs.webhook_secret")]
    ElevenlabsWebhookSecret,
    #[serde(rename = "twilio.account_sid")]
    TwilioAccountSid,
    #[serde(rename = "twilio.auth_token")]
    TwilioAuthToken,
    #[serde(rename = "exotel.api_key")]
    ExotelApiKey,
    #[serde(rename = "exotel.api_token")]
    ExotelApiToken,
    #[serde(rename = "exotel.account_sid")]
    ExotelAccountSid,
    #[serde(rename = "exotel.webhook_secret")]
    ExotelWebhookSecret,
    #[serde(rename = "openai.api_key")]
    OpenaiApiKey,
    #[serde(rename = "openai.webhook_secret")]
    OpenaiWebhookSecret,
    #[serde(rename = "google.service_account_json")]
    GoogleServiceAccountJson,
    #[serde(rename = "ngrok.authtoken")]
    NgrokAuthtoken,
}

impl SecretName {
    pub const ALL: [SecretName; 12] = [
        SecretName::ElevenlabsApiKey,
        SecretName::ElevenlabsWebhookSecret,
        SecretName::TwilioAccountSid,
        SecretName::TwilioAuthToken,
        SecretName::ExotelApiKey,
        SecretName::ExotelApiToken,
        SecretName::ExotelAccountSid,
        SecretName::ExotelWebhookSecret,
        SecretName::OpenaiApiKey,
        SecretName::OpenaiWebhookSecret,
        SecretName::GoogleServiceAccountJson,
        SecretName::NgrokAuthtoken,
    ];

    /// The name in the store, e.g. `twilio.auth_token`.
    pub fn as_str(self) -> &'static str {
        match self {
            SecretName::ElevenlabsApiKey => "elevenlabs.api_key",
            SecretName::ElevenlabsWebhookSecret => "elevenlabs.webhook_secret",
            SecretName::TwilioAccountSid => "twilio.account_sid",
            SecretName::TwilioAuthToken => "twilio.auth_token",
            SecretName::ExotelApiKey => "exotel.api_key",
            SecretName::ExotelApiToken => "exotel.api_token",
            SecretName::ExotelAccountSid => "exotel.account_sid",
            SecretName::ExotelWebhookSecret => "exotel.webhook_secret",
            SecretName::OpenaiApiKey => "openai.api_key",
            SecretName::OpenaiWebhookSecret => "openai.webhook_secret",
            SecretName::GoogleServiceAccountJson => "google.service_account_json",
            SecretName::NgrokAuthtoken => "ngrok.authtoken",
        }
    }

    /// The environment variable that overrides the stored value (design.md §3).
    pub fn env_var(self) -> &'static str {
        match self {
            SecretName::ElevenlabsApiKey => "CALLBOARD_ELEVENLABS_API_KEY",
            SecretName::ElevenlabsWebhookSecret => "CALLBOARD_ELEVENLABS_WEBHOOK_SECRET",
            SecretName::TwilioAccountSid => "CALLBOARD_TWILIO_ACCOUNT_SID",
            SecretName::TwilioAuthToken => "CALLBOARD_TWILIO_AUTH_TOKEN",
            SecretName::ExotelApiKey => "CALLBOARD_EXOTEL_API_KEY",
            SecretName::ExotelApiToken => "CALLBOARD_EXOTEL_API_TOKEN",
            SecretName::ExotelAccountSid => "CALLBOARD_EXOTEL_ACCOUNT_SID",
            SecretName::ExotelWebhookSecret => "CALLBOARD_EXOTEL_WEBHOOK_SECRET",
            SecretName::OpenaiApiKey => "CALLBOARD_OPENAI_API_KEY",
            SecretName::OpenaiWebhookSecret => "CALLBOARD_OPENAI_WEBHOOK_SECRET",
            SecretName::GoogleServiceAccountJson => "CALLBOARD_GOOGLE_SERVICE_ACCOUNT_JSON",
            SecretName::NgrokAuthtoken => "CALLBOARD_NGROK_AUTHTOKEN",
        }
    }

    pub fn parse(s: &str) -> Option<SecretName> {
        SecretName::ALL.into_iter().find(|n| n.as_str() == s)
    }
}

impl std::fmt::Display for SecretName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which kind of store holds the secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StoreKind {
    Keychain,
    File,
    Memory,
}

/// Why a store operation failed. Never carries a secret value.
#[derive(Debug, thiserror::Error)]
pub enum SecretStoreError {
    #[error("the OS keychain is not available: {0}")]
    Unavailable(String),
    #[error("the OS keychain did not answer within {0} s (is it locked? unlock it and retry)")]
    Timeout(u64),
    #[error("the OS keychain refused: {0}")]
    Keychain(String),
    #[error("the secrets file {path}: {message}")]
    File { path: String, message: String },
}

/// Get, set and delete secrets by name. Implementations block (keychains are IPC round trips).
pub trait SecretStore: Send + Sync + std::fmt::Debug {
    fn kind(&self) -> StoreKind;
    fn get(&self, name: SecretName) -> Result<Option<Secret>, SecretStoreError>;
    fn set(&self, name: SecretName, value: &Secret) -> Result<(), SecretStoreError>;
    /// Deleting a secret that is not there is not an error.
    fn delete(&self, name: SecretName) -> Result<(), SecretStoreError>;
}

/// Secrets held in memory only: tests, and throwaway runs.
#[derive(Debug, Default)]
pub struct MemoryStore {
    values: Mutex<HashMap<SecretName, Secret>>,
}

impl MemoryStore {
    pub fn new() -> Arc<MemoryStore> {
        Arc::default()
    }
}

impl SecretStore for MemoryStore {
    fn kind(&self) -> StoreKind {
        StoreKind::Memory
    }
    fn get(&self, name: SecretName) -> Result<Option<Secret>, SecretStoreError> {
        Ok(self
            .values
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&name)
            .cloned())
    }
    fn set(&self, name: SecretName, value: &Secret) -> Result<(), SecretStoreError> {
        self.values
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(name, value.clone());
        Ok(())
    }
    fn delete(&self, name: SecretName) -> Result<(), SecretStoreError> {
        self.values
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&name);
        Ok(())
    }
}

/// The store a real install uses: the OS keychain when it answers, otherwise the encrypted file in
/// `data_dir` together with a warning for the user (`None` when the keychain is used).
/// `CALLBOARD_SECRET_STORE=file` forces the file (servers that have a keychain but should not use it).
pub fn open_default(data_dir: &Path) -> (Arc<dyn SecretStore>, Option<String>) {
    let forced_file = std::env::var("CALLBOARD_SECRET_STORE").is_ok_and(|v| v == "file");
    let keychain_error = if forced_file {
        "CALLBOARD_SECRET_STORE=file".to_owned()
    } else {
        match keychain::KeychainStore::open() {
            Ok(store) => {
                tracing::info!("secrets are kept in the OS keychain");
                return (Arc::new(store), None);
            }
            Err(e) => e.to_string(),
        }
    };
    let store = file::FileStore::new(data_dir);
    let warning = format!(
        "No OS keychain is available ({keychain_error}); secrets are kept in an encrypted file in the data \
         dir ({}) whose key sits next to it. This is less secure than a keychain: anyone who can read your \
         files can read the secrets.",
        store.path().display()
    );
    tracing::warn!("{warning}");
    (Arc::new(store), Some(warning))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_serialize_as_their_store_name() {
        for n in SecretName::ALL {
            assert_eq!(SecretName::parse(n.as_str()), Some(n));
            assert_eq!(serde_json::to_value(n).ok(), Some(serde_json::json!(n.as_str())));
            assert!(n.env_var().starts_with("CALLBOARD_"));
        }
        assert_eq!(SecretName::parse("twilio.password"), None);
    }

    #[test]
    fn memory_store_gets_sets_and_deletes() -> Result<(), SecretStoreError> {
        let s = MemoryStore::new();
        assert!(s.get(SecretName::OpenaiApiKey)?.is_none());
        s.set(SecretName::OpenaiApiKey, &Secret::new("sk-1"))?;
        assert_eq!(
            s.get(SecretName::OpenaiApiKey)?.map(|v| v.expose().to_owned()),
            Some("sk-1".into())
        );
        s.delete(SecretName::OpenaiApiKey)?;
        s.delete(SecretName::OpenaiApiKey)?;
        assert!(s.get(SecretName::OpenaiApiKey)?.is_none());
        assert!(!format!("{s:?}").contains("sk-1"));
        Ok(())
    }
}
