import { expect, test } from "@playwright/test";
import { DEMO, open, registerAndSign, signIn, unique } from "./helpers";

test("the superuser signs in, sees the course list, and signs out", async ({ page }, info) => {
  await signIn(page, info, DEMO.admin);
  await expect(page.getByRole("heading", { name: /Hello, Ada Admin/ })).toBeVisible();
  await page.getByRole("link", { name: "Courses", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Courses" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Introduction to Computer Science", exact: true })).toBeVisible();
  await page.screenshot({ path: `test-results/courses-${info.project.name}.png`, fullPage: true });

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByText("You have signed out.")).toBeVisible();
  await expect(page.getByTestId("signed-in-as")).toHaveCount(0);

  // The session really ended on the server: the account page asks to sign in again.
  await open(page, "/account", info);
  await expect(page.getByRole("heading", { name: "Sign in to continue" })).toBeVisible();
});

test("a wrong password shows one clear message and signs nobody in", async ({ page }, info) => {
  await open(page, "/login", info);
  await page.getByLabel("Username or email").fill("learner");
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toContainText("That sign-in did not work");
  await expect(page.getByTestId("signed-in-as")).toHaveCount(0);
});

test("signing in returns to the page that asked for it", async ({ page }, info) => {
  await open(page, "/account", info);
  await page.getByRole("link", { name: "Sign in" }).last().click();
  await expect(page).toHaveURL(/\/login\?next=%2Faccount|\/login\?next=\/account/);
  await page.getByLabel("Username or email").fill(DEMO.learner.username);
  await page.getByLabel("Password").fill(DEMO.learner.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("account-username")).toHaveText("learner");
  await expect(page.getByText("World History")).toBeVisible();
});

test("an instructor reaches the dashboards of their courses but not the course list", async ({ page }, info) => {
  await signIn(page, info, DEMO.instructor);
  await expect(page.getByRole("link", { name: "Courses", exact: true })).toHaveCount(0);
  await open(page, "/courses/course-v1:DemoX+CS101+2026_T1", info);
  await expect(page.getByRole("heading", { name: "Introduction to Computer Science" })).toBeVisible();
  await expect(page.getByRole("cell", { name: /Irene Instructor/ })).toBeVisible();
  await open(page, "/courses", info);
  await expect(page.getByText("You do not have permission to do that.")).toBeVisible();
});

test("a visitor registers, signs the terms, and lands active", async ({ page }, info) => {
  const username = unique(info, "new");
  await registerAndSign(page, info, {
    username,
    email: `${username}@example.org`,
    name: "New Person",
    password: "correct horse battery",
  });
  await open(page, "/account", info);
  await expect(page.getByTestId("account-username")).toHaveText(username);
});

test("registration errors appear next to their fields", async ({ page }, info) => {
  await open(page, "/register", info);
  await page.getByLabel("Username").fill("learner");
  await page.getByLabel("Email").fill("someone-else@example.org");
  await page.getByLabel("Full name").fill("Someone");
  await page.getByLabel("Password", { exact: true }).fill("short");
  await page.getByLabel("Repeat the password").fill("short");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.locator("#field-password-error")).toContainText("at least 10 characters");
  await expect(page.getByTestId("signed-in-as")).toHaveCount(0);
});

test("unknown pages answer 404 with a way home", async ({ page }, info) => {
  const response = await page.goto("/no-such-page");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  await page.getByRole("link", { name: "Go to the home page" }).click();
  await expect(page).toHaveURL(/\/$/);
});
