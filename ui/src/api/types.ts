// Hand-written types for the command table and events in docs/api.md. Keep them in step with that file.

import type { Contact, ContactListArgs, ContactPage, ImportArgs, ImportErrors, ImportPreview, ImportProgress, ImportStatus, ImportSummary, Mapping, SheetsAccount, Uploaded } from "./importTypes";
import type { PublicUrlSource, SecretStoreKind } from "./setupTypes";

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
  | "upstream"
  | "internal";

/** The UI's own codes for failures that never reached the core. */
export type ClientErrorCode = "network";

export interface ApiErrorBody {
  code: ErrorCode | ClientErrorCode | (string & {});
  message: string;
  /** `validation` errors: one entry per invalid field (dotted for nested ones, e.g. `backup.keep`). */
  fields?: FieldError[];
}

export interface FieldError {
  field: string;
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
  /** Where the public URL comes from. */
  public_base_url_source?: PublicUrlSource | null;
  /** Where secrets are kept; "file" is the less secure fallback. */
  secret_store?: SecretStoreKind;
  /** Set when secrets fall back to the encrypted file: show it. */
  secret_store_warning?: string | null;
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
  /** When a scheduled campaign starts by itself (RFC 3339 UTC), null = when started. */
  start_at?: string | null;
  /** When the engine ends it (RFC 3339 UTC), doing `end_action`; null = no end. */
  end_at?: string | null;
  end_action?: EndAction;
  /** Slots of `max_concurrent` kept free for inbound calls and other campaigns (< max_concurrent). */
  reserved_headroom?: number;
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
  /** RFC 3339 with an offset; null clears. */
  start_at?: string | null;
  end_at?: string | null;
  end_action?: EndAction;
  reserved_headroom?: number;
}

/** What the engine does at a campaign's end time. */
export type EndAction = "complete" | "pause";

/** Settings that span campaigns (`engine.settings.get|set`). 0 = no cap. */
export interface EngineSettings {
  frequency_cap: { per_day: number; per_week: number };
  /** Most calls in flight per provider account across campaigns; absent = no global cap. */
  provider_caps: Partial<Record<Provider, number>>;
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
  reserved_headroom?: number;
  /** Calls in flight on the campaign's provider account across campaigns, and its global cap. */
  provider_in_flight?: number;
  provider_cap?: number | null;
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
  /** A call was created or changed (status, outcome, …). Fields the board adds (names, last line) are not in it. */
  | { type: "call_changed"; call: Call }
  /** One line of a call's live transcript, as it is spoken. */
  | { type: "call_transcript"; call_id: number; role: "agent" | "contact" | (string & {}); text: string; at: string }
  /** A "needs attention" item was raised, bumped or acknowledged; `open` is how many are open now. */
  | { type: "attention_changed"; item: AttentionItem; open: number }
  /** An AI agent call moved to another conversation phase. */
  | { type: "call_phase"; call_id: number; phase: string; reason: string; source: PhaseSource; at: string }
  /** A webhook delivery was journaled or changed status. */
  | { type: "webhook_received"; id: number; provider: string; kind: string; status: WebhookStatus }
  /** Many deliveries failed their signature check in a short time: probably a wrong webhook secret. */
  | { type: "webhook_alert"; provider: string; route: string; rejected: number; message: string }
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
export type PhaseSource = "agent" | "rule" | "supervisor";
export type CallPhase = "greeting" | "intake" | "clarification" | "escalation" | "completed";
export interface PhaseChange {
  phase: CallPhase | (string & {});
  reason: string;
  source: PhaseSource;
  at: string;
}
export interface AgentToolCall {
  tool_call_id: string;
  name: string;
  /** As the model sent it (may not be JSON). */
  arguments: string;
  ok: boolean;
  /** What went back to the model (JSON text). */
  output: string;
  at: string;
}
export interface RealtimeUsage {
  text_in: number;
  text_cached_in: number;
  audio_in: number;
  audio_cached_in: number;
  text_out: number;
  audio_out: number;
  transcription_ms: number;
  /** Tokens of an input transcription model billed in tokens (gpt-4o-transcribe, -mini). */
  transcription_text_in: number;
  transcription_audio_in: number;
  transcription_out: number;
}
/** The AI agent side of a call (`call.agent_state`). */
export interface AgentState {
  call_id: number;
  /** null: no agent session yet. */
  phase: CallPhase | (string & {}) | null;
  phases: PhaseChange[];
  intake: { data: Record<string, unknown>; validated_at: string } | null;
  tool_calls: AgentToolCall[];
  realtime: {
    model: string;
    prompt_version: number | null;
    usage: RealtimeUsage;
    /** Micro-USD. */
    cost_micros: number;
    ended_reason: string | null;
    started_at: string;
  } | null;
}

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
  "contact.callback": {
    args: { campaign_id: number; contact_id: number; at: string | null };
    response: { campaign_id: number; contact_id: number; callback_at: string | null };
  };
  "engine.settings.get": { args: Record<string, never>; response: EngineSettings };
  "engine.settings.set": { args: Partial<EngineSettings>; response: EngineSettings };
  "ui.endpoint": { args: Record<string, never>; response: UiEndpoint };
  "agent.list": { args: Record<string, never>; response: Agent[] };
  "agent.create": { args: AgentInput; response: Agent };
  "agent.set_disclosure": { args: { id: number; disclosure: string }; response: Agent };
  "call.list": { args: CallListArgs; response: BoardCall[] };
  "call.get": { args: { id: number }; response: CallDetail };
  "call.agent_state": { args: { id: number }; response: AgentState };
  "call.escalate": { args: { id: number; reason?: string; transfer_to?: string }; response: AgentState };
  "call.set_phase": { args: { id: number; phase: string; reason?: string }; response: AgentState };
  "campaign.realtime_cost": { args: { id: number }; response: { campaign_id: number; calls: number; cost_micros: number } };
  "call.hang_up": { args: { id: number }; response: BoardCall };
  "call.whisper": { args: { id: number; text: string }; response: BoardCall };
  "call.transfer": { args: { id: number; to: string }; response: BoardCall };
  "attention.list": { args: { include_acked?: boolean; limit?: number }; response: AttentionList };
  "attention.ack": { args: { id: number }; response: AttentionItem };
  "stats.overview": { args: { since?: string }; response: Overview };
  "stats.campaign": { args: { id: number }; response: CampaignStats };
  "webhook.list": { args: { limit?: number }; response: WebhookList };
  "webhook.get": { args: { id: number }; response: WebhookEventDetail };
  "demo.start": { args: Record<string, never>; response: AppInfo };
  "demo.leave": { args: Record<string, never>; response: AppInfo };
  "contact.list": { args: ContactListArgs; response: ContactPage };
  "contact.get": { args: { id: number }; response: ContactDetail };
  "contact.forget": { args: { id: number }; response: { id: number; phone_e164: string; calls: number; files_deleted: number } };
  "call.forget": { args: { id: number }; response: { id: number; phone_e164: string; calls: number; files_deleted: number } };
  "dnc.list": { args: DncListArgs; response: DncPage };
  "dnc.add": { args: { phone: string; campaign_id?: number; reason?: string }; response: DncEntry };
  "dnc.remove": { args: { phone: string; campaign_id?: number }; response: { phone_e164: string; campaign_id: number | null; removed: boolean } };
  "import.preview": { args: ImportArgs; response: ImportPreview };
  "import.commit": { args: ImportArgs; response: { import_id: number } };
  "import.cancel": { args: { import_id: number }; response: { import_id: number; cancelled: boolean } };
  "import.status": { args: { import_id: number }; response: ImportStatus };
  "import.errors": { args: { import_id: number }; response: ImportErrors };
  "import.fetch_sheet": {
    args: { sheet: string; range?: string; api_key?: string; service_account_json?: string };
    response: Uploaded & { rows: number };
  };
  "call.history": { args: CallHistoryArgs; response: CallHistoryPage };
  "stats.analytics": { args: AnalyticsArgs; response: Analytics };
  "call.export": { args: CallHistoryArgs; response: CallExport };
  "import.sheets_account": { args: Record<string, never>; response: SheetsAccount };
  "import.upload_piece": { args: { upload_id?: string; name?: string; data_base64: string }; response: Uploaded };
  "import.template.save": {
    args: { name: string; header: string[]; mapping: Mapping };
    response: { id: number; name: string; signature: string; mapping: string };
  };
}

export type CommandName = keyof Commands;

export type CallStatus =
  | "queued"
  | "dialing"
  | "ringing"
  | "in_progress"
  | "transferred"
  | "completed"
  | "no_answer"
  | "busy"
  | "voicemail"
  | "failed"
  | "cancelled";

/** A call as `call_changed` carries it (the `calls` row). */
export interface Call {
  id: number;
  campaign_id: number | null;
  provider: string;
  provider_call_id: string | null;
  conversation_id: string | null;
  origin: string;
  status: CallStatus | (string & {});
  outcome: string | null;
  disposition: string | null;
  started_at: string | null;
  answered_at: string | null;
  ended_at: string | null;
  duration_s: number | null;
  cost: number | null;
  summary: string | null;
  recording_path: string | null;
  created_at: string;
  updated_at: string;
}

export interface TranscriptLine {
  role: "agent" | "contact" | (string & {});
  text: string;
  at: string;
}

/** A call as the board shows it (`call.list`). */
export interface BoardCall {
  id: number;
  campaign_id: number | null;
  campaign_name: string | null;
  contact_id: number | null;
  contact_name: string | null;
  contact_phone: string | null;
  agent_id: number | null;
  agent_name: string | null;
  provider: string;
  provider_call_id: string | null;
  status: CallStatus | (string & {});
  outcome: string | null;
  disposition: string | null;
  started_at: string | null;
  answered_at: string | null;
  ended_at: string | null;
  duration_s: number | null;
  cost: number | null;
  error: string | null;
  /** "positive" | "neutral" | "negative" when known. */
  sentiment: string | null;
  last_line: TranscriptLine | null;
  created_at: string;
  updated_at: string;
}

export interface CallListArgs {
  campaign_id?: number;
  status?: string[];
  provider?: string;
  ids?: number[];
  recent_minutes?: number;
  limit?: number;
}

export interface Capabilities {
  hang_up: boolean;
  whisper: boolean;
  transfer: boolean;
}

export interface TimelineEntry {
  at: string;
  source: "call" | "provider" | "action";
  label: string;
  detail: string | null;
}

export interface AuditRow {
  id: number;
  at: string;
  actor: string;
  action: string;
  details: Record<string, unknown> | null;
}

export interface CallContact {
  id: number;
  name: string;
  phone_e164: string;
  email: string;
  language: string;
  time_zone: string | null;
  status: string;
  variables: Record<string, unknown> | null;
}

/** `call.get`. */
export interface CallDetail {
  call: BoardCall;
  contact: CallContact | null;
  transcript: TranscriptLine[];
  timeline: TimelineEntry[];
  audit: AuditRow[];
  provider_events: { id: number; provider: string; kind: string; status: string; error: string | null; at: string;
    reported: string | null }[];   // reported: what the event said of the call (its status, else disposition)
  capabilities: Capabilities;
  /** The call has live audio now. */
  listenable: boolean;
  summary: string | null;
  /** A recording is kept: `platform().recording` plays it. */
  has_recording: boolean;
  /** The provider's post-call analysis. */
  results: CallResults;
  /** Whether the agent's recording disclosure was said in its opening lines; null when the agent has none. */
  disclosure: DisclosureCheck | null;
}

/** What the agent concluded about a call (ElevenLabs' analysis, or the simulator's). */
export interface CallResults {
  title: string | null;
  /** success | failure | unknown, per criterion. */
  evaluation: { id: string; result: string; rationale: string | null }[];
  /** `value` null: the agent did not get it. */
  data: { id: string; value: unknown; rationale: string | null }[];
  termination_reason: string | null;
  /** ElevenLabs credits, not money. */
  credits: number | null;
}

export interface AttentionItem {
  id: number;
  kind: string;
  severity: "critical" | "warning" | "info" | (string & {});
  title: string;
  message: string;
  campaign_id: number | null;
  call_id: number | null;
  count: number;
  created_at: string;
  last_seen_at: string;
  acked_at: string | null;
  acked_by: string | null;
}

export interface AttentionList {
  items: AttentionItem[];
  open: number;
}

export interface Totals {
  dials: number;
  connects: number;
  successes: number;
  failures: number;
  in_flight: number;
  avg_duration_s: number | null;
  cost: number;
}

export interface Bucket {
  at: string;
  dials: number;
  connects: number;
  successes: number;
}

export interface Overview {
  since: string;
  totals: Totals;
  connect_rate: number | null;
  success_rate: number | null;
  hourly: Bucket[];
  per_minute: Bucket[];
  running_campaigns: number;
}

export interface CampaignStats {
  campaign_id: number;
  by_outcome: { outcome: string; count: number }[];
  totals: Totals;
  connect_rate: number | null;
  success_rate: number | null;
  calls_per_minute: number;
  per_minute: Bucket[];
}

export type WebhookProvider = "elevenlabs" | "twilio" | "exotel" | "openai";
export type WebhookStatus = "pending" | "applied" | "duplicate" | "rejected" | "failed";

/** One row of the webhook journal. */
export interface WebhookEvent {
  id: number;
  provider: WebhookProvider;
  type: string;
  idempotency_key: string;
  status: WebhookStatus;
  error: string | null;
  received_at: string;
  call_id: number | null;
}

/** `webhook.list`: the newest deliveries and counters. */
export interface WebhookList {
  events: WebhookEvent[];
  counts: { provider: string; status: WebhookStatus; count: number }[];
  rejected_since_start: number;
}

/** `webhook.get`: one delivery for the body viewer. */
export interface WebhookEventDetail extends WebhookEvent {
  headers: Record<string, string> | null;
  /** The first 64 KiB as text; null when the body was not kept (rejected deliveries). */
  body: string | null;
  body_size: number | null;
  body_path: string | null;
  occurred_at: string | null;
  applied_at: string | null;
  attempts: number;
}

/** `stats.analytics` */
export interface AnalyticsArgs {
  since?: string;
  until?: string;
  campaign_id?: number;
  agent_id?: number;
}
export interface AnalyticsKpis {
  dials: number;
  connects: number;
  successes: number;
  voicemails: number;
  avg_duration_s: number | null;
  cost: number;
}
export interface AnalyticsRates {
  connect_rate: number | null;
  success_rate: number | null;
  voicemail_rate: number | null;
  cost_per_success: number | null;
}
export type AnalyticsRow = AnalyticsKpis & AnalyticsRates & { key: string; name: string };
export interface Analytics {
  since: string;
  until: string;
  totals: AnalyticsKpis;
  rates: AnalyticsRates;
  days: AnalyticsRow[];
  by_campaign: AnalyticsRow[];
  by_agent: AnalyticsRow[];
  dispositions: [string, number][];
  sentiment: [string, number][];
  top_phrases: [string, number][];
}

/** `call.history` / `call.export` filters. */
export interface CallHistoryArgs {
  search?: string;
  campaign_id?: number;
  agent_id?: number;
  outcome?: string[];
  since?: string;
  until?: string;
  before?: number;
  limit?: number;
  /** `call.export` only; default `csv`. */
  format?: ExportFormat;
}

export type ExportFormat = "csv" | "xlsx" | "json";

export interface CallHistoryPage {
  calls: BoardCall[];
  next_before: number | null;
  total: number | null;
}

export interface CallExport {
  filename: string;
  rows: number;
  truncated: boolean;
  media_type: string;
  /** `utf-8` text (CSV, JSON) or `base64` (XLSX). */
  encoding: "utf-8" | "base64";
  content: string;
}

/** A call's recording disclosure, checked against its transcript (the agent's first three lines). */
export interface DisclosureCheck {
  text: string;
  /** When the agent finished saying it; null when the transcript does not hold it (yet). */
  heard_at: string | null;
}

/** `ui.endpoint`: the UI listener for WebSockets (live audio) from the desktop window. */
export interface UiEndpoint {
  /** `http://127.0.0.1:PORT` */
  base_url: string;
  /** `ws://127.0.0.1:PORT` */
  ws_url: string;
  token: string;
}

export * from "./importTypes";
export * from "./setupTypes";
export * from "./openaiTypes";

/** An entry of the do-not-call list (`dnc.*`). */
export interface DncEntry {
  id: number;
  phone_e164: string;
  /** null: every campaign. */
  campaign_id: number | null;
  campaign_name: string | null;
  contact_name: string | null;
  source: "manual" | "import" | "opt_out" | "provider" | (string & {});
  reason: string;
  created_at: string;
}

export interface DncPage {
  entries: DncEntry[];
  next_before: number | null;
  total: number | null;
}

export interface DncListArgs {
  search?: string;
  before?: number;
  limit?: number;
}

/** Where a campaign stands with a contact. */
export interface Membership {
  campaign_id: number;
  campaign_name: string;
  state: string;
  attempts: number;
  wait_reason: string;
  next_attempt_at: string | null;
}

/** `contact.get`: one contact with their campaigns, calls and do-not-call entries. */
export interface ContactDetail {
  contact: Contact;
  campaigns: Membership[];
  calls: BoardCall[];
  dnc: DncEntry[];
}
