//! The OS keychain for real: the secret store against a running Secret Service (gnome-keyring under
//! `dbus-run-session` in `./dev test`). Set, read back, delete. Without a session bus or a Secret Service the
//! test prints why and skips, unless `CALLBOARD_REQUIRE_KEYCHAIN=1` (set by `./dev test`, which starts the
//! daemon) makes a missing keychain a failure, so CI cannot skip it silently.

use callboard_core::{
    secret::Secret,
    secret_store::{SecretName, SecretStore, SecretStoreError, StoreKind, keychain::KeychainStore},
};

/// The entry this test writes. A developer's own value (the test may run against a real desktop keychain)
/// is put back afterwards.
const NAME: SecretName = SecretName::NgrokAuthtoken;

fn required() -> bool {
    std::env::var("CALLBOARD_REQUIRE_KEYCHAIN").is_ok_and(|v| v == "1")
}

/// Puts back what was there before the test, also when an assertion fails.
struct Restore<'a> {
    store: &'a KeychainStore,
    before: Option<Secret>,
}

impl Drop for Restore<'_> {
    fn drop(&mut self) {
        let result = match &self.before {
            Some(v) => self.store.set(NAME, v),
            None => self.store.delete(NAME),
        };
        if let Err(e) = result {
            eprintln!("keychain test: could not restore the entry it used: {e}");
        }
    }
}

#[test]
fn secret_service_sets_reads_back_and_deletes() -> Result<(), SecretStoreError> {
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        assert!(
            !required(),
            "CALLBOARD_REQUIRE_KEYCHAIN=1 but there is no D-Bus session bus"
        );
        eprintln!(
            "SKIPPED keychain test: no D-Bus session bus (run it under dbus-run-session, as ./dev test does)"
        );
        return Ok(());
    }
    let store = match KeychainStore::open() {
        Ok(s) => s,
        Err(e @ (SecretStoreError::Unavailable(_) | SecretStoreError::Timeout(_))) if !required() => {
            eprintln!("SKIPPED keychain test: no Secret Service answers on this bus: {e}");
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    assert_eq!(store.kind(), StoreKind::Keychain);
    let guard = Restore {
        before: store.get(NAME)?,
        store: &store,
    };
    let value = Secret::new("cb-keychain-test-value ✓ with spaces");
    guard.store.set(NAME, &value)?;
    let read = guard.store.get(NAME)?;
    assert_eq!(read.as_ref().map(Secret::expose), Some(value.expose()));
    // A second set replaces the value instead of adding a second item.
    guard.store.set(NAME, &Secret::new("replaced"))?;
    assert_eq!(
        guard.store.get(NAME)?.as_ref().map(Secret::expose),
        Some("replaced")
    );
    // A fresh connection sees what the first one stored: it is in the daemon, not in a cache of ours.
    let other = KeychainStore::open()?;
    assert_eq!(other.get(NAME)?.as_ref().map(Secret::expose), Some("replaced"));
    guard.store.delete(NAME)?;
    assert!(guard.store.get(NAME)?.is_none());
    // Deleting what is not there is fine.
    guard.store.delete(NAME)?;
    Ok(())
}
