//! [`Zones`]: the time zones an import's contacts get, each with its JSON array of zones written once (a
//! million rows share a few dozen), from a time-zone cell or from the number.

use std::collections::HashMap;

use super::{KeyHasher, json::json_array};
use crate::phone;

/// A contact's time zone and its JSON array of zones, as stored.
#[derive(Debug)]
pub(super) struct Zone {
    pub name: String,
    pub json: String,
}

/// Every distinct zone given so far, by index; the first is the campaign's.
#[derive(Debug)]
pub(super) struct Zones {
    list: Vec<Zone>,
    /// Time-zone cells seen so far, and the zone each names.
    cells: HashMap<String, Option<usize>>,
    /// Zone lists from numbers seen so far, by the `&'static` slice's address and length.
    numbers: HashMap<(usize, usize), usize, KeyHasher>,
}

impl Zones {
    /// The campaign's zone, for contacts whose number and row give none.
    pub const CAMPAIGN: usize = 0;

    pub fn new(campaign_zone: &str) -> Zones {
        let mut zones = Zones {
            list: Vec::new(),
            cells: HashMap::new(),
            numbers: HashMap::default(),
        };
        zones.add([campaign_zone]);
        zones
    }

    pub fn get(&self, i: usize) -> &Zone {
        &self.list[i]
    }

    /// A time-zone cell checked against the bundled database, legacy names renamed; `None` when it names no
    /// zone. Cached per distinct value.
    pub fn of_cell(&mut self, raw: &str) -> Option<usize> {
        if let Some(z) = self.cells.get(raw) {
            return *z;
        }
        let name = phone::canonical_zone(raw);
        let z = jiff::tz::TimeZoneDatabase::bundled()
            .get(name)
            .ok()
            .and_then(|tz| tz.iana_name().map(|n| phone::canonical_zone(n).to_owned()))
            .map(|name| self.add([name.as_str()]));
        self.cells.insert(raw.to_owned(), z);
        z
    }

    /// The zones a number is in (`phone::Phone::time_zones`); `None` when it has none.
    pub fn of_number(&mut self, zones: &'static [&'static str]) -> Option<usize> {
        zones.first()?;
        let key = (zones.as_ptr() as usize, zones.len());
        if let Some(z) = self.numbers.get(&key) {
            return Some(*z);
        }
        let z = self.add(zones.iter().copied());
        self.numbers.insert(key, z);
        Some(z)
    }

    /// A zone (the first of `names`) with its JSON array, added; its index.
    fn add<'n>(&mut self, names: impl IntoIterator<Item = &'n str> + Clone) -> usize {
        self.list.push(Zone {
            name: names.clone().into_iter().next().unwrap_or_default().to_owned(),
            json: json_array(names),
        });
        self.list.len() - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_distinct_zone_is_written_once() {
        let mut zones = Zones::new("Asia/Kuwait");
        assert_eq!(zones.get(Zones::CAMPAIGN).json, r#"["Asia/Kuwait"]"#);
        // Legacy names are renamed; a cell that names no zone is remembered as such.
        let kolkata = zones.of_cell("Asia/Calcutta");
        assert_eq!(kolkata, zones.of_cell("Asia/Calcutta"));
        let kolkata = kolkata.map(|z| zones.get(z));
        assert_eq!(kolkata.map(|z| z.name.as_str()), Some("Asia/Kolkata"));
        assert_eq!(zones.of_cell("Mars/Base"), None);
        // A number's zones: the first is the contact's, all are in the JSON; the same list gives the same zone.
        let us = phone::time_zones_for_e164("+12125550123");
        let first = zones.of_number(us);
        assert_eq!(first, zones.of_number(us));
        let zone = first.map(|z| zones.get(z));
        assert_eq!(zone.map(|z| z.name.as_str()), us.first().copied());
        let json: Option<Vec<String>> = zone.and_then(|z| serde_json::from_str(&z.json).ok());
        assert_eq!(json, Some(us.iter().map(|z| (*z).to_owned()).collect()));
        assert_eq!(zones.of_number(&[]), None);
        assert_eq!(zones.list.len(), 3);
    }
}
