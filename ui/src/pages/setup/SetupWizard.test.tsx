import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { SecretStatus, Settings } from "../../api/types";
import { setPlatform, type Platform } from "../../platform";
import { fakePlatform } from "../../platform/fake";
import { SetupWizard, SetupWizardHost, useWizard } from "./SetupWizard";

const SETTINGS: Settings = {
  default_region: "KW",
  time_zone: "Asia/Kuwait",
  calling_hours: "kw",
  public_base_url: null,
  tunnel: "manual",
  ui_port: 8787,
  public_port: 8788,
  recording_enabled: true,
  recording_retention_days: 90,
  theme: "system",
  notifications: { alerts: true, campaign_finished: true, sound: false },
  backup: { enabled: false, every_hours: 24, keep: 7, dir: null },
  setup_done: false,
};

/** A fake core: answers the setup commands from memory and records every call. */
function fakeCore(over: Record<string, (args: Record<string, unknown>) => unknown> = {}) {
  let settings = { ...SETTINGS };
  const secrets = new Map<string, boolean>();
  const calls: { cmd: string; args: Record<string, unknown> }[] = [];
  const status = (name: string): SecretStatus => ({ name: name as SecretStatus["name"], set: secrets.get(name) ?? false, source: secrets.get(name) ? "keychain" : null, env_var: "X" });
  const handlers: Record<string, (args: Record<string, unknown>) => unknown> = {
    "app.info": () => ({ version: "0.1.0", data_dir: "/d", database_path: "/d/db", schema_version: 4, demo: false, ui_url: null, public_listener: null, public_base_url: settings.public_base_url }),
    "settings.get": () => settings,
    "settings.update": (a) => {
      if (a.time_zone === "Mars/Base") throw { code: "validation", message: "time_zone: no", fields: [{ field: "time_zone", message: "'Mars/Base' is not a known IANA time zone" }] };
      settings = { ...settings, ...(a as Partial<Settings>) };
      return settings;
    },
    "secret.status": () => ({ store: "keychain", warning: null, secrets: ["elevenlabs.api_key", "twilio.account_sid", "twilio.auth_token"].map(status) }),
    "secret.set": (a) => {
      secrets.set(String(a.name), true);
      return status(String(a.name));
    },
    "provider.test": (a) => ({ provider: a.provider, status: "ok", message: `Connected to ${String(a.provider)}.`, latency_ms: 12 }),
    "setup.status": () => ({ public_url: settings.public_base_url, public_url_source: settings.public_base_url ? "settings" : null, tunnel: { state: "off" }, selftest: null, secret_store: "keychain", secret_store_warning: null, setup_done: settings.setup_done }),
    "setup.selftest": () => ({ ok: true, url: settings.public_base_url, latency_ms: 40, message: `${settings.public_base_url} reaches this app (40 ms round trip)`, checked_at: "now" }),
    "demo.start": () => ({ seeded: true }),
    ...over,
  };
  const platform: Platform = fakePlatform(vi.fn(async (cmd: string, args: object = {}) => {
    calls.push({ cmd, args: args as Record<string, unknown> });
    const h = handlers[cmd];
    if (!h) throw { code: "unknown_command", message: cmd };
    return h(args as Record<string, unknown>);
  }) as Platform["call"]);
  return { platform, calls, settings: () => settings };
}

function renderWith(node: React.ReactNode) {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(<QueryClientProvider client={qc}>{node}</QueryClientProvider>);
}

describe("SetupWizard", () => {
  beforeEach(() => {
    window.location.hash = "";
    useWizard.setState({ open: false, checked: false });
  });
  afterEach(() => setPlatform(null));

  it("walks the 'for real' path: region with field errors, keys and a test, public URL with the self-test", async () => {
    const core = fakeCore();
    setPlatform(core.platform);
    const onClose = vi.fn();
    renderWith(<SetupWizard onClose={onClose} />);

    fireEvent.click(screen.getByTestId("wizard-real"));
    fireEvent.change(await screen.findByTestId("setting-region"), { target: { value: "IN" } });
    expect((screen.getByTestId("setting-time-zone") as HTMLInputElement).value).toBe("Asia/Kolkata");
    fireEvent.change(screen.getByTestId("setting-time-zone"), { target: { value: "Mars/Base" } });
    fireEvent.click(screen.getByTestId("region-save"));
    expect((await screen.findByTestId("field-error-time_zone")).textContent).toContain("not a known IANA time zone");
    fireEvent.change(screen.getByTestId("setting-time-zone"), { target: { value: "Asia/Kolkata" } });
    fireEvent.click(screen.getByTestId("region-save"));

    const key = await screen.findByTestId("secret-input-elevenlabs.api_key");
    fireEvent.change(key, { target: { value: "xi-123" } });
    fireEvent.click(screen.getByTestId("secret-save-elevenlabs.api_key"));
    await waitFor(() => expect(screen.getByTestId("secret-state-elevenlabs.api_key").textContent).toContain("Set"));
    expect((key as HTMLInputElement).value).toBe("");
    fireEvent.click(screen.getByTestId("provider-test-elevenlabs"));
    expect((await screen.findByTestId("provider-result-elevenlabs")).textContent).toContain("Connected to elevenlabs");

    fireEvent.click(screen.getByTestId("wizard-next"));
    fireEvent.change(await screen.findByTestId("setting-public-url"), { target: { value: "https://calm-otter.trycloudflare.com" } });
    fireEvent.click(screen.getByTestId("public-url-save"));
    expect((await screen.findByTestId("selftest-result")).textContent).toContain("Reachable");

    fireEvent.click(screen.getByTestId("wizard-next"));
    fireEvent.click(await screen.findByTestId("wizard-import-link"));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(window.location.hash).toBe("#/contacts");
    expect(core.settings()).toMatchObject({ default_region: "IN", time_zone: "Asia/Kolkata", calling_hours: "in", public_base_url: "https://calm-otter.trycloudflare.com", setup_done: true });
    // The secret went to secret.set and nowhere else.
    const withValue = core.calls.filter((c) => JSON.stringify(c.args).includes("xi-123")).map((c) => c.cmd);
    expect(withValue).toEqual(["secret.set"]);
  });

  it("'Try the demo' seeds demo data and marks setup done", async () => {
    const core = fakeCore();
    setPlatform(core.platform);
    const onClose = vi.fn();
    renderWith(<SetupWizard onClose={onClose} />);
    fireEvent.click(screen.getByTestId("wizard-demo"));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(core.calls.map((c) => c.cmd)).toContain("demo.start");
    expect(core.settings().setup_done).toBe(true);
    expect(window.location.hash).toBe("#/campaigns");
  });

  it("says so when the demo cannot start, and stays open", async () => {
    const core = fakeCore({
      "demo.start": () => {
        throw { code: "conflict", message: "this data dir already has real data" };
      },
    });
    setPlatform(core.platform);
    const onClose = vi.fn();
    renderWith(<SetupWizard onClose={onClose} />);
    fireEvent.click(screen.getByTestId("wizard-demo"));
    expect((await screen.findByTestId("wizard-error")).textContent).toContain("already has real data");
    expect(onClose).not.toHaveBeenCalled();
    expect(core.settings().setup_done).toBe(false);
  });

  it("opens by itself on a fresh install only", async () => {
    setPlatform(fakeCore().platform);
    renderWith(<SetupWizardHost />);
    expect(await screen.findByTestId("setup-wizard")).toBeTruthy();
  });

  it("stays closed once setup is done", async () => {
    setPlatform(fakeCore({ "settings.get": () => ({ ...SETTINGS, setup_done: true }) }).platform);
    renderWith(<SetupWizardHost />);
    await waitFor(() => expect(useWizard.getState().checked).toBe(true));
    expect(useWizard.getState().open).toBe(false);
  });
});
