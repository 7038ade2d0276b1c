//! `callboard`: the headless console and scripting entry point. `serve` runs the same core and UI as the
//! desktop app, for a browser; `doctor` says whether this machine and data dir are ready.

mod backup;
mod bench;
mod campaign;
mod demo;
mod doctor;
mod export;
mod import;
mod serve;

use std::{net::SocketAddr, path::PathBuf, process::ExitCode};

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "callboard",
    version,
    about = "Outbound AI voice-agent campaigns, supervised live"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the console headless: the UI and its API on loopback, the webhook listener for providers.
    Serve(ServeArgs),
    /// Check versions, the data dir and the database.
    Doctor(DataDirArg),
    /// Create, list, start, pause, resume and cancel campaigns from scripts.
    Campaign(campaign::CampaignArgs),
    /// Import contacts from a CSV/TSV/XLSX/XLS/ODS file into a campaign.
    Import(import::ImportArgs),
    /// Run a benchmark and print its figures.
    #[command(subcommand)]
    Bench(bench::Bench),
    /// Run a complete simulated campaign through the real listeners on loopback and reconcile the results.
    Demo(demo::DemoArgs),
    /// Export data: `events` (the webhook journal) as JSON or CSV.
    Export(ExportArgs),
    /// Write a backup archive (database snapshot + recordings); safe while the app runs.
    Backup(backup::BackupArgs),
    /// Restore a backup archive into an empty data dir.
    Restore(backup::RestoreArgs),
}

#[derive(Debug, Args)]
struct ExportArgs {
    #[command(flatten)]
    data_dir: DataDirArg,
    /// What to export.
    #[arg(value_enum)]
    what: ExportWhat,
    #[arg(long, value_enum, default_value = "json")]
    format: ExportFormat,
    /// Write here instead of stdout.
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ExportWhat {
    Calls,
    Contacts,
    Events,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ExportFormat {
    Csv,
    Json,
    Xlsx,
}

#[derive(Debug, Args)]
struct DataDirArg {
    /// Where the database, recordings and logs live [default: the OS app-data folder].
    #[arg(long, env = "CALLBOARD_DATA_DIR", global = true)]
    data_dir: Option<PathBuf>,
}

impl DataDirArg {
    fn resolve(&self) -> PathBuf {
        self.data_dir
            .clone()
            .unwrap_or_else(callboard_core::paths::default_data_dir)
    }
}

#[derive(Debug, Args)]
struct ServeArgs {
    #[command(flatten)]
    data_dir: DataDirArg,
    /// Loopback address of the UI and its API.
    #[arg(long, env = "CALLBOARD_UI_ADDR", default_value = callboard_core::launch::DEFAULT_UI_ADDR)]
    ui_addr: SocketAddr,
    /// Address of the public listener (webhooks, media streams); put the tunnel in front of it.
    #[arg(long, env = "CALLBOARD_PUBLIC_ADDR", default_value = callboard_core::launch::DEFAULT_PUBLIC_ADDR)]
    public_addr: SocketAddr,
    /// The base URL providers call (the tunnel's URL).
    #[arg(long, env = "CALLBOARD_PUBLIC_URL")]
    public_url: Option<String>,
    /// The built UI (`ui/dist`) [default: found next to the binary or in the source checkout].
    #[arg(long, env = "CALLBOARD_UI_DIR")]
    ui_dir: Option<PathBuf>,
    #[command(flatten)]
    secrets: SecretArgs,
    /// Seed demo data (agents, contacts, campaigns in every state) on first start; no accounts needed.
    #[arg(long, env = "CALLBOARD_DEMO")]
    demo: bool,
    /// How much faster than real time the simulator's calls run.
    #[arg(long, env = "CALLBOARD_SIM_SPEED", default_value_t = 1.0)]
    sim_speed: f64,
}

/// Webhook secrets. Overrides for headless installs and tests: they win over the keychain (or the encrypted
/// secrets file), where the Settings page stores them.
#[derive(Debug, Args)]
struct SecretArgs {
    /// ElevenLabs' HMAC webhook secret (verifies `ElevenLabs-Signature`).
    #[arg(long, env = "CALLBOARD_ELEVENLABS_WEBHOOK_SECRET", hide_env_values = true)]
    elevenlabs_webhook_secret: Option<String>,
    /// Twilio's primary auth token (verifies `X-Twilio-Signature`).
    #[arg(long, env = "CALLBOARD_TWILIO_AUTH_TOKEN", hide_env_values = true)]
    twilio_auth_token: Option<String>,
    /// The secret path segment in Exotel callback URLs (`/webhooks/exotel/{secret}/…`).
    #[arg(long, env = "CALLBOARD_EXOTEL_WEBHOOK_SECRET", hide_env_values = true)]
    exotel_webhook_secret: Option<String>,
}

impl SecretArgs {
    /// Every `CALLBOARD_*` override from the environment, plus these flags (which win).
    fn overrides(&self) -> callboard_core::secret_store::EnvOverrides {
        use callboard_core::secret_store::{EnvOverrides, SecretName};
        EnvOverrides::from_env()
            .with_secret(
                SecretName::ElevenlabsWebhookSecret,
                self.elevenlabs_webhook_secret.clone(),
            )
            .with_secret(SecretName::TwilioAuthToken, self.twilio_auth_token.clone())
            .with_secret(
                SecretName::ExotelWebhookSecret,
                self.exotel_webhook_secret.clone(),
            )
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => serve::run(args),
        Command::Doctor(args) => doctor::run(&args.resolve()),
        Command::Campaign(args) => campaign::run(args),
        Command::Import(args) => import::run(args),
        Command::Export(args) => export::run(&args.data_dir.resolve(), &args),
        Command::Bench(b) => bench::run(b),
        Command::Backup(args) => backup::backup(&args),
        Command::Restore(args) => backup::restore(&args),
        Command::Demo(args) => demo::run_cli(args),
    }
}
