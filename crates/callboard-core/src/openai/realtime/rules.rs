//! The safety rules on the live transcript, independent of the model: emergency words escalate at once
//! even if the model never calls `escalate_to_human`, high-priority words flag the call, an explicit
//! request for a person escalates, and a caller who keeps saying they are unsure is escalated after a few
//! turns. Pure: text in, findings out, so it is unit- and property-tested without a call.

use serde::Serialize;

/// What a contact turn triggered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Finding {
    Emergency { keyword: String },
    HighPriority { keyword: String },
    HumanRequested { phrase: String },
    RepeatedUncertainty { turns: u32 },
}

impl Finding {
    /// Whether this finding escalates the call (the rest only flag it).
    pub fn escalates(&self) -> bool {
        !matches!(self, Finding::HighPriority { .. })
    }

    /// The urgency recorded with the escalation, as the tool's `urgency` argument would say it.
    pub fn urgency(&self) -> &'static str {
        match self {
            Finding::Emergency { .. } => "emergency",
            Finding::HighPriority { .. } => "high",
            Finding::HumanRequested { .. } | Finding::RepeatedUncertainty { .. } => "normal",
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Finding::Emergency { keyword } => format!("emergency keyword \"{keyword}\""),
            Finding::HighPriority { keyword } => format!("high-priority keyword \"{keyword}\""),
            Finding::HumanRequested { phrase } => format!("the caller asked for a person (\"{phrase}\")"),
            Finding::RepeatedUncertainty { turns } => format!("the caller was unsure {turns} times"),
        }
    }
}

/// The word lists (lower case, words separated by single spaces).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    pub emergency: Vec<String>,
    pub high_priority: Vec<String>,
    pub human_request: Vec<String>,
    pub uncertainty: Vec<String>,
    /// Unsure turns before the call escalates.
    pub uncertainty_limit: u32,
}

fn words(list: &[&str]) -> Vec<String> {
    list.iter().map(|w| normalize(w)).collect()
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            emergency: words(&[
                "emergency",
                "ambulance",
                "chest pain",
                "can't breathe",
                "cannot breathe",
                "not breathing",
                "unconscious",
                "overdose",
                "suicide",
                "kill myself",
                "bleeding heavily",
                "heart attack",
                "stroke",
                "fire",
                "gas leak",
                "call 911",
                "call 112",
                "being attacked",
            ]),
            high_priority: words(&[
                "urgent",
                "asap",
                "right away",
                "immediately",
                "lawyer",
                "legal action",
                "complaint",
                "cancel my account",
                "fraud",
                "scam",
            ]),
            human_request: words(&[
                "talk to a person",
                "speak to a person",
                "talk to a human",
                "speak to a human",
                "real person",
                "talk to someone",
                "speak to someone",
                "human agent",
                "live agent",
                "operator",
                "representative",
                "speak to a manager",
                "talk to a manager",
            ]),
            uncertainty: words(&[
                "i don't know",
                "i do not know",
                "not sure",
                "i'm not sure",
                "no idea",
                "i don't understand",
                "i do not understand",
                "confused",
                "what do you mean",
            ]),
            uncertainty_limit: 3,
        }
    }
}

/// What the rules remember across one call's turns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RulesState {
    unsure_turns: u32,
    escalated: bool,
}

/// Lower case, letters/digits/apostrophes kept, everything else one space, padded with spaces so that a
/// phrase matches on word boundaries only (`fire` is not in `fireworks`).
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push(' ');
    for c in text.chars().flat_map(char::to_lowercase) {
        let c = if c == '’' { '\'' } else { c };
        if c.is_alphanumeric() || c == '\'' {
            out.push(c);
        } else if !out.ends_with(' ') {
            out.push(' ');
        }
    }
    if !out.ends_with(' ') {
        out.push(' ');
    }
    if out == " " {
        return String::new();
    }
    out.trim().to_owned()
}

fn find<'a>(padded: &str, list: &'a [String]) -> Option<&'a String> {
    list.iter()
        .find(|w| !w.is_empty() && padded.contains(&format!(" {w} ")))
}

impl Rules {
    /// Checks one contact turn. An escalation fires once per call (later turns only flag).
    pub fn assess(&self, state: &mut RulesState, text: &str) -> Vec<Finding> {
        let padded = format!(" {} ", normalize(text));
        let mut out = Vec::new();
        if let Some(k) = find(&padded, &self.emergency) {
            out.push(Finding::Emergency { keyword: k.clone() });
        }
        if let Some(k) = find(&padded, &self.high_priority) {
            out.push(Finding::HighPriority { keyword: k.clone() });
        }
        if let Some(p) = find(&padded, &self.human_request) {
            out.push(Finding::HumanRequested { phrase: p.clone() });
        }
        if find(&padded, &self.uncertainty).is_some() {
            state.unsure_turns += 1;
            if state.unsure_turns == self.uncertainty_limit.max(1) {
                out.push(Finding::RepeatedUncertainty {
                    turns: state.unsure_turns,
                });
            }
        }
        // Only the most urgent escalation is acted on; one per call.
        let mut escalation_kept = state.escalated;
        out.retain(|f| {
            if !f.escalates() {
                return true;
            }
            let keep = !escalation_kept;
            escalation_kept = true;
            keep
        });
        state.escalated = escalation_kept;
        out
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn emergencies_requests_and_flags() {
        let rules = Rules::default();
        let mut st = RulesState::default();
        assert_eq!(
            rules.assess(&mut st, "My father has CHEST PAIN, please!"),
            vec![Finding::Emergency {
                keyword: "chest pain".into()
            }]
        );
        // Escalated once: a later request for a person only flags nothing new.
        assert!(rules.assess(&mut st, "Can I talk to a person?").is_empty());
        let mut st = RulesState::default();
        assert_eq!(
            rules.assess(&mut st, "Actually, can I talk to a person?"),
            vec![Finding::HumanRequested {
                phrase: "talk to a person".into()
            }]
        );
        let mut st = RulesState::default();
        assert_eq!(
            rules.assess(&mut st, "It's urgent"),
            vec![Finding::HighPriority {
                keyword: "urgent".into()
            }]
        );
        assert!(
            rules.assess(&mut st, "we watched fireworks").is_empty(),
            "word boundaries"
        );
    }

    #[test]
    fn uncertainty_escalates_on_the_third_unsure_turn_only() {
        let rules = Rules::default();
        let mut st = RulesState::default();
        assert!(rules.assess(&mut st, "I'm not sure").is_empty());
        assert!(rules.assess(&mut st, "no idea, sorry").is_empty());
        assert_eq!(
            rules.assess(&mut st, "I don’t know"),
            vec![Finding::RepeatedUncertainty { turns: 3 }]
        );
        assert!(rules.assess(&mut st, "not sure").is_empty());
    }

    fn filler() -> impl Strategy<Value = String> {
        proptest::collection::vec("[0-9]{1,6}", 0..8).prop_map(|w| w.join(" "))
    }

    proptest! {
        #[test]
        fn an_emergency_word_anywhere_escalates_whatever_the_case_and_punctuation(
            before in filler(),
            after in filler(),
            which in 0usize..18,
            upper in any::<bool>(),
            punct in "[ ,.!?;:]{1,3}",
        ) {
            let rules = Rules::default();
            let word = rules.emergency[which % rules.emergency.len()].clone();
            let word = if upper { word.to_uppercase() } else { word };
            let text = format!("{before}{punct}{word}{punct}{after}");
            let found = rules.assess(&mut RulesState::default(), &text);
            prop_assert!(matches!(found.first(), Some(Finding::Emergency { .. })), "{text:?} gave {found:?}");
        }

        #[test]
        fn text_without_any_listed_phrase_finds_nothing(text in filler()) {
            let rules = Rules::default();
            let mut st = RulesState::default();
            for _ in 0..5 {
                prop_assert!(rules.assess(&mut st, &text).is_empty());
            }
        }

        #[test]
        fn at_most_one_escalation_per_call(turns in proptest::collection::vec("[a-z ]{0,30}|chest pain|talk to a person|not sure", 0..20)) {
            let rules = Rules::default();
            let mut st = RulesState::default();
            let escalations: usize = turns.iter().map(|t| rules.assess(&mut st, t).iter().filter(|f| f.escalates()).count()).sum();
            prop_assert!(escalations <= 1);
        }

        #[test]
        fn normalize_never_panics_and_is_idempotent(text in "\\PC{0,80}") {
            let once = normalize(&text);
            prop_assert_eq!(normalize(&once), once);
        }
    }
}
