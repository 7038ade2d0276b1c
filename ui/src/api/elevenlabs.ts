// ElevenLabs commands (docs/api.md, `elevenlabs.*`): types and one typed call per command.

import { platform } from "../platform";

export type ElRegion = "default" | "us" | "eu-residency" | "in-residency" | "sg-residency" | "custom";

export interface ElWebhookState {
  webhook_id: string;
  name: string;
  url: string;
  agent_ids: string[];
  registered_at: string;
  disabled: boolean;
  auto_disabled: boolean;
  last_failure_code: unknown;
  last_failure_at: number | null;
  checked_at: string | null;
  missing: boolean;
}

export interface ElevenLabsStatus {
  configured: boolean;
  region: ElRegion;
  base_url: string;
  public_base_url: string | null;
  webhook: ElWebhookState | null;
}

export interface ElAgent {
  agent_id: string;
  name: string;
  created_at_unix_secs: number | null;
}

export interface ElPhoneNumber {
  phone_number_id: string;
  phone_number: string;
  label: string | null;
  provider: string | null;
}

export interface ElCampaignSetup {
  campaign_id: number;
  agent_id: string;
  phone_number_id: string;
  phone_kind: "twilio" | "sip_trunk";
  recording: boolean;
  ringing_timeout_secs: number | null;
  machine_detection: boolean;
  overrides: Record<string, unknown>;
  batch_size: number;
}

export type ElBatchStatus =
  | "submitting"
  | "pending"
  | "in_progress"
  | "completed"
  | "failed"
  | "cancelled"
  | "rejected"
  | "unknown";

export interface ElBatch {
  id: number;
  campaign_id: number;
  wave: number;
  call_name: string;
  batch_id: string | null;
  status: ElBatchStatus;
  recipients: number;
  error: string | null;
  polled_at: string | null;
  created_at: string;
}

export type ElSetupArgs = Omit<ElCampaignSetup, "overrides" | "ringing_timeout_secs"> & {
  ringing_timeout_secs?: number | null;
};

const none = {} as Record<string, never>;
const call = <T>(cmd: string, args: object): Promise<T> => platform().call<T>(cmd, args);

export const elevenlabs = {
  status: () => call<ElevenLabsStatus>("elevenlabs.status", none),
  test: () => call<{ ok: boolean; agents: number; phone_numbers: number }>("elevenlabs.test", none),
  agents: () => call<ElAgent[]>("elevenlabs.agents", none),
  phoneNumbers: () => call<ElPhoneNumber[]>("elevenlabs.phone_numbers", none),
  campaign: (campaign_id: number) =>
    call<{ setup: ElCampaignSetup | null; batches: ElBatch[] }>("elevenlabs.campaign.get", { campaign_id }),
  setCampaign: (args: ElSetupArgs) => call<ElCampaignSetup>("elevenlabs.campaign.set", args),
  retryFailed: (campaign_id: number) => call<{ contacts: number }>("elevenlabs.batch.retry", { campaign_id }),
  cancelBatch: (campaign_id: number) => call<ElBatch | null>("elevenlabs.batch.cancel", { campaign_id }),
  registerWebhook: (agent_ids: string[]) =>
    call<ElWebhookState>("elevenlabs.webhook.register", { consent: true, agent_ids }),
  webhookStatus: () => call<ElWebhookState | null>("elevenlabs.webhook.status", none),
  enableWebhook: () => call<ElWebhookState>("elevenlabs.webhook.enable", none),
};

export const elKeys = {
  status: ["elevenlabs.status"] as const,
  agents: ["elevenlabs.agents"] as const,
  phoneNumbers: ["elevenlabs.phone_numbers"] as const,
  campaign: (id: number) => ["elevenlabs.campaign", id] as const,
};

/** How the webhook is doing, in one line, and whether it needs the user. */
export function webhookHealth(w: ElWebhookState | null): { text: string; tone: "ok" | "warn" | "off" } {
  if (!w) return { text: "Not registered: results arrive only by polling ElevenLabs", tone: "off" };
  if (w.missing) return { text: "ElevenLabs no longer lists this webhook; register it again", tone: "warn" };
  if (w.auto_disabled) return { text: "Disabled by ElevenLabs after repeated delivery failures", tone: "warn" };
  if (w.disabled) return { text: "Disabled", tone: "warn" };
  return { text: "Active", tone: "ok" };
}

/** What batch mode cannot do, said where the mode is chosen. */
export const BATCH_LIMITS =
  "Batch mode hands the whole wave to ElevenLabs: a running batch cannot be paused (pausing the campaign only " +
  "stops new waves) and there are no per-recipient calling windows — contacts outside their window wait for a later wave.";
