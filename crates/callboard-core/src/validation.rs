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

/// Checks an IANA time-zone name against the bundled database (never the system one, which may lack
/// legacy names such as Asia/Calcutta).
pub fn time_zone(field: &'static str, raw: &str) -> Result<String, ValidationError> {
    let name = raw.trim();
    jiff::tz::TimeZoneDatabase::bundled()
        .get(name)
        .map(|_| name.to_owned())
        .map_err(|_| ValidationError::new(field, format!("'{name}' is not a known IANA time zone")))
}
