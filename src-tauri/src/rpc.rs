//! The Tauri commands: `rpc` forwards `{cmd, args}` to the core's command table, exactly as `POST /api/rpc`
//! does, so the UI cannot tell the transports apart; `save_download` saves a file the UI offers for download
//! (the webview has no dependable download handling), in the user's Downloads folder.

use callboard_core::{
    api::{self, Actor, ApiError, RpcRequest},
    desktop::downloads::{self, Download},
    launch::Launched,
};

#[tauri::command]
pub async fn rpc(
    core: tauri::State<'_, Launched>,
    request: RpcRequest,
) -> Result<serde_json::Value, ApiError> {
    api::dispatch(&core.app, Actor::Ui, request).await
}

/// Saves the file and answers with the path it was written to.
#[tauri::command]
pub async fn save_download(request: Download) -> Result<String, ApiError> {
    downloads::save_to_downloads(request).await
}
