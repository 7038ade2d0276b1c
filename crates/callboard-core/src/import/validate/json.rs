//! The JSON a contact row stores (its variables object, its time-zone array), written straight into a string:
//! this runs a million times in a big import, where a map of JSON values per row and serde cost far more.
//! Property tests check it against `serde_json`.

/// Adds a key, or replaces its value if it is there already.
pub(super) fn put<'a>(pairs: &mut Vec<(&'a str, &'a str)>, k: &'a str, v: &'a str) {
    match pairs.iter_mut().find(|(key, _)| *key == k) {
        Some(p) => p.1 = v,
        None => pairs.push((k, v)),
    }
}

/// A key as [`json_object`] takes it: a JSON string literal (written once per column, not once per row).
pub(super) fn json_key(k: &str) -> String {
    let mut out = String::with_capacity(k.len() + 2);
    json_string(&mut out, k);
    out
}

/// `{"k":"v",…}` from (key written by [`json_key`], value) pairs, into `out` (emptied first).
pub(super) fn json_object(out: &mut String, pairs: &[(&str, &str)]) {
    out.clear();
    out.reserve(2 + pairs.iter().map(|(k, v)| k.len() + v.len() + 6).sum::<usize>());
    out.push('{');
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(k);
        out.push(':');
        json_string(out, v);
    }
    out.push('}');
}

/// A cell holding a JSON object of variables, as (key written by [`json_key`], value) pairs: strings as they
/// are, other values as their JSON text; null and empty values left out, as empty cells are. A cell that is
/// not a JSON object is kept whole, under the key `variables`: nothing in the file is lost.
pub(super) fn unpack_object(cell: &str) -> Vec<(String, String)> {
    match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(cell) {
        Ok(object) => object
            .into_iter()
            .filter_map(|(k, v)| {
                let v = match v {
                    serde_json::Value::String(s) => s,
                    serde_json::Value::Null => return None,
                    other => other.to_string(),
                };
                (!k.is_empty() && !v.is_empty()).then(|| (json_key(&k), v))
            })
            .collect(),
        Err(_) => vec![(json_key("variables"), cell.to_owned())],
    }
}

/// `["a","b",…]` from strings (a contact's time zones: built here, not through a `Vec<String>` and serde).
pub(super) fn json_array<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::with_capacity(32);
    out.push('[');
    for (i, s) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        json_string(&mut out, s);
    }
    out.push(']');
    out
}

/// Appends `s` as a JSON string literal.
fn json_string(out: &mut String, s: &str) {
    use std::fmt::Write;
    out.push('"');
    // Most cells need no escaping: copied whole, not character by character.
    if !s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
        out.push_str(s);
        out.push('"');
        return;
    }
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}
