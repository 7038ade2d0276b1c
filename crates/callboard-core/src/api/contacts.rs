//! `contact.list`: the Contacts page's rows, a page at a time (keyset pagination, newest first), searchable
//! by number or name and filterable by status and campaign. Cheap at any depth, so a virtualised table can
//! scroll through a million contacts. `contact.get`: one contact with their campaigns and calls.

use serde::{Deserialize, Serialize};

use super::{Actor, ApiError, ErrorCode};
use crate::{
    app::App,
    store::{
        contact_detail,
        contacts::{self, ContactRow, ListFilter},
    },
};

/// Most rows in one page.
pub const MAX_PAGE: u32 = 1_000;
const STATUSES: &[&str] = &["active", "opted_out", "deleted"];

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListArgs {
    /// Digits search the number; other text searches name and e-mail.
    #[serde(default)]
    pub search: Option<String>,
    /// `active`, `opted_out` or `deleted`.
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub campaign_id: Option<i64>,
    /// `next_before` of the previous page.
    #[serde(default)]
    pub before: Option<i64>,
    /// Rows per page [default: 200, max 1000].
    #[serde(default)]
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ContactPage {
    pub contacts: Vec<ContactRow>,
    /// Pass as `before` for the next page; null on the last page.
    pub next_before: Option<i64>,
    /// Contacts matching the filter; only on the first page (without `before`).
    pub total: Option<i64>,
}

pub async fn list(app: &App, _actor: Actor, args: ListArgs) -> Result<ContactPage, ApiError> {
    if let Some(s) = &args.status
        && !STATUSES.contains(&s.as_str())
    {
        return Err(ApiError::new(
            ErrorCode::Validation,
            format!("status: must be one of {}", STATUSES.join(", ")),
        ));
    }
    let limit = args.limit.unwrap_or(200).clamp(1, MAX_PAGE);
    let filter = ListFilter {
        search: args.search.unwrap_or_default(),
        status: args.status,
        campaign_id: args.campaign_id,
        before: args.before,
        limit,
    };
    let (contacts, total) = app.store.read(move |c| contacts::list(c, &filter)).await?;
    let next_before = (contacts.len() == limit as usize)
        .then(|| contacts.last().map(|c| c.id))
        .flatten();
    Ok(ContactPage {
        contacts,
        next_before,
        total,
    })
}

/// `contact.get`: one contact with their campaigns, calls and do-not-call entries (the Contacts drawer).
pub async fn get(
    app: &App,
    _actor: Actor,
    args: super::IdArgs,
) -> Result<contact_detail::ContactDetail, ApiError> {
    Ok(app.store.read(move |c| contact_detail::get(c, args.id)).await?)
}
