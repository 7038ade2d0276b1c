// Setup commands (docs/api.md "Setup"): settings, write-only secrets, the public URL's self-test, provider
// checks, backup and wipe. `demo.start` / `demo.leave` belong to the demo work and are called by name.

import { platform } from "../platform";
import type { CarrierSettingsPatch, ProviderName, SecretName, SettingsPatch, SetupCommands } from "./types";

function call<C extends keyof SetupCommands>(cmd: C, args: SetupCommands[C]["args"]): Promise<SetupCommands[C]["response"]> {
  return platform().call<SetupCommands[C]["response"]>(cmd, args);
}

const none = {} as Record<string, never>;

export const setupApi = {
  settings: () => call("settings.get", none),
  updateSettings: (patch: SettingsPatch) => call("settings.update", patch),
  secrets: () => call("secret.status", none),
  setSecret: (name: SecretName, value: string) => call("secret.set", { name, value }),
  clearSecret: (name: SecretName) => call("secret.clear", { name }),
  status: () => call("setup.status", none),
  selftest: () => call("setup.selftest", none),
  testProvider: (provider: ProviderName) => call("provider.test", { provider }),
  carriers: () => call("carrier.status", none),
  setCarrierSettings: (patch: CarrierSettingsPatch) => call("carrier.settings.set", patch),
  backup: (path?: string) => call("backup.create", path ? { path } : {}),
  wipe: (confirm: string) => call("data.wipe", { confirm }),
  backups: () => call("backup.list", none),
  inspectBackup: (path: string) => call("backup.inspect", { path }),
  restoreBackup: (path: string) => call("backup.restore", { path }),
  cancelRestore: () => call("backup.restore_cancel", none),
  restart: () => call("app.restart", none),
  /** Seeds demo data into the current data dir (the demo work's command). */
  startDemo: () => platform().call<unknown>("demo.start", {}),
  /** Wipes demo data and leaves demo mode (the demo work's command). */
  leaveDemo: () => platform().call<unknown>("demo.leave", {}),
};

export const setupKeys = {
  settings: ["settings"] as const,
  secrets: ["secrets"] as const,
  status: ["setup.status"] as const,
  carriers: ["carrier.status"] as const,
  backups: ["backup.list"] as const,
};

/** What the user calls each secret, and which provider it belongs to. */
export const SECRET_FIELDS: { provider: ProviderName; label: string; secrets: { name: SecretName; label: string; hint?: string }[] }[] = [
  {
    provider: "elevenlabs",
    label: "ElevenLabs",
    secrets: [
      { name: "elevenlabs.api_key", label: "API key", hint: "Profile → API keys" },
      { name: "elevenlabs.webhook_secret", label: "Webhook secret", hint: "Agents → Settings → Webhooks (HMAC)" },
    ],
  },
  {
    provider: "twilio",
    label: "Twilio",
    secrets: [
      { name: "twilio.account_sid", label: "Account SID", hint: "Starts with AC" },
      { name: "twilio.auth_token", label: "Auth token", hint: "Also verifies Twilio's webhook signatures" },
    ],
  },
  {
    provider: "exotel",
    label: "Exotel",
    secrets: [
      { name: "exotel.account_sid", label: "Account SID" },
      { name: "exotel.api_key", label: "API key" },
      { name: "exotel.api_token", label: "API token" },
      { name: "exotel.webhook_secret", label: "Webhook path secret", hint: "Any long random text; it goes in the callback URL" },
    ],
  },
  {
    provider: "openai",
    label: "OpenAI",
    secrets: [
      { name: "openai.api_key", label: "API key" },
      { name: "openai.webhook_secret", label: "Webhook secret" },
    ],
  },
];

export const SOURCE_LABEL: Record<string, string> = {
  env: "from an environment variable",
  keychain: "in the OS keychain",
  file: "in the encrypted file",
  memory: "in memory only",
};
