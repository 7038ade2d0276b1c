//! One call's audio path, without sockets: the contact's frames are decoded to PCM at the carrier's rate,
//! recorded with what the agent was playing at that moment, mixed for the live tap and converted for the
//! agent; the agent's audio is converted for the carrier, queued behind marks (Exotel: cut into conforming
//! chunks) and dropped on barge-in. Buffers and resamplers live here and are reused frame after frame.

use std::collections::VecDeque;

use base64::Engine as _;

use super::{
    agent::AgentAudio,
    audio::{self, Resampler},
    carrier::{self, Carrier, Encoding},
    exotel_chunks::ExotelChunker,
    marks::Marks,
    wav::StereoWav,
};
use crate::media_tap::{MediaTaps, TAP_SAMPLE_RATE};

/// Largest decoded frame accepted from a carrier (Exotel sends 100 ms; two seconds is plenty).
pub const MAX_FRAME_BYTES: usize = 64 * 1024;
const TAP_FRAME: usize = 160;
/// Contact audio kept while the agent connects.
pub const EARLY_SECONDS: usize = 10;

/// Why a media frame was dropped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AudioError {
    #[error("the payload is not base64")]
    Base64,
    #[error("the payload is {0} bytes, over the {MAX_FRAME_BYTES}-byte limit")]
    Oversized(usize),
    #[error("the PCM16 payload has an odd length ({0} bytes)")]
    OddLength(usize),
}

pub struct Pipeline {
    carrier: Carrier,
    encoding: Encoding,
    rate: u32,
    stream_sid: String,
    /// `stream_sid` as a JSON string, quoted once for every message we send.
    sid_quoted: String,
    raw: Vec<u8>,
    pcm: Vec<i16>,
    right: Vec<i16>,
    mixed: Vec<i16>,
    tap_in: Vec<i16>,
    tap_acc: Vec<i16>,
    agent_pcm: Vec<i16>,
    carrier_pcm: Vec<i16>,
    bytes: Vec<u8>,
    /// The frame in the agent's input format (when it differs from the carrier's).
    agent_out: Vec<u8>,
    chunk: Vec<u8>,
    to_tap: Resampler,
    to_agent: Option<(AgentAudio, Resampler)>,
    from_agent: Option<(AgentAudio, Resampler)>,
    playout: VecDeque<i16>,
    pub marks: Marks,
    chunker: ExotelChunker,
    interrupted_upto: Option<u64>,
    early: Vec<i16>,
    /// Sent marks that close agent audio: (mark, agent event id, samples of that event sent up to it).
    mark_events: VecDeque<(String, u64, u64)>,
    /// Exotel: agent events whose audio waits in the chunker: (event id, samples left, samples sent).
    chunk_events: VecDeque<(u64, u64, u64)>,
}

impl Pipeline {
    pub fn new(carrier: Carrier, encoding: Encoding, rate: u32, stream_sid: String) -> Pipeline {
        Pipeline {
            carrier,
            encoding,
            rate,
            sid_quoted: carrier::quoted(&stream_sid),
            stream_sid,
            raw: Vec::new(),
            pcm: Vec::new(),
            right: Vec::new(),
            mixed: Vec::new(),
            tap_in: Vec::new(),
            tap_acc: Vec::new(),
            agent_pcm: Vec::new(),
            carrier_pcm: Vec::new(),
            bytes: Vec::new(),
            agent_out: Vec::new(),
            chunk: Vec::new(),
            to_tap: Resampler::new(rate, TAP_SAMPLE_RATE),
            to_agent: None,
            from_agent: None,
            playout: VecDeque::new(),
            marks: Marks::default(),
            chunker: ExotelChunker::default(),
            interrupted_upto: None,
            early: Vec::new(),
            mark_events: VecDeque::new(),
            chunk_events: VecDeque::new(),
        }
    }

    pub fn rate(&self) -> u32 {
        self.rate
    }

    /// The agent is connected: its formats decide the conversions.
    pub fn set_agent_formats(&mut self, input: AgentAudio, output: AgentAudio) {
        self.to_agent = Some((input, Resampler::new(self.rate, input.rate())));
        self.from_agent = Some((output, Resampler::new(output.rate(), self.rate)));
    }

    /// Decodes a frame of the contact's audio (base64) into the PCM buffer; returns its sample count.
    pub fn contact_frame(&mut self, payload_b64: &str) -> Result<usize, AudioError> {
        if payload_b64.len() / 4 * 3 > MAX_FRAME_BYTES {
            return Err(AudioError::Oversized(payload_b64.len() / 4 * 3));
        }
        self.raw.clear();
        base64::engine::general_purpose::STANDARD
            .decode_vec(payload_b64.trim(), &mut self.raw)
            .map_err(|_| AudioError::Base64)?;
        match self.encoding {
            Encoding::Ulaw => audio::ulaw_to_pcm(&self.raw, &mut self.pcm),
            Encoding::Pcm16 => {
                if !audio::le_bytes_to_pcm(&self.raw, &mut self.pcm) {
                    return Err(AudioError::OddLength(self.raw.len()));
                }
            }
        }
        Ok(self.pcm.len())
    }

    /// Records the frame just decoded next to the agent audio playing meanwhile, and feeds the live tap.
    pub fn record_and_tap(
        &mut self,
        wav: Option<&mut StereoWav>,
        taps: &MediaTaps,
        call_id: i64,
    ) -> std::io::Result<()> {
        let n = self.pcm.len();
        self.right.clear();
        let take = n.min(self.playout.len());
        self.right.extend(self.playout.drain(..take));
        self.right.resize(n, 0);
        if let Some(w) = wav {
            w.write(&self.pcm, &self.right)?;
        }
        if taps.has_listeners(call_id) {
            self.mixed.clear();
            self.mixed.resize(n, 0);
            audio::mix_into(&self.pcm, &self.right, &mut self.mixed);
            self.tap_in.clear();
            self.to_tap.process(&self.mixed, &mut self.tap_in);
            self.tap_acc.extend_from_slice(&self.tap_in);
            while self.tap_acc.len() >= TAP_FRAME {
                taps.publish(call_id, self.tap_acc[..TAP_FRAME].into());
                self.tap_acc.drain(..TAP_FRAME);
            }
        }
        Ok(())
    }

    /// The frame just decoded, in the agent's input format (the carrier's own bytes when formats match
    /// exactly), in a buffer reused frame after frame; `None` before the agent's formats are known, when the
    /// frame is kept (up to [`EARLY_SECONDS`]) instead.
    pub fn for_agent(&mut self) -> Option<&[u8]> {
        let Some((format, _)) = self.to_agent.as_ref() else {
            if self.early.len() < EARLY_SECONDS * self.rate as usize {
                self.early.extend_from_slice(&self.pcm);
            }
            return None;
        };
        if *format == AgentAudio::Ulaw8k && self.encoding == Encoding::Ulaw && self.rate == 8_000 {
            return Some(&self.raw);
        }
        let pcm = std::mem::take(&mut self.pcm);
        let converted = self.convert_for_agent(&pcm);
        self.pcm = pcm;
        converted.then_some(&self.agent_out[..])
    }

    /// What the contact said before the agent answered, in 20 ms pieces in the agent's format.
    pub fn early_for_agent(&mut self) -> Vec<Vec<u8>> {
        let early = std::mem::take(&mut self.early);
        let piece = audio::samples_for_ms(self.rate, 20).max(1);
        let mut pieces = Vec::new();
        for c in early.chunks(piece) {
            if self.convert_for_agent(c) {
                pieces.push(self.agent_out.clone());
            }
        }
        pieces
    }

    /// Converts `pcm` into `agent_out`; false before the agent's formats are known.
    fn convert_for_agent(&mut self, pcm: &[i16]) -> bool {
        let Some((format, resampler)) = self.to_agent.as_mut() else {
            return false;
        };
        self.agent_pcm.clear();
        resampler.process(pcm, &mut self.agent_pcm);
        self.agent_out.clear();
        match format {
            AgentAudio::Ulaw8k => audio::pcm_to_ulaw(&self.agent_pcm, &mut self.agent_out),
            AgentAudio::Pcm(_) => audio::pcm_to_le_bytes(&self.agent_pcm, &mut self.agent_out),
        }
        true
    }

    /// Agent speech: the carrier messages to send (media and a mark per piece), appended to `out`.
    pub fn agent_audio(&mut self, id: u64, bytes: &[u8], out: &mut Vec<String>) {
        if self.interrupted_upto.is_some_and(|upto| id <= upto) {
            return;
        }
        let Some((format, resampler)) = self.from_agent.as_mut() else {
            return;
        };
        self.agent_pcm.clear();
        match format {
            AgentAudio::Ulaw8k => audio::ulaw_to_pcm(bytes, &mut self.agent_pcm),
            AgentAudio::Pcm(_) => {
                audio::le_bytes_to_pcm(bytes, &mut self.agent_pcm);
            }
        }
        let passthrough =
            *format == AgentAudio::Ulaw8k && self.encoding == Encoding::Ulaw && self.rate == 8_000;
        self.carrier_pcm.clear();
        resampler.process(&self.agent_pcm, &mut self.carrier_pcm);
        self.playout.extend(self.carrier_pcm.iter().copied());
        self.bytes.clear();
        match self.encoding {
            // µ-law both ways at 8 kHz: the agent's bytes go out untouched.
            Encoding::Ulaw if passthrough => self.bytes.extend_from_slice(bytes),
            Encoding::Ulaw => self
                .bytes
                .extend(self.carrier_pcm.iter().map(|&s| audio::ulaw_encode(s))),
            Encoding::Pcm16 => audio::pcm_to_le_bytes(&self.carrier_pcm, &mut self.bytes),
        }
        if self.carrier == Carrier::Exotel && self.encoding == Encoding::Pcm16 {
            self.chunk_events
                .push_back((id, self.carrier_pcm.len() as u64, 0));
            self.chunker.push(&self.bytes);
            while self.chunker.next_chunk(&mut self.chunk) {
                self.send_chunk(out);
            }
        } else if !self.bytes.is_empty() {
            let samples = self.carrier_pcm.len();
            out.push(carrier::media_of(self.carrier, &self.sid_quoted, &self.bytes));
            let name = self.marks.after_audio(samples);
            out.push(carrier::mark_of(self.carrier, &self.sid_quoted, &name));
            self.mark_events.push_back((name, id, samples as u64));
        }
    }

    fn send_chunk(&mut self, out: &mut Vec<String>) {
        out.push(carrier::media_of(self.carrier, &self.sid_quoted, &self.chunk));
        let samples = self.chunk.len() / 2;
        let name = self.marks.after_audio(samples);
        out.push(carrier::mark_of(self.carrier, &self.sid_quoted, &name));
        // Which agent event this chunk ends in, and how far into it (padding belongs to no event).
        let mut left = samples as u64;
        let mut last = None;
        while left > 0 {
            let Some(front) = self.chunk_events.front_mut() else {
                break;
            };
            let take = left.min(front.1);
            front.1 -= take;
            front.2 += take;
            left -= take;
            last = Some((front.0, front.2));
            if front.1 == 0 {
                self.chunk_events.pop_front();
            }
        }
        if let Some((event, at)) = last {
            self.mark_events.push_back((name, event, at));
        }
    }

    /// A mark echoed as played: the agent event it closes and the ms of it played (carrier rate).
    pub fn mark_played(&mut self, name: &str) -> Option<(u64, u64)> {
        let i = self.mark_events.iter().position(|(n, _, _)| n == name)?;
        let (_, event, samples) = self.mark_events.drain(..=i).next_back()?;
        Some((event, samples * 1000 / u64::from(self.rate.max(1))))
    }

    /// Whether agent audio waits for more before it can go out (Exotel's minimum chunk).
    pub fn has_tail(&self) -> bool {
        self.chunker.pending() > 0
    }

    /// Sends what waits, padded (the agent paused).
    pub fn flush_tail(&mut self, out: &mut Vec<String>) {
        while self.chunker.flush(&mut self.chunk) {
            self.send_chunk(out);
        }
    }

    /// Barge-in: forget queued agent audio up to event `id` and return the `clear` to send.
    pub fn interrupt(&mut self, id: u64) -> String {
        self.interrupted_upto = Some(self.interrupted_upto.map_or(id, |u| u.max(id)));
        self.marks.cleared();
        self.playout.clear();
        self.chunker.clear();
        self.mark_events.clear();
        self.chunk_events.clear();
        carrier::clear(self.carrier, &self.stream_sid)
    }

    /// Milliseconds of agent audio the carrier confirmed played.
    pub fn played_ms(&self) -> u64 {
        self.marks.played_samples() * 1000 / u64::from(self.rate.max(1))
    }
}

#[cfg(test)]
#[path = "pipeline_tests.rs"]
mod tests;
