//! `stats.analytics`: the Analytics page's figures over a period (default: the last 30 days), per day, per
//! campaign and per agent, with rates, dispositions, sentiment and the phrases contacts say most.

use jiff::SignedDuration;
use serde::{Deserialize, Serialize};

use super::{Actor, ApiError, ErrorCode};
use crate::{
    app::App,
    clock::{from_db, to_db},
    store::{
        StoreResult,
        analytics::{self, By, Group, Kpis, Scope},
    },
};

/// Days in one answer at most (a year).
const MAX_DAYS: i64 = 366;
/// Transcript lines read for the top phrases.
const PHRASE_LINES: i64 = 20_000;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalyticsArgs {
    /// The first day's start (RFC 3339; the UI sends its local midnight). Default: 30 days before `until`.
    pub since: Option<String>,
    /// The end (exclusive). Default: now (the calls placed this instant included).
    pub until: Option<String>,
    pub campaign_id: Option<i64>,
    pub agent_id: Option<i64>,
}

/// Rates of a group, in 0..=1 (`None` when there is nothing to divide by).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rates {
    pub connect_rate: Option<f64>,
    pub success_rate: Option<f64>,
    pub voicemail_rate: Option<f64>,
    pub cost_per_success: Option<f64>,
}

impl Rates {
    pub fn of(k: &Kpis) -> Rates {
        let ratio = |a: f64, b: i64| (b > 0).then(|| a / b as f64);
        Rates {
            connect_rate: ratio(k.connects as f64, k.dials),
            success_rate: ratio(k.successes as f64, k.connects),
            voicemail_rate: ratio(k.voicemails as f64, k.dials),
            cost_per_success: ratio(k.cost, k.successes),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    #[serde(flatten)]
    pub group: Group,
    #[serde(flatten)]
    pub rates: Rates,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analytics {
    pub since: String,
    pub until: String,
    pub totals: Kpis,
    pub rates: Rates,
    pub days: Vec<Row>,
    pub by_campaign: Vec<Row>,
    pub by_agent: Vec<Row>,
    pub dispositions: Vec<(String, i64)>,
    pub sentiment: Vec<(String, i64)>,
    pub top_phrases: Vec<(String, i64)>,
}

fn time(field: &str, v: Option<&str>) -> Result<Option<jiff::Timestamp>, ApiError> {
    v.map(|s| {
        from_db(s).ok_or_else(|| {
            ApiError::new(
                ErrorCode::Validation,
                format!("{field}: '{s}' is not an RFC 3339 time"),
            )
        })
    })
    .transpose()
}

fn rows(groups: Vec<Group>) -> Vec<Row> {
    groups
        .into_iter()
        .map(|group| Row {
            rates: Rates::of(&group.kpis),
            group,
        })
        .collect()
}

pub async fn analytics(app: &App, _actor: Actor, args: AnalyticsArgs) -> Result<Analytics, ApiError> {
    // `until` is exclusive: by default just after now, so a call placed this instant counts.
    let until = time("until", args.until.as_deref())?
        .unwrap_or_else(|| app.clock.now() + SignedDuration::from_secs(1));
    let since = time("since", args.since.as_deref())?.unwrap_or(until - SignedDuration::from_hours(24 * 30));
    if since >= until {
        return Err(ApiError::new(
            ErrorCode::Validation,
            "since: must be before until",
        ));
    }
    let days = ((until - since).as_secs() + 86_399) / 86_400;
    if days > MAX_DAYS {
        return Err(ApiError::new(
            ErrorCode::Validation,
            format!("the period is {days} days; at most {MAX_DAYS}"),
        ));
    }
    let scope = Scope {
        since: to_db(since),
        until: to_db(until),
        campaign_id: args.campaign_id,
        agent_id: args.agent_id,
    };
    let s = scope.clone();
    let (totals, per_day, by_campaign, by_agent, (dispositions, sentiment), lines) = app
        .store
        .read(move |c| -> StoreResult<_> {
            Ok((
                analytics::totals(c, &s)?,
                analytics::per_day(c, &s, days as usize, 86_400)?,
                analytics::per(c, &s, By::Campaign)?,
                analytics::per(c, &s, By::Agent)?,
                analytics::labels(c, &s)?,
                analytics::contact_lines(c, &s, PHRASE_LINES)?,
            ))
        })
        .await?;
    let top_phrases = tokio::task::spawn_blocking(move || analytics::top_phrases(&lines, 15))
        .await
        .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
    Ok(Analytics {
        since: scope.since,
        until: scope.until,
        rates: Rates::of(&totals),
        totals,
        days: rows(per_day),
        by_campaign: rows(by_campaign),
        by_agent: rows(by_agent),
        dispositions,
        sentiment,
        top_phrases,
    })
}
