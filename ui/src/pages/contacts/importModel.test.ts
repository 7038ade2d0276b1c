import { describe, expect, it } from "vitest";
import type { ImportSummary, Mapping } from "../../api/types";
import {
  isReadingFile,
  looksLikeSheet,
  mappingProblem,
  parseTargetKey,
  previewNote,
  progressPercent,
  setTarget,
  slug,
  summarySentence,
  targetKey,
  targetOptions,
} from "./importModel";

const mapping: Mapping = {
  columns: [
    { header: "Name", target: { kind: "field", name: "full_name" } },
    { header: "Mobile", target: { kind: "field", name: "phone" } },
    { header: "Other Mobile", target: { kind: "field", name: "alt_phone" } },
    { header: "Car Interest", target: { kind: "variable", name: "car_interest" } },
  ],
};

describe("targets", () => {
  it("round-trip through their select keys", () => {
    for (const c of mapping.columns) expect(parseTargetKey(targetKey(c.target), c.header)).toEqual(c.target);
    expect(parseTargetKey("ignore", "x")).toEqual({ kind: "ignore" });
    expect(parseTargetKey("field:nonsense", "Budget (KWD)")).toEqual({ kind: "variable", name: "budget_kwd" });
  });

  it("offer every field, the header's variable and ignore", () => {
    const keys = targetOptions("Car Interest").map((o) => o.key);
    expect(keys).toContain("field:phone");
    expect(keys).toContain("variable:car_interest");
    expect(keys.at(-1)).toBe("ignore");
    expect(slug("  رقم الهاتف ")).toBe("رقم_الهاتف");
  });
});

describe("setTarget", () => {
  it("moves a field to another column and frees the old one", () => {
    const m = setTarget(mapping, 2, { kind: "field", name: "phone" });
    expect(m.columns[2]?.target).toEqual({ kind: "field", name: "phone" });
    expect(m.columns[1]?.target).toEqual({ kind: "variable", name: "mobile" });
    expect(mapping.columns[1]?.target).toEqual({ kind: "field", name: "phone" }); // not mutated
  });

  it("a mapping without a phone column is refused with a reason", () => {
    expect(mappingProblem(mapping)).toBeNull();
    expect(mappingProblem(setTarget(mapping, 1, { kind: "ignore" }))).toMatch(/Phone/);
  });
});

describe("progressPercent", () => {
  it.each([
    [null, 0],
    [{ total_rows: 0, rows_scanned: 0, rows_read: 0, committed: 0 }, 0],
    [{ total_rows: 100, rows_scanned: 100, rows_read: 50, committed: 0 }, 25],
    [{ total_rows: 100, rows_scanned: 100, rows_read: 100, committed: 50 }, 75],
    [{ total_rows: 100, rows_scanned: 100, rows_read: 100, committed: 100 }, 100],
    [{ total_rows: 100, rows_scanned: 100, rows_read: 40, committed: 90 }, 90],
  ])("%j → %i", (p, pct) => {
    expect(progressPercent(p)).toBe(pct);
  });
});

describe("isReadingFile", () => {
  it.each([
    [null, false],
    [{ total_rows: 0, rows_scanned: 0, rows_read: 0, committed: 0 }, false],
    [{ total_rows: 0, rows_scanned: 16384, rows_read: 0, committed: 0 }, true],
    [{ total_rows: 20000, rows_scanned: 20000, rows_read: 5000, committed: 0 }, false],
  ])("%j → %s", (p, reading) => {
    expect(isReadingFile(p)).toBe(reading);
  });
});

describe("summarySentence", () => {
  const s: ImportSummary = {
    total: 1200,
    imported: 1100,
    invalid: 50,
    duplicates: 1,
    suppressed: 49,
    errors: [],
    errors_truncated: false,
    cancelled: false,
    header_row: 1,
    mapping,
    source: "CSV",
  };
  it("counts every outcome", () => {
    expect(summarySentence(s)).toBe("1,100 of 1,200 rows imported, 50 invalid, 1 duplicate, 49 on the do-not-call list.");
    expect(summarySentence({ ...s, invalid: 0, duplicates: 0, suppressed: 0, imported: 1200 })).toBe("1,200 of 1,200 rows imported.");
    expect(summarySentence({ ...s, cancelled: true })).toMatch(/cancelled/);
  });
});

describe("looksLikeSheet", () => {
  it("accepts sheet links and ids only", () => {
    expect(looksLikeSheet("https://docs.google.com/spreadsheets/d/1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms/edit#gid=0")).toBe(true);
    expect(looksLikeSheet("1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms")).toBe(true);
    expect(looksLikeSheet("https://example.com/leads.csv")).toBe(false);
    expect(looksLikeSheet("leads")).toBe(false);
  });
});

describe("previewNote", () => {
  const summary = (invalid: number, duplicates: number, suppressed: number) =>
    ({ total: 10, imported: 10 - invalid - duplicates - suppressed, invalid, duplicates, suppressed }) as ImportSummary;
  it("says every row imports when none fails", () => {
    expect(previewNote(2, summary(0, 0, 0))).toBe("The first 2 rows; every row of the file will import.");
  });
  it("counts the skipped rows of the whole file, not only those shown", () => {
    expect(previewNote(50, summary(3, 1, 1))).toBe(
      "The first 50 rows; rows in red will be skipped (the others still import). All 5 skipped rows can be downloaded after the import.",
    );
    expect(previewNote(1, summary(1, 0, 0))).toBe(
      "The first row; rows in red will be skipped (the others still import). All 1 skipped row can be downloaded after the import.",
    );
  });
});
