// The per-launch token `callboard serve` prints as `http://127.0.0.1:PORT/#token=XYZ`. It moves from the URL
// fragment to sessionStorage (so a reload in the same tab keeps working, and it is not left in the address
// bar or in screenshots), then the fragment goes back to being the route.

export const TOKEN_KEY = "callboard.token";

/**
 * Splits a location hash into the token (if any) and what remains of the fragment.
 * `#token=abc` → { token: "abc", rest: "" }; `#/live?token=abc&x=1` → { token: "abc", rest: "/live?x=1" }.
 */
export function extractToken(hash: string): { token: string | null; rest: string } {
  const raw = hash.startsWith("#") ? hash.slice(1) : hash;
  const q = raw.indexOf("?");
  // Either the whole fragment is a query-ish string (`token=…&…`) or a route followed by `?…`.
  const [path, query] = q >= 0 ? [raw.slice(0, q), raw.slice(q + 1)] : raw.startsWith("/") ? [raw, ""] : ["", raw];
  let token: string | null = null;
  const kept: string[] = [];
  for (const part of query.split("&")) {
    if (!part) continue;
    const eq = part.indexOf("=");
    const key = eq >= 0 ? part.slice(0, eq) : part;
    if (key === "token") {
      const value = eq >= 0 ? safeDecode(part.slice(eq + 1)) : "";
      if (value) token = value;
    } else {
      kept.push(part);
    }
  }
  const rest = kept.length ? `${path}?${kept.join("&")}` : path;
  return { token, rest };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * Takes the token out of the address bar (if it is there) into sessionStorage and returns the token to use.
 * Call it once, before the router reads the hash.
 */
export function captureToken(loc: Location = window.location, storage: Storage = window.sessionStorage): string | null {
  const { token, rest } = extractToken(loc.hash);
  if (token) {
    try {
      storage.setItem(TOKEN_KEY, token);
    } catch {
      // Storage can be disabled; the token still works for this page's lifetime.
    }
    const url = `${loc.pathname}${loc.search}${rest ? `#${rest}` : ""}`;
    window.history.replaceState(window.history.state, "", url);
    return token;
  }
  try {
    return storage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}
