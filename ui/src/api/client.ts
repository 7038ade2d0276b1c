// The typed client: one function per command in docs/api.md, over whichever transport `platform()` picked.

import { platform } from "../platform";
import type {
  Agent,
  AgentInput,
  AppInfo,
  Campaign,
  CampaignInput,
  Commands,
  CommandName,
  ContactListArgs,
  ContactPage,
  Health,
  ImportArgs,
  ImportPreview,
  Mapping,
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

  agents: {
    list: (): Promise<Agent[]> => rpc("agent.list", none),
    create: (input: AgentInput): Promise<Agent> => rpc("agent.create", input),
  },

  contacts: {
    list: (args: ContactListArgs): Promise<ContactPage> => rpc("contact.list", args),
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
  },
};

/** TanStack Query keys, in one place so the event reducer and the pages agree. */
export const keys = {
  appInfo: ["app.info"] as const,
  campaigns: ["campaigns"] as const,
  campaign: (id: number) => ["campaign", id] as const,
  why: (id: number) => ["campaign.why", id] as const,
  agents: ["agents"] as const,
  contacts: (filter: ContactListArgs) => ["contacts", filter] as const,
  contactsAll: ["contacts"] as const,
};
