// Setup types (settings, secrets, public URL, self-test, provider checks, backup, carriers), re-exported by types.ts.

import type { HoursPreset } from "./types";

// ---- Setup (issue 10): settings, secrets, public URL, self-test, provider checks, backup ----

export type PublicUrlSource = "env" | "settings" | "tunnel";
export type SecretStoreKind = "keychain" | "file" | "memory";
export type SecretSource = "env" | "keychain" | "file" | "memory";
export type Theme = "system" | "light" | "dark";
export type TunnelMode = "manual" | "cloudflared";

export interface Settings {
  default_region: string;
  time_zone: string;
  calling_hours: HoursPreset;
  public_base_url: string | null;
  tunnel: TunnelMode;
  ui_port: number;
  public_port: number;
  recording_enabled: boolean;
  recording_retention_days: number;
  theme: Theme;
  notifications: { alerts: boolean; campaign_finished: boolean; sound: boolean };
  backup: { enabled: boolean; every_hours: number; keep: number; dir: string | null };
  setup_done: boolean;
}

/** Any subset of fields; nested objects merge. */
export type SettingsPatch = Partial<Omit<Settings, "notifications" | "backup">> & {
  notifications?: Partial<Settings["notifications"]>;
  backup?: Partial<Settings["backup"]>;
};

export type SecretName =
  | "elevenlabs.api_key"
  | "elevenlabs.webhook_secret"
  | "twilio.account_sid"
  | "twilio.auth_token"
  | "exotel.api_key"
  | "exotel.api_token"
  | "exotel.account_sid"
  | "exotel.webhook_secret"
  | "openai.api_key"
  | "openai.webhook_secret"
  | "google.service_account_json"
  | "ngrok.authtoken";

/** Never a value: whether it is set and where from. */
export interface SecretStatus {
  name: SecretName;
  set: boolean;
  source: SecretSource | null;
  env_var: string;
}

export interface SecretsOut {
  store: SecretStoreKind;
  warning: string | null;
  secrets: SecretStatus[];
}

export interface SelfTestResult {
  ok: boolean;
  url: string | null;
  latency_ms: number | null;
  message: string;
  checked_at: string;
}

export type TunnelStatus =
  | { state: "off" }
  | { state: "starting"; attempt: number }
  | { state: "up"; url: string }
  | { state: "down"; reason: string; retry_in_s: number };

export interface SetupStatus {
  public_url: string | null;
  public_url_source: PublicUrlSource | null;
  tunnel: TunnelStatus;
  selftest: SelfTestResult | null;
  secret_store: SecretStoreKind;
  secret_store_warning: string | null;
  setup_done: boolean;
}

export type ProviderName = "elevenlabs" | "twilio" | "exotel" | "openai";

export interface ProviderCheck {
  provider: ProviderName;
  status: "ok" | "not_configured" | "rejected" | "unreachable" | "failed";
  message: string;
  latency_ms: number | null;
}

export interface BackupSummary {
  path: string;
  bytes: number;
  manifest: { format: number; app_version: string; schema_version: number; created_at: string; recordings: number };
}

export interface BackupManifest {
  format: number;
  app_version: string;
  schema_version: number;
  created_at: string;
  recordings: number;
}

/** One archive in the backup folder; `manifest` is null when it cannot be read (damaged). */
export interface ListedBackup {
  path: string;
  file_name: string;
  bytes: number;
  manifest: BackupManifest | null;
}

export interface BackupList {
  dir: string;
  backups: ListedBackup[];
  /** A restore staged for the next start. */
  pending: BackupManifest | null;
  /** The desktop app restarts itself (`app.restart`); `callboard serve` must be restarted by hand. */
  can_restart: boolean;
}

export interface RestorePreview {
  path: string;
  bytes: number;
  manifest: BackupManifest;
  /** What restoring replaces. */
  current: { campaigns: number; contacts: number; calls: number; recordings: number };
}

export interface RestoreStaged {
  manifest: BackupManifest;
  safety_backup: string;
  can_restart: boolean;
  message: string;
}

export interface WipeSummary {
  tables: number;
  rows: number;
  recordings: number;
  safety_backup: string | null;
}

export interface CarrierStatus {
  provider: "twilio" | "exotel";
  configured: boolean;
  /** What is missing, as the user names it ("Auth token", "flow id"). */
  missing: string[];
  /** Set by the environment: secret names, "exotel.flow_id", "base_url". */
  from_env: string[];
  base_url: string;
  /** Caller numbers campaigns may pick; the first is the default. */
  numbers: string[];
}

export type ExotelRegion = "singapore" | "mumbai";

export interface CarrierSettings {
  twilio: { from_numbers: string[] };
  exotel: { region: ExotelRegion; caller_ids: string[]; flow_id: string };
}

export interface CarriersOut {
  live: boolean;
  carriers: CarrierStatus[];
  settings: CarrierSettings;
}

export type CarrierSettingsPatch = { twilio?: Partial<CarrierSettings["twilio"]>; exotel?: Partial<CarrierSettings["exotel"]> };

export interface SetupCommands {
  "settings.get": { args: Record<string, never>; response: Settings };
  "settings.update": { args: SettingsPatch; response: Settings };
  "secret.status": { args: Record<string, never>; response: SecretsOut };
  "secret.set": { args: { name: SecretName; value: string }; response: SecretStatus };
  "secret.clear": { args: { name: SecretName }; response: SecretStatus };
  "setup.status": { args: Record<string, never>; response: SetupStatus };
  "setup.selftest": { args: Record<string, never>; response: SelfTestResult };
  "provider.test": { args: { provider: ProviderName }; response: ProviderCheck };
  "carrier.status": { args: Record<string, never>; response: CarriersOut };
  "carrier.settings.set": { args: CarrierSettingsPatch; response: CarriersOut };
  "backup.create": { args: { path?: string }; response: BackupSummary };
  "data.wipe": { args: { confirm: string }; response: WipeSummary };
  "backup.list": { args: Record<string, never>; response: BackupList };
  "backup.inspect": { args: { path: string }; response: RestorePreview };
  "backup.restore": { args: { path: string }; response: RestoreStaged };
  "backup.restore_cancel": { args: Record<string, never>; response: { cancelled: boolean } };
  "app.restart": { args: Record<string, never>; response: { restarting: boolean } };
}
