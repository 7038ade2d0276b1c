// Settings › Twilio and Settings › Exotel, and a campaign on a carrier, in Debian's Chromium against a real
// `callboard serve` on a fresh data dir. The carriers' APIs are a mock server this test starts
// (CALLBOARD_TWILIO_BASE_URL / CALLBOARD_EXOTEL_BASE_URL) and secrets live in the encrypted-file store. Saves
// Twilio's keys and a caller number through the panel, tests the connection, watches the status chip turn
// ready without a restart, then shows the campaign form warning about the unconfigured Exotel and the start
// of a Twilio campaign refused until it has an agent. Screenshots go to artifacts/.
// Run with `CALLBOARD_BIN=/path/to/callboard node --test` (./dev test does).

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const artifacts = join(here, "artifacts");
const CHROMIUM = process.env.CALLBOARD_CHROMIUM || "/usr/bin/chromium";
const START_TIMEOUT_MS = 30_000;
const SID = "AC0e2e0000000000000000000000000001";
const TOKEN = "tw-e2e-7c1d33";

let server;
let serverStderr = "";
let dataDir = "";
let uiUrl = "";
let uiBase = "";
let token = "";
let browser;
let page;
let mock;
const mockHits = [];

/** Twilio's `GET /2010-04-01/Accounts/{sid}.json`: 200 for SID:TOKEN, 401 otherwise. */
function startMockProviders() {
  mock = createServer((req, res) => {
    mockHits.push(`${req.method} ${req.url}`);
    const json = (status, body) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const good = `Basic ${Buffer.from(`${SID}:${TOKEN}`).toString("base64")}`;
    if (req.url === `/2010-04-01/Accounts/${SID}.json`) {
      return req.headers.authorization === good ? json(200, { friendly_name: "Dealer One", status: "active" }) : json(401, { code: 20003 });
    }
    json(404, { detail: "not mocked" });
  });
  return new Promise((resolve) => mock.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${mock.address().port}`)));
}

function startServer(bin, mockBase) {
  dataDir = mkdtempSync(join(tmpdir(), "callboard-e2e-carriers-"));
  const args = ["serve", "--data-dir", dataDir, "--ui-addr", "127.0.0.1:0", "--public-addr", "127.0.0.1:0"];
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith("CALLBOARD_") && k !== "CALLBOARD_UI_DIR") delete env[k];
  env.CALLBOARD_SECRET_STORE = "file";
  for (const p of ["TWILIO", "EXOTEL"]) env[`CALLBOARD_${p}_BASE_URL`] = mockBase;
  server = spawn(bin, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  server.stderr.on("data", (d) => {
    serverStderr += d;
  });
  return new Promise((resolve, reject) => {
    let ui;
    const fail = (why) => {
      clearTimeout(timer);
      reject(new Error(`${why}\n--- server stderr:\n${serverStderr || "(empty)"}`));
    };
    const timer = setTimeout(() => fail("the server did not print its URLs in time"), START_TIMEOUT_MS);
    server.on("error", (e) => fail(`cannot start the server: ${e.message}`));
    server.on("exit", (code) => {
      if (!ui) fail(`the server exited early (code ${code})`);
    });
    createInterface({ input: server.stdout }).on("line", (line) => {
      ui ??= line.match(/UI:\s+(\S+)/)?.[1];
      if (ui) {
        clearTimeout(timer);
        resolve(ui);
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
  if (!bin || !existsSync(bin)) throw new Error("CALLBOARD_BIN must point at the built `callboard` binary");
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}`);
  const mockBase = await startMockProviders();
  uiUrl = await startServer(bin, mockBase);
  const u = new URL(uiUrl);
  uiBase = u.origin;
  token = new URLSearchParams(u.hash.slice(1)).get("token") ?? "";
  // Past the first-run wizard: this test is about the provider panels.
  assert.equal((await rpc("settings.update", { setup_done: true })).status, 200);
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
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server.once("exit", r));
    server.kill("SIGTERM");
    await exited;
  }
  mock?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test("Settings › Twilio: keys, connection test and a caller number make it ready without a restart", async () => {
  await page.goto(uiUrl);
  await page.goto(`${uiBase}/#/settings`);
  const panel = page.getByTestId("carrier-panel-twilio");
  await panel.scrollIntoViewIfNeeded();
  await panel.getByTestId("carrier-chip-twilio").filter({ hasText: "Not configured: Account SID and Auth token missing" }).waitFor();
  await panel.screenshot({ path: join(artifacts, "carrier-twilio-empty.png") });

  await panel.getByTestId("secret-input-twilio.account_sid").fill(SID);
  await panel.getByTestId("secret-save-twilio.account_sid").click();
  await panel.getByTestId("secret-state-twilio.account_sid").filter({ hasText: "encrypted file" }).waitFor();
  await panel.getByTestId("carrier-chip-twilio").filter({ hasText: "Auth token missing" }).waitFor();
  await panel.getByTestId("secret-input-twilio.auth_token").fill(TOKEN);
  await panel.getByTestId("secret-save-twilio.auth_token").click();
  await panel.getByTestId("carrier-chip-twilio").filter({ hasText: "Ready" }).waitFor();

  await panel.getByTestId("provider-test-twilio").click();
  await panel.getByTestId("provider-result-twilio").filter({ hasText: "Connected to Twilio: Dealer One" }).waitFor();
  assert.ok(mockHits.includes(`GET /2010-04-01/Accounts/${SID}.json`), "the test called the mock Twilio");

  await panel.getByTestId("carrier-twilio-numbers").fill("555 0100");
  await panel.getByTestId("carrier-save-twilio").click();
  await panel.getByTestId("field-error-twilio-from-numbers").filter({ hasText: "not a phone number" }).waitFor();
  await panel.getByTestId("carrier-twilio-numbers").fill("+1 415 555 0100\n+14155550111");
  await panel.getByTestId("carrier-save-twilio").click();
  await panel.getByText("Saved; the next call uses it.").waitFor();
  assert.equal(await panel.getByTestId("carrier-twilio-numbers").inputValue(), "+14155550100\n+14155550111");
  await panel.screenshot({ path: join(artifacts, "carrier-twilio-ready.png") });

  const exotel = page.getByTestId("carrier-panel-exotel");
  await exotel.scrollIntoViewIfNeeded();
  await exotel.getByTestId("carrier-chip-exotel").filter({ hasText: "flow id missing" }).waitFor();
  await exotel.getByTestId("carrier-env-exotel").filter({ hasText: "API base URL" }).waitFor();
  await exotel.screenshot({ path: join(artifacts, "carrier-exotel.png") });

  const { body } = await rpc("carrier.status");
  const tw = body.carriers.find((c) => c.provider === "twilio");
  assert.equal(tw.configured, true);
  assert.deepEqual(tw.numbers, ["+14155550100", "+14155550111"]);
  assert.equal(body.live, true);
});

test("a campaign on a carrier: the form warns about Exotel, and Twilio starts only with an agent", async () => {
  await page.goto(`${uiBase}/#/campaigns`);
  await page.getByTestId("page-title").waitFor();
  await page.getByTestId("campaign-new").first().click();
  await page.getByTestId("campaign-form").waitFor();
  await page.getByTestId("campaign-provider").selectOption("exotel");
  await page.getByTestId("campaign-carrier-notice").filter({ hasText: "Exotel is not configured" }).waitFor();
  await page.screenshot({ path: join(artifacts, "campaign-form-exotel.png") });
  await page.getByTestId("campaign-provider").selectOption("twilio");
  await page.getByTestId("campaign-carrier-notice").waitFor({ state: "detached" });
  assert.match(await page.getByTestId("campaign-from").getAttribute("placeholder"), /Default: \+14155550100/);
  await page.getByTestId("campaign-name").fill("Test drives (Twilio)");
  await page.getByTestId("campaign-submit").click();
  await page.getByTestId("campaign-form").waitFor({ state: "detached" });

  const { body: list } = await rpc("campaign.list");
  const c = list.find((x) => x.name === "Test drives (Twilio)");
  assert.equal(c.provider, "twilio");
  const refused = await rpc("campaign.start", { id: c.id });
  assert.equal(refused.status, 422);
  assert.equal(refused.body.fields[0].field, "agent_id");
  assert.match(refused.body.message, /AI agent that Twilio calls are bridged to/);
});
