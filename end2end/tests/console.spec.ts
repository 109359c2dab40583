import { expect, test } from "@playwright/test";
import { DEMO, open, signIn, unique } from "./helpers";

// Each project (JavaScript off, then on) deactivates and reactivates its own demo learner, so the
// database ends as it started.
test("an admin finds a user and deactivates them; their open session is refused at once", async ({
  page,
  browser,
}, info) => {
  const target = info.project.name.includes("hydrate") ? "learner31" : "learner30";
  const theirs = await browser.newContext({ javaScriptEnabled: info.project.use.javaScriptEnabled });
  const them = await theirs.newPage();
  await signIn(them, info, { username: target, password: DEMO.learner.password });
  await open(them, "/account", info);
  await expect(them.getByTestId("account-username")).toHaveText(target);

  await signIn(page, info, DEMO.admin);
  await page.getByRole("link", { name: "Admin console" }).click();
  await expect(page.getByRole("heading", { name: "Users" })).toBeVisible();
  await page.getByLabel("Username, email or name starts with").fill(target.toUpperCase());
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.getByTestId("users-count")).toContainText("1 accounts");
  await page.screenshot({ path: `test-results/console-users-${info.project.name}.png`, fullPage: true });
  await page.getByRole("link", { name: target, exact: true }).click();
  await expect(page.getByTestId("user-heading")).toContainText(target);
  await expect(page.getByTestId("user-state")).toHaveText("Active");
  await expect(page.getByTestId("user-sessions")).toBeVisible();

  // Without the confirmation box, the browser does not send the form.
  await page.getByLabel("Reason (kept in the audit log)").fill("e2e: left the course team");
  await page.getByLabel("End every session and token and drop every role and group now").check();
  await page.getByRole("button", { name: "Deactivate" }).click();
  await expect(page.getByTestId("user-state")).toHaveText("Deactivated");
  await expect(page.getByTestId("user-audit")).toContainText("user.deactivate by admin — e2e: left the course team");
  await page.screenshot({ path: `test-results/console-user-${info.project.name}.png`, fullPage: true });

  // Their browser is still open: the next page load finds no session.
  await open(them, "/account", info);
  await expect(them.getByRole("heading", { name: "Sign in to continue" })).toBeVisible();
  await open(them, "/login", info);
  await them.getByLabel("Username or email").fill(target);
  await them.getByLabel("Password").fill(DEMO.learner.password);
  await them.getByRole("button", { name: "Sign in" }).click();
  await expect(them.getByRole("alert")).toContainText("deactivated");
  await theirs.close();

  // The audit log finds the change by its target.
  await open(page, `/admin/audit?target=${target}`, info);
  await expect(page.getByTestId("audit")).toContainText("user.deactivate");

  // And back as it was.
  await open(page, `/admin/users/${target}`, info);
  await page.getByRole("button", { name: "Reactivate" }).click();
  await expect(page.getByTestId("user-state")).toHaveText("Active");
});

test("an invited email registers and lands active after signing the agreement", async ({ page, browser }, info) => {
  const username = unique(info, "invitee");
  const email = `${username}@example.org`;
  await signIn(page, info, DEMO.admin);
  await open(page, "/admin/invitations", info);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Role (optional)").selectOption({ label: "Beta Tester" });
  await page.getByLabel("Where").fill("course-v1:DemoX+CS101+2026_T1");
  await page.getByRole("button", { name: "Invite", exact: true }).click();
  const row = page.getByTestId("invitations").getByRole("row").filter({ hasText: email });
  await expect(row).toContainText("open");
  await expect(row).toContainText("Beta Tester · course-v1:DemoX+CS101+2026_T1");
  await page.screenshot({ path: `test-results/console-invitations-${info.project.name}.png`, fullPage: true });

  const theirs = await browser.newContext({ javaScriptEnabled: info.project.use.javaScriptEnabled });
  const them = await theirs.newPage();
  await open(them, "/register", info);
  await them.getByLabel("Username").fill(username);
  await them.getByLabel("Email").fill(email);
  await them.getByLabel("Full name").fill("Ivy Invitee");
  await them.getByLabel("Password", { exact: true }).fill("correct horse battery");
  await them.getByLabel("Repeat the password").fill("correct horse battery");
  await them.getByRole("button", { name: "Create account" }).click();
  await expect(them.getByRole("heading", { name: `Agreements for ${username}` })).toBeVisible();
  await expect(them.getByTestId("agreements-to-sign")).toContainText("Terms of use");
  await them.screenshot({ path: `test-results/agreements-${info.project.name}.png`, fullPage: true });
  // Not active yet: the account page asks to sign in.
  await open(them, "/account", info);
  await expect(them.getByRole("heading", { name: "Sign in to continue" })).toBeVisible();
  await open(them, "/account/agreements", info);
  await them.getByLabel(/I have read and agree to .Terms of use./).check();
  await them.getByRole("button", { name: "Sign", exact: true }).click();
  await expect(them.getByTestId("activated")).toBeVisible();
  await expect(them.getByTestId("signed-in-as")).toContainText(username);
  // The invitation waits until the address is proven: My account says so.
  await open(them, "/account", info);
  await expect(them.getByRole("heading", { name: "Confirm your email address" })).toBeVisible();
  // The link in the mail (as the admin reads it in the outbox; there is no SMTP here) confirms it.
  await open(page, `/admin/outbox?to=${encodeURIComponent(email)}`, info);
  const mail = page.getByTestId("outbox").locator("li", { hasText: "Confirm your email address" });
  await mail.locator("summary").click();
  const body = await mail.getByTestId("mail-body").textContent();
  const link = body?.match(/https?:\/\/\S+\/account\/confirm-address\?token=\S+/)?.[0];
  expect(link, body ?? "").toBeTruthy();
  await open(them, new URL(link!).pathname + new URL(link!).search, info);
  await them.getByRole("button", { name: "Confirm my address" }).click();
  // With JavaScript the page says so; without, My account does.
  await expect(them.getByText(/(address of .* is confirmed|Your email address is confirmed)/)).toBeVisible();
  await them.screenshot({ path: `test-results/address-confirmed-${info.project.name}.png`, fullPage: true });
  await open(them, "/account", info);
  await expect(them.getByRole("heading", { name: "Confirm your email address" })).toHaveCount(0);
  await theirs.close();

  await open(page, "/admin/invitations", info);
  await expect(page.getByTestId("invitations").getByRole("row").filter({ hasText: email })).toContainText(
    `used by ${username}`,
  );
  await open(page, `/admin/users/${username}`, info);
  await expect(page.getByTestId("user-roles")).toContainText("Beta Tester · course-v1:DemoX+CS101+2026_T1");
  await expect(page.getByTestId("user-signatures")).toContainText("Terms of use (version 1)");
});

test("help desk staff see only the sections their group gives them", async ({ page }, info) => {
  await signIn(page, info, { username: "helpdesk", password: "registrar-staff" });
  await page.getByRole("link", { name: "Admin console" }).click();
  const nav = page.getByRole("navigation", { name: "Admin console" });
  await expect(nav.getByRole("link")).toHaveText(["Users", "Invitations", "Audit log", "Outbox"]);
  await open(page, "/admin/jobs", info);
  await expect(page.getByText("view_jobs")).toBeVisible();
});

test("on a phone no console or team page scrolls sideways; a wide table scrolls in its own region", async ({
  page,
}, info) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page, info, DEMO.admin);
  for (const path of [
    "/admin/users",
    "/admin/roles",
    "/admin/credentials",
    "/admin/retirements",
    "/admin/outbox",
    "/courses/course-v1:DemoX+CS101+2026_T1/team",
    "/libraries/lib:DemoX:cs101-problems",
  ]) {
    await open(page, path, info);
    const [scroll, client] = await page.evaluate(() => [
      document.documentElement.scrollWidth,
      document.documentElement.clientWidth,
    ]);
    expect(scroll, `${path} is ${scroll}px wide on a ${client}px screen`).toBeLessThanOrEqual(client);
  }
  // The course team is wider than the phone: its region scrolls, and every Admin is still listed.
  await open(page, "/courses/course-v1:DemoX+CS101+2026_T1/team", info);
  const region = page.getByRole("region", { name: "Course team members" });
  await expect(region).toContainText("instructor@example.org");
  const [inner, outer] = await region.evaluate((el) => [el.scrollWidth, el.clientWidth]);
  expect(inner).toBeGreaterThan(outer);
});
