//! Where things live on disk by default: the data dir (shared by the desktop app and the CLI, so both see
//! the same database) and the built UI files.

use std::path::PathBuf;

/// The app identifier; Tauri's app-data folder uses the same name.
pub const APP_IDENTIFIER: &str = "dev.callboard.app";

/// `~/.local/share/dev.callboard.app` on Linux, the platform equivalent elsewhere.
pub fn default_data_dir() -> PathBuf {
    dirs::data_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join(APP_IDENTIFIER)
}

/// The built UI: next to the binary (`../share/callboard/ui`, as an install lays it out) or, in a source
/// checkout, the workspace's `ui/dist`.
pub fn default_ui_dir() -> Option<PathBuf> {
    let installed = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|bin| bin.join("../share/callboard/ui")));
    let source = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../ui/dist"));
    [installed, Some(source)]
        .into_iter()
        .flatten()
        .find(|d| d.join("index.html").is_file())
}
