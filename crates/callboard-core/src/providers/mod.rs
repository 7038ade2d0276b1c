//! Dialers for each provider: the simulator and ElevenLabs (engine-paced) so far; Twilio and Exotel plug into
//! the same `engine::Dialer` seam. ElevenLabs' batch mode runs beside the engine (`elevenlabs::batch`).

pub mod elevenlabs;
pub mod sim;
pub mod sim_live;

use std::{collections::HashMap, sync::Arc};

use crate::{app::App, engine::Dialer};

/// The dialers this instance can use, by provider name. The simulator is always there; real providers
/// join when their keys are configured.
pub fn dialers(app: &Arc<App>, sim_speed: f64) -> HashMap<String, Arc<dyn Dialer>> {
    let seed = u64::from(std::process::id());
    let sim: Arc<dyn Dialer> = Arc::new(sim::SimDialer::new(
        app.clone(),
        sim::OutcomeMix::default(),
        sim_speed,
        seed,
    ));
    let mut dialers = HashMap::from([("sim".to_owned(), sim)]);
    if let Some(el) = app.elevenlabs.get().filter(|el| el.configured()) {
        let el: Arc<dyn Dialer> =
            Arc::new(elevenlabs::dialer::ElevenLabsDialer::new(app.clone(), el.clone()));
        dialers.insert("elevenlabs".to_owned(), el);
    }
    dialers
}
