//! The error every domain rule returns: which field, and why, in words a user can act on.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ValidationError {
    pub field: &'static str,
    pub message: String,
}

impl ValidationError {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        ValidationError {
            field,
            message: message.into(),
        }
    }
}

/// Trims a name and checks its length.
pub fn name(field: &'static str, raw: &str, max_chars: usize) -> Result<String, ValidationError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(ValidationError::new(field, "is required"));
    }
    if trimmed.chars().count() > max_chars {
        return Err(ValidationError::new(
            field,
            format!("must be at most {max_chars} characters"),
        ));
    }
    Ok(trimmed.to_owned())
}

/// Looks a zone up in the bundled database (never the system one, which may lack legacy names such as
/// Asia/Calcutta), with a process-wide cache: the engine asks for the same few zones for every contact.
pub fn zone(name: &str) -> Option<jiff::tz::TimeZone> {
    use std::{
        collections::HashMap,
        sync::{LazyLock, RwLock},
    };
    static CACHE: LazyLock<RwLock<HashMap<String, jiff::tz::TimeZone>>> = LazyLock::new(Default::default);
    if let Some(tz) = CACHE.read().unwrap_or_else(|p| p.into_inner()).get(name) {
        return Some(tz.clone());
    }
    let tz = jiff::tz::TimeZoneDatabase::bundled().get(name).ok()?;
    CACHE
        .write()
        .unwrap_or_else(|p| p.into_inner())
        .insert(name.to_owned(), tz.clone());
    Some(tz)
}

/// Checks an IANA time-zone name against the bundled database (never the system one, which may lack
/// legacy names such as Asia/Calcutta).
pub fn time_zone(field: &'static str, raw: &str) -> Result<String, ValidationError> {
    let name = raw.trim();
    zone(name)
        .map(|_| name.to_owned())
        .ok_or_else(|| ValidationError::new(field, format!("'{name}' is not a known IANA time zone")))
}
