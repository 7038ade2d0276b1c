// Settings › Backup › Restore in Debian's Chromium against a real `callboard serve`: back up the demo data,
// wipe it, restore the backup from the list (the confirmation says what is replaced), see that serve must be
// restarted, restart it, and find the demo data back, the replaced data kept aside, and a "Backup restored"
// attention item. Screenshots of the confirmation and of the staged restore go to artifacts/.
// Run with `CALLBOARD_BIN=/path/to/callboard node --test` (./dev test does).

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Serve, artifacts, launchBrowser } from "./harness.mjs";

const ENV = { CALLBOARD_SECRET_STORE: "file" };
const serve = new Serve("restore");
const rpc = (cmd, args) => serve.call(cmd, args);
let browser;
let page;

before(async () => {
  await serve.start(["--demo"], ENV);
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: "light" });
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
});

after(async () => {
  await browser?.close().catch(() => {});
  await serve.remove();
});

test("a backup is restored from Settings after a confirmation and a restart of serve", async () => {
  const demoCampaigns = (await rpc("campaign.list")).map((c) => c.name).sort();
  assert.ok(demoCampaigns.length > 0, "the demo seeded campaigns");
  const backup = await rpc("backup.create");
  await rpc("data.wipe", { confirm: "WIPE EVERYTHING" });
  assert.equal((await rpc("campaign.list")).length, 0);

  await page.goto(serve.uiUrl);
  await page.goto(`${serve.uiBase}/#/settings`);
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

  await serve.stop();
  await serve.start([], ENV);
  assert.deepEqual((await rpc("campaign.list")).map((c) => c.name).sort(), demoCampaigns);
  const attention = await rpc("attention.list");
  assert.ok(
    attention.items.some((i) => i.kind === "backup_restored"),
    `no backup_restored item in ${JSON.stringify(attention.items.map((i) => i.kind))}`,
  );
  assert.equal((await rpc("backup.list")).pending, null);
  assert.ok(!existsSync(join(serve.dataDir, "restore-pending.zip")));
  assert.equal(readdirSync(join(serve.dataDir, "replaced-by-restore")).length, 1, "the replaced data is kept aside");

  await page.goto(serve.uiUrl);
  await page.goto(`${serve.uiBase}/#/settings`);
  await page.getByTestId("backup-row").first().waitFor();
  assert.equal(await page.getByTestId("restore-pending").count(), 0);
});
