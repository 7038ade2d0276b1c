// "Talk to agent" in Debian's Chromium against a real `callboard serve --demo`, with Chromium's fake
// microphone (`--use-fake-device-for-media-stream` fed a looped WAV of tone and silence;
// `--use-fake-ui-for-media-stream` grants it):
// the panel opens from the Live page, a conversation with a demo agent (the scripted sim agent, as the demo
// has no account) starts, microphone frames go out, the agent's audio and transcript come back, and Stop
// ends it. Screenshot: tests/e2e-web/artifacts/talk-panel.png. Run with `CALLBOARD_BIN=… node --test`.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Serve, artifacts, launchBrowser } from "./harness.mjs";

const serve = new Serve("talk");
let browser;
const pageErrors = [];

/**
 * The fake microphone's input, looped by Chromium: 0.8 s of a warbling tone (speech-like enough to survive
 * noise suppression) then 1.2 s of silence, as 16-bit mono 48 kHz WAV. The sim agent hears a turn in each loop.
 */
function speakerWav(path) {
  const rate = 48000;
  const samples = new Int16Array(rate * 2);
  for (let i = 0; i < rate * 0.8; i++) {
    const t = i / rate;
    const envelope = 0.5 + 0.5 * Math.sin(2 * Math.PI * 5 * t);
    samples[i] = Math.round(12000 * envelope * Math.sin(2 * Math.PI * (220 + 80 * Math.sin(2 * Math.PI * 3 * t)) * t));
  }
  const header = Buffer.alloc(44);
  header.write("RIFF", 0);
  header.writeUInt32LE(36 + samples.byteLength, 4);
  header.write("WAVEfmt ", 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write("data", 36);
  header.writeUInt32LE(samples.byteLength, 40);
  writeFileSync(path, Buffer.concat([header, Buffer.from(samples.buffer)]));
}

before(async () => {
  await serve.start(["--demo"]);
  const wav = join(serve.dataDir, "fake-mic.wav");
  speakerWav(wav);
  browser = await launchBrowser([
    "--autoplay-policy=no-user-gesture-required",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    `--use-file-for-fake-audio-capture=${wav}`,
  ]);
});

after(async () => {
  await browser?.close().catch(() => {});
  await serve.remove();
});

const numberOf = async (loc, attr) => Number((await loc.getAttribute(attr)) ?? "0");

test("talk to a demo agent: microphone frames out, agent audio and transcript back, stop", async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: "light", permissions: ["microphone"] });
  const p = await context.newPage();
  p.setDefaultTimeout(20_000);
  p.on("pageerror", (e) => pageErrors.push(e.message));
  await p.goto(serve.uiUrl);
  await p.locator('[data-testid="conn-status"][data-state="connected"]').waitFor();
  await p.evaluate(() => (location.hash = "#/live"));
  await p.getByTestId("talk-open").click();
  const panel = p.getByTestId("talk-panel");
  const select = panel.getByTestId("talk-agent");
  await select.locator("option", { hasText: "Sara" }).waitFor({ state: "attached" });
  await select.selectOption({ label: (await select.locator("option", { hasText: "Sara" }).textContent()).trim() });
  await panel.getByTestId("talk-start").click();

  const status = panel.locator('[data-testid="talk-status"][data-phase="live"]');
  await status.waitFor();
  assert.equal(await status.getAttribute("data-backend"), "sim", "the demo has no ElevenLabs account: the sim agent answers");
  // The agent's greeting: its transcript line, then its audio (a second or more at 50 frames a second).
  await panel.locator('[data-testid="talk-turn"][data-role="agent"]').first().waitFor();
  const greeting = await panel.locator('[data-testid="talk-turn"][data-role="agent"] .turn-text').first().textContent();
  assert.match(greeting, /Sara from Al-Noor Motors/);
  await p.waitForFunction(() => {
    const s = document.querySelector('[data-testid="talk-status"]');
    return s && Number(s.dataset.received) >= 50 && Number(s.dataset.sent) >= 50;
  });
  // The fake microphone's tone moves the meter.
  await p.waitForFunction(() => document.querySelectorAll('[data-testid="talk-meter"] .on').length > 0);
  assert.ok((await numberOf(status, "data-sent")) >= 50);
  assert.equal(await panel.getByTestId("talk-error").count(), 0);
  // The tone, then its silence, is a finished turn: it shows as yours, and the agent answers with its next
  // line.
  await panel.locator('[data-testid="talk-turn"][data-role="contact"]').first().waitFor({ timeout: 30_000 });
  await p.waitForFunction(() => document.querySelectorAll('[data-testid="talk-turn"][data-role="agent"]').length >= 2, null, { timeout: 30_000 });
  await p.mouse.move(1, 1);
  await p.screenshot({ path: join(artifacts, "talk-panel.png"), animations: "disabled" });

  await panel.getByTestId("talk-stop").click();
  const ended = panel.locator('[data-testid="talk-status"][data-phase="ended"]');
  await ended.waitFor();
  assert.match(await ended.textContent(), /you ended the conversation/);
  assert.deepEqual(pageErrors, []);
  await context.close();
});
