//! Tests for the scripted sim agent: turn detection on the audio, the script's lines, and a conversation.

use super::*;
use crate::media::audio::ulaw_encode;

fn tone(ms: usize, amplitude: i16) -> Vec<u8> {
    (0..ms * 8)
        .map(|i| ulaw_encode(if i % 16 < 8 { amplitude } else { -amplitude }))
        .collect()
}

#[test]
fn a_turn_is_speech_then_half_a_second_of_silence() {
    let mut d = TurnDetector::default();
    assert_eq!(d.feed(&tone(100, 4000)), []);
    assert_eq!(d.feed(&tone(100, 4000)), [Heard::Speaking]);
    assert_eq!(d.feed(&tone(400, 0)), []);
    assert_eq!(d.feed(&tone(100, 0)), [Heard::TurnEnded { speech_ms: 200 }]);
    // A short click is not a turn.
    assert_eq!(d.feed(&tone(40, 4000)), []);
    assert_eq!(d.feed(&tone(600, 0)), []);
}

#[test]
fn two_turns_in_one_piece_are_both_heard() {
    let mut d = TurnDetector::default();
    let mut all = tone(300, 4000);
    all.extend(tone(520, 0));
    all.extend(tone(200, 4000));
    all.extend(tone(500, 0));
    assert_eq!(
        d.feed(&all),
        [
            Heard::Speaking,
            Heard::TurnEnded { speech_ms: 300 },
            Heard::Speaking,
            Heard::TurnEnded { speech_ms: 200 }
        ]
    );
}

proptest::proptest! {
    /// However the audio is cut into pieces, the same turns are heard.
    #[test]
    fn pieces_of_any_size_hear_the_same_turns(
        turns in proptest::collection::vec((8usize..60, 25usize..60), 1..5),
        cuts in proptest::collection::vec(1usize..700, 1..40),
    ) {
        let mut all = Vec::new();
        let mut expected = Vec::new();
        for (speech, silence) in &turns {
            all.extend(tone(speech * 20, 4000));
            all.extend(tone(silence * 20, 0));
            expected.push(Heard::Speaking);
            expected.push(Heard::TurnEnded { speech_ms: (*speech * 20) as u32 });
        }
        let mut d = TurnDetector::default();
        let mut heard = Vec::new();
        let mut rest = all.as_slice();
        for cut in cuts.iter().cycle() {
            if rest.is_empty() {
                break;
            }
            let (piece, tail) = rest.split_at((*cut).min(rest.len()));
            heard.extend(d.feed(piece));
            rest = tail;
        }
        proptest::prop_assert_eq!(heard, expected);
    }
}

#[test]
fn the_first_message_opens_and_the_language_picks_the_script() {
    let persona = SimPersona {
        language: "hi-IN".into(),
        first_message: "Namaste!".into(),
    };
    let lines = lines_for(&persona);
    assert_eq!(lines[0], "Namaste!");
    assert!(lines.len() > 1);
    assert_eq!(script_for("xx").language, "en");
    assert_eq!(speech_frames("hi"), 50);
    assert_eq!(speech_frames(&"a".repeat(500)), 250);
}

#[tokio::test]
async fn it_greets_answers_a_turn_and_yields_when_talked_over() {
    let agents = SimAgents::new(SimPersona {
        language: "en".into(),
        first_message: "Hello from the test.".into(),
    });
    let mut link = agents
        .connect(AgentStart {
            call_id: 0,
            agent_ref: None,
            variables: json!({}),
            test_agent: None,
        })
        .await
        .expect("sim agents always connect");
    let first = link.events.recv().await;
    assert_eq!(
        first,
        Some(AgentEvent::Transcript {
            role: "agent",
            text: "Hello from the test.".into()
        })
    );
    let mut audio = 0;
    while audio < speech_frames("Hello from the test.") {
        match link.events.recv().await {
            Some(AgentEvent::Audio { bytes, .. }) => audio += bytes.len() / FRAME,
            other => panic!("expected audio, got {other:?}"),
        }
    }
    // Talking over the greeting (it is still "playing") interrupts it.
    link.input
        .send(AgentInput::Audio(tone(200, 4000)))
        .await
        .expect("send");
    assert!(matches!(
        link.events.recv().await,
        Some(AgentEvent::Interruption { .. })
    ));
    link.input
        .send(AgentInput::Audio(tone(500, 0)))
        .await
        .expect("send");
    assert_eq!(
        link.events.recv().await,
        Some(AgentEvent::Transcript {
            role: "contact",
            text: "(you spoke for 0.2 s)".into()
        })
    );
    assert!(matches!(
        link.events.recv().await,
        Some(AgentEvent::Transcript { role: "agent", .. })
    ));
}
