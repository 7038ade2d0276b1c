import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { BackupList, RestorePreview } from "../../api/types";
import { setPlatform, type Platform } from "../../platform";
import { RestorePanel, restoreWarning } from "./RestorePanel";

const MANIFEST = { format: 1, app_version: "0.1.0", schema_version: 12, created_at: "2026-11-20T10:00:00.000000Z", recordings: 3 };

/** A fake core for the backup commands, keeping the staged restore like the real one. */
function fakeCore(canRestart: boolean) {
  let pending: BackupList["pending"] = null;
  const calls: string[] = [];
  const handlers: Record<string, (a: Record<string, unknown>) => unknown> = {
    "backup.list": (): BackupList => ({
      dir: "/data/backups",
      backups: [
        { path: "/data/backups/callboard-backup-2026-11-20.zip", file_name: "callboard-backup-2026-11-20.zip", bytes: 2 * 1024 * 1024, manifest: MANIFEST },
        { path: "/data/backups/callboard-backup-broken.zip", file_name: "callboard-backup-broken.zip", bytes: 10, manifest: null },
      ],
      pending,
      can_restart: canRestart,
    }),
    "backup.inspect": (a): RestorePreview => {
      if (a.path === "/nope.zip") throw { code: "not_found", message: "no backup archive at '/nope.zip'" };
      return { path: String(a.path), bytes: 2048, manifest: MANIFEST, current: { campaigns: 4, contacts: 1200, calls: 1, recordings: 0 } };
    },
    "backup.restore": () => {
      pending = MANIFEST;
      return { manifest: MANIFEST, safety_backup: "/data/backups/callboard-backup-safety.zip", can_restart: canRestart, message: "staged" };
    },
    "backup.restore_cancel": () => {
      pending = null;
      return { cancelled: true };
    },
    "app.restart": () => ({ restarting: canRestart }),
  };
  const platform: Platform = {
    transport: "browser",
    call: vi.fn(async (cmd: string, args: object = {}) => {
      calls.push(cmd);
      const h = handlers[cmd];
      if (!h) throw { code: "unknown_command", message: cmd };
      return h(args as Record<string, unknown>);
    }) as Platform["call"],
    subscribe: () => () => {},
    onConnection: () => () => {},
    upload: async () => {
      throw new Error("no uploads");
    },
  } as unknown as Platform;
  return { platform, calls };
}

function renderPanel(canRestart: boolean) {
  const core = fakeCore(canRestart);
  setPlatform(core.platform);
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  render(
    <QueryClientProvider client={qc}>
      <RestorePanel />
    </QueryClientProvider>,
  );
  return core;
}

afterEach(() => setPlatform(null));

describe("RestorePanel", () => {
  it("lists recent backups and marks a damaged one", async () => {
    renderPanel(true);
    const rows = await screen.findAllByTestId("backup-row");
    expect(rows).toHaveLength(2);
    expect(rows[0].textContent).toContain("2.0 MB");
    expect(rows[1].textContent).toContain("damaged");
    const buttons = screen.getAllByTestId("restore-row") as HTMLButtonElement[];
    expect(buttons[0].disabled).toBe(false);
    expect(buttons[1].disabled).toBe(true);
  });

  it("confirms what is replaced, stages the restore, and restarts the desktop app", async () => {
    const core = renderPanel(true);
    fireEvent.click((await screen.findAllByTestId("restore-row"))[0]);
    const warning = await screen.findByTestId("restore-warning");
    expect(warning.textContent).toContain("4 campaigns, 1,200 contacts, 1 call, 0 recordings");
    expect(warning.textContent).toContain("restarts to finish");
    expect(core.calls).not.toContain("backup.restore");
    fireEvent.click(screen.getByTestId("confirm-ok"));
    const pending = await screen.findByTestId("restore-pending");
    expect(pending.textContent).toContain("callboard-backup-safety.zip");
    fireEvent.click(screen.getByTestId("restart-now"));
    await waitFor(() => expect(core.calls).toContain("app.restart"));
    expect(await screen.findByText("Restarting…")).toBeTruthy();
  });

  it("tells a serve user to restart by hand, and can cancel", async () => {
    const core = renderPanel(false);
    fireEvent.click((await screen.findAllByTestId("restore-row"))[0]);
    expect((await screen.findByTestId("restore-warning")).textContent).toContain("start it again");
    fireEvent.click(screen.getByTestId("confirm-ok"));
    expect((await screen.findByTestId("restart-manual")).textContent).toContain("callboard serve");
    expect(screen.queryByTestId("restart-now")).toBeNull();
    fireEvent.click(screen.getByTestId("restore-cancel"));
    await waitFor(() => expect(screen.queryByTestId("restore-pending")).toBeNull());
    expect(core.calls).toContain("backup.restore_cancel");
  });

  it("shows why a typed path cannot be restored", async () => {
    const core = renderPanel(true);
    await screen.findAllByTestId("backup-row");
    fireEvent.change(screen.getByTestId("restore-path"), { target: { value: "/nope.zip" } });
    fireEvent.click(screen.getByTestId("restore-path-open"));
    expect((await screen.findByTestId("restore-error")).textContent).toContain("no backup archive at '/nope.zip'");
    expect(screen.queryByTestId("restore-warning")).toBeNull();
    expect(core.calls).not.toContain("backup.restore");
  });
});

describe("restoreWarning", () => {
  it("names singular counts and the manifest", () => {
    const text = restoreWarning({ path: "/x.zip", bytes: 1, manifest: { ...MANIFEST, recordings: 1 }, current: { campaigns: 1, contacts: 0, calls: 2, recordings: 1 } }, false);
    expect(text).toContain("1 campaign, 0 contacts, 2 calls, 1 recording)");
    expect(text).toContain("with 1 recording.");
    expect(text).toContain("Callboard 0.1.0");
  });
});
