//! Phone numbers: parse what people type into spreadsheets (`55-12-34-56`, `0096555123456`, `098765 43210`)
//! with a default region, validate against libphonenumber's metadata and produce E.164. The port in use
//! (`rlibphonenumber`) stays behind this module so it can be swapped; a differential fixture refereed by
//! Python `phonenumbers` (`tests/fixtures/phone_cases.json`) guards it.

mod fast;
mod timezones;

use std::{fmt, str::FromStr};

use rlibphonenumber::{NotANumberError, PHONE_NUMBER_UTIL, ParseError, PhoneNumberFormat, PhoneNumberType};
use serde::{Deserialize, Serialize};

pub use timezones::{canonical_zone, time_zones_for_e164, time_zones_for_prefix_table};

/// An ISO 3166 region used as the default for numbers written without a country code (`KW`, `IN`, `US`…).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Region(rlibphonenumber::Region);

impl Region {
    /// The two-letter code.
    pub fn code(&self) -> String {
        self.0.as_region_str().as_str().to_owned()
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.as_region_str().as_str())
    }
}

/// A region code that libphonenumber has no metadata for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a known region code (use a two-letter ISO code such as KW, IN or US)")]
pub struct UnknownRegion(pub String);

impl FromStr for Region {
    type Err = UnknownRegion;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let code = s.trim().to_ascii_uppercase();
        let unknown = || UnknownRegion(s.trim().to_owned());
        if code.len() != 2 {
            return Err(unknown());
        }
        let region = rlibphonenumber::Region::from_code(&code).map_err(|_| unknown())?;
        // `from_code` accepts any two letters; only regions with metadata are usable.
        PHONE_NUMBER_UTIL
            .get_country_code_for_region(region)
            .filter(|cc| *cc > 0)
            .map(|_| Region(region))
            .ok_or_else(unknown)
    }
}

/// Why a value is not a usable phone number. `code()` is stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PhoneError {
    #[error("the phone number is empty")]
    Empty,
    #[error("not a phone number")]
    NotANumber,
    #[error("unknown country code")]
    InvalidCountryCode,
    #[error("too short to be a phone number")]
    TooShort,
    #[error("too long to be a phone number")]
    TooLong,
    #[error("not a valid number for its country")]
    Invalid,
}

impl PhoneError {
    pub fn code(self) -> &'static str {
        match self {
            PhoneError::Empty => "EMPTY",
            PhoneError::NotANumber => "NOT_A_NUMBER",
            PhoneError::InvalidCountryCode => "INVALID_COUNTRY_CODE",
            PhoneError::TooShort => "TOO_SHORT",
            PhoneError::TooLong => "TOO_LONG",
            PhoneError::Invalid => "INVALID_NUMBER",
        }
    }
}

/// A valid number in E.164 with the region it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone {
    pub e164: String,
    /// The region the number is valid in (`None` for non-geographic numbers such as +800).
    pub region: Option<String>,
    pub country_code: i32,
    /// See [`Phone::time_zones`].
    zones: &'static [&'static str],
}

impl Phone {
    /// The time zones the number is in (several for multi-zone prefixes; empty if unknown). Names are current
    /// IANA names (no `Asia/Calcutta`).
    pub fn time_zones(&self) -> &'static [&'static str] {
        self.zones
    }
}

/// The reference for [`validate`]'s zones, as libphonenumber's mapper gives them: by the number's longest
/// prefix when it is "geographical" (fixed lines, and mobiles in some countries), else the country's. Where the
/// table has no prefix longer than the country code (Kuwait, India, most countries) both give the country's.
#[cfg(test)]
fn zones_of(number: &rlibphonenumber::PhoneNumber, e164: &str) -> &'static [&'static str] {
    let country = || time_zones_for_e164(&format!("+{}", number.country_code));
    if !timezones::refined_below_country(number.country_code) {
        country()
    } else if number.is_geographical() {
        time_zones_for_e164(e164)
    } else {
        country()
    }
}

/// Longest input we hand to the parser; anything longer is not a phone number (and libphonenumber rejects
/// inputs past 250 characters anyway).
const MAX_INPUT: usize = 250;

/// `raw` trimmed, if there is something to parse and not too much of it.
fn input(raw: &str) -> Result<&str, PhoneError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(PhoneError::Empty);
    }
    if raw.len() > MAX_INPUT {
        return Err(PhoneError::TooLong);
    }
    Ok(raw)
}

/// The digits of `s` when it is written as a number is written (digits, with `+`, spaces, dashes, dots and
/// brackets between them, nothing else) and has a digit at all; `None` for anything with a letter in it. For
/// telling a number from words (a search, a header cell), not for validating one: that is [`normalize`].
pub fn digits_if_a_number(s: &str) -> Option<String> {
    let written_as_a_number = s.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c));
    let digits: String = s.chars().filter(char::is_ascii_digit).collect();
    (written_as_a_number && !digits.is_empty()).then_some(digits)
}

/// Parses `raw` with `region` as the default and validates it.
pub fn normalize(raw: &str, region: Region) -> Result<Phone, PhoneError> {
    let raw = input(raw)?;
    let number = match fast::parse(raw, region) {
        Some(number) => number,
        None => parse_fully(raw, region)?,
    };
    validate(number)
}

/// libphonenumber's own parser, its errors mapped to ours.
fn parse_fully(raw: &str, region: Region) -> Result<rlibphonenumber::PhoneNumber, PhoneError> {
    PHONE_NUMBER_UTIL.parse(raw, Some(region.0)).map_err(|e| match e {
        ParseError::InvalidCountryCode => PhoneError::InvalidCountryCode,
        ParseError::TooShortAfterIdd | ParseError::TooShortNsn => PhoneError::TooShort,
        ParseError::TooLongNsn => PhoneError::TooLong,
        ParseError::NotANumber(NotANumberError::FailedToParseNumberAsInt(_)) => PhoneError::TooLong,
        ParseError::NotANumber(_) => PhoneError::NotANumber,
    })
}

/// A parsed number checked against its country's patterns, with its E.164 form, region and zones. The number's
/// type is found once and answers validity (a type other than unknown), the zones' "is it geographical?" and,
/// with the region, what `is_valid`, `get_region_code` and `is_geographical` each found again for themselves
/// (for +1 numbers each matched the number against the regions' patterns anew).
fn validate(number: rlibphonenumber::PhoneNumber) -> Result<Phone, PhoneError> {
    let Some(region) = PHONE_NUMBER_UTIL.get_region_for_number(&number) else {
        return Err(PhoneError::Invalid);
    };
    let kind = PHONE_NUMBER_UTIL.get_number_type(&number);
    if kind == PhoneNumberType::Unknown {
        return Err(PhoneError::Invalid);
    }
    let e164 = number.format_as(PhoneNumberFormat::E164).into_owned();
    let zones = if timezones::refined_below_country(number.country_code)
        && PHONE_NUMBER_UTIL.is_number_geographical_by_country_code_and_type(kind, number.country_code)
    {
        time_zones_for_e164(&e164)
    } else {
        timezones::time_zones_for_calling_code(number.country_code)
    };
    Ok(Phone {
        zones,
        region: Some(region.as_region_str().as_str().to_owned()),
        country_code: number.country_code,
        e164,
    })
}

/// The reference for [`validate`]: libphonenumber's `is_valid`, `get_region_code` and `is_geographical`, each
/// asked separately.
#[cfg(test)]
fn validate_fully(number: rlibphonenumber::PhoneNumber) -> Result<Phone, PhoneError> {
    if !number.is_valid() {
        return Err(PhoneError::Invalid);
    }
    let e164 = number.format_as(PhoneNumberFormat::E164).into_owned();
    Ok(Phone {
        zones: zones_of(&number, &e164),
        region: number
            .get_region_code()
            .map(|r| r.as_region_str().as_str().to_owned()),
        country_code: number.country_code,
        e164,
    })
}

/// [`normalize`] without the shortcut (every input through libphonenumber's parser): what it must equal.
#[cfg(test)]
fn normalize_fully(raw: &str, region: Region) -> Result<Phone, PhoneError> {
    validate_fully(parse_fully(input(raw)?, region)?)
}

#[cfg(test)]
mod tests;
