import { useEffect, useId, useRef, type ReactNode } from "react";
import { createPortal } from "react-dom";
import { IconX } from "./Icons";

interface ModalProps {
  title: string;
  description?: ReactNode;
  onClose(): void;
  children: ReactNode;
  footer?: ReactNode;
  width?: number;
  /** Ignore Escape and backdrop clicks (e.g. while saving). */
  locked?: boolean;
  testId?: string;
  role?: "dialog" | "alertdialog";
  /** Children bring their own `.modal-body` / `.modal-footer` (e.g. a form wrapping both). */
  bare?: boolean;
}

/** A centred dialog over a dimmed backdrop. Escape or a backdrop click closes it; focus returns afterwards. */
export function Modal({ title, description, onClose, children, footer, width = 520, locked, testId, role = "dialog", bare }: ModalProps) {
  const titleId = useId();
  const panel = useRef<HTMLDivElement>(null);
  const close = useRef(onClose);
  close.current = onClose;
  const isLocked = useRef(locked);
  isLocked.current = locked;

  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    const first = panel.current?.querySelector<HTMLElement>("[data-autofocus], input, select, textarea, button:not(.modal-close)");
    first?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape" && !isLocked.current) {
        e.stopPropagation();
        close.current();
      }
    };
    document.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("keydown", onKey);
      before?.focus?.();
    };
  }, []);

  return createPortal(
    <div
      className="modal-backdrop"
      onMouseDown={(e) => {
        if (e.target === e.currentTarget && !isLocked.current) close.current();
      }}
    >
      <div
        ref={panel}
        className="modal"
        role={role}
        aria-modal="true"
        aria-labelledby={titleId}
        style={{ width }}
        data-testid={testId}
      >
        <header className="modal-header">
          <div>
            <h2 id={titleId} className="modal-title">
              {title}
            </h2>
            {description && <p className="modal-description">{description}</p>}
          </div>
          <button type="button" className="btn btn-ghost btn-icon modal-close" aria-label="Close" onClick={() => !locked && onClose()}>
            <IconX />
          </button>
        </header>
        {bare ? children : <div className="modal-body">{children}</div>}
        {footer && <footer className="modal-footer">{footer}</footer>}
      </div>
    </div>,
    document.body,
  );
}
