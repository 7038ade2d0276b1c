//! `contact.list`: the Contacts page's rows, a page at a time (keyset pagination, newest first), searchable
//! by number or name and filterable by status and campaign. Cheap at any depth, so a virtualised table can
//! scroll through a million contacts. `contact.get`: one contact with their campaigns and calls.
//! `contact.forget`: a person's erasure request.

use serde::{Deserialize, Serialize};

use super::{Actor, ApiError, ErrorCode};
use crate::{
    app::App,
    setup::retention::directly_in,
    store::{
        audit::{self, AuditEntry},
        contact_detail,
        contacts::{self, ContactRow, ListFilter},
        erasure,
    },
    webhooks::routes::INBOX_DIR,
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

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForgetArgs {
    pub id: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ForgetOut {
    pub id: i64,
    /// Kept on the do-not-call list, so they are never called again.
    pub phone_e164: String,
    /// Calls whose content was erased (the calls stay as bare facts).
    pub calls: usize,
    /// Recordings and stored webhook bodies deleted.
    pub files_deleted: usize,
}

/// `contact.forget`: erases a person at their request (see `store::erasure`), audited; then deletes their
/// recordings and stored webhook bodies. Backups made before keep them until they are pruned.
pub async fn forget(app: &App, actor: Actor, args: ForgetArgs) -> Result<ForgetOut, ApiError> {
    let now = crate::clock::to_db(app.clock.now());
    let id = args.id;
    let forgotten = app
        .store
        .with_tx(move |tx| -> Result<_, ApiError> {
            let f = erasure::forget_contact(tx, id, &now)?;
            audit::record(
                tx,
                &now,
                &AuditEntry {
                    actor: actor.as_str(),
                    action: "contact.forget",
                    subject_type: "contact",
                    subject_id: id.to_string(),
                    details: serde_json::json!({ "calls": f.calls, "files": f.files.len() }),
                },
            )?;
            Ok(f)
        })
        .await?;
    let mut files_deleted = 0;
    for rel in &forgotten.files {
        let deletable =
            directly_in(rel, crate::media::session::RECORDINGS_DIR) || directly_in(rel, INBOX_DIR);
        if !deletable {
            tracing::warn!(contact = id, path = %rel, "a stored path outside the data folders is left alone");
            continue;
        }
        match std::fs::remove_file(app.data_dir().join(rel)) {
            Ok(()) => files_deleted += 1,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => tracing::warn!(contact = id, error = %e, "cannot delete an erased person's file"),
        }
    }
    Ok(ForgetOut {
        id,
        phone_e164: forgotten.phone_e164,
        calls: forgotten.calls,
        files_deleted,
    })
}
