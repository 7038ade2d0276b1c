//! The structured intake's JSON Schema: checked when a profile is saved ([`check_schema`]: it must compile
//! as a JSON Schema, describe an object, and carry an `urgency` field), and applied to what the model hands
//! to `complete_intake` ([`validate_intake`]: every problem, with where it is, so the model can fix it).

use serde_json::Value;

use super::profile::URGENCY_LEVELS;
use crate::validation::ValidationError;

const FIELD: &str = "org.intake_schema";

/// Compiles `schema`, or says what is wrong with it (the first problem, with its place in the schema).
pub fn compile(schema: &Value) -> Result<jsonschema::Validator, ValidationError> {
    if let Some(declared) = schema.get("$schema") {
        // An unknown meta-schema cannot be resolved offline; say so rather than fail obscurely.
        let known = declared.as_str().is_some_and(|s| {
            s.starts_with("http://json-schema.org/") || s.starts_with("https://json-schema.org/")
        });
        if !known {
            return Err(ValidationError::new(
                FIELD,
                "$schema must name a json-schema.org draft",
            ));
        }
    }
    jsonschema::validator_for(schema).map_err(|e| {
        let at = e.instance_path().to_string();
        let at = if at.is_empty() { "the root".to_owned() } else { at };
        ValidationError::new(FIELD, format!("is not a valid JSON Schema at {at}: {e}"))
    })
}

/// The rules a saved intake schema follows.
pub fn check_schema(schema: &Value) -> Result<(), ValidationError> {
    let Some(obj) = schema.as_object() else {
        return Err(ValidationError::new(FIELD, "must be a JSON object"));
    };
    if schema.to_string().len() > 64 * 1024 {
        return Err(ValidationError::new(FIELD, "must be at most 64 KiB"));
    }
    compile(schema)?;
    if obj.get("type").and_then(Value::as_str) != Some("object") {
        return Err(ValidationError::new(
            FIELD,
            "must describe an object (\"type\": \"object\")",
        ));
    }
    let Some(urgency) = obj.get("properties").and_then(|p| p.get("urgency")) else {
        return Err(ValidationError::new(FIELD, "must have an \"urgency\" property"));
    };
    if let Some(levels) = urgency.get("enum").and_then(Value::as_array) {
        let unknown: Vec<String> = levels
            .iter()
            .filter(|l| !l.as_str().is_some_and(|l| URGENCY_LEVELS.contains(&l)))
            .map(Value::to_string)
            .collect();
        if !unknown.is_empty() {
            return Err(ValidationError::new(
                FIELD,
                format!(
                    "urgency values {} are not among {}",
                    unknown.join(", "),
                    URGENCY_LEVELS.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

/// Checks `data` against the intake schema; `Err` lists the problems as `"<path>: <message>"` (the same
/// check the Realtime backend runs on `complete_intake`, where the schema is compiled once per call).
pub fn validate_intake(schema: &Value, data: &Value) -> Result<(), Vec<String>> {
    crate::openai::realtime::intake::IntakeSchema::compile(schema)
        .map_err(|e| vec![e])?
        .validate(data)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;
    use crate::openai::profile::default_intake_schema;

    #[test]
    fn the_default_schema_passes_and_broken_ones_say_why() {
        assert_eq!(check_schema(&default_intake_schema()), Ok(()));
        let not_schema = json!({"type": "object", "properties": {"urgency": {"type": "colour"}}});
        let e = check_schema(&not_schema)
            .err()
            .map(|e| e.message)
            .unwrap_or_default();
        assert!(e.contains("not a valid JSON Schema"), "{e}");
        let no_urgency = json!({"type": "object", "properties": {"name": {"type": "string"}}});
        assert!(check_schema(&no_urgency).is_err());
        assert!(check_schema(&json!({"type": "array"})).is_err());
        assert!(check_schema(&json!("object")).is_err());
        let odd_level = json!({"type": "object", "properties": {"urgency": {"enum": ["meh"]}}});
        assert!(check_schema(&odd_level).is_err());
        let custom_meta = json!({"$schema": "https://example.com/s", "type": "object"});
        assert!(check_schema(&custom_meta).is_err());
    }

    #[test]
    fn intake_data_is_checked_with_every_problem_named() {
        let schema = default_intake_schema();
        let good = json!({"caller_name": "Ali", "reason": "leak", "urgency": "high"});
        assert_eq!(validate_intake(&schema, &good), Ok(()));
        let bad = json!({"caller_name": 3, "urgency": "whenever"});
        let errors = validate_intake(&schema, &bad).err().unwrap_or_default();
        assert!(errors.len() >= 3, "{errors:?}");
        assert!(errors.iter().any(|e| e.starts_with("/urgency")), "{errors:?}");
    }

    fn urgency() -> impl Strategy<Value = String> {
        prop_oneof![
            proptest::sample::select(URGENCY_LEVELS.to_vec()).prop_map(str::to_owned),
            "[a-z]{1,8}"
        ]
    }

    proptest! {
        #[test]
        fn intake_validation_agrees_with_the_rules(name in proptest::option::of("[ -~]{0,20}"), level in urgency(), reason in proptest::option::of(any::<i64>())) {
            let mut data = serde_json::Map::new();
            if let Some(n) = &name { data.insert("caller_name".into(), json!(n)); }
            data.insert("urgency".into(), json!(level));
            if let Some(r) = reason { data.insert("reason".into(), json!(r.to_string())); }
            let ok = name.is_some() && reason.is_some() && URGENCY_LEVELS.contains(&level.as_str());
            prop_assert_eq!(validate_intake(&default_intake_schema(), &Value::Object(data)).is_ok(), ok);
        }

        #[test]
        fn any_json_as_a_schema_is_answered_without_panicking(s in "[\\[\\]{}\":,a-z0-9 ]{0,80}") {
            if let Ok(v) = serde_json::from_str::<Value>(&s) {
                let _ = check_schema(&v);
            }
        }
    }
}
