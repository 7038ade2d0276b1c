// What every browser test needs: a real `callboard serve` on its own temp data dir (started, restarted on the
// same data, stopped), its RPC, Debian's Chromium, and local mock servers standing in for the providers.
// The binary comes from CALLBOARD_BIN (./dev test sets it); Chromium from CALLBOARD_CHROMIUM or /usr/bin/chromium.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const here = dirname(fileURLToPath(import.meta.url));
/** Screenshots land here (created on first use). */
export const artifacts = join(here, "artifacts");
const CHROMIUM = process.env.CALLBOARD_CHROMIUM || "/usr/bin/chromium";
const START_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;
const HEADLESS_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

/** A `callboard serve` process on a temp data dir that outlives restarts; `remove()` deletes it. */
export class Serve {
  /** @param {string} name names the temp data dir, so a leftover one says which test left it. */
  constructor(name) {
    const bin = process.env.CALLBOARD_BIN;
    if (!bin) throw new Error("CALLBOARD_BIN is not set: point it at the built `callboard` binary");
    if (!existsSync(bin)) throw new Error(`CALLBOARD_BIN=${bin} does not exist; build it with cargo build -p callboard-cli`);
    this.bin = bin;
    this.dataDir = mkdtempSync(join(tmpdir(), `callboard-e2e-${name}-`));
    /** @type {import("node:child_process").ChildProcess | undefined} */
    this.proc = undefined;
    this.stderr = "";
    /** The UI URL exactly as printed, with `#token=…`. */
    this.uiUrl = "";
    this.uiBase = "";
    /** The public (webhook) base URL, without a trailing slash. */
    this.publicBase = "";
    this.token = "";
  }

  /**
   * Starts serve with `args` after the data dir and port-0 addresses, and `env` on top of this process's
   * environment minus every CALLBOARD_* variable but CALLBOARD_UI_DIR (the test chooses what serve sees).
   * Resolves once serve printed its UI and Public URLs; rejects with its stderr if it exits or stays silent.
   */
  start(args = [], env = {}) {
    const argv = ["serve", "--data-dir", this.dataDir, "--ui-addr", "127.0.0.1:0", "--public-addr", "127.0.0.1:0", ...args];
    const fullEnv = { ...process.env };
    for (const k of Object.keys(fullEnv)) if (k.startsWith("CALLBOARD_") && k !== "CALLBOARD_UI_DIR") delete fullEnv[k];
    Object.assign(fullEnv, env);
    this.stderr = "";
    const proc = spawn(this.bin, argv, { env: fullEnv, stdio: ["ignore", "pipe", "pipe"] });
    this.proc = proc;
    proc.stderr.on("data", (d) => {
      this.stderr += d;
    });
    return new Promise((resolve, reject) => {
      let ui;
      let pub;
      const fail = (why) => {
        clearTimeout(timer);
        reject(new Error(`${why}\n--- ${this.bin} ${argv.join(" ")}\n--- server stderr:\n${this.stderr || "(empty)"}`));
      };
      const timer = setTimeout(() => fail(`the server did not print its UI and Public URLs within ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS);
      proc.on("error", (e) => fail(`cannot start the server: ${e.message}`));
      proc.on("exit", (code, signal) => {
        if (!ui || !pub) fail(`the server exited early (code ${code}, signal ${signal})`);
      });
      // Keep reading stdout for the process's whole life: serve must never find its stdout closed.
      createInterface({ input: proc.stdout }).on("line", (line) => {
        if (ui && pub) return;
        ui ??= line.match(/UI:\s+(\S+)/)?.[1];
        pub ??= line.match(/Public:\s+(\S+)/)?.[1];
        if (ui && pub) {
          clearTimeout(timer);
          this.uiUrl = ui;
          this.uiBase = new URL(ui).origin;
          this.token = new URLSearchParams(new URL(ui).hash.slice(1)).get("token") ?? "";
          this.publicBase = pub.replace(/\/$/, "");
          resolve(this);
        }
      });
    });
  }

  /** SIGTERM, then SIGKILL after a grace period; resolves once the process is gone. */
  async stop() {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once("exit", r));
    proc.kill("SIGTERM");
    const timer = setTimeout(() => proc.kill("SIGKILL"), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  }

  /** Stops serve and deletes its data dir. */
  async remove() {
    await this.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** One `/api/rpc` command; `{status, body}` whatever the answer. `auth` overrides the bearer header. */
  async rpc(cmd, args = {}, auth = `Bearer ${this.token}`) {
    const headers = { "content-type": "application/json" };
    if (auth) headers.authorization = auth;
    const res = await fetch(`${this.uiBase}/api/rpc`, { method: "POST", headers, body: JSON.stringify({ cmd, args }) });
    return { status: res.status, body: await res.json().catch(() => null) };
  }

  /** One `/api/rpc` command that must succeed; its body. */
  async call(cmd, args = {}) {
    const { status, body } = await this.rpc(cmd, args);
    assert.equal(status, 200, `${cmd} answered ${status}: ${JSON.stringify(body)}`);
    return body;
  }
}

/** Headless Chromium with the flags every test uses plus `extraArgs`. */
export async function launchBrowser(extraArgs = []) {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}; install Debian's chromium package`);
  mkdirSync(artifacts, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: [...HEADLESS_ARGS, ...extraArgs] });
}

/**
 * A local HTTP server standing in for a provider's REST API. `handler(req, body, reply)` answers with
 * `reply(status, json)`; every request is kept in `hits` as `{method, url, headers, body}`.
 */
export async function startMock(handler) {
  const hits = [];
  const waiters = new Set();
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      const hit = { method: req.method, url: req.url, headers: req.headers, body };
      hits.push(hit);
      for (const w of waiters) w();
      handler(req, body, (status, json) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(json));
      });
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    base: `http://127.0.0.1:${server.address().port}`,
    hits,
    /** Resolves with the first request (already received or still to come) that `pred` accepts. */
    waitForHit(pred, ms = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = hits.find(pred);
          if (!hit) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(hit);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching request within ${ms} ms; saw ${hits.map((h) => `${h.method} ${h.url}`).join(", ") || "none"}`));
        }, ms);
        waiters.add(check);
        check();
      });
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
