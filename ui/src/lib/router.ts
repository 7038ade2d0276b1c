// Hash routing: `#/campaigns`, `#/live`, … The token fragment (`#token=…`) is taken out by the platform
// before the first render, so by the time this runs the hash is only a route.

import { useSyncExternalStore } from "react";

export const ROUTES = ["overview", "campaigns", "contacts", "dnc", "live", "attention", "calls", "analytics", "settings"] as const;
export type Route = (typeof ROUTES)[number];
export const DEFAULT_ROUTE: Route = "campaigns";

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#\/?/, "").split(/[/?]/)[0] ?? "";
  return (ROUTES as readonly string[]).includes(path) ? (path as Route) : DEFAULT_ROUTE;
}

/** A link to a page, with optional parameters after its route (`#/calls?search=test%20drive`). */
export function href(route: Route, query?: Record<string, string>): string {
  const q = query ? new URLSearchParams(query).toString() : "";
  return q ? `#/${route}?${q}` : `#/${route}`;
}

/** The parameters after the route in the current hash (empty when there are none). */
export function routeQuery(hash: string = window.location.hash): URLSearchParams {
  const at = hash.indexOf("?");
  return new URLSearchParams(at >= 0 ? hash.slice(at + 1) : "");
}

function subscribe(cb: () => void) {
  window.addEventListener("hashchange", cb);
  return () => window.removeEventListener("hashchange", cb);
}

export function useRoute(): Route {
  return useSyncExternalStore(subscribe, () => parseRoute(window.location.hash));
}
