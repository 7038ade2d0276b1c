// The typed client: one function per command in docs/api.md, over whichever transport `platform()` picked.

import { platform } from "../platform";
import type {
  Agent,
  AgentInput,
  Analytics,
  AnalyticsArgs,
  AgentState,
  AppInfo,
  AttentionItem,
  AttentionList,
  BoardCall,
  CallDetail,
  CallExport,
  CallHistoryArgs,
  CallHistoryPage,
  CallListArgs,
  Campaign,
  CampaignInput,
  CampaignStats,
  CommandName,
  Commands,
  ContactListArgs,
  ContactDetail,
  ContactPage,
  DncEntry,
  DncListArgs,
  DncPage,
  Health,
  ImportArgs,
  ImportPreview,
  Mapping,
  Overview,
  SheetsAccount,
  WebhookEventDetail,
  WebhookList,
  WhyReport,
} from "./types";

/** Runs any command with its declared args and response types. */
export function rpc<C extends CommandName>(cmd: C, args: Commands[C]["args"]): Promise<Commands[C]["response"]> {
  return platform().call<Commands[C]["response"]>(cmd, args);
}

const none = {} as Record<string, never>;

export const api = {
  health: (): Promise<Health> => rpc("health", none),
  appInfo: async (): Promise<AppInfo> => ({ ...(await rpc("app.info", none)), transport: platform().transport }),

  campaigns: {
    list: (): Promise<Campaign[]> => rpc("campaign.list", none),
    get: (id: number): Promise<Campaign> => rpc("campaign.get", { id }),
    create: (input: CampaignInput & { name: string }): Promise<Campaign> => rpc("campaign.create", input),
    update: (id: number, changes: CampaignInput): Promise<Campaign> => rpc("campaign.update", { ...changes, id }),
    delete: (id: number): Promise<{ id: number }> => rpc("campaign.delete", { id }),
    start: (id: number): Promise<Campaign> => rpc("campaign.start", { id }),
    pause: (id: number): Promise<Campaign> => rpc("campaign.pause", { id }),
    resume: (id: number): Promise<Campaign> => rpc("campaign.resume", { id }),
    cancel: (id: number): Promise<Campaign> => rpc("campaign.cancel", { id }),
    why: (id: number): Promise<WhyReport> => rpc("campaign.why", { id }),
    copyContacts: (id: number, from: number) => rpc("campaign.copy_contacts", { id, from }),
  },

  demo: {
    /** Seeds demo data into the current data dir (once) and labels the instance as demo. */
    start: (): Promise<AppInfo> => rpc("demo.start", none),
    /** Removes the demo data and the demo label. */
    leave: (): Promise<AppInfo> => rpc("demo.leave", none),
  },

  agents: {
    list: (): Promise<Agent[]> => rpc("agent.list", none),
    create: (input: AgentInput): Promise<Agent> => rpc("agent.create", input),
    setDisclosure: (id: number, disclosure: string): Promise<Agent> => rpc("agent.set_disclosure", { id, disclosure }),
  },

  calls: {
    list: (args: CallListArgs = {}): Promise<BoardCall[]> => rpc("call.list", args),
    get: (id: number): Promise<CallDetail> => rpc("call.get", { id }),
    forget: (id: number) => rpc("call.forget", { id }),
    history: (args: CallHistoryArgs): Promise<CallHistoryPage> => rpc("call.history", args),
    export: (args: CallHistoryArgs): Promise<CallExport> => rpc("call.export", args),
    hangUp: (id: number): Promise<BoardCall> => rpc("call.hang_up", { id }),
    whisper: (id: number, text: string): Promise<BoardCall> => rpc("call.whisper", { id, text }),
    transfer: (id: number, to: string): Promise<BoardCall> => rpc("call.transfer", { id, to }),
    agentState: (id: number): Promise<AgentState> => rpc("call.agent_state", { id }),
    escalate: (id: number, reason?: string): Promise<AgentState> => rpc("call.escalate", reason ? { id, reason } : { id }),
  },

  attention: {
    list: (includeAcked = false): Promise<AttentionList> => rpc("attention.list", { include_acked: includeAcked }),
    ack: (id: number): Promise<AttentionItem> => rpc("attention.ack", { id }),
  },

  stats: {
    overview: (since?: string): Promise<Overview> => rpc("stats.overview", since ? { since } : {}),
    campaign: (id: number): Promise<CampaignStats> => rpc("stats.campaign", { id }),
    analytics: (args: AnalyticsArgs): Promise<Analytics> => rpc("stats.analytics", args),
  },

  webhooks: {
    list: (limit = 200): Promise<WebhookList> => rpc("webhook.list", { limit }),
    get: (id: number): Promise<WebhookEventDetail> => rpc("webhook.get", { id }),
  },

  contacts: {
    list: (args: ContactListArgs): Promise<ContactPage> => rpc("contact.list", args),
    get: (id: number): Promise<ContactDetail> => rpc("contact.get", { id }),
    forget: (id: number) => rpc("contact.forget", { id }),
  },

  dnc: {
    list: (args: DncListArgs): Promise<DncPage> => rpc("dnc.list", args),
    add: (args: { phone: string; campaign_id?: number; reason?: string }): Promise<DncEntry> => rpc("dnc.add", args),
    remove: (phone: string, campaignId: number | null) =>
      rpc("dnc.remove", campaignId == null ? { phone } : { phone, campaign_id: campaignId }),
  },

  imports: {
    preview: (args: ImportArgs): Promise<ImportPreview> => rpc("import.preview", args),
    commit: (args: ImportArgs) => rpc("import.commit", args),
    cancel: (importId: number) => rpc("import.cancel", { import_id: importId }),
    status: (importId: number) => rpc("import.status", { import_id: importId }),
    errors: (importId: number) => rpc("import.errors", { import_id: importId }),
    saveTemplate: (name: string, header: string[], mapping: Mapping) => rpc("import.template.save", { name, header, mapping }),
    upload: (file: File, onProgress?: (sent: number) => void) => platform().upload(file, onProgress),
    fetchSheet: (sheet: string, range?: string, apiKey?: string) =>
      rpc("import.fetch_sheet", { sheet, ...(range ? { range } : {}), ...(apiKey ? { api_key: apiKey } : {}) }),
    sheetsAccount: (): Promise<SheetsAccount> => rpc("import.sheets_account", {}),
  },
};

/** TanStack Query keys, in one place so the event reducer and the pages agree. */
export const keys = {
  appInfo: ["app.info"] as const,
  sheetsAccount: ["import.sheets_account"] as const,
  campaigns: ["campaigns"] as const,
  campaign: (id: number) => ["campaign", id] as const,
  why: (id: number) => ["campaign.why", id] as const,
  agents: ["agents"] as const,
  board: ["calls", "board"] as const,
  call: (id: number) => ["call", id] as const,
  callAgent: (id: number) => ["call", id, "agent"] as const,
  attention: ["attention"] as const,
  overview: ["stats", "overview"] as const,
  campaignStats: (id: number) => ["stats", "campaign", id] as const,
  webhooks: ["webhooks"] as const,
  webhook: (id: number) => ["webhook", id] as const,
  contacts: (filter: ContactListArgs) => ["contacts", filter] as const,
  contactsAll: ["contacts"] as const,
  contact: (id: number) => ["contact", id] as const,
  dnc: (args: DncListArgs) => ["dnc", args] as const,
  dncAll: ["dnc"] as const,
  callHistory: (filter: CallHistoryArgs) => ["call.history", filter] as const,
  callHistoryAll: ["call.history"] as const,
  analytics: (args: AnalyticsArgs) => ["stats.analytics", args] as const,
};
