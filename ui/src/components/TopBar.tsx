import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { api, keys } from "../api/client";
import type { ConnectionState } from "../platform/types";
import { useUi } from "../state/ui";
import { IconMoon, IconSun } from "./Icons";

const CONN: Record<ConnectionState, { label: string; title: string }> = {
  connected: { label: "Live", title: "Receiving live updates" },
  connecting: { label: "Connecting", title: "Opening the live update stream…" },
  reconnecting: { label: "Reconnecting", title: "Lost the live update stream; retrying. Data may be stale." },
  unauthorized: { label: "Not signed in", title: "No valid token: open the URL that `callboard serve` printed" },
};

export function ConnectionStatus() {
  const state = useUi((s) => s.connection);
  const c = CONN[state];
  return (
    <span className={`conn conn-${state}`} data-testid="conn-status" data-state={state} title={c.title} role="status">
      <span className="conn-dot" aria-hidden="true" />
      {c.label}
    </span>
  );
}

export function TopBar({ title, subtitle, actions }: { title: string; subtitle?: string; actions?: ReactNode }) {
  const info = useQuery({ queryKey: keys.appInfo, queryFn: api.appInfo, staleTime: Infinity });
  const theme = useUi((s) => s.theme);
  const toggle = useUi((s) => s.toggleTheme);
  return (
    <header className="topbar">
      <div className="topbar-title">
        <h1 data-testid="page-title">{title}</h1>
        {info.data?.demo && (
          <span className="demo-badge" data-testid="demo-badge" title="This data dir holds demo data; calls are simulated.">
            Demo
          </span>
        )}
        {subtitle && <span className="topbar-subtitle">{subtitle}</span>}
      </div>
      <div className="topbar-actions">
        {actions}
        <ConnectionStatus />
        <button
          type="button"
          className="btn btn-ghost btn-icon"
          onClick={toggle}
          data-testid="theme-toggle"
          aria-label={theme === "dark" ? "Switch to light theme" : "Switch to dark theme"}
          title={theme === "dark" ? "Light theme" : "Dark theme"}
        >
          {theme === "dark" ? <IconSun /> : <IconMoon />}
        </button>
      </div>
    </header>
  );
}
