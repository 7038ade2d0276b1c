//! Phone number → time zones, from libphonenumber's `resources/timezones/map_data.txt` (generated into
//! `data/timezones.txt` from the PyPI `phonenumbers` copy, legacy names renamed; see `data/gen_timezones.py`).
//! Lookup is by longest E.164 digit prefix, as Google's own mapper does; several zones are all kept.

use std::{
    collections::{HashMap, HashSet},
    sync::OnceLock,
};

static DATA: &str = include_str!("../../data/timezones.txt");
/// The longest prefix in the table (libphonenumber's TIMEZONE_LONGEST_PREFIX).
const LONGEST_PREFIX: usize = 9;

type Table = HashMap<&'static str, Vec<&'static str>>;

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        DATA.lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .filter_map(|l| l.split_once('|'))
            .map(|(prefix, zones)| (prefix, zones.split('&').collect()))
            .collect()
    })
}

/// Whether the table has a prefix longer than `country_code` that starts with it: only then can a number of
/// that country have other zones than the country's own.
pub(super) fn refined_below_country(country_code: i32) -> bool {
    static REFINED: OnceLock<HashSet<i32>> = OnceLock::new();
    REFINED
        .get_or_init(|| {
            // Every proper prefix of every key, of a country code's length (one to three digits).
            let mut refined = HashSet::new();
            for key in table().keys() {
                for len in 1..key.len().min(4) {
                    if let Ok(cc) = key[..len].parse::<i32>() {
                        refined.insert(cc);
                    }
                }
            }
            refined
        })
        .contains(&country_code)
}

/// Every (prefix, zones) pair of the table; for checks that every zone name is known.
pub fn time_zones_for_prefix_table() -> impl Iterator<Item = (&'static str, &'static [&'static str])> {
    table().iter().map(|(k, v)| (*k, v.as_slice()))
}

/// Zones for an E.164 number (`+…`) by longest prefix; empty when nothing matches.
pub fn time_zones_for_e164(e164: &str) -> &'static [&'static str] {
    let digits = e164.strip_prefix('+').unwrap_or(e164);
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return &[];
    }
    let table = table();
    (1..=digits.len().min(LONGEST_PREFIX))
        .rev()
        .find_map(|n| table.get(&digits[..n]))
        .map_or(&[], Vec::as_slice)
}

/// Zones for a country calling code: [`time_zones_for_e164`] of `+<code>`, worked out once per code (the
/// import asks for them about a million times).
pub(super) fn time_zones_for_calling_code(code: i32) -> &'static [&'static str] {
    static BY_CODE: OnceLock<Vec<&'static [&'static str]>> = OnceLock::new();
    let by_code = BY_CODE.get_or_init(|| (0..1000).map(|c| time_zones_for_e164(&format!("+{c}"))).collect());
    match usize::try_from(code).ok().and_then(|i| by_code.get(i)) {
        Some(zones) => zones,
        None => time_zones_for_e164(&format!("+{code}")),
    }
}

/// Legacy IANA names libphonenumber (and spreadsheets) still use, with their current names. Kept in sync with
/// `data/gen_timezones.py`.
const LEGACY_ZONES: &[(&str, &str)] = &[
    ("Africa/Asmera", "Africa/Asmara"),
    ("America/Buenos_Aires", "America/Argentina/Buenos_Aires"),
    ("America/Godthab", "America/Nuuk"),
    ("Asia/Calcutta", "Asia/Kolkata"),
    ("Asia/Choibalsan", "Asia/Ulaanbaatar"),
    ("Asia/Katmandu", "Asia/Kathmandu"),
    ("Asia/Rangoon", "Asia/Yangon"),
    ("Asia/Saigon", "Asia/Ho_Chi_Minh"),
    ("Atlantic/Faeroe", "Atlantic/Faroe"),
    ("Europe/Kiev", "Europe/Kyiv"),
    ("Pacific/Enderbury", "Pacific/Kanton"),
    ("Pacific/Ponape", "Pacific/Pohnpei"),
    ("Pacific/Truk", "Pacific/Chuuk"),
];

/// The current name of a zone (`Asia/Calcutta` → `Asia/Kolkata`); other names unchanged.
pub fn canonical_zone(name: &str) -> &str {
    LEGACY_ZONES
        .iter()
        .find(|(old, _)| old.eq_ignore_ascii_case(name))
        .map_or(name, |(_, new)| new)
}
