//! The window's microphone, for "Talk to agent". Three platforms, three switches:
//! - Linux (WebKitGTK): `enable-media-stream` is off by default, so `getUserMedia` does not even exist;
//!   switch it on for the main window, and answer WebKit's permission request (else it is denied, as WebKitGTK
//!   shows no prompt of its own in an embedded view).
//! - macOS (WKWebView): the OS asks the user once, using `NSMicrophoneUsageDescription` from
//!   `src-tauri/Info.plist` (merged into the bundle's; the hardened runtime also needs the
//!   `com.apple.security.device.audio-input` entitlement in `src-tauri/Entitlements.plist`).
//! - Windows (WebView2): the permission request below answers it.
//!
//! Only the microphone is granted, and only to our own window (it loads nothing but the bundled UI).

use tauri::webview::{PermissionKind, PermissionResponse};

/// Grants the microphone to the app's own webview; everything else gets the platform's default answer.
pub fn permission<R: tauri::Runtime>(
    _webview: tauri::Webview<R>,
    kind: PermissionKind,
) -> PermissionResponse {
    match kind {
        PermissionKind::Microphone => PermissionResponse::Allow,
        _ => PermissionResponse::Default,
    }
}

/// Switches on WebKitGTK's media streams (getUserMedia) for the main window.
#[cfg(target_os = "linux")]
pub fn enable_media_stream(app: &tauri::App) {
    use tauri::Manager;
    use webkit2gtk::{SettingsExt, WebViewExt};
    let Some(window) = app.get_webview_window("main") else {
        tracing::warn!("no main window; the microphone stays off");
        return;
    };
    let done = window.with_webview(|webview| {
        if let Some(settings) = webview.inner().settings() {
            settings.set_enable_media_stream(true);
        }
    });
    if let Err(e) = done {
        tracing::warn!(error = %e, "cannot switch on the webview's media streams; Talk to agent will have no microphone");
    }
}

/// Other platforms need no switch (see the module doc).
#[cfg(not(target_os = "linux"))]
pub fn enable_media_stream(_app: &tauri::App) {}
