// One "Talk to agent" conversation: the microphone → the core's `/api/agents/{id}/talk` WebSocket → the
// agent, and back. The core's JSON frames become a snapshot the panel renders (`reduce`, pure); binary
// frames are the agent's voice. The browser pieces (socket URL, WebSocket, AudioContext, microphone) come
// in as `TalkDeps`, so tests drive a session with fakes.

import { ApiError } from "../../api/error";

export type TalkPhase = "idle" | "starting" | "live" | "ending" | "ended" | "error";

export type TalkLine =
  | { kind: "turn"; role: "agent" | "contact"; text: string; at: string | null }
  | { kind: "tool"; id: string; name: string; parameters: unknown; result: string; failed?: boolean };

export interface TalkSnapshot {
  phase: TalkPhase;
  agentId: number | null;
  /** Which backend answered: "elevenlabs", "openai-realtime", "sim", … */
  backend: string | null;
  lines: TalkLine[];
  error: { code: string; message: string } | null;
  endedReason: string | null;
  /** Microphone frames sent, agent audio frames received. */
  sent: number;
  received: number;
  interruptions: number;
  /** 0..1, the microphone's loudness. */
  level: number;
}

export const IDLE: TalkSnapshot = {
  phase: "idle",
  agentId: null,
  backend: null,
  lines: [],
  error: null,
  endedReason: null,
  sent: 0,
  received: 0,
  interruptions: 0,
  level: 0,
};

/** The lines kept on screen; a long test conversation drops its oldest. */
export const MAX_LINES = 300;

const str = (v: unknown): string => (typeof v === "string" ? v : "");

/** Applies one JSON frame from the core. Unknown frames change nothing. */
export function reduce(s: TalkSnapshot, msg: unknown): TalkSnapshot {
  if (typeof msg !== "object" || msg === null) return s;
  const m = msg as Record<string, unknown>;
  const add = (line: TalkLine) => ({ ...s, lines: [...s.lines, line].slice(-MAX_LINES) });
  switch (m.type) {
    case "ready":
      return { ...s, phase: s.phase === "starting" ? "live" : s.phase, backend: str(m.backend) || null };
    case "transcript":
      return add({ kind: "turn", role: m.role === "agent" ? "agent" : "contact", text: str(m.text), at: str(m.at) || null });
    case "tool_call":
      // `ok` comes only from a backend that ran the tool itself (OpenAI Realtime): false = an error went back.
      return add({
        kind: "tool",
        id: str(m.id),
        name: str(m.name),
        parameters: m.parameters ?? null,
        result: str(m.result),
        ...(m.ok === false ? { failed: true } : {}),
      });
    case "interruption":
      return { ...s, interruptions: s.interruptions + 1 };
    case "error":
      return { ...s, phase: "error", error: { code: str(m.code) || "internal", message: str(m.message) || "The conversation failed." } };
    case "ended":
      return { ...s, phase: s.phase === "error" ? "error" : "ended", endedReason: str(m.reason) || null };
    default:
      return s;
  }
}

export interface MicLike {
  stop(): void;
}

export interface PlayerLike {
  play(bytes: ArrayBuffer): void;
  flush(): void;
}

export interface TalkDeps {
  /** The socket URL for a path on the UI listener, with its token; null where there is none. */
  socketUrl(path: string): Promise<string | null>;
  WebSocket: typeof WebSocket;
  /** Opens the microphone; rejects with the browser's error (see audio.ts `micError`). */
  openMic(handlers: { frame(bytes: ArrayBuffer): void; level(v: number): void }): Promise<MicLike>;
  micError(e: unknown): { code: string; message: string };
  player(): PlayerLike;
  /** Releases audio resources (the AudioContext) once the conversation is over. */
  close?(): void;
}

/** How long to wait for the core's `ended` after asking it to stop. */
export const STOP_GRACE_MS = 2000;

export class TalkSession {
  private snap: TalkSnapshot = IDLE;
  private ws: WebSocket | null = null;
  private mic: MicLike | null = null;
  private player: PlayerLike | null = null;
  private stopTimer: ReturnType<typeof setTimeout> | null = null;
  private disposed = false;

  constructor(
    private readonly deps: TalkDeps,
    private readonly onChange: (s: TalkSnapshot) => void,
  ) {}

  get snapshot(): TalkSnapshot {
    return this.snap;
  }

  /** Read through a method: TypeScript would keep a narrowing of `this.snap.phase` across awaits. */
  private phase(): TalkPhase {
    return this.snap.phase;
  }

  private set(next: TalkSnapshot) {
    this.snap = next;
    if (!this.disposed) this.onChange(next);
  }

  private fail(error: { code: string; message: string }) {
    this.set({ ...this.snap, phase: "error", error });
    this.release();
  }

  async start(agentId: number): Promise<void> {
    if (this.snap.phase === "starting" || this.snap.phase === "live") return;
    this.set({ ...IDLE, phase: "starting", agentId });
    let url: string | null;
    try {
      url = await this.deps.socketUrl(`/api/agents/${agentId}/talk`);
    } catch (e) {
      const err = ApiError.from(e);
      return this.fail({ code: err.code, message: err.message });
    }
    if (!url) return this.fail({ code: "unavailable", message: "Talking to an agent is not available in this window." });
    try {
      this.mic = await this.deps.openMic({
        frame: (bytes) => {
          if (this.ws?.readyState === 1 && this.snap.phase === "live") {
            this.ws.send(bytes);
            this.snap = { ...this.snap, sent: this.snap.sent + 1 };
          }
        },
        level: (v) => this.set({ ...this.snap, level: v }),
      });
    } catch (e) {
      return this.fail(this.deps.micError(e));
    }
    // Stopped or closed while the microphone permission was being asked for.
    if (this.disposed || this.phase() !== "starting") return this.release();
    this.player = this.deps.player();
    const ws = new this.deps.WebSocket(url);
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    ws.onmessage = (m: MessageEvent) => {
      if (m.data instanceof ArrayBuffer) {
        this.player?.play(m.data);
        this.snap = { ...this.snap, received: this.snap.received + 1 };
        return;
      }
      let msg: unknown;
      try {
        msg = JSON.parse(String(m.data));
      } catch {
        return;
      }
      const type = (msg as { type?: unknown } | null)?.type;
      // Barge-in: the agent was talked over, so what it had queued must not play on.
      if (type === "interruption") this.player?.flush();
      const next = reduce(this.snap, msg);
      this.set(next);
      if (type === "ended" || type === "error") this.release(type === "error");
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      if (this.snap.phase === "starting") {
        this.fail({ code: "network", message: "The conversation could not be opened (the connection was refused)." });
        return;
      }
      if (this.snap.phase !== "error" && this.snap.phase !== "ended") {
        this.set({ ...this.snap, phase: "ended", endedReason: this.snap.endedReason ?? "the connection closed" });
      }
      this.release();
    };
    ws.onerror = () => {
      // onclose follows.
    };
  }

  /** Hangs up: the core answers with `ended` (and writes its audit row); the socket closes after. */
  stop(): void {
    this.mic?.stop();
    this.mic = null;
    const ws = this.ws;
    if (!ws || ws.readyState !== 1) {
      this.release(true);
      if (this.snap.phase === "starting" || this.snap.phase === "live") this.set({ ...this.snap, phase: "ended" });
      return;
    }
    this.set({ ...this.snap, phase: "ending" });
    ws.send(JSON.stringify({ type: "stop" }));
    this.stopTimer = setTimeout(() => this.release(true), STOP_GRACE_MS);
  }

  /** Frees the microphone and the socket; with `silence`, the agent's queued speech too. */
  private release(silence = false): void {
    if (this.stopTimer) clearTimeout(this.stopTimer);
    this.stopTimer = null;
    this.mic?.stop();
    this.mic = null;
    const ws = this.ws;
    this.ws = null;
    if (ws && ws.readyState <= 1) ws.close(1000);
    if (silence) this.player?.flush();
  }

  /** The panel closed: everything stops now. */
  dispose(): void {
    this.release(true);
    this.player = null;
    this.disposed = true;
    this.deps.close?.();
  }
}
