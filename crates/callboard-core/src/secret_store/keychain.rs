//! The OS keychain through `keyring-core`: Secret Service (pure-Rust zbus, its own executor, so it never
//! panics inside tokio) on Linux, Keychain on macOS, Credential Manager on Windows. Every call runs on a
//! helper thread with a timeout, because a locked collection can block a caller forever (keyring-rs #167,
//! codex #41031); the caller gets "did not answer, is it locked?" instead of a hung app.

use std::{sync::Arc, time::Duration};

use keyring_core::{CredentialStore, Entry, Error as KeyringError};

use super::{SecretName, SecretStore, SecretStoreError, StoreKind};
use crate::secret::Secret;

/// The keychain "service" every Callboard entry is filed under; the entry's user is the secret's name.
pub const SERVICE: &str = "dev.callboard.app";
const CALL_TIMEOUT: Duration = Duration::from_secs(5);

pub struct KeychainStore {
    store: Arc<CredentialStore>,
}

impl std::fmt::Debug for KeychainStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeychainStore")
    }
}

impl KeychainStore {
    /// Connects to the platform keychain and proves it answers (a read of an entry that need not exist).
    pub fn open() -> Result<KeychainStore, SecretStoreError> {
        let store =
            with_timeout(platform_store)?.map_err(|e| SecretStoreError::Unavailable(e.to_string()))?;
        let ks = KeychainStore::with_store(store);
        ks.get(SecretName::NgrokAuthtoken).map_err(|e| match e {
            SecretStoreError::Keychain(m) => SecretStoreError::Unavailable(m),
            other => other,
        })?;
        Ok(ks)
    }

    /// Wraps an existing `keyring-core` store (tests use `keyring_core::mock`).
    pub fn with_store(store: Arc<CredentialStore>) -> KeychainStore {
        KeychainStore { store }
    }

    fn entry(&self, name: SecretName) -> Result<Entry, SecretStoreError> {
        Entry::new_in_store(&self.store, SERVICE, name.as_str()).map_err(keychain_error)
    }
}

#[cfg(target_os = "linux")]
fn platform_store() -> keyring_core::Result<Arc<CredentialStore>> {
    Ok(zbus_secret_service_keyring_store::Store::new()?)
}

#[cfg(target_os = "macos")]
fn platform_store() -> keyring_core::Result<Arc<CredentialStore>> {
    Ok(apple_native_keyring_store::keychain::Store::new()?)
}

#[cfg(windows)]
fn platform_store() -> keyring_core::Result<Arc<CredentialStore>> {
    Ok(windows_native_keyring_store::Store::new()?)
}

#[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
fn platform_store() -> keyring_core::Result<Arc<CredentialStore>> {
    Err(KeyringError::NoDefaultStore)
}

fn keychain_error(e: KeyringError) -> SecretStoreError {
    // keyring's messages name the failure, never the secret value.
    SecretStoreError::Keychain(e.to_string())
}

/// Runs `f` on a helper thread and gives up after [`CALL_TIMEOUT`] (the thread is left to finish alone).
fn with_timeout<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, SecretStoreError> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("keychain".into())
        .spawn(move || {
            let _ = tx.send(f());
        })
        .map_err(|e| SecretStoreError::Unavailable(format!("cannot start a thread: {e}")))?;
    rx.recv_timeout(CALL_TIMEOUT)
        .map_err(|_| SecretStoreError::Timeout(CALL_TIMEOUT.as_secs()))
}

impl SecretStore for KeychainStore {
    fn kind(&self) -> StoreKind {
        StoreKind::Keychain
    }

    fn get(&self, name: SecretName) -> Result<Option<Secret>, SecretStoreError> {
        let entry = self.entry(name)?;
        match with_timeout(move || entry.get_password())? {
            Ok(v) => Ok(Some(Secret::new(v))),
            Err(KeyringError::NoEntry) => Ok(None),
            Err(e) => Err(keychain_error(e)),
        }
    }

    fn set(&self, name: SecretName, value: &Secret) -> Result<(), SecretStoreError> {
        let entry = self.entry(name)?;
        let value = value.clone();
        with_timeout(move || entry.set_password(value.expose()))?.map_err(keychain_error)
    }

    fn delete(&self, name: SecretName) -> Result<(), SecretStoreError> {
        let entry = self.entry(name)?;
        match with_timeout(move || entry.delete_credential())? {
            Ok(()) | Err(KeyringError::NoEntry) => Ok(()),
            Err(e) => Err(keychain_error(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_keyring_core() -> Result<(), Box<dyn std::error::Error>> {
        let store: Arc<CredentialStore> = keyring_core::mock::Store::new()?;
        let ks = KeychainStore::with_store(store);
        assert!(ks.get(SecretName::TwilioAuthToken)?.is_none());
        ks.delete(SecretName::TwilioAuthToken)?;
        ks.set(SecretName::TwilioAuthToken, &Secret::new("tok"))?;
        let got = ks.get(SecretName::TwilioAuthToken)?;
        assert_eq!(got.as_ref().map(Secret::expose), Some("tok"));
        assert!(ks.get(SecretName::TwilioAccountSid)?.is_none());
        ks.delete(SecretName::TwilioAuthToken)?;
        assert!(ks.get(SecretName::TwilioAuthToken)?.is_none());
        Ok(())
    }
}
