//! A shortcut through libphonenumber's parser for the shapes spreadsheets are mostly made of: `+965 5512 3456`,
//! `0096555123456`, `+1 (212) 555-0123`, `55-12-34-56`, `96555123456`. The parser runs a dozen general regexes
//! on every input (extensions, RFC 3966, punctuation, alpha numbers); for ASCII digits with simple separators
//! their answer is known, so this builds the same [`PhoneNumber`] directly. Only parsing is skipped: validity,
//! region and zones are still libphonenumber's, asked about that number. Anything outside the few shapes below
//! (other characters, a leading `0` that could be a national prefix or an IDD, a country without a simple
//! national prefix) returns `None` and goes through the full parser. `tests::fast_parse_equals_the_parser`
//! checks the result equals the parser's over generated inputs for every region in [`COUNTRIES`].

use rlibphonenumber::{PHONE_NUMBER_UTIL, PhoneNumber};

use super::Region;

/// A country whose parsing needs only what is here: its calling code, its international dialling prefix when
/// that is exactly `00`, the one digit its national prefix starts with (none for Kuwait), and its longest
/// possible national number (libphonenumber's general description).
pub(super) struct Country {
    pub region: &'static str,
    pub calling_code: i32,
    /// `calling_code` written out.
    pub calling_code_digits: &'static str,
    pub idd_00: bool,
    pub national_prefix: Option<u8>,
    pub max_len: usize,
}

/// The countries the shortcut knows. `tests::country_table_matches_the_metadata` checks the calling codes and
/// lengths against libphonenumber; `fast_parse_equals_the_parser` checks the rest.
pub(super) const COUNTRIES: &[Country] = &[
    country("KW", 965, "965", true, None, 8),
    country("IN", 91, "91", true, Some(b'0'), 13),
    country("US", 1, "1", false, Some(b'1'), 10),
    country("AE", 971, "971", true, Some(b'0'), 12),
    country("SA", 966, "966", true, Some(b'0'), 10),
    country("QA", 974, "974", true, None, 11),
    country("BH", 973, "973", true, None, 8),
    country("OM", 968, "968", true, None, 9),
    country("EG", 20, "20", true, Some(b'0'), 10),
    country("PK", 92, "92", true, Some(b'0'), 12),
    country("DE", 49, "49", true, Some(b'0'), 15),
];

const fn country(
    region: &'static str,
    calling_code: i32,
    calling_code_digits: &'static str,
    idd_00: bool,
    national_prefix: Option<u8>,
    max_len: usize,
) -> Country {
    Country {
        region,
        calling_code,
        calling_code_digits,
        idd_00,
        national_prefix,
        max_len,
    }
}

/// Shortest and longest national number taken here (libphonenumber's own limits are 2 and 17; numbers near
/// them take the full path).
const MIN_NSN: usize = 4;
const MAX_NSN: usize = 15;
/// Most digits in an input taken here (a country code and the longest national number).
const MAX_DIGITS: usize = 18;

fn by_region(region: Region) -> Option<&'static Country> {
    let code = region.0.as_region_str();
    COUNTRIES.iter().find(|c| c.region == code.as_str())
}

fn by_calling_code(cc: i32) -> Option<&'static Country> {
    COUNTRIES.iter().find(|c| c.calling_code == cc)
}

/// The number libphonenumber's `parse(raw, region)` gives, when `raw` (trimmed) is one of the simple shapes;
/// `None` means "ask the parser" (which may also accept it, or reject it).
pub(super) fn parse(raw: &str, region: Region) -> Option<PhoneNumber> {
    let (plus, rest) = match raw.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, raw),
    };
    // Digits with spaces, dashes, dots and brackets between them; anything else takes the full path.
    let mut digits = [0u8; MAX_DIGITS];
    let mut n = 0;
    for b in rest.bytes() {
        match b {
            b'0'..=b'9' => {
                *digits.get_mut(n)? = b;
                n += 1;
            }
            b' ' | b'-' | b'.' | b'(' | b')' => {}
            _ => return None,
        }
    }
    let digits = &digits[..n];
    // The parser looks for the number from the first digit or plus sign; a bracket or dot before it is skipped,
    // but a trailing one after a plus sign would not be: keep the plus sign first.
    if plus && !rest.bytes().next().is_some_and(|b| b.is_ascii_digit()) {
        return None;
    }
    let home = by_region(region)?;
    if plus {
        return international(digits);
    }
    match digits {
        [b'0', b'0', after @ ..] if home.idd_00 => international(after),
        [b'0', ..] => None,
        _ => national(digits, home),
    }
}

/// Digits after a `+` or an IDD: the country code is the first one to three digits that are a known code.
fn international(digits: &[u8]) -> Option<PhoneNumber> {
    if digits.first().is_none_or(|d| *d == b'0') {
        return None;
    }
    let (cc, nsn) = (1..=3).find_map(|len| {
        let cc = to_int(digits.get(..len)?)?;
        let cc = i32::try_from(cc).ok()?;
        PHONE_NUMBER_UTIL
            .get_region_for_country_code(cc)
            .map(|_| (cc, &digits[len..]))
    })?;
    let country = by_calling_code(cc)?;
    number(cc, nsn, country)
}

/// Digits without a country code marker, in the default region `home`.
fn national(digits: &[u8], home: &Country) -> Option<PhoneNumber> {
    match digits.strip_prefix(home.calling_code_digits.as_bytes()) {
        // Starting with the home country's code: the parser drops it when the whole is too long to be a
        // national number (and in cases not handled here, when only the rest is a valid pattern).
        Some(rest) if digits.len() > home.max_len => number(home.calling_code, rest, home),
        Some(_) => None,
        None => number(home.calling_code, digits, home),
    }
}

/// The number, unless its national part could start with a national prefix or is near a length limit.
fn number(cc: i32, nsn: &[u8], country: &Country) -> Option<PhoneNumber> {
    let first = *nsn.first()?;
    if first == b'0' || Some(first) == country.national_prefix || !(MIN_NSN..=MAX_NSN).contains(&nsn.len()) {
        return None;
    }
    Some(PhoneNumber {
        country_code: cc,
        national_number: to_int(nsn)?,
        ..PhoneNumber::default()
    })
}

fn to_int(digits: &[u8]) -> Option<u64> {
    digits.iter().try_fold(0u64, |acc, d| {
        acc.checked_mul(10)?.checked_add(u64::from(d.checked_sub(b'0')?))
    })
}
