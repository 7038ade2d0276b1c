//! Live-listen taps: each call with a media stream publishes its mixed audio here (PCM16 mono, 8 kHz, 20 ms
//! frames of 160 samples), and the UI's listen socket subscribes. A broadcast channel per call, so a slow
//! listener drops frames instead of slowing the call; publishing with nobody listening costs one map lookup.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, MutexGuard},
};

use tokio::sync::broadcast;

/// One 20 ms frame of mixed call audio, PCM16 mono at [`TAP_SAMPLE_RATE`].
pub type TapFrame = Arc<[i16]>;

/// The tap's sample rate.
pub const TAP_SAMPLE_RATE: u32 = 8_000;
/// Frames a listener may fall behind before it starts losing them (one second).
const TAP_CAPACITY: usize = 50;

/// Every call's tap, by call id.
#[derive(Debug, Default)]
pub struct MediaTaps {
    taps: Mutex<HashMap<i64, broadcast::Sender<TapFrame>>>,
}

impl MediaTaps {
    fn lock(&self) -> MutexGuard<'_, HashMap<i64, broadcast::Sender<TapFrame>>> {
        match self.taps.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Opens the tap for a call whose media just started (again: an existing tap is kept).
    pub fn open(&self, call_id: i64) {
        self.lock()
            .entry(call_id)
            .or_insert_with(|| broadcast::channel(TAP_CAPACITY).0);
    }

    /// Publishes a frame; dropped when nobody listens or the call has no open tap.
    pub fn publish(&self, call_id: i64, frame: TapFrame) {
        if let Some(tx) = self.lock().get(&call_id)
            && tx.receiver_count() > 0
        {
            let _ = tx.send(frame);
        }
    }

    /// Whether anyone listens to the call now (the bridge skips mixing otherwise).
    pub fn has_listeners(&self, call_id: i64) -> bool {
        self.lock()
            .get(&call_id)
            .is_some_and(|tx| tx.receiver_count() > 0)
    }

    /// Listens to a call; `None` when it has no live media.
    pub fn subscribe(&self, call_id: i64) -> Option<broadcast::Receiver<TapFrame>> {
        self.lock().get(&call_id).map(broadcast::Sender::subscribe)
    }

    /// Whether a call has live media now.
    pub fn is_live(&self, call_id: i64) -> bool {
        self.lock().contains_key(&call_id)
    }

    /// Closes a call's tap; its listeners see the channel close.
    pub fn close(&self, call_id: i64) {
        self.lock().remove(&call_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_listener_gets_frames_until_the_tap_closes() {
        let taps = MediaTaps::default();
        assert!(taps.subscribe(7).is_none());
        taps.open(7);
        let mut rx = taps.subscribe(7).expect("open tap");
        taps.publish(7, Arc::from(vec![1i16; 160]));
        assert_eq!(rx.recv().await.expect("frame").len(), 160);
        taps.close(7);
        assert!(rx.recv().await.is_err());
        assert!(!taps.is_live(7));
    }
}
