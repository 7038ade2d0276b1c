//! Dialers for each provider. Only the simulator lives here so far; ElevenLabs, Twilio and Exotel plug into
//! the same `engine::Dialer` seam.

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
    HashMap::from([("sim".to_owned(), sim)])
}
