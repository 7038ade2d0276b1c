//! The organisation's structured intake: a JSON Schema (draft 2020-12 by default, whatever `$schema`
//! says otherwise) compiled once per call, and the `complete_intake` data checked against it. Invalid data
//! goes back to the model as a tool error listing every problem with its JSON pointer, so it can fix it.
//! `jsonschema` is the validator: maintained, full-draft, and built here without its remote `$ref`
//! resolution (no HTTP from a schema).

use serde_json::Value;

/// A compiled intake schema.
pub struct IntakeSchema {
    validator: jsonschema::Validator,
}

impl std::fmt::Debug for IntakeSchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IntakeSchema")
    }
}

/// Most problems listed back to the model at once.
const MAX_PROBLEMS: usize = 20;

impl IntakeSchema {
    /// Compiles `schema`; the message names what is wrong with it.
    pub fn compile(schema: &Value) -> Result<IntakeSchema, String> {
        // The same rules as when the profile was saved (`openai::intake::compile`).
        crate::openai::intake::compile(schema)
            .map(|validator| IntakeSchema { validator })
            .map_err(|e| format!("the intake schema {}", e.message))
    }

    /// `Ok` when `data` conforms; else each problem as `"<pointer>: <message>"` (`/` is the whole object).
    pub fn validate(&self, data: &Value) -> Result<(), Vec<String>> {
        let problems: Vec<String> = self
            .validator
            .iter_errors(data)
            .take(MAX_PROBLEMS)
            .map(|e| {
                let at = e.instance_path().to_string();
                let at = if at.is_empty() { "/".to_owned() } else { at };
                format!("{at}: {e}")
            })
            .collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }
}

/// The intake object out of `complete_intake`'s arguments: `{"data": {...}}`, or the fields themselves
/// when the model left out the wrapper.
pub fn intake_data(arguments: &Value) -> &Value {
    match arguments.get("data") {
        Some(d) if d.is_object() => d,
        _ => arguments,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;

    fn schema() -> Value {
        json!({
            "type": "object",
            "properties": {
                "name": {"type": "string", "minLength": 1},
                "reason": {"type": "string"},
                "urgency": {"type": "string", "enum": ["low", "normal", "high", "emergency"]},
                "age": {"type": "integer", "minimum": 0, "maximum": 130}
            },
            "required": ["name", "urgency"],
            "additionalProperties": false
        })
    }

    #[test]
    fn problems_name_the_field() {
        let s = IntakeSchema::compile(&schema()).unwrap_or_else(|e| panic!("{e}"));
        assert!(s.validate(&json!({"name": "Ana", "urgency": "high"})).is_ok());
        let problems = s
            .validate(&json!({"name": "", "urgency": "soon", "age": -1}))
            .err()
            .unwrap_or_default();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems.iter().any(|p| p.starts_with("/urgency: ")));
        assert!(problems.iter().any(|p| p.starts_with("/age: ")));
        let missing = s.validate(&json!({"name": "Ana"})).err().unwrap_or_default();
        assert!(
            missing[0].starts_with("/: ") && missing[0].contains("urgency"),
            "{missing:?}"
        );
        assert!(IntakeSchema::compile(&json!({"type": "no-such-type"})).is_err());
        assert_eq!(intake_data(&json!({"data": {"a": 1}})), &json!({"a": 1}));
        assert_eq!(intake_data(&json!({"a": 1})), &json!({"a": 1}));
    }

    fn valid() -> impl Strategy<Value = Value> {
        (
            "[A-Za-z ]{1,20}",
            proptest::option::of("\\PC{0,40}"),
            prop_oneof![Just("low"), Just("normal"), Just("high"), Just("emergency")],
            proptest::option::of(0i64..=130),
        )
            .prop_map(|(name, reason, urgency, age)| {
                let mut v = json!({"name": name, "urgency": urgency});
                if let Some(r) = reason {
                    v["reason"] = json!(r);
                }
                if let Some(a) = age {
                    v["age"] = json!(a);
                }
                v
            })
    }

    proptest! {
        #[test]
        fn conforming_data_always_passes(data in valid()) {
            let s = IntakeSchema::compile(&schema()).map_err(TestCaseError::fail)?;
            prop_assert!(s.validate(&data).is_ok());
        }

        #[test]
        fn each_kind_of_breakage_is_caught_and_located(data in valid(), how in 0u8..5, junk in "[a-z]{1,8}") {
            let s = IntakeSchema::compile(&schema()).map_err(TestCaseError::fail)?;
            let mut bad = data.clone();
            let field = match how {
                0 => { bad.as_object_mut().map(|m| m.remove("urgency")); "/" }
                1 => { bad["urgency"] = json!(format!("x{junk}")); "/urgency" }
                2 => { bad["age"] = json!(junk); "/age" }
                3 => { bad["name"] = json!(""); "/name" }
                _ => { bad[format!("extra_{junk}")] = json!(1); "/" }
            };
            let problems = s.validate(&bad).err().unwrap_or_default();
            prop_assert!(!problems.is_empty(), "{bad} passed");
            prop_assert!(problems.iter().any(|p| p.starts_with(&format!("{field}: "))), "{problems:?}");
        }

        #[test]
        fn arbitrary_json_never_panics(data in any::<Option<i64>>().prop_map(|v| json!(v)), text in "\\PC{0,30}") {
            let s = IntakeSchema::compile(&schema()).map_err(TestCaseError::fail)?;
            let _ = s.validate(&data);
            let _ = s.validate(&json!(text));
        }
    }
}
