// The import wizard in Debian's Chromium against a real `callboard serve --demo` (its own server and data dir,
// so it does not disturb app.test.mjs): upload a CSV with a bad row, see it highlighted in the preview,
// import it, read the summary, download the errors, and find the new contact on the Contacts page.
// Run with `CALLBOARD_BIN=/path/to/callboard node --test`. Screenshots land in tests/e2e-web/artifacts/.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
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
let context;
const pageErrors = [];

function startServer(bin) {
  dataDir = mkdtempSync(join(tmpdir(), "callboard-e2e-import-"));
  const args = ["serve", "--demo", "--data-dir", dataDir, "--ui-addr", "127.0.0.1:0", "--public-addr", "127.0.0.1:0"];
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith("CALLBOARD_") && k !== "CALLBOARD_UI_DIR") delete env[k];
  server = spawn(bin, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  server.stderr.on("data", (d) => {
    serverStderr += d;
  });
  return new Promise((resolve, reject) => {
    const fail = (why) => {
      clearTimeout(timer);
      reject(new Error(`${why}\n--- server stderr:\n${serverStderr || "(empty)"}`));
    };
    const timer = setTimeout(() => fail(`the server did not print its UI URL within ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS);
    server.on("error", (e) => fail(`cannot start the server: ${e.message}`));
    server.on("exit", (code) => {
      if (!uiUrl) fail(`the server exited early (code ${code})`);
    });
    createInterface({ input: server.stdout }).on("line", (line) => {
      const ui = line.match(/UI:\s+(\S+)/)?.[1];
      if (ui && !uiUrl) {
        uiUrl = ui;
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

async function rpc(cmd, args = {}) {
  const res = await fetch(`${uiBase}/api/rpc`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ cmd, args }),
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}

before(async () => {
  const bin = process.env.CALLBOARD_BIN;
  if (!bin) throw new Error("CALLBOARD_BIN is not set: point it at the built `callboard` binary");
  if (!existsSync(bin)) throw new Error(`CALLBOARD_BIN=${bin} does not exist; build it with cargo build -p callboard-cli`);
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}; install Debian's chromium package`);
  await startServer(bin);
  const u = new URL(uiUrl);
  uiBase = u.origin;
  token = new URLSearchParams(u.hash.slice(1)).get("token") ?? "";
  assert.ok(token, `the printed UI URL carries a token: ${uiUrl}`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
  });
  context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: "light", acceptDownloads: true });
  mkdirSync(artifacts, { recursive: true });
});

after(async () => {
  await browser?.close().catch(() => {});
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server.once("exit", r));
    server.kill("SIGTERM");
    const timer = setTimeout(() => server.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const CSV = "Name,Mobile,Car Interest\nLayla Import,+965 6600 1234,SUV\nBroken Row,12345,Sedan\nOmar Import,66001235,Truck\n";

test("the import wizard: upload, highlighted bad row, progress, summary, errors download, contact listed", async () => {
  const created = await rpc("campaign.create", { name: "E2E import", time_zone: "Asia/Kuwait" });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const campaignId = created.body.id;

  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on("pageerror", (e) => pageErrors.push(e.message));
  await page.goto(uiUrl.replace("#token=", "#/contacts?token="));
  await page.getByTestId("contacts-import").click();
  const wizard = page.getByTestId("import-wizard");
  await wizard.waitFor();
  await page.getByTestId("import-campaign").selectOption(String(campaignId));
  await page.getByTestId("import-file").setInputFiles({ name: "leads.csv", mimeType: "text/csv", buffer: Buffer.from(CSV) });
  await page.getByTestId("import-next").click();

  // Columns: found by synonyms; the extra column becomes a variable.
  await page.getByTestId("mapping-table").waitFor();
  assert.equal(await page.getByTestId("mapping-select-1").inputValue(), "field:phone");
  assert.equal(await page.getByTestId("mapping-select-2").inputValue(), "variable:car_interest");
  await page.getByTestId("import-to-preview").click();

  // Preview: the bad row is highlighted with its code and message, the good ones are not.
  const rows = page.getByTestId("preview-row");
  await rows.first().waitFor();
  assert.equal(await rows.count(), 3);
  const bad = page.locator('[data-testid="preview-row"][data-bad="true"]');
  assert.equal(await bad.count(), 1);
  assert.equal(await bad.getAttribute("data-row"), "3");
  assert.equal(await bad.getByTestId("preview-code").textContent(), "INVALID_PHONE");
  assert.match(await bad.textContent(), /12345/);
  const background = await bad.locator("td").first().evaluate((el) => getComputedStyle(el).backgroundColor);
  assert.notEqual(background, "rgba(0, 0, 0, 0)", "the bad row has a highlight");
  await page.screenshot({ path: join(artifacts, "import-preview.png") });

  await page.getByTestId("import-commit").click();
  const summary = page.getByTestId("import-summary-text");
  await summary.waitFor();
  assert.equal(await summary.textContent(), "2 of 3 rows imported, 1 invalid.");
  assert.equal(await page.getByRole("progressbar").getAttribute("aria-valuenow"), "100");
  await page.screenshot({ path: join(artifacts, "import-summary.png") });

  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("import-download-errors").click()]);
  assert.match(download.suggestedFilename(), /^import-\d+-errors\.csv$/);
  const csv = readFileSync(await download.path(), "utf8").replace(/^\uFEFF/, "");
  const lines = csv.trim().split(/\r?\n/);
  assert.equal(lines[0], "Error row,Error code,Error message,Name,Mobile,Car Interest");
  assert.match(lines[1], /^3,INVALID_PHONE,.*,Broken Row,12345,Sedan$/);

  // The Contacts page, filtered on the campaign, lists the new contacts.
  await page.getByTestId("import-done").click();
  await wizard.waitFor({ state: "detached" });
  assert.equal(await page.getByTestId("contacts-campaign").inputValue(), String(campaignId));
  const layla = page.locator('[data-testid="contact-row"][data-phone="+96566001234"]');
  await layla.waitFor();
  assert.match(await layla.textContent(), /Layla Import/);
  assert.match(await layla.textContent(), /car_interest: SUV/);
  await page.getByTestId("contacts-total").filter({ hasText: "2 contacts" }).waitFor();

  // Search reaches every contact, not just the campaign's.
  await page.getByTestId("contacts-campaign").selectOption("");
  await page.getByTestId("contacts-search").fill("66001235");
  await page.locator('[data-testid="contact-row"][data-phone="+96566001235"]').waitFor();
  await page.getByTestId("contacts-total").filter({ hasText: "1 contact" }).waitFor();
  await page.screenshot({ path: join(artifacts, "contacts-search.png") });
  await page.close();
});

test("no uncaught errors in the import pages", () => {
  assert.deepEqual(pageErrors, []);
});
