// OpenAI Realtime commands (docs/api.md "OpenAI Realtime agents and Realtime SIP"): one typed call each.

import { platform } from "../platform";
import type { OpenaiCommands, OpenaiPrices, OpenaiProfile, OpenaiSip } from "./types";

function call<C extends keyof OpenaiCommands>(cmd: C, args: OpenaiCommands[C]["args"]): Promise<OpenaiCommands[C]["response"]> {
  return platform().call<OpenaiCommands[C]["response"]>(cmd, args);
}

const none = {} as Record<string, never>;

export const openaiKeys = {
  profile: (agentId: number) => ["openai", "profile", agentId] as const,
  versions: (agentId: number) => ["openai", "versions", agentId] as const,
  prices: ["openai", "prices"] as const,
  sip: ["openai", "sip"] as const,
};

export const openaiApi = {
  profile: (agentId: number) => call("agent.openai.get", { agent_id: agentId }),
  saveProfile: (agentId: number, profile: OpenaiProfile) => call("agent.openai.set", { agent_id: agentId, profile }),
  preview: (agentId: number, profile?: OpenaiProfile) => call("agent.prompt_preview", { agent_id: agentId, profile }),
  versions: (agentId: number) => call("agent.prompt_versions", { agent_id: agentId }),
  prices: () => call("openai.prices.get", none),
  savePrices: (prices: OpenaiPrices) => call("openai.prices.set", prices),
  sip: () => call("openai.sip.get", none),
  saveSip: (sip: OpenaiSip) => call("openai.sip.set", sip),
};
