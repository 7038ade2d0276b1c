//! Per-row validation and normalisation: each row either becomes a [`NewContact`] or carries exactly one
//! [`RowCode`]. Checks run in a fixed order so the code is deterministic: columns, encoding, phone, region,
//! time zone, duplicates in the file, do-not-call, already in the campaign.

use std::{borrow::Cow, collections::HashSet};

use serde::{Deserialize, Serialize};

pub use self::checked::Checked;
use self::{
    json::{json_key, json_object, put, unpack_object},
    seen::SeenKeys,
    zones::Zones,
};
use super::{
    header::{Field, Mapping, Target},
    source::RawRow,
};
use crate::{
    phone::{self, PhoneError, Region},
    store::contacts::NewContact,
};

/// Why a row was not imported. The names are stable: scripts and the UI branch on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RowCode {
    MissingPhone,
    InvalidPhone,
    WrongRegion,
    DuplicateInFile,
    DuplicateInCampaign,
    OnDnc,
    InvalidTimezone,
    BadEncoding,
    TooManyColumns,
}

impl RowCode {
    pub fn as_str(self) -> &'static str {
        match self {
            RowCode::MissingPhone => "MISSING_PHONE",
            RowCode::InvalidPhone => "INVALID_PHONE",
            RowCode::WrongRegion => "WRONG_REGION",
            RowCode::DuplicateInFile => "DUPLICATE_IN_FILE",
            RowCode::DuplicateInCampaign => "DUPLICATE_IN_CAMPAIGN",
            RowCode::OnDnc => "ON_DNC",
            RowCode::InvalidTimezone => "INVALID_TIMEZONE",
            RowCode::BadEncoding => "BAD_ENCODING",
            RowCode::TooManyColumns => "TOO_MANY_COLUMNS",
        }
    }
}

/// A rejected row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    pub row: u64,
    pub code: RowCode,
    pub message: String,
    /// The row's cells as read, for the errors CSV (kept out of JSON: summaries stay small).
    #[serde(skip)]
    pub values: Vec<String>,
}

/// What the validator needs to know besides the row.
#[derive(Debug, Clone)]
pub struct Rules {
    pub region: Region,
    /// When set, numbers from other regions are `WRONG_REGION`.
    pub allowed_regions: Option<Vec<String>>,
    /// The campaign's time zone, used when neither a column nor the number gives one.
    pub default_time_zone: String,
    /// Global and campaign do-not-call numbers.
    pub dnc: HashSet<String>,
    /// Numbers already in the campaign.
    pub members: HashSet<String>,
}

/// The most numbers [`Validator::reserve`] makes room for ahead (an estimate from a file's size can be far
/// off: 16 MB of slots at most).
const MAX_RESERVE: usize = 1 << 20;

/// How many [`Field`]s there are (the last one's index plus one).
const FIELDS: usize = Field::Variables as usize + 1;

pub struct Validator {
    rules: Rules,
    width: usize,
    /// The column of each field, by `Field as usize` (an array: `cell` runs about ten times a row).
    idx: [Option<usize>; FIELDS],
    /// Numbers seen so far, as [`phone_key`]s (8 bytes each instead of a String: 1M rows stay small).
    seen: SeenKeys,
    zones: Zones,
    /// The variables object of the row checked last (the buffer is reused row after row).
    variables: String,
    /// Each column's key in the variables object, as JSON (`None`: the column is not a variable).
    variable_keys: Vec<Option<String>>,
}

/// The variables object's keys for the first and last name columns, as JSON.
const FIRST_NAME_KEY: &str = "\"first_name\"";
const LAST_NAME_KEY: &str = "\"last_name\"";

impl Validator {
    pub fn new(rules: Rules, mapping: Mapping) -> Validator {
        // A field mapped twice reads from its last column.
        let mut idx = [None; FIELDS];
        for (i, c) in mapping.columns.iter().enumerate() {
            if let Target::Field(f) = c.target
                && let Some(slot) = idx.get_mut(f as usize)
            {
                *slot = Some(i);
            }
        }
        let variable_keys = mapping
            .columns
            .iter()
            .map(|c| match &c.target {
                Target::Variable(name) => Some(json_key(name)),
                _ => None,
            })
            .collect();
        let zones = Zones::new(&rules.default_time_zone);
        Validator {
            rules,
            variable_keys,
            width: mapping.columns.len(),
            idx,
            seen: SeenKeys::default(),
            zones,
            variables: String::new(),
        }
    }

    /// Makes room for about `rows` numbers (a big file's set of seen numbers then never rehashes).
    pub fn reserve(&mut self, rows: u64) {
        self.seen
            .reserve(usize::try_from(rows).unwrap_or(0).min(MAX_RESERVE));
    }

    fn cell<'r>(&self, row: &'r RawRow, f: Field) -> &'r str {
        self.idx
            .get(f as usize)
            .copied()
            .flatten()
            .and_then(|i| row.cells.get(i))
            .map_or("", |s| trim(s))
    }

    /// Validates one row.
    pub fn check(&mut self, row: &RawRow) -> Result<NewContact, RowError> {
        self.check_row(row).map(|c| c.to_contact())
    }

    /// Validates one row; its contact borrows from the row and the validator (a big import copies it
    /// straight into its chunk: no dozen strings allocated and freed per row).
    pub fn check_row<'a>(&'a mut self, row: &'a RawRow) -> Result<Checked<'a>, RowError> {
        let fail = |code: RowCode, message: String| RowError {
            row: row.number,
            code,
            message,
            values: original_values(row),
        };
        if let Some(extra) = row.cells.get(self.width..)
            && extra.iter().any(|c| !trim(c).is_empty())
        {
            return Err(fail(
                RowCode::TooManyColumns,
                format!(
                    "{} cells, but the header has {} columns",
                    row.cells.len(),
                    self.width
                ),
            ));
        }
        if row.bad_encoding {
            return Err(fail(
                RowCode::BadEncoding,
                "some characters are not valid in the file's encoding; re-save the file as UTF-8".into(),
            ));
        }
        let raw_phone = self.cell(row, Field::Phone);
        if raw_phone.is_empty() {
            return Err(fail(RowCode::MissingPhone, "no phone number".into()));
        }
        let number = phone::normalize(&unexcel(raw_phone), self.rules.region).map_err(|e| {
            fail(
                RowCode::InvalidPhone,
                phone_message(raw_phone, e, self.rules.region),
            )
        })?;
        if let Some(allowed) = &self.rules.allowed_regions {
            let region = number.region.clone().unwrap_or_default();
            if !allowed.iter().any(|a| a.eq_ignore_ascii_case(&region)) {
                return Err(fail(
                    RowCode::WrongRegion,
                    format!(
                        "{} is a number from {}, not from {}",
                        number.e164,
                        or_unknown(&region),
                        allowed.join(", ")
                    ),
                ));
            }
        }
        // The number's slot in the set of numbers seen is fetched while the row's zone and variables are
        // worked out.
        let key = phone_key(&number.e164);
        self.seen.prefetch(key);
        let tz_cell = self.cell(row, Field::TimeZone);
        let (zone, source) = if !tz_cell.is_empty() {
            match self.zones.of_cell(tz_cell) {
                Some(z) => (z, "column"),
                None => {
                    return Err(fail(
                        RowCode::InvalidTimezone,
                        format!("'{tz_cell}' is not an IANA time zone (e.g. Asia/Kuwait)"),
                    ));
                }
            }
        } else {
            match self.zones.of_number(number.time_zones()) {
                Some(z) => (z, "number"),
                None => (Zones::CAMPAIGN, "campaign_default"),
            }
        };
        self.write_variables(row);
        if !self.seen.insert(key) {
            return Err(fail(
                RowCode::DuplicateInFile,
                format!("{} appears earlier in the file", number.e164),
            ));
        }
        if self.rules.dnc.contains(&number.e164) {
            return Err(fail(
                RowCode::OnDnc,
                format!("{} is on the do-not-call list", number.e164),
            ));
        }
        if self.rules.members.contains(&number.e164) {
            return Err(fail(
                RowCode::DuplicateInCampaign,
                format!("{} is already in this campaign", number.e164),
            ));
        }
        let alt = self.cell(row, Field::AltPhone);
        let alt_phone_e164 = if alt.is_empty() {
            String::new()
        } else {
            phone::normalize(&unexcel(alt), self.rules.region)
                .map(|p| p.e164)
                .unwrap_or_default()
        };
        let (first, last) = (self.cell(row, Field::FirstName), self.cell(row, Field::LastName));
        let name = match self.cell(row, Field::FullName) {
            "" if last.is_empty() => Cow::Borrowed(first),
            "" if first.is_empty() => Cow::Borrowed(last),
            "" => Cow::Owned(format!("{first} {last}")),
            full => Cow::Borrowed(full),
        };
        let language = self.cell(row, Field::Language);
        let zone = self.zones.get(zone);
        Ok(Checked {
            phone_e164: number.e164,
            alt_phone_e164,
            name,
            email: self.cell(row, Field::Email),
            language: match language {
                l if !l.is_ascii() => Cow::Owned(l.to_lowercase()),
                l if l.bytes().any(|b| b.is_ascii_uppercase()) => Cow::Owned(l.to_ascii_lowercase()),
                l => Cow::Borrowed(l),
            },
            time_zone: &zone.name,
            time_zones: &zone.json,
            time_zone_source: source,
            consent_basis: self.cell(row, Field::Consent),
            external_id: self.cell(row, Field::ExternalId),
            notes: self.cell(row, Field::Notes),
            variables: &self.variables,
        })
    }

    /// The row's dynamic variables (and first/last name) as a JSON object, into `self.variables`.
    fn write_variables(&mut self, row: &RawRow) {
        // The variables object is written straight into one string (no map of JSON values per row: this runs
        // a million times in a big import). A repeated key keeps its last value, as a map would.
        // A column of variables as one JSON object (Callboard's own export writes them so) goes in first: the
        // file's own columns of the same name win, as a later column does.
        let unpacked = match self.cell(row, Field::Variables) {
            "" => Vec::new(),
            cell => unpack_object(cell),
        };
        let mut pairs: Vec<(&str, &str)> = Vec::with_capacity(self.width + 2 + unpacked.len());
        for (k, v) in &unpacked {
            put(&mut pairs, k, v);
        }
        for (i, key) in self.variable_keys.iter().enumerate() {
            if let Some(key) = key
                && let Some(v) = row.cells.get(i).map(|s| trim(s))
                && !v.is_empty()
            {
                put(&mut pairs, key, v);
            }
        }
        let (first, last) = (self.cell(row, Field::FirstName), self.cell(row, Field::LastName));
        for (k, v) in [(FIRST_NAME_KEY, first), (LAST_NAME_KEY, last)] {
            if !v.is_empty() {
                put(&mut pairs, k, v);
            }
        }
        json_object(&mut self.variables, &pairs);
    }
}

/// A failed row's cells for the errors CSV: trimmed (a CSV line's `\r` included), trailing empty cells
/// dropped, so the same row reads the same from any format.
fn original_values(row: &RawRow) -> Vec<String> {
    let mut cells: Vec<String> = row.cells.iter().map(|c| c.trim().to_owned()).collect();
    while cells.last().is_some_and(String::is_empty) {
        cells.pop();
    }
    cells
}

/// `s.trim()`, quicker for the usual cell: when, after trimming ASCII whitespace, both ends are visible ASCII
/// characters there is no other whitespace to trim (`trim` decodes characters from both ends; it ran about
/// ten times a row).
fn trim(s: &str) -> &str {
    let t = s.trim_ascii();
    match (t.as_bytes().first(), t.as_bytes().last()) {
        (Some(a), Some(b)) if a.is_ascii_graphic() && b.is_ascii_graphic() => t,
        (None, _) => t,
        _ => t.trim(),
    }
}

fn or_unknown(s: &str) -> &str {
    if s.is_empty() { "no country" } else { s }
}

fn phone_message(raw: &str, e: PhoneError, region: Region) -> String {
    format!("'{raw}' is not a valid phone number for {region} or in international form: {e}")
}

/// Hashes [`phone_key`]s with one multiply instead of SipHash (the keys are numbers from a file, not
/// attacker-chosen collisions against a server; the set lives for one import).
pub type KeyHasher = std::hash::BuildHasherDefault<MultiplyHasher>;

/// 2^64 divided by the golden ratio: multiplying by it spreads keys over the high bits (Fibonacci hashing).
const FIBONACCI: u64 = 0x9E37_79B9_7F4A_7C15;

/// A hasher for `u64` keys: Fibonacci hashing of the key.
#[derive(Default)]
pub struct MultiplyHasher(u64);

impl std::hash::Hasher for MultiplyHasher {
    fn finish(&self) -> u64 {
        // The table indexes by the low bits: fold the well-mixed high half into them.
        self.0 ^ (self.0 >> 32)
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(*b)).wrapping_mul(FIBONACCI);
        }
    }
    fn write_usize(&mut self, k: usize) {
        self.write_u64(k as u64);
    }
    fn write_u64(&mut self, k: u64) {
        self.0 = (self.0 ^ k).wrapping_mul(FIBONACCI);
    }
}

/// An E.164 number as an integer (at most 15 digits, so it fits); distinct numbers give distinct keys.
pub fn phone_key(e164: &str) -> u64 {
    e164.bytes()
        .filter(u8::is_ascii_digit)
        .fold(0u64, |k, d| k.wrapping_mul(10).wrapping_add(u64::from(d - b'0')))
}

/// Undoes what Excel does to numbers: `96555123456.0` and `9.6555123456E+10` (numbers stored as text after a
/// CSV round trip) become `96555123456`. Anything else is returned unchanged.
pub fn unexcel(s: &str) -> std::borrow::Cow<'_, str> {
    let t = s.trim();
    let looks_float = t
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
        && t.bytes().next().is_some_and(|b| b.is_ascii_digit())
        && t.bytes().filter(|b| *b == b'.').count() <= 1
        && (t.contains(['e', 'E'])
            || t.split_once('.')
                .is_some_and(|(_, frac)| !frac.is_empty() && frac.bytes().all(|b| b == b'0')));
    if looks_float
        && let Ok(f) = t.parse::<f64>()
        && f > 0.0
        && f.fract() == 0.0
        && f < 9_007_199_254_740_992.0
    {
        return std::borrow::Cow::Owned((f as i64).to_string());
    }
    std::borrow::Cow::Borrowed(s)
}

mod checked;
mod json;
mod seen;
mod zones;

#[cfg(test)]
mod tests;
