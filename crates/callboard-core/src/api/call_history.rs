//! The Calls page: `call.history` (finished calls, filtered and searched across transcripts and summaries,
//! keyset pages newest first) and `call.export` (the same selection as CSV, XLSX or JSON, through the shared
//! `export` writer, so a spreadsheet opens it safely).

use serde::{Deserialize, Serialize};

use super::{Actor, ApiError, ErrorCode};
use crate::{
    app::App,
    clock::{from_db, to_db},
    export::{Cell, ExportError, Format, TableWriter, datasets},
    store::{
        StoreResult,
        call_board::{self, BoardCall},
        call_history::{self, HistoryFilter},
    },
};
use base64::Engine as _;

/// Rows in one export; a bigger selection is cut and says so.
pub const EXPORT_MAX_ROWS: i64 = 50_000;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryArgs {
    pub search: Option<String>,
    pub campaign_id: Option<i64>,
    pub agent_id: Option<i64>,
    /// Final statuses: `completed`, `transferred`, `voicemail`, `no_answer`, `busy`, `failed`, `cancelled`.
    #[serde(default)]
    pub outcome: Vec<String>,
    /// Ended at or after / before this time (RFC 3339).
    pub since: Option<String>,
    pub until: Option<String>,
    /// The previous page's `next_before`.
    pub before: Option<i64>,
    /// Default 100, at most 500.
    pub limit: Option<i64>,
    /// `call.export` only: `csv` (the default), `xlsx` or `json`.
    pub format: Option<Format>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryPage {
    pub calls: Vec<BoardCall>,
    /// Pass as `before` for the next page; `None` on the last page.
    pub next_before: Option<i64>,
    /// How many calls match, on the first page only.
    pub total: Option<i64>,
}

fn time_arg(field: &str, v: Option<String>) -> Result<Option<String>, ApiError> {
    v.filter(|s| !s.trim().is_empty())
        .map(|s| {
            from_db(s.trim()).map(to_db).ok_or_else(|| {
                ApiError::new(
                    ErrorCode::Validation,
                    format!("{field}: '{s}' is not an RFC 3339 time"),
                )
            })
        })
        .transpose()
}

fn filter(args: HistoryArgs, limit: i64) -> Result<HistoryFilter, ApiError> {
    Ok(HistoryFilter {
        search: args.search.filter(|s| !s.trim().is_empty()),
        campaign_id: args.campaign_id,
        agent_id: args.agent_id,
        outcomes: args.outcome,
        since: time_arg("since", args.since)?,
        until: time_arg("until", args.until)?,
        before: args.before,
        limit,
    })
}

pub async fn history(app: &App, _actor: Actor, args: HistoryArgs) -> Result<HistoryPage, ApiError> {
    let limit = args.limit.unwrap_or(100).clamp(1, 500);
    let first = args.before.is_none();
    let f = filter(args, limit)?;
    let (calls, total) = app
        .store
        .read(move |c| -> StoreResult<_> {
            let calls = call_history::page(c, &f)?;
            let total = if first {
                Some(call_history::count(c, &f)?)
            } else {
                None
            };
            Ok((calls, total))
        })
        .await?;
    let next_before = (calls.len() as i64 == limit)
        .then(|| calls.last().map(|c| c.id))
        .flatten();
    Ok(HistoryPage {
        calls,
        next_before,
        total,
    })
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallExport {
    pub filename: String,
    pub rows: usize,
    /// The selection had more than `EXPORT_MAX_ROWS` calls; the newest were kept.
    pub truncated: bool,
    pub media_type: &'static str,
    /// `utf-8` text (CSV, JSON) or `base64` (XLSX).
    pub encoding: &'static str,
    pub content: String,
}

pub async fn export(app: &App, _actor: Actor, mut args: HistoryArgs) -> Result<CallExport, ApiError> {
    args.before = None;
    let format = args.format.take().unwrap_or(Format::Csv);
    let f = filter(args, EXPORT_MAX_ROWS + 1)?;
    let stamp = app.clock.now().strftime("%Y%m%d-%H%M").to_string();
    let (calls, details) = app
        .store
        .read(move |c| -> StoreResult<_> {
            let calls = call_history::page(c, &f)?;
            let mut after_call = c.prepare_cached(datasets::AFTER_CALL_SQL)?;
            let details = calls
                .iter()
                .take(EXPORT_MAX_ROWS as usize)
                .map(|k| {
                    let after = after_call.query_row([k.id], |r| Ok([r.get(0)?, r.get(1)?, r.get(2)?]))?;
                    Ok((call_board::transcript(c, k.id)?, after))
                })
                .collect::<StoreResult<Vec<_>>>()?;
            Ok((calls, details))
        })
        .await?;
    let truncated = calls.len() as i64 > EXPORT_MAX_ROWS;
    let bytes = write(format, calls.iter().zip(details.iter()))
        .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
    let (media_type, encoding, content) = match format {
        Format::Csv => ("text/csv", "utf-8", String::from_utf8_lossy(&bytes).into_owned()),
        Format::Json => (
            "application/json",
            "utf-8",
            String::from_utf8_lossy(&bytes).into_owned(),
        ),
        Format::Xlsx => (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "base64",
            base64::engine::general_purpose::STANDARD.encode(&bytes),
        ),
    };
    Ok(CallExport {
        filename: format!("callboard-calls-{stamp}.{}", format.extension()),
        rows: details.len(),
        truncated,
        media_type,
        encoding,
        content,
    })
}

/// A call's transcript, and its summary, evaluation and collected data ([`datasets::AFTER_CALL_SQL`]).
type CallDetails = (Vec<call_board::TranscriptLine>, [Option<String>; 3]);

const HEADER: [&str; 19] = [
    "call_id",
    "ended_at",
    "campaign",
    "contact",
    "phone",
    "agent",
    "provider",
    "status",
    "outcome",
    "disposition",
    "duration_s",
    "cost",
    "sentiment",
    "started_at",
    "error",
    "summary",
    "evaluation",
    "collected",
    "transcript",
];

fn write<'a>(
    format: Format,
    rows: impl Iterator<Item = (&'a BoardCall, &'a CallDetails)>,
) -> Result<Vec<u8>, ExportError> {
    let mut w = TableWriter::new(format, &HEADER, Vec::new())?;
    for (k, (lines, [summary, evaluation, collected])) in rows {
        let transcript = lines
            .iter()
            .map(|l| {
                format!(
                    "{}: {}",
                    if l.role == "agent" { "Agent" } else { "Contact" },
                    l.text
                )
            })
            .collect::<Vec<_>>()
            .join("\n");
        w.row(&[
            Cell::Int(k.id),
            Cell::literal(k.ended_at.as_deref()),
            Cell::text(k.campaign_name.as_deref()),
            Cell::text(k.contact_name.as_deref()),
            // A phone number starts with `+`: kept as it is, it is not a formula in any spreadsheet.
            Cell::literal(k.contact_phone.as_deref()),
            Cell::text(k.agent_name.as_deref()),
            Cell::Literal(k.provider.clone()),
            Cell::Literal(k.status.clone()),
            Cell::literal(k.outcome.as_deref()),
            Cell::text(k.disposition.as_deref()),
            Cell::real(k.duration_s),
            Cell::real(k.cost),
            Cell::text(k.sentiment.as_deref()),
            Cell::literal(k.started_at.as_deref()),
            Cell::text(k.error.as_deref()),
            Cell::text(summary.as_deref()),
            Cell::text(evaluation.as_deref()),
            Cell::text(collected.as_deref()),
            Cell::Text(transcript),
        ])?;
    }
    w.finish()
}
