//! Live listen: forwards one call's tap (see `media_tap`) to a UI WebSocket as binary PCM16 little-endian
//! frames, 20 ms each at 8 kHz. A listener that falls behind skips frames (the tap's channel drops them) so
//! it stays near real time instead of drifting behind; the socket closes when the call's media ends.

use axum::extract::ws::{Message, WebSocket};
use tokio::sync::broadcast::{Receiver, error::RecvError};

use crate::media_tap::TapFrame;

/// One frame as bytes on the wire.
pub fn encode(frame: &[i16]) -> Vec<u8> {
    frame.iter().flat_map(|s| s.to_le_bytes()).collect()
}

/// Pushes frames until the tap closes or the UI goes away.
pub async fn forward(mut frames: Receiver<TapFrame>, mut socket: WebSocket) {
    loop {
        tokio::select! {
            frame = frames.recv() => match frame {
                Ok(f) => {
                    if socket.send(Message::Binary(encode(&f).into())).await.is_err() {
                        return;
                    }
                }
                Err(RecvError::Lagged(n)) => tracing::debug!(skipped = n, "listener behind; skipping frames"),
                Err(RecvError::Closed) => break,
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
        }
    }
    let _ = socket.send(Message::Close(None)).await;
}

#[cfg(test)]
mod tests {
    #[test]
    fn frames_are_little_endian() {
        assert_eq!(super::encode(&[1, -2]), vec![1, 0, 0xfe, 0xff]);
    }
}
