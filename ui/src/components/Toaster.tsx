import { useUi } from "../state/ui";
import { IconAlert, IconCheck, IconInfo, IconX } from "./Icons";

/** Bottom-right notifications; errors show the core's stable `code` next to the message. */
export function Toaster() {
  const toasts = useUi((s) => s.toasts);
  const dismiss = useUi((s) => s.dismiss);
  return (
    <div className="toaster" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} className={`toast toast-${t.kind}`} role={t.kind === "error" || t.kind === "warning" ? "alert" : "status"} data-testid="toast">
          <span className="toast-icon">
            {t.kind === "error" || t.kind === "warning" ? <IconAlert /> : t.kind === "success" ? <IconCheck /> : <IconInfo />}
          </span>
          <div className="toast-text">
            <div className="toast-title">
              {t.title}
              {t.code && <span className="code-pill">{t.code}</span>}
            </div>
            {t.message && <div className="toast-message">{t.message}</div>}
          </div>
          <button type="button" className="btn btn-ghost btn-icon btn-sm" aria-label="Dismiss" onClick={() => dismiss(t.id)}>
            <IconX size={14} />
          </button>
        </div>
      ))}
    </div>
  );
}
