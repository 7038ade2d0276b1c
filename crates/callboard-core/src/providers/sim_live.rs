//! What a simulated call looks like while it is live: it rings, is answered (or not), the agent and the
//! contact take turns (live transcript events), its audio is published to the call's tap (a speech-like
//! synthetic signal, so live listen has something to play), and it ends with an outcome, a disposition and
//! a sentiment. A supervisor's hang-up or transfer cancels the script; the API records the ending.

use std::{
    collections::HashMap,
    f32::consts::TAU,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU8, Ordering},
    },
    time::Duration,
};

use tokio_util::sync::CancellationToken;

use crate::{
    app::App,
    clock::to_db,
    engine::{outcome, retry::Outcome},
    events::Event,
    media_tap::TAP_SAMPLE_RATE,
    store::{StoreError, call_board, campaigns},
};

/// One turn: (role, text).
type Turn = (&'static str, &'static str);

/// Conversations the simulator plays: turns, then the disposition and sentiment.
const SCRIPTS: [(&[Turn], &str, &str); 4] = [
    (
        &[
            (
                "agent",
                "Hello, this is the assistant calling about your recent enquiry. Is now a good time?",
            ),
            ("contact", "Yes, go ahead."),
            (
                "agent",
                "You asked about a test drive. Would Saturday morning suit you?",
            ),
            ("contact", "Saturday works, around ten."),
            (
                "agent",
                "Booked for Saturday at ten. You'll get a confirmation message shortly.",
            ),
            ("contact", "Great, thank you."),
        ],
        "success",
        "positive",
    ),
    (
        &[
            (
                "agent",
                "Hello, I'm calling from the service team about your appointment.",
            ),
            ("contact", "Which appointment? I don't remember booking anything."),
            (
                "agent",
                "It's the reminder for your annual service. Shall I find a slot?",
            ),
            ("contact", "Not now, maybe next month."),
            ("agent", "No problem, I'll make a note to call back next month."),
        ],
        "failure",
        "neutral",
    ),
    (
        &[
            (
                "agent",
                "Good afternoon, I'm calling about your home-loan enquiry.",
            ),
            (
                "contact",
                "I've had three calls this week. This is really annoying.",
            ),
            (
                "agent",
                "I'm sorry about that. I can help with your rate question right now.",
            ),
            ("contact", "Please stop calling me."),
            (
                "agent",
                "Understood, I'll make sure you're not called again. Goodbye.",
            ),
        ],
        "opt_out",
        "negative",
    ),
    (
        &[
            (
                "agent",
                "Hello, this is a quick survey call; it takes two minutes.",
            ),
            ("contact", "Okay, sure."),
            ("agent", "How would you rate your last visit, from one to five?"),
            ("contact", "Four. The waiting time was a bit long."),
            ("agent", "Thanks, I'll pass that on. Anything else?"),
            ("contact", "No, that's all."),
        ],
        "success",
        "positive",
    ),
];

/// How one simulated call goes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plan {
    pub outcome: Outcome,
    pub ring: Duration,
    pub talk: Duration,
    /// Which of the scripted conversations it plays (modulo their number).
    pub script: usize,
}

/// Calls whose script is playing, so a hang-up can stop them.
#[derive(Debug, Default, Clone)]
pub struct Playing {
    calls: Arc<Mutex<HashMap<i64, CancellationToken>>>,
}

impl Playing {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, CancellationToken>> {
        self.calls.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Stops a call's script; whether it was playing.
    pub fn stop(&self, call_id: i64) -> bool {
        self.lock().remove(&call_id).map(|t| t.cancel()).is_some()
    }

    pub fn is_playing(&self, call_id: i64) -> bool {
        self.lock().contains_key(&call_id)
    }
}

/// Starts a call's script in the background.
pub fn spawn(app: Arc<App>, playing: Playing, call_id: i64, campaign_id: i64, plan: Plan) {
    let token = CancellationToken::new();
    playing.lock().insert(call_id, token.clone());
    tokio::spawn(async move {
        tokio::select! {
            () = token.cancelled() => {}
            () = play(&app, call_id, campaign_id, plan) => {}
        }
        playing.lock().remove(&call_id);
        app.media_taps.close(call_id);
    });
}

async fn set_status(app: &App, call_id: i64, status: &'static str) {
    let at = to_db(app.clock.now());
    match app
        .store
        .with_tx(move |tx| call_board::set_live_status(tx, call_id, status, &at))
        .await
    {
        Ok(true) => crate::live::publish_calls(app, vec![call_id]).await,
        Ok(false) => {}
        Err(e) => tracing::warn!(call_id, error = %e, "simulator could not update a call"),
    }
}

async fn play(app: &Arc<App>, call_id: i64, campaign_id: i64, plan: Plan) {
    // The provider takes a moment before the phone rings.
    tokio::time::sleep(plan.ring / 5).await;
    set_status(app, call_id, "ringing").await;
    tokio::time::sleep(plan.ring).await;
    let (lines, disposition, sentiment) = SCRIPTS[plan.script % SCRIPTS.len()];
    let talks = matches!(plan.outcome, Outcome::Answered | Outcome::Voicemail);
    if talks {
        set_status(app, call_id, "in_progress").await;
        app.media_taps.open(call_id);
        let speaker = Arc::new(AtomicU8::new(0));
        let audio = tokio::spawn(publish_audio(app.clone(), call_id, speaker.clone()));
        let turns: &[Turn] = if plan.outcome == Outcome::Voicemail {
            &[(
                "agent",
                "Hello, this is a message about your enquiry; we'll call you back. Goodbye.",
            )]
        } else {
            lines
        };
        let gap = plan.talk / u32::try_from(turns.len()).unwrap_or(1).max(1);
        for (role, text) in turns {
            speaker.store(if *role == "agent" { 1 } else { 2 }, Ordering::Relaxed);
            app.events.emit(Event::CallTranscript {
                call_id,
                role: (*role).into(),
                text: (*text).into(),
                at: to_db(app.clock.now()),
            });
            tokio::time::sleep(gap).await;
        }
        audio.abort();
    }
    let at = app.clock.now();
    let answered = plan.outcome == Outcome::Answered;
    let cost = talks.then(|| (plan.talk.as_secs_f64() / 60.0 * 0.07 * 100.0).round() / 100.0);
    let ended = app
        .store
        .with_tx(move |tx| {
            let changed = outcome::record(tx, call_id, plan.outcome, None, at)?;
            if changed {
                call_board::set_result(
                    tx,
                    call_id,
                    answered.then_some(disposition),
                    answered.then_some(sentiment),
                    cost,
                )?;
            }
            Ok::<_, StoreError>((changed, campaigns::get(tx, campaign_id).ok()))
        })
        .await;
    match ended {
        Ok((true, campaign)) => {
            crate::live::publish_calls(app, vec![call_id]).await;
            if let Some(campaign) = campaign {
                app.events.emit(Event::CampaignChanged { campaign });
            }
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(call_id, error = %e, "simulator could not end a call"),
    }
}

/// 20 ms frames of a speech-like signal in real time: a voiced tone (agent lower, contact higher) shaped
/// into syllables, with a little line noise; near silence when nobody speaks.
async fn publish_audio(app: Arc<App>, call_id: i64, speaker: Arc<AtomicU8>) {
    const FRAME: usize = (TAP_SAMPLE_RATE / 50) as usize;
    let rate = TAP_SAMPLE_RATE as f32;
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    let (mut phase, mut t, mut noise) = (0.0f32, 0.0f32, 0x2545_f491u32);
    loop {
        tick.tick().await;
        let who = speaker.load(Ordering::Relaxed);
        let f0 = if who == 2 { 210.0 } else { 125.0 };
        let frame: Vec<i16> = (0..FRAME)
            .map(|_| {
                t += 1.0 / rate;
                phase = (phase + f0 / rate) % 1.0;
                noise ^= noise << 13;
                noise ^= noise >> 17;
                noise ^= noise << 5;
                let hiss = (noise as f32 / u32::MAX as f32 - 0.5) * 300.0;
                let voiced = if who == 0 {
                    0.0
                } else {
                    let syllable = (0.5 + 0.5 * (TAU * 3.5 * t).sin()).powi(2);
                    let wave = (TAU * phase).sin()
                        + 0.5 * (TAU * 2.0 * phase).sin()
                        + 0.25 * (TAU * 3.0 * phase).sin();
                    wave * syllable * 6000.0
                };
                (voiced + hiss) as i16
            })
            .collect();
        app.media_taps.publish(call_id, Arc::from(frame));
    }
}
