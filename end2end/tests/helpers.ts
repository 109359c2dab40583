import { expect, Page, TestInfo } from "@playwright/test";

export const DEMO = {
  admin: { username: "admin", password: "registrar-admin" },
  instructor: { username: "instructor", password: "registrar-instructor" },
  learner: { username: "learner", password: "registrar-learner" },
  ta: { username: "ta", password: "registrar-learner" },
};

/** Open a page and, with JavaScript on, wait until the app has hydrated. */
export async function open(page: Page, path: string, info: TestInfo) {
  await page.goto(path);
  if (info.project.use.javaScriptEnabled !== false) {
    await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  }
}

export async function signIn(page: Page, info: TestInfo, who: { username: string; password: string }) {
  await open(page, "/login", info);
  await page.getByLabel("Username or email").fill(who.username);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("signed-in-as")).toContainText(who.username);
}

/** A name unique to this run and project, for accounts a test creates. */
export function unique(info: TestInfo, prefix: string) {
  const project = info.project.name.includes("hydrate") ? "h" : "s";
  return `${prefix}${project}${Date.now().toString(36)}`;
}

/** Register a new account and sign the Terms of use it must sign before it is active. */
export async function registerAndSign(
  page: Page,
  info: TestInfo,
  who: { username: string; email: string; name: string; password: string },
) {
  await open(page, "/register", info);
  await page.getByLabel("Username").fill(who.username);
  await page.getByLabel("Email").fill(who.email);
  await page.getByLabel("Full name").fill(who.name);
  await page.getByLabel("Password", { exact: true }).fill(who.password);
  await page.getByLabel("Repeat the password").fill(who.password);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("heading", { name: `Agreements for ${who.username}` })).toBeVisible();
  await page.getByLabel(/I have read and agree to .Terms of use./).check();
  await page.getByRole("button", { name: "Sign", exact: true }).click();
  await expect(page.getByTestId("activated")).toBeVisible();
  await expect(page.getByTestId("signed-in-as")).toContainText(who.username);
}
