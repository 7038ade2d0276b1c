//! Dialers for each provider: the simulator, ElevenLabs (engine-paced; its batch mode runs beside the engine
//! in `elevenlabs::batch`), and Twilio and Exotel (direct dialing with the media bridge), all through the
//! same `engine::Dialer` seam.

pub mod carriers;
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
