//! `callboard serve`: open the data dir, start both listeners, print their URLs, run until Ctrl+C/SIGTERM.

use std::process::ExitCode;

use callboard_core::{
    app::{App, AppOptions},
    clock::SystemClock,
    demo,
    engine::Engine,
    listener, providers,
    runtime::{RuntimeFile, RuntimeInfo},
};

use crate::ServeArgs;

pub fn run(args: ServeArgs) -> ExitCode {
    let data_dir = args.data_dir.resolve();
    if let Err(e) = std::fs::create_dir_all(&data_dir) {
        eprintln!("error: cannot create the data dir {}: {e}", data_dir.display());
        return ExitCode::FAILURE;
    }
    let _log_guard = crate::logging::init(&data_dir);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(args, data_dir)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(args: ServeArgs, data_dir: std::path::PathBuf) -> Result<(), String> {
    let options = AppOptions {
        data_dir: data_dir.clone(),
        demo: args.demo,
        public_base_url: args.public_url,
    };
    let secrets = args.secrets.provider_secrets();
    let app = tokio::task::spawn_blocking(move || -> Result<_, String> {
        let app = App::open(options).map_err(|e| e.to_string())?;
        app.set_provider_secrets(secrets);
        if app.info().demo && demo::seed(&app.store, &SystemClock).map_err(|e| e.to_string())? {
            tracing::info!("seeded demo data");
        }
        Ok(app)
    })
    .await
    .map_err(|e| e.to_string())??;

    let bind = |addr, what: &'static str| async move {
        listener::bind(addr, false)
            .await
            .map_err(|e| format!("cannot listen on {addr} for the {what}: {e}"))
    };
    let ui = bind(args.ui_addr, "UI").await?;
    let public = bind(args.public_addr, "public listener").await?;
    let ui_dir = args.ui_dir.or_else(callboard_core::paths::default_ui_dir);
    if ui_dir.is_none() {
        tracing::warn!("the built UI was not found; run `npm --prefix ui run build` or pass --ui-dir");
    }
    let running = listener::start(app.clone(), ui, public, ui_dir).map_err(|e| e.to_string())?;
    let engine =
        Engine::new(app.clone(), providers::dialers(&app, args.sim_speed)).spawn(running.shutdown.clone());
    let ui_url = app.ui_url_with_token().unwrap_or_default();
    let public_url = format!("http://{}", running.public_addr);
    let _runtime_file = RuntimeFile::write(
        &data_dir,
        &RuntimeInfo {
            pid: std::process::id(),
            ui_url: format!("http://{}/", running.ui_addr),
            token: app.ui_token().expose().to_owned(),
            public_url: public_url.clone(),
        },
    )
    .map_err(|e| tracing::warn!(error = %e, "cannot write the runtime file"))
    .ok();

    let mode = if app.info().demo { " (demo mode)" } else { "" };
    println!("Callboard {}{mode}", callboard_core::VERSION);
    println!("  UI:      {ui_url}");
    println!("  Public:  {public_url}");
    println!("  Data:    {}", data_dir.display());
    println!("Open the UI address in a browser. Press Ctrl+C to stop.");

    shutdown_signal().await;
    tracing::info!("stopping");
    running.stop().await;
    if let Err(e) = engine.await {
        tracing::error!(error = %e, "the engine task failed");
    }
    // Apply what was journaled before the listeners stopped (a crash instead leaves it for the next start).
    app.webhooks.settle().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl+C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
}
