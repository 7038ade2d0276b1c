//! Queries on the `campaigns` table, with the per-campaign contact counters the list shows.

use rusqlite::{Connection, ErrorCode, Row, params};

use super::{StoreError, StoreResult, agents, found};
use crate::campaign::{Campaign, CampaignSettings, CampaignStatus, Provider};

const SELECT: &str = "SELECT c.id, c.name, c.description, c.status, c.provider, c.agent_id, c.max_concurrent,
        c.calls_per_second, c.hours_preset, c.time_zone, c.created_at, c.updated_at, c.from_number, c.status_reason,
        c.retry_policy, c.breaker, c.max_call_seconds,
        c.contacts_total, c.contacts_done, c.start_at, c.end_at, c.end_action, c.reserved_headroom
    FROM campaigns c";

/// A JSON settings column; `{}` and missing fields take the defaults.
fn json_column<T: serde::de::DeserializeOwned>(r: &Row<'_>, i: usize) -> rusqlite::Result<T> {
    let text: String = r.get(i)?;
    serde_json::from_str(&text)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e)))
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<Campaign> {
    let bad = |i: usize, what: &str, v: String| {
        rusqlite::Error::FromSqlConversionFailure(
            i,
            rusqlite::types::Type::Text,
            format!("unknown campaign {what} '{v}'").into(),
        )
    };
    let status: String = r.get(3)?;
    let provider: String = r.get(4)?;
    Ok(Campaign {
        id: r.get(0)?,
        name: r.get(1)?,
        description: r.get(2)?,
        status: CampaignStatus::parse(&status).ok_or_else(|| bad(3, "status", status.clone()))?,
        provider: Provider::parse(&provider).ok_or_else(|| bad(4, "provider", provider.clone()))?,
        agent_id: r.get(5)?,
        max_concurrent: r.get(6)?,
        calls_per_second: r.get(7)?,
        hours_preset: r.get(8)?,
        time_zone: r.get(9)?,
        created_at: r.get(10)?,
        updated_at: r.get(11)?,
        from_number: r.get(12)?,
        status_reason: r.get(13)?,
        retry_policy: json_column(r, 14)?,
        breaker: json_column(r, 15)?,
        max_call_seconds: r.get(16)?,
        contacts: r.get(17)?,
        completed: r.get(18)?,
        start_at: r.get(19)?,
        end_at: r.get(20)?,
        end_action: r.get(21)?,
        reserved_headroom: r.get(22)?,
    })
}

pub fn list(conn: &Connection) -> StoreResult<Vec<Campaign>> {
    let mut stmt = conn.prepare_cached(&format!("{SELECT} ORDER BY c.created_at DESC, c.id DESC"))?;
    let rows = stmt.query_map([], from_row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

pub fn get(conn: &Connection, id: i64) -> StoreResult<Campaign> {
    // Cached: the engine reads its campaigns back after every step that changed them (parsing this was the
    // last statement compiled per step).
    found(
        "campaign",
        id,
        conn.prepare_cached(&format!("{SELECT} WHERE c.id = ?1"))?
            .query_row([id], from_row),
    )
}

pub fn find_by_name(conn: &Connection, name: &str) -> StoreResult<Campaign> {
    found(
        "campaign",
        name,
        conn.query_row(
            &format!("{SELECT} WHERE c.name = ?1 COLLATE NOCASE"),
            [name],
            from_row,
        ),
    )
}

fn to_json<T: serde::Serialize>(v: &T) -> StoreResult<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn check_agent(conn: &Connection, s: &CampaignSettings) -> StoreResult<()> {
    match s.agent_id {
        Some(id) if !agents::exists(conn, id)? => Err(StoreError::NotFound {
            what: "agent",
            id: id.to_string(),
        }),
        _ => Ok(()),
    }
}

fn name_conflict(e: rusqlite::Error, name: &str) -> StoreError {
    match e.sqlite_error_code() {
        Some(ErrorCode::ConstraintViolation) => {
            StoreError::Conflict(format!("a campaign named '{name}' already exists"))
        }
        _ => e.into(),
    }
}

pub fn insert(
    conn: &Connection,
    s: &CampaignSettings,
    status: CampaignStatus,
    now: &str,
) -> StoreResult<Campaign> {
    check_agent(conn, s)?;
    conn.execute(
        "INSERT INTO campaigns(name, description, status, provider, agent_id, max_concurrent, calls_per_second,
                               hours_preset, time_zone, created_at, updated_at, from_number, retry_policy, breaker,
                               max_call_seconds, start_at, end_at, end_action, reserved_headroom)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
        params![
            s.name,
            s.description,
            status.as_str(),
            s.provider.as_str(),
            s.agent_id,
            s.max_concurrent,
            s.calls_per_second,
            s.hours_preset,
            s.time_zone,
            now,
            s.from_number,
            to_json(&s.retry_policy)?,
            to_json(&s.breaker)?,
            s.max_call_seconds,
            s.start_at,
            s.end_at,
            s.end_action,
            s.reserved_headroom
        ],
    )
    .map_err(|e| name_conflict(e, &s.name))?;
    get(conn, conn.last_insert_rowid())
}

pub fn update(conn: &Connection, id: i64, s: &CampaignSettings, now: &str) -> StoreResult<Campaign> {
    check_agent(conn, s)?;
    let n = conn
        .execute(
            "UPDATE campaigns SET name = ?2, description = ?3, provider = ?4, agent_id = ?5, max_concurrent = ?6,
                calls_per_second = ?7, hours_preset = ?8, time_zone = ?9, updated_at = ?10, from_number = ?11,
                retry_policy = ?12, breaker = ?13, max_call_seconds = ?14, start_at = ?15, end_at = ?16,
                end_action = ?17, reserved_headroom = ?18
             WHERE id = ?1",
            params![
                id,
                s.name,
                s.description,
                s.provider.as_str(),
                s.agent_id,
                s.max_concurrent,
                s.calls_per_second,
                s.hours_preset,
                s.time_zone,
                now,
                s.from_number,
                to_json(&s.retry_policy)?,
                to_json(&s.breaker)?,
                s.max_call_seconds,
                s.start_at,
                s.end_at,
                s.end_action,
                s.reserved_headroom
            ],
        )
        .map_err(|e| name_conflict(e, &s.name))?;
    if n == 0 {
        return Err(StoreError::NotFound {
            what: "campaign",
            id: id.to_string(),
        });
    }
    get(conn, id)
}

pub fn set_status(
    conn: &Connection,
    id: i64,
    status: CampaignStatus,
    reason: &str,
    now: &str,
) -> StoreResult<Campaign> {
    let n = conn.execute(
        "UPDATE campaigns SET status = ?2, status_reason = ?3, updated_at = ?4 WHERE id = ?1",
        params![id, status.as_str(), reason, now],
    )?;
    if n == 0 {
        return Err(StoreError::NotFound {
            what: "campaign",
            id: id.to_string(),
        });
    }
    get(conn, id)
}

pub fn delete(conn: &Connection, id: i64) -> StoreResult<()> {
    let n = conn.execute("DELETE FROM campaigns WHERE id = ?1", [id])?;
    if n == 0 {
        return Err(StoreError::NotFound {
            what: "campaign",
            id: id.to_string(),
        });
    }
    Ok(())
}

/// Adds every contact of campaign `from` to campaign `to` as pending, in `from`'s list order (those already
/// in `to` are left alone); returns how many were added.
pub fn copy_contacts(conn: &Connection, to: i64, from: i64, now: &str) -> StoreResult<usize> {
    get(conn, from)?;
    get(conn, to)?;
    Ok(conn.execute(
        "INSERT OR IGNORE INTO campaign_contacts(campaign_id, contact_id, state, created_at, updated_at)
         SELECT ?1, contact_id, 'pending', ?3, ?3 FROM campaign_contacts WHERE campaign_id = ?2 ORDER BY rowid",
        params![to, from, now],
    )?)
}
