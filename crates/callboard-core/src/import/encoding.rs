//! Text encodings that Excel and Google produce: UTF-8 (with or without BOM), UTF-16 LE/BE (with BOM, or
//! recognised by its NUL pattern), and legacy Windows-1252 / Windows-1256 (Arabic) when the bytes are not
//! UTF-8. Detection reads a sample; decoding streams through [`Decode`], so a file is never held in memory.

use std::io::{self, Read};

use encoding_rs::{Decoder, Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252, WINDOWS_1256};

/// What the sample says the file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Detected {
    pub encoding: &'static Encoding,
    /// Bytes of BOM to skip.
    pub bom: usize,
}

impl Detected {
    pub fn name(&self) -> &'static str {
        self.encoding.name()
    }
}

/// Why the sample is not text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotText(pub String);

/// Detects the encoding of a file from its first bytes.
pub fn detect(sample: &[u8], complete: bool) -> Result<Detected, NotText> {
    if let Some((enc, bom)) = Encoding::for_bom(sample) {
        return Ok(Detected { encoding: enc, bom });
    }
    let nuls = sample.iter().filter(|b| **b == 0).count();
    if nuls > 0 {
        // UTF-16 without BOM: ASCII text has a NUL in every other byte.
        let even = sample.iter().step_by(2).filter(|b| **b == 0).count();
        let odd = sample.iter().skip(1).step_by(2).filter(|b| **b == 0).count();
        let half = sample.len() / 2;
        if half > 0 && odd * 10 >= half * 8 && even * 10 < half {
            return Ok(Detected {
                encoding: UTF_16LE,
                bom: 0,
            });
        }
        if half > 0 && even * 10 >= half * 8 && odd * 10 < half {
            return Ok(Detected {
                encoding: UTF_16BE,
                bom: 0,
            });
        }
        return Err(NotText(format!(
            "{nuls} NUL bytes in the first {} bytes",
            sample.len()
        )));
    }
    match std::str::from_utf8(sample) {
        Ok(_) => Ok(Detected {
            encoding: UTF_8,
            bom: 0,
        }),
        // A multi-byte character cut by the end of the sample is still UTF-8.
        Err(e) if e.error_len().is_none() && !complete => Ok(Detected {
            encoding: UTF_8,
            bom: 0,
        }),
        Err(_) => {
            let controls = sample
                .iter()
                .filter(|b| **b < 0x20 && !matches!(**b, b'\t' | b'\r' | b'\n' | 0x0c))
                .count();
            if controls * 20 > sample.len() {
                return Err(NotText("control bytes throughout".into()));
            }
            Ok(Detected {
                encoding: legacy_code_page(sample),
                bom: 0,
            })
        }
    }
}

/// Windows-1256 when high bytes come in runs (whole Arabic words), Windows-1252 when they sit inside Latin
/// words (café, Müller).
fn legacy_code_page(sample: &[u8]) -> &'static Encoding {
    let (mut high, mut in_runs) = (0usize, 0usize);
    for (i, b) in sample.iter().enumerate() {
        if *b < 0x80 {
            continue;
        }
        high += 1;
        let prev = i
            .checked_sub(1)
            .and_then(|j| sample.get(j))
            .is_some_and(|p| *p >= 0x80);
        let next = sample.get(i + 1).is_some_and(|n| *n >= 0x80);
        if prev || next {
            in_runs += 1;
        }
    }
    if high > 0 && in_runs * 2 > high {
        WINDOWS_1256
    } else {
        WINDOWS_1252
    }
}

/// Streams `inner` (in `encoding`) out as UTF-8. Malformed input becomes U+FFFD, which the row validation
/// reports as `BAD_ENCODING`.
pub struct Decode<R> {
    inner: R,
    decoder: Decoder,
    raw: Vec<u8>,
    out: Vec<u8>,
    pos: usize,
    eof: bool,
}

impl<R: Read> Decode<R> {
    pub fn new(inner: R, encoding: &'static Encoding) -> Self {
        Decode {
            inner,
            decoder: encoding.new_decoder_without_bom_handling(),
            raw: vec![0; 64 * 1024],
            out: Vec::with_capacity(3 * 64 * 1024 + 16),
            pos: 0,
            eof: false,
        }
    }

    fn fill(&mut self) -> io::Result<()> {
        self.out.clear();
        self.pos = 0;
        while self.out.is_empty() && !self.eof {
            let n = self.inner.read(&mut self.raw)?;
            self.eof = n == 0;
            let cap = self.decoder.max_utf8_buffer_length(n).unwrap_or(n * 3 + 16);
            self.out.resize(cap, 0);
            let (_, _, written, _) = self
                .decoder
                .decode_to_utf8(&self.raw[..n], &mut self.out, self.eof);
            self.out.truncate(written);
        }
        Ok(())
    }
}

impl<R: Read> Read for Decode<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.out.len() {
            self.fill()?;
        }
        let rest = &self.out[self.pos..];
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.pos += n;
        Ok(n)
    }
}

/// Fails the read when a line grows past `max` bytes (a 50 MB single line is not a contact list), so the CSV
/// parser never buffers it.
pub struct LineGuard<R> {
    inner: R,
    max: usize,
    since_newline: usize,
}

impl<R> LineGuard<R> {
    pub fn new(inner: R, max: usize) -> Self {
        LineGuard {
            inner,
            max,
            since_newline: 0,
        }
    }
}

/// The error text [`LineGuard`] fails with; the CSV reader turns it into a row error.
pub const LINE_TOO_LONG: &str = "line too long";

impl<R: Read> Read for LineGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let data = &buf[..n];
        let too_long = || io::Error::new(io::ErrorKind::InvalidData, LINE_TOO_LONG);
        // Only the last newline is looked for (a few bytes from the end): no line in `data` can be longer
        // than the run before it plus `n`, so each byte is checked only when that could exceed `max`.
        match data.iter().rposition(|b| *b == b'\n') {
            None => self.since_newline += n,
            Some(last) => {
                if self.since_newline + last > self.max {
                    let mut run = self.since_newline;
                    for b in &data[..last] {
                        if *b == b'\n' {
                            run = 0;
                        } else {
                            run += 1;
                            if run > self.max {
                                return Err(too_long());
                            }
                        }
                    }
                }
                self.since_newline = n - last - 1;
            }
        }
        if self.since_newline > self.max {
            return Err(too_long());
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_boms_utf8_and_legacy_pages() {
        assert_eq!(
            detect(b"\xEF\xBB\xBFa,b", true).map(|d| (d.name(), d.bom)),
            Ok(("UTF-8", 3))
        );
        assert_eq!(detect(b"\xFF\xFEa\0", true).map(|d| d.name()), Ok("UTF-16LE"));
        assert_eq!(detect(b"\xFE\xFF\0a", true).map(|d| d.name()), Ok("UTF-16BE"));
        assert_eq!(detect(b"p\0h\0o\0n\0e\0", true).map(|d| d.name()), Ok("UTF-16LE"));
        assert_eq!(
            detect("name,phone\nAlí,1".as_bytes(), true).map(|d| d.name()),
            Ok("UTF-8")
        );
        assert_eq!(
            detect(b"name;phone\nCaf\xe9;1", true).map(|d| d.name()),
            Ok("windows-1252")
        );
        // "محمد" in Windows-1256.
        assert_eq!(
            detect(b"name;phone\n\xe3\xcd\xe3\xcf;1", true).map(|d| d.name()),
            Ok("windows-1256")
        );
        assert!(detect(b"\x00\x01\x02\x03\x00\x00\x07binary\x00", true).is_err());
    }

    #[test]
    fn decode_streams_to_utf8() -> io::Result<()> {
        let bytes: Vec<u8> = "الاسم;هاتف".encode_utf16().flat_map(u16::to_le_bytes).collect();
        let mut out = String::new();
        Decode::new(&bytes[..], UTF_16LE).read_to_string(&mut out)?;
        assert_eq!(out, "الاسم;هاتف");
        Ok(())
    }

    #[test]
    fn line_guard_stops_a_huge_line() {
        let data = vec![b'x'; 10_000];
        let mut out = Vec::new();
        let err = LineGuard::new(&data[..], 1000).read_to_end(&mut out);
        assert!(err.is_err());
    }

    /// Reads `data` through a guard in pieces of `piece` bytes.
    fn guarded(data: &[u8], max: usize, piece: usize) -> bool {
        struct Pieces<'a>(&'a [u8], usize);
        impl Read for Pieces<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = self.0.len().min(self.1).min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut out = Vec::new();
        LineGuard::new(Pieces(data, piece), max)
            .read_to_end(&mut out)
            .is_ok()
    }

    proptest::proptest! {
        /// The guard fails exactly when some line (newline excluded) is longer than `max`, however the
        /// reads are cut.
        #[test]
        fn line_guard_fails_exactly_on_a_long_line(
            lines in proptest::collection::vec(0usize..40, 0..20),
            trailing_newline in proptest::bool::ANY,
            max in 1usize..30,
            piece in 1usize..64,
        ) {
            let mut data = Vec::new();
            for (i, len) in lines.iter().enumerate() {
                if i > 0 {
                    data.push(b'\n');
                }
                data.extend(std::iter::repeat_n(b'a', *len));
            }
            if trailing_newline {
                data.push(b'\n');
            }
            let fits = lines.iter().all(|l| *l <= max);
            proptest::prop_assert_eq!(guarded(&data, max, piece), fits);
        }
    }
}
