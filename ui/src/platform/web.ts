// The browser transport: `POST /api/rpc` with the per-launch token, events over a WebSocket that reconnects
// with backoff. See docs/api.md.

import { ApiError, isErrorBody } from "../api/error";
import type { CampaignEvent, Uploaded } from "../api/types";
import { captureToken } from "./token";
import type { ConnectionState, Platform } from "./types";

const CODE_BY_STATUS: Record<number, string> = {
  400: "bad_request",
  401: "unauthorized",
  404: "not_found",
  409: "conflict",
  422: "validation",
};

/** Maps a non-2xx response to an ApiError: the body's `{code, message}` if it has one, else the status. */
export async function errorFromResponse(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => "");
  try {
    const body: unknown = JSON.parse(text);
    if (isErrorBody(body)) return ApiError.from(body);
  } catch {
    // not JSON: fall through
  }
  const code = CODE_BY_STATUS[res.status] ?? "internal";
  const detail = text.trim().slice(0, 200) || res.statusText || "no details";
  return new ApiError(code, `HTTP ${res.status}: ${detail}`);
}

export interface WebOptions {
  token: string | null;
  /** Page origin, e.g. "http://127.0.0.1:8787". */
  origin?: string;
  fetch?: typeof fetch;
  WebSocket?: typeof WebSocket;
  /** Backoff bounds for the event stream, in ms. */
  minDelay?: number;
  maxDelay?: number;
}

export function createWebPlatform(opts: WebOptions): Platform {
  const origin = opts.origin ?? window.location.origin;
  const doFetch = opts.fetch ?? ((...a: Parameters<typeof fetch>) => fetch(...a));
  const WS = opts.WebSocket ?? window.WebSocket;
  const minDelay = opts.minDelay ?? 500;
  const maxDelay = opts.maxDelay ?? 10_000;
  const token = opts.token;

  const handlers = new Set<(events: CampaignEvent[]) => void>();
  const connHandlers = new Set<(s: ConnectionState) => void>();
  let state: ConnectionState = token ? "connecting" : "unauthorized";
  let socket: WebSocket | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let attempt = 0;
  let everConnected = false;

  const setState = (s: ConnectionState) => {
    if (s === state) return;
    state = s;
    for (const h of connHandlers) h(s);
  };
  const emit = (events: CampaignEvent[]) => {
    for (const h of handlers) h(events);
  };

  function connect() {
    if (!token || socket) return;
    const url = `${origin.replace(/^http/, "ws")}/api/events?token=${encodeURIComponent(token)}`;
    const ws = new WS(url);
    socket = ws;
    ws.onopen = () => {
      attempt = 0;
      setState("connected");
      // Whatever changed while we were away is unknown: refetch.
      if (everConnected) emit([{ type: "resync" }]);
      everConnected = true;
    };
    ws.onmessage = (m) => {
      if (typeof m.data !== "string") return;
      try {
        const batch: unknown = JSON.parse(m.data);
        if (Array.isArray(batch)) emit(batch as CampaignEvent[]);
      } catch {
        console.warn("callboard: ignoring a malformed event batch");
      }
    };
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = null;
      if (handlers.size === 0 || state === "unauthorized") return;
      setState(everConnected ? "reconnecting" : "connecting");
      scheduleRetry();
    };
    ws.onerror = () => {
      // onclose follows and schedules the retry.
    };
  }

  function scheduleRetry() {
    if (retryTimer) return;
    const base = Math.min(maxDelay, minDelay * 2 ** attempt);
    const delay = base / 2 + Math.random() * (base / 2);
    attempt += 1;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      // A quick RPC tells a stale token (401) apart from a server that is down.
      void call("health").then(
        () => connect(),
        (e: ApiError) => {
          if (e.code !== "unauthorized") scheduleRetry();
        },
      );
    }, delay);
  }

  function disconnect() {
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = null;
    const ws = socket;
    socket = null;
    ws?.close();
  }

  async function call<T>(cmd: string, args: object = {}): Promise<T> {
    if (!token) {
      setState("unauthorized");
      throw new ApiError("unauthorized", "no access token: open the URL that `callboard serve` printed");
    }
    let res: Response;
    try {
      res = await doFetch(`${origin}/api/rpc`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({ cmd, args }),
      });
    } catch (e) {
      throw new ApiError("network", `cannot reach Callboard: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (!res.ok) {
      const err = await errorFromResponse(res);
      if (err.code === "unauthorized") {
        setState("unauthorized");
        disconnect();
      }
      throw err;
    }
    return (await res.json()) as T;
  }

  /** `POST /api/uploads`: the file streams to the core's data dir (no base64, no size in memory). */
  async function upload(file: File, onProgress?: (sent: number) => void): Promise<Uploaded> {
    if (!token) {
      setState("unauthorized");
      throw new ApiError("unauthorized", "no access token: open the URL that `callboard serve` printed");
    }
    let res: Response;
    try {
      res = await doFetch(`${origin}/api/uploads?name=${encodeURIComponent(file.name)}`, {
        method: "POST",
        headers: { "content-type": "application/octet-stream", authorization: `Bearer ${token}` },
        body: file,
      });
    } catch (e) {
      throw new ApiError("network", `cannot upload ${file.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (!res.ok) throw await errorFromResponse(res);
    onProgress?.(file.size);
    return (await res.json()) as Uploaded;
  }

  return {
    transport: "browser",
    call,
    upload,
    subscribe(handler) {
      handlers.add(handler);
      connect();
      return () => {
        handlers.delete(handler);
        if (handlers.size === 0) disconnect();
      };
    },
    onConnection(handler) {
      connHandlers.add(handler);
      handler(state);
      return () => connHandlers.delete(handler);
    },
    listenUrl(callId) {
      if (!token) return null;
      return `${origin.replace(/^http/, "ws")}/api/calls/${callId}/listen?token=${encodeURIComponent(token)}`;
    },
    async saveFile(filename, blob) {
      const url = URL.createObjectURL(blob);
      const a = document.createElement("a");
      a.href = url;
      a.download = filename;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      return null;
    },
    recording(callId) {
      if (!token) return Promise.resolve(null);
      const url = `${origin}/api/calls/${callId}/recording?token=${encodeURIComponent(token)}`;
      return Promise.resolve({ url, downloadable: true });
    },
    socketUrl(path) {
      if (!token) return Promise.resolve(null);
      return Promise.resolve(`${origin.replace(/^http/, "ws")}${path}?token=${encodeURIComponent(token)}`);
    },
  };
}

/** The browser platform for this page: takes the token from the address bar first. */
export function webPlatform(): Platform {
  return createWebPlatform({ token: captureToken() });
}
