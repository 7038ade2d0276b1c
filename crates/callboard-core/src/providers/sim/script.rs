//! The simulator's scripted conversations: believable calls for the demo markets (a Kuwait car dealership,
//! Indian home loans and real estate, US insurance renewals, a service intake that escalates), each with
//! timed turns, a summary, a success evaluation, data collection values and a sentiment. The post-call
//! transcription, the live transcript events and the talk time of an answered call all come from here.

use serde_json::{Value, json};

/// Who speaks a turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Speaker {
    Agent,
    Contact,
}

impl Speaker {
    /// ElevenLabs' `role` in a transcript.
    pub fn elevenlabs_role(self) -> &'static str {
        match self {
            Speaker::Agent => "agent",
            Speaker::Contact => "user",
        }
    }

    /// `Event::CallTranscript`'s role.
    pub fn event_role(self) -> &'static str {
        match self {
            Speaker::Agent => "agent",
            Speaker::Contact => "contact",
        }
    }
}

/// One scripted call.
#[derive(Debug)]
pub struct Script {
    pub id: &'static str,
    /// The dialing code this script fits (`+965`, `+91`, `+1`); `""` fits any number.
    pub market: &'static str,
    pub language: &'static str,
    pub title: &'static str,
    pub summary: &'static str,
    /// `success`, `failure` or `unknown`.
    pub success: &'static str,
    pub sentiment: &'static str,
    /// (seconds into the call, speaker, text).
    pub turns: &'static [(u32, Speaker, &'static str)],
    /// (criteria id, result, rationale).
    pub criteria: &'static [(&'static str, &'static str, &'static str)],
    /// (data collection id, value as JSON text, rationale).
    pub data: &'static [(&'static str, &'static str, &'static str)],
}

use Speaker::{Agent as A, Contact as C};

pub const SCRIPTS: &[Script] = &[
    Script {
        id: "kw_test_drive_en",
        market: "+965",
        language: "en",
        title: "Test drive follow-up: second visit booked",
        summary: "Sara followed up the Nissan Patrol test drive; the customer wants the Platinum trim and booked a second visit on Saturday at 5 pm.",
        success: "success",
        sentiment: "positive",
        turns: &[
            (
                0,
                A,
                "Good evening, this is Sara from Al-Noor Motors. You test-drove the Nissan Patrol with us last week. Is now a good time?",
            ),
            (7, C, "Yes, hi. I liked it a lot actually."),
            (
                11,
                A,
                "Wonderful. Were you considering the LE or the Platinum trim?",
            ),
            (
                16,
                C,
                "The Platinum. My wife wants to see the interior before we decide.",
            ),
            (
                22,
                A,
                "Of course. Shall I book you both a visit to the Shuwaikh showroom this Saturday at five?",
            ),
            (29, C, "Saturday at five works."),
            (
                32,
                A,
                "Done. You'll get an SMS confirmation. Thank you and have a lovely evening.",
            ),
        ],
        criteria: &[(
            "visit_booked",
            "success",
            "A second showroom visit was booked for Saturday 17:00.",
        )],
        data: &[
            (
                "interested_model",
                "\"Nissan Patrol Platinum\"",
                "Customer named the Platinum trim.",
            ),
            (
                "callback_time",
                "\"Saturday 17:00\"",
                "Visit booked for Saturday at five.",
            ),
            ("opt_out", "false", "No request to stop calls."),
        ],
    },
    Script {
        id: "kw_test_drive_ar",
        market: "+965",
        language: "ar",
        title: "متابعة تجربة قيادة: اتصال غداً",
        summary: "The customer (Arabic) is still comparing the Toyota Land Cruiser with a competitor and asked to be called tomorrow at 3 pm.",
        success: "unknown",
        sentiment: "neutral",
        turns: &[
            (
                0,
                A,
                "مساء الخير، معك سارة من معرض النور للسيارات بخصوص تجربة قيادة لاند كروزر.",
            ),
            (6, C, "أهلاً، نعم أذكر."),
            (9, A, "هل ما زلت مهتماً بالسيارة؟ لدينا عرض تمويل هذا الشهر."),
            (15, C, "ما زلت أقارن مع سيارة ثانية. اتصلي فيني بكرة الساعة ثلاث."),
            (22, A, "أكيد، سأتصل بك غداً الساعة الثالثة. شكراً لوقتك."),
        ],
        criteria: &[(
            "visit_booked",
            "unknown",
            "The customer asked for a callback instead of a visit.",
        )],
        data: &[
            (
                "interested_model",
                "\"Toyota Land Cruiser\"",
                "Test drive was for the Land Cruiser.",
            ),
            (
                "callback_time",
                "\"tomorrow 15:00\"",
                "\"Call me tomorrow at three.\"",
            ),
            ("opt_out", "false", "No request to stop calls."),
        ],
    },
    Script {
        id: "kw_test_drive_optout",
        market: "+965",
        language: "en",
        title: "Test drive follow-up: opted out",
        summary: "The customer already bought elsewhere and asked not to be called again; marked as opt-out.",
        success: "failure",
        sentiment: "negative",
        turns: &[
            (
                0,
                A,
                "Hello, this is Sara from Al-Noor Motors following up on your Kia Sorento test drive.",
            ),
            (6, C, "I already bought a car. Please don't call me again."),
            (
                11,
                A,
                "Understood, I'm sorry for the trouble. I've removed your number from our list. Goodbye.",
            ),
        ],
        criteria: &[("visit_booked", "failure", "Customer bought elsewhere.")],
        data: &[
            (
                "interested_model",
                "\"Kia Sorento\"",
                "Model from the test-drive sheet.",
            ),
            ("callback_time", "null", "No callback."),
            ("opt_out", "true", "\"Please don't call me again.\""),
        ],
    },
    Script {
        id: "in_home_loan_en",
        market: "+91",
        language: "en",
        title: "Home-loan enquiry: documents requested",
        summary: "Priya confirmed a 45 lakh home-loan enquiry for a flat in Whitefield; the customer will upload salary slips and wants a call tomorrow at 3.",
        success: "success",
        sentiment: "positive",
        turns: &[
            (
                0,
                A,
                "Hello, this is Priya from Griha Finance about your home-loan enquiry. Is this a good time?",
            ),
            (6, C, "Yes, please go ahead."),
            (
                9,
                A,
                "You asked about a loan of around 45 lakh for a flat in Whitefield. Is that still right?",
            ),
            (16, C, "Yes. What documents do you need?"),
            (
                20,
                A,
                "Your last three salary slips and six months of bank statements. I'll send you an upload link.",
            ),
            (28, C, "Okay. Can you call me tomorrow at 3 to go over the rate?"),
            (34, A, "Certainly, tomorrow at 3 pm. Thank you!"),
        ],
        criteria: &[(
            "documents_requested",
            "success",
            "Customer agreed to upload documents.",
        )],
        data: &[
            (
                "interested_model",
                "\"Home loan 45 lakh, Whitefield\"",
                "Amount and location confirmed.",
            ),
            (
                "callback_time",
                "\"tomorrow 15:00\"",
                "\"Call me tomorrow at 3.\"",
            ),
            ("opt_out", "false", "No request to stop calls."),
        ],
    },
    Script {
        id: "in_real_estate_hi",
        market: "+91",
        language: "hi",
        title: "फ्लैट की पूछताछ: साइट विज़िट",
        summary: "Hindi call about a 2BHK in Noida Sector 150; the customer booked a site visit for Sunday morning.",
        success: "success",
        sentiment: "positive",
        turns: &[
            (
                0,
                A,
                "नमस्ते, मैं गृह रियल्टी से प्रिया बोल रही हूँ। आपने नोएडा में 2BHK के बारे में पूछा था।",
            ),
            (7, C, "हाँ जी, बताइए।"),
            (10, A, "सेक्टर 150 में रेडी-टू-मूव फ्लैट है, क्या आप साइट देखना चाहेंगे?"),
            (17, C, "हाँ, रविवार सुबह ठीक रहेगा।"),
            (21, A, "ठीक है, रविवार सुबह 11 बजे की विज़िट बुक कर दी है। धन्यवाद।"),
        ],
        criteria: &[("visit_booked", "success", "Site visit booked for Sunday 11:00.")],
        data: &[
            (
                "interested_model",
                "\"2BHK, Noida Sector 150\"",
                "Unit type and location.",
            ),
            ("callback_time", "\"Sunday 11:00\"", "Visit time."),
            ("opt_out", "false", "No request to stop calls."),
        ],
    },
    Script {
        id: "in_loan_dnc",
        market: "+91",
        language: "en",
        title: "Personal-loan follow-up: do not call",
        summary: "The customer did not make the enquiry and asked not to be called again.",
        success: "failure",
        sentiment: "negative",
        turns: &[
            (
                0,
                A,
                "Hi, this is Priya from Griha Finance about your personal-loan enquiry.",
            ),
            (5, C, "I never asked for a loan. Please don't call me again."),
            (
                10,
                A,
                "Apologies. I've added your number to our do-not-call list.",
            ),
        ],
        criteria: &[("documents_requested", "failure", "Customer denies the enquiry.")],
        data: &[
            ("interested_model", "null", "No product of interest."),
            ("callback_time", "null", "No callback."),
            ("opt_out", "true", "\"Please don't call me again.\""),
        ],
    },
    Script {
        id: "us_insurance_renewal",
        market: "+1",
        language: "en",
        title: "Policy renewal confirmed",
        summary: "The agent reminded the customer that the auto policy renews on the 1st; they kept the same coverage.",
        success: "success",
        sentiment: "positive",
        turns: &[
            (
                0,
                A,
                "Hi, this is Sam from Northwind Insurance calling about your auto policy. Do you have a minute?",
            ),
            (6, C, "Yes, go ahead."),
            (
                8,
                A,
                "Your policy renews on the first of next month. Would you like to keep the same coverage?",
            ),
            (15, C, "Yes, keep it the same. Thanks."),
            (19, A, "Great, I've noted that. Have a good day!"),
        ],
        criteria: &[(
            "renewal_confirmed",
            "success",
            "The customer asked to keep the same coverage.",
        )],
        data: &[
            (
                "interested_model",
                "\"Auto policy, same coverage\"",
                "Renewal decision.",
            ),
            ("callback_time", "null", "No callback."),
            ("opt_out", "false", "No request to stop calls."),
        ],
    },
    Script {
        id: "us_insurance_callback",
        market: "+1",
        language: "en",
        title: "Renewal: call back tomorrow",
        summary: "The customer is driving and asked to be called tomorrow at 3 to discuss a higher deductible.",
        success: "unknown",
        sentiment: "neutral",
        turns: &[
            (
                0,
                A,
                "Hi, Sam from Northwind Insurance about your policy renewal.",
            ),
            (4, C, "I'm driving right now. Call me tomorrow at 3?"),
            (9, A, "Sure thing, tomorrow at 3. Drive safe!"),
        ],
        criteria: &[("renewal_confirmed", "unknown", "Postponed to a callback.")],
        data: &[
            (
                "interested_model",
                "\"Higher deductible quote\"",
                "Mentioned a higher deductible.",
            ),
            (
                "callback_time",
                "\"tomorrow 15:00\"",
                "\"Call me tomorrow at 3.\"",
            ),
            ("opt_out", "false", "No request to stop calls."),
        ],
    },
    Script {
        id: "service_intake_escalation",
        market: "",
        language: "en",
        title: "Service intake escalated to a human",
        summary: "The customer reported a brake warning after the last service; the agent took the details and escalated to the service manager.",
        success: "success",
        sentiment: "negative",
        turns: &[
            (
                0,
                A,
                "Thanks for taking our call. I'm following up on your recent service visit. How is the car running?",
            ),
            (
                7,
                C,
                "Not good. The brake warning light came on the day after the service.",
            ),
            (
                13,
                A,
                "I'm sorry to hear that. Is the car safe to drive right now?",
            ),
            (18, C, "I don't want to risk it. I want to speak to a manager."),
            (
                23,
                A,
                "Understood. I'm escalating this to our service manager now; they will call you within the hour.",
            ),
            (31, C, "Okay. Please make sure they do."),
        ],
        criteria: &[(
            "escalated",
            "success",
            "Escalated to the service manager as the customer asked.",
        )],
        data: &[
            ("interested_model", "null", "Service issue, not a sale."),
            ("callback_time", "\"within the hour\"", "Manager to call back."),
            ("opt_out", "false", "No request to stop calls."),
        ],
    },
];

/// The scripts for a number: those of its market, plus the ones that fit any number.
pub fn for_number(phone_e164: &str) -> Vec<&'static Script> {
    let fits = |s: &&Script| s.market.is_empty() || phone_e164.starts_with(s.market);
    let own: Vec<_> = SCRIPTS
        .iter()
        .filter(|s| !s.market.is_empty() && phone_e164.starts_with(s.market))
        .collect();
    if own.is_empty() {
        SCRIPTS
            .iter()
            .filter(|s| s.market.is_empty() || s.market == "+1")
            .collect()
    } else {
        SCRIPTS.iter().filter(fits).collect()
    }
}

impl Script {
    /// How long the conversation lasts, in seconds (the last turn plus time to say it).
    pub fn duration_secs(&self) -> u32 {
        self.turns.last().map_or(10, |t| t.0 + 5)
    }

    /// ElevenLabs' `transcript` array.
    pub fn transcript_json(&self) -> Value {
        Value::Array(
            self.turns
                .iter()
                .map(|(t, who, text)| {
                    json!({
                        "role": who.elevenlabs_role(),
                        "message": text,
                        "time_in_call_secs": t,
                        "tool_calls": [],
                        "tool_results": [],
                        "feedback": null,
                        "interrupted": false,
                        "source_medium": if *who == Speaker::Contact { Some("audio") } else { None },
                    })
                })
                .collect(),
        )
    }

    /// ElevenLabs' `analysis` object.
    pub fn analysis_json(&self) -> Value {
        let criteria: serde_json::Map<String, Value> = self
            .criteria
            .iter()
            .map(|(id, result, why)| {
                (
                    (*id).to_owned(),
                    json!({"criteria_id": id, "result": result, "rationale": why}),
                )
            })
            .collect();
        let mut data: serde_json::Map<String, Value> = self
            .data
            .iter()
            .map(|(id, value, why)| {
                let value: Value = serde_json::from_str(value).unwrap_or(Value::Null);
                (
                    (*id).to_owned(),
                    json!({"data_collection_id": id, "value": value, "rationale": why}),
                )
            })
            .collect();
        data.insert(
            "sentiment".into(),
            json!({"data_collection_id": "sentiment", "value": self.sentiment, "rationale": "Tone of the contact's turns."}),
        );
        json!({
            "evaluation_criteria_results": criteria,
            "data_collection_results": data,
            "call_successful": self.success,
            "transcript_summary": self.summary,
            "call_summary_title": self.title,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_market_has_scripts_and_every_script_is_complete() {
        for number in ["+96550001234", "+919800012345", "+12125550100", "+447700900000"] {
            assert!(!for_number(number).is_empty(), "{number}");
        }
        assert!(for_number("+96550001234").iter().any(|s| s.language == "ar"));
        assert!(for_number("+919800012345").iter().any(|s| s.language == "hi"));
        for s in SCRIPTS {
            assert!(
                s.turns.windows(2).all(|w| w[0].0 < w[1].0),
                "{} turns in order",
                s.id
            );
            for key in ["interested_model", "callback_time", "opt_out"] {
                assert!(s.data.iter().any(|d| d.0 == key), "{} has {key}", s.id);
            }
            let a = s.analysis_json();
            assert_eq!(a["data_collection_results"]["sentiment"]["value"], s.sentiment);
            assert!(
                s.data.iter().all(|d| serde_json::from_str::<Value>(d.1).is_ok()),
                "{}",
                s.id
            );
        }
        let opt_outs = SCRIPTS
            .iter()
            .filter(|s| s.turns.iter().any(|t| t.2.contains("don't call me again")))
            .count();
        assert!(opt_outs >= 2);
    }
}
