// Fakes for talk tests: a WebSocket the test drives, a microphone the test feeds, a player that records.

import type { MicLike, PlayerLike, TalkDeps } from "./session";

export class FakeSocket {
  static last: FakeSocket | null = null;
  readyState = 0;
  binaryType = "blob";
  sent: (string | ArrayBuffer)[] = [];
  closedWith: number | null = null;
  onmessage: ((m: { data: unknown }) => void) | null = null;
  onclose: (() => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.last = this;
  }
  send(d: string | ArrayBuffer) {
    this.sent.push(d);
  }
  close(code = 1000) {
    this.closedWith = code;
    this.readyState = 3;
    this.onclose?.();
  }
  open() {
    this.readyState = 1;
  }
  json(v: unknown) {
    this.onmessage?.({ data: JSON.stringify(v) });
  }
  binary(bytes: number) {
    this.onmessage?.({ data: new ArrayBuffer(bytes) });
  }
}

export interface Fakes {
  deps: TalkDeps;
  mic: { frame(b: ArrayBuffer): void; level(v: number): void; stopped: boolean } | null;
  played: number;
  flushes: number;
  closed: boolean;
}

export function fakes(opts: { url?: string | null; micFails?: unknown } = {}): Fakes {
  const f: Fakes = { deps: null as unknown as TalkDeps, mic: null, played: 0, flushes: 0, closed: false };
  f.deps = {
    socketUrl: async (path) => (opts.url === undefined ? `ws://127.0.0.1:1${path}?token=t` : opts.url),
    WebSocket: FakeSocket as unknown as typeof WebSocket,
    openMic: async (h) => {
      if (opts.micFails) throw opts.micFails;
      const mic = { ...h, stopped: false };
      f.mic = mic;
      const handle: MicLike = { stop: () => (mic.stopped = true) };
      return handle;
    },
    micError: (e) => ({ code: "microphone_denied", message: e instanceof Error ? e.message : String(e) }),
    player: (): PlayerLike => ({
      play: () => (f.played += 1),
      flush: () => (f.flushes += 1),
    }),
    close: () => (f.closed = true),
  };
  return f;
}
