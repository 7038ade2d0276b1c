import { useEffect, useId, useRef, type ReactNode } from "react";
import { createPortal } from "react-dom";
import { IconX } from "./Icons";

/** A panel sliding in from the right, for details that should not hide the list behind them. */
export function Drawer({ title, subtitle, onClose, children, footer, wide }: {
  /** A wider panel (the call drawer: transcript and timeline side by side). */
  wide?: boolean;
  title: ReactNode;
  subtitle?: ReactNode;
  onClose(): void;
  children: ReactNode;
  footer?: ReactNode;
}) {
  const titleId = useId();
  const close = useRef(onClose);
  close.current = onClose;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      // A dialog on top (e.g. a confirm) handles its own Escape.
      if (e.key === "Escape" && !document.querySelector(".modal-backdrop")) close.current();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);
  return createPortal(
    <div className="drawer-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <aside className={wide ? "drawer drawer-wide" : "drawer"} role="dialog" aria-modal="true" aria-labelledby={titleId} data-testid="drawer">
        <header className="drawer-header">
          <div className="drawer-heading">
            <h2 id={titleId} className="drawer-title">
              {title}
            </h2>
            {subtitle && <div className="drawer-subtitle">{subtitle}</div>}
          </div>
          <button type="button" className="btn btn-ghost btn-icon" aria-label="Close" onClick={onClose}>
            <IconX />
          </button>
        </header>
        <div className="drawer-body">{children}</div>
        {footer && <footer className="drawer-footer">{footer}</footer>}
      </aside>
    </div>,
    document.body,
  );
}
