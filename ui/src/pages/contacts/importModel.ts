// The import wizard's logic, without React: the choices a column can map to, reading and changing a mapping,
// progress as a percentage, the summary in words, and which rows to highlight.

import type { Field, ImportProgress, ImportSummary, Mapping, PreviewRow, RowCode, Target } from "../../api/types";

export const FIELD_LABELS: Record<Field, string> = {
  phone: "Phone",
  alt_phone: "Alternate phone",
  full_name: "Full name",
  first_name: "First name",
  last_name: "Last name",
  email: "E-mail",
  language: "Language",
  time_zone: "Time zone",
  consent: "Consent",
  notes: "Notes",
  external_id: "External id",
  variables: "Variables (JSON object)",
};

export const CODE_LABELS: Record<RowCode, string> = {
  MISSING_PHONE: "No phone number",
  INVALID_PHONE: "Invalid number",
  WRONG_REGION: "Wrong country",
  DUPLICATE_IN_FILE: "Duplicate in file",
  DUPLICATE_IN_CAMPAIGN: "Already in campaign",
  ON_DNC: "Do not call",
  INVALID_TIMEZONE: "Invalid time zone",
  BAD_ENCODING: "Bad characters",
  TOO_MANY_COLUMNS: "Too many cells",
};

/** Default regions offered for numbers written without a country code. */
export const REGIONS: { code: string; label: string }[] = [
  { code: "KW", label: "Kuwait (+965)" },
  { code: "IN", label: "India (+91)" },
  { code: "US", label: "United States (+1)" },
  { code: "SA", label: "Saudi Arabia (+966)" },
  { code: "AE", label: "United Arab Emirates (+971)" },
  { code: "GB", label: "United Kingdom (+44)" },
];

/** A target as one string, for a <select>: `field:phone`, `variable:car_interest`, `ignore`. */
export function targetKey(t: Target): string {
  return t.kind === "ignore" ? "ignore" : `${t.kind}:${t.name}`;
}

/** The inverse of targetKey; `variable` alone means "a variable named after the header". */
export function parseTargetKey(key: string, header: string): Target {
  if (key === "ignore") return { kind: "ignore" };
  const [kind, ...rest] = key.split(":");
  const name = rest.join(":");
  if (kind === "field" && name in FIELD_LABELS) return { kind: "field", name: name as Field };
  return { kind: "variable", name: (kind === "variable" && name) || slug(header) || "column" };
}

/** `Car Interest (2024)` → `car_interest_2024`, as the core slugs variable names. */
export function slug(s: string): string {
  return s
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, "_")
    .replace(/^_+|_+$/g, "");
}

/**
 * Sets column `index` to `target`. A field can be used by one column only: a column that had it before
 * becomes a variable again, so the mapping stays valid.
 */
export function setTarget(m: Mapping, index: number, target: Target): Mapping {
  return {
    columns: m.columns.map((c, i) => {
      if (i === index) return { ...c, target };
      if (target.kind === "field" && c.target.kind === "field" && c.target.name === target.name) {
        return { ...c, target: { kind: "variable", name: slug(c.header) || `column_${i + 1}` } };
      }
      return c;
    }),
  };
}

/** What the mapping lacks to be imported, or null when it is fine. */
export function mappingProblem(m: Mapping): string | null {
  return m.columns.some((c) => c.target.kind === "field" && c.target.name === "phone")
    ? null
    : "Map one column to Phone: contacts are matched and called by their number.";
}

/** The options of a column's <select>: every field, a variable named after the header, or ignore. */
export function targetOptions(header: string): { key: string; label: string }[] {
  return [
    ...(Object.keys(FIELD_LABELS) as Field[]).map((f) => ({ key: `field:${f}`, label: FIELD_LABELS[f] })),
    { key: `variable:${slug(header) || "column"}`, label: `Variable “${slug(header) || "column"}” (for the agent)` },
    { key: "ignore", label: "Ignore this column" },
  ];
}

/** 0..100: validated rows count half, written contacts the other half (writing is the slow part). */
export function progressPercent(p: ImportProgress | null): number {
  if (!p || p.total_rows <= 0) return 0;
  const read = Math.min(1, p.rows_read / p.total_rows);
  const written = Math.min(1, p.committed / p.total_rows);
  return Math.round(Math.max(read * 50 + written * 50, written * 100));
}

/** The first pass is still reading the file (rows are counted before any is checked): how far it has got is
 * all there is to show. */
export function isReadingFile(p: ImportProgress | null): boolean {
  return !!p && p.total_rows <= 0 && p.rows_scanned > 0;
}

/** One sentence for the summary screen. */
export function summarySentence(s: ImportSummary): string {
  const n = (x: number) => x.toLocaleString("en-US");
  const parts = [`${n(s.imported)} of ${n(s.total)} rows imported`];
  if (s.invalid) parts.push(`${n(s.invalid)} invalid`);
  if (s.duplicates) parts.push(`${n(s.duplicates)} duplicate${s.duplicates === 1 ? "" : "s"}`);
  if (s.suppressed) parts.push(`${n(s.suppressed)} on the do-not-call list`);
  return `${parts.join(", ")}${s.cancelled ? " (cancelled: whole chunks were kept)" : ""}.`;
}

/** Rows that failed, for highlighting. */
export function isBad(r: PreviewRow): boolean {
  return r.code != null;
}

/** The rows that have failed, out of the total. */
export function failedCount(s: ImportSummary): number {
  return s.invalid + s.duplicates + s.suppressed;
}

/** The line under the preview's counts: which rows are shown, and what happens to the ones that fail. */
export function previewNote(shown: number, s: ImportSummary): string {
  const failed = failedCount(s);
  const rows = shown === 1 ? "The first row" : `The first ${shown.toLocaleString()} rows`;
  if (failed === 0) return `${rows}; every row of the file will import.`;
  return `${rows}; rows in red will be skipped (the others still import). All ${failed.toLocaleString()} skipped ${
    failed === 1 ? "row" : "rows"
  } can be downloaded after the import.`;
}

/** Is this a Google Sheets link or a bare spreadsheet id? */
export function looksLikeSheet(s: string): boolean {
  const t = s.trim();
  return /docs\.google\.com\/spreadsheets\/d\/[\w-]{20,}/.test(t) || /^[\w-]{30,}$/.test(t);
}
