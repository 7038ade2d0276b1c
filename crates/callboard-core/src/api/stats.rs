//! `stats.overview` (today's KPIs with an hourly series) and `stats.campaign` (a campaign's dashboard:
//! progress by outcome, calls per minute, connect and success rates).

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use super::{Actor, ApiError, ErrorCode, IdArgs};
use crate::{
    app::App,
    clock::{from_db, to_db},
    store::{
        StoreResult, campaigns,
        stats::{self, Bucket, Totals},
    },
};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverviewArgs {
    /// Where "today" starts (RFC 3339; the UI sends its local midnight). Default: 24 hours ago.
    pub since: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Overview {
    pub since: String,
    pub totals: Totals,
    pub connect_rate: Option<f64>,
    pub success_rate: Option<f64>,
    /// Hourly buckets from `since` (up to 24).
    pub hourly: Vec<Bucket>,
    /// The last 30 minutes, one bucket per minute.
    pub per_minute: Vec<Bucket>,
    pub running_campaigns: i64,
}

fn rate(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// `at` floored to a multiple of `secs`.
fn floor(at: Timestamp, secs: i64) -> Timestamp {
    let s = at.as_second();
    Timestamp::from_second(s - s.rem_euclid(secs)).unwrap_or(at)
}

pub async fn overview(app: &App, _actor: Actor, args: OverviewArgs) -> Result<Overview, ApiError> {
    let now = app.clock.now();
    let since = match args.since.as_deref() {
        Some(s) => from_db(s).ok_or_else(|| {
            ApiError::new(
                ErrorCode::Validation,
                format!("since: '{s}' is not an RFC 3339 time"),
            )
        })?,
        None => floor(now - SignedDuration::from_hours(23), 3600),
    };
    let hours = (((now - since).as_secs() / 3600) + 1).clamp(1, 24) as usize;
    let minute_start = floor(now - SignedDuration::from_mins(29), 60);
    let since_db = to_db(since);
    let (totals, hourly, per_minute, running) = app
        .store
        .read(move |c| -> StoreResult<_> {
            let running: i64 = c.query_row(
                "SELECT COUNT(*) FROM campaigns WHERE status = 'running'",
                [],
                |r| r.get(0),
            )?;
            Ok((
                stats::totals(c, &since_db, None)?,
                stats::series(c, since, hours, 3600, None)?,
                stats::series(c, minute_start, 30, 60, None)?,
                running,
            ))
        })
        .await?;
    Ok(Overview {
        since: to_db(since),
        connect_rate: rate(totals.connects, totals.dials - totals.in_flight),
        success_rate: rate(totals.successes, totals.connects),
        totals,
        hourly,
        per_minute,
        running_campaigns: running,
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct OutcomeCount {
    pub outcome: String,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct CampaignStats {
    pub campaign_id: i64,
    /// Every call of the campaign, by outcome (`in_flight` for those not ended).
    pub by_outcome: Vec<OutcomeCount>,
    pub totals: Totals,
    pub connect_rate: Option<f64>,
    pub success_rate: Option<f64>,
    /// Dials per minute over the last 10 minutes.
    pub calls_per_minute: f64,
    /// The last 30 minutes, one bucket per minute.
    pub per_minute: Vec<Bucket>,
}

pub async fn campaign(app: &App, _actor: Actor, args: IdArgs) -> Result<CampaignStats, ApiError> {
    let id = args.id;
    let now = app.clock.now();
    let minute_start = floor(now - SignedDuration::from_mins(29), 60);
    let (by_outcome, totals, per_minute) = app
        .store
        .read(move |c| -> StoreResult<_> {
            campaigns::get(c, id)?;
            Ok((
                stats::by_outcome(c, id)?,
                stats::totals(c, "", Some(id))?,
                stats::series(c, minute_start, 30, 60, Some(id))?,
            ))
        })
        .await?;
    let last10: i64 = per_minute.iter().rev().take(10).map(|b| b.dials).sum();
    Ok(CampaignStats {
        campaign_id: id,
        by_outcome: by_outcome
            .into_iter()
            .map(|(outcome, count)| OutcomeCount { outcome, count })
            .collect(),
        connect_rate: rate(totals.connects, totals.dials - totals.in_flight),
        success_rate: rate(totals.successes, totals.connects),
        calls_per_minute: last10 as f64 / 10.0,
        totals,
        per_minute,
    })
}
