// Settings that only the Settings page edits: listener ports, recordings, notifications, the backup schedule;
// "Back up now" and "Wipe everything".

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { ApiError } from "../../api/error";
import { setupApi, setupKeys } from "../../api/setup";
import type { Settings } from "../../api/types";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { RestorePanel } from "./RestorePanel";
import { Field, FormError, useSaveSettings } from "./SetupPanels";

/** Listener ports, recordings, notifications and scheduled backups. */
export function GeneralForm({ settings }: { settings: Settings }) {
  const id = useId();
  const [v, setV] = useState({
    ui_port: String(settings.ui_port),
    public_port: String(settings.public_port),
    recording_enabled: settings.recording_enabled,
    recording_retention_days: String(settings.recording_retention_days),
    alerts: settings.notifications.alerts,
    campaign_finished: settings.notifications.campaign_finished,
    backup_enabled: settings.backup.enabled,
    every_hours: String(settings.backup.every_hours),
    keep: String(settings.backup.keep),
  });
  const { save, error } = useSaveSettings();
  const num = (s: string) => (s.trim() === "" || Number.isNaN(Number(s)) ? s : Number(s));
  const set = (k: keyof typeof v) => (e: React.ChangeEvent<HTMLInputElement>) =>
    setV((old) => ({ ...old, [k]: e.target.type === "checkbox" ? e.target.checked : e.target.value }));
  const fe = (f: string) => error?.fieldMessage(f);
  return (
    <form
      className="form-grid"
      data-testid="general-form"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate({
          ui_port: num(v.ui_port) as number,
          public_port: num(v.public_port) as number,
          recording_enabled: v.recording_enabled,
          recording_retention_days: num(v.recording_retention_days) as number,
          notifications: { alerts: v.alerts, campaign_finished: v.campaign_finished },
          backup: { enabled: v.backup_enabled, every_hours: num(v.every_hours) as number, keep: num(v.keep) as number },
        });
      }}
    >
      <FormError error={error} />
      <Field label="UI port" htmlFor={`${id}-ui`} testId="ui_port" error={fe("ui_port")} hint="Used from the next start; 0 = any free port">
        <input id={`${id}-ui`} className="input" inputMode="numeric" value={v.ui_port} onChange={set("ui_port")} data-testid="setting-ui-port" />
      </Field>
      <Field label="Public listener port" htmlFor={`${id}-pub`} testId="public_port" error={fe("public_port")} hint="The tunnel forwards here">
        <input id={`${id}-pub`} className="input" inputMode="numeric" value={v.public_port} onChange={set("public_port")} data-testid="setting-public-port" />
      </Field>
      <Field
        label="Keep recordings for (days)"
        htmlFor={`${id}-ret`}
        testId="recording_retention_days"
        error={fe("recording_retention_days")}
        hint="Older recordings are deleted (checked hourly); the calls and their transcripts stay."
      >
        <input id={`${id}-ret`} className="input" inputMode="numeric" value={v.recording_retention_days} onChange={set("recording_retention_days")} data-testid="setting-retention" />
      </Field>
      <div className="field">
        <label className="switch-label">
          <input type="checkbox" checked={v.recording_enabled} onChange={set("recording_enabled")} data-testid="setting-recording" /> Record calls
        </label>
        <label className="switch-label">
          <input type="checkbox" checked={v.alerts} onChange={set("alerts")} /> Notify me of alerts
        </label>
        <label className="switch-label">
          <input type="checkbox" checked={v.campaign_finished} onChange={set("campaign_finished")} /> Notify me when a campaign finishes
        </label>
      </div>
      <div className="field">
        <label className="switch-label">
          <input type="checkbox" checked={v.backup_enabled} onChange={set("backup_enabled")} data-testid="setting-backup-enabled" /> Back up automatically
        </label>
      </div>
      <Field label="Every (hours)" htmlFor={`${id}-every`} testId="backup.every_hours" error={fe("backup.every_hours")}>
        <input id={`${id}-every`} className="input" inputMode="numeric" value={v.every_hours} onChange={set("every_hours")} data-testid="setting-backup-every" />
      </Field>
      <Field label="Keep this many backups" htmlFor={`${id}-keep`} testId="backup.keep" error={fe("backup.keep")}>
        <input id={`${id}-keep`} className="input" inputMode="numeric" value={v.keep} onChange={set("keep")} data-testid="setting-backup-keep" />
      </Field>
      <div className="field field-wide">
        <div>
          <button type="submit" className="btn btn-primary" disabled={save.isPending} data-testid="general-save">
            {save.isPending ? "Saving…" : "Save"}
          </button>
          {save.isSuccess && !error && <span className="field-hint"> Saved.</span>}
        </div>
      </div>
    </form>
  );
}

/** Back up now, and "wipe everything" behind a typed confirmation. */
export function BackupPanel() {
  const qc = useQueryClient();
  const backup = useMutation({
    mutationFn: () => setupApi.backup(),
    onSuccess: () => void qc.invalidateQueries({ queryKey: setupKeys.backups }),
  });
  const [asking, setAsking] = useState(false);
  const [typed, setTyped] = useState("");
  return (
    <div data-testid="backup-panel">
      <p className="muted">A backup holds the database and the recordings in one file; restore it below, or on a new machine with <code>callboard restore</code>. Keys are not included: they stay in the keychain.</p>
      <button type="button" className="btn btn-secondary" disabled={backup.isPending} onClick={() => backup.mutate()} data-testid="backup-now">
        {backup.isPending ? "Backing up…" : "Back up now"}
      </button>{" "}
      <button type="button" className="btn btn-danger-outline" onClick={() => setAsking(true)} data-testid="wipe-open">
        Wipe everything…
      </button>
      {backup.data && (
        <p className="check check-ok" role="status" data-testid="backup-result">
          Saved {backup.data.path} ({Math.max(1, Math.round(backup.data.bytes / 1024))} KB, {backup.data.manifest.recordings} recordings)
        </p>
      )}
      {backup.error && <p className="field-error">{ApiError.from(backup.error).message}</p>}
      {asking && (
        <ConfirmDialog
          title="Wipe everything?"
          danger
          confirmLabel="Wipe everything"
          body={
            <>
              <p>Every campaign, contact, call and recording is deleted. A safety backup is taken first. Type <strong>WIPE EVERYTHING</strong> to confirm.</p>
              <input className="input" value={typed} onChange={(e) => setTyped(e.target.value)} aria-label="Confirmation" data-testid="wipe-confirm-text" />
            </>
          }
          onConfirm={async () => {
            await setupApi.wipe(typed);
            await qc.invalidateQueries();
          }}
          onClose={() => {
            setAsking(false);
            setTyped("");
          }}
        />
      )}
      <RestorePanel />
    </div>
  );
}
