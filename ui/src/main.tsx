import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { ApiError } from "./api/error";
import { platform } from "./platform";
import { applyTheme, useUi } from "./state/ui";
import "./styles/tokens.css";
import "./styles/base.css";
import "./styles/components.css";
import "./styles/layout.css";
import "./styles/live.css";
import "./styles/contacts.css";
import "./styles/calls.css";
import "./styles/analytics.css";

// Pick the transport first: in a browser it takes the token out of the address bar before routing reads it.
platform();
applyTheme(useUi.getState().theme);

const reportError = (title: string) => (e: unknown) => {
  const err = ApiError.from(e);
  // A missing token has its own banner; no toast storm.
  if (err.code === "unauthorized") return;
  // Per-field validation errors are shown next to their fields by the form.
  if (err.fields.length > 0) return;
  useUi.getState().toast({ kind: "error", title, message: err.message, code: err.code });
};

const queryClient = new QueryClient({
  queryCache: new QueryCache({ onError: reportError("Could not load data") }),
  mutationCache: new MutationCache({
    // A form that shows its own errors in place (`meta.inlineErrors`) gets no toast on top.
    onError: (e, _vars, _ctx, mutation) => {
      if (!mutation.meta?.inlineErrors) reportError("Could not save")(e);
    },
  }),
  defaultOptions: {
    queries: {
      // The event stream keeps cached data current; a reconnect triggers a refetch.
      staleTime: 60_000,
      refetchOnWindowFocus: false,
      retry: (count, e) => ApiError.from(e).code === "network" && count < 3,
    },
  },
});

const root = document.getElementById("root");
if (!root) throw new Error("no #root element");
createRoot(root).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <App />
    </QueryClientProvider>
  </StrictMode>,
);
