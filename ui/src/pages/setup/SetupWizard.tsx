// The first-run wizard: "Try the demo" or "Set up for real" → region and hours → providers and keys →
// public URL with the self-test → import the first list. Opens by itself on a fresh (non-demo) install until
// finished or dismissed, and from Settings at any time.

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { create } from "zustand";
import { api, keys } from "../../api/client";
import { ApiError } from "../../api/error";
import { setupApi, setupKeys } from "../../api/setup";
import { Modal } from "../../components/Modal";
import { href } from "../../lib/router";
import { ProviderKeys, PublicUrlPanel, RegionForm, useSettings } from "./SetupPanels";

export const STEPS = ["choose", "region", "providers", "public", "import"] as const;
export type Step = (typeof STEPS)[number];

const TITLES: Record<Step, string> = {
  choose: "Welcome to Callboard",
  region: "Where you call",
  providers: "Your voice and phone providers",
  public: "Let the providers reach this computer",
  import: "Import your first list",
};

interface WizardState {
  open: boolean;
  /** Set once the auto-open check has run, so closing the wizard keeps it closed. */
  checked: boolean;
  show(): void;
  hide(): void;
  markChecked(): void;
}

export const useWizard = create<WizardState>((set) => ({
  open: false,
  checked: false,
  show: () => set({ open: true }),
  hide: () => set({ open: false }),
  markChecked: () => set({ checked: true }),
}));

/** Renders the wizard when open; opens it once on a fresh install. */
export function SetupWizardHost() {
  const open = useWizard((s) => s.open);
  const checked = useWizard((s) => s.checked);
  const settings = useSettings();
  const info = useQuery({ queryKey: keys.appInfo, queryFn: api.appInfo, staleTime: Infinity });
  useEffect(() => {
    if (checked || !settings.data || !info.data) return;
    useWizard.getState().markChecked();
    if (!settings.data.setup_done && !info.data.demo) useWizard.getState().show();
  }, [checked, settings.data, info.data]);
  return open ? <SetupWizard onClose={() => useWizard.getState().hide()} /> : null;
}

export function SetupWizard({ onClose }: { onClose(): void }) {
  const qc = useQueryClient();
  const settings = useSettings();
  const [step, setStep] = useState<Step>("choose");
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const index = STEPS.indexOf(step);
  const go = (s: Step) => {
    setError(null);
    setStep(s);
  };

  const finish = async (then?: string) => {
    setBusy(true);
    try {
      await setupApi.updateSettings({ setup_done: true });
      await qc.invalidateQueries({ queryKey: setupKeys.settings });
      onClose();
      if (then) window.location.hash = then;
    } catch (e) {
      setError(ApiError.from(e));
    } finally {
      setBusy(false);
    }
  };

  const tryDemo = async () => {
    setBusy(true);
    setError(null);
    try {
      await setupApi.startDemo();
      await setupApi.updateSettings({ setup_done: true });
      await qc.invalidateQueries();
      onClose();
      window.location.hash = href("campaigns");
    } catch (e) {
      setError(ApiError.from(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal title={TITLES[step]} onClose={onClose} width={720} locked={busy} testId="setup-wizard">
      <ol className="wizard-steps" aria-label="Setup steps">
        {STEPS.slice(1).map((s, i) => (
          <li key={s} className={i + 1 === index ? "on" : i + 1 < index ? "done" : ""} aria-current={i + 1 === index ? "step" : undefined}>
            {TITLES[s]}
          </li>
        ))}
      </ol>
      {error && (
        <div className="form-alert" role="alert" data-testid="wizard-error">
          <span className="code-pill">{error.code}</span> {error.message}
        </div>
      )}
      {step === "choose" && (
        <div className="wizard-choice">
          <button type="button" className="choice-card" onClick={() => void tryDemo()} disabled={busy} data-testid="wizard-demo">
            <strong>Try the demo</strong>
            <span className="muted">Sample agents, contacts and campaigns with simulated calls. No accounts needed; leave demo mode later from Settings.</span>
          </button>
          <button type="button" className="choice-card" onClick={() => go("region")} disabled={busy} data-testid="wizard-real">
            <strong>Set up for real</strong>
            <span className="muted">Your region, your provider keys and a public address for webhooks. About five minutes.</span>
          </button>
        </div>
      )}
      {step === "region" && settings.data && <RegionForm settings={settings.data} submitLabel="Save and continue" onSaved={() => go("providers")} />}
      {step === "providers" && (
        <>
          <p className="muted">Keys go to your computer's keychain (or, where there is none, an encrypted file) and are never shown again. Add the providers you use and test each one.</p>
          <ProviderKeys />
        </>
      )}
      {step === "public" && settings.data && <PublicUrlPanel settings={settings.data} />}
      {step === "import" && (
        <div data-testid="wizard-import">
          <p>Everything is ready. Import a spreadsheet (CSV or Excel) of the people to call; Callboard checks every number and tells you what it could not read.</p>
          <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void finish(href("contacts"))} data-testid="wizard-import-link">
            Import contacts
          </button>
        </div>
      )}
      <div className="wizard-nav">
        {index > 0 && (
          <button type="button" className="btn btn-ghost" onClick={() => go(STEPS[index - 1] ?? "choose")} disabled={busy} data-testid="wizard-back">
            Back
          </button>
        )}
        <span className="toolbar-spacer" />
        {(step === "providers" || step === "public") && (
          <button type="button" className="btn btn-primary" onClick={() => go(STEPS[index + 1] ?? "import")} data-testid="wizard-next">
            Continue
          </button>
        )}
        {step !== "choose" && step !== "import" && (
          <button type="button" className="btn btn-ghost" onClick={() => void finish()} disabled={busy} data-testid="wizard-later">
            Finish later
          </button>
        )}
        {step === "import" && (
          <button type="button" className="btn btn-ghost" onClick={() => void finish()} disabled={busy} data-testid="wizard-done">
            Done
          </button>
        )}
      </div>
    </Modal>
  );
}
