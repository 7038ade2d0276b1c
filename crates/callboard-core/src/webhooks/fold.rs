//! A call's derived columns as a fold over the facts of its applied events. The events are sorted by how
//! informative they are (rank), then by the provider's sequence number and time, then by idempotency key,
//! and each overrides what it knows; so the result depends on the set of events, never on arrival order.

use super::extract::Facts;
use crate::store::calls::Derived;

/// The call's derived columns from its applied events' facts: sorted by (rank, sequence, provider time,
/// idempotency key), each event overriding what it knows. Order of arrival plays no part.
pub fn fold(rows: Vec<(i64, String, String)>) -> Derived {
    fold_facts(
        rows.into_iter()
            .filter_map(|(id, key, json)| serde_json::from_str::<Facts>(&json).ok().map(|f| (f, key, id)))
            .collect(),
    )
}

/// [`fold`] of a call's stored facts (`rows`, which may hold `current`'s own row) with the event being applied
/// taken in full from what it says: the stored facts leave out the transcript and the analysis.
pub fn fold_with(rows: Vec<(i64, String, String)>, current: (Facts, String, i64)) -> Derived {
    let id = current.2;
    let mut items: Vec<_> = rows
        .into_iter()
        .filter(|(row, _, _)| *row != id)
        .filter_map(|(id, key, json)| serde_json::from_str::<Facts>(&json).ok().map(|f| (f, key, id)))
        .collect();
    items.push(current);
    fold_facts(items)
}

/// [`fold`] over facts already parsed, as (facts, idempotency key, event id): a call's first event is folded
/// straight from what it says, without reading back and parsing the JSON just stored.
pub fn fold_facts(mut items: Vec<(Facts, String, i64)>) -> Derived {
    items.sort_by(|a, b| {
        (a.0.rank, a.0.sequence.unwrap_or(-1), &a.0.occurred_at, &a.1).cmp(&(
            b.0.rank,
            b.0.sequence.unwrap_or(-1),
            &b.0.occurred_at,
            &b.1,
        ))
    });
    let mut d = Derived::default();
    for (f, _, id) in items {
        if f.status.is_some() {
            d.status = f.status;
            d.status_event_id = Some(id);
        }
        let set = |slot: &mut Option<String>, v: Option<String>| {
            if v.is_some() {
                *slot = v;
            }
        };
        set(&mut d.outcome, f.outcome);
        set(&mut d.disposition, f.disposition);
        set(&mut d.started_at, f.started_at);
        set(&mut d.answered_at, f.answered_at);
        set(&mut d.ended_at, f.ended_at);
        set(&mut d.summary, f.summary);
        set(&mut d.recording_path, f.recording_path);
        set(&mut d.analysis, f.analysis.map(|a| a.to_string()));
        set(&mut d.transcript, f.transcript.map(|t| t.to_string()));
        d.duration_s = f.duration_s.or(d.duration_s);
        d.cost = f.cost.or(d.cost);
    }
    if d.status.as_deref() == Some("completed") && d.outcome.is_none() {
        d.outcome = Some("answered".into());
    }
    d
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn fact(
        rank: i32,
        seq: Option<i64>,
        status: Option<&str>,
        outcome: Option<&str>,
        duration: Option<f64>,
    ) -> String {
        serde_json::to_string(&Facts {
            rank,
            sequence: seq,
            status: status.map(Into::into),
            outcome: outcome.map(Into::into),
            duration_s: duration,
            ..Default::default()
        })
        .unwrap_or_default()
    }

    fn timeline() -> Vec<(i64, String, String)> {
        vec![
            (
                1,
                "status:CA:initiated:0".into(),
                fact(10, Some(0), Some("initiated"), None, None),
            ),
            (
                2,
                "status:CA:ringing:1".into(),
                fact(20, Some(1), Some("ringing"), None, None),
            ),
            (
                3,
                "status:CA:in-progress:2".into(),
                fact(30, Some(2), Some("in_progress"), None, None),
            ),
            (
                4,
                "amd:CA:machine_start".into(),
                fact(35, None, None, Some("voicemail"), None),
            ),
            (
                5,
                "status:CA:completed:3".into(),
                fact(50, Some(3), Some("completed"), None, Some(37.0)),
            ),
            (
                6,
                "recording:CA:RE:completed".into(),
                fact(0, None, None, None, None),
            ),
        ]
    }

    #[test]
    fn the_most_informative_event_decides() {
        let d = fold(timeline());
        assert_eq!(d.status.as_deref(), Some("completed"));
        assert_eq!(d.outcome.as_deref(), Some("voicemail"));
        assert_eq!(d.duration_s, Some(37.0));
        assert_eq!(d.status_event_id, Some(5));
        let mut with_transcript = timeline();
        with_transcript.push((
            7,
            "post_call_transcription:c".into(),
            fact(70, None, Some("completed"), Some("answered"), Some(74.0)),
        ));
        let d = fold(with_transcript);
        assert_eq!(
            (d.outcome.as_deref(), d.duration_s),
            (Some("answered"), Some(74.0))
        );
        // Without AMD, a completed call counts as answered.
        let plain: Vec<_> = timeline().into_iter().filter(|r| r.0 != 4).collect();
        assert_eq!(fold(plain).outcome.as_deref(), Some("answered"));
    }

    fn any_text() -> impl Strategy<Value = Option<String>> {
        proptest::option::of("[a-z_:0-9 \\-\"]{0,12}")
    }

    prop_compose! {
        fn any_facts()(
            rank in 0..80i32,
            sequence in proptest::option::of(-1..5i64),
            (occurred_at, status, outcome, disposition) in (any_text(), any_text(), any_text(), any_text()),
            (started_at, answered_at, ended_at, summary) in (any_text(), any_text(), any_text(), any_text()),
            duration_s in proptest::option::of(-1e6..1e6f64),
            cost in proptest::option::of(any::<f64>().prop_filter("finite", |c| c.is_finite())),
            turns in proptest::option::of(proptest::collection::vec(("[a-z]{0,6}", "\\PC{0,20}", -1e3..1e3f64), 0..4)),
            recording_path in any_text(),
        ) -> Facts {
            let transcript = turns.map(|t| {
                serde_json::Value::Array(
                    t.into_iter()
                        .map(|(role, message, at)| serde_json::json!({ "role": role, "message": message, "time_in_call_secs": at }))
                        .collect(),
                )
            });
            Facts {
                rank,
                sequence,
                occurred_at,
                status,
                outcome,
                disposition,
                started_at,
                answered_at,
                ended_at,
                duration_s,
                cost,
                summary,
                analysis: transcript.as_ref().map(|t| serde_json::json!({ "turns": t, "title": "x" })),
                transcript,
                recording_path,
                recording_url: None,
            }
        }
    }

    proptest! {
        /// The applier folds a new call's first event from its parsed facts: the same as from the stored JSON.
        #[test]
        fn folding_parsed_facts_equals_folding_the_stored_json(facts in any_facts(), id in 1..1000i64) {
            let json = serde_json::to_string(&facts).unwrap_or_default();
            prop_assert_eq!(
                fold_facts(vec![(facts, "key".into(), id)]),
                fold(vec![(id, "key".into(), json)])
            );
        }

        /// The stored facts leave out the transcript and the analysis; with the event that carries them
        /// folded in full, the call comes out as if every event's facts were stored whole.
        #[test]
        fn folding_with_compact_stored_facts_equals_folding_them_whole(
            others in proptest::collection::vec(any_facts(), 0..4),
            current in any_facts(),
        ) {
            let strip = |f: &Facts| Facts { transcript: None, analysis: None, ..f.clone() };
            let json = |f: &Facts| serde_json::to_string(f).unwrap_or_default();
            let key = |i: usize| format!("k{i}");
            let n = others.len();
            // Only the current event (a transcription) carries a transcript and an analysis.
            let whole: Vec<_> = others.iter().enumerate()
                .map(|(i, f)| (i as i64, key(i), json(&strip(f))))
                .chain([(n as i64, key(n), json(&current))])
                .collect();
            let stored: Vec<_> = others.iter().enumerate()
                .map(|(i, f)| (i as i64, key(i), json(&strip(f))))
                .chain([(n as i64, key(n), json(&strip(&current)))])
                .collect();
            prop_assert_eq!(fold_with(stored, (current, key(n), n as i64)), fold(whole));
        }

        #[test]
        fn arrival_order_does_not_matter(seed in any::<u64>()) {
            let mut rows = timeline();
            let mut s = seed;
            for i in (1..rows.len()).rev() {
                s = s.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                rows.swap(i, (s >> 33) as usize % (i + 1));
            }
            prop_assert_eq!(fold(rows), fold(timeline()));
        }
    }
}
