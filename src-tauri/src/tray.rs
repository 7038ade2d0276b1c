//! The tray icon: status lines (running campaigns, calls in flight, open attention items) and Show window,
//! Pause all campaigns, Quit. The menu's rows and actions (`desktop::tray`), and when to redraw it
//! (`desktop::follow`), come from the core; this draws it and carries the actions out.

use std::sync::Arc;

use callboard_core::{
    app::App,
    desktop::{
        follow,
        tray::{MenuRow, TrayAction, TrayStatus, TrayView},
    },
    launch::Launched,
};
use tauri::{
    AppHandle, Manager,
    menu::{Menu, MenuEvent, MenuItem, PredefinedMenuItem},
    tray::{TrayIcon, TrayIconBuilder},
};

fn menu(handle: &AppHandle, view: &TrayView) -> tauri::Result<Menu<tauri::Wry>> {
    let menu = Menu::new(handle)?;
    for row in view.menu() {
        match row {
            MenuRow::Item { id, label, enabled } => {
                menu.append(&MenuItem::with_id(handle, id, label, enabled, None::<&str>)?)?
            }
            MenuRow::Separator => menu.append(&PredefinedMenuItem::separator(handle)?)?,
        }
    }
    Ok(menu)
}

fn show_window(handle: &AppHandle) {
    if let Some(window) = handle.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

fn on_menu(handle: &AppHandle, event: MenuEvent) {
    match TrayAction::from_id(event.id.as_ref()) {
        Some(TrayAction::ShowWindow) => show_window(handle),
        Some(TrayAction::PauseAll) => {
            let app = handle.state::<Launched>().app.clone();
            tauri::async_runtime::spawn(async move {
                follow::pause_all(&app).await;
            });
        }
        Some(TrayAction::Quit) => handle.exit(0),
        None => {}
    }
}

fn redraw(handle: &AppHandle, icon: &TrayIcon, view: &TrayView) {
    if let Err(e) = icon.set_tooltip(Some(&view.tooltip)) {
        tracing::debug!(error = %e, "cannot set the tray tooltip");
    }
    match menu(handle, view) {
        Ok(m) => {
            if let Err(e) = icon.set_menu(Some(m)) {
                tracing::warn!(error = %e, "cannot update the tray menu");
            }
        }
        Err(e) => tracing::warn!(error = %e, "cannot build the tray menu"),
    }
}

fn build(handle: &AppHandle, initial: &TrayView) -> tauri::Result<TrayIcon> {
    menu(handle, initial).and_then(|m| {
        let mut builder = TrayIconBuilder::with_id("callboard")
            .tooltip(&initial.tooltip)
            .menu(&m)
            .show_menu_on_left_click(true)
            .on_menu_event(on_menu);
        if let Some(icon) = handle.default_window_icon() {
            builder = builder.icon(icon.clone());
        }
        builder.build(handle)
    })
}

/// Creates the tray icon and keeps it up to date. A desktop without a tray is logged, not fatal.
pub fn start(app: Arc<App>, handle: &AppHandle) {
    let initial = TrayView::of(&TrayStatus::default());
    // tray-icon loads libayatana-appindicator3 at run time and panics when it is missing (the .deb depends on
    // it; a hand-copied binary may not have it): no tray then, rather than no app.
    let built = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| build(handle, &initial)));
    let built = match built {
        Ok(b) => b,
        Err(_) => {
            tracing::warn!("no tray icon: the appindicator library could not be loaded");
            return;
        }
    };
    let icon = match built {
        Ok(icon) => icon,
        Err(e) => {
            tracing::warn!(error = %e, "no tray icon on this desktop");
            return;
        }
    };
    let handle = handle.clone();
    tauri::async_runtime::spawn(follow::follow_tray(app, move |view| {
        redraw(&handle, &icon, &view)
    }));
}
