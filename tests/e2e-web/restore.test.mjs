// Settings › Backup › Restore in Debian's Chromium against a real `callboard serve`: back up the demo data,
// wipe it, restore the backup from the list (the confirmation says what is replaced), see that serve must be
// restarted, restart it, and find the demo data back, the replaced data kept aside, and a "Backup restored"
// attention item. Screenshots of the confirmation and of the staged restore go to artifacts/.
// Run with `CALLBOARD_BIN=/path/to/callboard node --test` (./dev test does).

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const artifacts = join(here, "artifacts");
const CHROMIUM = process.env.CALLBOARD_CHROMIUM || "/usr/bin/chromium";
const START_TIMEOUT_MS = 30_000;

let server;
let serverStderr = "";
let dataDir = "";
let uiUrl = "";
let uiBase = "";
let token = "";
let browser;
let page;

/** Starts `callboard serve` on the test's data dir; resolves once it printed its URLs. */
function startServer(extra = []) {
  const args = ["serve", "--data-dir", dataDir, "--ui-addr", "127.0.0.1:0", "--public-addr", "127.0.0.1:0", ...extra];
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith("CALLBOARD_") && k !== "CALLBOARD_UI_DIR") delete env[k];
  env.CALLBOARD_SECRET_STORE = "file";
  serverStderr = "";
  server = spawn(process.env.CALLBOARD_BIN, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  server.stderr.on("data", (d) => {
    serverStderr += d;
  });
  return new Promise((resolve, reject) => {
    let ui;
    const fail = (why) => {
      clearTimeout(timer);
      reject(new Error(`${why}\n--- server stderr:\n${serverStderr || "(empty)"}`));
    };
    const timer = setTimeout(() => fail("the server did not print its URL in time"), START_TIMEOUT_MS);
    server.on("error", (e) => fail(`cannot start the server: ${e.message}`));
    server.on("exit", (code) => {
      if (!ui) fail(`the server exited early (code ${code})`);
    });
    createInterface({ input: server.stdout }).on("line", (line) => {
      ui ??= line.match(/UI:\s+(\S+)/)?.[1];
      if (ui) {
        clearTimeout(timer);
        uiUrl = ui;
        const u = new URL(ui);
        uiBase = u.origin;
        token = new URLSearchParams(u.hash.slice(1)).get("token") ?? "";
        resolve();
      }
    });
  });
}

async function stopServer() {
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server.once("exit", r));
    server.kill("SIGTERM");
    await exited;
  }
}

async function rpc(cmd, args = {}) {
  const res = await fetch(`${uiBase}/api/rpc`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ cmd, args }),
  });
  const body = await res.json().catch(() => null);
  assert.equal(res.status, 200, `${cmd} answered ${res.status}: ${JSON.stringify(body)}`);
  return body;
}

before(async () => {
  const bin = process.env.CALLBOARD_BIN;
  if (!bin || !existsSync(bin)) throw new Error("CALLBOARD_BIN must point at the built `callboard` binary");
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}`);
  dataDir = mkdtempSync(join(tmpdir(), "callboard-e2e-restore-"));
  await startServer(["--demo"]);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: "light" });
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
  mkdirSync(artifacts, { recursive: true });
});

after(async () => {
  await browser?.close().catch(() => {});
  await stopServer();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test("a backup is restored from Settings after a confirmation and a restart of serve", async () => {
  const demoCampaigns = (await rpc("campaign.list")).map((c) => c.name).sort();
  assert.ok(demoCampaigns.length > 0, "the demo seeded campaigns");
  const backup = await rpc("backup.create");
  await rpc("data.wipe", { confirm: "WIPE EVERYTHING" });
  assert.equal((await rpc("campaign.list")).length, 0);

  await page.goto(uiUrl);
  await page.goto(`${uiBase}/#/settings`);
  const panel = page.getByTestId("restore-panel");
  await panel.scrollIntoViewIfNeeded();
  // The demo backup and the wipe's safety backup.
  await page.getByTestId("backup-row").nth(1).waitFor();
  const row = page.getByTestId("backup-row").filter({ has: page.locator(`td[title="${backup.path}"]`) });
  await row.getByTestId("restore-row").click();
  const warning = page.getByTestId("restore-warning");
  await warning.waitFor();
  const text = await warning.textContent();
  assert.match(text, /\(0 campaigns, 0 contacts, \d+ calls?, 0 recordings\) is replaced by the backup made/);
  assert.match(text, /A safety backup of the current data is taken first/);
  assert.match(text, /stop “callboard serve” and start it again/);
  await page.getByTestId("confirm-dialog").screenshot({ path: join(artifacts, "restore-confirm.png") });
  await page.getByTestId("confirm-ok").click();

  await page.getByTestId("restore-pending").waitFor();
  await page.getByTestId("restart-manual").waitFor();
  assert.equal(await page.getByTestId("restart-now").count(), 0, "serve cannot restart itself");
  await panel.screenshot({ path: join(artifacts, "restore-pending.png") });
  const listed = await rpc("backup.list");
  assert.equal(listed.pending?.created_at, backup.manifest.created_at);
  assert.equal(listed.can_restart, false);
  assert.equal((await rpc("app.restart")).restarting, false);
  // Nothing changes before the restart.
  assert.equal((await rpc("campaign.list")).length, 0);

  await stopServer();
  await startServer();
  assert.deepEqual((await rpc("campaign.list")).map((c) => c.name).sort(), demoCampaigns);
  const attention = await rpc("attention.list");
  assert.ok(
    attention.items.some((i) => i.kind === "backup_restored"),
    `no backup_restored item in ${JSON.stringify(attention.items.map((i) => i.kind))}`,
  );
  assert.equal((await rpc("backup.list")).pending, null);
  assert.ok(!existsSync(join(dataDir, "restore-pending.zip")));
  assert.equal(readdirSync(join(dataDir, "replaced-by-restore")).length, 1, "the replaced data is kept aside");

  await page.goto(uiUrl);
  await page.goto(`${uiBase}/#/settings`);
  await page.getByTestId("backup-row").first().waitFor();
  assert.equal(await page.getByTestId("restore-pending").count(), 0);
});
