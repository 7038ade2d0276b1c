//! The app's typed settings: one JSON document under the `app.settings` key of the `settings` table,
//! defaults for anything missing (so older data dirs and newer fields both load), validated as a whole on
//! every change with one error per field, so the UI can put each message next to its field.

use serde::{Deserialize, Serialize};

use crate::{store::StoreResult, validation::ValidationError};

/// The key in the `settings` table.
pub const SETTINGS_KEY: &str = "app.settings";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    #[default]
    System,
    Light,
    Dark,
}

/// How the public URL is obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TunnelMode {
    /// The user has a URL (reverse proxy, their own cloudflared): `public_base_url`.
    #[default]
    Manual,
    /// The app runs `cloudflared tunnel --url …` (a quick tunnel, no account) and supervises it.
    Cloudflared,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Notifications {
    /// Alerts (breaker tripped, self-test failed) as desktop notifications.
    pub alerts: bool,
    pub campaign_finished: bool,
    pub sound: bool,
}

impl Default for Notifications {
    fn default() -> Self {
        Notifications {
            alerts: true,
            campaign_finished: true,
            sound: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BackupSchedule {
    pub enabled: bool,
    pub every_hours: u32,
    /// How many scheduled archives to keep (older ones are deleted).
    pub keep: u32,
    /// Where scheduled archives go; `None` = `<data dir>/backups`.
    pub dir: Option<String>,
}

impl Default for BackupSchedule {
    fn default() -> Self {
        BackupSchedule {
            enabled: false,
            every_hours: 24,
            keep: 7,
            dir: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// ISO region used to read national numbers (`KW`, `IN`, `US`, …).
    pub default_region: String,
    /// IANA zone for dates shown in the UI and for contacts whose number gives no zone.
    pub time_zone: String,
    /// Calling-hours preset new campaigns start with (`kw`, `in`, `us`, `always`).
    pub calling_hours: String,
    /// The URL providers call (tunnel or reverse proxy), `https://host[:port]`, no path.
    pub public_base_url: Option<String>,
    pub tunnel: TunnelMode,
    /// Ports the next start binds; 0 = any free port.
    pub ui_port: u16,
    pub public_port: u16,
    pub recording_enabled: bool,
    pub recording_retention_days: u32,
    pub theme: Theme,
    pub notifications: Notifications,
    pub backup: BackupSchedule,
    /// The first-run wizard was finished or dismissed.
    pub setup_done: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            default_region: "KW".into(),
            time_zone: "Asia/Kuwait".into(),
            calling_hours: "kw".into(),
            public_base_url: None,
            tunnel: TunnelMode::Manual,
            ui_port: 8787,
            public_port: 8788,
            recording_enabled: true,
            recording_retention_days: 90,
            theme: Theme::System,
            notifications: Notifications::default(),
            backup: BackupSchedule::default(),
            setup_done: false,
        }
    }
}

impl Settings {
    /// Loads the stored settings (defaults when none are stored yet).
    pub fn load(conn: &rusqlite::Connection) -> StoreResult<Settings> {
        Ok(match crate::store::settings::get(conn, SETTINGS_KEY)? {
            // Stored data that no longer parses (a hand edit) falls back to defaults rather than locking
            // the user out of the settings page; the next save overwrites it.
            Some(v) => serde_json::from_value(v).unwrap_or_else(|e| {
                tracing::warn!(error = %e, "stored settings do not parse; using defaults");
                Settings::default()
            }),
            None => Settings::default(),
        })
    }

    /// `self` with `patch` (a partial JSON object, nested objects merged) applied, normalised and
    /// validated; every invalid field is reported.
    pub fn patched(&self, patch: &serde_json::Value) -> Result<Settings, Vec<ValidationError>> {
        let mut merged = serde_json::to_value(self).unwrap_or_default();
        if !patch.is_object() {
            return Err(vec![ValidationError::new(
                "settings",
                "must be an object of fields to change",
            )]);
        }
        merge(&mut merged, patch);
        let mut next: Settings = serde_json::from_value(merged).map_err(|e| vec![type_error(&e)])?;
        next.normalise();
        next.validate()?;
        Ok(next)
    }

    fn normalise(&mut self) {
        self.default_region = self.default_region.trim().to_ascii_uppercase();
        self.time_zone = self.time_zone.trim().to_owned();
        self.calling_hours = self.calling_hours.trim().to_ascii_lowercase();
        self.public_base_url = self
            .public_base_url
            .as_deref()
            .map(|u| u.trim().trim_end_matches('/').to_owned())
            .filter(|u| !u.is_empty());
        self.backup.dir = self
            .backup
            .dir
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(Into::into);
    }

    pub fn validate(&self) -> Result<(), Vec<ValidationError>> {
        let mut errors = Vec::new();
        if self.default_region.parse::<crate::phone::Region>().is_err() {
            errors.push(ValidationError::new(
                "default_region",
                format!(
                    "'{}' is not a region code phone numbers are known for (e.g. KW, IN, US)",
                    self.default_region
                ),
            ));
        }
        if let Err(e) = crate::validation::time_zone("time_zone", &self.time_zone) {
            errors.push(e);
        }
        if crate::engine::window::CallingWindow::preset(&self.calling_hours).is_none() {
            errors.push(ValidationError::new(
                "calling_hours",
                format!(
                    "'{}' is not a preset; use kw, in, us or always",
                    self.calling_hours
                ),
            ));
        }
        if let Some(url) = &self.public_base_url
            && let Err(message) = check_public_url(url)
        {
            errors.push(ValidationError::new("public_base_url", message));
        }
        if self.ui_port != 0 && self.ui_port == self.public_port {
            errors.push(ValidationError::new(
                "public_port",
                "must differ from the UI port",
            ));
        }
        for (field, port) in [("ui_port", self.ui_port), ("public_port", self.public_port)] {
            if port != 0 && port < 1024 {
                errors.push(ValidationError::new(
                    field,
                    "must be 1024 or above (or 0 for any free port)",
                ));
            }
        }
        if !(1..=3650).contains(&self.recording_retention_days) {
            errors.push(ValidationError::new(
                "recording_retention_days",
                "must be between 1 and 3650 days",
            ));
        }
        if !(1..=720).contains(&self.backup.every_hours) {
            errors.push(ValidationError::new(
                "backup.every_hours",
                "must be between 1 and 720 hours",
            ));
        }
        if !(1..=100).contains(&self.backup.keep) {
            errors.push(ValidationError::new(
                "backup.keep",
                "must be between 1 and 100 archives",
            ));
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }
}

/// A public base URL: `http(s)://host[:port]` with no path, query or credentials.
pub fn check_public_url(url: &str) -> Result<(), String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("'{url}' is not a URL: {e}"))?;
    if !matches!(parsed.scheme(), "https" | "http") {
        return Err("must start with https:// (or http:// for a local test)".into());
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err("has no host".into());
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err("must not contain a user name or password".into());
    }
    if parsed.path() != "/" || parsed.query().is_some() || parsed.fragment().is_some() {
        return Err("must be the base only (no path, query or #fragment): the app adds /webhooks/…".into());
    }
    Ok(())
}

fn merge(into: &mut serde_json::Value, patch: &serde_json::Value) {
    match (into, patch) {
        (serde_json::Value::Object(a), serde_json::Value::Object(b)) => {
            for (k, v) in b {
                match a.get_mut(k) {
                    Some(existing) if existing.is_object() && v.is_object() => merge(existing, v),
                    _ => {
                        a.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (into, patch) => *into = patch.clone(),
    }
}

/// A wrong JSON type ("expected u16, found -1") named by serde; we cannot get the field path from serde
/// without another crate, so the message names the value.
fn type_error(e: &serde_json::Error) -> ValidationError {
    ValidationError::new("settings", format!("a value has the wrong type: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn patches_merge_normalise_and_validate_every_field() {
        let s = Settings::default();
        let next = s
            .patched(&json!({ "default_region": " in ", "time_zone": "Asia/Calcutta", "calling_hours": "IN",
                               "public_base_url": "https://calm-otter.trycloudflare.com/", "backup": { "enabled": true } }))
            .unwrap_or_default();
        assert_eq!(next.default_region, "IN");
        assert_eq!(next.calling_hours, "in");
        assert_eq!(
            next.public_base_url.as_deref(),
            Some("https://calm-otter.trycloudflare.com")
        );
        assert!(next.backup.enabled);
        assert_eq!(next.backup.keep, 7, "nested objects merge, they are not replaced");

        let errors = s
            .patched(&json!({ "default_region": "ZZ", "time_zone": "Mars/Base", "calling_hours": "night",
                               "public_base_url": "ftp://x/y", "ui_port": 80, "recording_retention_days": 0 }))
            .err()
            .unwrap_or_default();
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "default_region",
                "time_zone",
                "calling_hours",
                "public_base_url",
                "ui_port",
                "recording_retention_days"
            ]
        );
        assert!(s.patched(&json!({ "ui_port": "x" })).is_err());
        assert!(
            s.patched(&json!({ "public_base_url": "https://h.example/webhooks" }))
                .is_err()
        );
        assert!(s.patched(&json!({ "public_base_url": null })).is_ok());
    }

    proptest::proptest! {
        #[test]
        fn a_public_url_is_accepted_only_as_a_bare_http_base(raw in "(https?://)?[a-z0-9.:/?#@-]{0,40}") {
            if check_public_url(&raw).is_ok() {
                let u = reqwest::Url::parse(&raw);
                proptest::prop_assert!(u.is_ok());
                if let Ok(u) = u {
                    proptest::prop_assert!(matches!(u.scheme(), "http" | "https"));
                    proptest::prop_assert_eq!(u.path(), "/");
                    proptest::prop_assert!(u.query().is_none() && u.fragment().is_none());
                }
            }
        }
    }
}
