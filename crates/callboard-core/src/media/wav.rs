//! The call recording: a stereo PCM16 WAV (left = the contact, right = the agent as played to the contact)
//! written as the call goes, its header patched when it closes. A crash leaves a file whose header says
//! zero length but whose samples are all there.

use std::{
    fs::File,
    io::{BufWriter, Seek, SeekFrom, Write},
    path::{Path, PathBuf},
};

const HEADER_LEN: u64 = 44;

/// A WAV file being written.
#[derive(Debug)]
pub struct StereoWav {
    out: BufWriter<File>,
    path: PathBuf,
    rate: u32,
    frames: u64,
    scratch: Vec<u8>,
}

fn header(rate: u32, data_len: u32) -> [u8; 44] {
    let mut h = [0u8; 44];
    let block_align: u16 = 4;
    h[0..4].copy_from_slice(b"RIFF");
    h[4..8].copy_from_slice(&data_len.saturating_add(36).to_le_bytes());
    h[8..12].copy_from_slice(b"WAVE");
    h[12..16].copy_from_slice(b"fmt ");
    h[16..20].copy_from_slice(&16u32.to_le_bytes());
    h[20..22].copy_from_slice(&1u16.to_le_bytes());
    h[22..24].copy_from_slice(&2u16.to_le_bytes());
    h[24..28].copy_from_slice(&rate.to_le_bytes());
    h[28..32].copy_from_slice(&(rate * u32::from(block_align)).to_le_bytes());
    h[32..34].copy_from_slice(&block_align.to_le_bytes());
    h[34..36].copy_from_slice(&16u16.to_le_bytes());
    h[36..40].copy_from_slice(b"data");
    h[40..44].copy_from_slice(&data_len.to_le_bytes());
    h
}

impl StereoWav {
    /// Creates (truncating) the file, and its folder.
    pub fn create(path: &Path, rate: u32) -> std::io::Result<StereoWav> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut out = BufWriter::with_capacity(64 * 1024, File::create(path)?);
        out.write_all(&header(rate, 0))?;
        Ok(StereoWav {
            out,
            path: path.to_owned(),
            rate,
            frames: 0,
            scratch: Vec::new(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Sample frames written so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Appends `left.len()` frames; `right` is padded with silence or cut to match.
    pub fn write(&mut self, left: &[i16], right: &[i16]) -> std::io::Result<()> {
        self.scratch.clear();
        for (i, l) in left.iter().enumerate() {
            let r = right.get(i).copied().unwrap_or(0);
            self.scratch.extend_from_slice(&l.to_le_bytes());
            self.scratch.extend_from_slice(&r.to_le_bytes());
        }
        self.out.write_all(&self.scratch)?;
        self.frames += left.len() as u64;
        Ok(())
    }

    /// Patches the header and closes the file; returns its duration in seconds.
    pub fn finish(mut self) -> std::io::Result<f64> {
        let data_len = u32::try_from(self.frames * 4).unwrap_or(u32::MAX);
        self.out.flush()?;
        let file = self.out.get_mut();
        file.seek(SeekFrom::Start(0))?;
        file.write_all(&header(self.rate, data_len))?;
        file.seek(SeekFrom::Start(HEADER_LEN + u64::from(data_len)))?;
        file.sync_data()?;
        Ok(self.frames as f64 / f64::from(self.rate))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_tells_the_length_and_samples_interleave() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("r/1.wav");
        let mut w = StereoWav::create(&path, 8_000).expect("create");
        w.write(&[1, 2, 3], &[-1]).expect("write");
        w.write(&[4], &[-4, 9]).expect("write");
        assert_eq!(w.finish().expect("finish"), 4.0 / 8_000.0);
        let bytes = std::fs::read(&path).expect("read");
        assert_eq!(bytes.len(), 44 + 16);
        assert_eq!(&bytes[0..4], b"RIFF");
        assert_eq!(
            u32::from_le_bytes([bytes[40], bytes[41], bytes[42], bytes[43]]),
            16
        );
        assert_eq!(u16::from_le_bytes([bytes[22], bytes[23]]), 2);
        let s = |i: usize| i16::from_le_bytes([bytes[44 + 2 * i], bytes[45 + 2 * i]]);
        assert_eq!((s(0), s(1), s(2), s(3), s(6), s(7)), (1, -1, 2, 0, 4, -4));
    }
}
