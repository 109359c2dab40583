import { defineConfig } from "@playwright/test";

// Every spec runs twice: once as server-rendered HTML with JavaScript off, once hydrated.
// Specs named *.hydrate.spec.ts need JavaScript and run only in the hydrated project.
const baseURL = process.env.REGISTRAR_E2E_URL ?? "http://127.0.0.1:3000";

export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  globalSetup: "./global-setup.ts",
  use: {
    baseURL,
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  projects: [
    { name: "chromium-ssr", use: { javaScriptEnabled: false }, testIgnore: /\.hydrate\.spec\.ts$/ },
    { name: "chromium-hydrate", use: { javaScriptEnabled: true } },
  ],
});
