//! The ElevenLabs agent WebSocket after its handshake, as an [`InlineAgent`]: the call's session writes
//! `user_audio_chunk`s straight into the socket's buffer (base64 encoded into one reused string) and reads
//! `audio`, transcripts, `interruption` and `client_tool_call` as it polls; every `ping` is answered as it
//! is read. `elevenlabs_ws` does the handshake and the message shapes.

use std::{
    pin::Pin,
    task::{Context, Poll},
};

use base64::Engine as _;
use futures_util::{Sink, Stream, future::BoxFuture};
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;

use super::{
    agent::{AgentEvent, AgentInput},
    agent_conn::{InlineAgent, SendError},
    elevenlabs_ws::{Socket, audio_event, incoming, outgoing},
};

/// Messages read in one poll before the task lets others run (a flood of pings or scores cannot hog it).
const READ_BUDGET: usize = 32;
/// Largest write backlog kept for a stalled agent (about ten seconds of 8 kHz audio as base64 JSON); past
/// it the contact's audio is dropped, not the call.
pub const MAX_BACKLOG: usize = 256 * 1024;

pub struct ElevenLabsSocket {
    ws: Socket,
    call_id: i64,
    /// Something was queued and not yet written out.
    unflushed: bool,
    /// Why the socket ended, reported once as `Ended`.
    failed: Option<String>,
    ended: bool,
}

impl ElevenLabsSocket {
    pub fn new(ws: Socket, call_id: i64) -> ElevenLabsSocket {
        ElevenLabsSocket {
            ws,
            call_id,
            unflushed: false,
            failed: None,
            ended: false,
        }
    }

    fn queue_text(&mut self, text: String) -> Result<(), SendError> {
        if self.failed.is_some() || self.ended {
            return Err(SendError::Closed);
        }
        match Pin::new(&mut self.ws).start_send(Message::text(text)) {
            Ok(()) => {
                self.unflushed = true;
                Ok(())
            }
            Err(tokio_tungstenite::tungstenite::Error::WriteBufferFull(_)) => Err(SendError::Full),
            Err(e) => {
                self.failed = Some(format!("agent socket: {e}"));
                Err(SendError::Closed)
            }
        }
    }

    fn end(&mut self, reason: String) -> Poll<Option<AgentEvent>> {
        self.ended = true;
        tracing::info!(call_id = self.call_id, %reason, "agent conversation over");
        Poll::Ready(Some(AgentEvent::Ended(reason)))
    }
}

impl InlineAgent for ElevenLabsSocket {
    fn queue_audio(&mut self, bytes: &[u8]) -> Result<(), SendError> {
        let mut s = String::with_capacity(24 + bytes.len().div_ceil(3) * 4);
        s.push_str(r#"{"user_audio_chunk":""#);
        base64::engine::general_purpose::STANDARD.encode_string(bytes, &mut s);
        s.push_str("\"}");
        self.queue_text(s)
    }

    fn queue(&mut self, input: AgentInput) -> Result<(), SendError> {
        match outgoing(input) {
            Some(text) => self.queue_text(text),
            None => Ok(()),
        }
    }

    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), SendError>> {
        if !self.unflushed {
            return Poll::Ready(Ok(()));
        }
        match Pin::new(&mut self.ws).poll_flush(cx) {
            Poll::Ready(Ok(())) => {
                self.unflushed = false;
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => {
                self.unflushed = false;
                self.failed.get_or_insert_with(|| format!("agent socket: {e}"));
                Poll::Ready(Err(SendError::Closed))
            }
            Poll::Pending => Poll::Pending,
        }
    }

    fn poll_event(&mut self, cx: &mut Context<'_>) -> Poll<Option<AgentEvent>> {
        if self.ended {
            return Poll::Ready(None);
        }
        // A deferred write finishes while we wait to read.
        let _ = self.poll_flush(cx);
        if let Some(why) = self.failed.take() {
            return self.end(why);
        }
        for _ in 0..READ_BUDGET {
            let msg = match Pin::new(&mut self.ws).poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(m) => m,
            };
            let text = match msg {
                Some(Ok(Message::Text(text))) => text,
                Some(Ok(Message::Close(frame))) => {
                    return self.end(frame.map_or_else(
                        || "the agent closed the conversation".into(),
                        |f| format!("the agent closed the conversation ({} {})", f.code, f.reason),
                    ));
                }
                Some(Ok(_)) => continue,
                Some(Err(e)) => return self.end(format!("agent socket: {e}")),
                None => return self.end("the agent socket ended".into()),
            };
            // Audio is nearly every frame: read it without building a JSON tree first.
            if let Some(audio) = audio_event(&text) {
                return Poll::Ready(Some(audio));
            }
            match serde_json::from_str::<Value>(&text) {
                Ok(v) => match incoming(&v) {
                    Ok(Some(ev)) => return Poll::Ready(Some(ev)),
                    Ok(None) => {}
                    Err(pong) => {
                        if self.queue_text(pong).is_ok() {
                            let _ = self.poll_flush(cx);
                        }
                        if let Some(why) = self.failed.take() {
                            return self.end(why);
                        }
                    }
                },
                Err(_) => tracing::warn!(call_id = self.call_id, "the agent sent a frame that is not JSON"),
            }
        }
        // Budget spent with more to read: come back after others had their turn.
        cx.waker().wake_by_ref();
        Poll::Pending
    }

    fn close(mut self: Box<Self>) -> BoxFuture<'static, ()> {
        Box::pin(async move {
            let _ = self.ws.close(None).await;
        })
    }
}
