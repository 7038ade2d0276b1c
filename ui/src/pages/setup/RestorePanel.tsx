// Settings › Backup › Restore: the recent archives in the backup folder, restoring one (or any archive by
// path) after a confirmation that says what is replaced, and the restart that finishes it. The core stages
// the archive and applies it at the next start; the desktop app restarts itself, `callboard serve` is
// restarted by the user.

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ApiError } from "../../api/error";
import { setupApi, setupKeys } from "../../api/setup";
import type { BackupManifest, RestorePreview, RestoreStaged } from "../../api/types";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { absoluteTime } from "../../lib/time";

function size(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  return `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

function made(m: BackupManifest): string {
  return `${absoluteTime(m.created_at)} (Callboard ${m.app_version})`;
}

function count(n: number, one: string, many: string): string {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}

/** What the confirmation says: what is replaced, by what, and what happens next. */
export function restoreWarning(p: RestorePreview, canRestart: boolean): string {
  const c = p.current;
  const now = [count(c.campaigns, "campaign", "campaigns"), count(c.contacts, "contact", "contacts"), count(c.calls, "call", "calls"), count(c.recordings, "recording", "recordings")].join(", ");
  const next = canRestart ? "Callboard then restarts to finish: running campaigns stop and calls in flight end." : "Then stop “callboard serve” and start it again to finish.";
  return `Everything in this Callboard (${now}) is replaced by the backup made ${made(p.manifest)}, with ${count(p.manifest.recordings, "recording", "recordings")}. A safety backup of the current data is taken first. ${next}`;
}

export function RestorePanel() {
  const qc = useQueryClient();
  const list = useQuery({ queryKey: setupKeys.backups, queryFn: setupApi.backups });
  const [path, setPath] = useState("");
  const [preview, setPreview] = useState<RestorePreview | null>(null);
  const [staged, setStaged] = useState<RestoreStaged | null>(null);
  const inspect = useMutation({ mutationFn: (p: string) => setupApi.inspectBackup(p), onSuccess: setPreview });
  const cancel = useMutation({
    mutationFn: () => setupApi.cancelRestore(),
    onSuccess: () => {
      setStaged(null);
      void qc.invalidateQueries({ queryKey: setupKeys.backups });
    },
  });
  const restart = useMutation({ mutationFn: () => setupApi.restart() });
  const canRestart = list.data?.can_restart ?? false;
  const pending = list.data?.pending ?? null;

  return (
    <div className="restore-panel" data-testid="restore-panel">
      <h3>Restore</h3>
      {pending && (
        <div className="restore-pending" role="status" data-testid="restore-pending">
          <p>
            The backup made {made(pending)} will be restored when Callboard next starts.
            {staged && <> A safety backup of the current data was saved to <code>{staged.safety_backup}</code>.</>}
          </p>
          {canRestart ? (
            <button type="button" className="btn btn-primary" disabled={restart.isPending || restart.data?.restarting} onClick={() => restart.mutate()} data-testid="restart-now">
              {restart.data?.restarting ? "Restarting…" : "Restart now"}
            </button>
          ) : (
            <p data-testid="restart-manual">
              Stop <code>callboard serve</code> and start it again to finish.
            </p>
          )}{" "}
          <button type="button" className="btn btn-secondary" disabled={cancel.isPending} onClick={() => cancel.mutate()} data-testid="restore-cancel">
            Cancel restore
          </button>
          {restart.error && <p className="field-error">{ApiError.from(restart.error).message}</p>}
          {restart.data && !restart.data.restarting && <p className="field-error">This Callboard cannot restart itself: restart it by hand.</p>}
        </div>
      )}
      {list.isLoading && <p className="muted">Looking for backups…</p>}
      {list.error && <p className="field-error">{ApiError.from(list.error).message}</p>}
      {list.data && (
        <>
          <p className="muted">
            Recent backups in <code>{list.data.dir}</code>
          </p>
          {list.data.backups.length === 0 ? (
            <p className="faint" data-testid="backup-list-empty">
              No backups there yet.
            </p>
          ) : (
            <table className="table" data-testid="backup-list">
              <thead>
                <tr>
                  <th>Made</th>
                  <th>Size</th>
                  <th>Recordings</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {list.data.backups.map((b) => (
                  <tr key={b.path} data-testid="backup-row">
                    <td title={b.path}>{b.manifest ? absoluteTime(b.manifest.created_at) : <span className="field-error">{b.file_name}: damaged</span>}</td>
                    <td>{size(b.bytes)}</td>
                    <td>{b.manifest?.recordings ?? "—"}</td>
                    <td>
                      <button type="button" className="btn btn-secondary btn-sm" disabled={!b.manifest || inspect.isPending} onClick={() => inspect.mutate(b.path)} data-testid="restore-row">
                        Restore…
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (path.trim()) inspect.mutate(path.trim());
        }}
      >
        <label>
          Restore from a file{" "}
          <input className="input" value={path} onChange={(e) => setPath(e.target.value)} placeholder="/path/to/callboard-backup-….zip" aria-label="Backup file path" data-testid="restore-path" />
        </label>{" "}
        <button type="submit" className="btn btn-secondary" disabled={!path.trim() || inspect.isPending} data-testid="restore-path-open">
          Restore…
        </button>
      </form>
      {inspect.error && (
        <p className="field-error" data-testid="restore-error">
          {ApiError.from(inspect.error).message}
        </p>
      )}
      {preview && (
        <ConfirmDialog
          title="Replace all data with this backup?"
          danger
          confirmLabel="Restore this backup"
          body={<p data-testid="restore-warning">{restoreWarning(preview, canRestart)}</p>}
          onConfirm={async () => {
            const r = await setupApi.restoreBackup(preview.path);
            setStaged(r);
            await qc.invalidateQueries({ queryKey: setupKeys.backups });
          }}
          onClose={() => setPreview(null)}
        />
      )}
    </div>
  );
}
