// Restoring a backup in the real desktop app: back up the demo data, wipe it, stage the backup through
// `backup.restore` (the desktop app says it can restart itself), then `app.restart`: the app restarts, the
// new process applies the staged archive before it opens the store, and the demo campaigns are back with a
// "Backup restored" attention item. Run inside `xvfb-run` (./dev test does) with CALLBOARD_DESKTOP_BIN.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function waitForLine(child, pattern, ms) {
  return new Promise((resolve, reject) => {
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => reject(new Error(`no "${pattern}" within ${ms} ms; stderr:\n${stderr}`)), ms);
    createInterface({ input: child.stdout }).on("line", (line) => {
      const m = line.match(pattern);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
  });
}

function runtime(dataDir) {
  try {
    return JSON.parse(readFileSync(join(dataDir, "runtime.json"), "utf8"));
  } catch {
    return null;
  }
}

async function rpc(info, cmd, args = {}) {
  const r = await fetch(`${info.ui_url.replace(/\/$/, "")}/api/rpc`, {
    method: "POST",
    headers: { authorization: `Bearer ${info.token}`, "content-type": "application/json" },
    body: JSON.stringify({ cmd, args }),
  });
  const body = await r.json();
  assert.equal(r.status, 200, `${cmd}: ${JSON.stringify(body)}`);
  return body;
}

test("a staged restore is finished by the desktop app restarting itself", { timeout: 180_000 }, async () => {
  const bin = process.env.CALLBOARD_DESKTOP_BIN;
  assert.ok(bin && existsSync(bin), "set CALLBOARD_DESKTOP_BIN to the built callboard-desktop binary");
  assert.ok(process.env.DISPLAY, "run under xvfb-run (no DISPLAY)");
  const dataDir = mkdtempSync(join(tmpdir(), "callboard-desktop-restore-"));
  const child = spawn(bin, [], {
    env: {
      ...process.env,
      CALLBOARD_DATA_DIR: dataDir,
      CALLBOARD_UI_ADDR: "127.0.0.1:0",
      CALLBOARD_PUBLIC_ADDR: "127.0.0.1:0",
      CALLBOARD_DEMO: "1",
      CALLBOARD_SECRET_STORE: "file",
      WEBKIT_DISABLE_COMPOSITING_MODE: "1",
      WEBKIT_DISABLE_DMABUF_RENDERER: "1",
      LIBGL_ALWAYS_SOFTWARE: "1",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise((r) => child.once("exit", r));
  let restartedPid = null;
  try {
    await waitForLine(child, /ready: UI (\S+) Public (\S+)/, 60_000);
    const first = runtime(dataDir);
    assert.ok(first, "runtime.json is written");
    const demo = (await rpc(first, "campaign.list")).map((c) => c.name).sort();
    assert.ok(demo.length > 0);
    const backup = await rpc(first, "backup.create");
    await rpc(first, "data.wipe", { confirm: "WIPE EVERYTHING" });
    assert.equal((await rpc(first, "campaign.list")).length, 0);
    const staged = await rpc(first, "backup.restore", { path: backup.path });
    assert.equal(staged.can_restart, true, "the desktop app restarts itself");
    assert.equal((await rpc(first, "backup.list")).can_restart, true);
    assert.equal((await rpc(first, "app.restart")).restarting, true);

    // The first process goes; a new one takes its place on the same data dir.
    await Promise.race([exited, sleep(30_000).then(() => assert.fail("the app did not exit to restart"))]);
    let next = null;
    const until = Date.now() + 90_000;
    while (Date.now() < until) {
      const info = runtime(dataDir);
      if (info && info.pid !== first.pid) {
        const ok = await fetch(`${info.ui_url.replace(/\/$/, "")}/healthz`).then((r) => r.ok, () => false);
        if (ok) {
          next = info;
          break;
        }
      }
      await sleep(500);
    }
    assert.ok(next, "the restarted app did not come up");
    restartedPid = next.pid;
    assert.deepEqual((await rpc(next, "campaign.list")).map((c) => c.name).sort(), demo);
    const items = (await rpc(next, "attention.list")).items;
    assert.ok(items.some((i) => i.kind === "backup_restored"), JSON.stringify(items.map((i) => i.kind)));
    assert.equal((await rpc(next, "backup.list")).pending, null);
  } finally {
    child.kill("SIGTERM");
    if (restartedPid) {
      try {
        process.kill(restartedPid, "SIGTERM");
      } catch {
        // already gone
      }
    }
  }
});
