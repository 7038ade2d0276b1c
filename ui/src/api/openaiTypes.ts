// OpenAI Realtime agent and SIP types (docs/api.md), re-exported by types.ts.

// ---------- OpenAI Realtime agents and SIP (docs/api.md "OpenAI Realtime agents and Realtime SIP") ----------

export type TurnDetection =
  | {
      type: "server_vad";
      threshold: number;
      prefix_padding_ms: number;
      silence_duration_ms: number;
      idle_timeout_ms: number | null;
      create_response: boolean;
      interrupt_response: boolean;
    }
  | { type: "semantic_vad"; eagerness: "low" | "medium" | "high" | "auto"; create_response: boolean; interrupt_response: boolean };
export interface WindowHours {
  start: string;
  end: string | null;
}
export interface EscalationContact {
  name: string;
  role: string;
  phone: string;
}
export interface OpenaiProfile {
  model: string;
  voice: string;
  language: string;
  first_message: string;
  turn_detection: TurnDetection;
  transcription_model: string;
  org: {
    name: string;
    services: string[];
    policies: string[];
    hours: { timezone: string; window: { days: WindowHours[][]; blocked_dates: string[] } };
    escalation_contacts: EscalationContact[];
    intake_schema: Record<string, unknown>;
  };
  escalation: { transfer_to: string | null; transfer_on_escalation: boolean };
}
export interface OpenaiProfileOut {
  agent_id: number;
  stored: boolean;
  profile: OpenaiProfile;
}
export interface PromptPreview {
  text: string;
  hash: string;
  version_id: number | null;
  session: Record<string, unknown>;
}
export interface PromptVersion {
  id: number;
  agent_id: number;
  hash: string;
  text: string;
  created_at: string;
  calls: number;
}
export interface ModelPrices {
  text_input: number;
  text_cached_input: number;
  text_output: number;
  audio_input: number;
  audio_cached_input: number;
  audio_output: number;
}
export interface OpenaiPrices {
  models: Record<string, ModelPrices>;
  source: string;
}
export interface OpenaiSip {
  agent_id: number | null;
  max_concurrent: number;
  reject_outside_hours: boolean;
}

export interface OpenaiCommands {
  "agent.openai.get": { args: { agent_id: number }; response: OpenaiProfileOut };
  "agent.openai.set": { args: { agent_id: number; profile: OpenaiProfile }; response: OpenaiProfileOut };
  "agent.prompt_preview": { args: { agent_id: number; profile?: OpenaiProfile }; response: PromptPreview };
  "agent.prompt_versions": { args: { agent_id: number }; response: PromptVersion[] };
  "openai.prices.get": { args: Record<string, never>; response: OpenaiPrices };
  "openai.prices.set": { args: OpenaiPrices; response: OpenaiPrices };
  "openai.sip.get": { args: Record<string, never>; response: OpenaiSip };
  "openai.sip.set": { args: OpenaiSip; response: OpenaiSip };
}
