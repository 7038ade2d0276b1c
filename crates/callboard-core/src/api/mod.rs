//! The command table: every command the UI or a script can run, declared once with its argument and
//! response types. Tauri's `rpc` command and the UI listener's `POST /api/rpc` both call [`dispatch`], so the
//! two transports cannot drift apart.

mod agents;
mod campaigns;
pub mod contacts;
pub mod error;
pub mod imports;
mod info;
pub mod sheets;
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
    "contact.list" => contacts::list: contacts::ListArgs => contacts::ContactPage,
    "import.preview" => imports::preview: imports::ImportArgs => imports::PreviewOut,
    "import.commit" => imports::commit: imports::ImportArgs => imports::ImportRef,
    "import.cancel" => imports::cancel: imports::ImportIdArgs => imports::CancelOut,
    "import.status" => imports::status: imports::ImportIdArgs => imports::StatusOut,
    "import.upload_piece" => imports::upload_piece: imports::UploadPieceArgs => crate::listener::ui_files::Uploaded,
    "import.fetch_sheet" => sheets::fetch_sheet: sheets::FetchSheetArgs => sheets::FetchedSheet,
    "import.errors" => imports::errors: imports::ImportIdArgs => imports::ErrorsOut,
    "import.template.save" => imports::save_template: imports::TemplateArgs => crate::store::import_templates::Template,
    "webhook.list" => webhooks::list: webhooks::ListArgs => webhooks::WebhookList,
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
