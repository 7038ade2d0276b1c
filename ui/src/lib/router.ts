// Hash routing: `#/campaigns`, `#/live`, … The token fragment (`#token=…`) is taken out by the platform
// before the first render, so by the time this runs the hash is only a route.

import { useSyncExternalStore } from "react";

export const ROUTES = ["overview", "campaigns", "contacts", "live", "attention", "calls", "analytics", "settings"] as const;
export type Route = (typeof ROUTES)[number];
export const DEFAULT_ROUTE: Route = "campaigns";

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#\/?/, "").split(/[/?]/)[0] ?? "";
  return (ROUTES as readonly string[]).includes(path) ? (path as Route) : DEFAULT_ROUTE;
}

export function href(route: Route): string {
  return `#/${route}`;
}

function subscribe(cb: () => void) {
  window.addEventListener("hashchange", cb);
  return () => window.removeEventListener("hashchange", cb);
}

export function useRoute(): Route {
  return useSyncExternalStore(subscribe, () => parseRoute(window.location.hash));
}
