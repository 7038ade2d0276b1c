// Import and contact types (docs/api.md "import.*", "contact.list"), re-exported by types.ts.

import type { SecretSource } from "./setupTypes";

// ---------- Import (docs/api.md "import.*") ----------

export type Field =
  | "phone"
  | "alt_phone"
  | "first_name"
  | "last_name"
  | "full_name"
  | "email"
  | "language"
  | "time_zone"
  | "consent"
  | "notes"
  | "external_id"
  | "variables";
export type Target = { kind: "field"; name: Field } | { kind: "variable"; name: string } | { kind: "ignore" };
export interface Mapping {
  columns: { header: string; target: Target }[];
}
export type RowCode =
  | "MISSING_PHONE"
  | "INVALID_PHONE"
  | "WRONG_REGION"
  | "DUPLICATE_IN_FILE"
  | "DUPLICATE_IN_CAMPAIGN"
  | "ON_DNC"
  | "INVALID_TIMEZONE"
  | "BAD_ENCODING"
  | "TOO_MANY_COLUMNS";

/** Where the rows come from: exactly one of `path` (a local file) and `upload_id` (an upload or a fetched sheet). */
export interface ImportArgs {
  path?: string;
  upload_id?: string;
  campaign_id: number;
  region?: string;
  allowed_regions?: string[];
  sheet?: string;
  mapping?: Mapping;
  limit?: number;
  /** Preview: stop at the header (mapping, header row, format); no rows, counts 0. */
  header_only?: boolean;
}
export interface RowErrorItem {
  row: number;
  code: RowCode;
  message: string;
}
export interface ImportSummary {
  total: number;
  imported: number;
  invalid: number;
  duplicates: number;
  suppressed: number;
  errors: RowErrorItem[];
  errors_truncated: boolean;
  cancelled: boolean;
  header_row: number;
  mapping: Mapping;
  source: string;
}
export interface PreviewRow {
  row: number;
  code: RowCode | null;
  message: string;
  phone_e164: string;
  name: string;
  time_zone: string;
}
export interface ImportPreview {
  summary: ImportSummary;
  rows: PreviewRow[];
  signature: string;
}
export interface ImportProgress {
  /** 0 until the first pass has read the whole file. */
  total_rows: number;
  /** How far the first pass has read (a big workbook's first pass is most of its import). */
  rows_scanned: number;
  rows_read: number;
  committed: number;
}
export type ImportStatus = { import_id: number; campaign_id: number } & (
  | { state: "running"; progress: ImportProgress | null }
  | { state: "done"; summary: ImportSummary }
  | { state: "failed"; code: string; message: string }
);
export interface ImportErrors {
  import_id: number;
  filename: string;
  rows: number;
  csv: string;
}
export interface Uploaded {
  upload_id: string;
  name: string;
  bytes: number;
}

// ---------- Contacts ----------

export type ContactStatus = "active" | "opted_out" | "deleted";
export interface Contact {
  id: number;
  phone_e164: string;
  name: string;
  email: string;
  language: string;
  time_zone: string | null;
  time_zone_source: string;
  status: ContactStatus;
  external_id: string;
  variables: Record<string, unknown>;
  /** State in the campaign filtered on; null without a campaign filter. */
  campaign_state: string | null;
  created_at: string;
}
export interface ContactListArgs {
  search?: string;
  status?: ContactStatus;
  campaign_id?: number;
  before?: number;
  limit?: number;
}
export interface ContactPage {
  contacts: Contact[];
  next_before: number | null;
  total: number | null;
}

/** `import.sheets_account`: which Google account reads sheets when the request brings no key. */
export interface SheetsAccount {
  client_email: string | null;
  source: SecretSource | null;
  /** The saved key cannot be used, and why. */
  problem: string | null;
  api_key_from_env: boolean;
}
