import { describe, expect, it } from "vitest";
import { hintFor, humanMinutes, humanSeconds } from "./duration";

describe("humanMinutes", () => {
  it("says delays the way people do", () => {
    expect(humanMinutes(0)).toBe("no delay");
    expect(humanMinutes(10)).toBe("10 min");
    expect(humanMinutes(60)).toBe("1 h");
    expect(humanMinutes(90)).toBe("1 h 30 min");
    expect(humanMinutes(120)).toBe("2 h");
    expect(humanMinutes(240)).toBe("4 h");
    expect(humanMinutes(1440)).toBe("1 d");
    expect(humanMinutes(1500)).toBe("1 d 1 h");
    expect(humanMinutes(10_080)).toBe("1 week");
    expect(humanMinutes(-1)).toBe("");
  });
});

describe("humanSeconds", () => {
  it("says durations the way people do", () => {
    expect(humanSeconds(45)).toBe("45 s");
    expect(humanSeconds(120)).toBe("2 min");
    expect(humanSeconds(90)).toBe("1 min 30 s");
    expect(humanSeconds(900)).toBe("15 min");
    expect(humanSeconds(3600)).toBe("1 h");
    expect(humanSeconds(7200)).toBe("2 h");
  });
});

describe("hintFor", () => {
  it("is empty until the input holds a usable number", () => {
    expect(hintFor("", humanMinutes)).toBe("");
    expect(hintFor("abc", humanMinutes)).toBe("");
    expect(hintFor("-5", humanMinutes)).toBe("");
    expect(hintFor("120", humanMinutes)).toBe("2 h");
  });
});
