//! Audio formats for "Talk to agent": the browser always sends and receives PCM16 little-endian mono at
//! [`BROWSER_RATE`]; the agent speaks whatever its backend says (µ-law 8 kHz, PCM at 8/16/24 kHz). One
//! converter per direction, each holding its resampler's state so frame edges do not click.

use super::{
    agent::AgentAudio,
    audio::{Resampler, le_bytes_to_pcm, pcm_to_le_bytes, pcm_to_ulaw, ulaw_to_pcm},
};

/// The browser's side of a talk session: PCM16LE mono at 16 kHz both ways.
pub const BROWSER_RATE: u32 = 16_000;

/// One direction of conversion, with its buffers (reused frame to frame).
#[derive(Debug)]
pub struct Converter {
    from: AgentAudio,
    to: AgentAudio,
    resampler: Resampler,
    samples: Vec<i16>,
    resampled: Vec<i16>,
    ulaw: Vec<u8>,
}

impl Converter {
    pub fn new(from: AgentAudio, to: AgentAudio) -> Converter {
        Converter {
            from,
            to,
            resampler: Resampler::new(from.rate(), to.rate()),
            samples: Vec::new(),
            resampled: Vec::new(),
            ulaw: Vec::new(),
        }
    }

    /// The browser's microphone to the agent's input format.
    pub fn to_agent(input: AgentAudio) -> Converter {
        Converter::new(AgentAudio::Pcm(BROWSER_RATE), input)
    }

    /// The agent's speech to the browser's speakers.
    pub fn to_browser(output: AgentAudio) -> Converter {
        Converter::new(output, AgentAudio::Pcm(BROWSER_RATE))
    }

    /// Converts one piece; `None` when PCM input has an odd number of bytes (not PCM16).
    pub fn convert(&mut self, bytes: &[u8]) -> Option<Vec<u8>> {
        match self.from {
            AgentAudio::Ulaw8k => ulaw_to_pcm(bytes, &mut self.samples),
            AgentAudio::Pcm(_) => {
                if !le_bytes_to_pcm(bytes, &mut self.samples) {
                    return None;
                }
            }
        }
        self.resampled.clear();
        self.resampler.process(&self.samples, &mut self.resampled);
        let mut out = Vec::with_capacity(self.resampled.len() * 2);
        match self.to {
            AgentAudio::Ulaw8k => {
                pcm_to_ulaw(&self.resampled, &mut self.ulaw);
                out.extend_from_slice(&self.ulaw);
            }
            AgentAudio::Pcm(_) => pcm_to_le_bytes(&self.resampled, &mut out),
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pcm_bytes(samples: &[i16]) -> Vec<u8> {
        let mut out = Vec::new();
        pcm_to_le_bytes(samples, &mut out);
        out
    }

    #[test]
    fn a_20ms_browser_frame_becomes_160_ulaw_bytes_and_back_320_samples() {
        let frame: Vec<i16> = (0..320)
            .map(|i| ((i as f64 / 10.0).sin() * 8000.0) as i16)
            .collect();
        let mut up = Converter::to_agent(AgentAudio::Ulaw8k);
        let ulaw = up.convert(&pcm_bytes(&frame)).expect("even bytes");
        assert_eq!(ulaw.len(), 160);
        let mut down = Converter::to_browser(AgentAudio::Ulaw8k);
        let back = down.convert(&ulaw).expect("µ-law has no odd length");
        assert_eq!(back.len(), 640);
    }

    #[test]
    fn same_rate_pcm_passes_through_and_odd_bytes_are_refused() {
        let mut c = Converter::to_agent(AgentAudio::Pcm(16_000));
        let bytes = pcm_bytes(&[1, -2, 300, -400]);
        assert_eq!(c.convert(&bytes), Some(bytes.clone()));
        assert_eq!(c.convert(&[1, 2, 3]), None);
    }

    #[test]
    fn a_24k_agent_is_brought_down_to_16k() {
        let mut c = Converter::to_browser(AgentAudio::Pcm(24_000));
        let out = c.convert(&pcm_bytes(&[1000; 480])).expect("even");
        // 20 ms at 24 kHz = 480 samples → 320 samples at 16 kHz (± one for the resampler's phase).
        assert!((318..=322).contains(&(out.len() / 2)), "{}", out.len() / 2);
    }
}
