//! The Calls page through the real listener: finished calls only, search across live transcript lines and
//! post-call transcripts/summaries (FTS5, kept current by triggers), keyset pages, and the CSV export.

use base64::Engine as _;
use callboard_core::{
    clock::{Clock, to_db},
    store::{
        StoreResult,
        call_board::{self, TranscriptLine},
    },
};
use callboard_testkit::TestApp;
use serde_json::{Value, json};

type TestResult = Result<(), Box<dyn std::error::Error>>;

#[tokio::test]
async fn finished_calls_are_searched_paged_and_exported() -> TestResult {
    let s = TestApp::new()?.serve().await?;
    let (_dialer, campaign) = crate::live::dial_calls(&s, 5, true).await?;
    let board = s.rpc("call.list", json!({"campaign_id": campaign})).await?.body;
    let ids: Vec<i64> = board
        .as_array()
        .map(|b| b.iter().filter_map(|c| c["id"].as_i64()).collect())
        .unwrap_or_default();
    assert_eq!(ids.len(), 5);
    let at = to_db(s.test.clock.now());
    let (first, second, third) = (ids[0], ids[1], ids[2]);
    s.test
        .app
        .store
        .with_tx(move |tx| -> StoreResult<()> {
            let line = |role: &str, text: &str| TranscriptLine {
                role: role.into(),
                text: text.into(),
                at: at.clone(),
            };
            call_board::append_lines(
                tx,
                &[
                    (
                        first,
                        line("agent", "Would you like a test drive of the new Patrol?"),
                    ),
                    (first, line("contact", "Yes, Thursday afternoon works")),
                    (second, line("contact", "=cmd|' /C calc'!A0 is not a car")),
                ],
            )?;
            // A provider's post-call data: the transcript turns and a summary (the trigger indexes both).
            tx.execute(
                "UPDATE calls SET summary = 'Asked about financing', \
                 transcript = '[{\"role\":\"agent\",\"message\":\"Hello from Al Sayer Motors\"}]', \
                 analysis = '{\"evaluation_criteria_results\":{\"booked\":{\"result\":\"failure\"}},\
                 \"data_collection_results\":{\"budget_kwd\":{\"value\":9000},\"callback\":{\"value\":null},\
                 \"model\":{\"value\":\"Patrol\"},\"sentiment\":{\"value\":\"Negative\"}}}' WHERE id = ?1",
                [third],
            )?;
            Ok(())
        })
        .await?;

    // Calls in flight are not history yet.
    let none = s.rpc("call.history", json!({"campaign_id": campaign})).await?;
    assert_eq!(none.status, 200, "{:?}", none.body);
    assert_eq!(none.body["total"], 0);
    for id in &ids {
        let r = s.rpc("call.hang_up", json!({"id": id})).await?;
        assert_eq!(r.status, 200, "{:?}", r.body);
    }

    let search = async |q: &str| -> Result<Vec<i64>, Box<dyn std::error::Error>> {
        let page = s
            .rpc("call.history", json!({"campaign_id": campaign, "search": q}))
            .await?;
        assert_eq!(page.status, 200, "{q}: {:?}", page.body);
        Ok(page.body["calls"]
            .as_array()
            .map(|c| c.iter().filter_map(|k| k["id"].as_i64()).collect())
            .unwrap_or_default())
    };
    assert_eq!(search("test drive").await?, vec![first], "live lines");
    assert_eq!(search("thurs").await?, vec![first], "the last word is a prefix");
    assert_eq!(search("financing").await?, vec![third], "summary");
    assert_eq!(search("sayer").await?, vec![third], "post-call transcript");
    assert_eq!(
        search("patrol financing").await?,
        Vec::<i64>::new(),
        "every word must match"
    );
    assert_eq!(search("\" * - :").await?.len(), 5, "no words left: no search");
    assert_eq!(
        search("NEAR(OR").await?,
        Vec::<i64>::new(),
        "FTS5 syntax is only text"
    );

    // Keyset pages of 2, newest first, with the total on the first page only.
    let p1 = s
        .rpc("call.history", json!({"campaign_id": campaign, "limit": 2}))
        .await?
        .body;
    assert_eq!(p1["total"], 5);
    let before = p1["next_before"].clone();
    let p2 = s
        .rpc(
            "call.history",
            json!({"campaign_id": campaign, "limit": 2, "before": before}),
        )
        .await?
        .body;
    assert_eq!(p2["total"], Value::Null);
    assert!(p2["calls"][0]["id"].as_i64() < p1["calls"][1]["id"].as_i64());

    // Outcome filters match the final status: unanswered calls hung up by a supervisor are cancelled.
    let by = async |outcome: &str| -> Result<Value, Box<dyn std::error::Error>> {
        let a = s
            .rpc(
                "call.history",
                json!({"campaign_id": campaign, "outcome": [outcome]}),
            )
            .await?;
        Ok(a.body["total"].clone())
    };
    assert_eq!(by("cancelled").await?, 5);
    assert_eq!(by("completed").await?, 0);

    let bad = s.rpc("call.history", json!({"since": "yesterday"})).await?;
    assert_eq!(bad.code(), "validation");
    assert!(bad.body["message"].as_str().unwrap_or("").contains("since"));

    let export = s.rpc("call.export", json!({"campaign_id": campaign})).await?.body;
    assert_eq!(export["rows"], 5);
    assert_eq!(export["truncated"], false);
    assert_eq!(export["media_type"], "text/csv");
    assert_eq!(export["encoding"], "utf-8");
    let csv = export["content"].as_str().unwrap_or("");
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let reader_headers = reader.headers()?.clone();
    let rows: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>()?;
    assert_eq!(rows.len(), 5);
    let row_of = |id: i64| rows.iter().find(|r| r.get(0) == Some(&id.to_string()));
    let column = |name: &str| {
        reader_headers
            .iter()
            .position(|h| h == name)
            .unwrap_or(usize::MAX)
    };
    let transcript = column("transcript");
    let first_row = row_of(first).ok_or("first call missing from the export")?;
    assert!(
        first_row
            .get(transcript)
            .unwrap_or("")
            .contains("Agent: Would you like a test drive")
    );
    assert!(
        first_row.get(4).unwrap_or("").starts_with('+'),
        "phones are kept as they are"
    );
    let second_row = row_of(second).ok_or("second call missing")?;
    assert!(
        second_row
            .get(transcript)
            .unwrap_or("")
            .starts_with("Contact: =cmd"),
        "a formula inside the text is not at the start of the cell"
    );
    // What the agent concluded, as `id: value` pairs (what it did not get is left out).
    let third_row = row_of(third).ok_or("third call missing")?;
    assert_eq!(third_row.get(column("summary")), Some("Asked about financing"));
    assert_eq!(third_row.get(column("evaluation")), Some("booked: failure"));
    assert_eq!(
        third_row.get(column("collected")),
        Some("budget_kwd: 9000; model: Patrol; sentiment: Negative")
    );
    // The sentiment the agent collected is the call's sentiment when nothing else set one.
    assert_eq!(third_row.get(column("sentiment")), Some("negative"));
    let detail = s.rpc("call.get", json!({"id": third})).await?.body;
    assert_eq!(
        detail["results"]["evaluation"][0]["result"], "failure",
        "{detail}"
    );
    assert_eq!(detail["results"]["data"][2]["value"], "Patrol");
    assert_eq!(detail["results"]["data"][1]["value"], Value::Null);
    // The same selection as a workbook a spreadsheet opens: typed cells, phone numbers as text.
    let xlsx = s
        .rpc("call.export", json!({"campaign_id": campaign, "format": "xlsx"}))
        .await?
        .body;
    assert_eq!(xlsx["encoding"], "base64", "{xlsx}");
    assert!(xlsx["filename"].as_str().unwrap_or("").ends_with(".xlsx"));
    let bytes = base64::engine::general_purpose::STANDARD.decode(xlsx["content"].as_str().unwrap_or(""))?;
    let mut book: calamine::Xlsx<_> = calamine::Reader::new(std::io::Cursor::new(bytes))?;
    let sheet = calamine::Reader::worksheet_range_at(&mut book, 0).ok_or("no sheet")??;
    assert_eq!(sheet.height(), 6, "a header and five calls");
    let phone = sheet.get_value((1, 4)).cloned();
    assert!(
        matches!(&phone, Some(calamine::Data::String(p)) if p.starts_with('+')),
        "{phone:?}"
    );
    assert!(matches!(sheet.get_value((1, 0)), Some(calamine::Data::Float(_))));
    let bad = s
        .rpc("call.export", json!({"campaign_id": campaign, "format": "pdf"}))
        .await?;
    assert_eq!(bad.code(), "bad_request", "{}", bad.body);
    assert!(bad.body["message"].as_str().unwrap_or("").contains("`xlsx`"));

    // The recording plays from the recordings folder, with ranges for seeking; nothing outside it is served.
    let dir = s.test.app.data_dir().join("recordings");
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("call-x.wav"), b"RIFF0123456789")?;
    let (rec, sneaky) = (ids[3], ids[4]);
    s.test
        .app
        .store
        .with_tx(move |tx| -> StoreResult<()> {
            tx.execute(
                "UPDATE calls SET recording_path = 'recordings/call-x.wav' WHERE id = ?1",
                [rec],
            )?;
            tx.execute(
                "UPDATE calls SET recording_path = 'recordings/../callboard.db' WHERE id = ?1",
                [sneaky],
            )?;
            Ok(())
        })
        .await?;
    let get = async |id: i64, range: Option<&str>| -> Result<reqwest::Response, reqwest::Error> {
        let mut req = s.http.get(format!(
            "{}/api/calls/{id}/recording?token={}",
            s.ui_base(),
            s.token()
        ));
        if let Some(r) = range {
            req = req.header("range", r);
        }
        req.send().await
    };
    let detail = s.rpc("call.get", json!({"id": rec})).await?.body;
    assert_eq!(detail["has_recording"], true);
    assert_eq!(
        s.rpc("call.get", json!({"id": first})).await?.body["has_recording"],
        false
    );
    let whole = get(rec, None).await?;
    assert_eq!(whole.status(), 200);
    assert_eq!(whole.bytes().await?.as_ref(), b"RIFF0123456789");
    let part = get(rec, Some("bytes=4-7")).await?;
    assert_eq!(part.status(), 206);
    assert_eq!(part.bytes().await?.as_ref(), b"0123");
    assert_eq!(get(sneaky, None).await?.status(), 404);
    assert_eq!(get(first, None).await?.status(), 404, "no recording");
    let no_token = s
        .http
        .get(format!("{}/api/calls/{rec}/recording", s.ui_base()))
        .send()
        .await?;
    assert_eq!(no_token.status(), 401);
    s.stop().await;
    Ok(())
}
