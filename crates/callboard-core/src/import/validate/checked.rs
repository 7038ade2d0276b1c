//! [`Checked`]: a valid row's contact as the validator gives it, borrowing what it can from the row and the
//! validator, so that a big import copies it straight into its chunk.

use std::borrow::Cow;

use crate::store::contacts::{ContactFields, NewContact};

/// A valid row's contact, borrowing what it can from the row and the [`super::Validator`].
#[derive(Debug)]
pub struct Checked<'a> {
    pub phone_e164: String,
    pub(super) alt_phone_e164: String,
    pub(super) name: Cow<'a, str>,
    pub(super) email: &'a str,
    pub(super) language: Cow<'a, str>,
    pub(super) time_zone: &'a str,
    pub(super) time_zones: &'a str,
    pub(super) time_zone_source: &'static str,
    pub(super) consent_basis: &'a str,
    pub(super) external_id: &'a str,
    pub(super) notes: &'a str,
    pub(super) variables: &'a str,
}

impl Checked<'_> {
    /// The values as the store takes them.
    pub fn fields(&self) -> ContactFields<'_> {
        ContactFields {
            phone_e164: &self.phone_e164,
            alt_phone_e164: &self.alt_phone_e164,
            name: &self.name,
            email: self.email,
            language: &self.language,
            time_zone: Some(self.time_zone),
            time_zones: self.time_zones,
            time_zone_source: self.time_zone_source,
            consent_basis: self.consent_basis,
            external_id: self.external_id,
            notes: self.notes,
            variables: self.variables,
        }
    }

    /// The contact with its values copied.
    pub fn to_contact(&self) -> NewContact {
        let f = self.fields();
        NewContact {
            phone_e164: f.phone_e164.to_owned(),
            alt_phone_e164: f.alt_phone_e164.to_owned(),
            name: f.name.to_owned(),
            email: f.email.to_owned(),
            language: f.language.to_owned(),
            time_zone: f.time_zone.map(str::to_owned),
            time_zones: f.time_zones.to_owned(),
            time_zone_source: f.time_zone_source,
            consent_basis: f.consent_basis.to_owned(),
            external_id: f.external_id.to_owned(),
            notes: f.notes.to_owned(),
            variables: f.variables.to_owned(),
        }
    }
}
