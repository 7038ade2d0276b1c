import { useState, type ReactNode } from "react";
import { ApiError } from "../api/error";
import { Modal } from "./Modal";

interface ConfirmProps {
  title: string;
  body: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  onConfirm(): Promise<unknown>;
  onClose(): void;
}

/** Asks before a destructive step; shows the server's error in place if the step fails. */
export function ConfirmDialog({ title, body, confirmLabel, danger, onConfirm, onClose }: ConfirmProps) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
      onClose();
    } catch (e) {
      setError(ApiError.from(e));
      setBusy(false);
    }
  };
  return (
    <Modal
      title={title}
      onClose={onClose}
      locked={busy}
      width={440}
      role="alertdialog"
      testId="confirm-dialog"
      footer={
        <>
          <button type="button" className="btn btn-secondary" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button
            type="button"
            className={`btn ${danger ? "btn-danger" : "btn-primary"}`}
            onClick={run}
            disabled={busy}
            data-testid="confirm-ok"
            data-autofocus
          >
            {busy ? "Working…" : confirmLabel}
          </button>
        </>
      }
    >
      <div className="confirm-body">{body}</div>
      {error && (
        <div className="form-alert" role="alert" data-testid="form-error">
          <span className="code-pill">{error.code}</span>
          <span>{error.message}</span>
        </div>
      )}
    </Modal>
  );
}
