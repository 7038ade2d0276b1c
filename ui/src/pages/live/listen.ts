// Live listen: the call's audio over a WebSocket (binary PCM16 little-endian, 8 kHz, 20 ms frames) played
// with WebAudio. Each frame becomes a tiny buffer scheduled right after the previous one; when the queue
// runs more than MAX_AHEAD_S ahead (a burst after a stall) frames are dropped, so playback stays well under
// half a second behind the call.

import { useCallback, useEffect, useRef, useState } from "react";
import { platform } from "../../platform";

export const SAMPLE_RATE = 8000;
/** How far ahead of the audio clock frames may be queued before new ones are dropped. */
export const MAX_AHEAD_S = 0.3;
/** The cushion a (re)started queue begins with, against network jitter. */
export const START_CUSHION_S = 0.08;

export type ListenState = "off" | "connecting" | "playing" | "ended" | "error";

/** PCM16LE bytes to floats in [-1, 1]. */
export function decodePcm16(buf: ArrayBuffer): Float32Array<ArrayBuffer> {
  const view = new DataView(buf);
  const n = Math.floor(buf.byteLength / 2);
  const out = new Float32Array(new ArrayBuffer(n * 4));
  for (let i = 0; i < n; i++) out[i] = view.getInt16(i * 2, true) / 32768;
  return out;
}

/** Root mean square of a frame, 0..1. */
export function level(samples: Float32Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  return samples.length ? Math.sqrt(sum / samples.length) : 0;
}

/**
 * Where the next frame starts on the audio clock, or null to drop it: frames follow each other; a queue
 * that ran dry restarts a cushion ahead of now; one too far ahead drops frames.
 */
export function schedule(playhead: number, now: number, duration: number): number | null {
  if (playhead < now + 0.005) return now + START_CUSHION_S;
  if (playhead + duration - now > MAX_AHEAD_S) return null;
  return playhead;
}

export interface Listen {
  state: ListenState;
  frames: number;
  dropped: number;
  /** 0..1, the last frames' loudness. */
  level: number;
  /** Seconds of audio queued ahead of what is playing. */
  behind: number;
  error: string | null;
  start(): void;
  stop(): void;
}

export function useListen(callId: number): Listen {
  const [state, setState] = useState<ListenState>("off");
  const [stats, setStats] = useState({ frames: 0, dropped: 0, level: 0, behind: 0 });
  const [error, setError] = useState<string | null>(null);
  const live = useRef<{ ws: WebSocket; ctx: AudioContext | null; timer: ReturnType<typeof setInterval> } | null>(null);

  // Bumped by stop(), so a socket URL that arrives after the user stopped is not used.
  const attempt = useRef(0);

  const stop = useCallback(() => {
    attempt.current += 1;
    const l = live.current;
    live.current = null;
    if (!l) {
      setState((s) => (s === "connecting" ? "off" : s));
      return;
    }
    clearInterval(l.timer);
    l.ws.onclose = null;
    l.ws.close();
    void l.ctx?.close().catch(() => undefined);
    setState((s) => (s === "error" ? s : "off"));
  }, []);

  const begin = useCallback((url: string) => {
    if (live.current) return;
    let ctx: AudioContext | null = null;
    try {
      ctx = new AudioContext({ sampleRate: 48000, latencyHint: "interactive" });
      void ctx.resume().catch(() => undefined);
    } catch {
      // No audio output (e.g. a headless test): frames are still counted.
      ctx = null;
    }
    const ws = new WebSocket(url);
    ws.binaryType = "arraybuffer";
    const counters = { frames: 0, dropped: 0, level: 0, playhead: 0 };
    ws.onopen = () => setState("playing");
    ws.onmessage = (m) => {
      if (!(m.data instanceof ArrayBuffer)) return;
      const samples = decodePcm16(m.data);
      counters.frames += 1;
      counters.level = counters.level * 0.8 + level(samples) * 0.2;
      if (!ctx || samples.length === 0) return;
      const duration = samples.length / SAMPLE_RATE;
      const at = schedule(counters.playhead, ctx.currentTime, duration);
      if (at == null) {
        counters.dropped += 1;
        return;
      }
      const buffer = ctx.createBuffer(1, samples.length, SAMPLE_RATE);
      buffer.copyToChannel(samples, 0);
      const src = ctx.createBufferSource();
      src.buffer = buffer;
      src.connect(ctx.destination);
      src.start(at);
      counters.playhead = at + duration;
    };
    ws.onerror = () => setError("The call's audio stream failed.");
    ws.onclose = (e) => {
      if (live.current?.ws !== ws) return;
      clearInterval(live.current.timer);
      void live.current.ctx?.close().catch(() => undefined);
      live.current = null;
      if (counters.frames === 0 && e.code !== 1000) {
        setState("error");
        setError("This call has no live audio (it ended, or its provider sends no media).");
      } else {
        setState("ended");
      }
    };
    // The numbers on screen move four times a second, not fifty.
    const timer = setInterval(() => {
      setStats({
        frames: counters.frames,
        dropped: counters.dropped,
        level: counters.level,
        behind: ctx ? Math.max(0, counters.playhead - ctx.currentTime) : 0,
      });
    }, 250);
    live.current = { ws, ctx, timer };
    setError(null);
    setState("connecting");
  }, []);

  const start = useCallback(() => {
    if (live.current) return;
    const unavailable = () => {
      setState("error");
      setError("Listening is not available in this window.");
    };
    const p = platform();
    const direct = p.listenUrl?.(callId);
    if (direct) return begin(direct);
    if (!p.socketUrl) return unavailable();
    // The desktop window asks the core where the UI listener is first.
    const mine = ++attempt.current;
    setError(null);
    setState("connecting");
    p.socketUrl(`/api/calls/${callId}/listen`).then(
      (url) => {
        if (mine !== attempt.current) return;
        if (url) begin(url);
        else unavailable();
      },
      (e: unknown) => {
        if (mine !== attempt.current) return;
        setState("error");
        setError(`Cannot reach the call's audio: ${e instanceof Error ? e.message : String(e)}`);
      },
    );
  }, [callId, begin]);

  useEffect(() => stop, [stop]);
  return { state, ...stats, error, start, stop };
}
