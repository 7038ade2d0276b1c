//! Recording disclosure tracking: whether the agent said its disclosure ("This call may be recorded…") at
//! the start of a call. It is read from the call's transcript, because the voice on the line may be
//! ElevenLabs', OpenAI's or the simulator's, and only the transcript tells what was actually said. It counts
//! as said once the agent's opening lines (its first [`OPENING_LINES`]) hold [`WORDS_NEEDED`] of the
//! disclosure's words: speech-to-text and small rewordings must not make a said disclosure read as missing,
//! and a disclosure said only at the end of the call does not count.

use serde::Serialize;

use crate::store::call_board::TranscriptLine;

/// Agent lines that count as the opening.
pub const OPENING_LINES: usize = 3;
/// The share of the disclosure's words the opening must hold.
pub const WORDS_NEEDED: f64 = 0.8;

/// What a call's drawer says about the disclosure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DisclosureCheck {
    /// The agent's disclosure text.
    pub text: String,
    /// When the agent's opening finished saying it; `None` when the transcript does not hold it (yet).
    pub heard_at: Option<String>,
}

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Checks a transcript for the disclosure; `None` when the agent has none.
pub fn check(disclosure: &str, lines: &[TranscriptLine]) -> Option<DisclosureCheck> {
    let wanted = words(disclosure);
    if wanted.is_empty() {
        return None;
    }
    let mut said: Vec<String> = Vec::new();
    let mut heard_at = None;
    for line in lines.iter().filter(|l| l.role == "agent").take(OPENING_LINES) {
        said.extend(words(&line.text));
        let found = wanted.iter().filter(|w| said.contains(w)).count();
        if found as f64 >= WORDS_NEEDED * wanted.len() as f64 {
            heard_at = Some(line.at.clone());
            break;
        }
    }
    Some(DisclosureCheck {
        text: disclosure.trim().to_owned(),
        heard_at,
    })
}

/// The first thing the agent says when the console decides it (simulated and OpenAI Realtime calls): the
/// disclosure, then the first message, unless the first message already says it.
pub fn opening(disclosure: &str, first_message: &str) -> String {
    let (disclosure, first) = (disclosure.trim(), first_message.trim());
    let line = |text: &str| TranscriptLine {
        role: "agent".into(),
        text: text.into(),
        at: String::new(),
    };
    let already = check(disclosure, &[line(first)]).is_none_or(|c| c.heard_at.is_some());
    match (already, first.is_empty()) {
        (true, _) => first.to_owned(),
        (false, true) => disclosure.to_owned(),
        (false, false) => format!("{disclosure} {first}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn line(role: &str, text: &str, at: &str) -> TranscriptLine {
        TranscriptLine {
            role: role.into(),
            text: text.into(),
            at: at.into(),
        }
    }

    const D: &str = "This call may be recorded for quality purposes.";

    #[test]
    fn said_in_the_opening_counts_with_small_rewordings() {
        let lines = [
            line("agent", "Hello, this is Sara from Al-Noor Motors.", "t1"),
            line("contact", "Hi.", "t2"),
            line("agent", "This call may be recorded for quality.", "t3"),
        ];
        assert_eq!(check(D, &lines).and_then(|c| c.heard_at), Some("t3".into()));
        // Split over two lines: heard when the second finishes it.
        let split = [
            line("agent", "Hi! This call may be", "t1"),
            line("agent", "recorded for quality purposes.", "t2"),
        ];
        assert_eq!(check(D, &split).and_then(|c| c.heard_at), Some("t2".into()));
    }

    #[test]
    fn missing_or_late_or_from_the_contact_does_not_count() {
        let late = [
            line("agent", "Hello.", "t1"),
            line("agent", "How are you?", "t2"),
            line("agent", "Great.", "t3"),
            line("agent", D, "t4"),
        ];
        assert_eq!(check(D, &late).map(|c| c.heard_at), Some(None));
        let contact = [line("contact", D, "t1"), line("agent", "Hello.", "t2")];
        assert_eq!(check(D, &contact).map(|c| c.heard_at), Some(None));
        assert_eq!(check(D, &[]).map(|c| c.heard_at), Some(None));
        assert_eq!(check("  ", &late), None, "no disclosure set");
    }

    #[test]
    fn works_in_other_scripts() {
        let ar = "هذه المكالمة قد تكون مسجلة";
        let lines = [line(
            "agent",
            "مرحبا، هذه المكالمة قد تكون مسجلة لأغراض الجودة",
            "t1",
        )];
        assert_eq!(check(ar, &lines).and_then(|c| c.heard_at), Some("t1".into()));
    }

    #[test]
    fn the_opening_says_the_disclosure_once() {
        assert_eq!(
            opening(D, "Hello, this is Sara."),
            format!("{D} Hello, this is Sara.")
        );
        assert_eq!(opening(D, ""), D);
        assert_eq!(opening("", "Hello."), "Hello.");
        let both = format!("Hello! {D}");
        assert_eq!(opening(D, &both), both);
    }

    proptest! {
        /// Whatever precedes it, a disclosure said by the agent as its first line is heard there.
        #[test]
        fn a_disclosure_said_first_is_always_heard(d in "[A-Za-z]{2,8}( [A-Za-z]{2,8}){0,10}", other in "\\PC{0,80}") {
            let lines = [line("agent", &opening(&d, &other), "t1"), line("contact", &other, "t2")];
            prop_assert_eq!(check(&d, &lines).and_then(|c| c.heard_at), Some("t1".to_owned()));
        }
    }
}
