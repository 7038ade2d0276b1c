//! The `phone` module against the differential fixture generated with Python `phonenumbers`
//! (`tests/fixtures/gen_phone_cases.py`): same E.164 (or invalid) and same time zones for every case.

use callboard_core::phone::{Region, normalize};
use serde_json::Value;

#[test]
fn phone_module_matches_python_phonenumbers() -> Result<(), Box<dyn std::error::Error>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/phone_cases.json");
    let fixture: Value = serde_json::from_str(&std::fs::read_to_string(path)?)?;
    let cases = fixture["cases"].as_array().ok_or("no cases")?;
    assert!(cases.len() >= 2000);
    let mut mismatches = Vec::new();
    for case in cases {
        let input = case["input"].as_str().unwrap_or_default();
        let region: Region = case["region"].as_str().unwrap_or_default().parse()?;
        let want = case["e164"].as_str();
        let want_zones: Vec<&str> = case["zones"]
            .as_array()
            .map(|z| z.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let got = normalize(input, region).ok();
        let got_e164 = got.as_ref().map(|p| p.e164.as_str());
        let got_zones: Vec<&str> = got.as_ref().map(|p| p.time_zones().to_vec()).unwrap_or_default();
        if got_e164 != want || got_zones != want_zones {
            mismatches.push(format!(
                "{input:?} ({region}): want {want:?} {want_zones:?}, got {got_e164:?} {got_zones:?}"
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    Ok(())
}
