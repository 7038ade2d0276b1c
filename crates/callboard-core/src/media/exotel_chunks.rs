//! Exotel's Voicebot rule for audio we send: every `media` payload is a whole number of 320-byte granules
//! (20 ms of PCM16 at 8 kHz), at least 3200 bytes and at most 100 000. A chunk that breaks the rule plays
//! with gaps, so agent audio is gathered here and cut into conforming chunks; the tail of an utterance is
//! padded with silence.

/// Bytes in one 20 ms granule at 8 kHz PCM16.
pub const GRANULE: usize = 320;
/// Smallest payload Exotel accepts.
pub const MIN_CHUNK: usize = 3200;
/// Largest payload Exotel accepts (a multiple of 320 below 100 000).
pub const MAX_CHUNK: usize = 99_840;

/// Gathers PCM16LE bytes and hands out chunks that follow the rule.
#[derive(Debug, Default)]
pub struct ExotelChunker {
    pending: Vec<u8>,
}

impl ExotelChunker {
    pub fn push(&mut self, pcm_le: &[u8]) {
        self.pending.extend_from_slice(pcm_le);
    }

    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// The next full chunk (without padding), if enough audio is waiting: as large as what is buffered
    /// allows, in whole granules, capped at [`MAX_CHUNK`].
    pub fn next_chunk(&mut self, out: &mut Vec<u8>) -> bool {
        if self.pending.len() < MIN_CHUNK {
            return false;
        }
        let n = (self.pending.len() / GRANULE * GRANULE).min(MAX_CHUNK);
        out.clear();
        out.extend(self.pending.drain(..n));
        true
    }

    /// Everything still waiting, padded with zero samples to a conforming size; false when nothing waits.
    pub fn flush(&mut self, out: &mut Vec<u8>) -> bool {
        if self.pending.is_empty() {
            return false;
        }
        if self.next_chunk(out) {
            // A full chunk; a remainder (if any) goes out on the next call.
            return true;
        }
        out.clear();
        out.append(&mut self.pending);
        let padded = out.len().div_ceil(GRANULE).max(MIN_CHUNK / GRANULE) * GRANULE;
        out.resize(padded, 0);
        true
    }

    /// Drops what is waiting (barge-in).
    pub fn clear(&mut self) {
        self.pending.clear();
    }
}

/// Whether a payload size follows Exotel's rule.
pub fn conforms(len: usize) -> bool {
    len.is_multiple_of(GRANULE) && (MIN_CHUNK..=MAX_CHUNK).contains(&len)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn drain_all(c: &mut ExotelChunker) -> Vec<Vec<u8>> {
        let mut chunks = Vec::new();
        let mut out = Vec::new();
        while c.flush(&mut out) {
            chunks.push(std::mem::take(&mut out));
        }
        chunks
    }

    proptest! {
        #[test]
        fn every_chunk_conforms_and_no_audio_is_lost_or_reordered(
            pushes in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..9000), 0..30),
        ) {
            let mut c = ExotelChunker::default();
            let mut sent = Vec::new();
            let mut out = Vec::new();
            let mut input = Vec::new();
            for p in &pushes {
                input.extend_from_slice(p);
                c.push(p);
                while c.next_chunk(&mut out) {
                    prop_assert!(conforms(out.len()), "len {}", out.len());
                    sent.extend_from_slice(&out);
                }
            }
            for chunk in drain_all(&mut c) {
                prop_assert!(conforms(chunk.len()), "len {}", chunk.len());
                sent.extend_from_slice(&chunk);
            }
            prop_assert_eq!(c.pending(), 0);
            prop_assert!(sent.len() >= input.len());
            prop_assert_eq!(&sent[..input.len()], &input[..]);
            prop_assert!(sent[input.len()..].iter().all(|&b| b == 0));
            // Padding never exceeds what one short tail needs.
            prop_assert!(sent.len() - input.len() < MIN_CHUNK);
        }
    }

    #[test]
    fn a_short_tail_is_padded_to_the_minimum() {
        let mut c = ExotelChunker::default();
        c.push(&[1; 10]);
        let chunks = drain_all(&mut c);
        assert_eq!(chunks.len(), 1);
        assert_eq!(chunks[0].len(), MIN_CHUNK);
        assert_eq!(&chunks[0][..10], &[1; 10]);
    }

    #[test]
    fn clear_drops_what_waits() {
        let mut c = ExotelChunker::default();
        c.push(&[1; 5000]);
        c.clear();
        assert!(drain_all(&mut c).is_empty());
    }
}
