import type { ReactNode } from "react";
import { useQuery } from "@tanstack/react-query";
import { api, keys } from "../api/client";
import { href, type Route } from "../lib/router";
import { attentionQuery } from "../pages/attention/AttentionPage";
import { IconAnalytics, IconBell, IconCalls, IconCampaigns, IconContacts, IconLive, IconOverview, IconPhoneOff, IconSettings, LogoMark } from "./Icons";

export const NAV: { route: Route; label: string; icon: ReactNode; section: "operate" | "review" | "system" }[] = [
  { route: "overview", label: "Overview", icon: <IconOverview />, section: "operate" },
  { route: "campaigns", label: "Campaigns", icon: <IconCampaigns />, section: "operate" },
  { route: "contacts", label: "Contacts", icon: <IconContacts />, section: "operate" },
  { route: "dnc", label: "Do not call", icon: <IconPhoneOff />, section: "operate" },
  { route: "live", label: "Live", icon: <IconLive />, section: "operate" },
  { route: "attention", label: "Needs attention", icon: <IconBell />, section: "operate" },
  { route: "calls", label: "Calls", icon: <IconCalls />, section: "review" },
  { route: "analytics", label: "Analytics", icon: <IconAnalytics />, section: "review" },
  { route: "settings", label: "Settings", icon: <IconSettings />, section: "system" },
];

const SECTIONS = [
  { id: "operate", label: "Operate" },
  { id: "review", label: "Review" },
  { id: "system", label: "System" },
] as const;

export function Sidebar({ route }: { route: Route }) {
  const campaigns = useQuery({ queryKey: keys.campaigns, queryFn: api.campaigns.list });
  const info = useQuery({ queryKey: keys.appInfo, queryFn: api.appInfo, staleTime: Infinity });
  const running = campaigns.data?.filter((c) => c.status === "running").length ?? 0;
  // Kept current by `attention_changed` events (api/live.ts).
  const attention = useQuery({ ...attentionQuery(), staleTime: Infinity });
  const open = attention.data?.open ?? 0;
  return (
    <nav className="sidebar" aria-label="Main">
      <a className="brand" href={href("campaigns")}>
        <LogoMark />
        <span className="brand-text">
          <span className="brand-name">Callboard</span>
          <span className="brand-sub">Voice campaign console</span>
        </span>
      </a>
      {SECTIONS.map((s) => (
        <div className="nav-section" key={s.id}>
          <div className="nav-section-label">{s.label}</div>
          {NAV.filter((n) => n.section === s.id).map((n) => (
            <a
              key={n.route}
              href={href(n.route)}
              className={`nav-item${route === n.route ? " active" : ""}`}
              aria-current={route === n.route ? "page" : undefined}
              data-testid={`nav-${n.route}`}
            >
              <span className="nav-icon">{n.icon}</span>
              <span className="nav-label">{n.label}</span>
              {n.route === "live" && running > 0 && (
                <span className="nav-count nav-count-live" title={`${running} running campaign${running === 1 ? "" : "s"}`}>
                  {running}
                </span>
              )}
              {n.route === "attention" && open > 0 && (
                <span className="nav-count nav-count-alert" data-testid="attention-badge" title={`${open} open item${open === 1 ? "" : "s"}`}>
                  {open}
                </span>
              )}
              {n.route === "campaigns" && campaigns.data && <span className="nav-count">{campaigns.data.length}</span>}
            </a>
          ))}
        </div>
      ))}
      <div className="sidebar-footer">
        <span className="muted">v{info.data?.version ?? "…"}</span>
        <span className="dot-sep" />
        <span className="muted">{info.data?.transport === "desktop" ? "Desktop" : "Browser"}</span>
      </div>
    </nav>
  );
}
