//! `stats.analytics` over a real store: KPIs and rates per period, day, campaign and agent, dispositions,
//! sentiment and the phrases contacts say most.

use callboard_core::store::StoreResult;
use callboard_testkit::{Served, TestApp};
use serde_json::{Value, json};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A served app whose store holds the rows `sql` inserts.
async fn served_with(sql: &'static str) -> Result<Served, Box<dyn std::error::Error>> {
    let s = TestApp::new()?.serve().await?;
    s.test
        .app
        .store
        .with_tx(move |tx| -> StoreResult<()> { Ok(tx.execute_batch(sql)?) })
        .await?;
    Ok(s)
}

#[tokio::test]
async fn analytics_count_what_the_calls_did() -> TestResult {
    let s = served_with(
        "INSERT INTO agents(id, name, provider, created_at, updated_at) VALUES
                    (1, 'Sara', 'sim', '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z'),
                    (2, 'Omar', 'sim', '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z');
                 INSERT INTO campaigns(id, name, status, provider, created_at, updated_at) VALUES
                    (1, 'Renewals', 'running', 'sim', '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z'),
                    (2, 'Service', 'running', 'sim', '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z');
                 INSERT INTO calls(id, campaign_id, agent_id, provider, status, outcome, disposition, answered_at,
                                   ended_at, duration_s, cost, analysis, created_at, updated_at) VALUES
                    (1, 1, 1, 'sim', 'completed', 'answered', 'booked', '2026-11-20T10:00:00Z', '2026-11-20T10:01:00Z',
                        60, 0.10, '{\"sentiment\":\"positive\"}', '2026-11-20T10:00:00Z', '2026-11-20T10:01:00Z'),
                    (2, 1, 1, 'sim', 'completed', 'answered', 'not_interested', '2026-11-20T11:00:00Z',
                        '2026-11-20T11:02:00Z', 120, 0.20, '{\"sentiment\":{\"label\":\"Negative\"}}',
                        '2026-11-20T11:00:00Z', '2026-11-20T11:02:00Z'),
                    (3, 1, 2, 'sim', 'voicemail', 'voicemail', NULL, '2026-11-21T09:00:00Z', '2026-11-21T09:00:30Z',
                        NULL, 0.05, '{}', '2026-11-21T09:00:00Z', '2026-11-21T09:00:30Z'),
                    (4, 2, 2, 'sim', 'no_answer', 'no_answer', NULL, NULL, '2026-11-21T12:00:40Z', NULL, NULL, '{}',
                        '2026-11-21T12:00:00Z', '2026-11-21T12:00:40Z'),
                    (5, 2, 2, 'sim', 'completed', 'answered', 'booked', '2026-10-01T09:00:00Z', '2026-10-01T09:01:00Z',
                        60, 0.10, '{}', '2026-10-01T09:00:00Z', '2026-10-01T09:01:00Z');
                 INSERT INTO call_transcript_lines(call_id, role, text, at) VALUES
                    (1, 'contact', 'I want a test drive on Thursday', '2026-11-20T10:00:10Z'),
                    (2, 'contact', 'No test drive for me, too expensive', '2026-11-20T11:00:10Z'),
                    (2, 'agent', 'The test drive is free', '2026-11-20T11:00:20Z');",
    )
    .await?;
    let get = async |args: Value| -> Result<Value, Box<dyn std::error::Error>> {
        let a = s.rpc("stats.analytics", args).await?;
        assert_eq!(a.status, 200, "{:?}", a.body);
        Ok(a.body)
    };
    let period = json!({"since": "2026-11-15T00:00:00Z", "until": "2026-11-25T00:00:00Z"});
    let a = get(period.clone()).await?;
    // Call 5 is before the period.
    assert_eq!(a["totals"]["dials"], 4);
    assert_eq!(a["totals"]["connects"], 2);
    assert_eq!(a["totals"]["successes"], 1);
    assert_eq!(a["totals"]["voicemails"], 1);
    assert_eq!(a["totals"]["avg_duration_s"], 90.0);
    assert_eq!(a["rates"]["connect_rate"], 0.5);
    assert_eq!(a["rates"]["success_rate"], 0.5);
    assert_eq!(a["rates"]["voicemail_rate"], 0.25);
    let cps = a["rates"]["cost_per_success"].as_f64().unwrap_or(0.0);
    assert!((cps - 0.35).abs() < 1e-9, "{cps}");
    // Ten days; the 20th is the sixth.
    assert_eq!(a["days"].as_array().map(Vec::len), Some(10));
    assert!(
        a["days"][5]["key"]
            .as_str()
            .unwrap_or("")
            .starts_with("2026-11-20T00:00:00")
    );
    assert_eq!(a["days"][5]["dials"], 2);
    assert_eq!(a["days"][6]["dials"], 2);
    assert_eq!(a["by_campaign"][0]["name"], "Renewals");
    assert_eq!(a["by_campaign"][0]["dials"], 3);
    assert_eq!(a["by_campaign"][1]["connect_rate"], 0.0);
    // A tie on dials goes by name.
    assert_eq!(a["by_agent"][0]["name"], "Omar");
    assert_eq!(a["by_agent"][0]["connect_rate"], 0.0);
    assert_eq!(
        a["by_agent"][0]["success_rate"],
        Value::Null,
        "no connects, no success rate"
    );
    assert_eq!(a["by_agent"][1]["success_rate"], 0.5);
    assert_eq!(a["dispositions"], json!([["booked", 1], ["not_interested", 1]]));
    assert_eq!(a["sentiment"], json!([["negative", 1], ["positive", 1]]));
    // Only what contacts said: "test drive" twice (the agent's line is not counted).
    assert_eq!(a["top_phrases"][0], json!(["test drive", 2]));

    let one =
        get(json!({"since": "2026-11-15T00:00:00Z", "until": "2026-11-25T00:00:00Z", "agent_id": 2})).await?;
    assert_eq!(one["totals"]["dials"], 2);
    let bad = s
        .rpc(
            "stats.analytics",
            json!({"since": "2026-11-25T00:00:00Z", "until": "2026-11-15T00:00:00Z"}),
        )
        .await?;
    assert_eq!(bad.code(), "validation");
    let long = s
        .rpc(
            "stats.analytics",
            json!({"since": "2020-01-01T00:00:00Z", "until": "2026-11-15T00:00:00Z"}),
        )
        .await?;
    assert_eq!(long.code(), "validation");
    assert!(
        long.body["message"]
            .as_str()
            .unwrap_or("")
            .contains("at most 366")
    );
    s.stop().await;
    Ok(())
}

/// Each phrase links to the Calls page searching for it, so a phrase is counted from finished calls only
/// (the Calls page lists no call in flight) and the search finds a call for every phrase shown.
#[tokio::test]
async fn every_phrase_shown_finds_calls_on_the_calls_page() -> TestResult {
    let s = served_with(
        "INSERT INTO calls(id, provider, status, answered_at, ended_at, created_at, updated_at) VALUES
                    (1, 'sim', 'completed', '2026-11-20T10:00:00Z', '2026-11-20T10:01:00Z', '2026-11-20T10:00:00Z',
                        '2026-11-20T10:01:00Z'),
                    (2, 'sim', 'in_progress', '2026-11-20T11:00:00Z', NULL, '2026-11-20T11:00:00Z',
                        '2026-11-20T11:00:00Z');
                 INSERT INTO call_transcript_lines(call_id, role, text, at) VALUES
                    (1, 'contact', 'Is the trade-in valuation free?', '2026-11-20T10:00:10Z'),
                    (1, 'contact', 'Then book the trade-in valuation', '2026-11-20T10:00:20Z'),
                    (2, 'contact', 'Monthly instalments please', '2026-11-20T11:00:10Z'),
                    (2, 'contact', 'Monthly instalments, yes', '2026-11-20T11:00:20Z');",
    )
    .await?;
    let a = s
        .rpc(
            "stats.analytics",
            json!({"since": "2026-11-15T00:00:00Z", "until": "2026-11-25T00:00:00Z"}),
        )
        .await?;
    assert_eq!(a.status, 200, "{:?}", a.body);
    let phrases: Vec<String> = a.body["top_phrases"]
        .as_array()
        .map(|ps| {
            ps.iter()
                .filter_map(|p| p[0].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    assert!(phrases.contains(&"trade valuation".to_owned()), "{phrases:?}");
    assert!(
        !phrases.iter().any(|p| p.contains("instalments")),
        "a call in flight is not counted yet: {phrases:?}"
    );
    for phrase in &phrases {
        let found = s.rpc("call.history", json!({"search": phrase})).await?;
        assert_eq!(found.status, 200, "{:?}", found.body);
        assert_eq!(found.body["total"], 1, "{phrase:?}: {:?}", found.body);
    }
    s.stop().await;
    Ok(())
}
