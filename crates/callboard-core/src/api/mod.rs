//! The command table: every command the UI or a script can run, declared once with its argument and
//! response types. Tauri's `rpc` command and the UI listener's `POST /api/rpc` both call [`dispatch`], so the
//! two transports cannot drift apart.

mod agent_state;
mod agents;
mod analytics;
mod attention;
mod call_history;
mod call_results;
mod call_timeline;
mod calls;
mod campaigns;
mod carriers;
pub mod contacts;
mod demo;
mod dnc;
mod elevenlabs;
mod endpoint;
mod engine;
mod erasure;
pub mod error;
pub mod imports;
mod info;
mod openai;
mod restore;
pub mod setup;
pub mod sheets;
mod stats;
mod webhooks;

use serde::{Deserialize, Serialize, de::DeserializeOwned};
use serde_json::Value;

pub use error::{ApiError, ErrorCode};

use crate::app::App;

/// One call: `{ "cmd": "campaign.create", "args": { … } }`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RpcRequest {
    pub cmd: String,
    #[serde(default)]
    pub args: Value,
}

/// Who is asking; recorded in the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    Ui,
    Cli,
    System,
}

impl Actor {
    pub fn as_str(self) -> &'static str {
        match self {
            Actor::Ui => "ui",
            Actor::Cli => "cli",
            Actor::System => "system",
        }
    }
}

/// Arguments for commands that take none; accepts `{}` and `null`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoArgs {}

/// `{ "id": 3 }`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct IdArgs {
    pub id: i64,
}

macro_rules! command_table {
    ($( $name:literal => $handler:path : $args:ty => $out:ty ),* $(,)?) => {
        /// Every command name, in table order.
        pub const COMMANDS: &[&str] = &[$($name),*];

        async fn route(app: &App, actor: Actor, cmd: &str, args: Value) -> Result<Value, ApiError> {
            match cmd {
                $( $name => {
                    let args: $args = parse_args($name, args)?;
                    let out: $out = $handler(app, actor, args).await?;
                    serde_json::to_value(out).map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))
                } )*
                other => Err(ApiError::new(
                    ErrorCode::UnknownCommand,
                    format!("unknown command '{other}'; known commands: {}", COMMANDS.join(", ")),
                )),
            }
        }
    };
}

command_table! {
    "health" => info::health: NoArgs => info::Health,
    "app.info" => info::app_info: NoArgs => info::AppInfo,
    "campaign.list" => campaigns::list: NoArgs => Vec<crate::campaign::Campaign>,
    "campaign.get" => campaigns::get: IdArgs => crate::campaign::Campaign,
    "campaign.create" => campaigns::create: crate::campaign::CampaignInput => crate::campaign::Campaign,
    "campaign.update" => campaigns::update: campaigns::UpdateArgs => crate::campaign::Campaign,
    "campaign.delete" => campaigns::delete: IdArgs => IdArgs,
    "campaign.start" => campaigns::start: IdArgs => crate::campaign::Campaign,
    "campaign.pause" => campaigns::pause: IdArgs => crate::campaign::Campaign,
    "campaign.resume" => campaigns::resume: IdArgs => crate::campaign::Campaign,
    "campaign.cancel" => campaigns::cancel: IdArgs => crate::campaign::Campaign,
    "campaign.why" => campaigns::why: IdArgs => crate::engine::why::WhyReport,
    "campaign.copy_contacts" => campaigns::copy_contacts: campaigns::CopyContactsArgs => campaigns::CopyContactsResult,
    "agent.list" => agents::list: NoArgs => Vec<crate::agent::Agent>,
    "agent.create" => agents::create: crate::agent::AgentInput => crate::agent::Agent,
    "agent.set_disclosure" => agents::set_disclosure: agents::DisclosureArgs => crate::agent::Agent,
    "contact.list" => contacts::list: contacts::ListArgs => contacts::ContactPage,
    "contact.get" => contacts::get: IdArgs => crate::store::contact_detail::ContactDetail,
    "contact.forget" => erasure::forget_contact: erasure::ForgetArgs => erasure::ForgetOut,
    "call.forget" => erasure::forget_call: erasure::ForgetArgs => erasure::ForgetOut,
    "import.preview" => imports::preview: imports::ImportArgs => imports::PreviewOut,
    "import.commit" => imports::commit: imports::ImportArgs => imports::ImportRef,
    "import.cancel" => imports::cancel: imports::ImportIdArgs => imports::CancelOut,
    "import.status" => imports::status: imports::ImportIdArgs => imports::StatusOut,
    "import.upload_piece" => imports::upload_piece: imports::UploadPieceArgs => crate::listener::ui_files::Uploaded,
    "import.fetch_sheet" => sheets::fetch_sheet: sheets::FetchSheetArgs => sheets::FetchedSheet,
    "import.sheets_account" => sheets::sheets_account: NoArgs => sheets::SheetsAccount,
    "import.errors" => imports::errors: imports::ImportIdArgs => imports::ErrorsOut,
    "import.template.save" => imports::save_template: imports::TemplateArgs => crate::store::import_templates::Template,
    "webhook.list" => webhooks::list: webhooks::ListArgs => webhooks::WebhookList,
    "call.list" => calls::list: calls::ListArgs => Vec<crate::store::call_board::BoardCall>,
    "call.get" => calls::get: IdArgs => calls::CallDetail,
    "stats.analytics" => analytics::analytics: analytics::AnalyticsArgs => analytics::Analytics,
    "call.history" => call_history::history: call_history::HistoryArgs => call_history::HistoryPage,
    "call.export" => call_history::export: call_history::HistoryArgs => call_history::CallExport,
    "call.hang_up" => calls::hang_up: IdArgs => calls::ActionOut,
    "call.whisper" => calls::whisper: calls::WhisperArgs => calls::ActionOut,
    "call.transfer" => calls::transfer: calls::TransferArgs => calls::ActionOut,
    "call.agent_state" => agent_state::agent_state: IdArgs => agent_state::AgentState,
    "call.escalate" => agent_state::escalate: agent_state::EscalateArgs => agent_state::AgentState,
    "call.set_phase" => agent_state::set_phase: agent_state::SetPhaseArgs => agent_state::AgentState,
    "campaign.realtime_cost" => agent_state::campaign_cost: IdArgs => agent_state::CampaignCost,
    "attention.list" => attention::list: attention::ListArgs => attention::AttentionList,
    "attention.ack" => attention::ack: IdArgs => crate::store::attention::AttentionItem,
    "stats.overview" => stats::overview: stats::OverviewArgs => stats::Overview,
    "stats.campaign" => stats::campaign: IdArgs => stats::CampaignStats,
    "webhook.get" => webhooks::get: IdArgs => crate::store::call_events::EventDetail,
    "elevenlabs.status" => elevenlabs::status: NoArgs => elevenlabs::Status,
    "elevenlabs.test" => elevenlabs::test: NoArgs => elevenlabs::TestResult,
    "elevenlabs.agents" => elevenlabs::agents: NoArgs => Vec<crate::providers::elevenlabs::types::AgentSummary>,
    "elevenlabs.phone_numbers" => elevenlabs::phone_numbers: NoArgs => Vec<crate::providers::elevenlabs::types::PhoneNumber>,
    "elevenlabs.campaign.get" => elevenlabs::campaign_get: elevenlabs::CampaignArgs => elevenlabs::CampaignView,
    "elevenlabs.campaign.set" => elevenlabs::campaign_set: elevenlabs::SetupArgs => crate::store::elevenlabs::CampaignSetup,
    "elevenlabs.batch.retry" => elevenlabs::retry_failed: elevenlabs::CampaignArgs => elevenlabs::Requeued,
    "elevenlabs.batch.cancel" => elevenlabs::batch_cancel: elevenlabs::CampaignArgs => Option<crate::store::elevenlabs::BatchRow>,
    "elevenlabs.webhook.register" => elevenlabs::webhook_register: elevenlabs::RegisterArgs => crate::providers::elevenlabs::webhook_setup::WebhookState,
    "elevenlabs.webhook.status" => elevenlabs::webhook_status: NoArgs => Option<crate::providers::elevenlabs::webhook_setup::WebhookState>,
    "elevenlabs.webhook.enable" => elevenlabs::webhook_enable: NoArgs => crate::providers::elevenlabs::webhook_setup::WebhookState,
    "settings.get" => setup::settings_get: NoArgs => crate::setup::settings::Settings,
    "settings.update" => setup::settings_update: serde_json::Value => crate::setup::settings::Settings,
    "secret.status" => setup::secret_status: NoArgs => setup::SecretsOut,
    "secret.set" => setup::secret_set: setup::SetSecretArgs => crate::secret_store::SecretStatus,
    "secret.clear" => setup::secret_clear: setup::SecretNameArgs => crate::secret_store::SecretStatus,
    "setup.status" => setup::status: NoArgs => setup::SetupStatus,
    "setup.selftest" => setup::selftest: NoArgs => crate::setup::selftest::SelfTestResult,
    "carrier.status" => carriers::status: NoArgs => carriers::CarriersOut,
    "carrier.settings.set" => carriers::settings_set: serde_json::Value => carriers::CarriersOut,
    "provider.test" => setup::provider_test: setup::ProviderArgs => crate::setup::provider_check::ProviderCheck,
    "backup.create" => setup::backup_create: setup::BackupArgs => crate::setup::backup::BackupSummary,
    "backup.list" => restore::list: NoArgs => restore::BackupList,
    "backup.inspect" => restore::inspect: restore::PathArgs => restore::RestorePreview,
    "backup.restore" => restore::stage: restore::PathArgs => restore::RestoreStaged,
    "backup.restore_cancel" => restore::cancel: NoArgs => restore::Cancelled,
    "app.restart" => restore::restart: NoArgs => restore::Restarting,
    "data.wipe" => setup::wipe_everything: setup::WipeArgs => crate::setup::wipe::WipeSummary,
    "demo.start" => demo::start: NoArgs => info::AppInfo,
    "demo.leave" => demo::leave: NoArgs => info::AppInfo,
    "dnc.list" => dnc::list: dnc::ListArgs => dnc::DncPage,
    "dnc.add" => dnc::add: dnc::AddArgs => crate::store::dnc::DncEntry,
    "dnc.remove" => dnc::remove: dnc::RemoveArgs => dnc::Removed,
    "contact.callback" => engine::callback: engine::CallbackArgs => engine::CallbackResult,
    "engine.settings.get" => engine::settings_get: NoArgs => crate::engine::settings::EngineSettings,
    "engine.settings.set" => engine::settings_set: serde_json::Value => crate::engine::settings::EngineSettings,
    "ui.endpoint" => endpoint::ui_endpoint: NoArgs => endpoint::UiEndpoint,
    "agent.openai.get" => openai::profile_get: openai::AgentArgs => openai::ProfileOut,
    "agent.openai.set" => openai::profile_set: openai::SetProfileArgs => openai::ProfileOut,
    "agent.prompt_preview" => openai::prompt_preview: openai::PreviewArgs => openai::PromptPreview,
    "agent.prompt_versions" => openai::prompt_versions: openai::AgentArgs => Vec<crate::store::openai_profiles::PromptVersion>,
    "openai.prices.get" => openai::prices_get: NoArgs => crate::openai::settings::Prices,
    "openai.prices.set" => openai::prices_set: crate::openai::settings::Prices => crate::openai::settings::Prices,
    "openai.sip.get" => openai::sip_get: NoArgs => crate::openai::settings::SipSettings,
    "openai.sip.set" => openai::sip_set: crate::openai::settings::SipSettings => crate::openai::settings::SipSettings,
}

/// Runs one command.
#[tracing::instrument(skip_all, fields(cmd = %req.cmd, actor = actor.as_str()))]
pub async fn dispatch(app: &App, actor: Actor, req: RpcRequest) -> Result<Value, ApiError> {
    let result = route(app, actor, &req.cmd, req.args).await;
    if let Err(e) = &result {
        tracing::debug!(code = ?e.code, message = %e.message, "command failed");
    }
    result
}

fn parse_args<T: DeserializeOwned>(cmd: &str, args: Value) -> Result<T, ApiError> {
    let args = if args.is_null() {
        Value::Object(Default::default())
    } else {
        args
    };
    serde_json::from_value(args)
        .map_err(|e| ApiError::new(ErrorCode::BadRequest, format!("bad arguments for '{cmd}': {e}")))
}
