//! Twilio and Exotel callback bodies as flat, ordered fields. Twilio posts forms; Exotel posts JSON, forms or
//! multipart, and its Passthru arrives as a GET query (flat `Stream[...]` keys or `Stream=<JSON>`). All of
//! them become [`Fields`]: every value as text (numbers accepted as numbers or strings), nested JSON kept as
//! its JSON text, unknown fields kept.

use serde_json::Value;

/// Ordered (key, value) pairs; repeats kept, lookups take the first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    pub fn from_form(bytes: &[u8]) -> Fields {
        Fields(super::sig_twilio::parse_form(bytes))
    }

    /// A JSON object's members; anything else gives no fields.
    pub fn from_json(bytes: &[u8]) -> Result<Fields, serde_json::Error> {
        let v: Value = serde_json::from_slice(bytes)?;
        let pairs = match v {
            Value::Object(map) => map
                .into_iter()
                .filter_map(|(k, v)| json_text(&v).map(|t| (k, t)))
                .collect(),
            _ => Vec::new(),
        };
        Ok(Fields(pairs))
    }

    /// `multipart/form-data` text parts (Exotel's StatusCallbackContentType option). Files are ignored.
    pub fn from_multipart(bytes: &[u8], boundary: &str) -> Fields {
        let text = String::from_utf8_lossy(bytes);
        let delimiter = format!("--{boundary}");
        let mut pairs = Vec::new();
        for part in text.split(delimiter.as_str()) {
            let part = part.strip_prefix("\r\n").unwrap_or(part);
            let Some((head, value)) = part.split_once("\r\n\r\n") else {
                continue;
            };
            let name = head
                .lines()
                .filter(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))
                .flat_map(|l| l.split(';'))
                .filter_map(|p| p.trim().strip_prefix("name="))
                .map(|n| n.trim_matches('"').to_owned())
                .next();
            if let Some(name) = name {
                pairs.push((name, value.strip_suffix("\r\n").unwrap_or(value).to_owned()));
            }
        }
        Fields(pairs)
    }

    /// By content type: JSON, multipart, else a form.
    pub fn from_body(bytes: &[u8], content_type: &str) -> Result<Fields, String> {
        let ct = content_type.to_ascii_lowercase();
        if ct.contains("json") || (ct.is_empty() && bytes.first() == Some(&b'{')) {
            return Fields::from_json(bytes).map_err(|e| format!("bad JSON body: {e}"));
        }
        if ct.starts_with("multipart/") {
            let boundary = content_type
                .split(';')
                .filter_map(|p| p.trim().strip_prefix("boundary="))
                .map(|b| b.trim_matches('"').to_owned())
                .next()
                .ok_or("multipart body without a boundary")?;
            return Ok(Fields::from_multipart(bytes, &boundary));
        }
        Ok(Fields::from_form(bytes))
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty() && *v != "null")
    }

    /// A finite number (`NaN` and `inf` parse as floats, but mean nothing here and do not survive JSON).
    pub fn number(&self, key: &str) -> Option<f64> {
        self.get(key)
            .and_then(|v| v.trim().trim_matches('"').parse::<f64>().ok())
            .filter(|n| n.is_finite())
    }

    /// Exotel's Passthru stream fields: `Stream[Key]` flat, or `Key` inside a `Stream` JSON object.
    pub fn stream_field(&self, key: &str) -> Option<String> {
        if let Some(v) = self.get(&format!("Stream[{key}]")) {
            return Some(v.to_owned());
        }
        let stream: Value = serde_json::from_str(self.get("Stream")?).ok()?;
        stream.get(key).and_then(json_text).filter(|s| !s.is_empty())
    }

    /// Exotel's `AnsweredBy` from the first leg that has one, lower-cased (`"HUMAN"` and `Human` alike).
    pub fn exotel_answered_by(&self) -> Option<String> {
        if let Some(v) = self.get("AnsweredBy") {
            return Some(v.to_ascii_lowercase());
        }
        let legs: Value = serde_json::from_str(self.get("Legs")?).ok()?;
        legs.as_array()?
            .iter()
            .filter_map(|l| l.get("AnsweredBy").and_then(json_text))
            .map(|s| s.to_ascii_lowercase())
            .find(|s| s != "na" && !s.is_empty())
    }
}

/// A JSON value as text: strings as they are, numbers and booleans printed, null as nothing, the rest as JSON.
fn json_text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        other => Some(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exotel_shapes() -> Result<(), String> {
        let terminal = Fields::from_body(
            include_bytes!("../../../../tests/fixtures/telephony/exotel/callback_status_terminal.json"),
            "application/json",
        )?;
        assert_eq!(terminal.get("Status"), Some("completed"));
        assert_eq!(terminal.number("ConversationDuration"), Some(35.0));
        assert_eq!(terminal.exotel_answered_by(), None);
        let form = Fields::from_body(
            include_bytes!("../../../../tests/fixtures/telephony/exotel/callback_status_no-answer.form"),
            "application/x-www-form-urlencoded",
        )?;
        assert_eq!(form.get("Status"), Some("no-answer"));
        assert_eq!(form.get("RecordingUrl"), None);
        let flat = "CallSid=b6&Stream%5BStatus%5D=completed&Stream%5BDisconnectedBy%5D=bot";
        assert_eq!(
            Fields::from_form(flat.as_bytes())
                .stream_field("Status")
                .as_deref(),
            Some("completed")
        );
        let json = "CallSid=b6&Stream=%7B%22Status%22%3A%22completed%22%2C%22Duration%22%3A%2228%22%7D";
        assert_eq!(
            Fields::from_form(json.as_bytes())
                .stream_field("Duration")
                .as_deref(),
            Some("28")
        );
        let legs = Fields::from_json(br#"{"Legs":[{"AnsweredBy":"NA"},{"AnsweredBy":"HUMAN"}]}"#)
            .map_err(|e| e.to_string())?;
        assert_eq!(legs.exotel_answered_by().as_deref(), Some("human"));
        let multipart = "--XyZ\r\nContent-Disposition: form-data; name=\"CallSid\"\r\n\r\nb6\r\n--XyZ\r\n\
                         Content-Disposition: form-data; name=\"Status\"\r\n\r\nbusy\r\n--XyZ--\r\n";
        let m = Fields::from_body(multipart.as_bytes(), "multipart/form-data; boundary=XyZ")?;
        assert_eq!((m.get("CallSid"), m.get("Status")), (Some("b6"), Some("busy")));
        Ok(())
    }
}
