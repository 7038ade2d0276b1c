//! Getting ready to import: open the file, find the header, choose the mapping (user's, saved template, or
//! automatic), and load what validation needs from the store (campaign default zone, do-not-call list,
//! current members). [`preview`] runs the whole validation without writing.

use serde::{Deserialize, Serialize};

use super::{
    ImportError, ImportOptions, Mapping, Summary,
    header::{self, Field, HEADER_SEARCH_ROWS},
    source::{self, RawRow, RowSource},
    validate::{RowCode, Rules, Validator},
};
use crate::store::{Store, campaigns, contacts, dnc, import_templates};

/// An opened file, positioned after its header, with its validator.
pub struct Plan {
    pub source: Box<dyn RowSource>,
    /// Rows read while looking for the header that come after it.
    pub buffered: std::vec::IntoIter<RawRow>,
    pub header_row: u64,
    pub header: Vec<String>,
    pub signature: String,
    pub mapping: Mapping,
    pub validator: Validator,
}

impl Plan {
    pub fn open(store: &Store, opts: &ImportOptions) -> Result<Plan, ImportError> {
        Plan::with_source(store, opts, source::open(&opts.file, &opts.sheet)?)
    }

    /// [`Plan::open`] on rows already opened (a workbook's rows its first pass kept).
    pub fn with_source(
        store: &Store,
        opts: &ImportOptions,
        mut source: Box<dyn RowSource>,
    ) -> Result<Plan, ImportError> {
        let mut head = Vec::new();
        while head.len() < HEADER_SEARCH_ROWS {
            match source.next_row()? {
                Some(r) if r.is_blank() => continue,
                Some(r) => head.push(r),
                None => break,
            }
        }
        if head.is_empty() {
            return Err(ImportError::Empty {
                file: opts.file.clone(),
            });
        }
        let cells: Vec<Vec<String>> = head
            .iter()
            .map(|r| r.cells.iter().map(|c| c.trim().to_owned()).collect())
            .collect();
        let signatures: Vec<String> = cells.iter().map(|c| header::signature(c)).collect();
        let campaign_id = opts.campaign_id;
        let sigs = signatures.clone();
        let (campaign, dnc, members, templates) = store.read_blocking(move |c| {
            let templates = sigs
                .iter()
                .map(|s| import_templates::find(c, s))
                .collect::<Result<Vec<_>, _>>()?;
            Ok((
                campaigns::get(c, campaign_id)?,
                dnc::phones_for_campaign(c, campaign_id)?,
                contacts::campaign_phones(c, campaign_id)?,
                templates,
            ))
        })?;
        // The header: the row the user's mapping names, else a row with a saved template, else by synonyms.
        let by_mapping = opts.mapping.as_ref().and_then(|m| {
            let want: Vec<String> = m.columns.iter().map(|c| header::norm(&c.header)).collect();
            cells
                .iter()
                .position(|row| row.iter().map(|c| header::norm(c)).collect::<Vec<_>>() == want)
        });
        let by_template = templates.iter().position(Option::is_some);
        let at = by_mapping
            .or(by_template)
            .or_else(|| header::find_header(&cells))
            .ok_or_else(|| ImportError::NoHeader {
                file: opts.file.clone(),
                rows: HEADER_SEARCH_ROWS,
            })?;
        let header = cells[at].clone();
        let header_row = head[at].number;
        let signature = signatures[at].clone();
        let template = templates.into_iter().nth(at).flatten();
        let mapping = match (&opts.mapping, template) {
            (Some(m), _) => m.clone(),
            (None, Some(t)) => serde_json::from_str(&t.mapping).unwrap_or_else(|e| {
                tracing::warn!(template = t.id, error = %e, "saved import template is unreadable; mapping automatically");
                Mapping::auto(&header)
            }),
            (None, None) => Mapping::auto(&header),
        };
        if mapping.index_of(Field::Phone).is_none() {
            return Err(ImportError::Invalid(format!(
                "{}: no column is mapped to the phone number",
                opts.file.display()
            )));
        }
        let rules = Rules {
            region: opts.region,
            allowed_regions: opts.allowed_regions.clone(),
            default_time_zone: campaign.time_zone,
            dnc,
            members,
        };
        let validator = Validator::new(rules, mapping.clone());
        let buffered: Vec<RawRow> = head.into_iter().skip(at + 1).collect();
        Ok(Plan {
            source,
            buffered: buffered.into_iter(),
            header_row,
            header,
            signature,
            mapping,
            validator,
        })
    }

    /// The next non-blank data row.
    pub fn next_row(&mut self) -> Result<Option<RawRow>, ImportError> {
        if let Some(r) = self.buffered.next() {
            return Ok(Some(r));
        }
        loop {
            match self.source.next_row()? {
                Some(r) if r.is_blank() => continue,
                other => return Ok(other),
            }
        }
    }

    /// [`Plan::next_row`] into `row`, reusing its buffers; false at the end.
    pub fn next_row_into(&mut self, row: &mut RawRow) -> Result<bool, ImportError> {
        if let Some(r) = self.buffered.next() {
            *row = r;
            return Ok(true);
        }
        loop {
            if !self.source.next_row_into(row)? {
                return Ok(false);
            }
            if !row.is_blank() {
                return Ok(true);
            }
        }
    }

    pub fn summary(&self) -> Summary {
        Summary {
            header_row: self.header_row,
            mapping: self.mapping.clone(),
            source: self.source.describe(),
            ..Summary::default()
        }
    }
}

/// One row as the preview shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreviewRow {
    pub row: u64,
    pub code: Option<RowCode>,
    pub message: String,
    pub phone_e164: String,
    pub name: String,
    pub time_zone: String,
}

/// What the mapping step needs, without reading the file past its header: where the header is, the mapping
/// (the user's, a saved template, or automatic), the file's format, and the header's signature. Counts stay
/// zero. A 1M-row workbook answers in the time it takes to open it instead of the time to read it all.
pub fn inspect(store: &Store, opts: &ImportOptions) -> Result<(Summary, String), ImportError> {
    let plan = Plan::open(store, opts)?;
    Ok((plan.summary(), plan.signature))
}

/// Validates the whole file without writing: the counts and errors an import would give, plus the first
/// `limit` rows with their outcome.
pub fn preview(
    store: &Store,
    opts: &ImportOptions,
    limit: usize,
) -> Result<(Summary, Vec<PreviewRow>, String), ImportError> {
    let mut plan = Plan::open(store, opts)?;
    let mut summary = plan.summary();
    let mut rows = Vec::new();
    while let Some(raw) = plan.next_row()? {
        summary.total += 1;
        let outcome = plan.validator.check(&raw);
        if rows.len() < limit {
            rows.push(match &outcome {
                Ok(c) => PreviewRow {
                    row: raw.number,
                    code: None,
                    message: String::new(),
                    phone_e164: c.phone_e164.clone(),
                    name: c.name.clone(),
                    time_zone: c.time_zone.clone().unwrap_or_default(),
                },
                Err(e) => PreviewRow {
                    row: raw.number,
                    code: Some(e.code),
                    message: e.message.clone(),
                    phone_e164: String::new(),
                    name: String::new(),
                    time_zone: String::new(),
                },
            });
        }
        match outcome {
            Ok(_) => summary.imported += 1,
            Err(e) => summary.record(e),
        }
    }
    Ok((summary, rows, plan.signature))
}
