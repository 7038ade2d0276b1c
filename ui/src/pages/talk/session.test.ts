import { describe, expect, it } from "vitest";
import { nextStart, PLAY_CUSHION_S } from "./audio";
import { IDLE, MAX_LINES, reduce, TalkSession, type TalkSnapshot } from "./session";
import { FakeSocket, fakes } from "./testFakes";

const flush = () => new Promise((r) => setTimeout(r, 0));

describe("reduce", () => {
  it("turns the core's frames into the panel's state", () => {
    let s: TalkSnapshot = { ...IDLE, phase: "starting" };
    s = reduce(s, { type: "ready", backend: "sim", sample_rate: 16000 });
    expect(s.phase).toBe("live");
    expect(s.backend).toBe("sim");
    s = reduce(s, { type: "transcript", role: "agent", text: "Hello", at: "2026-11-27T02:00:00Z" });
    s = reduce(s, { type: "transcript", role: "contact", text: "(you spoke for 1.0 s)" });
    s = reduce(s, { type: "tool_call", id: "t1", name: "end_call", parameters: { reason: "done" }, result: "ok" });
    s = reduce(s, { type: "tool_call", id: "c1", name: "complete_intake", parameters: {}, result: '{"error":"x"}', ok: false });
    s = reduce(s, { type: "interruption" });
    s = reduce(s, { type: "something_new" });
    s = reduce(s, null);
    expect(s.lines).toEqual([
      { kind: "turn", role: "agent", text: "Hello", at: "2026-11-27T02:00:00Z" },
      { kind: "turn", role: "contact", text: "(you spoke for 1.0 s)", at: null },
      { kind: "tool", id: "t1", name: "end_call", parameters: { reason: "done" }, result: "ok" },
      { kind: "tool", id: "c1", name: "complete_intake", parameters: {}, result: '{"error":"x"}', failed: true },
    ]);
    expect(s.interruptions).toBe(1);
    s = reduce(s, { type: "ended", reason: "the agent ended the conversation (end_call)" });
    expect(s.phase).toBe("ended");
    expect(s.endedReason).toContain("end_call");
  });

  it("keeps an error's code and message, and an error is not overwritten by the end", () => {
    let s = reduce({ ...IDLE, phase: "starting" }, { type: "error", code: "validation", message: "no ElevenLabs API key is set" });
    expect(s.error).toEqual({ code: "validation", message: "no ElevenLabs API key is set" });
    s = reduce(s, { type: "ended", reason: "x" });
    expect(s.phase).toBe("error");
  });

  it("keeps only the latest lines of a long conversation", () => {
    let s = IDLE;
    for (let i = 0; i < MAX_LINES + 5; i++) s = reduce(s, { type: "transcript", role: "agent", text: `line ${i}` });
    expect(s.lines).toHaveLength(MAX_LINES);
    expect(s.lines[0]).toMatchObject({ text: "line 5" });
  });
});

describe("TalkSession", () => {
  it("streams the microphone while live, plays the agent, cuts it off on barge-in, and hangs up", async () => {
    const f = fakes();
    const seen: TalkSnapshot[] = [];
    const s = new TalkSession(f.deps, (x) => seen.push(x));
    await s.start(7);
    const ws = FakeSocket.last as FakeSocket;
    expect(ws.url).toBe("ws://127.0.0.1:1/api/agents/7/talk?token=t");
    expect(ws.binaryType).toBe("arraybuffer");
    ws.open();
    // Nothing goes out before the agent is ready.
    f.mic?.frame(new ArrayBuffer(640));
    expect(ws.sent).toHaveLength(0);
    ws.json({ type: "ready", backend: "elevenlabs" });
    f.mic?.frame(new ArrayBuffer(640));
    f.mic?.frame(new ArrayBuffer(640));
    expect(ws.sent).toHaveLength(2);
    ws.binary(640);
    ws.binary(640);
    expect(f.played).toBe(2);
    ws.json({ type: "interruption" });
    expect(f.flushes).toBe(1);
    f.mic?.level(0.3);
    expect(s.snapshot).toMatchObject({ phase: "live", sent: 2, received: 2, interruptions: 1, level: 0.3 });
    s.stop();
    expect(f.mic?.stopped).toBe(true);
    expect(ws.sent.at(-1)).toBe(JSON.stringify({ type: "stop" }));
    expect(s.snapshot.phase).toBe("ending");
    ws.json({ type: "ended", reason: "you ended the conversation" });
    expect(s.snapshot).toMatchObject({ phase: "ended", endedReason: "you ended the conversation" });
    expect(ws.closedWith).toBe(1000);
    expect(seen.length).toBeGreaterThan(3);
    s.dispose();
    expect(f.closed).toBe(true);
  });

  it("shows the core's refusal with its code", async () => {
    const f = fakes();
    const s = new TalkSession(f.deps, () => {});
    await s.start(3);
    const ws = FakeSocket.last as FakeSocket;
    ws.open();
    ws.json({ type: "error", code: "upstream", message: "the agent refused the conversation: signed URL request answered 401" });
    expect(s.snapshot.phase).toBe("error");
    expect(s.snapshot.error?.code).toBe("upstream");
    expect(f.mic?.stopped).toBe(true);
    // The core closes after its error; the error stays.
    ws.close();
    expect(s.snapshot.phase).toBe("error");
  });

  it("reports a refused microphone and a window without a listener, without opening a socket", async () => {
    FakeSocket.last = null;
    const denied = fakes({ micFails: Object.assign(new Error("Permission denied"), { name: "NotAllowedError" }) });
    const s = new TalkSession(denied.deps, () => {});
    await s.start(1);
    expect(s.snapshot).toMatchObject({ phase: "error", error: { code: "microphone_denied" } });
    expect(FakeSocket.last).toBeNull();
    const none = new TalkSession(fakes({ url: null }).deps, () => {});
    await none.start(1);
    expect(none.snapshot.error?.code).toBe("unavailable");
  });

  it("treats a socket that closes before ready as a failed connection", async () => {
    const s = new TalkSession(fakes().deps, () => {});
    await s.start(1);
    (FakeSocket.last as FakeSocket).close(1006);
    await flush();
    expect(s.snapshot).toMatchObject({ phase: "error", error: { code: "network" } });
  });
});

describe("playback scheduling", () => {
  it("plays frames back to back and restarts a dry queue a cushion ahead", () => {
    expect(nextStart(0, 5)).toBeCloseTo(5 + PLAY_CUSHION_S);
    expect(nextStart(5.5, 5)).toBe(5.5);
    // Agents send faster than real time: seconds of queue are kept, not dropped.
    expect(nextStart(12, 5)).toBe(12);
  });
});

describe("micError", () => {
  it("names what went wrong with the microphone", async () => {
    const { micError } = await import("./audio");
    expect(micError(Object.assign(new Error("x"), { name: "NotAllowedError" })).code).toBe("microphone_denied");
    expect(micError(Object.assign(new Error("x"), { name: "NotFoundError" })).code).toBe("microphone_missing");
    expect(micError(Object.assign(new Error("x"), { name: "NotReadableError" })).code).toBe("microphone_busy");
    const missing = micError(Object.assign(new Error("this window has no microphone access (getUserMedia is missing)"), { name: "NotSupportedError" }));
    expect(missing).toEqual({ code: "microphone", message: "Cannot open the microphone: this window has no microphone access (getUserMedia is missing)" });
  });
});
