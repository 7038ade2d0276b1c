//! The Calls page: `call.history` (finished calls, filtered and searched across transcripts and summaries,
//! keyset pages newest first) and `call.export` (the same selection as a CSV a spreadsheet opens safely).

use serde::{Deserialize, Serialize};

use super::{Actor, ApiError, ErrorCode};
use crate::{
    app::App,
    clock::{from_db, to_db},
    store::{
        StoreResult,
        call_board::{self, BoardCall},
        call_history::{self, HistoryFilter},
    },
};

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
    pub csv: String,
}

pub async fn export(app: &App, _actor: Actor, mut args: HistoryArgs) -> Result<CallExport, ApiError> {
    args.before = None;
    let f = filter(args, EXPORT_MAX_ROWS + 1)?;
    let stamp = app.clock.now().strftime("%Y%m%d-%H%M").to_string();
    let (calls, transcripts) = app
        .store
        .read(move |c| -> StoreResult<_> {
            let calls = call_history::page(c, &f)?;
            let transcripts = calls
                .iter()
                .take(EXPORT_MAX_ROWS as usize)
                .map(|k| call_board::transcript(c, k.id))
                .collect::<StoreResult<Vec<_>>>()?;
            Ok((calls, transcripts))
        })
        .await?;
    let truncated = calls.len() as i64 > EXPORT_MAX_ROWS;
    let csv = to_csv(calls.iter().zip(transcripts.iter()))
        .map_err(|e| ApiError::new(ErrorCode::Internal, format!("cannot write the export: {e}")))?;
    Ok(CallExport {
        filename: format!("callboard-calls-{stamp}.csv"),
        rows: transcripts.len(),
        truncated,
        csv,
    })
}

const HEADER: [&str; 16] = [
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
    "transcript",
];

fn to_csv<'a>(
    rows: impl Iterator<Item = (&'a BoardCall, &'a Vec<call_board::TranscriptLine>)>,
) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(HEADER)?;
    for (k, lines) in rows {
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
        let opt = |v: &Option<String>| defuse(v.as_deref().unwrap_or(""));
        let num = |v: Option<f64>| v.map(|n| n.to_string()).unwrap_or_default();
        w.write_record([
            k.id.to_string(),
            opt(&k.ended_at),
            opt(&k.campaign_name),
            opt(&k.contact_name),
            // A phone number starts with `+`: kept as it is, it is not a formula in any spreadsheet.
            k.contact_phone.clone().unwrap_or_default(),
            opt(&k.agent_name),
            k.provider.clone(),
            k.status.clone(),
            opt(&k.outcome),
            opt(&k.disposition),
            num(k.duration_s),
            num(k.cost),
            opt(&k.sentiment),
            opt(&k.started_at),
            opt(&k.error),
            defuse(&transcript),
        ])?;
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Free text that starts like a formula (`=`, `+`, `-`, `@`, tab, CR) gets a leading `'`, so a spreadsheet
/// shows it instead of running it (OWASP CSV injection).
fn defuse(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::defuse;

    #[test]
    fn formulas_in_free_text_are_defused() {
        assert_eq!(defuse("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(defuse("-2+3"), "'-2+3");
        assert_eq!(defuse("Booked a test drive"), "Booked a test drive");
    }
}
