import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "../api/error";
import type { CampaignEvent } from "../api/types";
import type { ConnectionState } from "./types";
import { createWebPlatform, errorFromResponse } from "./web";

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

describe("errorFromResponse", () => {
  it("uses the core's {code, message}", async () => {
    const e = await errorFromResponse(json(409, { code: "conflict", message: "a campaign named 'X' already exists" }));
    expect(e).toBeInstanceOf(ApiError);
    expect(e.code).toBe("conflict");
    expect(e.message).toBe("a campaign named 'X' already exists");
  });

  it.each([
    [400, "bad_request"],
    [401, "unauthorized"],
    [404, "not_found"],
    [409, "conflict"],
    [422, "validation"],
    [500, "internal"],
    [502, "internal"],
  ])("falls back to the HTTP status %i → %s when the body is not an error object", async (status, code) => {
    const e = await errorFromResponse(new Response("<html>Bad Gateway</html>", { status }));
    expect(e.code).toBe(code);
    expect(e.message).toContain(String(status));
  });
});

describe("call", () => {
  it("posts {cmd, args} with the bearer token and resolves with the body", async () => {
    const fetch = vi.fn(async () => json(200, { status: "ok", version: "0.1.0" }));
    const p = createWebPlatform({ token: "t0k", origin: "http://127.0.0.1:9", fetch });
    await expect(p.call("health", {})).resolves.toEqual({ status: "ok", version: "0.1.0" });
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe("http://127.0.0.1:9/api/rpc");
    expect(init.method).toBe("POST");
    expect((init.headers as Record<string, string>).authorization).toBe("Bearer t0k");
    expect(JSON.parse(init.body as string)).toEqual({ cmd: "health", args: {} });
  });

  it("rejects non-2xx answers with an ApiError carrying the code", async () => {
    const fetch = vi.fn(async () => json(422, { code: "validation", message: "max_concurrent: must be between 1 and 500" }));
    const p = createWebPlatform({ token: "t", origin: "http://x", fetch });
    const err = await p.call("campaign.create", { name: "x", max_concurrent: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: "validation", message: "max_concurrent: must be between 1 and 500" });
  });

  it("maps a failed fetch to code network", async () => {
    const fetch = vi.fn(async () => {
      throw new TypeError("Failed to fetch");
    });
    const p = createWebPlatform({ token: "t", origin: "http://x", fetch });
    await expect(p.call("health")).rejects.toMatchObject({ code: "network" });
  });

  it("turns 401 into the unauthorized connection state", async () => {
    const fetch = vi.fn(async () => json(401, { code: "unauthorized", message: "missing or wrong token" }));
    const p = createWebPlatform({ token: "stale", origin: "http://x", fetch });
    const states: ConnectionState[] = [];
    p.onConnection((s) => states.push(s));
    await expect(p.call("health")).rejects.toMatchObject({ code: "unauthorized" });
    expect(states).toEqual(["connecting", "unauthorized"]);
  });

  it("without a token, fails fast as unauthorized and never calls the server", async () => {
    const fetch = vi.fn();
    const p = createWebPlatform({ token: null, origin: "http://x", fetch });
    await expect(p.call("health")).rejects.toMatchObject({ code: "unauthorized" });
    expect(fetch).not.toHaveBeenCalled();
  });
});

class FakeSocket {
  static all: FakeSocket[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((m: { data: unknown }) => void) | null = null;
  onclose: (() => void) | null = null;
  onerror: (() => void) | null = null;
  closed = false;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  close() {
    this.closed = true;
  }
  // test helpers
  open() {
    this.onopen?.();
  }
  send(batch: unknown) {
    this.onmessage?.({ data: typeof batch === "string" ? batch : JSON.stringify(batch) });
  }
  drop() {
    this.onclose?.();
  }
}

describe("event stream", () => {
  beforeEach(() => {
    FakeSocket.all = [];
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const make = () => {
    const fetch = vi.fn(async () => json(200, { status: "ok", version: "0.1.0" }));
    const p = createWebPlatform({
      token: "a b",
      origin: "http://127.0.0.1:5",
      fetch,
      WebSocket: FakeSocket as unknown as typeof WebSocket,
      minDelay: 100,
      maxDelay: 1000,
    });
    const batches: CampaignEvent[][] = [];
    const states: ConnectionState[] = [];
    p.onConnection((s) => states.push(s));
    const off = p.subscribe((b) => batches.push(b));
    return { p, fetch, batches, states, off };
  };

  it("connects with the token in the query and delivers batches", () => {
    const { batches, states } = make();
    expect(FakeSocket.all).toHaveLength(1);
    expect(FakeSocket.all[0]?.url).toBe("ws://127.0.0.1:5/api/events?token=a%20b");
    FakeSocket.all[0]?.open();
    FakeSocket.all[0]?.send([{ type: "campaign_deleted", id: 4 }]);
    FakeSocket.all[0]?.send("not json");
    expect(batches).toEqual([[{ type: "campaign_deleted", id: 4 }]]);
    expect(states).toEqual(["connecting", "connected"]);
  });

  it("reconnects with backoff and asks for a resync", async () => {
    const { batches, states, fetch } = make();
    FakeSocket.all[0]?.open();
    FakeSocket.all[0]?.drop();
    expect(states.at(-1)).toBe("reconnecting");
    await vi.advanceTimersByTimeAsync(200);
    expect(fetch).toHaveBeenCalledTimes(1); // a health check before reconnecting
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.all[1]?.open();
    expect(states.at(-1)).toBe("connected");
    expect(batches).toEqual([[{ type: "resync" }]]);
  });

  it("stops when the last subscriber leaves", async () => {
    const { off } = make();
    FakeSocket.all[0]?.open();
    off();
    expect(FakeSocket.all[0]?.closed).toBe(true);
    await vi.advanceTimersByTimeAsync(5000);
    expect(FakeSocket.all).toHaveLength(1);
  });
});

describe("upload", () => {
  it("posts the file's bytes to /api/uploads with its name and the token", async () => {
    const fetch = vi.fn(async () => json(200, { upload_id: "abc", name: "leads.csv", bytes: 12 }));
    const p = createWebPlatform({ token: "t0k", origin: "http://127.0.0.1:9", fetch });
    const file = new File(["Phone\n55123456"], "leads (1).csv");
    const sent: number[] = [];
    await expect(p.upload(file, (n) => sent.push(n))).resolves.toEqual({ upload_id: "abc", name: "leads.csv", bytes: 12 });
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe("http://127.0.0.1:9/api/uploads?name=leads%20(1).csv");
    expect((init.headers as Record<string, string>).authorization).toBe("Bearer t0k");
    expect(init.body).toBe(file);
    expect(sent).toEqual([file.size]);
  });

  it("rejects with the core's error", async () => {
    const fetch = vi.fn(async () => json(422, { code: "validation", message: "the file is larger than 512 MB" }));
    const p = createWebPlatform({ token: "t", origin: "http://x", fetch });
    await expect(p.upload(new File(["x"], "x.csv"))).rejects.toMatchObject({ code: "validation" });
  });
});

describe("socketUrl", () => {
  it("points live-audio sockets at this origin with the token", async () => {
    const p = createWebPlatform({ token: "a/b", origin: "http://127.0.0.1:9" });
    await expect(p.socketUrl?.("/api/agents/3/talk")).resolves.toBe("ws://127.0.0.1:9/api/agents/3/talk?token=a%2Fb");
    const none = createWebPlatform({ token: null, origin: "http://127.0.0.1:9" });
    await expect(none.socketUrl?.("/api/agents/3/talk")).resolves.toBeNull();
  });
});
