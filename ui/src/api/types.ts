// Hand-written types for the command table and events in docs/api.md. Keep them in step with that file.

export type Provider = "sim" | "elevenlabs" | "elevenlabs-batch" | "twilio" | "exotel";
export type CampaignStatus = "draft" | "scheduled" | "running" | "paused" | "completed" | "cancelled";
export type HoursPreset = "always" | "kw" | "in" | "us";
export type AgentProvider = "elevenlabs" | "openai-realtime" | "sim";

/** Stable error codes; branch on these, never on `message`. */
export type ErrorCode =
  | "bad_request"
  | "unknown_command"
  | "validation"
  | "not_found"
  | "conflict"
  | "unauthorized"
  | "internal";

/** The UI's own codes for failures that never reached the core. */
export type ClientErrorCode = "network";

export interface ApiErrorBody {
  code: ErrorCode | ClientErrorCode | (string & {});
  message: string;
}

export interface Health {
  status: "ok";
  version: string;
}

export interface AppInfo {
  version: string;
  data_dir: string;
  database_path: string;
  schema_version: number;
  /** Demo data: label it as demo everywhere. */
  demo: boolean;
  /** Loopback UI listener, without token. */
  ui_url: string | null;
  /** e.g. "http://127.0.0.1:8788" */
  public_listener: string | null;
  /** Tunnel / public URL if configured. */
  public_base_url: string | null;
  /** Filled in by the UI itself. */
  transport?: "desktop" | "browser";
}

export interface Campaign {
  id: number;
  name: string;
  description: string;
  status: CampaignStatus;
  /** Why it is in that status, e.g. "start by ui", "circuit breaker: 20 of the last 20 dials failed". */
  status_reason: string;
  provider: Provider;
  agent_id: number | null;
  /** Caller id / provider number id; "" = provider default. */
  from_number: string;
  /** 1..=500 */
  max_concurrent: number;
  /** 0.1..=50 */
  calls_per_second: number;
  hours_preset: HoursPreset;
  /** Default zone for contacts with none, IANA name. */
  time_zone: string;
  /** What happens after an attempt that did not reach anyone, by outcome. */
  retry_policy: RetryPolicy;
  /** Pauses the campaign on a failure spike. */
  breaker: BreakerSettings;
  /** Watchdog: calls longer than this are hung up (60..=7200). */
  max_call_seconds: number;
  /** Contacts in the campaign; contacts done. */
  contacts: number;
  completed: number;
  created_at: string;
  updated_at: string;
}

export interface CampaignInput {
  name?: string;
  description?: string;
  provider?: Provider;
  agent_id?: number | null;
  from_number?: string;
  max_concurrent?: number;
  calls_per_second?: number;
  hours_preset?: HoursPreset;
  time_zone?: string;
  /**
   * The contract types this `Partial<RetryPolicy>`, but the core fills absent keys with the *defaults*, not
   * the campaign's current values (and each rule must be whole). The UI always sends the whole policy.
   */
  retry_policy?: RetryPolicy;
  /** Same caveat as `retry_policy`: absent keys become defaults; the UI sends all three. */
  breaker?: BreakerSettings;
  max_call_seconds?: number;
}

/** The outcomes a retry rule exists for (answered and cancelled are never retried). */
export type RetryOutcome = "no_answer" | "busy" | "voicemail" | "failed";

/** Retry or not after one outcome, and after how long (0..=10080 minutes). */
export interface RetryRule {
  retry: boolean;
  delay_minutes: number;
}

/** Defaults: 3 attempts; retry no answer after 120, busy 15, voicemail 240, failed 10 minutes. */
export interface RetryPolicy {
  /** 1..=10, the first attempt included. */
  max_attempts: number;
  no_answer: RetryRule;
  busy: RetryRule;
  voicemail: RetryRule;
  failed: RetryRule;
}

/** Trips when more than `failure_ratio` of the last `min_dials` dials (ended within `window_s`) failed. */
export interface BreakerSettings {
  /** 0.05..=1, default 0.5 */
  failure_ratio: number;
  /** 3..=500, default 20 */
  min_dials: number;
  /** 10..=3600, default 120 */
  window_s: number;
}

export interface Agent {
  id: number;
  name: string;
  provider: AgentProvider;
  language: string;
  voice: string;
  prompt: string;
  first_message: string;
  disclosure: string;
  created_at: string;
  updated_at: string;
}

export interface AgentInput {
  name: string;
  provider?: AgentProvider;
  language?: string;
  voice?: string;
  prompt?: string;
  first_message?: string;
  disclosure?: string;
}

/** `campaign.why`: why contacts are (not) being dialed right now. */
export interface WhyReport {
  campaign_id: number;
  status: CampaignStatus;
  in_flight: number;
  max_concurrent: number;
  next_due_at: string | null;
  by_reason: { state: string; reason: string; count: number; label: string }[];
  /** One sentence: the main reason, or "dialing". */
  summary: string;
}

export type CampaignEvent =
  | { type: "campaign_changed"; campaign: Campaign }
  | { type: "campaign_deleted"; id: number }
  | { type: "agent_changed"; agent: Agent }
  /** Something a supervisor should look at: kind `circuit_breaker`, `stuck_call`, … */
  | { type: "alert"; kind: string; campaign_id: number | null; message: string }
  | { type: "import_progress"; import_id: number; campaign_id: number; progress: ImportProgress }
  | {
      type: "import_finished";
      import_id: number;
      campaign_id: number;
      /** Errors cut to the first 100; `import.status` / `import.errors` have them all. */
      summary: ImportSummary | null;
      error: ApiErrorBody | null;
    }
  /**
   * Sent by the core when a subscriber fell behind; the UI also raises it itself after an event stream
   * reconnects. Either way: refetch everything.
   */
  | { type: "resync" };

/** The contract calls it `Event`; this alias avoids shadowing the DOM's `Event` in most files. */
export type { CampaignEvent as Event };

/** Every command: its args and its response. */
export interface Commands {
  health: { args: Record<string, never>; response: Health };
  "app.info": { args: Record<string, never>; response: AppInfo };
  "campaign.list": { args: Record<string, never>; response: Campaign[] };
  "campaign.get": { args: { id: number }; response: Campaign };
  "campaign.create": { args: CampaignInput & { name: string }; response: Campaign };
  "campaign.update": { args: CampaignInput & { id: number }; response: Campaign };
  "campaign.delete": { args: { id: number }; response: { id: number } };
  "campaign.start": { args: { id: number }; response: Campaign };
  "campaign.pause": { args: { id: number }; response: Campaign };
  "campaign.resume": { args: { id: number }; response: Campaign };
  "campaign.cancel": { args: { id: number }; response: Campaign };
  "campaign.why": { args: { id: number }; response: WhyReport };
  "campaign.copy_contacts": { args: { id: number; from: number }; response: { added: number; campaign: Campaign } };
  "agent.list": { args: Record<string, never>; response: Agent[] };
  "agent.create": { args: AgentInput; response: Agent };
  "contact.list": { args: ContactListArgs; response: ContactPage };
  "import.preview": { args: ImportArgs; response: ImportPreview };
  "import.commit": { args: ImportArgs; response: { import_id: number } };
  "import.cancel": { args: { import_id: number }; response: { import_id: number; cancelled: boolean } };
  "import.status": { args: { import_id: number }; response: ImportStatus };
  "import.errors": { args: { import_id: number }; response: ImportErrors };
  "import.fetch_sheet": {
    args: { sheet: string; range?: string; api_key?: string; service_account_json?: string };
    response: Uploaded & { rows: number };
  };
  "import.upload_piece": { args: { upload_id?: string; name?: string; data_base64: string }; response: Uploaded };
  "import.template.save": {
    args: { name: string; header: string[]; mapping: Mapping };
    response: { id: number; name: string; signature: string; mapping: string };
  };
}

export type CommandName = keyof Commands;

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
  | "external_id";
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
  total_rows: number;
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
