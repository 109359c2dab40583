import { expect, Page, test } from "@playwright/test";
import { DEMO, open, registerAndSign, signIn, unique } from "./helpers";

/** The first link in the last mail to `to` whose subject matches, read in the console's outbox. */
async function mailedLink(admin: Page, info: Parameters<typeof open>[2], to: string, subject: string, path: string) {
  await open(admin, `/admin/outbox?to=${encodeURIComponent(to)}`, info);
  const mail = admin.getByTestId("outbox").locator("li", { hasText: subject }).first();
  await mail.locator("summary").click();
  const body = (await mail.getByTestId("mail-body").textContent()) ?? "";
  const found = body.match(new RegExp(`https?://\\S+${path.replace(/[/?]/g, "\\$&")}\\S+`))?.[0];
  expect(found, body).toBeTruthy();
  const url = new URL(found!);
  return url.pathname + url.search;
}

test("someone who forgot their password gets a link and signs in with a new one", async ({ page, browser }, info) => {
  const who = { username: unique(info, "forgetful"), email: "", name: "Fay Forgetful", password: "first long phrase" };
  who.email = `${who.username}@example.org`;
  await registerAndSign(page, info, who);
  await page.context().clearCookies();

  await open(page, "/login", info);
  await page.getByRole("link", { name: "Forgot password?" }).click();
  await expect(page.getByRole("heading", { name: "Forgot your password?" })).toBeVisible();
  await page.getByLabel("Username or email").fill(who.email.toUpperCase());
  await page.getByRole("button", { name: "Send the link" }).click();
  await expect(page.getByText("If an account goes by that name or address, we sent a link")).toBeVisible();
  await page.screenshot({ path: `test-results/forgot-password-${info.project.name}.png`, fullPage: true });

  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  await signIn(admin, info, DEMO.admin);
  const link = await mailedLink(admin, info, who.email, "Choose a new Registrar password", "/account/reset-password?token=");
  await adminContext.close();
  await open(page, link, info);
  await page.getByLabel("New password", { exact: true }).fill("second long phrase");
  await page.getByLabel("New password again").fill("second long phrase");
  await page.getByRole("button", { name: "Set password" }).click();
  await expect(page.getByText("Your password is set. Sign in with it.")).toBeVisible();
  await signIn(page, info, { username: who.username, password: "second long phrase" });
});

test("a learner renames themselves, changes their password and signs out another browser", async ({ page, browser }, info) => {
  const who = { username: unique(info, "settler"), email: "", name: "Sam Settler", password: "first long phrase" };
  who.email = `${who.username}@example.org`;
  await registerAndSign(page, info, who);
  const otherContext = await browser.newContext();
  const other = await otherContext.newPage();
  await signIn(other, info, who);

  await open(page, "/account", info);
  const sessions = page.getByTestId("my-sessions");
  await expect(sessions.locator("li")).toHaveCount(2);
  await expect(sessions).toContainText("this browser");
  await expect(sessions).toContainText(/Chrom\w+ \d+ on Linux/);

  await page.getByLabel("Full name").fill("Samantha Settler");
  await page.getByRole("button", { name: "Save name" }).click();
  await expect(page.getByText("Your name is saved.")).toBeVisible();
  await expect(page.getByLabel("Full name")).toHaveValue("Samantha Settler");

  await page.getByLabel("Current password").fill("not it");
  await page.getByLabel("New password", { exact: true }).fill("second long phrase");
  await page.getByLabel("Repeat the new password").fill("second long phrase");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("That password is not correct").first()).toBeVisible();

  await page.getByLabel("Current password").fill(who.password);
  await page.getByLabel("New password", { exact: true }).fill("second long phrase");
  await page.getByLabel("Repeat the new password").fill("second long phrase");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("Your password is changed.")).toBeVisible();
  await expect(page.getByTestId("my-sessions").locator("li")).toHaveCount(1);
  await expect(page.getByTestId("my-sign-ins")).toContainText(/Chrom\w+ \d+ on Linux · 127\.0\.0\.1 · password · signed in/);
  await page.setViewportSize({ width: 390, height: 900 });
  await page.screenshot({ path: `test-results/account-settings-390-${info.project.name}.png`, fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: `test-results/account-settings-1280-${info.project.name}.png`, fullPage: true });

  await open(other, "/account", info);
  await expect(other.getByRole("heading", { name: "Sign in to continue" })).toBeVisible();
  await otherContext.close();
});

test("an invitee registers through the mailed link and needs no second mail", async ({ page, browser }, info) => {
  const username = unique(info, "linked");
  const email = `${username}@example.org`;
  await signIn(page, info, DEMO.admin);
  await open(page, "/admin/invitations", info);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Role (optional)").selectOption({ label: "Beta Tester" });
  await page.getByLabel("Where").fill("course-v1:DemoX+CS101+2026_T1");
  await page.getByRole("button", { name: "Invite", exact: true }).click();
  const link = await mailedLink(page, info, email, "You are invited to Registrar", "/register?email=");

  const theirs = await browser.newContext({ javaScriptEnabled: info.project.use.javaScriptEnabled });
  const them = await theirs.newPage();
  await open(them, link, info);
  await expect(them.getByText("You were invited at this address.")).toBeVisible();
  await expect(them.getByLabel("Email")).toHaveValue(email);
  await them.screenshot({ path: `test-results/register-invited-${info.project.name}.png`, fullPage: true });
  await them.getByLabel("Username").fill(username);
  await them.getByLabel("Full name").fill("Lin Linked");
  await them.getByLabel("Password", { exact: true }).fill("correct horse battery");
  await them.getByLabel("Repeat the password").fill("correct horse battery");
  await them.getByRole("button", { name: "Create account" }).click();
  await expect(them.getByRole("heading", { name: `Agreements for ${username}` })).toBeVisible();
  await them.getByLabel(/I have read and agree to .Terms of use./).check();
  await them.getByRole("button", { name: "Sign", exact: true }).click();
  await expect(them.getByTestId("activated")).toBeVisible();
  await open(them, "/account", info);
  await expect(them.getByRole("heading", { name: "Confirm your email address" })).toHaveCount(0);
  await theirs.close();

  await open(page, `/admin/users/${username}`, info);
  await expect(page.getByTestId("user-roles")).toContainText("Beta Tester · course-v1:DemoX+CS101+2026_T1");
  await expect(page.getByTestId("email-verified")).toHaveText("confirmed");
  await expect(page.getByTestId("user-sign-ins")).toContainText("signed in");
});

/** The code an authenticator app shows for a base32 key (RFC 6238, SHA-1, 30 s, 6 digits). */
function appCode(key: string, offsetSteps = 0): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of key.replace(/[\s=]/g, "").toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const bytes = Buffer.from(bits.match(/.{8}/g)!.map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 1000 / 30) + offsetSteps));
  const mac = require("crypto").createHmac("sha1", bytes).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  const value = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return value.toString().padStart(6, "0");
}

test("a learner turns on two-step sign-in and signs in with a recovery code", async ({ page }, info) => {
  const who = { username: unique(info, "twostep"), email: "", name: "Tess Twostep", password: "first long phrase" };
  who.email = `${who.username}@example.org`;
  await registerAndSign(page, info, who);
  await open(page, "/account", info);
  await expect(page.getByTestId("two-step-state")).toContainText("Off.");
  await page.getByRole("link", { name: "Set up" }).click();
  await expect(page.getByRole("heading", { name: "Two-step sign-in" })).toBeVisible();
  const key = (await page.getByTestId("two-step-secret").textContent())!;
  const codes = await page.getByTestId("recovery-codes").locator("li").allTextContents();
  expect(codes).toHaveLength(10);
  await page.setViewportSize({ width: 390, height: 900 });
  await page.screenshot({ path: `test-results/two-step-setup-390-${info.project.name}.png`, fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.getByLabel("Code from the app").fill(appCode(key));
  await page.getByLabel("Your password").fill(who.password);
  await page.getByRole("button", { name: "Turn on two-step sign-in" }).click();
  await expect(page.getByText("Two-step sign-in is on")).toBeVisible();
  await expect(page.getByTestId("two-step-state")).toContainText("Recovery codes left: 10");

  await page.context().clearCookies();
  await open(page, "/login", info);
  await page.getByLabel("Username or email").fill(who.username);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Enter your code" })).toBeVisible();
  await page.getByLabel("Code").fill("000000");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText("That code is not right").first()).toBeVisible();
  await page.getByLabel("Code").fill(codes[0]);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("signed-in-as")).toContainText(who.username);
  await page.screenshot({ path: `test-results/two-step-signed-in-${info.project.name}.png`, fullPage: true });
});
