use proptest::prelude::*;

use super::*;

fn region(code: &str) -> Region {
    code.parse().unwrap_or_else(|e| panic!("{e}"))
}

fn e164(raw: &str, r: &str) -> Result<String, PhoneError> {
    normalize(raw, region(r)).map(|p| p.e164)
}

#[test]
fn issue_examples_normalise_to_e164() {
    let want = Ok("+96555123456".to_owned());
    for raw in [
        "55123456",
        "55-12-34-56",
        "0096555123456",
        "+965 5512 3456",
        "96555123456",
    ] {
        assert_eq!(e164(raw, "KW"), want, "{raw}");
    }
    assert_eq!(e164("098765 43210", "IN"), Ok("+919876543210".into()));
    assert_eq!(e164("9104826892", "IN"), Ok("+919104826892".into()));
    assert_eq!(e164("9656-9161", "KW"), Ok("+96596569161".into()));
    assert_eq!(e164("(212) 555-0123", "US"), Ok("+12125550123".into()));
    assert_eq!(e164("(212) 555-1234", "US"), Ok("+12125551234".into()));
}

#[test]
fn failures_carry_a_reason() {
    assert_eq!(e164("", "KW"), Err(PhoneError::Empty));
    assert_eq!(e164("someone@example.com", "KW"), Err(PhoneError::NotANumber));
    assert_eq!(e164("1", "KW"), Err(PhoneError::NotANumber));
    assert_eq!(e164("+999 1234 5678", "KW"), Err(PhoneError::InvalidCountryCode));
    assert_eq!(e164(&"9".repeat(300), "KW"), Err(PhoneError::TooLong));
    assert_eq!(e164("12345", "KW"), Err(PhoneError::Invalid));
}

#[test]
fn regions_parse_case_insensitively_and_reject_unknown_codes() {
    assert_eq!(region("kw").code(), "KW");
    assert!("ZZ".parse::<Region>().is_err());
    assert!("KWT".parse::<Region>().is_err());
    assert!("".parse::<Region>().is_err());
}

#[test]
fn time_zones_come_from_the_number() -> Result<(), PhoneError> {
    assert_eq!(normalize("55123456", region("KW"))?.time_zones(), ["Asia/Kuwait"]);
    assert_eq!(
        normalize("9876543210", region("IN"))?.time_zones(),
        ["Asia/Kolkata"]
    );
    assert_eq!(
        normalize("212 555 1234", region("US"))?.time_zones(),
        ["America/New_York"]
    );
    let boise = normalize("208 555 1234", region("US"))?;
    assert!(boise.time_zones().len() >= 2, "{:?}", boise.time_zones());
    assert_eq!(time_zones_for_e164("+999"), &[] as &[&str]);
    Ok(())
}

#[test]
fn every_zone_in_the_table_is_a_current_iana_name() {
    let db = jiff::tz::TimeZoneDatabase::bundled();
    for (prefix, zones) in time_zones_for_prefix_table() {
        for zone in zones {
            assert!(db.get(zone).is_ok(), "{prefix}: {zone}");
            assert_ne!(*zone, "Asia/Calcutta");
        }
    }
}

fn messy_number() -> impl Strategy<Value = (String, &'static str)> {
    let region = prop_oneof![Just("KW"), Just("IN"), Just("US")];
    let body = proptest::string::string_regex(r"(\+|00)?[0-9]{1,3}[ .()-]?[0-9]{2,5}[ -]?[0-9]{2,6}")
        .unwrap_or_else(|e| panic!("{e}"));
    (body, region)
}

/// Numbers from anywhere: national ones for regions with and without zones below country level, and
/// international ones with any country code.
fn number_anywhere() -> impl Strategy<Value = (String, &'static str)> {
    let region = prop_oneof![
        Just("KW"),
        Just("IN"),
        Just("US"),
        Just("GB"),
        Just("BR"),
        Just("AU"),
        Just("RU")
    ];
    let body = proptest::string::string_regex(r"(\+[1-9][0-9]{6,13}|0?[1-9][0-9]{5,11})")
        .unwrap_or_else(|e| panic!("{e}"));
    prop_oneof![messy_number(), (body, region)]
}

proptest! {
    #[test]
    fn normalising_twice_equals_normalising_once((raw, r) in messy_number()) {
        if let Ok(once) = normalize(&raw, region(r)) {
            let twice = normalize(&once.e164, region(r));
            prop_assert_eq!(twice, Ok(once.clone()));
            // The E.164 form is independent of the default region.
            for other in ["KW", "IN", "US"] {
                prop_assert_eq!(normalize(&once.e164, region(other)).map(|p| p.e164), Ok(once.e164.clone()));
            }
        }
    }

    /// Skipping libphonenumber's "is it geographical?" where the table cannot tell the answers apart gives
    /// the zones the full rule gives.
    #[test]
    fn zones_equal_the_full_geographical_rule((raw, r) in number_anywhere()) {
        if let Ok(phone) = normalize(&raw, region(r)) {
            let parsed = PHONE_NUMBER_UTIL.parse(raw.trim(), Some(region(r).0));
            prop_assert!(parsed.is_ok());
            if let Ok(number) = parsed {
                let want = if number.is_geographical() {
                    time_zones_for_e164(&phone.e164)
                } else {
                    time_zones_for_e164(&format!("+{}", phone.country_code))
                };
                prop_assert_eq!(phone.time_zones(), want, "{}", phone.e164);
            }
        }
    }

    #[test]
    fn normalize_never_panics(raw in any::<String>(), r in prop_oneof![Just("KW"), Just("IN"), Just("US")]) {
        let _ = normalize(&raw, region(r));
    }
}
