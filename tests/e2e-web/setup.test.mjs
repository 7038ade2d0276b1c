// The first-run wizard in Debian's Chromium against a real `callboard serve` on a fresh (non-demo) data dir,
// with the providers' APIs replaced by a mock server this test starts (CALLBOARD_*_BASE_URL) and secrets in
// the encrypted-file store (CALLBOARD_SECRET_STORE=file, so no keychain is touched). Walks "Set up for real"
// end to end — region, a key and its connection test, the public URL and its reachability self-test, the
// import link — then reopens the wizard from Settings and picks "Try the demo".
// Run with `CALLBOARD_BIN=/path/to/callboard node --test` (./dev test does).

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Serve, artifacts, launchBrowser, startMock } from "./harness.mjs";

const XI_KEY = "xi-e2e-4f2a9d71";

const serve = new Serve("setup");
const rpc = (cmd, args) => serve.rpc(cmd, args);
let browser;
let page;
let mock;

before(async () => {
  // ElevenLabs' `GET /v1/user`: 200 for the test's key, 401 otherwise.
  mock = await startMock((req, _body, reply) => {
    if (req.url === "/v1/user") {
      return req.headers["xi-api-key"] === XI_KEY ? reply(200, { subscription: { tier: "creator" } }) : reply(401, { detail: "invalid_api_key" });
    }
    reply(404, { detail: "not mocked" });
  });
  const env = { CALLBOARD_SECRET_STORE: "file" };
  for (const p of ["ELEVENLABS", "TWILIO", "EXOTEL", "OPENAI"]) env[`CALLBOARD_${p}_BASE_URL`] = mock.base;
  await serve.start([], env);
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, colorScheme: "light" });
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
});

after(async () => {
  await browser?.close().catch(() => {});
  await serve.remove();
  await mock?.close();
});

test("a fresh install opens the wizard and walks 'Set up for real' with mock providers", async () => {
  await page.goto(serve.uiUrl);
  const wizard = page.getByTestId("setup-wizard");
  await wizard.waitFor();
  await page.screenshot({ path: join(artifacts, "wizard-choose.png") });
  await page.getByTestId("wizard-real").click();

  // Region and hours, with a field error first.
  await page.getByTestId("setting-region").selectOption("IN");
  assert.equal(await page.getByTestId("setting-time-zone").inputValue(), "Asia/Kolkata");
  await page.getByTestId("setting-time-zone").fill("Mars/Olympus");
  await page.getByTestId("region-save").click();
  await page.getByTestId("field-error-time_zone").waitFor();
  assert.match(await page.getByTestId("field-error-time_zone").textContent(), /not a known IANA time zone/);
  await page.getByTestId("setting-time-zone").fill("Asia/Kolkata");
  await page.getByTestId("region-save").click();

  // A key: saved write-only, then a connection test against the mock.
  await page.getByTestId("provider-keys").waitFor();
  await page.getByTestId("secret-input-elevenlabs.api_key").fill(XI_KEY);
  await page.getByTestId("secret-save-elevenlabs.api_key").click();
  await page.getByTestId("secret-state-elevenlabs.api_key").filter({ hasText: "encrypted file" }).waitFor();
  assert.equal(await page.getByTestId("secret-input-elevenlabs.api_key").inputValue(), "");
  await page.getByTestId("secret-store-warning").waitFor();
  await page.getByTestId("provider-test-elevenlabs").click();
  await page.getByTestId("provider-result-elevenlabs").filter({ hasText: "Connected to ElevenLabs" }).waitFor();
  assert.ok(mock.hits.some((h) => h.method === "GET" && h.url === "/v1/user"), "the check called the mock provider");
  await page.getByTestId("provider-test-twilio").click();
  await page.getByTestId("provider-result-twilio").filter({ hasText: "Not set up" }).waitFor();
  await page.screenshot({ path: join(artifacts, "wizard-providers.png") });
  await page.getByTestId("wizard-next").click();

  // The public URL: here the listener itself stands in for the tunnel; the self-test proves it is us.
  await page.getByTestId("setting-public-url").fill(serve.publicBase);
  await page.getByTestId("public-url-save").click();
  await page.getByTestId("selftest-result").filter({ hasText: "Reachable" }).waitFor();
  await page.screenshot({ path: join(artifacts, "wizard-public-url.png") });
  await page.getByTestId("wizard-next").click();

  await page.getByTestId("wizard-import-link").click();
  await wizard.waitFor({ state: "detached" });
  assert.match(page.url(), /#\/contacts$/);

  const { body: settings } = await rpc("settings.get");
  assert.equal(settings.default_region, "IN");
  assert.equal(settings.public_base_url, serve.publicBase);
  assert.equal(settings.setup_done, true);
  const { body: info } = await rpc("app.info");
  assert.equal(info.public_base_url, serve.publicBase);
  assert.equal(info.secret_store, "file");

  // The key is in the encrypted file only: not in the database, not in the log, not in plain text anywhere.
  for (const f of readdirSync(serve.dataDir, { recursive: true })) {
    const p = join(serve.dataDir, String(f));
    try {
      assert.ok(!readFileSync(p).includes(XI_KEY), `${f} holds the key in plain text`);
    } catch (e) {
      if (e.code !== "EISDIR") throw e;
    }
  }

  // A reload does not reopen a finished wizard.
  await page.reload();
  await page.getByTestId("page-title").waitFor();
  assert.equal(await page.getByTestId("setup-wizard").count(), 0);
});

test("the wizard reopens from Settings and offers the demo", async (t) => {
  await page.goto(`${serve.uiBase}/#/settings`);
  await page.getByTestId("open-wizard").click();
  await page.getByTestId("setup-wizard").waitFor();
  await page.getByTestId("wizard-demo").click();
  const done = page.getByTestId("setup-wizard").waitFor({ state: "detached" }).then(() => "closed");
  const failed = page.getByTestId("wizard-error").waitFor().then(() => "error");
  const outcome = await Promise.race([done, failed]);
  if (outcome === "error" && /unknown command 'demo\.start'/.test(await page.getByTestId("wizard-error").textContent())) {
    // demo.start comes with the simulator work (merged separately); until then the wizard must say so plainly.
    t.skip("demo.start is not in this build yet");
    return;
  }
  assert.equal(outcome, "closed", await page.getByTestId("wizard-error").textContent().catch(() => ""));
  await page.getByTestId("demo-badge").waitFor();
  assert.match(page.url(), /#\/campaigns$/);
});
