// The import wizard in Debian's Chromium against a real `callboard serve --demo` (its own server and data dir,
// so it does not disturb app.test.mjs): upload a CSV with a bad row, see it highlighted in the preview,
// import it, read the summary, download the errors, and find the new contact on the Contacts page.
// Run with `CALLBOARD_BIN=/path/to/callboard node --test`. Screenshots land in tests/e2e-web/artifacts/.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Serve, artifacts, launchBrowser } from "./harness.mjs";

const serve = new Serve("import");
const rpc = (cmd, args) => serve.rpc(cmd, args);
let browser;
let context;
const pageErrors = [];

before(async () => {
  await serve.start(["--demo"]);
  assert.ok(serve.token, `the printed UI URL carries a token: ${serve.uiUrl}`);
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: "light", acceptDownloads: true });
});

after(async () => {
  await browser?.close().catch(() => {});
  await serve.remove();
});


const CSV = "Name,Mobile,Car Interest\nLayla Import,+965 6600 1234,SUV\nBroken Row,12345,Sedan\nOmar Import,66001235,Truck\n";

test("the import wizard: upload, highlighted bad row, progress, summary, errors download, contact listed", async () => {
  const created = await rpc("campaign.create", { name: "E2E import", time_zone: "Asia/Kuwait" });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const campaignId = created.body.id;

  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on("pageerror", (e) => pageErrors.push(e.message));
  await page.goto(serve.uiUrl.replace("#token=", "#/contacts?token="));
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
  await page.screenshot({ path: join(artifacts, "import-summary.png"), animations: "disabled" });

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
