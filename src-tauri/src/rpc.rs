//! The one Tauri command: forwards `{cmd, args}` to the core's command table, exactly as `POST /api/rpc`
//! does, so the UI cannot tell the transports apart.

use callboard_core::api::{self, Actor, ApiError, RpcRequest};

use crate::Shell;

#[tauri::command]
pub async fn rpc(shell: tauri::State<'_, Shell>, request: RpcRequest) -> Result<serde_json::Value, ApiError> {
    api::dispatch(&shell.app, Actor::Ui, request).await
}
