// Native notifications from the real desktop app: under `dbus-run-session` (./dev test) a `dbus-monitor`
// watches the session bus for `org.freedesktop.Notifications.Notify` calls while the demo campaigns run at
// high simulator speed and raise "needs attention" items. Checks that new items do reach the notification
// service, each titled after an item, and that a burst is rate-limited (at most 3 one by one, then one
// summary per 30 s). No notification server runs, so the calls fail after being sent: the app logs that and
// goes on, which is also checked (it keeps answering). Then the tray icon's menu, as the appindicator exports
// it over D-Bus (com.canonical.dbusmenu): its status lines and actions, and "Pause all campaigns" clicked
// through it pauses the running campaigns.
// Run with CALLBOARD_DESKTOP_BIN inside `dbus-run-session -- xvfb-run -a …`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

const BURST = 3;

function waitForLine(child, pattern, ms) {
  return new Promise((resolve, reject) => {
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => reject(new Error(`no "${pattern}" within ${ms} ms; stderr:\n${stderr}`)), ms);
    createInterface({ input: child.stdout }).on("line", (line) => {
      const m = line.match(pattern);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code}; stderr:\n${stderr}`));
    });
  });
}

/** Collects the summaries of Notify calls seen on the session bus. */
function watchNotifications() {
  const monitor = spawn("dbus-monitor", ["--session", "type='method_call',interface='org.freedesktop.Notifications',member='Notify'", `type='signal',interface='com.canonical.dbusmenu'`], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const seen = [];
  const tray = { sender: null, path: null, updates: 0 };
  let strings = null;
  createInterface({ input: monitor.stdout }).on("line", (line) => {
    const menu = line.match(/^signal .* sender=(\S+) .* path=(\S+); interface=com\.canonical\.dbusmenu; member=LayoutUpdated/);
    if (menu) {
      [tray.sender, tray.path] = [menu[1], menu[2]];
      tray.updates += 1;
      return;
    }
    if (line.startsWith("method call") && line.includes("member=Notify")) {
      strings = [];
      seen.push({ at: Date.now(), summary: null });
    } else if (strings && /^\s+string "/.test(line)) {
      strings.push(line.trim().replace(/^string "/, "").replace(/"$/, ""));
      // app_name, icon, summary: the third string argument is the summary.
      if (strings.length === 3) seen[seen.length - 1].summary = strings[2];
    }
  });
  return { monitor, seen, tray };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test("new attention items become native notifications, rate-limited; the tray menu shows status and pauses all", { timeout: 150_000 }, async (t) => {
  const bin = process.env.CALLBOARD_DESKTOP_BIN;
  assert.ok(bin && existsSync(bin), "set CALLBOARD_DESKTOP_BIN to the built callboard-desktop binary");
  if (!process.env.DBUS_SESSION_BUS_ADDRESS) {
    t.skip("no D-Bus session bus: run under dbus-run-session (./dev test does)");
    return;
  }
  const { monitor, seen, tray } = watchNotifications();
  const dataDir = mkdtempSync(join(tmpdir(), "callboard-desktop-notify-"));
  const child = spawn(bin, [], {
    env: {
      ...process.env,
      CALLBOARD_DATA_DIR: dataDir,
      CALLBOARD_UI_ADDR: "127.0.0.1:0",
      CALLBOARD_PUBLIC_ADDR: "127.0.0.1:0",
      CALLBOARD_DEMO: "1",
      CALLBOARD_SIM_SPEED: "60",
      CALLBOARD_SECRET_STORE: "file",
      WEBKIT_DISABLE_COMPOSITING_MODE: "1",
      WEBKIT_DISABLE_DMABUF_RENDERER: "1",
      LIBGL_ALWAYS_SOFTWARE: "1",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  try {
    const [, ui] = await waitForLine(child, /ready: UI (\S+) Public (\S+)/, 60_000);
    const { token } = JSON.parse(readFileSync(join(dataDir, "runtime.json"), "utf8"));
    const rpc = async (cmd, args = {}) => {
      const r = await fetch(`${ui}/api/rpc`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ cmd, args }),
      });
      return r.json();
    };
    const started = Date.now();
    for (const c of await rpc("campaign.list")) {
      if (["draft", "scheduled", "paused"].includes(c.status)) await rpc("campaign.start", { id: c.id });
    }
    // Wait for a burst of items (more than BURST, so the rate limit shows) and for their notifications.
    let open = 0;
    let titles = new Set();
    const until = Date.now() + 60_000;
    while (Date.now() < until) {
      const list = await rpc("attention.list", { include_acked: true });
      open = list.items.length;
      titles = new Set(list.items.map((i) => `Callboard · ${i.title}`));
      if (open > BURST + 2 && seen.length > 0) break;
      await sleep(500);
    }
    assert.ok(open > 0, "the demo campaigns raised attention items");
    assert.ok(seen.length > 0, `no Notify call reached the session bus (${open} items)`);
    await sleep(1000); // let the monitor print the arguments
    for (const n of seen) {
      assert.ok(n.summary && (titles.has(n.summary) || /new items need attention$/.test(n.summary)), `unexpected notification "${n.summary}"`);
    }
    // Rate limit: within any 30 s (from the first), at most BURST + 1 notifications.
    const first = seen[0].at;
    const inFirstWindow = seen.filter((n) => n.at < first + 29_000).length;
    assert.ok(inFirstWindow <= BURST + 1, `${inFirstWindow} notifications in the first window (${open} items)`);
    if (seen.length === BURST && open > BURST + 1) {
      // The held items come as one summary when the 30 s window ends.
      const summaryBy = first + 40_000;
      while (seen.length === BURST && Date.now() < summaryBy) await sleep(500);
      await sleep(500);
      assert.equal(seen.length, BURST + 1, "the held items were not summarised when the window ended");
      assert.match(seen[BURST].summary, /^Callboard · \d+ new items need attention$/);
      assert.ok(seen[BURST].at - first >= 29_000, "the summary came before the window ended");
    }
    // The app is still fine after notifications that no server took.
    assert.equal((await fetch(`${ui}/healthz`)).status, 200);
    // The tray icon's menu (exported over D-Bus by the appindicator): the status lines and the actions, and
    // "Pause all campaigns" clicked through the menu pauses every running campaign.
    assert.ok(tray.sender, "the tray icon exported no menu on the session bus");
    assert.ok(tray.updates >= 2, `the tray menu was never redrawn (${tray.updates} layout updates)`);
    const layout = () =>
      execFileSync("gdbus", ["call", "--session", "--dest", tray.sender, "--object-path", tray.path, "--method", "com.canonical.dbusmenu.GetLayout", "--", "0", "-1", "[]"]).toString();
    const before = layout();
    for (const label of ["campaigns running", "in flight", "need attention", "Show window", "Pause all campaigns", "Quit Callboard"]) {
      assert.ok(before.includes(label), `no "${label}" in the tray menu: ${before}`);
    }
    const pause = before.match(/\((\d+), \{[^}]*'label': <'Pause all campaigns'>/);
    assert.ok(pause, `no Pause all item id in ${before}`);
    const running = async () => (await rpc("campaign.list")).filter((c) => c.status === "running").length;
    assert.ok((await running()) > 0, "campaigns are running before the click");
    execFileSync("gdbus", ["call", "--session", "--dest", tray.sender, "--object-path", tray.path, "--method", "com.canonical.dbusmenu.Event", pause[1], "clicked", "<0>", "0"]);
    const pausedBy = Date.now() + 15_000;
    while ((await running()) > 0 && Date.now() < pausedBy) await sleep(250);
    assert.equal(await running(), 0, "Pause all campaigns from the tray left campaigns running");
    const idleBy = Date.now() + 15_000;
    while (!layout().includes("No campaign running") && Date.now() < idleBy) await sleep(500);
    assert.ok(layout().includes("No campaign running"), "the tray did not show the paused state");
    const logs = readdirSync(join(dataDir, "logs")).map((f) => readFileSync(join(dataDir, "logs", f), "utf8")).join("\n");
    assert.ok(!logs.includes("no tray icon on this desktop"), "the tray icon was not created");
    console.log(`${open} items, ${seen.length} notifications in ${Math.round((Date.now() - started) / 1000)} s: ${seen.map((n) => n.summary).join(" | ")}`);
  } finally {
    child.kill("SIGTERM");
    monitor.kill("SIGTERM");
  }
});
