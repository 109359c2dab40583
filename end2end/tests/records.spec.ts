import { expect, test } from "@playwright/test";
import { DEMO, open, signIn } from "./helpers";

test("a learner opens a program record, shares it, the public link works signed out, and unsharing ends it", async ({
  page,
  browser,
}, info) => {
  await signIn(page, info, DEMO.learner);
  await page.getByRole("link", { name: "My records" }).click();
  await expect(page.getByRole("heading", { name: "My learner records" })).toBeVisible();
  const programs = page.getByTestId("program-records");
  await expect(programs).toContainText("Data Science MicroMasters");
  await expect(programs).toContainText("2 of 3 courses earned");
  await expect(programs).toContainText("Completed");
  await page.screenshot({ path: `test-results/records-list-${info.project.name}.png`, fullPage: true });

  await programs.getByRole("listitem").filter({ hasText: "Data Science MicroMasters" }).getByRole("link", { name: "View program record" }).click();
  await expect(page.getByTestId("record-title")).toHaveText("Data Science MicroMasters");
  const courses = page.getByTestId("record-courses");
  // The best verified grade of the awarded run; a certificate without a grade still reads Earned.
  const cs101 = courses.getByRole("row").filter({ hasText: "Introduction to Computer Science" });
  await expect(cs101).toContainText("91%");
  await expect(cs101).toContainText("Earned");
  await expect(courses.getByRole("row").filter({ hasText: "Data Science Foundations" })).toContainText("Earned");
  await expect(courses.getByRole("row").filter({ hasText: "Linear Algebra" })).toContainText("Not earned");
  await expect(courses.getByRole("row").filter({ hasText: "Linear Algebra" })).not.toContainText("45%");
  await expect(page.getByTestId("not-shared")).toBeVisible();

  // Share: a public link appears.
  await page.getByRole("button", { name: "Create public link" }).click();
  const link = page.getByLabel("Public link");
  await expect(link).toHaveValue(/\/records\/shared\/[0-9a-f]{32}$/);
  const url = new URL(await link.inputValue());
  await page.screenshot({ path: `test-results/record-shared-${info.project.name}.png`, fullPage: true });

  // Anyone can open it without signing in; the email stays hidden.
  const stranger = await browser.newContext({ javaScriptEnabled: info.project.use.javaScriptEnabled });
  const publicPage = await stranger.newPage();
  await open(publicPage, url.pathname, info);
  await expect(publicPage.getByTestId("record-title")).toHaveText("Data Science MicroMasters");
  await expect(publicPage.getByTestId("record-learner")).toHaveText("Leo Learner");
  await expect(publicPage.getByTestId("signed-in-as")).toHaveCount(0);
  await expect(publicPage.getByText("Shared by the learner on")).toBeVisible();
  await publicPage.screenshot({ path: `test-results/record-public-${info.project.name}.png`, fullPage: true });

  // The owner sees the view counted, then stops sharing.
  await page.reload();
  if (info.project.use.javaScriptEnabled !== false) {
    await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  }
  await expect(page.getByTestId("share-link")).toContainText("viewed 1 times");
  await page.getByRole("button", { name: "Stop sharing" }).click();
  await expect(page.getByTestId("not-shared")).toBeVisible();

  // The link is gone for everyone.
  await open(publicPage, url.pathname, info);
  await expect(publicPage.getByRole("heading", { name: "Not found" })).toBeVisible();
  await expect(publicPage.getByText("may have been unshared")).toBeVisible();
  await stranger.close();
});

test("a learner sends a record to a credit pathway and the send is in the history", async ({ page }, info) => {
  await signIn(page, info, DEMO.learner);
  await open(page, "/records", info);
  await page
    .getByTestId("program-records")
    .getByRole("listitem")
    .filter({ hasText: "Data Science MicroMasters" })
    .getByRole("link", { name: "View program record" })
    .click();
  const send = page.getByRole("region", { name: "Send to a credit pathway" });
  // Only the published credit pathway is offered (not the industry one).
  await expect(send).toContainText("State University Credit Pathway");
  await expect(send).not.toContainText("Industry Partners");
  await send.getByRole("checkbox", { name: /I understand the organisation receives/ }).check();
  await send.getByRole("button", { name: "Send record" }).click();
  await expect(page.getByTestId("record-history")).toContainText("Sent to State University Credit Pathway");
  // Sending shared the record (the mail carries its link); the learner can end that link.
  await expect(page.getByTestId("share-link")).toBeVisible();
  await page.getByRole("button", { name: "Stop sharing" }).click();
  await expect(page.getByTestId("not-shared")).toBeVisible();
});

test("staff administer credentials in the console", async ({ page }, info) => {
  await signIn(page, info, DEMO.admin);
  await open(page, "/admin/credentials", info);
  await expect(page.getByRole("heading", { name: "Credentials", exact: true })).toBeVisible();
  await expect(page.getByTestId("programs")).toContainText("Data Science MicroMasters");
  await expect(page.getByTestId("pathways")).toContainText("State University Credit Pathway");
  await page.screenshot({ path: `test-results/console-credentials-${info.project.name}.png`, fullPage: true });
  // A duplicate configuration is refused with the one it conflicts with.
  const form = page.getByRole("region", { name: "Course certificate configurations" });
  await form.getByLabel("Course run").fill("course-v1:DemoX+CS101+2026_T1");
  await form.getByLabel("Certificate type").selectOption("verified");
  await form.getByRole("button", { name: "Save configuration" }).click();
  await expect(page.getByText("already has a Verified certificate configuration")).toBeVisible();
  // A learner's records, read only.
  await open(page, "/admin/records?username=learner", info);
  await expect(page.getByTestId("records-of")).toContainText("Leo Learner");
  await expect(page.getByTestId("program-records")).toContainText("Humanities and Life Sciences");
});
