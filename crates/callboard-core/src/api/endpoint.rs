//! `ui.endpoint`: where the UI listener is and its token, for the desktop window. Its webview talks to the
//! core over IPC, but listen and "Talk to agent" stream audio over WebSockets, which only the UI listener
//! serves; the window learns the address and token here. (A browser already has both: it was opened from
//! the printed URL. Answering needs the token or the IPC, so this gives away nothing new.)

use serde::{Deserialize, Serialize};

use super::{Actor, ApiError, ErrorCode, NoArgs};
use crate::app::App;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UiEndpoint {
    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub base_url: String,
    /// The same with `ws://`, for WebSockets.
    pub ws_url: String,
    /// The per-launch token (`?token=` on WebSockets).
    pub token: String,
}

pub async fn ui_endpoint(app: &App, _actor: Actor, _args: NoArgs) -> Result<UiEndpoint, ApiError> {
    let Some(base) = app.info().ui_url else {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            "the UI listener is not running, so live audio is not available",
        ));
    };
    let base_url = base.trim_end_matches('/').to_owned();
    let ws_url = match base_url.strip_prefix("http") {
        Some(rest) => format!("ws{rest}"),
        None => base_url.clone(),
    };
    Ok(UiEndpoint {
        base_url,
        ws_url,
        token: app.ui_token().expose().to_owned(),
    })
}
