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
  "contact.callback": {
    args: { campaign_id: number; contact_id: number; at: string | null };
    response: { campaign_id: number; contact_id: number; callback_at: string | null };
  };
  "engine.settings.get": { args: Record<string, never>; response: EngineSettings };
  "engine.settings.set": { args: Partial<EngineSettings>; response: EngineSettings };
  "agent.list": { args: Record<string, never>; response: Agent[] };
  "agent.create": { args: AgentInput; response: Agent };
}

export type CommandName = keyof Commands;
