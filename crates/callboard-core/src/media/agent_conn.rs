//! How the bridge holds a connected agent. A backend either runs its own task and talks over channels
//! ([`AgentLink`]), or hands over its socket as an [`InlineAgent`] that the call's session drives from its
//! own task: then a frame goes carrier socket → decode → agent socket write with no channel, no task wake-up
//! and no extra allocation in between (at hundreds of calls those hops were most of a frame's CPU). The
//! session sees one type, [`AgentConn`], either way; [`pump`] turns an inline agent back into channels for
//! users that want a link (Talk to agent).

use std::{
    future::poll_fn,
    task::{Context, Poll},
    time::Duration,
};

use tokio::sync::mpsc;

use super::agent::{AgentAudio, AgentEvent, AgentInput, AgentLink, LINK_CAPACITY};

/// Why an input did not reach the agent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// The agent is behind (its queue or socket buffer is full): this input was dropped.
    #[error("the agent is not keeping up; input dropped")]
    Full,
    /// The agent's side is gone.
    #[error("the agent went away")]
    Closed,
}

/// An agent socket driven by its caller's task. Inputs are encoded into the socket's write buffer at once
/// and written by [`poll_flush`](InlineAgent::poll_flush) (which [`poll_event`](InlineAgent::poll_event)
/// also drives, so a write the kernel deferred completes while the task waits for anything).
pub trait InlineAgent: Send + 'static {
    /// Queues the contact's audio, in the agent's input format.
    fn queue_audio(&mut self, bytes: &[u8]) -> Result<(), SendError>;
    /// Queues any other input (what the agent ignores is dropped here).
    fn queue(&mut self, input: AgentInput) -> Result<(), SendError>;
    /// Writes what is queued.
    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), SendError>>;
    /// The agent's next event; `Ended` once when its side is over, then `None`.
    fn poll_event(&mut self, cx: &mut Context<'_>) -> Poll<Option<AgentEvent>>;
    /// Closes the conversation politely (a close frame, what is queued written first).
    fn close(self: Box<Self>) -> futures_util::future::BoxFuture<'static, ()>;
}

/// A connected inline agent and its formats.
pub struct InlineLink {
    pub input_format: AgentAudio,
    pub output_format: AgentAudio,
    pub conversation_id: Option<String>,
    pub socket: Box<dyn InlineAgent>,
}

impl std::fmt::Debug for InlineLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InlineLink")
            .field("input_format", &self.input_format)
            .field("output_format", &self.output_format)
            .field("conversation_id", &self.conversation_id)
            .finish_non_exhaustive()
    }
}

/// A connected agent, however the backend runs it.
#[derive(Debug)]
pub enum AgentConn {
    Channels(AgentLink),
    Inline(InlineLink),
}

/// How long a channel backend's full queue may hold the caller before the input is dropped.
const CHANNEL_WAIT: Duration = Duration::from_millis(200);

impl AgentConn {
    pub fn input_format(&self) -> AgentAudio {
        match self {
            AgentConn::Channels(l) => l.input_format,
            AgentConn::Inline(l) => l.input_format,
        }
    }

    pub fn output_format(&self) -> AgentAudio {
        match self {
            AgentConn::Channels(l) => l.output_format,
            AgentConn::Inline(l) => l.output_format,
        }
    }

    pub fn conversation_id(&self) -> Option<&str> {
        match self {
            AgentConn::Channels(l) => l.conversation_id.as_deref(),
            AgentConn::Inline(l) => l.conversation_id.as_deref(),
        }
    }

    /// Sends without waiting: queued on the socket (inline) or the channel.
    pub fn try_send(&mut self, input: AgentInput) -> Result<(), SendError> {
        match self {
            AgentConn::Channels(l) => l.input.try_send(input).map_err(|e| match e {
                mpsc::error::TrySendError::Full(_) => SendError::Full,
                mpsc::error::TrySendError::Closed(_) => SendError::Closed,
            }),
            AgentConn::Inline(l) => l.socket.queue(input),
        }
    }

    /// Sends, letting a channel backend's full queue absorb a short burst first.
    pub async fn send(&mut self, input: AgentInput) -> Result<(), SendError> {
        match self {
            AgentConn::Channels(l) => match l.input.try_send(input) {
                Ok(()) => Ok(()),
                Err(mpsc::error::TrySendError::Closed(_)) => Err(SendError::Closed),
                Err(mpsc::error::TrySendError::Full(input)) => {
                    match tokio::time::timeout(CHANNEL_WAIT, l.input.send(input)).await {
                        Ok(Ok(())) => Ok(()),
                        Ok(Err(_)) => Err(SendError::Closed),
                        Err(_) => Err(SendError::Full),
                    }
                }
            },
            AgentConn::Inline(l) => l.socket.queue(input),
        }
    }

    /// Sends the contact's audio; inline agents take it by reference (no copy into a message first).
    pub async fn send_audio(&mut self, bytes: &[u8]) -> Result<(), SendError> {
        match self {
            AgentConn::Inline(l) => l.socket.queue_audio(bytes),
            AgentConn::Channels(_) => self.send(AgentInput::Audio(bytes.to_vec())).await,
        }
    }

    /// Starts writing what is queued now (inline); a write the socket cannot take yet finishes while the
    /// caller waits in [`next_event`](Self::next_event), and a failed one ends the agent through it.
    pub async fn flush(&mut self) {
        if let AgentConn::Inline(l) = self {
            let _ = poll_fn(|cx| Poll::Ready(l.socket.poll_flush(cx))).await;
        }
    }

    /// The agent's next event (cancel-safe: nothing is lost when another branch of a `select!` wins).
    pub async fn next_event(&mut self) -> Option<AgentEvent> {
        match self {
            AgentConn::Channels(l) => l.events.recv().await,
            AgentConn::Inline(l) => poll_fn(|cx| l.socket.poll_event(cx)).await,
        }
    }

    /// Ends the conversation: a channel backend sees its input close; an inline socket is closed politely
    /// in the background (the caller does not wait for the agent).
    pub fn close(self) {
        if let AgentConn::Inline(l) = self {
            let close = l.socket.close();
            tokio::spawn(async move {
                let _ = tokio::time::timeout(Duration::from_secs(2), close).await;
            });
        }
    }
}

trait PollOk {
    fn is_pending_or_ok(&self) -> bool;
}

impl PollOk for Poll<Result<(), SendError>> {
    fn is_pending_or_ok(&self) -> bool {
        !matches!(self, Poll::Ready(Err(_)))
    }
}

/// Runs an inline agent on its own task behind channels, for callers that want an [`AgentLink`].
pub fn into_link(link: InlineLink) -> AgentLink {
    let (input_tx, input_rx) = mpsc::channel(LINK_CAPACITY);
    let (events_tx, events_rx) = mpsc::channel(LINK_CAPACITY);
    tokio::spawn(pump(link.socket, input_rx, events_tx));
    AgentLink {
        input_format: link.input_format,
        output_format: link.output_format,
        conversation_id: link.conversation_id,
        input: input_tx,
        events: events_rx,
    }
}

enum Step {
    Input(Option<AgentInput>),
    Event(Option<AgentEvent>),
}

/// Moves inputs from the channel to the socket and events the other way until either side ends; a closed
/// input channel closes the conversation politely.
pub async fn pump(
    mut socket: Box<dyn InlineAgent>,
    mut input: mpsc::Receiver<AgentInput>,
    events: mpsc::Sender<AgentEvent>,
) {
    loop {
        let step = poll_fn(|cx| {
            if let Poll::Ready(i) = input.poll_recv(cx) {
                return Poll::Ready(Step::Input(i));
            }
            socket.poll_event(cx).map(Step::Event)
        })
        .await;
        match step {
            Step::Input(Some(i)) => {
                let queued = socket.queue(i);
                let flushed = poll_fn(|cx| Poll::Ready(socket.poll_flush(cx))).await;
                if queued == Err(SendError::Closed) || !flushed.is_pending_or_ok() {
                    // The socket failed: its next event says why.
                    continue;
                }
            }
            Step::Input(None) => return socket.close().await,
            Step::Event(Some(ev)) => {
                let over = matches!(ev, AgentEvent::Ended(_));
                if events.send(ev).await.is_err() {
                    return socket.close().await;
                }
                if over {
                    return;
                }
            }
            Step::Event(None) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::{
        collections::VecDeque,
        sync::{Arc, Mutex},
    };

    use super::*;

    /// Records what it is sent; plays back scripted events, then ends.
    struct Scripted {
        sent: Arc<Mutex<Vec<AgentInput>>>,
        events: VecDeque<AgentEvent>,
        closed: Arc<Mutex<bool>>,
    }

    impl InlineAgent for Scripted {
        fn queue_audio(&mut self, bytes: &[u8]) -> Result<(), SendError> {
            self.queue(AgentInput::Audio(bytes.to_vec()))
        }
        fn queue(&mut self, input: AgentInput) -> Result<(), SendError> {
            self.sent.lock().map_err(|_| SendError::Closed)?.push(input);
            Ok(())
        }
        fn poll_flush(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), SendError>> {
            Poll::Ready(Ok(()))
        }
        fn poll_event(&mut self, _cx: &mut Context<'_>) -> Poll<Option<AgentEvent>> {
            match self.events.pop_front() {
                Some(ev) => Poll::Ready(Some(ev)),
                // Quiet until the test closes the input.
                None => Poll::Pending,
            }
        }
        fn close(self: Box<Self>) -> futures_util::future::BoxFuture<'static, ()> {
            let closed = self.closed.clone();
            Box::pin(async move {
                if let Ok(mut c) = closed.lock() {
                    *c = true;
                }
            })
        }
    }

    #[tokio::test]
    async fn an_inline_agent_behind_channels_passes_both_ways_and_closes_with_its_input() {
        let sent = Arc::new(Mutex::new(Vec::new()));
        let closed = Arc::new(Mutex::new(false));
        let socket = Scripted {
            sent: sent.clone(),
            events: VecDeque::from([
                AgentEvent::Audio {
                    id: 1,
                    bytes: vec![1, 2],
                },
                AgentEvent::Interruption { id: 1 },
            ]),
            closed: closed.clone(),
        };
        let mut link = into_link(InlineLink {
            input_format: AgentAudio::Ulaw8k,
            output_format: AgentAudio::Pcm(16_000),
            conversation_id: Some("c1".into()),
            socket: Box::new(socket),
        });
        assert_eq!(link.output_format, AgentAudio::Pcm(16_000));
        assert_eq!(
            link.events.recv().await,
            Some(AgentEvent::Audio {
                id: 1,
                bytes: vec![1, 2]
            })
        );
        assert_eq!(link.events.recv().await, Some(AgentEvent::Interruption { id: 1 }));
        assert!(link.input.send(AgentInput::Dtmf("5".into())).await.is_ok());
        let AgentLink {
            input, mut events, ..
        } = link;
        drop(input);
        // The pump closes the socket and ends: the events channel closes.
        assert_eq!(events.recv().await, None);
        assert_eq!(
            sent.lock().map(|s| s.clone()).unwrap_or_default(),
            vec![AgentInput::Dtmf("5".into())]
        );
        assert!(closed.lock().map(|c| *c).unwrap_or(false));
    }
}
