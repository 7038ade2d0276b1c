// The web UI in Debian's Chromium against a real `callboard serve --demo` on a temp data dir.
// Run with `CALLBOARD_BIN=/path/to/callboard node --test` (./dev test does). Screenshots of every page, of the
// campaign form with "Advanced" open and of the campaign drawer, in both themes, land in tests/e2e-web/artifacts/.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { Serve, artifacts, launchBrowser } from "./harness.mjs";

const PAGES = ["overview", "campaigns", "contacts", "dnc", "live", "attention", "calls", "analytics", "settings"];
/** Pages with their own screen (the rest still show what they will hold), by what shows they have loaded. */
const LOADED = { overview: "overview-page", live: "live-page", attention: "attention-page", analytics: "analytics-page" };

const serve = new Serve("web");
const rpc = (cmd, args, auth) => serve.rpc(cmd, args, auth);
/** @type {import("playwright-core").Browser | undefined} */
let browser;
/** @type {import("playwright-core").BrowserContext | undefined} */
let context;
/** @type {import("playwright-core").Page} */
let page;
const pageErrors = [];

async function newPage() {
  const p = await context.newPage();
  p.setDefaultTimeout(15_000);
  p.on("pageerror", (e) => pageErrors.push(`${p.url()}: ${e.message}`));
  return p;
}

const row = (p, name) => p.locator(`[data-testid="campaign-row"][data-campaign-name="${name.replace(/"/g, '\\"')}"]`);

async function createCampaign(p, name, provider) {
  await p.getByTestId("campaign-new").click();
  const form = p.getByTestId("campaign-form");
  await form.waitFor();
  await p.getByTestId("campaign-name").fill(name);
  if (provider) await p.getByTestId("campaign-provider").selectOption(provider);
  await p.getByTestId("campaign-submit").click();
}

/** The token the page itself uses (moved from the URL fragment to sessionStorage by the UI). */
async function pageToken(p) {
  const t = await p.evaluate(() => sessionStorage.getItem("callboard.token"));
  assert.ok(t, "the page keeps its token in sessionStorage");
  return t;
}

/** Opens a campaign's drawer from its row. */
async function openDrawer(p, name) {
  await row(p, name).locator(".row-link").click();
  const drawer = p.getByTestId("drawer");
  await drawer.waitFor();
  await drawer.getByTestId("why").waitFor();
  return drawer;
}

async function closeDrawer(p) {
  await p.keyboard.press("Escape");
  await p.getByTestId("drawer").waitFor({ state: "detached" });
}

/** A running demo campaign, preferably one with no calling window (so the simulator is dialing it now). */
function liveCampaign(list) {
  const running = list.filter((c) => c.status === "running");
  return running.find((c) => c.hours_preset === "always") ?? running[0];
}

/** Waits until the drawer's progress shows what `campaign.get` says (both move while the engine dials). */
async function drawerMatchesServer(drawer, id) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { body: c } = await rpc("campaign.get", { id });
    const want = {
      contacts: c.contacts.toLocaleString("en-US"),
      done: c.completed.toLocaleString("en-US"),
      pct: c.contacts ? `${Math.floor((c.completed / c.contacts) * 100)}%` : "No contacts yet",
    };
    const shown = {
      contacts: await drawer.getByTestId("progress-contacts").textContent(),
      done: await drawer.getByTestId("progress-done").textContent(),
      pct: await drawer.getByTestId("progress-pct").textContent(),
    };
    if (JSON.stringify(shown) === JSON.stringify(want)) return;
    if (Date.now() > deadline) assert.deepEqual(shown, want, "the drawer's progress does not follow the server's");
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Scrolls the open modal's body so `testId` starts at its top (the body scrolls; header and footer stay). */
async function scrollModalTo(p, testId, block = "start") {
  await p.getByTestId(testId).evaluate((el, b) => el.scrollIntoView({ block: b }), block);
}

async function setTheme(p, theme) {
  const current = await p.evaluate(() => document.documentElement.dataset.theme);
  if (current !== theme) await p.getByTestId("theme-toggle").click();
  await p.waitForFunction((t) => document.documentElement.dataset.theme === t, theme);
}

before(async () => {
  // The simulator at ten times real speed, so calls visibly start and end during the run.
  await serve.start(["--demo", "--sim-speed", "10"]);
  assert.ok(serve.token, `the printed UI URL carries a token: ${serve.uiUrl}`);
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: "light" });
  page = await newPage();
});

after(async () => {
  await browser?.close().catch(() => {});
  await serve.remove();
});

test("the app loads with the DEMO badge and the demo campaigns", async () => {
  await page.goto(serve.uiUrl);
  const missing = await page.getByText("The UI files were not found").count();
  assert.equal(missing, 0, "the server found no built UI: run `npm --prefix ui run build` or set CALLBOARD_UI_DIR");
  await page.getByTestId("demo-badge").waitFor();
  assert.equal(await page.getByTestId("page-title").textContent(), "Campaigns");

  const { body: demo } = await rpc("campaign.list");
  assert.ok(demo.length >= 1, "the demo data dir has campaigns");
  for (const c of demo) await row(page, c.name).waitFor();
  assert.equal(await page.getByTestId("campaign-row").count(), demo.length);

  // The token left the address bar, and the live stream is up.
  assert.ok(!page.url().includes(serve.token), `token still in the URL: ${page.url()}`);
  await page.locator('[data-testid="conn-status"][data-state="connected"]').waitFor();
});

test("/api/rpc needs the token", async () => {
  const none = await rpc("campaign.list", {}, null);
  assert.equal(none.status, 401);
  assert.equal(none.body?.code, "unauthorized");
  const wrong = await rpc("campaign.list", {}, "Bearer not-the-token");
  assert.equal(wrong.status, 401);
  assert.equal(wrong.body?.code, "unauthorized");
  const ok = await rpc("health");
  assert.equal(ok.status, 200);
  // The public listener answers health checks but never serves the UI API.
  assert.equal((await fetch(`${serve.publicBase}/healthz`)).status, 200);
  const pub = await fetch(`${serve.publicBase}/api/rpc`, {
    method: "POST",
    headers: { authorization: `Bearer ${serve.token}`, "content-type": "application/json" },
    body: JSON.stringify({ cmd: "campaign.list", args: {} }),
  });
  assert.notEqual(pub.status, 200, "the UI API must not be mounted on the public listener");
});

test("a campaign created in the form appears in the list", async () => {
  const name = `Spring service reminders ${Date.now()}`;
  await createCampaign(page, name, "twilio");
  await row(page, name).waitFor();
  await page.getByTestId("campaign-form").waitFor({ state: "detached" });
  assert.equal(await row(page, name).getAttribute("data-status"), "draft");
  const id = Number(await row(page, name).getAttribute("data-campaign-id"));
  const { body: saved } = await rpc("campaign.get", { id });
  assert.equal(saved.name, name);
  assert.equal(saved.provider, "twilio");
});

test("a campaign with custom retries, breaker and watchdog, set in the form, is stored as set", async () => {
  const name = `Retry policy ${Date.now()}`;
  const before = (await rpc("campaign.list")).body.length;
  await page.getByTestId("campaign-new").click();
  await page.getByTestId("campaign-form").waitFor();
  await page.getByTestId("campaign-name").fill(name);
  await page.getByTestId("campaign-from").fill("+96550001234");

  // Collapsed by default, with the defaults summarised.
  assert.equal(await page.getByTestId("campaign-advanced").count(), 0);
  assert.match(await page.getByTestId("campaign-advanced-summary").textContent(), /3 attempts/);
  await page.getByTestId("campaign-advanced-toggle").click();
  await page.getByTestId("campaign-advanced").waitFor();

  // The client checks the core's ranges before any round trip.
  await page.getByTestId("campaign-max-attempts").fill("11");
  await page.getByTestId("campaign-submit").click();
  await page.getByTestId("field-error-max_attempts").waitFor();
  assert.equal((await rpc("campaign.list")).body.length, before, "an out-of-range form was sent");

  await page.getByTestId("campaign-max-attempts").fill("5");
  await page.getByTestId("delay-no_answer").fill("90");
  assert.equal(await page.getByTestId("delay-hint-no_answer").textContent(), "1 h 30 min");
  await page.getByTestId("delay-busy").fill("30");
  await page.getByTestId("retry-voicemail").uncheck();
  assert.equal(await page.getByTestId("delay-voicemail").isDisabled(), true);
  await page.getByTestId("campaign-max-call").fill("20");
  await page.getByTestId("breaker-percent").fill("40");
  await page.getByTestId("breaker-min-dials").fill("10");
  await page.getByTestId("breaker-window").fill("300");
  assert.match(await page.getByTestId("breaker-sentence").textContent(), /more than 40% of the last 10 dials fail within 5 min/);
  await page.getByTestId("campaign-submit").click();
  await page.getByTestId("campaign-form").waitFor({ state: "detached" });
  await row(page, name).waitFor();

  // Read back with the page's own token.
  const auth = `Bearer ${await pageToken(page)}`;
  const id = Number(await row(page, name).getAttribute("data-campaign-id"));
  const { status, body: saved } = await rpc("campaign.get", { id }, auth);
  assert.equal(status, 200);
  assert.equal(saved.from_number, "+96550001234");
  assert.deepEqual(saved.retry_policy, {
    max_attempts: 5,
    no_answer: { retry: true, delay_minutes: 90 },
    busy: { retry: true, delay_minutes: 30 },
    voicemail: { retry: false, delay_minutes: 240 },
    failed: { retry: true, delay_minutes: 10 },
  });
  assert.deepEqual(saved.breaker, { failure_ratio: 0.4, min_dials: 10, window_s: 300 });
  assert.equal(saved.max_call_seconds, 1200);

  // The drawer says it in words.
  const drawer = await openDrawer(page, name);
  assert.match(await drawer.getByTestId("drawer-attempts").textContent(), /Up to 5 calls per contact/);
  assert.equal(await drawer.getByTestId("drawer-retry-no_answer").textContent(), "Retried after 1 h 30 min");
  assert.equal(await drawer.getByTestId("drawer-retry-voicemail").textContent(), "Not retried");
  assert.match(await drawer.getByTestId("drawer-breaker").textContent(), /more than 40% of the last 10 dials fail within 5 min/);
  assert.match(await drawer.getByTestId("drawer-watchdog").textContent(), /20 min/);
  await closeDrawer(page);

  // Editing prefills the settings; changing one rule keeps the rest of the policy (it is sent whole).
  await row(page, name).getByTestId("campaign-edit").click();
  await page.getByTestId("campaign-form").waitFor();
  await page.getByTestId("campaign-advanced-toggle").click();
  assert.equal(await page.getByTestId("campaign-max-attempts").inputValue(), "5");
  assert.equal(await page.getByTestId("retry-voicemail").isChecked(), false);
  assert.equal(await page.getByTestId("campaign-max-call").inputValue(), "20");
  assert.equal(await page.getByTestId("breaker-percent").inputValue(), "40");
  await page.getByTestId("delay-busy").fill("45");
  await page.getByTestId("campaign-submit").click();
  await page.getByTestId("campaign-form").waitFor({ state: "detached" });
  const { body: edited } = await rpc("campaign.get", { id }, auth);
  assert.deepEqual(edited.retry_policy, { ...saved.retry_policy, busy: { retry: true, delay_minutes: 45 } });
  assert.deepEqual(edited.breaker, saved.breaker);
  assert.equal(edited.max_call_seconds, 1200);
});

test("the drawer follows a running campaign live and keeps its why-report fresh", async () => {
  const { body: list } = await rpc("campaign.list");
  const running = liveCampaign(list);
  assert.ok(running?.status === "running", "the demo data has a running campaign");
  const drawer = await openDrawer(page, running.name);
  // The simulator may be dialing it: the drawer keeps up with the server's counts.
  await drawerMatchesServer(drawer, running.id);

  // While it runs, the why-report is refetched every 5 s without anything else happening.
  const why = drawer.getByTestId("why");
  const first = Number(await why.getAttribute("data-updated-at"));
  await page.waitForFunction(
    (t) => Number(document.querySelector('[data-testid="why"]')?.getAttribute("data-updated-at")) > t,
    first,
    { timeout: 12_000 },
  );

  // A change made elsewhere shows at once: status, its reason, and a why-report asked again.
  assert.equal((await rpc("campaign.pause", { id: running.id })).status, 200);
  await drawer.locator('[data-testid="status-badge"][data-status="paused"]').waitFor();
  await drawer.getByTestId("status-reason").getByText(/^Paused/).waitFor();
  await drawer.getByTestId("why-summary").getByText(/paused/i).waitFor();
  assert.equal((await rpc("campaign.resume", { id: running.id })).status, 200);
  await drawer.locator('[data-testid="status-badge"][data-status="running"]').waitFor();
  await drawer.getByTestId("status-reason").getByText(/^Resumed/).waitFor();
  await closeDrawer(page);
});

test("a duplicate name shows the conflict inline", async () => {
  const { body: list } = await rpc("campaign.list");
  const existing = list[0].name;
  await createCampaign(page, existing.toUpperCase());
  const err = page.getByTestId("form-error");
  await err.waitFor();
  assert.equal(await err.getAttribute("data-code"), "conflict");
  assert.match(await err.textContent(), /already exists/);
  // The form stays open with the name marked, and nothing was added.
  assert.equal(await page.getByTestId("campaign-name").getAttribute("aria-invalid"), "true");
  assert.equal((await rpc("campaign.list")).body.length, list.length);
  await page.keyboard.press("Escape");
  await page.getByTestId("campaign-form").waitFor({ state: "detached" });
});

test("a second tab sees campaigns created, renamed and deleted in the first, live", async () => {
  const second = await newPage();
  await second.goto(serve.uiUrl);
  await second.locator('[data-testid="conn-status"][data-state="connected"]').waitFor();
  await second.getByTestId("campaign-row").first().waitFor();
  // Proves the second tab never reloads: a reload would drop this.
  await second.evaluate(() => {
    window.__noReload = true;
  });

  const name = `Live sync ${Date.now()}`;
  const renamed = `${name} (renamed)`;

  await createCampaign(page, name);
  await row(page, name).waitFor();
  await row(second, name).waitFor();

  await row(page, name).getByTestId("campaign-edit").click();
  await page.getByTestId("campaign-form").waitFor();
  await page.getByTestId("campaign-name").fill(renamed);
  await page.getByTestId("campaign-submit").click();
  await row(second, renamed).waitFor();
  await row(second, name).waitFor({ state: "detached" });

  await row(page, renamed).getByTestId("campaign-delete").click();
  await page.getByTestId("confirm-ok").click();
  await row(page, renamed).waitFor({ state: "detached" });
  await row(second, renamed).waitFor({ state: "detached" });

  // A change made outside the UI (another client of the API) shows up too.
  const external = `Made by a script ${Date.now()}`;
  const created = await rpc("campaign.create", { name: external });
  assert.equal(created.status, 200);
  await row(second, external).waitFor();
  await row(page, external).waitFor();

  assert.equal(await second.evaluate(() => window.__noReload), true, "the second tab reloaded");
  await second.close();
});

test("Settings › Webhooks shows a delivery live and opens it", async () => {
  await page.goto(`${serve.uiBase}/#/settings`);
  await page.getByTestId("webhooks-card").waitFor();
  // A delivery with a made-up signature is refused (401) and recorded without its body.
  const r = await fetch(`${serve.publicBase}/webhooks/elevenlabs`, {
    method: "POST",
    headers: { "content-type": "application/json", "elevenlabs-signature": "t=1,v0=00" },
    body: JSON.stringify({ type: "post_call_transcription", data: { conversation_id: "conv_e2e" } }),
  });
  assert.equal(r.status, 401);
  // It appears without a reload (the webhook_received event refetches the list). The demo's simulator
  // delivers (applied) webhooks all along, so the list may be full already: look for ours, the rejected one.
  const first = page.locator('[data-testid="webhook-row"][data-status="rejected"]').first();
  await first.waitFor();
  const rejected = Number(await page.getByTestId("webhook-count-rejected").locator(".stat-value").textContent());
  assert.ok(rejected >= 1, `rejected counter: ${rejected}`);
  await first.click();
  const detail = page.getByTestId("webhook-detail");
  await detail.waitFor();
  assert.match(await detail.textContent(), /Not kept: a delivery that fails its check/);
  await page.getByTestId("drawer").screenshot({ path: join(artifacts, "settings-webhook-detail.png") });
  await page.keyboard.press("Escape");
  await page.getByTestId("webhooks-card").screenshot({ path: join(artifacts, "settings-webhooks.png") });
  await detail.waitFor({ state: "detached" });
});

test("screenshots of every page in light and dark", async () => {
  // A fresh load (the token is in this tab's sessionStorage now), so no toasts from earlier steps show.
  await page.goto(serve.uiUrl.replace(/#.*$/, "#/campaigns"));
  await page.reload();
  await page.getByTestId("page-title").waitFor();
  for (const theme of ["light", "dark"]) {
    await setTheme(page, theme);
    for (const route of PAGES) {
      await page.getByTestId(`nav-${route}`).click();
      await page.waitForFunction((r) => location.hash === `#/${r}`, route);
      const label = await page.getByTestId(`nav-${route}`).locator(".nav-label").textContent();
      // The hash changes before React renders the new page: wait for its title rather than read the old one.
      await page.waitForFunction((l) => document.querySelector('[data-testid="page-title"]')?.textContent === l, label);
      if (route === "campaigns") await page.getByTestId("campaign-row").first().waitFor();
      else if (route === "settings") await page.getByTestId("settings-version").getByText(/\d+\.\d+/).waitFor();
      else if (route === "contacts") await page.getByTestId("contact-row").first().waitFor();
      // Calls: the history table when earlier steps ended calls, else the page's empty state.
      else if (route === "calls") await page.locator('[data-testid="history-row"], [data-testid="empty-state"]').first().waitFor();
      // Do not call: the list once the demo's contacts opted out, else the page's empty state.
      else if (route === "dnc") await page.locator('[data-testid="dnc-page"], [data-testid="empty-state"]').first().waitFor();
      else if (LOADED[route]) await page.getByTestId(LOADED[route]).waitFor();
      else await page.getByTestId("empty-state").waitFor();
      await page.mouse.move(1, 1); // no hover highlight in the picture
      await page.screenshot({ path: join(artifacts, `${route}-${theme}.png`), animations: "disabled" });
    }
  }
  // The choice survives a reload.
  await page.reload();
  await page.getByTestId("page-title").waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), "dark");
});

test("screenshots of the campaign form with Advanced open and of the drawer, light and dark", async () => {
  await page.goto(serve.uiUrl.replace(/#.*$/, "#/campaigns"));
  await page.reload();
  await page.getByTestId("campaign-row").first().waitFor();
  const { body: list } = await rpc("campaign.list");
  const running = liveCampaign(list) ?? list[0];
  for (const theme of ["light", "dark"]) {
    await setTheme(page, theme);
    await page.getByTestId("campaign-new").click();
    await page.getByTestId("campaign-form").waitFor();
    await page.getByTestId("campaign-name").fill("Service reminders, second round");
    await page.getByTestId("campaign-advanced-toggle").click();
    await page.getByTestId("campaign-advanced").waitFor();
    await page.getByTestId("retry-voicemail").uncheck();
    await page.getByTestId("delay-no_answer").fill("90");
    await page.evaluate(() => document.activeElement instanceof HTMLElement && document.activeElement.blur());
    await page.mouse.move(1, 1);
    await scrollModalTo(page, "campaign-advanced-toggle");
    await page.screenshot({ path: join(artifacts, `campaign-form-advanced-${theme}.png`), animations: "disabled" });
    await scrollModalTo(page, "section-safety", "end");
    await page.screenshot({ path: join(artifacts, `campaign-form-safety-${theme}.png`), animations: "disabled" });
    await page.keyboard.press("Escape");
    await page.getByTestId("campaign-form").waitFor({ state: "detached" });

    await openDrawer(page, running.name);
    await page.mouse.move(1, 1);
    await page.screenshot({ path: join(artifacts, `campaign-drawer-${theme}.png`), animations: "disabled" });
    await page.getByTestId("drawer-retries").evaluate((el) => el.scrollIntoView({ block: "center" }));
    await page.screenshot({ path: join(artifacts, `campaign-drawer-settings-${theme}.png`), animations: "disabled" });
    await closeDrawer(page);
  }
});

test("demo mode: the banner is on every page and simulated calls move the campaign live", async () => {
  await page.goto(serve.uiUrl.replace(/#.*$/, "#/campaigns"));
  await page.reload();
  await page.getByTestId("demo-banner").waitFor();
  const { body: list } = await rpc("campaign.list");
  const running = liveCampaign(list);
  assert.ok(running, "the demo has a running campaign");
  const drawer = await openDrawer(page, running.name);
  const done = async () => Number((await drawer.getByTestId("progress-done").textContent()).replace(/\D/g, ""));
  const first = await done();
  const rejectedBefore = (await rpc("webhook.list", { limit: 1 })).body.counts
    .filter((c) => c.status === "rejected")
    .reduce((n, c) => n + c.count, 0);
  // No reload from here on: only live events can move the counter.
  const deadline = Date.now() + 60_000;
  while ((await done()) <= first) {
    assert.ok(Date.now() < deadline, `the running campaign's done counter stayed at ${first} for a minute`);
    await page.waitForTimeout(250);
  }
  await drawerMatchesServer(drawer, running.id);
  await closeDrawer(page);
  // The calls went through the real public listener: signed webhooks, journaled and applied.
  const { body: hooks } = await rpc("webhook.list", { limit: 50 });
  const applied = hooks.counts.filter((c) => c.status === "applied").reduce((n, c) => n + c.count, 0);
  assert.ok(applied > 0, `no applied webhooks: ${JSON.stringify(hooks.counts)}`);
  const rejected = hooks.counts.filter((c) => c.status === "rejected").reduce((n, c) => n + c.count, 0);
  assert.equal(rejected, rejectedBefore, "the simulator's signatures verify");
  for (const route of ["contacts", "calls", "settings"]) {
    await page.goto(serve.uiUrl.replace(/#.*$/, `#/${route}`));
    await page.getByTestId("demo-banner").waitFor();
  }
});

test("leaving demo mode asks first, then removes the demo data and the banner", async () => {
  await page.goto(serve.uiUrl.replace(/#.*$/, "#/campaigns"));
  const { body: before } = await rpc("campaign.list");
  // Demo campaigns are the ones with a description (those the tests created have none).
  const demoNames = before.filter((c) => c.description.length > 0).map((c) => c.name);
  await page.getByTestId("demo-leave").click();
  await page.getByTestId("confirm-dialog").waitFor();
  await page.getByTestId("confirm-ok").click();
  await page.getByTestId("demo-banner").waitFor({ state: "detached" });
  await page.getByTestId("demo-badge").waitFor({ state: "detached" });
  const { body: info } = await rpc("app.info");
  assert.equal(info.demo, false);
  const { body: after } = await rpc("campaign.list");
  const left = new Set(after.map((c) => c.name));
  assert.ok(demoNames.length >= 4, `demo campaigns: ${demoNames}`);
  for (const name of demoNames) {
    assert.ok(!left.has(name), `${name} is still there after leaving demo mode`);
    // The banner goes with `app.info`; the list refetches (and hears the deletions) on its own schedule.
    await row(page, name).waitFor({ state: "detached", timeout: 5_000 });
  }
});

test("no uncaught errors in the pages", () => {
  assert.deepEqual(pageErrors, []);
});
