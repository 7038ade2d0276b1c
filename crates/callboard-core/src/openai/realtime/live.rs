//! The Realtime conversations in progress, by call id (bridged and SIP calls; not console tests), so what a
//! supervisor does from the call drawer reaches the model at once: `call.escalate` and `call.set_phase`
//! become a system item in the conversation (not a `session.update`: changing the instructions or tools
//! mid-call busts the prompt cache, protocol notes §7), followed by a response when the caller must hear
//! about it. [`steer_item`] is pure.

use std::{
    collections::HashMap,
    sync::{
        Mutex, MutexGuard,
        atomic::{AtomicU64, Ordering},
    },
};

use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::phase::Phase;

/// What a supervisor did to a live call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Steer {
    /// `call.escalate`: flagged, and transferred when `transferring`.
    Escalated { reason: String, transferring: bool },
    /// `call.set_phase`.
    Phase { phase: Phase, reason: String },
}

/// The system item that tells the model, and whether it must answer now (the caller has to hear it).
pub fn steer_item(steer: &Steer) -> (Value, bool) {
    let (text, respond) = match steer {
        Steer::Escalated { reason, transferring } => (
            format!(
                "A supervisor has escalated this call ({}). {} Tell the caller so, briefly and calmly, and do not \
                 call escalate_to_human again.",
                one_line(reason),
                if *transferring {
                    "The caller is being transferred to a person now."
                } else {
                    "A person will follow up with the caller."
                }
            ),
            true,
        ),
        Steer::Phase { phase, reason } => {
            let what = match phase {
                Phase::Greeting => "Greet the caller again and ask how you can help.",
                Phase::Intake => "Collect the caller's details for the intake, one question at a time.",
                Phase::Clarification => {
                    "Something in the intake is unclear: ask the caller to clarify it before submitting."
                }
                Phase::Escalation => {
                    "Treat this call as escalated: reassure the caller that a person will follow up, and do not \
                     call escalate_to_human again."
                }
                Phase::Completed => {
                    "The call is complete: confirm what happens next, say a short goodbye and then call end_call."
                }
            };
            (
                format!(
                    "A supervisor moved this call to the {} phase ({}). {what}",
                    phase.as_str(),
                    one_line(reason)
                ),
                // Escalation and completion change what the caller hears now; the rest guide the next turn.
                matches!(phase, Phase::Escalation | Phase::Completed),
            )
        }
    };
    let item = json!({"type": "conversation.item.create", "item": {"type": "message", "role": "system",
        "content": [{"type": "input_text", "text": text}]}});
    (item, respond)
}

/// A supervisor's free text, on one line and bounded, so it cannot reshape the system item.
fn one_line(s: &str) -> String {
    let flat: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    flat.chars().take(300).collect()
}

/// Room for overrides queued while the conversation is busy (a supervisor clicks, not a stream).
const STEER_QUEUE: usize = 8;

/// The live conversations' inboxes.
#[derive(Debug, Default)]
pub struct LiveConversations {
    inboxes: Mutex<HashMap<i64, (u64, mpsc::Sender<Steer>)>>,
    next: AtomicU64,
}

/// A conversation's place in the registry; [`LiveConversations::leave`] frees it.
#[derive(Debug)]
pub struct Registration {
    pub call_id: i64,
    generation: u64,
}

impl LiveConversations {
    fn inboxes(&self) -> MutexGuard<'_, HashMap<i64, (u64, mpsc::Sender<Steer>)>> {
        match self.inboxes.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Opens the inbox of `call_id` (a newer conversation of the same call takes it over).
    pub fn join(&self, call_id: i64) -> (Registration, mpsc::Receiver<Steer>) {
        let generation = self.next.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = mpsc::channel(STEER_QUEUE);
        self.inboxes().insert(call_id, (generation, tx));
        (Registration { call_id, generation }, rx)
    }

    /// Closes the inbox, unless a newer conversation of the call took it over.
    pub fn leave(&self, registration: &Registration) {
        let mut inboxes = self.inboxes();
        if inboxes
            .get(&registration.call_id)
            .is_some_and(|(g, _)| *g == registration.generation)
        {
            inboxes.remove(&registration.call_id);
        }
    }

    /// Tells the call's live conversation; false when it has none (the override is stored either way).
    pub fn tell(&self, call_id: i64, steer: Steer) -> bool {
        let tx = self.inboxes().get(&call_id).map(|(_, tx)| tx.clone());
        tx.is_some_and(|tx| tx.try_send(steer).is_ok())
    }

    pub fn is_live(&self, call_id: i64) -> bool {
        self.inboxes().contains_key(&call_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_become_system_items_and_only_some_ask_for_a_response() {
        let (item, respond) = steer_item(&Steer::Escalated {
            reason: "caller\nsounds   distressed".into(),
            transferring: true,
        });
        assert!(respond);
        assert_eq!(item["type"], "conversation.item.create");
        assert_eq!(item["item"]["role"], "system");
        let text = item["item"]["content"][0]["text"].as_str().unwrap_or("");
        assert!(text.contains("(caller sounds distressed)"), "{text}");
        assert!(text.contains("transferred"), "{text}");
        for (phase, expect_response) in [
            (Phase::Greeting, false),
            (Phase::Intake, false),
            (Phase::Clarification, false),
            (Phase::Escalation, true),
            (Phase::Completed, true),
        ] {
            let (item, respond) = steer_item(&Steer::Phase {
                phase,
                reason: "set by a supervisor".into(),
            });
            assert_eq!(respond, expect_response, "{phase:?}");
            let text = item["item"]["content"][0]["text"].as_str().unwrap_or("");
            assert!(text.contains(&format!("the {} phase", phase.as_str())), "{text}");
        }
    }

    #[test]
    fn a_newer_conversation_keeps_its_inbox_when_an_older_one_leaves() {
        let live = LiveConversations::default();
        let (old, _old_rx) = live.join(7);
        let (new, mut new_rx) = live.join(7);
        live.leave(&old);
        assert!(live.is_live(7));
        let steer = Steer::Phase {
            phase: Phase::Intake,
            reason: "r".into(),
        };
        assert!(live.tell(7, steer.clone()));
        assert_eq!(new_rx.try_recv().ok(), Some(steer.clone()));
        live.leave(&new);
        assert!(!live.is_live(7));
        assert!(!live.tell(7, steer));
    }
}
