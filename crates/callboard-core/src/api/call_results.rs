//! What the agent concluded about a call, from the provider's post-call analysis (`calls.analysis`): the
//! success evaluation per criterion, the data it collected (e.g. the car a lead is interested in, the time
//! to call back), and ElevenLabs' call title, termination reason and credits. Read leniently: the analysis is
//! the provider's JSON, so a missing or oddly shaped field is left out, never an error.

use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CallResults {
    pub title: Option<String>,
    /// One result per evaluation criterion, by criterion id.
    pub evaluation: Vec<Criterion>,
    /// The data the agent collected, by item id; `value` is `null` when the agent did not get it.
    pub data: Vec<Collected>,
    pub termination_reason: Option<String>,
    /// ElevenLabs credits the call used (not money: `cost` on the call is money).
    pub credits: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Criterion {
    pub id: String,
    /// `success`, `failure` or `unknown` as the provider says it.
    pub result: String,
    pub rationale: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Collected {
    pub id: String,
    pub value: Value,
    pub rationale: Option<String>,
}

fn text(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// The results in a call's stored analysis (any JSON; an unparsable string gives no results).
pub fn results_of(analysis: &str) -> CallResults {
    let Ok(a) = serde_json::from_str::<Value>(analysis) else {
        return CallResults::default();
    };
    let entries = |key: &str| {
        a.get(key)
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter_map(|(id, v)| v.as_object().map(|o| (id.clone(), o)))
    };
    let evaluation = entries("evaluation_criteria_results")
        .map(|(id, o)| Criterion {
            result: text(o.get("result")).unwrap_or_else(|| "unknown".into()),
            rationale: text(o.get("rationale")),
            id,
        })
        .collect();
    let data = entries("data_collection_results")
        .map(|(id, o)| Collected {
            value: o.get("value").cloned().unwrap_or(Value::Null),
            rationale: text(o.get("rationale")),
            id,
        })
        .collect();
    CallResults {
        title: text(a.get("title")),
        evaluation,
        data,
        termination_reason: text(a.get("termination_reason")),
        credits: a.get("credits").and_then(Value::as_f64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_elevenlabs_analysis_gives_its_evaluation_data_and_credits() {
        let r = results_of(
            r#"{"title":"Test drive booked","credits":412.0,"termination_reason":"end_call tool",
                "evaluation_criteria_results":{"booked":{"criteria_id":"booked","result":"success","rationale":"Saturday 10:00"}},
                "data_collection_results":{
                    "interested_model":{"data_collection_id":"interested_model","value":"Land Cruiser","rationale":"said so"},
                    "callback_time":{"data_collection_id":"callback_time","value":null,"rationale":""}}}"#,
        );
        assert_eq!(r.title.as_deref(), Some("Test drive booked"));
        assert_eq!(r.credits, Some(412.0));
        assert_eq!(r.termination_reason.as_deref(), Some("end_call tool"));
        assert_eq!(
            r.evaluation,
            vec![Criterion {
                id: "booked".into(),
                result: "success".into(),
                rationale: Some("Saturday 10:00".into())
            }]
        );
        let ids: Vec<_> = r
            .data
            .iter()
            .map(|d| (d.id.as_str(), d.value.clone(), d.rationale.clone()))
            .collect();
        assert_eq!(
            ids,
            vec![
                ("callback_time", Value::Null, None),
                (
                    "interested_model",
                    Value::from("Land Cruiser"),
                    Some("said so".into())
                ),
            ]
        );
    }

    #[test]
    fn odd_or_missing_fields_are_left_out() {
        assert_eq!(results_of("not json"), CallResults::default());
        assert_eq!(results_of("{}"), CallResults::default());
        let r = results_of(
            r#"{"credits":"many","evaluation_criteria_results":{"a":"yes","b":{"rationale":7}},"data_collection_results":[1]}"#,
        );
        assert_eq!(r.credits, None);
        assert!(r.data.is_empty());
        assert_eq!(
            r.evaluation,
            vec![Criterion {
                id: "b".into(),
                result: "unknown".into(),
                rationale: None
            }]
        );
    }
}
