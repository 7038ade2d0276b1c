//! The dialers the API acts through (hang up, whisper, transfer). `launch` builds the dialers once and hands
//! the same map to the engine and to this registry, so a supervisor's action reaches the very provider
//! client that placed the call.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
};

use crate::engine::{Dialer, dialer::Capabilities};

/// Dialers by provider name. Empty until `launch` (or a test) fills it.
#[derive(Default)]
pub struct CallControls {
    dialers: RwLock<HashMap<String, Arc<dyn Dialer>>>,
}

impl std::fmt::Debug for CallControls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<String> = match self.dialers.read() {
            Ok(d) => d.keys().cloned().collect(),
            Err(p) => p.into_inner().keys().cloned().collect(),
        };
        f.debug_struct("CallControls").field("providers", &names).finish()
    }
}

impl CallControls {
    pub fn set(&self, dialers: HashMap<String, Arc<dyn Dialer>>) {
        match self.dialers.write() {
            Ok(mut d) => *d = dialers,
            Err(p) => *p.into_inner() = dialers,
        }
    }

    pub fn get(&self, provider: &str) -> Option<Arc<dyn Dialer>> {
        match self.dialers.read() {
            Ok(d) => d.get(provider).cloned(),
            Err(p) => p.into_inner().get(provider).cloned(),
        }
    }

    /// What can be done to a call on `provider` (nothing when this instance has no dialer for it).
    pub fn capabilities(&self, provider: &str) -> Capabilities {
        self.get(provider).map_or(
            Capabilities {
                hang_up: false,
                whisper: false,
                transfer: false,
            },
            |d| d.capabilities(),
        )
    }
}
