//! Figures for the Analytics page over a period: KPIs per day, per campaign and per agent, dispositions,
//! sentiment, and the words contacts say most (from the live transcript lines). The counting rules are the
//! Overview's (`stats`): a connect ended answered by a person, a success is a connect whose disposition
//! says so, a voicemail is an attempt a machine took.

use std::collections::HashMap;

use rusqlite::{Connection, params};
use serde::Serialize;

use super::{StoreResult, attempts::IN_FLIGHT};

/// Counts over a group of calls.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Kpis {
    pub dials: i64,
    pub connects: i64,
    pub successes: i64,
    pub voicemails: i64,
    /// Average talk time of connected calls, seconds.
    pub avg_duration_s: Option<f64>,
    pub cost: f64,
}

/// One group: a day, a campaign or an agent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    /// The day's start (RFC 3339), or the campaign's / agent's id.
    pub key: String,
    pub name: String,
    #[serde(flatten)]
    pub kpis: Kpis,
}

/// Which calls: created in `[since, until)`, optionally of one campaign or agent.
#[derive(Debug, Clone, PartialEq)]
pub struct Scope {
    pub since: String,
    pub until: String,
    pub campaign_id: Option<i64>,
    pub agent_id: Option<i64>,
}

const CONNECTED: &str = "(k.outcome = 'answered')";
const SUCCESS: &str = "k.disposition IN ('success', 'successful', 'converted', 'booked', 'transferred')";
const TALK: &str = "COALESCE(k.duration_s, CASE WHEN k.ended_at IS NOT NULL AND k.answered_at IS NOT NULL \
    THEN (julianday(k.ended_at) - julianday(k.answered_at)) * 86400.0 END)";
const WHERE: &str = "k.created_at >= ?1 AND k.created_at < ?2 AND (?3 IS NULL OR k.campaign_id = ?3) \
    AND (?4 IS NULL OR k.agent_id = ?4)";

fn kpi_columns() -> String {
    format!(
        "COUNT(*), COALESCE(SUM({CONNECTED}), 0), COALESCE(SUM({SUCCESS}), 0), \
         COALESCE(SUM(k.outcome = 'voicemail' OR k.status = 'voicemail'), 0), \
         AVG(CASE WHEN {CONNECTED} THEN {TALK} END), COALESCE(SUM(k.cost), 0.0)"
    )
}

fn kpis_at(r: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<Kpis> {
    Ok(Kpis {
        dials: r.get(first)?,
        connects: r.get(first + 1)?,
        successes: r.get(first + 2)?,
        voicemails: r.get(first + 3)?,
        avg_duration_s: r.get(first + 4)?,
        cost: r.get(first + 5)?,
    })
}

pub fn totals(conn: &Connection, s: &Scope) -> StoreResult<Kpis> {
    let sql = format!("SELECT {} FROM calls k WHERE {WHERE}", kpi_columns());
    Ok(
        conn.query_row(&sql, params![s.since, s.until, s.campaign_id, s.agent_id], |r| {
            kpis_at(r, 0)
        })?,
    )
}

/// Per day from `since` (days of `day_s` seconds, so a caller can start them at its own midnight).
pub fn per_day(conn: &Connection, s: &Scope, days: usize, day_s: i64) -> StoreResult<Vec<Group>> {
    let start = crate::clock::from_db(&s.since).unwrap_or_default();
    let mut out: Vec<Group> = (0..days)
        .map(|i| Group {
            key: crate::clock::to_db(start + jiff::SignedDuration::from_secs(day_s * i as i64)),
            name: String::new(),
            kpis: Kpis::default(),
        })
        .collect();
    let sql = format!(
        "SELECT CAST((unixepoch(k.created_at) - unixepoch(?1)) / ?5 AS INTEGER) AS b, {} \
         FROM calls k WHERE {WHERE} GROUP BY b",
        kpi_columns()
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![s.since, s.until, s.campaign_id, s.agent_id, day_s], |r| {
        Ok((r.get::<_, i64>(0)?, kpis_at(r, 1)?))
    })?;
    for row in rows {
        let (b, kpis) = row?;
        if let Some(slot) = usize::try_from(b).ok().and_then(|b| out.get_mut(b)) {
            slot.kpis = kpis;
        }
    }
    Ok(out)
}

/// Per campaign or per agent (`by` is `campaign` or `agent`), most dials first.
pub fn per(conn: &Connection, s: &Scope, by: By) -> StoreResult<Vec<Group>> {
    let (col, table) = match by {
        By::Campaign => ("k.campaign_id", "campaigns"),
        By::Agent => ("k.agent_id", "agents"),
    };
    let sql = format!(
        "SELECT {col}, COALESCE((SELECT name FROM {table} WHERE id = {col}), ''), {} \
         FROM calls k WHERE {WHERE} AND {col} IS NOT NULL GROUP BY {col} ORDER BY COUNT(*) DESC, 2 LIMIT 50",
        kpi_columns()
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(params![s.since, s.until, s.campaign_id, s.agent_id], |r| {
            Ok(Group {
                key: r.get::<_, i64>(0)?.to_string(),
                name: r.get(1)?,
                kpis: kpis_at(r, 2)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    Campaign,
    Agent,
}

/// `[label, count]` pairs, most first.
pub type LabelCounts = Vec<(String, i64)>;

/// Counts by disposition and by sentiment of the calls that have one.
pub fn labels(conn: &Connection, s: &Scope) -> StoreResult<(LabelCounts, LabelCounts)> {
    let count = |expr: &str| -> StoreResult<LabelCounts> {
        let sql = format!(
            "SELECT {expr} AS l, COUNT(*) FROM calls k WHERE {WHERE} AND {expr} IS NOT NULL \
             GROUP BY l ORDER BY COUNT(*) DESC, l LIMIT 20"
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt
            .query_map(params![s.since, s.until, s.campaign_id, s.agent_id], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    };
    Ok((
        count("k.disposition")?,
        count(super::call_board::sentiment_of_call!())?,
    ))
}

/// What contacts said, for `top_phrases`: the newest `limit` lines of the period's finished calls. Calls
/// still in flight are left out because a phrase links to the Calls page's search, which lists finished
/// calls only: a phrase said only in a live call would open an empty page.
pub fn contact_lines(conn: &Connection, s: &Scope, limit: i64) -> StoreResult<Vec<String>> {
    let sql = format!(
        "SELECT tl.text FROM call_transcript_lines tl JOIN calls k ON k.id = tl.call_id \
         WHERE {WHERE} AND k.status NOT IN ({IN_FLIGHT}) AND tl.role = 'contact' ORDER BY tl.id DESC LIMIT ?5"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(params![s.since, s.until, s.campaign_id, s.agent_id, limit], |r| {
            r.get(0)
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Words that carry no topic, in the languages the scripts use.
const STOPWORDS: &[&str] = &[
    "a",
    "about",
    "after",
    "all",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "been",
    "but",
    "by",
    "can",
    "could",
    "did",
    "do",
    "does",
    "don't",
    "for",
    "from",
    "get",
    "go",
    "good",
    "got",
    "had",
    "has",
    "have",
    "he",
    "her",
    "hi",
    "him",
    "his",
    "how",
    "i",
    "i'd",
    "i'll",
    "i'm",
    "i've",
    "if",
    "in",
    "is",
    "it",
    "it's",
    "just",
    "know",
    "let",
    "like",
    "me",
    "my",
    "no",
    "not",
    "now",
    "of",
    "ok",
    "okay",
    "on",
    "one",
    "or",
    "our",
    "please",
    "sure",
    "so",
    "that",
    "that's",
    "the",
    "their",
    "them",
    "then",
    "there",
    "they",
    "this",
    "to",
    "um",
    "uh",
    "up",
    "us",
    "was",
    "we",
    "well",
    "what",
    "when",
    "which",
    "who",
    "will",
    "with",
    "would",
    "yeah",
    "yes",
    "you",
    "your",
    "thank",
    "thanks",
    "hello",
    "bye",
    "goodbye",
    "في",
    "من",
    "على",
    "إلى",
    "عن",
    "أنا",
    "هذا",
    "هذه",
    "نعم",
    "لا",
    "مع",
    "ما",
    "هل",
    "شكرا",
    "شكراً",
    "है",
    "हूँ",
    "हाँ",
    "नहीं",
    "मैं",
    "और",
    "का",
    "की",
    "के",
    "को",
    "में",
    "से",
    "जी",
];

/// The words and two-word phrases said most, stopwords left out; a phrase must occur twice to count.
pub fn top_phrases(lines: &[String], n: usize) -> Vec<(String, i64)> {
    let mut counts: HashMap<String, i64> = HashMap::new();
    for line in lines {
        let words: Vec<String> = line
            .split(|c: char| !(c.is_alphanumeric() || c == '\''))
            .map(|w| w.trim_matches('\'').to_lowercase())
            .filter(|w| {
                w.chars().count() > 2
                    && !STOPWORDS.contains(&w.as_str())
                    && !w.chars().all(|c| c.is_numeric())
            })
            .collect();
        for w in &words {
            *counts.entry(w.clone()).or_default() += 1;
        }
        for pair in words.windows(2) {
            *counts.entry(format!("{} {}", pair[0], pair[1])).or_default() += 1;
        }
    }
    let mut top: Vec<(String, i64)> = counts.into_iter().filter(|(_, c)| *c >= 2).collect();
    // Most frequent first; a phrase before the single words it contains when as frequent; then by name.
    top.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then_with(|| b.0.contains(' ').cmp(&a.0.contains(' ')))
            .then_with(|| a.0.cmp(&b.0))
    });
    top.truncate(n);
    top
}

#[cfg(test)]
mod tests {
    use super::top_phrases;

    #[test]
    fn phrases_skip_filler_and_rank_by_frequency() {
        let lines: Vec<String> = [
            "I want to book a test drive on Thursday",
            "Is the test drive free?",
            "Can I do the test drive on Saturday",
            "What about financing",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        let top = top_phrases(&lines, 3);
        assert_eq!(top[0], ("test drive".to_owned(), 3));
        assert_eq!(top[1].1, 3);
        assert!(
            top.iter()
                .all(|(p, _)| !p.split(' ').any(|w| w == "the" || w == "i"))
        );
        assert!(
            top_phrases(&["once only".to_owned()], 5).is_empty(),
            "one mention is not a theme"
        );
    }

    /// A phrase on the Analytics page links to the Calls page searching for it, so the search must find
    /// the lines it was counted in: each demo script's contact lines, in every language they use, are stored
    /// as a finished call of a campaign of its own (indexed by migration 0018's triggers) and searched with
    /// the Calls page's own filter.
    #[test]
    fn every_phrase_of_the_demo_scripts_is_found_by_the_calls_search() -> crate::store::StoreResult<()> {
        use crate::{
            providers::sim::{library::SCRIPTS, script::Speaker},
            store::{
                Store,
                call_history::{self, HistoryFilter},
            },
        };
        let store = Store::open_in_memory()?;
        store.with_tx_blocking(|tx| -> crate::store::StoreResult<()> {
            for (i, script) in SCRIPTS.iter().enumerate() {
                let campaign = i64::try_from(i).unwrap_or(i64::MAX) + 1;
                tx.execute(
                    "INSERT INTO campaigns(id, name, status, provider, created_at, updated_at)
                     VALUES (?1, ?2, 'completed', 'sim', 't', 't')",
                    rusqlite::params![campaign, script.id],
                )?;
                tx.execute(
                    "INSERT INTO calls(id, campaign_id, provider, status, ended_at, created_at, updated_at)
                     VALUES (?1, ?1, 'sim', 'completed', 't', 't', 't')",
                    [campaign],
                )?;
                let lines: Vec<String> = script
                    .turns
                    .iter()
                    .filter(|t| t.1 == Speaker::Contact)
                    .map(|t| t.2.to_owned())
                    .collect();
                for l in &lines {
                    tx.execute(
                        "INSERT INTO call_transcript_lines(call_id, role, text, at) VALUES (?1, 'contact', ?2, 't')",
                        rusqlite::params![campaign, l],
                    )?;
                }
                // Every line twice, so that every word and pair counts as a phrase.
                let twice: Vec<String> = lines.iter().chain(&lines).cloned().collect();
                for (phrase, _) in top_phrases(&twice, usize::MAX) {
                    let filter = HistoryFilter {
                        search: Some(phrase.clone()),
                        campaign_id: Some(campaign),
                        limit: 1,
                        ..HistoryFilter::default()
                    };
                    let found = call_history::count(tx, &filter)?;
                    assert!(found > 0, "{}: {phrase:?} is not found", script.id);
                }
            }
            Ok(())
        })
    }
}
