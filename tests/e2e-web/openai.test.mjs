// OpenAI Realtime in Debian's Chromium against a real `callboard serve --demo`: an OpenAI Realtime agent is
// added and edited in Settings (org config, hours, an intake schema that first fails to parse), its prompt is
// previewed, it is chosen to answer Realtime SIP calls, and a signed `realtime.call.incoming` posted to the
// public listener makes the app accept the call at a mock of OpenAI's REST API (CALLBOARD_OPENAI_BASE_URL).
// Run with `CALLBOARD_BIN=/path/to/callboard node --test` (./dev test does).

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHmac } from "node:crypto";
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
const SECRET = "whsec_8oFkRpfw1gPdTmwJXL8yRaGMNGvoBm8VfqulpMsqVco=";
const API_KEY = "sk-e2e-7d1c";

let server;
let serverStderr = "";
let dataDir = "";
let uiUrl = "";
let uiBase = "";
let publicBase = "";
let token = "";
let browser;
let page;
let mock;
const mockHits = [];
let hitWaiter = null;

/** OpenAI's call-control REST API: records each request with its body; 200. */
function startMock() {
  mock = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      mockHits.push({ method: req.method, url: req.url, auth: req.headers.authorization, body });
      hitWaiter?.();
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
    });
  });
  return new Promise((resolve) => mock.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${mock.address().port}`)));
}

function startServer(bin, mockBase) {
  dataDir = mkdtempSync(join(tmpdir(), "callboard-e2e-openai-"));
  const args = ["serve", "--demo", "--data-dir", dataDir, "--ui-addr", "127.0.0.1:0", "--public-addr", "127.0.0.1:0"];
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith("CALLBOARD_") && k !== "CALLBOARD_UI_DIR") delete env[k];
  env.CALLBOARD_SECRET_STORE = "file";
  env.CALLBOARD_OPENAI_BASE_URL = mockBase;
  env.CALLBOARD_OPENAI_API_KEY = API_KEY;
  env.CALLBOARD_OPENAI_WEBHOOK_SECRET = SECRET;
  server = spawn(bin, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  server.stderr.on("data", (d) => {
    serverStderr += d;
  });
  return new Promise((resolve, reject) => {
    let ui;
    let pub;
    const fail = (why) => {
      clearTimeout(timer);
      reject(new Error(`${why}\n--- server stderr:\n${serverStderr || "(empty)"}`));
    };
    const timer = setTimeout(() => fail("the server did not print its URLs in time"), START_TIMEOUT_MS);
    server.on("error", (e) => fail(`cannot start the server: ${e.message}`));
    server.on("exit", (code) => {
      if (!ui || !pub) fail(`the server exited early (code ${code})`);
    });
    createInterface({ input: server.stdout }).on("line", (line) => {
      ui ??= line.match(/UI:\s+(\S+)/)?.[1];
      pub ??= line.match(/Public:\s+(\S+)/)?.[1];
      if (ui && pub) {
        clearTimeout(timer);
        resolve({ ui, pub });
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

/** Waits until the mock has seen a request matching `pred`. */
async function waitForHit(pred, ms = 15_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const hit = mockHits.find(pred);
    if (hit) return hit;
    if (Date.now() > deadline) throw new Error(`the mock saw no such request; it saw ${JSON.stringify(mockHits.map((h) => h.url))}`);
    await new Promise((r) => {
      hitWaiter = r;
      setTimeout(r, deadline - Date.now());
    });
  }
}

before(async () => {
  const bin = process.env.CALLBOARD_BIN;
  if (!bin || !existsSync(bin)) throw new Error("CALLBOARD_BIN must point at the built `callboard` binary");
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}`);
  const urls = await startServer(bin, await startMock());
  uiUrl = urls.ui;
  publicBase = urls.pub.replace(/\/$/, "");
  const u = new URL(uiUrl);
  uiBase = u.origin;
  token = new URLSearchParams(u.hash.slice(1)).get("token") ?? "";
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 1400 }, colorScheme: "light" });
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

test("an OpenAI Realtime agent is edited, previewed, chosen for SIP, and answers a signed incoming call", async () => {
  await page.goto(uiUrl);
  await page.goto(`${uiBase}/#/settings`);
  const panel = page.getByTestId("openai-panel");
  await panel.scrollIntoViewIfNeeded();
  await page.getByTestId("openai-new-name").fill("Harbour Clinic");
  await page.getByTestId("openai-new").click();
  await page.getByTestId("openai-editor").waitFor();

  await page.getByTestId("oa-org-name").fill("Harbour Dental Clinic");
  await page.getByTestId("oa-services").fill("Check-ups\nEmergency extractions");
  await page.getByTestId("oa-policies").fill("Never give medical advice.");
  await page.getByTestId("oa-first-message").fill("Hello, Harbour Dental Clinic, how can I help?");
  for (const input of await page.getByTestId("oa-hours").locator("input").all()) await input.fill("00:00-24:00");

  // A schema that is not JSON is caught in the editor; saving is off until it is fixed.
  const schema = page.getByTestId("oa-schema");
  const good = await schema.inputValue();
  await schema.fill('{"type": "object", "properties": {');
  await page.getByTestId("oa-schema-error").filter({ hasText: "Not valid JSON" }).waitFor();
  assert.equal(await page.getByTestId("oa-save").isDisabled(), true);
  // One the server refuses (not a JSON Schema): the field is named.
  await schema.fill('{"type": "object", "properties": {"urgency": {"type": "colour"}}}');
  await page.getByTestId("oa-save").click();
  await page.getByTestId("oa-error").filter({ hasText: "org.intake_schema" }).waitFor();
  await schema.fill(good);

  await page.getByTestId("oa-preview").click();
  await page.getByTestId("oa-preview-text").filter({ hasText: "phone assistant for Harbour Dental Clinic" }).waitFor();
  await page.getByTestId("oa-save").click();
  await page.getByText("Saved.").waitFor();
  const agents = (await rpc("agent.list")).body;
  const agent = agents.find((a) => a.name === "Harbour Clinic");
  await page.getByTestId("openai-sip-agent").selectOption(String(agent.id));
  for (let i = 0; i < 50 && (await rpc("openai.sip.get")).body.agent_id !== agent.id; i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal((await rpc("openai.sip.get")).body.agent_id, agent.id);
  // Tall enough for the whole panel, so the sticky header does not cover it in the shot.
  await page.setViewportSize({ width: 1280, height: 3000 });
  await panel.screenshot({ path: join(artifacts, "openai-agent-editor.png") });

  // A signed realtime.call.incoming (Standard Webhooks) → accept with the profile's session.
  const body = JSON.stringify({
    object: "event",
    id: "evt_e2e_1",
    type: "realtime.call.incoming",
    created_at: Math.floor(Date.now() / 1000),
    data: { call_id: "rtc_e2e_1", sip_headers: [{ name: "From", value: "<sip:+14155550100@trunk.example.net>" }] },
  });
  const ts = String(Math.floor(Date.now() / 1000));
  const key = Buffer.from(SECRET.slice("whsec_".length), "base64");
  const sig = createHmac("sha256", key).update(`wh_e2e_1.${ts}.${body}`).digest("base64");
  const res = await fetch(`${publicBase}/webhooks/openai`, {
    method: "POST",
    headers: { "content-type": "application/json", "webhook-id": "wh_e2e_1", "webhook-timestamp": ts, "webhook-signature": `v1,${sig}` },
    body,
  });
  assert.equal(res.status, 200);
  const accept = await waitForHit((h) => h.url === "/v1/realtime/calls/rtc_e2e_1/accept");
  assert.equal(accept.auth, `Bearer ${API_KEY}`);
  const session = JSON.parse(accept.body);
  assert.equal(session.type, "realtime");
  assert.match(session.instructions, /Harbour Dental Clinic/);
  assert.match(session.instructions, /Never give medical advice/);

  // A forged one is refused.
  const forged = await fetch(`${publicBase}/webhooks/openai`, {
    method: "POST",
    headers: { "content-type": "application/json", "webhook-id": "wh_e2e_2", "webhook-timestamp": ts, "webhook-signature": "v1,AAAA" },
    body,
  });
  assert.equal(forged.status, 401);

  // The version the call ran with shows in the editor after a reload.
  await page.reload();
  await page.getByTestId(`openai-agent-${agent.id}`).click();
  await page.getByTestId("oa-versions").filter({ hasText: "1 call" }).waitFor();
  await page.getByTestId("openai-panel").screenshot({ path: join(artifacts, "openai-versions.png") });
});
