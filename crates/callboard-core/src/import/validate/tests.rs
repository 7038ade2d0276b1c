use std::collections::HashSet;

use proptest::prelude::*;

use super::*;
use crate::import::header::Mapping;

fn rules() -> Rules {
    Rules {
        region: "KW".parse().unwrap_or_else(|e| panic!("{e}")),
        allowed_regions: None,
        default_time_zone: "Asia/Kuwait".into(),
        dnc: HashSet::from(["+96555000001".to_owned()]),
        members: HashSet::from(["+96555000002".to_owned()]),
    }
}

fn header() -> Vec<String> {
    ["Name", "Phone", "Time Zone", "Car Interest"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect()
}

fn row(n: u64, cells: &[&str]) -> RawRow {
    RawRow {
        number: n,
        cells: cells.iter().map(|s| (*s).to_owned()).collect(),
        bad_encoding: false,
    }
}

fn code(v: &mut Validator, cells: &[&str]) -> Option<RowCode> {
    v.check(&row(2, cells)).err().map(|e| e.code)
}

#[test]
fn each_check_gives_its_code() {
    let mut v = Validator::new(rules(), Mapping::auto(&header()));
    assert_eq!(code(&mut v, &["A", "", "", ""]), Some(RowCode::MissingPhone));
    assert_eq!(code(&mut v, &["A", "12", "", ""]), Some(RowCode::InvalidPhone));
    assert_eq!(
        code(&mut v, &["A", "55123456", "Mars/Base", ""]),
        Some(RowCode::InvalidTimezone)
    );
    assert_eq!(
        code(&mut v, &["A", "55123456", "", "", "extra"]),
        Some(RowCode::TooManyColumns)
    );
    assert_eq!(code(&mut v, &["A", "55123456", "", ""]), None);
    assert_eq!(
        code(&mut v, &["A", "+965 5512 3456", "", ""]),
        Some(RowCode::DuplicateInFile)
    );
    assert_eq!(code(&mut v, &["A", "55000001", "", ""]), Some(RowCode::OnDnc));
    assert_eq!(
        code(&mut v, &["A", "55000002", "", ""]),
        Some(RowCode::DuplicateInCampaign)
    );
    let mut bad = row(3, &["A", "55123457", "", ""]);
    bad.bad_encoding = true;
    assert_eq!(v.check(&bad).err().map(|e| e.code), Some(RowCode::BadEncoding));
    // Trailing empty cells are not extra columns.
    assert_eq!(code(&mut v, &["A", "55123458", "", "", "", ""]), None);

    let mut only_kw = rules();
    only_kw.allowed_regions = Some(vec!["KW".into()]);
    let mut v = Validator::new(only_kw, Mapping::auto(&header()));
    assert_eq!(
        code(&mut v, &["A", "+91 98765 43210", "", ""]),
        Some(RowCode::WrongRegion)
    );
}

#[test]
fn time_zone_source_is_recorded() -> Result<(), RowError> {
    let mut v = Validator::new(rules(), Mapping::auto(&header()));
    let c = v.check(&row(2, &["Ali", "55123456", "Asia/Calcutta", "SUV"]))?;
    assert_eq!(
        (c.time_zone.as_deref(), c.time_zone_source),
        (Some("Asia/Kolkata"), "column")
    );
    assert_eq!(c.variables, r#"{"car_interest":"SUV"}"#);
    let c = v.check(&row(3, &["Ali", "+1 212 555 1234", "", ""]))?;
    assert_eq!(
        (c.time_zone.as_deref(), c.time_zone_source),
        (Some("America/New_York"), "number")
    );
    let c = v.check(&row(4, &["Ali", "+882 1234 5678 90", "", ""]));
    if let Ok(c) = c {
        assert_eq!(c.time_zone_source, "campaign_default");
    }
    Ok(())
}

/// A variables column holding a JSON object (Callboard's own export) is unpacked into the contact's variables;
/// one that does not is kept whole.
#[test]
fn a_variables_column_is_unpacked() -> Result<(), RowError> {
    let header: Vec<String> = ["Phone", "variables", "Car Interest"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    let mut v = Validator::new(rules(), Mapping::auto(&header));
    let variables = |v: &mut Validator, n: u64, cells: &[&str]| -> Result<serde_json::Value, RowError> {
        let c = v.check(&row(n, cells))?;
        Ok(serde_json::from_str(&c.variables).unwrap_or_default())
    };
    // Strings as they are, numbers and booleans as text, null and empty values left out; the file's own
    // column of the same name wins.
    let unpacked = variables(
        &mut v,
        2,
        &[
            "55123456",
            r#"{"car_interest": "Sedan", "budget": 40625, "vip": true, "notes": null, "source": "", "city": "Hawalli \"Block 3\""}"#,
            "SUV",
        ],
    )?;
    assert_eq!(
        unpacked,
        serde_json::json!({"car_interest": "SUV", "budget": "40625", "vip": "true", "city": "Hawalli \"Block 3\""})
    );
    assert_eq!(
        variables(&mut v, 3, &["55123457", "call after 5pm", ""])?,
        serde_json::json!({"variables": "call after 5pm"})
    );
    assert_eq!(
        variables(&mut v, 4, &["55123458", "[1, 2]", ""])?,
        serde_json::json!({"variables": "[1, 2]"})
    );
    assert_eq!(
        variables(&mut v, 5, &["55123459", "", ""])?,
        serde_json::json!({})
    );
    Ok(())
}

#[test]
fn excel_floats_become_digits() {
    assert_eq!(unexcel("96555123456.0"), "96555123456");
    assert_eq!(unexcel("9.6555123456E+10"), "96555123456");
    assert_eq!(unexcel("9.6555123456E10"), "96555123456");
    assert_eq!(unexcel("55.12.34.56"), "55.12.34.56");
    assert_eq!(unexcel("+965 5512 3456"), "+965 5512 3456");
    assert_eq!(unexcel("5512.5"), "5512.5");
}

fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("55000001".to_owned()),
        Just("55000002".to_owned()),
        Just("Asia/Kuwait".to_owned()),
        Just("Nowhere/Zone".to_owned()),
        "[0-9]{8}",
        "\\+?[0-9 -]{0,14}",
        ".{0,6}",
    ]
}

proptest! {
    /// The quick trim is `str::trim`, whatever the whitespace (Unicode, vertical tab) and characters around it.
    #[test]
    fn quick_trim_is_str_trim(s in "[ \t\r\n\u{b}\u{c}\u{85}\u{a0}\u{2003}\u{3000}a-z0-9\"é؟\u{1}]{0,12}") {
        prop_assert_eq!(super::trim(&s), s.trim());
    }

    #[test]
    fn every_row_imports_or_carries_exactly_one_code(
        rows in proptest::collection::vec((proptest::collection::vec(cell(), 0..6), any::<bool>()), 0..40)
    ) {
        let mut v = Validator::new(rules(), Mapping::auto(&header()));
        let mut phones = HashSet::new();
        let (mut ok, mut failed) = (0, 0);
        for (i, (cells, bad)) in rows.iter().enumerate() {
            let raw = RawRow { number: i as u64 + 2, cells: cells.clone(), bad_encoding: *bad };
            match v.check(&raw) {
                Ok(c) => {
                    ok += 1;
                    prop_assert!(c.phone_e164.starts_with('+'));
                    prop_assert!(phones.insert(c.phone_e164.clone()), "a phone imported twice");
                    prop_assert!(c.time_zone.is_some());
                }
                Err(e) => {
                    failed += 1;
                    prop_assert_eq!(e.row, raw.number);
                    prop_assert!(!e.message.is_empty());
                }
            }
        }
        prop_assert_eq!(ok + failed, rows.len());
    }
}

proptest::proptest! {
    #[test]
    fn zones_json_is_what_serde_json_writes(zones in proptest::collection::vec("\\PC{0,12}", 0..4)) {
        let ours = super::json::json_array(zones.iter().map(String::as_str));
        let want = serde_json::to_string(&zones).map_err(|e| proptest::test_runner::TestCaseError::fail(e.to_string()))?;
        proptest::prop_assert_eq!(ours, want);
    }

    #[test]
    fn variables_json_is_what_serde_json_writes(k in "\\PC{0,8}", v in "(\\PC|[\"\\\\\n\r\t\u{1}\u{1f}])*") {
        let mut ours = String::from("left over");
        let (key, last) = (super::json::json_key(&k), super::json::json_key("last"));
        super::json::json_object(&mut ours, &[(&key, &v), (&last, "x\"y")]);
        let mut want = serde_json::Map::new();
        want.insert(k.clone(), v.clone().into());
        want.insert("last".into(), "x\"y".into());
        let parsed: serde_json::Value = serde_json::from_str(&ours).map_err(|e| proptest::test_runner::TestCaseError::fail(e.to_string()))?;
        proptest::prop_assert_eq!(parsed, serde_json::Value::Object(want));
    }
}
