//! Dialers for each provider. Only the simulator lives here so far; ElevenLabs, Twilio and Exotel plug into
//! the same `engine::Dialer` seam.

pub mod sim;

use std::{collections::HashMap, sync::Arc};

use crate::{app::App, engine::Dialer};

/// The dialers this instance can use, by provider name, and the simulator among them. The simulator is
/// always there; real providers join when their keys are configured.
pub fn dialers(
    app: &Arc<App>,
    sim: sim::SimConfig,
) -> (HashMap<String, Arc<dyn Dialer>>, Arc<sim::SimDialer>) {
    let simulator = Arc::new(sim::SimDialer::new(app.clone(), sim));
    let as_dialer: Arc<dyn Dialer> = simulator.clone();
    (HashMap::from([("sim".to_owned(), as_dialer)]), simulator)
}
