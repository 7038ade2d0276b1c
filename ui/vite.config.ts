import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

// `base: "./"` keeps every asset URL relative, so the same dist works inside the Tauri webview and when
// `callboard serve` serves it over HTTP.
//
// `npm run dev` serves the UI on the port tauri.conf.json's devUrl names. To develop in a browser against a
// running `callboard serve`, set CALLBOARD_API to its UI address (e.g. http://127.0.0.1:8787) and open the dev
// server with the printed `#token=…` fragment: /api (RPC and the event WebSocket) is proxied there.
// (Read through globalThis: the UI's tsconfig has no Node types, and this is the only Node-side line.)
const api = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env.CALLBOARD_API;

export default defineConfig({
  base: "./",
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
  },
  server: {
    port: 5173,
    strictPort: true,
    proxy: api ? { "/api": { target: api, ws: true, changeOrigin: true } } : undefined,
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["src/test-setup.ts"],
    restoreMocks: true,
  },
});
