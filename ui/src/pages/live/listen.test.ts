import { describe, expect, it } from "vitest";
import { decodePcm16, level, MAX_AHEAD_S, schedule, START_CUSHION_S } from "./listen";

describe("live listen", () => {
  it("decodes PCM16 little-endian frames", () => {
    const bytes = new Uint8Array([0x00, 0x80, 0xff, 0x7f, 0x00, 0x00, 0x00, 0x40]);
    const s = decodePcm16(bytes.buffer);
    expect(Array.from(s)).toEqual([-1, 32767 / 32768, 0, 0.5]);
    expect(level(new Float32Array([0.5, -0.5]))).toBeCloseTo(0.5);
    expect(level(new Float32Array())).toBe(0);
  });

  it("plays frames back to back, restarts a dry queue with a cushion, and drops what would fall behind", () => {
    expect(schedule(0, 10, 0.02)).toBeCloseTo(10 + START_CUSHION_S);
    expect(schedule(10.1, 10, 0.02)).toBe(10.1);
    // Already MAX_AHEAD_S queued: the frame is dropped, so playback never drifts further behind.
    expect(schedule(10 + MAX_AHEAD_S, 10, 0.02)).toBeNull();
    expect(MAX_AHEAD_S + START_CUSHION_S).toBeLessThan(0.5);
  });
});
