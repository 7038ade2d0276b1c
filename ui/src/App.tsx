import { useQueryClient } from "@tanstack/react-query";
import { useEffect, type ReactNode } from "react";
import { notifyAttention, showAlert, showWebhookAlert } from "./alerts";
import { applyEvents } from "./api/cache";
import type { CampaignEvent } from "./api/types";
import { DemoBanner } from "./components/DemoBanner";
import { Sidebar, NAV } from "./components/Sidebar";
import { Toaster } from "./components/Toaster";
import { TopBar } from "./components/TopBar";
import { IconAlert } from "./components/Icons";
import { useRoute, type Route } from "./lib/router";
import { CampaignsPage } from "./pages/campaigns/CampaignsPage";
import { AttentionPage } from "./pages/attention/AttentionPage";
import { ContactsPage } from "./pages/contacts/ContactsPage";
import { DncPage } from "./pages/dnc/DncPage";
import { LivePage } from "./pages/live/LivePage";
import { OverviewPage } from "./pages/overview/OverviewPage";
import { CallsPage } from "./pages/calls/CallsPage";
import { AnalyticsPage } from "./pages/analytics/AnalyticsPage";
import { SettingsPage } from "./pages/SettingsPage";
import { SetupWizardHost } from "./pages/setup/SetupWizard";
import { platform } from "./platform";
import { applyTheme, useUi } from "./state/ui";

const SUBTITLES: Record<Route, string> = {
  overview: "Today at a glance",
  attention: "What a person should look at",
  campaigns: "Who to call, with which agent, how fast and when",
  contacts: "The people your campaigns call",
  dnc: "Numbers no campaign may call",
  live: "Calls in flight, as they happen",
  calls: "Every call and what came out of it",
  analytics: "How your campaigns perform",
  settings: "This console, its data and its listeners",
};

const PAGES: Record<Route, () => ReactNode> = {
  overview: () => <OverviewPage />,
  attention: () => <AttentionPage />,
  campaigns: () => <CampaignsPage />,
  contacts: () => <ContactsPage />,
  dnc: () => <DncPage />,
  live: () => <LivePage />,
  calls: () => <CallsPage />,
  analytics: () => <AnalyticsPage />,
  settings: () => <SettingsPage />,
};

export function App() {
  const route = useRoute();
  const qc = useQueryClient();
  const theme = useUi((s) => s.theme);
  const connection = useUi((s) => s.connection);
  const title = NAV.find((n) => n.route === route)?.label ?? "Callboard";

  // Events keep the query cache current; the connection state drives the indicator.
  useEffect(() => {
    const p = platform();
    const offConn = p.onConnection(useUi.getState().setConnection);
    const offEvents = p.subscribe((events) => {
      applyEvents(qc, events);
      for (const e of events) {
        if (e.type === "alert") void showAlert(qc, e);
        else if (e.type === "webhook_alert") showWebhookAlert(e);
        else if (e.type === "attention_changed") notifyAttention(e.item);
      }
    });
    // Load tests (tests/e2e-web) feed synthetic event batches through the same reducer, when the page was
    // opened with `?testHooks`; nothing is exposed otherwise.
    if (new URLSearchParams(window.location.search).has("testHooks")) {
      (window as unknown as { __callboardInject?: (e: CampaignEvent[]) => void }).__callboardInject = (events) => applyEvents(qc, events);
    }
    return () => {
      offEvents();
      offConn();
    };
  }, [qc]);

  useEffect(() => applyTheme(theme), [theme]);
  useEffect(() => {
    const mq = typeof matchMedia === "function" ? matchMedia("(prefers-color-scheme: dark)") : null;
    const onChange = () => useUi.getState().syncSystemTheme();
    mq?.addEventListener("change", onChange);
    return () => mq?.removeEventListener("change", onChange);
  }, []);
  useEffect(() => {
    document.title = `${title} · Callboard`;
  }, [title]);

  return (
    <div className="app">
      <Sidebar route={route} />
      <main className="main">
        <TopBar title={title} subtitle={SUBTITLES[route]} />
        <DemoBanner />
        {connection === "unauthorized" && (
          <div className="banner banner-error" role="alert" data-testid="auth-banner">
            <IconAlert />
            <div>
              <strong>This page has no valid access token.</strong> Open the UI address that <code>callboard serve</code>{" "}
              printed (it ends in <code>#token=…</code>); a new launch prints a new one.
            </div>
          </div>
        )}
        <div className="content" key={route}>
          {PAGES[route]()}
        </div>
      </main>
      <Toaster />
      <SetupWizardHost />
    </div>
  );
}
