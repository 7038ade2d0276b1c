//! File routes of the UI listener, next to `POST /api/rpc` and behind the same token: `POST /api/uploads`
//! streams a file the browser picked into the data dir (the `import.*` commands then take its id), and
//! `GET /api/imports/{id}/errors.csv` downloads a finished import's errors, and `GET /api/calls/{id}/recording`
//! plays a call's recording (with `Range` support, so the player can seek). Uploads are not held in memory
//! and have their own size limit (the 8 MB limit of `/api/rpc` does not apply here).

use std::sync::Arc;

use axum::{
    Json, Router,
    body::{Body, Bytes},
    extract::{Path, Query, Request, State},
    http::header,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use super::error_response;
use crate::{
    api::{ApiError, ErrorCode, imports},
    app::App,
    import::{
        errors_csv,
        uploads::{MAX_UPLOAD_BYTES, UploadError, Uploads},
    },
};

/// The routes, to be nested under `/api` inside the token check.
pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/uploads", post(upload))
        .route("/imports/{id}/errors.csv", get(errors_csv))
        .route("/calls/{id}/recording", get(recording))
}

/// A call's recording file, only from the data dir's recordings folder.
async fn recording(State(app): State<Arc<App>>, Path(id): Path<i64>, req: Request) -> Response {
    let stored = app
        .store
        .read(move |c| {
            Ok(
                c.query_row("SELECT recording_path FROM calls WHERE id = ?1", [id], |r| {
                    r.get::<_, Option<String>>(0)
                })
                .ok()
                .flatten(),
            )
        })
        .await;
    let rel = match stored {
        Ok(Some(rel)) => rel,
        Ok(None) => {
            return error_response(ApiError::new(
                ErrorCode::NotFound,
                format!("call {id} has no recording"),
            ));
        }
        Err(e) => return error_response(e.into()),
    };
    let root = app.data_dir().join(crate::media::session::RECORDINGS_DIR);
    let path = app.data_dir().join(&rel);
    // The stored path is ours, but never serve anything outside the recordings folder.
    let inside = match (path.canonicalize(), root.canonicalize()) {
        (Ok(p), Ok(r)) => p.starts_with(r).then_some(p),
        _ => None,
    };
    let Some(path) = inside else {
        return error_response(ApiError::new(
            ErrorCode::NotFound,
            format!("call {id}'s recording file is missing"),
        ));
    };
    match tower::ServiceExt::oneshot(tower_http::services::ServeFile::new(path), req).await {
        Ok(r) => r.map(Body::new),
        Err(e) => error_response(ApiError::new(ErrorCode::Internal, e.to_string())),
    }
}

#[derive(Debug, Deserialize)]
struct UploadQuery {
    /// The file's name as the user picked it (the extension chooses the format).
    name: Option<String>,
}

/// `POST /api/uploads` answers this.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Uploaded {
    pub upload_id: String,
    pub name: String,
    pub bytes: u64,
}

fn too_large() -> ApiError {
    ApiError::new(ErrorCode::Validation, UploadError::TooLarge.to_string())
}

async fn upload(State(app): State<Arc<App>>, Query(q): Query<UploadQuery>, req: Request) -> Response {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_UPLOAD_BYTES) {
        return error_response(too_large());
    }
    let name = q.name.unwrap_or_default();
    let uploads = Uploads::new(app.data_dir());
    if let Ok(now) = std::time::SystemTime::try_from(app.clock.now()) {
        let sweeper = uploads.clone();
        tokio::task::spawn_blocking(move || sweeper.sweep(now));
    }
    // The file is written on a blocking thread; the body is read here and handed over chunk by chunk.
    let (tx, mut rx) = mpsc::channel::<Bytes>(8);
    let writer = tokio::task::spawn_blocking(move || -> Result<Uploaded, UploadError> {
        let mut up = uploads.create(&name)?;
        while let Some(chunk) = rx.blocking_recv() {
            up.append(&chunk)?;
        }
        let id = up.id.clone();
        let stored = up
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let bytes = up.finish()?;
        Ok(Uploaded {
            upload_id: id,
            name: stored,
            bytes,
        })
    });
    let mut body = req.into_body().into_data_stream();
    let mut read_error = None;
    while let Some(chunk) = body.next().await {
        match chunk {
            // A send fails only when the writer stopped (too large, disk full): its error is the answer.
            Ok(bytes) => {
                if tx.send(bytes).await.is_err() {
                    break;
                }
            }
            Err(e) => {
                read_error = Some(e.to_string());
                break;
            }
        }
    }
    drop(tx);
    let written = writer.await;
    if let Some(e) = read_error {
        // The writer saw a short file; whatever it stored is removed with it below.
        if let Ok(Ok(up)) = written {
            Uploads::new(app.data_dir()).remove(&up.upload_id);
        }
        return error_response(ApiError::new(
            ErrorCode::BadRequest,
            format!("the upload was interrupted: {e}"),
        ));
    }
    match written {
        Ok(Ok(up)) => {
            tracing::info!(upload = %up.upload_id, bytes = up.bytes, "file uploaded");
            Json(up).into_response()
        }
        Ok(Err(UploadError::TooLarge)) => error_response(too_large()),
        Ok(Err(e)) => error_response(ApiError::new(ErrorCode::Internal, e.to_string())),
        Err(e) => error_response(ApiError::new(
            ErrorCode::Internal,
            format!("upload task failed: {e}"),
        )),
    }
}

async fn errors_csv(State(app): State<Arc<App>>, Path(id): Path<u64>) -> Response {
    let summary = match imports::finished_summary(&app, id) {
        Ok(s) => s,
        Err(e) => return error_response(e),
    };
    let built = tokio::task::spawn_blocking(move || errors_csv::to_bytes(&summary)).await;
    match built {
        Ok(Ok(bytes)) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{}\"", imports::errors_filename(id)),
                ),
            ],
            Body::from(bytes),
        )
            .into_response(),
        Ok(Err(e)) => error_response(ApiError::new(
            ErrorCode::Internal,
            format!("cannot write the errors CSV: {e}"),
        )),
        Err(e) => error_response(ApiError::new(ErrorCode::Internal, e.to_string())),
    }
}
