//! The browser's way in: a file uploaded to the UI listener, previewed and committed by its upload id; the
//! errors downloaded as CSV, corrected and uploaded back to merge the failed rows in; and the contacts
//! listed a page at a time.

use callboard_testkit::{Served, TestApp};
use serde_json::{Value, json};

use super::import_api::finished;

type TestResult = Result<(), Box<dyn std::error::Error>>;

async fn upload(s: &Served, name: &str, body: Vec<u8>) -> Result<(u16, Value), Box<dyn std::error::Error>> {
    let resp = s
        .http
        .post(format!(
            "{}/api/uploads?name={}",
            s.ui_base(),
            form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>()
        ))
        .bearer_auth(s.token())
        .body(body)
        .send()
        .await?;
    Ok((resp.status().as_u16(), resp.json().await?))
}

async fn commit_and_wait(s: &Served, args: Value) -> Result<Value, Box<dyn std::error::Error>> {
    let mut events = s.test.app.events.subscribe();
    let started = s.rpc("import.commit", args).await?;
    assert_eq!(started.status, 200, "{:?}", started.body);
    let done = finished(&mut events).await?;
    assert_eq!(done["import_id"], started.body["import_id"]);
    Ok(done)
}

const FILE: &str = "Name,Mobile,Car Interest\n\
Ali,96555123456,SUV\n\
Bad One,12345,Sedan\n\
Sara,55123457,\n\
Twice,+965 5512 3456,Truck\n\
Noor,,SUV\n";

#[tokio::test]
async fn upload_preview_commit_download_errors_and_merge_the_corrected_rows() -> TestResult {
    let s = TestApp::new()?.serve().await?;
    let id = s
        .rpc(
            "campaign.create",
            json!({"name": "Uploads", "time_zone": "Asia/Kuwait"}),
        )
        .await?
        .body["id"]
        .clone();

    // Without the token the upload is refused.
    let anonymous = s
        .http
        .post(format!("{}/api/uploads?name=x.csv", s.ui_base()))
        .body("Phone\n1\n")
        .send()
        .await?;
    assert_eq!(anonymous.status(), 401);

    let (status, up) = upload(&s, "../leads.csv", FILE.as_bytes().to_vec()).await?;
    assert_eq!(status, 200, "{up}");
    assert_eq!(up["name"], "leads.csv");
    assert_eq!(up["bytes"], FILE.len());
    let upload_id = up["upload_id"].as_str().ok_or("no upload id")?.to_owned();

    let p = s
        .rpc(
            "import.preview",
            json!({"upload_id": upload_id, "campaign_id": id}),
        )
        .await?;
    assert_eq!(p.status, 200, "{:?}", p.body);
    assert_eq!(p.body["summary"]["total"], 5);
    assert_eq!(p.body["rows"][1]["code"], "INVALID_PHONE");

    let done = commit_and_wait(&s, json!({"upload_id": upload_id, "campaign_id": id})).await?;
    let import_id = done["import_id"].clone();
    assert_eq!(done["summary"]["imported"], 2);
    // The upload is removed once its import is done.
    let gone = s
        .rpc(
            "import.preview",
            json!({"upload_id": upload_id, "campaign_id": id}),
        )
        .await?;
    assert_eq!(gone.code(), "validation");

    // The errors CSV, over HTTP (token in the query, as a browser link would carry it) and as a command.
    let resp = s
        .http
        .get(format!(
            "{}/api/imports/{import_id}/errors.csv?token={}",
            s.ui_base(),
            s.token()
        ))
        .send()
        .await?;
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-disposition"]
            .to_str()?
            .contains(&format!("import-{import_id}-errors.csv"))
    );
    let csv = resp.text().await?;
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines.len(), 4, "{csv}");
    assert_eq!(
        lines[0],
        "Error row,Error code,Error message,Name,Mobile,Car Interest"
    );
    assert!(lines[1].starts_with("3,INVALID_PHONE,") && lines[1].ends_with(",Bad One,12345,Sedan"));
    assert_eq!(
        lines[2],
        "5,DUPLICATE_IN_FILE,+96555123456 appears earlier in the file,Twice,+965 5512 3456,Truck"
    );
    assert_eq!(lines[3], "6,MISSING_PHONE,no phone number,Noor,,SUV");
    let by_rpc = s.rpc("import.errors", json!({"import_id": import_id})).await?;
    assert_eq!(by_rpc.body["csv"], csv);
    assert_eq!(by_rpc.body["rows"], 3);

    // The user fixes two numbers in the errors file and uploads it back: those rows merge in, the duplicate
    // is still reported (now as already in the campaign), nobody is imported twice.
    let corrected = csv
        .replace(",Bad One,12345,", ",Bad One,55123458,")
        .replace(",Noor,,", ",Noor,55123459,");
    let (status, up) = upload(&s, "import-errors.csv", corrected.into_bytes()).await?;
    assert_eq!(status, 200, "{up}");
    let again = commit_and_wait(&s, json!({"upload_id": up["upload_id"], "campaign_id": id})).await?;
    assert_eq!(again["summary"]["total"], 3, "{again}");
    assert_eq!(again["summary"]["imported"], 2, "{again}");
    assert_eq!(again["summary"]["errors"][0]["code"], "DUPLICATE_IN_CAMPAIGN");
    let c = s.rpc("campaign.get", json!({"id": id})).await?;
    assert_eq!(c.body["contacts"], 4);
    let list = s.rpc("contact.list", json!({"search": "Noor"})).await?;
    assert_eq!(list.body["contacts"][0]["phone_e164"], "+96555123459");
    // The error columns did not become variables.
    assert_eq!(
        list.body["contacts"][0]["variables"],
        json!({"car_interest": "SUV"})
    );

    // A running or unknown import has no errors file yet.
    let unknown = s
        .http
        .get(format!("{}/api/imports/999/errors.csv", s.ui_base()))
        .bearer_auth(s.token())
        .send()
        .await?;
    assert_eq!(unknown.status(), 404);
    s.stop().await;
    Ok(())
}

#[tokio::test]
async fn contacts_list_pages_by_keyset_with_search_and_filters() -> TestResult {
    let s = TestApp::new()?.serve().await?;
    let a = s.rpc("campaign.create", json!({"name": "A"})).await?.body["id"].clone();
    let b = s.rpc("campaign.create", json!({"name": "B"})).await?.body["id"].clone();
    let mut rows = String::from("Name,Phone\n");
    for i in 0..25 {
        rows.push_str(&format!("Person {i},5{:07}\n", 1_000_000 + i));
    }
    let (_, up) = upload(&s, "a.csv", rows.into_bytes()).await?;
    commit_and_wait(&s, json!({"upload_id": up["upload_id"], "campaign_id": a})).await?;
    let (_, up) = upload(&s, "b.csv", b"Name,Phone\nZed Q,+919876543210\n".to_vec()).await?;
    commit_and_wait(&s, json!({"upload_id": up["upload_id"], "campaign_id": b})).await?;

    // Every page in order, no id twice, newest first.
    let mut seen = Vec::new();
    let mut before = Value::Null;
    let mut total = Value::Null;
    loop {
        let page = s
            .rpc("contact.list", json!({"limit": 10, "before": before}))
            .await?;
        assert_eq!(page.status, 200, "{:?}", page.body);
        if before.is_null() {
            total = page.body["total"].clone();
        } else {
            assert!(page.body["total"].is_null());
        }
        for c in page.body["contacts"].as_array().ok_or("no contacts")? {
            seen.push(c["id"].as_i64().ok_or("no id")?);
        }
        before = page.body["next_before"].clone();
        if before.is_null() {
            break;
        }
    }
    assert_eq!(total, 26);
    assert_eq!(seen.len(), 26);
    assert!(seen.windows(2).all(|w| w[0] > w[1]), "{seen:?}");

    let by_phone = s.rpc("contact.list", json!({"search": "98765"})).await?;
    assert_eq!(by_phone.body["total"], 1);
    assert_eq!(by_phone.body["contacts"][0]["name"], "Zed Q");
    let by_name = s.rpc("contact.list", json!({"search": "person 1"})).await?;
    assert_eq!(by_name.body["total"], 11, "Person 1 and Person 10..19");
    let in_b = s.rpc("contact.list", json!({"campaign_id": b})).await?;
    assert_eq!(in_b.body["total"], 1);
    assert_eq!(in_b.body["contacts"][0]["campaign_state"], "pending");
    let none = s
        .rpc("contact.list", json!({"campaign_id": b, "status": "opted_out"}))
        .await?;
    assert_eq!(none.body["total"], 0);
    let literal = s.rpc("contact.list", json!({"search": "%"})).await?;
    assert_eq!(literal.body["total"], 0, "% is matched literally");
    s.stop().await;
    Ok(())
}
