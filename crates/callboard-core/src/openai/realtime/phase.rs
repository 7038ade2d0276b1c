//! A call's conversation phase: greeting → intake → clarification → escalation → completed. The backend
//! moves it forward on what happens in the call; a supervisor may set any phase (audited elsewhere).
//! Pure, so the order rules are tested on their own.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Greeting,
    Intake,
    Clarification,
    Escalation,
    Completed,
}

impl Phase {
    pub const ALL: [Phase; 5] = [
        Phase::Greeting,
        Phase::Intake,
        Phase::Clarification,
        Phase::Escalation,
        Phase::Completed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Greeting => "greeting",
            Phase::Intake => "intake",
            Phase::Clarification => "clarification",
            Phase::Escalation => "escalation",
            Phase::Completed => "completed",
        }
    }

    pub fn parse(s: &str) -> Option<Phase> {
        Phase::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// What happened in the call that may move the phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// The contact said something.
    ContactSpoke,
    /// The model's intake was rejected, or the caller was unsure: the agent is clarifying.
    NeedsClarification,
    Escalated,
    /// A valid intake was stored, or the agent ended the call.
    Completed,
}

/// The phase after `signal`, or `None` if it stays. Automatic moves only go forward, and an escalated call
/// stays escalated (completing an intake does not hide that the call was escalated).
pub fn advance(current: Phase, signal: Signal) -> Option<Phase> {
    let next = match signal {
        Signal::ContactSpoke => Phase::Intake,
        Signal::NeedsClarification => Phase::Clarification,
        Signal::Escalated => Phase::Escalation,
        Signal::Completed if current == Phase::Escalation => return None,
        Signal::Completed => Phase::Completed,
    };
    (next > current).then_some(next)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn the_usual_path() {
        assert_eq!(
            advance(Phase::Greeting, Signal::ContactSpoke),
            Some(Phase::Intake)
        );
        assert_eq!(advance(Phase::Intake, Signal::ContactSpoke), None);
        assert_eq!(
            advance(Phase::Intake, Signal::NeedsClarification),
            Some(Phase::Clarification)
        );
        assert_eq!(
            advance(Phase::Clarification, Signal::Completed),
            Some(Phase::Completed)
        );
        assert_eq!(advance(Phase::Intake, Signal::Escalated), Some(Phase::Escalation));
        assert_eq!(advance(Phase::Escalation, Signal::Completed), None);
        assert_eq!(Phase::parse("clarification"), Some(Phase::Clarification));
        assert_eq!(Phase::parse("nope"), None);
    }

    proptest! {
        #[test]
        fn automatic_moves_never_go_back(signals in proptest::collection::vec(0u8..4, 0..30)) {
            let mut p = Phase::Greeting;
            for s in signals {
                let s = [Signal::ContactSpoke, Signal::NeedsClarification, Signal::Escalated, Signal::Completed][s as usize];
                if let Some(n) = advance(p, s) {
                    prop_assert!(n > p);
                    p = n;
                }
            }
        }
    }
}
