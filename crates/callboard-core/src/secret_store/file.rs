//! The fallback when no OS keychain answers (headless Linux, CI, a server): all secrets in one AES-256-GCM
//! encrypted file, `secrets.enc`, in the data dir, with a random 256-bit key in `secrets.key` beside it; both
//! are written 0600 and atomically (temp file + rename), and backups leave both out.
//!
//! What this protects against, honestly: the values never sit in plaintext where a search, a stray `cat`,
//! a log or a shared backup would show them, and a tampered file is refused (the GCM tag). It does not
//! protect against someone who can read the user's files: the key is readable by the same account. That is
//! why the app labels this mode as less secure in `app.info` and in the UI.

use std::{
    collections::BTreeMap,
    io::Write,
    path::{Path, PathBuf},
    sync::Mutex,
};

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use rand::RngCore;
use serde::{Deserialize, Serialize};

use super::{SecretName, SecretStore, SecretStoreError, StoreKind};
use crate::secret::Secret;

pub const SECRETS_FILE: &str = "secrets.enc";
pub const KEY_FILE: &str = "secrets.key";
/// Bound into the tag, so a file written for another purpose or format version does not decrypt.
const AAD: &[u8] = b"callboard-secrets-v1";

#[derive(Debug)]
pub struct FileStore {
    path: PathBuf,
    key_path: PathBuf,
    /// Serialises read-modify-write cycles within this process.
    lock: Mutex<()>,
}

#[derive(Serialize, Deserialize)]
struct Sealed {
    version: u32,
    nonce: String,
    ciphertext: String,
}

impl FileStore {
    pub fn new(data_dir: &Path) -> FileStore {
        FileStore {
            path: data_dir.join(SECRETS_FILE),
            key_path: data_dir.join(KEY_FILE),
            lock: Mutex::new(()),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, message: impl Into<String>) -> SecretStoreError {
        SecretStoreError::File {
            path: self.path.display().to_string(),
            message: message.into(),
        }
    }

    /// The key, created on first use.
    fn key(&self, create: bool) -> Result<Option<LessSafeKey>, SecretStoreError> {
        let bytes = match std::fs::read_to_string(&self.key_path) {
            Ok(hex_key) => hex::decode(hex_key.trim()).map_err(|_| self.err("the key file is damaged"))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if !create {
                    return Ok(None);
                }
                let mut bytes = vec![0u8; 32];
                rand::rng().fill_bytes(&mut bytes);
                write_private(&self.key_path, hex::encode(&bytes).as_bytes())
                    .map_err(|e| self.err(format!("cannot write the key file: {e}")))?;
                bytes
            }
            Err(e) => return Err(self.err(format!("cannot read the key file: {e}"))),
        };
        let key = UnboundKey::new(&AES_256_GCM, &bytes).map_err(|_| self.err("the key file is damaged"))?;
        Ok(Some(LessSafeKey::new(key)))
    }

    fn load(&self) -> Result<BTreeMap<String, String>, SecretStoreError> {
        let raw = match std::fs::read(&self.path) {
            Ok(raw) => raw,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
            Err(e) => return Err(self.err(format!("cannot read: {e}"))),
        };
        let sealed: Sealed = serde_json::from_slice(&raw).map_err(|_| self.err("not a secrets file"))?;
        if sealed.version != 1 {
            return Err(self.err(format!("unknown format version {}", sealed.version)));
        }
        let key = self
            .key(false)?
            .ok_or_else(|| self.err(format!("its key file {} is missing", self.key_path.display())))?;
        let nonce_bytes: [u8; NONCE_LEN] = hex::decode(&sealed.nonce)
            .ok()
            .and_then(|n| n.try_into().ok())
            .ok_or_else(|| self.err("damaged nonce"))?;
        let mut buf = hex::decode(&sealed.ciphertext).map_err(|_| self.err("damaged ciphertext"))?;
        let plain = key
            .open_in_place(
                Nonce::assume_unique_for_key(nonce_bytes),
                Aad::from(AAD),
                &mut buf,
            )
            .map_err(|_| self.err("cannot be decrypted with its key (tampered, or the key was replaced)"))?;
        serde_json::from_slice(plain).map_err(|_| self.err("decrypted content is damaged"))
    }

    fn save(&self, values: &BTreeMap<String, String>) -> Result<(), SecretStoreError> {
        let key = self.key(true)?.ok_or_else(|| self.err("no key"))?;
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let mut buf = serde_json::to_vec(values).map_err(|e| self.err(e.to_string()))?;
        key.seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(AAD), &mut buf)
            .map_err(|_| self.err("encryption failed"))?;
        let sealed = Sealed {
            version: 1,
            nonce: hex::encode(nonce),
            ciphertext: hex::encode(&buf),
        };
        let json = serde_json::to_vec(&sealed).map_err(|e| self.err(e.to_string()))?;
        write_private(&self.path, &json).map_err(|e| self.err(format!("cannot write: {e}")))
    }

    fn update(&self, f: impl FnOnce(&mut BTreeMap<String, String>)) -> Result<(), SecretStoreError> {
        let _guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        let mut values = self.load()?;
        f(&mut values);
        self.save(&values)
    }
}

/// Writes `bytes` to `path` through a temp file readable only by the owner, then renames it into place.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, path)
}

impl SecretStore for FileStore {
    fn kind(&self) -> StoreKind {
        StoreKind::File
    }

    fn get(&self, name: SecretName) -> Result<Option<Secret>, SecretStoreError> {
        let _guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        Ok(self.load()?.remove(name.as_str()).map(Secret::new))
    }

    fn set(&self, name: SecretName, value: &Secret) -> Result<(), SecretStoreError> {
        self.update(|v| {
            v.insert(name.as_str().to_owned(), value.expose().to_owned());
        })
    }

    fn delete(&self, name: SecretName) -> Result<(), SecretStoreError> {
        self.update(|v| {
            v.remove(name.as_str());
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALUE: &str = "sk_live_6b1d0c7e-PLAINTEXT-MARKER";

    #[test]
    fn round_trips_across_instances_and_holds_no_plaintext() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let store = FileStore::new(dir.path());
        assert!(store.get(SecretName::ElevenlabsApiKey)?.is_none());
        store.set(SecretName::ElevenlabsApiKey, &Secret::new(VALUE))?;
        store.set(SecretName::TwilioAuthToken, &Secret::new("tw"))?;

        let reopened = FileStore::new(dir.path());
        let got = reopened.get(SecretName::ElevenlabsApiKey)?;
        assert_eq!(got.as_ref().map(Secret::expose), Some(VALUE));
        reopened.delete(SecretName::TwilioAuthToken)?;
        assert!(reopened.get(SecretName::TwilioAuthToken)?.is_none());

        for file in [SECRETS_FILE, KEY_FILE] {
            let bytes = std::fs::read(dir.path().join(file))?;
            let text = String::from_utf8_lossy(&bytes);
            assert!(!text.contains("PLAINTEXT-MARKER"), "{file} holds the plaintext");
            assert!(!text.contains("elevenlabs"), "{file} holds a secret's name");
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = std::fs::metadata(dir.path().join(file))?.permissions().mode();
                assert_eq!(mode & 0o077, 0, "{file} is readable by others");
            }
        }
        Ok(())
    }

    #[test]
    fn a_tampered_file_or_a_lost_key_is_refused_clearly() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let store = FileStore::new(dir.path());
        store.set(SecretName::OpenaiApiKey, &Secret::new(VALUE))?;
        let path = dir.path().join(SECRETS_FILE);
        let mut sealed: serde_json::Value = serde_json::from_slice(&std::fs::read(&path)?)?;
        let ct = sealed["ciphertext"].as_str().unwrap_or_default().to_owned();
        let flipped = format!("{}{}", if ct.starts_with('0') { "1" } else { "0" }, &ct[1..]);
        sealed["ciphertext"] = flipped.into();
        std::fs::write(&path, serde_json::to_vec(&sealed)?)?;
        let err = store
            .get(SecretName::OpenaiApiKey)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("cannot be decrypted"), "{err}");
        assert!(!err.contains(VALUE));

        std::fs::remove_file(dir.path().join(KEY_FILE))?;
        let err = store
            .get(SecretName::OpenaiApiKey)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("key file"), "{err}");
        Ok(())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(32))]
        #[test]
        fn any_value_round_trips(value in "\\PC{1,200}") {
            let dir = tempfile::tempdir().map_err(|e| proptest::test_runner::TestCaseError::fail(e.to_string()))?;
            let store = FileStore::new(dir.path());
            let ok = store.set(SecretName::GoogleServiceAccountJson, &Secret::new(value.clone())).is_ok();
            proptest::prop_assert!(ok);
            let got = store.get(SecretName::GoogleServiceAccountJson).ok().flatten();
            proptest::prop_assert_eq!(got.as_ref().map(Secret::expose), Some(value.as_str()));
        }
    }
}
