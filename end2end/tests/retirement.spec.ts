import { expect, test } from "@playwright/test";
import { DEMO, open, registerAndSign, signIn, unique } from "./helpers";

const PASSWORD = "correct horse battery";

test("a learner deletes their account, is signed out, cannot sign in, and cancels through the mailed link", async ({
  page,
  browser,
}, info) => {
  const username = unique(info, "leaver");
  const email = `${username}@example.org`;
  await registerAndSign(page, info, { username, email, name: "Lena Leaver", password: PASSWORD });
  await open(page, "/account", info);
  await expect(page.getByTestId("account-username")).toHaveText(username);

  // What goes and what stays is said before anything happens.
  const section = page.getByRole("region", { name: "Delete my account" });
  await expect(section).toContainText("after 14 days");
  await expect(section).toContainText("credentials and learner records");
  await expect(section).toContainText(email);
  // Download my data first.
  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download my data" }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe(`registrar-data-${username}.json`);

  // A wrong password changes nothing.
  await section.getByLabel("Your password, to confirm").fill("not my password");
  await section.getByRole("button", { name: "Delete my account" }).click();
  await expect(section.getByText("That password is not correct.")).toBeVisible();
  await expect(page.getByTestId("signed-in-as")).toContainText(username);
  await page.screenshot({ path: `test-results/delete-account-${info.project.name}.png`, fullPage: true });

  await page
    .getByRole("region", { name: "Delete my account" })
    .getByLabel("Your password, to confirm")
    .fill(PASSWORD);
  await page.getByRole("region", { name: "Delete my account" }).getByRole("button", { name: "Delete my account" }).click();
  await expect(page.getByRole("heading", { name: "Your account is queued for deletion" })).toBeVisible();
  await expect(page.getByTestId("due-date")).toHaveText(/^\d{4}-\d{2}-\d{2}$/);
  await expect(page.getByTestId("signed-in-as")).toHaveCount(0);
  await page.screenshot({ path: `test-results/deletion-requested-${info.project.name}.png`, fullPage: true });

  // Signing in again says why it fails and how to keep the account.
  await open(page, "/login", info);
  await page.getByLabel("Username or email").fill(username);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toContainText("queued for deletion on");
  await expect(page.getByTestId("signed-in-as")).toHaveCount(0);

  // The mail with the link, as an admin reads it in the console's outbox (no SMTP here).
  const admin = await browser.newPage({ javaScriptEnabled: info.project.use.javaScriptEnabled });
  await signIn(admin, info, DEMO.admin);
  await open(admin, `/admin/outbox?to=${encodeURIComponent(email)}`, info);
  const mail = admin.getByTestId("outbox").locator("li", { hasText: "Your account is queued for deletion" });
  await mail.locator("summary").click();
  const body = await mail.getByTestId("mail-body").textContent();
  const link = body?.match(/https?:\/\/\S+\/account\/cancel-deletion\?token=\S+/)?.[0];
  expect(link, body ?? "").toBeTruthy();
  // The console lists the retirement, pending.
  await open(admin, `/admin/retirements?search=${encodeURIComponent(username)}`, info);
  await expect(admin.getByTestId("retirements")).toContainText("PENDING");
  await admin.screenshot({ path: `test-results/retirements-${info.project.name}.png`, fullPage: true });
  await admin.close();

  // The link opens a page that asks first; the button cancels.
  const path = new URL(link!).pathname + new URL(link!).search;
  await open(page, path, info);
  await expect(page.getByRole("heading", { name: "Cancel account deletion" })).toBeVisible();
  await expect(page.getByText(username)).toBeVisible();
  await page.getByRole("button", { name: "Cancel the deletion" }).click();
  await expect(page.getByText("The deletion is cancelled and your account is active again.")).toBeVisible();
  await signIn(page, info, { username, password: PASSWORD });
});

test("an admin sees learners per state and a completed retirement's history, with nothing left to do", async ({ page }, info) => {
  await signIn(page, info, DEMO.admin);
  await open(page, "/admin/retirements", info);
  const counts = page.getByTestId("state-counts");
  await expect(counts.getByRole("row", { name: /COMPLETE/ }).last()).toContainText("1");
  await page.getByLabel("State", { exact: true }).selectOption("COMPLETE");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page).toHaveURL(/state=COMPLETE/);
  await page.getByTestId("retirements").getByRole("link").first().click();
  await expect(page.getByTestId("retirement-state")).toHaveText("COMPLETE");
  await expect(page.getByTestId("retirement-events")).toContainText("Learner retirement complete.");
  // A complete retirement offers no resume, cancel or abort.
  await expect(page.getByRole("button", { name: "Resume" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Abort" })).toHaveCount(0);
  await page.screenshot({ path: `test-results/retirement-detail-${info.project.name}.png`, fullPage: true });
});
