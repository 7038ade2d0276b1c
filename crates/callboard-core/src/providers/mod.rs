//! Dialers for each provider: the simulator, ElevenLabs (engine-paced; its batch mode runs beside the engine
//! in `elevenlabs::batch`), and Twilio and Exotel (direct dialing with the media bridge), all through the
//! same `engine::Dialer` seam.

pub mod elevenlabs;
pub mod exotel;
pub mod http;
pub mod sim;
pub mod twilio;

use std::{collections::HashMap, sync::Arc};

use crate::{app::App, engine::Dialer};

/// The dialers this instance can use, by provider name. The simulator is always there (at `sim_speed`, seeded
/// by the process id); real providers join when their keys are configured.
pub fn dialers(app: &Arc<App>, sim_speed: f64) -> HashMap<String, Arc<dyn Dialer>> {
    let sim = sim::SimConfig {
        speed: sim_speed,
        seed: u64::from(std::process::id()),
        ..Default::default()
    };
    dialers_with_sim(app, sim).0
}

/// [`dialers`] with the simulator configured as given, and the simulator itself (for its report).
pub fn dialers_with_sim(
    app: &Arc<App>,
    sim: sim::SimConfig,
) -> (HashMap<String, Arc<dyn Dialer>>, Arc<sim::SimDialer>) {
    let simulator = Arc::new(sim::SimDialer::new(app.clone(), sim));
    let as_dialer: Arc<dyn Dialer> = simulator.clone();
    let mut dialers = HashMap::from([("sim".to_owned(), as_dialer)]);
    if let Some(el) = app.elevenlabs.get().filter(|el| el.configured()) {
        let el: Arc<dyn Dialer> =
            Arc::new(elevenlabs::dialer::ElevenLabsDialer::new(app.clone(), el.clone()));
        dialers.insert("elevenlabs".to_owned(), el);
    }
    (dialers, simulator)
}

/// Carrier accounts read at launch (env now; the keychain later).
#[derive(Debug, Clone, Default)]
pub struct CarrierConfig {
    pub twilio: Option<twilio::TwilioConfig>,
    pub exotel: Option<exotel::ExotelConfig>,
    pub elevenlabs: Option<crate::media::elevenlabs_ws::ElevenLabsConfig>,
}

impl CarrierConfig {
    pub fn from_env() -> CarrierConfig {
        CarrierConfig {
            twilio: twilio::TwilioConfig::from_env(),
            exotel: exotel::ExotelConfig::from_env(),
            elevenlabs: crate::media::elevenlabs_ws::ElevenLabsConfig::from_env(),
        }
    }
}

/// Adds the Twilio and Exotel dialers for the configured accounts, and configures the media bridge (agent
/// backend, Twilio client for transfers).
pub fn add_carriers(app: &Arc<App>, config: CarrierConfig, dialers: &mut HashMap<String, Arc<dyn Dialer>>) {
    let twilio_client = config.twilio.map(|c| Arc::new(twilio::TwilioClient::new(c)));
    if let Some(client) = &twilio_client {
        dialers.insert(
            "twilio".into(),
            Arc::new(twilio::TwilioDialer::new(app.clone(), client.clone())),
        );
    }
    if let Some(c) = config.exotel {
        dialers.insert(
            "exotel".into(),
            Arc::new(exotel::ExotelDialer::new(app.clone(), c)),
        );
    }
    // The OpenAI Realtime backend may have been installed already (`openai::realtime::install`): keep it.
    let bridge = crate::media::Bridge {
        realtime: app.media_sessions.bridge().realtime.clone(),
        ..crate::media::Bridge::default()
    };
    let agents = config.elevenlabs.map(|c| {
        Arc::new(crate::media::elevenlabs_ws::ElevenLabsAgents::new(
            c,
            bridge.answer_timeout,
        )) as Arc<dyn crate::media::agent::AgentBackend>
    });
    app.media_sessions.configure(crate::media::Bridge {
        agents,
        twilio: twilio_client,
        ..bridge
    });
}
