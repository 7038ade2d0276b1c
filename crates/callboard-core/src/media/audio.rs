//! Sample-level audio for the bridge: G.711 µ-law (Sun `g711.c`, bit-exact with CPython's `audioop`), PCM16
//! little-endian framing, and a stateful resampler between 8, 16 and 24 kHz. Everything here works into
//! caller-owned buffers so the per-frame path allocates nothing once the buffers have grown to frame size.

/// The µ-law code for digital silence.
pub const ULAW_SILENCE: u8 = 0xFF;

const BIAS: i32 = 0x84;
const CLIP: i32 = 8159;
const SEG_END: [i32; 8] = [0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF];

/// Encodes one sample (Sun's `linear2ulaw` on 16-bit input).
pub const fn ulaw_encode(sample: i16) -> u8 {
    let mut pcm = (sample as i32) >> 2;
    let mask: i32 = if pcm < 0 {
        pcm = -pcm;
        0x7F
    } else {
        0xFF
    };
    if pcm > CLIP {
        pcm = CLIP;
    }
    pcm += BIAS >> 2;
    let mut seg = 0;
    while seg < 8 && pcm > SEG_END[seg] {
        seg += 1;
    }
    if seg >= 8 {
        return (0x7F ^ mask) as u8;
    }
    let uval = ((seg as i32) << 4) | ((pcm >> (seg + 1)) & 0xF);
    (uval ^ mask) as u8
}

const fn decode_table() -> [i16; 256] {
    let mut t = [0i16; 256];
    let mut i = 0;
    while i < 256 {
        let u = !(i as u8) as i32;
        let mut v = ((u & 0x0F) << 3) + BIAS;
        v <<= (u & 0x70) >> 4;
        t[i] = if u & 0x80 != 0 {
            (BIAS - v) as i16
        } else {
            (v - BIAS) as i16
        };
        i += 1;
    }
    t
}

static ULAW_DECODE: [i16; 256] = decode_table();

/// Decodes one µ-law byte.
#[inline]
pub fn ulaw_decode(code: u8) -> i16 {
    ULAW_DECODE[code as usize]
}

/// Decodes µ-law bytes, replacing `out`'s contents.
pub fn ulaw_to_pcm(input: &[u8], out: &mut Vec<i16>) {
    out.clear();
    out.extend(input.iter().map(|&b| ulaw_decode(b)));
}

/// Encodes samples to µ-law, replacing `out`'s contents.
pub fn pcm_to_ulaw(input: &[i16], out: &mut Vec<u8>) {
    out.clear();
    out.extend(input.iter().map(|&s| ulaw_encode(s)));
}

/// Reads PCM16LE bytes into samples, replacing `out`'s contents. An odd trailing byte is ignored; the caller
/// decides whether that is an error (it returns `false` then).
pub fn le_bytes_to_pcm(input: &[u8], out: &mut Vec<i16>) -> bool {
    out.clear();
    out.extend(input.chunks_exact(2).map(|b| i16::from_le_bytes([b[0], b[1]])));
    input.len().is_multiple_of(2)
}

/// Writes samples as PCM16LE, appending to `out`.
pub fn pcm_to_le_bytes(input: &[i16], out: &mut Vec<u8>) {
    out.reserve(input.len() * 2);
    for s in input {
        out.extend_from_slice(&s.to_le_bytes());
    }
}

/// Samples in `ms` milliseconds at `rate`.
pub const fn samples_for_ms(rate: u32, ms: u32) -> usize {
    (rate as usize * ms as usize) / 1000
}

/// A streaming resampler between integer rates (8, 16, 24 kHz and any other pair). Linear interpolation on
/// the input, after a short moving-average low-pass when going down. State (the last input sample, the
/// fractional read position and the filter's history) carries across calls, so feeding a signal in frames
/// of any size gives the same output as feeding it at once: no clicks at frame edges. Latency is under one
/// input sample.
#[derive(Debug, Clone)]
pub struct Resampler {
    from: u32,
    to: u32,
    /// Position of the next output sample, in input samples, counted from `prev` (0 = `prev`, 1 = the
    /// first sample of the next input), scaled by `to` to stay exact in integers.
    pos: u64,
    prev: i32,
    /// Box-filter length for downsampling (1 when upsampling or equal rates) and its history.
    taps: usize,
    history: [i32; 4],
    hist_at: usize,
    hist_sum: i32,
}

impl Resampler {
    pub fn new(from: u32, to: u32) -> Resampler {
        let from = from.max(1);
        let to = to.max(1);
        let taps = if from > to {
            (from.div_ceil(to) as usize).clamp(1, 4)
        } else {
            1
        };
        Resampler {
            from,
            to,
            pos: u64::from(from),
            prev: 0,
            taps,
            history: [0; 4],
            hist_at: 0,
            hist_sum: 0,
        }
    }

    pub fn rates(&self) -> (u32, u32) {
        (self.from, self.to)
    }

    fn filter(&mut self, x: i32) -> i32 {
        if self.taps == 1 {
            return x;
        }
        self.hist_sum += x - self.history[self.hist_at];
        self.history[self.hist_at] = x;
        self.hist_at = (self.hist_at + 1) % self.taps;
        self.hist_sum / self.taps as i32
    }

    /// Resamples `input`, appending to `out`.
    pub fn process(&mut self, input: &[i16], out: &mut Vec<i16>) {
        if self.from == self.to {
            out.extend_from_slice(input);
            return;
        }
        let (from, to) = (u64::from(self.from), u64::from(self.to));
        out.reserve((input.len() as u64 * to / from + 2) as usize);
        // `pos` is in units of 1/to input samples; step one output sample = from/to input samples.
        for &raw in input {
            let x = self.filter(i32::from(raw));
            // Emit every output sample that lies in (prev, x]: pos in (0, to].
            while self.pos <= to {
                let frac = self.pos as i64;
                let y = i64::from(self.prev) + (i64::from(x) - i64::from(self.prev)) * frac / to as i64;
                out.push(y.clamp(i64::from(i16::MIN), i64::from(i16::MAX)) as i16);
                self.pos += from;
            }
            self.pos -= to;
            self.prev = x;
        }
    }
}

/// Sums two signals sample by sample with saturation, halving each so speech from both sides stays clear.
pub fn mix_into(a: &[i16], b: &[i16], out: &mut [i16]) {
    for (i, o) in out.iter_mut().enumerate() {
        let x = i32::from(a.get(i).copied().unwrap_or(0));
        let y = i32::from(b.get(i).copied().unwrap_or(0));
        *o = ((x + y) / 2) as i16;
    }
}

#[cfg(test)]
#[path = "audio_tests.rs"]
mod tests;
