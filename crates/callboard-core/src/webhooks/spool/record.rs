//! The spool's record format: length (u32 LE), CRC-32 of the payload (u32 LE), then the payload: a format
//! byte and the event's fields, each length-prefixed, optional ones behind a 0/1 tag. Reading stops at the
//! first record that is torn (a crash mid-write) or does not check out (damage).

use super::super::Provider;
use crate::store::call_events::NewEvent;

/// Length and CRC-32, before each record's bytes.
pub(super) const HEADER_BYTES: usize = 8;
/// The payload layout's version, its first byte.
const FORMAT: u8 = 1;

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&(b.len() as u32).to_le_bytes());
    out.extend_from_slice(b);
}

fn put_opt(out: &mut Vec<u8>, b: Option<&[u8]>) {
    match b {
        Some(b) => {
            out.push(1);
            put_bytes(out, b);
        }
        None => out.push(0),
    }
}

/// One record: length, CRC-32 of the payload, payload (the event's fields, length-prefixed).
pub(super) fn encode_record(e: &NewEvent) -> Vec<u8> {
    let headers = e.headers.to_string();
    let body_len = e.body.as_ref().map_or(0, Vec::len);
    let mut p = Vec::with_capacity(HEADER_BYTES + 128 + headers.len() + body_len + e.kind.len());
    p.extend_from_slice(&[0; HEADER_BYTES]);
    p.push(FORMAT);
    put_bytes(&mut p, e.provider.as_bytes());
    put_bytes(&mut p, e.kind.as_bytes());
    put_bytes(&mut p, e.idempotency_key.as_bytes());
    put_bytes(&mut p, headers.as_bytes());
    put_opt(&mut p, e.body.as_deref());
    put_opt(&mut p, e.body_path.as_deref().map(str::as_bytes));
    put_bytes(&mut p, e.received_at.as_bytes());
    put_opt(&mut p, e.occurred_at.as_deref().map(str::as_bytes));
    put_opt(&mut p, e.sequence.map(i64::to_le_bytes).as_ref().map(|b| &b[..]));
    let len = (p.len() - HEADER_BYTES) as u32;
    let crc = crc32fast::hash(&p[HEADER_BYTES..]);
    p[..4].copy_from_slice(&len.to_le_bytes());
    p[4..HEADER_BYTES].copy_from_slice(&crc.to_le_bytes());
    p
}

/// What one segment held.
#[derive(Debug, Default)]
pub(super) struct Decoded {
    /// Each good record and the offset where it ends.
    pub records: Vec<(NewEvent, u64)>,
    pub problem: Option<String>,
    /// More than a torn last record: something after the problem was skipped.
    pub damaged: bool,
}

/// Reads records until the end, or until the first one that is torn or does not check out.
pub(super) fn decode_segment(bytes: &[u8]) -> Decoded {
    let mut out = Decoded::default();
    let mut at = 0usize;
    while at < bytes.len() {
        let rest = &bytes[at..];
        let Some((len, crc)) = rest.get(..HEADER_BYTES).map(|h| {
            let len = u32::from_le_bytes([h[0], h[1], h[2], h[3]]) as usize;
            (len, u32::from_le_bytes([h[4], h[5], h[6], h[7]]))
        }) else {
            out.problem = Some(format!(
                "torn record at byte {at} (a delivery that was never acknowledged)"
            ));
            return out;
        };
        let Some(payload) = rest.get(HEADER_BYTES..HEADER_BYTES + len) else {
            out.problem = Some(format!(
                "torn record at byte {at} (a delivery that was never acknowledged)"
            ));
            return out;
        };
        let decoded = if crc32fast::hash(payload) == crc {
            decode_payload(payload)
        } else {
            Err("checksum does not match")
        };
        match decoded {
            Ok(event) => {
                at += HEADER_BYTES + len;
                out.records.push((event, at as u64));
            }
            Err(why) => {
                out.problem = Some(format!(
                    "damaged record at byte {at} ({why}); {} bytes after it skipped",
                    bytes.len() - at
                ));
                out.damaged = true;
                return out;
            }
        }
    }
    out
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn bytes(&mut self) -> Result<&'a [u8], &'static str> {
        let len = self.0.get(..4).ok_or("short field")?;
        let len = u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize;
        let b = self.0.get(4..4 + len).ok_or("short field")?;
        self.0 = &self.0[4 + len..];
        Ok(b)
    }

    fn text(&mut self) -> Result<String, &'static str> {
        String::from_utf8(self.bytes()?.to_vec()).map_err(|_| "text is not UTF-8")
    }

    fn opt<T>(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<T, &'static str>,
    ) -> Result<Option<T>, &'static str> {
        let (tag, rest) = self.0.split_first().ok_or("short field")?;
        self.0 = rest;
        match tag {
            0 => Ok(None),
            1 => f(self).map(Some),
            _ => Err("bad option tag"),
        }
    }
}

fn decode_payload(payload: &[u8]) -> Result<NewEvent, &'static str> {
    let (version, rest) = payload.split_first().ok_or("empty record")?;
    if *version != FORMAT {
        return Err("unknown record format");
    }
    let mut r = Reader(rest);
    let provider = std::str::from_utf8(r.bytes()?)
        .ok()
        .and_then(Provider::parse)
        .ok_or("unknown provider")?
        .as_str();
    let kind = r.text()?;
    let idempotency_key = r.text()?;
    let headers = serde_json::from_slice(r.bytes()?).map_err(|_| "headers are not JSON")?;
    let body = r.opt(|r| r.bytes().map(<[u8]>::to_vec))?;
    let body_path = r.opt(Reader::text)?;
    let received_at = r.text()?;
    let occurred_at = r.opt(Reader::text)?;
    let sequence = r.opt(|r| {
        let b = r.bytes()?;
        <[u8; 8]>::try_from(b)
            .map(i64::from_le_bytes)
            .map_err(|_| "bad sequence")
    })?;
    if !r.0.is_empty() {
        return Err("trailing bytes");
    }
    Ok(NewEvent {
        provider,
        kind,
        idempotency_key,
        headers,
        body,
        body_path,
        received_at,
        occurred_at,
        sequence,
    })
}
