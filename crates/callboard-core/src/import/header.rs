//! Finding the header row (not always row 1: exports often start with a title or a blank line) and mapping
//! its columns to contact fields by synonyms in English, Arabic and Hindi. Every other column becomes a
//! dynamic variable for the agent, under a slugged name (`Car Interest` → `car_interest`).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A contact field a column can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Phone,
    AltPhone,
    FirstName,
    LastName,
    FullName,
    Email,
    Language,
    TimeZone,
    Consent,
    Notes,
    ExternalId,
    /// A JSON object of dynamic variables (Callboard's own contacts export writes a contact's variables so).
    Variables,
}

/// Synonyms, compared after [`norm`] (lower case, letters and digits only).
const SYNONYMS: &[(Field, &[&str])] = &[
    (
        Field::Phone,
        &[
            "phone",
            "phonenumber",
            "phoneno",
            "mobile",
            "mobilenumber",
            "mobileno",
            "cell",
            "cellphone",
            "tel",
            "telephone",
            "number",
            "msisdn",
            "contactnumber",
            "whatsapp",
            "primaryphone",
            "phone1",
            "mobile1",
            // Callboard's own contacts export.
            "phone_e164",
            "e164",
            "هاتف",
            "الهاتف",
            "رقمالهاتف",
            "رقمالجوال",
            "الجوال",
            "جوال",
            "موبايل",
            "رقم",
            "الرقم",
            "رقمالموبايل",
            "फोन",
            "मोबाइल",
            "मोबाइलनंबर",
            "फोननंबर",
            "नंबर",
            "दूरभाष",
        ],
    ),
    (
        Field::AltPhone,
        &[
            "altphone",
            "alt_phone_e164",
            "alternatephone",
            "alternativephone",
            "phone2",
            "mobile2",
            "otherphone",
            "secondaryphone",
            "homephone",
            "workphone",
            "landline",
            "هاتفبديل",
            "رقمبديل",
            "هاتف2",
            "वैकल्पिकफोन",
            "फोन2",
        ],
    ),
    (
        Field::FirstName,
        &[
            "firstname",
            "first",
            "givenname",
            "forename",
            "الاسمالأول",
            "الاسمالاول",
            "पहलानाम",
        ],
    ),
    (
        Field::LastName,
        &[
            "lastname",
            "last",
            "surname",
            "familyname",
            "اسمالعائلة",
            "العائلة",
            "उपनाम",
            "अंतिमनाम",
        ],
    ),
    (
        Field::FullName,
        &[
            "name",
            "fullname",
            "contactname",
            "customername",
            "customer",
            "contact",
            "clientname",
            "الاسم",
            "اسم",
            "الاسمالكامل",
            "اسمالعميل",
            "नाम",
            "पूरानाम",
            "ग्राहककानाम",
        ],
    ),
    (
        Field::Email,
        &[
            "email",
            "emailaddress",
            "mail",
            "البريدالإلكتروني",
            "البريد",
            "ईमेल",
        ],
    ),
    (
        Field::Language,
        &["language", "lang", "locale", "preferredlanguage", "اللغة", "भाषा"],
    ),
    (
        Field::TimeZone,
        &["timezone", "tz", "zone", "المنطقةالزمنية", "समयक्षेत्र"],
    ),
    (
        Field::Consent,
        &[
            "consent",
            "consentbasis",
            "optin",
            "permission",
            "الموافقة",
            "सहमति",
        ],
    ),
    (
        Field::Notes,
        &[
            "notes",
            "note",
            "comments",
            "comment",
            "remarks",
            "ملاحظات",
            "ملاحظة",
            "टिप्पणी",
            "नोट",
        ],
    ),
    (
        Field::ExternalId,
        &[
            "id",
            "externalid",
            "customerid",
            "crmid",
            "leadid",
            "contactid",
            "ref",
            "reference",
            "المعرف",
            "رقمالعميل",
            "आईडी",
        ],
    ),
    (Field::Variables, &["variables", "dynamicvariables"]),
];

/// Normalises a header cell for comparison: lower case, letters and digits only (Arabic and Devanagari
/// letters included; vowel signs dropped on both sides alike).
pub fn norm(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The field a header cell names, if any.
pub fn field_for(header: &str) -> Option<Field> {
    let n = norm(header);
    if n.is_empty() {
        return None;
    }
    SYNONYMS
        .iter()
        .find(|(_, names)| names.iter().any(|s| norm(s) == n))
        .map(|(f, _)| *f)
}

/// The dynamic variable column `i` (headed `h`) becomes: its slugged header, made unique among `slugs`.
fn variable(h: &str, i: usize, slugs: &mut Vec<String>) -> Target {
    let mut s = slug(h);
    if s.is_empty() {
        s = format!("column_{}", i + 1);
    }
    if slugs.contains(&s) {
        s = format!("{s}_{}", i + 1);
    }
    slugs.push(s.clone());
    Target::Variable(s)
}

/// Where a column goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "name", rename_all = "snake_case")]
pub enum Target {
    Field(Field),
    Variable(String),
    Ignore,
}

/// One column's mapping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub header: String,
    pub target: Target,
}

/// Every column's mapping, in file order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Mapping {
    pub columns: Vec<Column>,
}

impl Mapping {
    /// The automatic mapping of a header: synonyms first (each field once), the rest as variables.
    pub fn auto(header: &[String]) -> Mapping {
        let from_callboard = is_callboard_export(header);
        // A bare "id" is often the row number of whatever exported the file (Callboard's own contacts export
        // included): it is the external id only when no column says so more plainly.
        let named_external_id = header
            .iter()
            .any(|h| field_for(h) == Some(Field::ExternalId) && norm(h) != "id");
        let mut used = Vec::new();
        let mut slugs: Vec<String> = Vec::new();
        let columns = header
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let target = match field_for(h) {
                    // The errors CSV's own columns, when a corrected errors file is imported back.
                    _ if is_error_column(h) => Target::Ignore,
                    _ if from_callboard && is_export_bookkeeping(h) => Target::Ignore,
                    Some(Field::ExternalId) if named_external_id && norm(h) == "id" => {
                        variable(h, i, &mut slugs)
                    }
                    Some(f) if !used.contains(&f) => {
                        used.push(f);
                        Target::Field(f)
                    }
                    // A second "Phone" column is the alternate number.
                    Some(Field::Phone) if !used.contains(&Field::AltPhone) => {
                        used.push(Field::AltPhone);
                        Target::Field(Field::AltPhone)
                    }
                    _ if h.trim().is_empty() => Target::Ignore,
                    _ => variable(h, i, &mut slugs),
                };
                Column {
                    header: h.clone(),
                    target,
                }
            })
            .collect();
        Mapping { columns }
    }

    /// The column index of a field.
    pub fn index_of(&self, field: Field) -> Option<usize> {
        self.columns.iter().position(|c| c.target == Target::Field(field))
    }
}

/// The columns of Callboard's own contacts export that describe the stored record, not the person: the other
/// store's id, the contact's status there, where its time zone came from, and when it was written. Imported
/// back, they would become variables the agent reads.
const EXPORT_BOOKKEEPING: [&str; 5] = ["id", "status", "time_zone_source", "created_at", "updated_at"];

/// Whether a header is Callboard's own contacts export: it has the export's `phone_e164` and
/// `time_zone_source` columns (no other file is likely to name both).
fn is_callboard_export(header: &[String]) -> bool {
    let has = |name: &str| header.iter().any(|h| names_one_of(h, &[name]));
    has("phone_e164") && has("time_zone_source")
}

fn is_export_bookkeeping(cell: &str) -> bool {
    names_one_of(cell, &EXPORT_BOOKKEEPING)
}

/// Whether a header cell names one of `names`, compared as [`norm`] compares them.
fn names_one_of(cell: &str, names: &[&str]) -> bool {
    let n = norm(cell);
    names.iter().any(|name| norm(name) == n)
}

/// `Car Interest (2024)` → `car_interest_2024`; keeps non-Latin letters.
pub fn slug(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.trim().chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    out
}

/// The columns the errors CSV puts before a failed row's original cells (see `import::errors_csv`).
pub const ERROR_COLUMNS: [&str; 3] = ["Error row", "Error code", "Error message"];

/// Whether a header cell is one of [`ERROR_COLUMNS`].
pub fn is_error_column(cell: &str) -> bool {
    names_one_of(cell, &ERROR_COLUMNS)
}

/// A header's signature: the same columns (in order, normalised) give the same signature. The errors CSV's
/// own columns are left out, so a corrected errors file gets the original file's saved template.
pub fn signature(header: &[String]) -> String {
    let mut h = Sha256::new();
    for cell in header.iter().filter(|c| !is_error_column(c)) {
        h.update(norm(cell).as_bytes());
        h.update([0x1f]);
    }
    hex::encode(h.finalize())
}

/// How many rows are searched for the header.
pub const HEADER_SEARCH_ROWS: usize = 20;

/// The index (into `rows`) of the header row: the first row with a phone synonym, preferring the one with the
/// most recognised fields. A row holding a phone number is data, not a header, whatever words it also holds
/// (a contact's cell saying "number" once made a data row the header).
pub fn find_header(rows: &[Vec<String>]) -> Option<usize> {
    rows.iter()
        .enumerate()
        .take(HEADER_SEARCH_ROWS)
        .filter(|(_, cells)| !cells.iter().any(|c| looks_like_a_number(c)))
        .filter_map(|(i, cells)| {
            let fields: Vec<Field> = cells.iter().filter_map(|c| field_for(c)).collect();
            fields.contains(&Field::Phone).then_some((i, fields.len()))
        })
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|(i, _)| i)
}

/// Whether a cell reads as a phone number: written as a number, with seven digits or more. No header cell does.
fn looks_like_a_number(cell: &str) -> bool {
    crate::phone::digits_if_a_number(cell.trim()).is_some_and(|digits| digits.len() >= 7)
}

#[cfg(test)]
mod tests;
