// OpenAI Realtime in Debian's Chromium against a real `callboard serve --demo`: an OpenAI Realtime agent is
// added and edited in Settings (org config, hours, an intake schema that first fails to parse), its prompt is
// previewed, it is chosen to answer Realtime SIP calls, and a signed `realtime.call.incoming` posted to the
// public listener makes the app accept the call at a mock of OpenAI's REST API (CALLBOARD_OPENAI_BASE_URL).
// Run with `CALLBOARD_BIN=/path/to/callboard node --test` (./dev test does).

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { join } from "node:path";
import { Serve, artifacts, launchBrowser, startMock } from "./harness.mjs";

const SECRET = "whsec_8oFkRpfw1gPdTmwJXL8yRaGMNGvoBm8VfqulpMsqVco=";
const API_KEY = "sk-e2e-7d1c";

const serve = new Serve("openai");
const rpc = (cmd, args) => serve.rpc(cmd, args);
let browser;
let page;
let mock;

before(async () => {
  // OpenAI's REST API: every call succeeds; the test reads what was sent.
  mock = await startMock((_req, _body, reply) => reply(200, {}));
  await serve.start(["--demo"], {
    CALLBOARD_SECRET_STORE: "file",
    CALLBOARD_OPENAI_BASE_URL: mock.base,
    CALLBOARD_OPENAI_API_KEY: API_KEY,
    CALLBOARD_OPENAI_WEBHOOK_SECRET: SECRET,
  });
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1280, height: 1400 }, colorScheme: "light" });
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
});

after(async () => {
  await browser?.close().catch(() => {});
  await serve.remove();
  await mock?.close();
});

test("an OpenAI Realtime agent is edited, previewed, chosen for SIP, and answers a signed incoming call", async () => {
  await page.goto(serve.uiUrl);
  await page.goto(`${serve.uiBase}/#/settings`);
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
  const res = await fetch(`${serve.publicBase}/webhooks/openai`, {
    method: "POST",
    headers: { "content-type": "application/json", "webhook-id": "wh_e2e_1", "webhook-timestamp": ts, "webhook-signature": `v1,${sig}` },
    body,
  });
  assert.equal(res.status, 200);
  const accept = await mock.waitForHit((h) => h.url === "/v1/realtime/calls/rtc_e2e_1/accept");
  assert.equal(accept.headers.authorization, `Bearer ${API_KEY}`);
  const session = JSON.parse(accept.body);
  assert.equal(session.type, "realtime");
  assert.match(session.instructions, /Harbour Dental Clinic/);
  assert.match(session.instructions, /Never give medical advice/);

  // A forged one is refused.
  const forged = await fetch(`${serve.publicBase}/webhooks/openai`, {
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

test("an agent's recording disclosure is set in Settings and kept", async () => {
  await page.goto(serve.uiUrl);
  await page.goto(`${serve.uiBase}/#/settings`);
  const card = page.getByTestId("disclosure-card");
  await card.scrollIntoViewIfNeeded();
  const agents = await serve.call("agent.list");
  const sara = agents.find((a) => a.disclosure) ?? agents[0];
  const row = card.locator(`[data-testid="disclosure-agent"][data-agent-id="${sara.id}"]`);
  assert.equal(await row.getByTestId("disclosure-input").inputValue(), sara.disclosure);
  await row.getByTestId("disclosure-input").fill("  Calls are recorded to train our staff.  ");
  await row.getByTestId("disclosure-save").click();
  await page.waitForFunction(
    (id) => document.querySelector(`[data-testid="disclosure-agent"][data-agent-id="${id}"] input`)?.value === "Calls are recorded to train our staff.",
    sara.id,
  );
  const saved = (await serve.call("agent.list")).find((a) => a.id === sara.id);
  assert.equal(saved.disclosure, "Calls are recorded to train our staff.");
  await card.screenshot({ path: join(artifacts, "settings-disclosure.png") });
});
