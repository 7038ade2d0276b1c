import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { CampaignEvent, ImportPreview, ImportSummary } from "../../api/types";
import { setPlatform, type Platform } from "../../platform";
import { ImportWizard } from "./ImportWizard";

const mapping = {
  columns: [
    { header: "Name", target: { kind: "field" as const, name: "full_name" as const } },
    { header: "Mobile", target: { kind: "field" as const, name: "phone" as const } },
  ],
};
const summary: ImportSummary = {
  total: 2,
  imported: 1,
  invalid: 1,
  duplicates: 0,
  suppressed: 0,
  errors: [{ row: 3, code: "INVALID_PHONE", message: "'12345' is not a valid phone number" }],
  errors_truncated: false,
  cancelled: false,
  header_row: 1,
  mapping,
  source: "CSV, UTF-8, comma",
};
const preview: ImportPreview = {
  summary,
  signature: "s",
  rows: [
    { row: 2, code: null, message: "", phone_e164: "+96555123456", name: "Ali", time_zone: "Asia/Kuwait" },
    { row: 3, code: "INVALID_PHONE", message: "'12345' is not a valid phone number", phone_e164: "", name: "", time_zone: "" },
  ],
};

function fakePlatform() {
  let handler: ((e: CampaignEvent[]) => void) | null = null;
  const calls: [string, Record<string, unknown>][] = [];
  const p: Platform = {
    transport: "browser",
    async call<T>(cmd: string, args: object = {}): Promise<T> {
      calls.push([cmd, args as Record<string, unknown>]);
      const answers: Record<string, unknown> = {
        "campaign.list": [{ id: 7, name: "Spring" }],
        "import.preview": preview,
        "import.commit": { import_id: 41 },
        "import.status": { import_id: 41, campaign_id: 7, state: "done", summary },
        "import.errors": { import_id: 41, filename: "import-41-errors.csv", rows: 1, csv: "Error row\n" },
        "import.fetch_sheet": { upload_id: "s1", name: "Leads.csv", bytes: 10, rows: 3 },
        "import.sheets_account": { client_email: "importer@acme.iam.gserviceaccount.com", source: "keychain", problem: null, api_key_from_env: false },
      };
      return answers[cmd] as T;
    },
    subscribe(h) {
      handler = h;
      return () => (handler = null);
    },
    onConnection: () => () => {},
    saveFile: async () => null,
    upload: vi.fn(async (f: File) => ({ upload_id: "u1", name: f.name, bytes: f.size })),
  };
  return { p, calls, emit: (e: CampaignEvent[]) => handler?.(e) };
}

afterEach(() => setPlatform(null));

describe("ImportWizard", () => {
  it("walks file → columns → preview (bad rows highlighted) → progress → summary", async () => {
    const fake = fakePlatform();
    setPlatform(fake.p);
    const onDone = vi.fn();
    const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    render(
      <QueryClientProvider client={qc}>
        <ImportWizard onClose={() => {}} onDone={onDone} />
      </QueryClientProvider>,
    );
    await waitFor(() => expect((screen.getByTestId("import-campaign") as HTMLSelectElement).value).toBe("7"));
    const file = new File(["Name,Mobile\nAli,55123456\nBad,12345\n"], "leads.csv", { type: "text/csv" });
    fireEvent.change(screen.getByTestId("import-file"), { target: { files: [file] } });
    fireEvent.click(screen.getByTestId("import-next"));

    await screen.findByTestId("mapping-table");
    expect(vi.mocked(fake.p.upload).mock.calls[0]?.[0]).toBe(file);
    expect(fake.calls.find(([c]) => c === "import.preview")?.[1]).toMatchObject({ upload_id: "u1", campaign_id: 7, region: "KW", header_only: true });
    // Moving the phone to the Name column frees Mobile; the mapping goes with the next preview.
    fireEvent.change(screen.getByTestId("mapping-select-1"), { target: { value: "field:alt_phone" } });
    expect(screen.getByText(/Map one column to Phone/)).toBeTruthy();
    fireEvent.change(screen.getByTestId("mapping-select-1"), { target: { value: "field:phone" } });
    fireEvent.click(screen.getByTestId("import-to-preview"));

    const rows = await screen.findAllByTestId("preview-row");
    expect(rows.map((r) => r.getAttribute("data-bad"))).toEqual(["false", "true"]);
    expect(rows[1]?.className).toContain("row-bad");
    expect(rows[1]?.textContent).toContain("INVALID_PHONE");
    expect(fake.calls.filter(([c]) => c === "import.preview").at(-1)?.[1]).toHaveProperty("mapping");
    expect(fake.calls.filter(([c]) => c === "import.preview").at(-1)?.[1]).not.toHaveProperty("header_only");

    // The finish event may come before import.commit answers: it must not be lost.
    fireEvent.click(screen.getByTestId("import-commit"));
    await screen.findByTestId("import-progress");
    // A big workbook's first pass reads the whole sheet before a row is checked: the user sees it count.
    act(() => fake.emit([{ type: "import_progress", import_id: 41, campaign_id: 7, progress: { total_rows: 0, rows_scanned: 16384, rows_read: 0, committed: 0 } }]));
    expect(screen.getByTestId("import-progress").textContent).toContain("Reading the file…");
    expect(screen.getByTestId("import-progress").textContent).toContain("16,384");
    expect(screen.getByTestId("import-progress").textContent).toContain("Rows read so far");
    act(() => fake.emit([{ type: "import_progress", import_id: 41, campaign_id: 7, progress: { total_rows: 2, rows_scanned: 2, rows_read: 2, committed: 0 } }]));
    expect(screen.getByTestId("import-progress").textContent).toContain("Importing…");
    expect(screen.getByRole("progressbar").getAttribute("aria-valuenow")).toBe("50");
    act(() => fake.emit([{ type: "import_finished", import_id: 41, campaign_id: 7, summary, error: null }]));

    expect((await screen.findByTestId("import-summary-text")).textContent).toBe("1 of 2 rows imported, 1 invalid.");
    expect(screen.getByTestId("import-errors").textContent).toContain("Row 3");
    fireEvent.click(screen.getByTestId("import-done"));
    expect(onDone).toHaveBeenCalledWith(7);
  });

  it("reads a Google Sheet link into an upload and previews it like a file", async () => {
    const fake = fakePlatform();
    setPlatform(fake.p);
    render(
      <QueryClientProvider client={new QueryClient()}>
        <ImportWizard campaignId={7} onClose={() => {}} onDone={() => {}} />
      </QueryClientProvider>,
    );
    const next = screen.getByTestId("import-next") as HTMLButtonElement;
    // The saved service account is named, so the user knows whom to share the sheet with.
    await waitFor(() => expect(screen.getByTestId("import-sheet-hint").textContent).toContain("importer@acme.iam.gserviceaccount.com"));
    fireEvent.change(screen.getByTestId("import-sheet-url"), { target: { value: "https://example.com/x.csv" } });
    expect(next.disabled).toBe(true);
    const link = "https://docs.google.com/spreadsheets/d/1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms/edit#gid=0";
    fireEvent.change(screen.getByTestId("import-sheet-url"), { target: { value: link } });
    fireEvent.change(screen.getByTestId("import-sheet-key"), { target: { value: "AIza-k" } });
    fireEvent.click(next);
    await screen.findByTestId("mapping-table");
    expect(fake.calls.find(([c]) => c === "import.fetch_sheet")?.[1]).toEqual({ sheet: link, api_key: "AIza-k" });
    expect(fake.calls.find(([c]) => c === "import.preview")?.[1]).toMatchObject({ upload_id: "s1", campaign_id: 7 });
    expect(screen.getByText(/Google Sheet “Leads”/)).toBeTruthy();
  });

  it("shows the core's error with its code and stays on the step", async () => {
    const fake = fakePlatform();
    fake.p.upload = async () => {
      throw Object.assign(new Error("leads.xlsx: the workbook is password-protected"), { code: "validation" });
    };
    setPlatform(fake.p);
    const qc = new QueryClient();
    render(
      <QueryClientProvider client={qc}>
        <ImportWizard campaignId={7} onClose={() => {}} onDone={() => {}} />
      </QueryClientProvider>,
    );
    fireEvent.change(screen.getByTestId("import-file"), { target: { files: [new File(["x"], "leads.xlsx")] } });
    fireEvent.click(screen.getByTestId("import-next"));
    expect((await screen.findByTestId("import-error")).textContent).toContain("password-protected");
    expect(screen.queryByTestId("mapping-table")).toBeNull();
  });
});
