//! A chunk of validated contacts as the writer reads them: every contact's text in one buffer, in phone order,
//! each with its place in the file (the writer adds the members in the file's order: the campaign's list order).
//! Kept as separate `NewContact`s, a chunk was twelve small allocations per contact scattered over the heap,
//! and the writer (on the other core) read each of them cold while binding it: the binding's copies were a
//! sixth of the writer's time. Packed, a contact's values sit next to each other and, once the chunk is sorted,
//! the next contact's follow, so the writer reads the buffer front to back. The reading thread copies each
//! contact in straight from its row and the validator (no `NewContact` in between), and does the sorting copy.

use crate::store::contacts::ContactFields;

/// The text fields of a contact, in the order they are packed.
const TEXT_FIELDS: usize = 11;

/// Where one contact's fields end in [`Packed::text`] (each starts where the previous one ends).
#[derive(Debug, Clone, Copy)]
struct Row {
    start: usize,
    ends: [usize; TEXT_FIELDS],
    has_time_zone: bool,
    time_zone_source: &'static str,
    /// Whether the number is stored already (the writer upserts it instead of inserting it).
    known: bool,
    /// Where the contact was pushed: its place in the file, within the chunk.
    position: usize,
}

/// One contact of a chunk, as the writer reads it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct PackedContact<'a> {
    pub fields: ContactFields<'a>,
    /// Whether the number is stored already (the writer upserts it instead of inserting it).
    pub known: bool,
    /// Its place in the order pushed (the file's order), from 0.
    pub position: usize,
}

/// Contacts packed into one buffer, in the order pushed; [`Packed::sort_into`] copies them in phone order.
#[derive(Debug, Default)]
pub(super) struct Packed {
    text: String,
    rows: Vec<Row>,
}

impl Packed {
    /// Empties the chunk, keeping its buffers for the next one.
    pub fn clear(&mut self) {
        self.text.clear();
        self.rows.clear();
    }

    /// Makes room for about `rows` contacts (text included) ahead, so the buffers do not grow by copying.
    pub fn reserve(&mut self, rows: usize) {
        self.rows.reserve(rows);
        self.text.reserve(rows.saturating_mul(AVERAGE_TEXT));
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn push(&mut self, c: &ContactFields<'_>, known: bool) {
        let start = self.text.len();
        let mut ends = [0; TEXT_FIELDS];
        let fields = [
            c.phone_e164,
            c.alt_phone_e164,
            c.name,
            c.email,
            c.language,
            c.time_zone.unwrap_or_default(),
            c.time_zones,
            c.consent_basis,
            c.external_id,
            c.notes,
            c.variables,
        ];
        for (end, field) in ends.iter_mut().zip(fields) {
            self.text.push_str(field);
            *end = self.text.len();
        }
        let position = self.rows.len();
        self.rows.push(Row {
            start,
            ends,
            has_time_zone: c.time_zone.is_some(),
            time_zone_source: c.time_zone_source,
            known,
            position,
        });
    }

    /// Copies the chunk into `sorted` (emptied first, its buffers reused) in phone order, in which the unique
    /// index is walked forwards, touching each page once; the text moves too, so that the writer reads it
    /// front to back.
    pub fn sort_into(&self, sorted: &mut Packed) {
        // Sorted on a number per row rather than by comparing texts: no lookups into the text per comparison
        // (a third of the reading thread's sorting time went to those).
        let (rows, text) = (&self.rows, &self.text);
        let mut order: Vec<(u128, u32)> = (0..rows.len() as u32)
            .map(|i| (phone_order(phone(text, &rows[i as usize])), i))
            .collect();
        order.sort_unstable_by(|a, b| {
            a.0.cmp(&b.0)
                .then_with(|| phone(text, &rows[a.1 as usize]).cmp(phone(text, &rows[b.1 as usize])))
        });
        sorted.clear();
        sorted.text.reserve(self.text.len());
        sorted.rows.reserve(self.rows.len());
        for (_, i) in order {
            let row = self.rows[i as usize];
            let start = sorted.text.len();
            sorted.text.push_str(
                self.text
                    .get(row.start..row.ends[TEXT_FIELDS - 1])
                    .unwrap_or_default(),
            );
            // Every offset moves by the same amount (a field ends at or after its row's start).
            let moved = |at: usize| at - row.start + start;
            sorted.rows.push(Row {
                start,
                ends: row.ends.map(moved),
                ..row
            });
        }
    }

    /// The contacts in the chunk's order (pushed, or sorted by phone).
    pub fn in_order(&self) -> impl Iterator<Item = PackedContact<'_>> {
        self.rows.iter().map(|row| PackedContact {
            fields: fields(&self.text, row),
            known: row.known,
            position: row.position,
        })
    }
}

/// Bytes of text a bench contact packs into (a guess for reserving; growing past it is fine).
const AVERAGE_TEXT: usize = 256;

/// The first 16 bytes of a phone as a big-endian number (zero-padded): in the texts' byte order, and distinct
/// for distinct E.164 numbers ("+" and at most 15 digits). Equal keys are compared as text.
fn phone_order(phone: &str) -> u128 {
    let mut prefix = [0u8; 16];
    let n = phone.len().min(16);
    prefix[..n].copy_from_slice(&phone.as_bytes()[..n]);
    u128::from_be_bytes(prefix)
}

fn phone<'t>(text: &'t str, row: &Row) -> &'t str {
    text.get(row.start..row.ends[0]).unwrap_or_default()
}

fn fields<'t>(text: &'t str, row: &Row) -> ContactFields<'t> {
    let mut start = row.start;
    let mut next = |end: usize| {
        let s = text.get(start..end).unwrap_or_default();
        start = end;
        s
    };
    let e = row.ends;
    ContactFields {
        phone_e164: next(e[0]),
        alt_phone_e164: next(e[1]),
        name: next(e[2]),
        email: next(e[3]),
        language: next(e[4]),
        time_zone: Some(next(e[5])).filter(|_| row.has_time_zone),
        time_zones: next(e[6]),
        time_zone_source: row.time_zone_source,
        consent_basis: next(e[7]),
        external_id: next(e[8]),
        notes: next(e[9]),
        variables: next(e[10]),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::store::contacts::NewContact;

    fn contact() -> impl Strategy<Value = (NewContact, bool)> {
        let text = || "[a-zé\"\\\\ 0-9+]{0,12}";
        (
            proptest::collection::vec(text(), 10),
            proptest::option::of(text()),
            prop_oneof![Just("column"), Just("number"), Just("campaign_default")],
            any::<bool>(),
        )
            .prop_map(|(t, time_zone, source, known)| {
                let c = NewContact {
                    phone_e164: t[0].clone(),
                    alt_phone_e164: t[1].clone(),
                    name: t[2].clone(),
                    email: t[3].clone(),
                    language: t[4].clone(),
                    time_zone,
                    time_zones: t[5].clone(),
                    time_zone_source: source,
                    consent_basis: t[6].clone(),
                    external_id: t[7].clone(),
                    notes: t[8].clone(),
                    variables: t[9].clone(),
                };
                (c, known)
            })
    }

    proptest! {
        /// Packing changes nothing: every field (an absent time zone too) and the known flag come back as
        /// pushed, sorted by phone, each at the position it was pushed at.
        #[test]
        fn packing_gives_back_what_was_pushed(contacts in proptest::collection::vec(contact(), 0..40), reuse in any::<bool>()) {
            let mut packed = Packed::default();
            let mut sorted = Packed::default();
            if reuse {
                packed.push(&NewContact { name: "left over".into(), ..NewContact::default() }.fields(), true);
                packed.sort_into(&mut sorted);
                packed.clear();
            }
            for (c, known) in &contacts {
                packed.push(&c.fields(), *known);
            }
            let pushed: Vec<(ContactFields<'_>, bool)> = contacts.iter().map(|(c, k)| (c.fields(), *k)).collect();
            let as_pushed: Vec<(ContactFields<'_>, bool, usize)> =
                packed.in_order().map(|c| (c.fields, c.known, c.position)).collect();
            let want: Vec<(ContactFields<'_>, bool, usize)> =
                pushed.iter().enumerate().map(|(i, (c, k))| (*c, *k, i)).collect();
            prop_assert_eq!(as_pushed, want);
            packed.sort_into(&mut sorted);
            let got: Vec<PackedContact<'_>> = sorted.in_order().collect();
            prop_assert!(got.windows(2).all(|w| w[0].fields.phone_e164 <= w[1].fields.phone_e164));
            let mut placed: Vec<Option<(ContactFields<'_>, bool)>> = vec![None; got.len()];
            for c in &got {
                prop_assert!(placed[c.position].replace((c.fields, c.known)).is_none());
            }
            prop_assert_eq!(placed, pushed.into_iter().map(Some).collect::<Vec<_>>());
            prop_assert_eq!((packed.len(), sorted.len()), (contacts.len(), contacts.len()));
        }
    }
}
