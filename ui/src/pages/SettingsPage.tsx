import { useQuery } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { api, keys } from "../api/client";
import { ApiError } from "../api/error";
import { IconCheck, IconCopy, IconMonitor, IconMoon, IconSun } from "../components/Icons";
import { useUi, type ThemePref } from "../state/ui";
import { CarrierPanel } from "./settings/CarrierPanel";
import { DisclosureCard } from "./settings/DisclosureCard";
import { ElevenLabsPanel } from "./settings/ElevenLabsPanel";
import { OpenAiPanel } from "./settings/OpenAiPanel";
import { NotificationSettings } from "./NotificationSettings";
import { GoogleSheetsCard } from "./settings/GoogleSheetsCard";
import { WebhooksCard } from "./settings/WebhooksCard";
import { BackupPanel, GeneralForm } from "./setup/MaintenancePanels";
import { ProviderKeys, PublicUrlPanel, RegionForm, useSettings } from "./setup/SetupPanels";
import { useWizard } from "./setup/SetupWizard";
import { setupApi } from "../api/setup";

export function SettingsPage() {
  const info = useQuery({ queryKey: keys.appInfo, queryFn: api.appInfo, staleTime: Infinity });
  const d = info.data;
  const err = info.error ? ApiError.from(info.error) : null;
  return (
    <div className="page page-narrow">
      {err && (
        <div className="card card-error" role="alert">
          <div className="card-error-title">
            Could not load the app information <span className="code-pill">{err.code}</span>
          </div>
          <p className="muted">{err.message}</p>
        </div>
      )}
      <section className="card settings-card">
        <header className="settings-head">
          <h2>This console</h2>
          <p className="muted">What is running and where it keeps its data.</p>
        </header>
        <dl className="kv kv-settings">
          <Row label="Version" testId="settings-version">
            {d ? d.version : <Skel />}
          </Row>
          <Row label="Mode">
            {d ? (
              d.demo ? (
                <span className="demo-badge">Demo data</span>
              ) : (
                "Live data"
              )
            ) : (
              <Skel />
            )}
          </Row>
          <Row label="Running as">{d ? (d.transport === "desktop" ? "Desktop app" : "Browser (callboard serve)") : <Skel />}</Row>
          <Row label="Data folder" testId="settings-data-dir">
            {d ? <Copyable text={d.data_dir} /> : <Skel />}
          </Row>
          <Row label="Database" testId="settings-db">
            {d ? <Copyable text={d.database_path} /> : <Skel />}
          </Row>
          <Row label="Schema version" testId="settings-schema">
            {d ? d.schema_version : <Skel />}
          </Row>
          <Row label="Secrets kept in" testId="settings-secret-store">
            {d ? (
              <span>
                {d.secret_store === "keychain" ? "The OS keychain" : d.secret_store === "file" ? "An encrypted file (less secure)" : "Memory only"}
                {d.secret_store_warning && <span className="field-hint block" data-testid="settings-secret-warning">{d.secret_store_warning}</span>}
              </span>
            ) : (
              <Skel />
            )}
          </Row>
        </dl>
      </section>

      <section className="card settings-card">
        <header className="settings-head">
          <h2>Listeners</h2>
          <p className="muted">
            The UI listener answers only on this machine. Providers send webhooks and media to the public listener, through
            a tunnel or a public URL.
          </p>
        </header>
        <dl className="kv kv-settings">
          <Row label="UI listener" testId="settings-ui-url">
            {d ? d.ui_url ? <Copyable text={d.ui_url} /> : <NotSet /> : <Skel />}
          </Row>
          <Row label="Public listener" testId="settings-public-listener">
            {d ? d.public_listener ? <Copyable text={d.public_listener} /> : <NotSet /> : <Skel />}
          </Row>
          <Row label="Public base URL" testId="settings-public-url">
            {d ? (
              d.public_base_url ? (
                <Copyable text={d.public_base_url} />
              ) : (
                <span>
                  <NotSet />
                  <span className="field-hint block">
                    Set it under Public URL below (or <code>--public-url</code> / <code>CALLBOARD_PUBLIC_URL</code>) so providers can reach the listener.
                  </span>
                </span>
              )
            ) : (
              <Skel />
            )}
          </Row>
        </dl>
      </section>

      <SetupSections />

      <WebhooksCard />

      <h2 className="settings-group" data-testid="settings-providers">Providers</h2>
      <ElevenLabsPanel />
      <CarrierPanel provider="twilio" />
      <CarrierPanel provider="exotel" />
      <GoogleSheetsCard />
      <OpenAiPanel />
      <DisclosureCard />

      <section className="card settings-card">
        <header className="settings-head">
          <h2>Appearance</h2>
          <p className="muted">Applies in this window at once and is kept with the app's settings.</p>
        </header>
        <dl className="kv kv-settings">
          <Row label="Theme">
            <ThemeChoice />
          </Row>
        </dl>
      </section>
      <NotificationSettings />
    </div>
  );
}

/** Settings stored in the database: region and hours, providers, public URL, general, backup. */
function SetupSections() {
  const settings = useSettings();
  const s = settings.data;
  return (
    <>
      <section className="card settings-card">
        <header className="settings-head">
          <h2>Setup</h2>
          <p className="muted">The guided setup walks through region, provider keys, the public URL and the first import.</p>
        </header>
        <button type="button" className="btn btn-secondary" onClick={() => useWizard.getState().show()} data-testid="open-wizard">
          Open the setup wizard
        </button>
      </section>
      <section className="card settings-card">
        <header className="settings-head">
          <h2>Region and calling hours</h2>
        </header>
        {s ? <RegionForm key={`${s.default_region}${s.time_zone}${s.calling_hours}`} settings={s} /> : <Skel />}
      </section>
      <section className="card settings-card">
        <header className="settings-head">
          <h2>Providers</h2>
          <p className="muted">Keys are write-only: once saved they are never shown again, only whether they are set and where they are kept.</p>
        </header>
        <ProviderKeys />
      </section>
      <section className="card settings-card">
        <header className="settings-head">
          <h2>Public URL</h2>
          <p className="muted">Where the providers send webhooks. The self-test proves a request through it reaches this app.</p>
        </header>
        {s ? <PublicUrlPanel settings={s} /> : <Skel />}
      </section>
      <section className="card settings-card">
        <header className="settings-head">
          <h2>Listeners, recordings and backups</h2>
        </header>
        {s ? <GeneralForm settings={s} /> : <Skel />}
      </section>
      <section className="card settings-card">
        <header className="settings-head">
          <h2>Backup and wipe</h2>
        </header>
        <BackupPanel />
      </section>
    </>
  );
}

function Row({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <>
      <dt>{label}</dt>
      <dd data-testid={testId}>{children}</dd>
    </>
  );
}

function Skel() {
  return <span className="skeleton-text" aria-label="Loading" />;
}

function NotSet() {
  return <span className="faint">Not configured</span>;
}

function Copyable({ text }: { text: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <span className="copyable">
      <code className="mono">{text}</code>
      <button
        type="button"
        className="btn btn-ghost btn-icon btn-xs"
        aria-label={`Copy ${text}`}
        title="Copy"
        onClick={() => {
          navigator.clipboard?.writeText(text).then(
            () => {
              setCopied(true);
              setTimeout(() => setCopied(false), 1500);
            },
            () => {},
          );
        }}
      >
        {copied ? <IconCheck size={13} /> : <IconCopy size={13} />}
      </button>
    </span>
  );
}

const THEMES: { value: ThemePref; label: string; icon: ReactNode }[] = [
  { value: "system", label: "System", icon: <IconMonitor size={14} /> },
  { value: "light", label: "Light", icon: <IconSun size={14} /> },
  { value: "dark", label: "Dark", icon: <IconMoon size={14} /> },
];

function ThemeChoice() {
  const pref = useUi((s) => s.themePref);
  const setPref = useUi((s) => s.setThemePref);
  return (
    <div className="segmented" role="radiogroup" aria-label="Theme" data-testid="theme-choice">
      {THEMES.map((t) => (
        <button
          key={t.value}
          role="radio"
          aria-checked={pref === t.value}
          className={pref === t.value ? "on" : ""}
          onClick={() => {
            setPref(t.value);
            // Also kept in the app's settings, so it survives a new browser and a restore.
            setupApi.updateSettings({ theme: t.value }).catch(() => {});
          }}
          data-testid={`theme-${t.value}`}
        >
          {t.icon} {t.label}
        </button>
      ))}
    </div>
  );
}
