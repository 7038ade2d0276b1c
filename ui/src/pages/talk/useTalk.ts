// The panel's handle on a talk session, wired to the real browser: the platform's socket URL (browser or
// desktop window), the microphone and WebAudio.

import { useCallback, useEffect, useRef, useState } from "react";
import { platform } from "../../platform";
import { micError, openMic, Player } from "./audio";
import { IDLE, TalkSession, type TalkDeps, type TalkSnapshot } from "./session";

/** Real browser pieces; the AudioContext is made here, inside the Start click, so it may play sound. */
export function browserDeps(): TalkDeps {
  let ctx: AudioContext | null = null;
  try {
    ctx = new AudioContext({ latencyHint: "interactive" });
    void ctx.resume().catch(() => undefined);
  } catch {
    ctx = null;
  }
  const audio = (): AudioContext => {
    if (!ctx) throw Object.assign(new Error("this window has no audio (WebAudio is missing)"), { name: "NotSupportedError" });
    return ctx;
  };
  return {
    socketUrl: async (path) => (await platform().socketUrl?.(path)) ?? null,
    WebSocket: window.WebSocket,
    openMic: (handlers) => openMic(audio(), handlers),
    micError,
    player: () => new Player(audio()),
    close: () => {
      void ctx?.close().catch(() => undefined);
      ctx = null;
    },
  };
}

export interface Talk {
  snap: TalkSnapshot;
  start(agentId: number): void;
  stop(): void;
}

export function useTalk(deps: () => TalkDeps = browserDeps): Talk {
  const [snap, setSnap] = useState<TalkSnapshot>(IDLE);
  const session = useRef<TalkSession | null>(null);
  const makeDeps = useRef(deps);
  makeDeps.current = deps;

  const start = useCallback((agentId: number) => {
    session.current?.dispose();
    const s = new TalkSession(makeDeps.current(), setSnap);
    session.current = s;
    void s.start(agentId);
  }, []);
  const stop = useCallback(() => session.current?.stop(), []);
  useEffect(
    () => () => {
      session.current?.dispose();
      session.current = null;
    },
    [],
  );
  return { snap, start, stop };
}
