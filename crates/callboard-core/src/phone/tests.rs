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

#[test]
fn the_shortcut_takes_the_common_shapes() {
    for (raw, r) in [
        ("+965 5512 3456", "KW"),
        ("0096555123456", "KW"),
        ("96555123456", "KW"),
        ("55-12-34-56", "KW"),
        ("55123456", "KW"),
        ("+91 98765 43210", "KW"),
        ("0091 9876543210", "KW"),
        ("+1 (212) 555-0123", "KW"),
        ("001 212 555 0123", "KW"),
        ("(212) 555-0123", "US"),
        ("9876543210", "IN"),
        ("1 212 555 0123", "US"),
    ] {
        let fast = fast::parse(raw, region(r));
        assert!(fast.is_some(), "{raw} ({r}) takes the full path");
        assert_eq!(
            fast.map(Ok),
            Some(PHONE_NUMBER_UTIL.parse(raw, Some(region(r).0))),
            "{raw}"
        );
    }
    // A leading 0 may be a national prefix or an IDD, a short number starting with the country code may be
    // national, Britain's prefixes are not a single digit: the parser decides.
    for (raw, r) in [
        ("098765 43210", "IN"),
        ("9655123", "KW"),
        ("+44 20 7946 0958", "KW"),
    ] {
        assert!(fast::parse(raw, region(r)).is_none(), "{raw}");
    }
}

#[test]
fn country_table_matches_the_metadata() {
    use rlibphonenumber::{PhoneNumber, ValidationError};
    for c in fast::COUNTRIES {
        assert_eq!(
            PHONE_NUMBER_UTIL.get_country_code_for_region(region(c.region).0),
            Some(c.calling_code)
        );
        assert_eq!(c.calling_code.to_string(), c.calling_code_digits);
        let of_len = |len: u32| PhoneNumber {
            country_code: c.calling_code,
            national_number: 10u64.pow(len - 1),
            ..PhoneNumber::default()
        };
        let max = u32::try_from(c.max_len).unwrap_or(u32::MAX);
        let too_long = PHONE_NUMBER_UTIL.is_possible_number_with_reason(&of_len(max + 1));
        assert_eq!(too_long, Err(ValidationError::TooLong), "{}", c.region);
        let longest = PHONE_NUMBER_UTIL.is_possible_number_with_reason(&of_len(max));
        assert_ne!(longest, Err(ValidationError::TooLong), "{}", c.region);
    }
}

/// Default regions: every one the shortcut knows, and some it does not (their inputs take the full path).
fn any_region() -> impl Strategy<Value = &'static str> {
    let known: Vec<&'static str> = fast::COUNTRIES.iter().map(|c| c.region).collect();
    prop_oneof![
        4 => proptest::sample::select(known),
        1 => proptest::sample::select(vec!["GB", "BR", "RU", "AU", "CA", "FR", "IT"]),
    ]
}

/// Inputs around the shortcut's edges: any prefix (`+`, IDD, trunk `0`/`1`), country codes it knows and does
/// not, national parts of any length starting with any digit, separators anywhere.
fn shortcut_input() -> impl Strategy<Value = String> {
    proptest::string::string_regex(
        r"[ (]?(\+|00|0|011|1|8)?(1|91|965|971|966|974|973|968|20|92|49|44|55|7|[0-9]{1,3})?[ .()-]{0,2}[0-9]{1,5}([ .()-]{0,2}[0-9]{1,5}){0,4}[ )]?",
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

/// Plausible numbers of the shortcut's countries written the ways spreadsheets write them.
fn plausible_input() -> impl Strategy<Value = String> {
    let digits = |re: &str| proptest::string::string_regex(re).unwrap_or_else(|e| panic!("{e}"));
    let nsn = prop_oneof![
        digits(r"[569][0-9]{7}"),
        digits(r"[6-9][0-9]{9}"),
        digits(r"[2-9][0-9]{2}[2-9][0-9]{6}"),
        digits(r"[1-9][0-9]{6,11}"),
    ];
    let cc = proptest::sample::select(vec![
        "", "965", "91", "1", "971", "966", "974", "973", "968", "20", "92", "49",
    ]);
    let prefix = proptest::sample::select(vec!["", "+", "00", "+ ", "0"]);
    let sep = proptest::sample::select(vec!["", " ", "-", ".", ") "]);
    (prefix, cc, nsn, sep, 0..12usize).prop_map(|(prefix, cc, nsn, sep, cut)| {
        let cut = cut.min(nsn.len());
        format!("{prefix}{cc}{sep}{}{sep}{}", &nsn[..cut], &nsn[cut..])
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    /// Where the shortcut answers, its number is the parser's (country code, national number and every other
    /// field); and normalising with it equals normalising without it: number, validity, error, region, zones.
    #[test]
    fn fast_parse_equals_the_parser(
        raw in prop_oneof![shortcut_input(), plausible_input()],
        r in any_region(),
    ) {
        let region = region(r);
        if let Some(fast) = fast::parse(raw.trim(), region) {
            prop_assert_eq!(Ok(fast), PHONE_NUMBER_UTIL.parse(raw.trim(), Some(region.0)), "{} ({})", raw, r);
        }
        let (with, without) = (normalize(&raw, region), normalize_fully(&raw, region));
        prop_assert_eq!(&with, &without, "{} ({})", raw, r);
        if let (Ok(a), Ok(b)) = (with, without) {
            prop_assert_eq!(a.time_zones(), b.time_zones());
        }
    }
}
