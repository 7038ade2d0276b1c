// Settings › Twilio and Settings › Exotel, and a campaign on a carrier, in Debian's Chromium against a real
// `callboard serve` on a fresh data dir. The carriers' APIs are a mock server this test starts
// (CALLBOARD_TWILIO_BASE_URL / CALLBOARD_EXOTEL_BASE_URL) and secrets live in the encrypted-file store. Saves
// Twilio's keys and a caller number through the panel, tests the connection, watches the status chip turn
// ready without a restart, then shows the campaign form warning about the unconfigured Exotel and the start
// of a Twilio campaign refused until it has an agent. Screenshots go to artifacts/.
// Run with `CALLBOARD_BIN=/path/to/callboard node --test` (./dev test does).

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { Serve, artifacts, launchBrowser, startMock } from "./harness.mjs";

const SID = "AC0e2e0000000000000000000000000001";
const TOKEN = "tw-e2e-7c1d33";

const serve = new Serve("carriers");
const rpc = (cmd, args) => serve.rpc(cmd, args);
let browser;
let page;
let mock;

before(async () => {
  // Twilio's `GET /2010-04-01/Accounts/{sid}.json`: 200 for SID:TOKEN, 401 otherwise.
  const good = `Basic ${Buffer.from(`${SID}:${TOKEN}`).toString("base64")}`;
  mock = await startMock((req, _body, reply) => {
    if (req.url === `/2010-04-01/Accounts/${SID}.json`) {
      return req.headers.authorization === good ? reply(200, { friendly_name: "Dealer One", status: "active" }) : reply(401, { code: 20003 });
    }
    reply(404, { detail: "not mocked" });
  });
  await serve.start([], { CALLBOARD_SECRET_STORE: "file", CALLBOARD_TWILIO_BASE_URL: mock.base, CALLBOARD_EXOTEL_BASE_URL: mock.base });
  // Past the first-run wizard: this test is about the provider panels.
  assert.equal((await rpc("settings.update", { setup_done: true })).status, 200);
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: "light" });
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
});

after(async () => {
  await browser?.close().catch(() => {});
  await serve.remove();
  await mock?.close();
});

test("Settings › Twilio: keys, connection test and a caller number make it ready without a restart", async () => {
  await page.goto(serve.uiUrl);
  await page.goto(`${serve.uiBase}/#/settings`);
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
  assert.ok(mock.hits.some((h) => `${h.method} ${h.url}` === `GET /2010-04-01/Accounts/${SID}.json`), "the test called the mock Twilio");

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
  await page.goto(`${serve.uiBase}/#/campaigns`);
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
