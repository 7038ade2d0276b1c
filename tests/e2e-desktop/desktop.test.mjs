// The real desktop window under Xvfb: it opens, shows the UI, its listeners answer, and a screenshot is
// kept in tests/e2e-desktop/artifacts/. Run inside `xvfb-run` (./dev test does) with CALLBOARD_DESKTOP_BIN.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";

const here = dirname(fileURLToPath(import.meta.url));
const artifacts = join(here, "artifacts");

function waitForLine(child, pattern, ms) {
  return new Promise((resolve, reject) => {
    let stderr = "";
    child.stderr.on("data", (d) => { stderr += d; });
    const timer = setTimeout(() => reject(new Error(`no "${pattern}" within ${ms} ms; stderr:\n${stderr}`)), ms);
    createInterface({ input: child.stdout }).on("line", (line) => {
      const m = line.match(pattern);
      if (m) { clearTimeout(timer); resolve(m); }
    });
    child.on("exit", (code) => { clearTimeout(timer); reject(new Error(`exited with ${code}; stderr:\n${stderr}`)); });
  });
}

/** Screenshot of the whole X screen; resolves once it is not a blank screen (the webview has painted). */
async function screenshotWhenPainted(path, ms) {
  const until = Date.now() + ms;
  for (;;) {
    execFileSync("import", ["-window", "root", path]);
    const spread = Number(execFileSync("identify", ["-format", "%[fx:standard_deviation]", path]).toString());
    if (spread > 0.05) return spread;
    if (Date.now() > until) throw new Error(`the window stayed blank (std dev ${spread})`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

test("the desktop window opens, paints the UI and its listeners answer", { timeout: 90_000 }, async () => {
  const bin = process.env.CALLBOARD_DESKTOP_BIN;
  assert.ok(bin && existsSync(bin), "set CALLBOARD_DESKTOP_BIN to the built callboard-desktop binary");
  assert.ok(process.env.DISPLAY, "run under xvfb-run (no DISPLAY)");
  const dataDir = mkdtempSync(join(tmpdir(), "callboard-desktop-"));
  const child = spawn(bin, [], {
    env: {
      ...process.env,
      CALLBOARD_DATA_DIR: dataDir,
      CALLBOARD_UI_ADDR: "127.0.0.1:0",
      CALLBOARD_PUBLIC_ADDR: "127.0.0.1:0",
      CALLBOARD_DEMO: "1",
      // WebKitGTK under Xvfb without a GPU.
      WEBKIT_DISABLE_COMPOSITING_MODE: "1",
      WEBKIT_DISABLE_DMABUF_RENDERER: "1",
      LIBGL_ALWAYS_SOFTWARE: "1",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  try {
    const [, ui, pub] = await waitForLine(child, /ready: UI (\S+) Public (\S+)/, 60_000);
    for (const base of [ui, pub]) {
      const r = await fetch(`${base}/healthz`);
      assert.equal(r.status, 200, `${base}/healthz`);
    }
    // The runtime file tells scripts where the running instance is.
    const runtime = JSON.parse(readFileSync(join(dataDir, "runtime.json"), "utf8"));
    assert.equal(runtime.ui_url, `${ui}/`);
    const rpc = await fetch(`${ui}/api/rpc`, {
      method: "POST",
      headers: { authorization: `Bearer ${runtime.token}`, "content-type": "application/json" },
      body: JSON.stringify({ cmd: "campaign.list", args: {} }),
    });
    assert.equal(rpc.status, 200);
    assert.ok((await rpc.json()).length >= 4, "demo campaigns are there");

    execFileSync("xdotool", ["search", "--sync", "--onlyvisible", "--name", "Callboard"], { timeout: 30_000 });
    mkdirSync(artifacts, { recursive: true });
    await screenshotWhenPainted(join(artifacts, "desktop-window.png"), 30_000);
  } finally {
    child.kill("SIGTERM");
  }
});
