//! The carriers' non-secret settings (Twilio's caller numbers; Exotel's region, caller ids and flow id),
//! kept as one JSON document under the `carriers` key of the `settings` table, apart from the app settings so
//! each provider's panel saves only its own part. Secrets (SIDs, tokens, keys) live in the secret store.

use serde::{Deserialize, Serialize};

use crate::{store::StoreResult, validation::ValidationError};

/// The key in the `settings` table.
pub const KEY: &str = "carriers";

/// How many caller numbers a carrier may list (a picker, not a number inventory).
pub const MAX_NUMBERS: usize = 50;

/// Exotel's two API clusters; an account lives in one of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExotelRegion {
    /// `api.exotel.com`.
    #[default]
    Singapore,
    /// `api.in.exotel.com`.
    Mumbai,
}

impl ExotelRegion {
    pub fn base_url(self) -> &'static str {
        match self {
            ExotelRegion::Singapore => "https://api.exotel.com",
            ExotelRegion::Mumbai => "https://api.in.exotel.com",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TwilioSettings {
    /// Caller numbers (E.164) campaigns may use; the first is the default.
    pub from_numbers: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExotelSettings {
    pub region: ExotelRegion,
    /// ExoPhones (virtual numbers) campaigns may show as caller id; the first is the default.
    pub caller_ids: Vec<String>,
    /// The numeric id of the flow (app) whose first applet is the Voicebot.
    pub flow_id: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CarrierSettings {
    pub twilio: TwilioSettings,
    pub exotel: ExotelSettings,
}

impl CarrierSettings {
    /// The stored settings (defaults when none are stored, or when a hand edit broke them).
    pub fn load(conn: &rusqlite::Connection) -> StoreResult<CarrierSettings> {
        Ok(match crate::store::settings::get(conn, KEY)? {
            Some(v) => serde_json::from_value(v).unwrap_or_else(|e| {
                tracing::warn!(error = %e, "stored carrier settings do not parse; using defaults");
                CarrierSettings::default()
            }),
            None => CarrierSettings::default(),
        })
    }

    /// `self` with `patch` applied (`{"twilio": {...}}` and/or `{"exotel": {...}}`; fields inside replace),
    /// normalised and validated, every bad field reported.
    pub fn patched(&self, patch: &serde_json::Value) -> Result<CarrierSettings, Vec<ValidationError>> {
        let Some(patch) = patch.as_object() else {
            return Err(vec![ValidationError::new(
                "carriers",
                "must be an object such as {\"twilio\": {\"from_numbers\": [\"+14155550100\"]}}",
            )]);
        };
        let mut merged = serde_json::to_value(self).unwrap_or_default();
        for (carrier, fields) in patch {
            let (Some(target), Some(fields)) = (merged.get_mut(carrier), fields.as_object()) else {
                return Err(vec![ValidationError::new(
                    "carriers",
                    format!(
                        "'{carrier}' is not a carrier with settings (twilio, exotel), or its value is not an object"
                    ),
                )]);
            };
            for (k, v) in fields {
                target[k] = v.clone();
            }
        }
        let mut next: CarrierSettings = serde_json::from_value(merged)
            .map_err(|e| vec![ValidationError::new("carriers", e.to_string())])?;
        next.normalise();
        next.validate()?;
        Ok(next)
    }

    fn normalise(&mut self) {
        let clean = |list: &mut Vec<String>| {
            let mut seen = Vec::new();
            for n in list.drain(..) {
                let n: String = n
                    .trim()
                    .chars()
                    .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '.'))
                    .collect();
                if !n.is_empty() && !seen.contains(&n) {
                    seen.push(n);
                }
            }
            *list = seen;
        };
        clean(&mut self.twilio.from_numbers);
        clean(&mut self.exotel.caller_ids);
        self.exotel.flow_id = self.exotel.flow_id.trim().to_owned();
    }

    pub fn validate(&self) -> Result<(), Vec<ValidationError>> {
        let mut errors = Vec::new();
        let mut list = |field: &'static str, numbers: &[String], ok: fn(&str) -> bool, example: &str| {
            if numbers.len() > MAX_NUMBERS {
                errors.push(ValidationError::new(
                    field,
                    format!("at most {MAX_NUMBERS} numbers"),
                ));
            }
            let bad: Vec<&str> = numbers.iter().map(String::as_str).filter(|n| !ok(n)).collect();
            if !bad.is_empty() {
                errors.push(ValidationError::new(
                    field,
                    format!("'{}' is not a phone number such as {example}", bad.join("', '")),
                ));
            }
        };
        list(
            "twilio.from_numbers",
            &self.twilio.from_numbers,
            is_e164,
            "+14155550100",
        );
        list(
            "exotel.caller_ids",
            &self.exotel.caller_ids,
            is_exophone,
            "08047112233 or +918047112233",
        );
        let flow = &self.exotel.flow_id;
        if !flow.is_empty() && (flow.len() > 20 || !flow.chars().all(|c| c.is_ascii_digit())) {
            errors.push(ValidationError::new(
                "exotel.flow_id",
                "must be the flow's numeric app id (the number at the end of its URL in the Exotel dashboard)",
            ));
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }
}

/// `+` then 7 to 15 digits, the first not 0.
pub fn is_e164(n: &str) -> bool {
    n.strip_prefix('+').is_some_and(|d| {
        (7..=15).contains(&d.len()) && d.chars().all(|c| c.is_ascii_digit()) && !d.starts_with('0')
    })
}

/// An Exotel virtual number as the dashboard shows it: national (`0…`) or E.164, 6 to 15 digits.
pub fn is_exophone(n: &str) -> bool {
    let digits = n.strip_prefix('+').unwrap_or(n);
    (6..=15).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn a_patch_replaces_one_carrier_and_keeps_the_other() -> Result<(), Vec<ValidationError>> {
        let s = CarrierSettings::default()
            .patched(&json!({"exotel": {"region": "mumbai", "flow_id": " 224466 ", "caller_ids": ["080-4711 2233"]}}))?
            .patched(&json!({"twilio": {"from_numbers": ["+1 415 555 0100", "+14155550100", ""]}}))?;
        assert_eq!(s.twilio.from_numbers, vec!["+14155550100"]);
        assert_eq!(s.exotel.caller_ids, vec!["08047112233"]);
        assert_eq!(s.exotel.flow_id, "224466");
        assert_eq!(s.exotel.region.base_url(), "https://api.in.exotel.com");
        Ok(())
    }

    #[test]
    fn every_bad_field_is_named() {
        let e = CarrierSettings::default()
            .patched(&json!({"twilio": {"from_numbers": ["555-0100"]}, "exotel": {"flow_id": "my flow"}}))
            .err()
            .unwrap_or_default();
        let fields: Vec<&str> = e.iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["twilio.from_numbers", "exotel.flow_id"]);
        assert!(e[0].message.contains("5550100"), "{}", e[0].message);
        for bad in [
            json!([]),
            json!({"vonage": {}}),
            json!({"twilio": {"numbers": []}}),
            json!({"exotel": {"region": "tokyo"}}),
        ] {
            assert!(CarrierSettings::default().patched(&bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn e164_accepts_exactly_plus_and_digits(d in "[1-9][0-9]{6,14}", junk in "[^0-9+]{1,3}") {
            let plus = format!("+{d}");
            prop_assert!(is_e164(&plus));
            prop_assert!(is_exophone(&plus));
            prop_assert!(!is_e164(&d));
            let junked = format!("+{junk}{d}");
            prop_assert!(!is_e164(&junked));
        }

        #[test]
        fn normalised_numbers_validate_or_are_reported(raw in proptest::collection::vec("[+0-9 ()-]{0,18}", 0..6)) {
            match CarrierSettings::default().patched(&json!({"twilio": {"from_numbers": raw}})) {
                Ok(s) => prop_assert!(s.twilio.from_numbers.iter().all(|n| is_e164(n))),
                Err(e) => prop_assert_eq!(e[0].field, "twilio.from_numbers"),
            }
        }
    }
}
