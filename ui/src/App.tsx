import { useQueryClient } from "@tanstack/react-query";
import { useEffect, type ReactNode } from "react";
import { showAlert } from "./alerts";
import { applyEvents } from "./api/cache";
import { Sidebar, NAV } from "./components/Sidebar";
import { Toaster } from "./components/Toaster";
import { TopBar } from "./components/TopBar";
import { IconAlert } from "./components/Icons";
import { useRoute, type Route } from "./lib/router";
import { CampaignsPage } from "./pages/campaigns/CampaignsPage";
import { ContactsPage } from "./pages/contacts/ContactsPage";
import { AnalyticsPage, CallsPage, LivePage } from "./pages/Placeholders";
import { SettingsPage } from "./pages/SettingsPage";
import { platform } from "./platform";
import { applyTheme, useUi } from "./state/ui";

const SUBTITLES: Record<Route, string> = {
  campaigns: "Who to call, with which agent, how fast and when",
  contacts: "The people your campaigns call",
  live: "Calls in flight, as they happen",
  calls: "Every call and what came out of it",
  analytics: "How your campaigns perform",
  settings: "This console, its data and its listeners",
};

const PAGES: Record<Route, () => ReactNode> = {
  campaigns: () => <CampaignsPage />,
  contacts: () => <ContactsPage />,
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
      for (const e of events) if (e.type === "alert") void showAlert(qc, e);
    });
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
    </div>
  );
}
