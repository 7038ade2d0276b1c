//! Erasure requests: `contact.forget` erases a person (see `store::erasure`: their details and everything
//! they said, their number kept on the do-not-call list), and `call.forget` erases one call of a caller who
//! has no contact record (an incoming SIP call). Both are audited with counts only, and then delete the
//! recordings and stored webhook bodies involved. Backups made before keep them until they are pruned.

use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};

use super::{Actor, ApiError, ErrorCode};
use crate::{
    app::App,
    setup::retention::directly_in,
    store::{
        StoreError,
        audit::{self, AuditEntry},
        erasure::{self, Forgotten},
    },
    webhooks::routes::INBOX_DIR,
};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForgetArgs {
    pub id: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ForgetOut {
    pub id: i64,
    /// Kept on the do-not-call list, so they are never called again (empty for `call.forget`: no number is
    /// known for a caller without a contact).
    pub phone_e164: String,
    /// Calls whose content was erased (the calls stay as bare facts).
    pub calls: usize,
    /// Recordings and stored webhook bodies deleted.
    pub files_deleted: usize,
}

/// `contact.forget`: erases a person at their request.
pub async fn forget_contact(app: &App, actor: Actor, args: ForgetArgs) -> Result<ForgetOut, ApiError> {
    erase(app, actor, args.id, "contact").await
}

/// `call.forget`: erases one call's content, for a caller with no contact record; a call with a contact is
/// refused (forgetting the person covers all their calls and keeps them off every list).
pub async fn forget_call(app: &App, actor: Actor, args: ForgetArgs) -> Result<ForgetOut, ApiError> {
    erase(app, actor, args.id, "call").await
}

async fn erase(app: &App, actor: Actor, id: i64, what: &'static str) -> Result<ForgetOut, ApiError> {
    let now = crate::clock::to_db(app.clock.now());
    let forgotten = app
        .store
        .with_tx(move |tx| -> Result<Forgotten, ApiError> {
            let f = if what == "contact" {
                erasure::forget_contact(tx, id, &now)?
            } else {
                let contact: Option<i64> = tx
                    .query_row("SELECT contact_id FROM calls WHERE id = ?1", [id], |r| r.get(0))
                    .optional()
                    .map_err(StoreError::from)?
                    .flatten();
                if let Some(contact) = contact {
                    return Err(ApiError::new(
                        ErrorCode::Conflict,
                        format!("call {id} belongs to contact {contact}: forget the person instead (contact.forget)"),
                    ));
                }
                erasure::forget_call(tx, id, &now)?
            };
            audit::record(
                tx,
                &now,
                &AuditEntry {
                    actor: actor.as_str(),
                    action: if what == "contact" { "contact.forget" } else { "call.forget" },
                    subject_type: what,
                    subject_id: id.to_string(),
                    details: serde_json::json!({ "calls": f.calls, "files": f.files.len() }),
                },
            )?;
            Ok(f)
        })
        .await?;
    Ok(ForgetOut {
        id,
        files_deleted: delete_files(app, &forgotten.files, id),
        phone_e164: forgotten.phone_e164,
        calls: forgotten.calls,
    })
}

/// Deletes the erased recordings and webhook bodies, only inside their own folders; returns how many went.
fn delete_files(app: &App, files: &[String], subject: i64) -> usize {
    let mut deleted = 0;
    for rel in files {
        let deletable =
            directly_in(rel, crate::media::session::RECORDINGS_DIR) || directly_in(rel, INBOX_DIR);
        if !deletable {
            tracing::warn!(subject, path = %rel, "a stored path outside the data folders is left alone");
            continue;
        }
        match std::fs::remove_file(app.data_dir().join(rel)) {
            Ok(()) => deleted += 1,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => tracing::warn!(subject, error = %e, "cannot delete an erased file"),
        }
    }
    deleted
}
