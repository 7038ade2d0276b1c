import { describe, expect, it } from "vitest";
import { itemLabel, valueText } from "./CallResults";

describe("CallResults", () => {
  it("labels items as words", () => {
    expect(itemLabel("interested_model")).toBe("Interested model");
    expect(itemLabel("callback-time")).toBe("Callback time");
    expect(itemLabel("___")).toBe("___");
  });

  it("shows values as a person reads them, and nothing for what was not collected", () => {
    expect(valueText("Land Cruiser")).toBe("Land Cruiser");
    expect(valueText(9000)).toBe("9000");
    expect(valueText(true)).toBe("Yes");
    expect(valueText(false)).toBe("No");
    expect(valueText({ day: "Sat" })).toBe('{"day":"Sat"}');
    expect(valueText(null)).toBeNull();
    expect(valueText("")).toBeNull();
  });
});
