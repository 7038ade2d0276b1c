import { describe, expect, it } from "vitest";
import { dayToText, linesToList, parseSchema, textToDay } from "./openaiModel";

describe("openai profile helpers", () => {
  it("round-trips weekly hours and explains bad ranges", () => {
    const day = [
      { start: "09:00:00", end: "12:00:00" },
      { start: "13:00:00", end: null },
    ];
    expect(dayToText(day)).toBe("09:00-12:00, 13:00-24:00");
    expect(textToDay("09:00-12:00, 13:00-24:00").hours).toEqual(day);
    expect(textToDay("").hours).toEqual([]);
    expect(textToDay("9-5").error).toMatch(/not a range/);
    expect(textToDay("17:00-09:00").error).toMatch(/ends before/);
  });

  it("checks the intake schema text before it is sent", () => {
    expect(parseSchema("{").error).toMatch(/Not valid JSON/);
    expect(parseSchema("[]").error).toMatch(/JSON object/);
    expect(parseSchema('{"type":"array"}').error).toMatch(/describe an object/);
    expect(parseSchema('{"type":"object","properties":{}}').error).toMatch(/urgency/);
    expect(parseSchema('{"type":"object","properties":{"urgency":{"enum":["low"]}}}').value).toBeTruthy();
    expect(linesToList(" a \n\n b ")).toEqual(["a", "b"]);
  });
});
