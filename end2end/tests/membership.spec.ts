import { expect, test } from "@playwright/test";
import { DEMO, open, signIn, unique } from "./helpers";

test("an instructor enrolls a mixed list and sees the results grouped", async ({ page }, info) => {
  await signIn(page, info, DEMO.instructor);
  await open(page, "/courses/course-v1:DemoX+DS201+2026_T1", info);
  await page.getByRole("link", { name: "Membership" }).click();
  await expect(page.getByRole("heading", { name: "Batch enrollment" })).toBeVisible();

  const invitee = `${unique(info, "invitee")}@example.org`;
  await page.getByLabel("Email addresses and/or usernames").fill(`learner05\n${invitee}, nosuchuser\nlearner03`);
  await page.getByLabel("Auto enroll").check();
  await page.getByLabel("Reason (optional)").fill("end-to-end test");
  await page.getByRole("button", { name: "Enroll", exact: true }).click();

  const report = page.getByTestId("batch-report");
  await expect(report).toContainText("Enrollment of 4 entries");
  await expect(page.getByTestId("group-Enrolled")).toContainText("learner05");
  await expect(page.getByTestId("group-Invited")).toContainText(invitee);
  await expect(page.getByTestId("group-Invalid")).toContainText("No account has this username.");
  await expect(page.getByTestId("group-AlreadyEnrolled")).toContainText("learner03");
  await page.screenshot({ path: `test-results/membership-${info.project.name}.png`, fullPage: true });

  // The report stays on the page across a reload.
  await page.reload();
  await expect(page.getByTestId("group-Invited")).toContainText(invitee);

  // Unenrolling the same learner is reported in its own group.
  await page.getByLabel("Email addresses and/or usernames").fill("learner05");
  await page.getByRole("button", { name: "Unenroll" }).click();
  await expect(page.getByTestId("group-Unenrolled")).toContainText("learner05");
});

test("a learner has no Membership tab and no access to it", async ({ page }, info) => {
  await signIn(page, info, DEMO.learner);
  await open(page, "/courses/course-v1:DemoX+CS101+2026_T1?tab=membership", info);
  await expect(page.getByText("You do not have permission to do that.")).toBeVisible();
  await expect(page.getByRole("heading", { name: "Batch enrollment" })).toHaveCount(0);
});

test("an Admin adds a Staff member, cannot drop their own Admin role, and removes the member", async ({ page }, info) => {
  const member = info.project.name.includes("hydrate") ? "learner16" : "learner15";
  await signIn(page, info, DEMO.instructor);
  await open(page, "/courses/course-v1:DemoX+CS101+2026_T1?tab=membership", info);
  await expect(page.getByRole("heading", { name: "Course team" })).toBeVisible();

  await page.getByLabel("Username or email").fill(member);
  await page.getByLabel("Role").selectOption("staff");
  await page.getByRole("button", { name: "Add", exact: true }).click();
  const table = page.getByTestId("team-table");
  await expect(table.getByRole("row", { name: new RegExp(member) })).toContainText("Staff");
  await expect(table.getByRole("row", { name: new RegExp(member) })).toContainText("by instructor");

  await page.getByRole("button", { name: "Remove instructor as Admin" }).click();
  await expect(page.getByRole("alert")).toContainText("You cannot remove your own Admin role");
  await expect(table.getByRole("row", { name: /Irene Instructor/ })).toBeVisible();

  await page.getByRole("button", { name: `Remove ${member} as Staff` }).click();
  await expect(page.getByTestId("team-table").getByRole("row", { name: new RegExp(member) })).toHaveCount(0);
  await page.screenshot({ path: `test-results/team-${info.project.name}.png`, fullPage: true });
});

test("course Staff can enroll but do not see team management", async ({ page }, info) => {
  await signIn(page, info, DEMO.ta);
  await open(page, "/courses/course-v1:DemoX+CS101+2026_T1?tab=membership", info);
  await expect(page.getByRole("heading", { name: "Batch enrollment" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Course team" })).toHaveCount(0);
});

test("an Admin adds beta testers and sees unknown accounts reported", async ({ page }, info) => {
  const tester = info.project.name.includes("hydrate") ? "learner18" : "learner17";
  await signIn(page, info, DEMO.instructor);
  await open(page, "/courses/course-v1:DemoX+CS101+2026_T1?tab=membership", info);
  await page.getByLabel("Usernames and/or email addresses").fill(`${tester}, nobody-here@example.org`);
  await page.getByRole("button", { name: "Add beta testers" }).click();
  await expect(page.getByTestId("batch-report")).toContainText("Adding beta testers of 2 entries");
  await expect(page.getByTestId("group-BetaAdded")).toContainText(tester);
  await expect(page.getByTestId("group-Invalid")).toContainText("beta testers need an account");
  await expect(page.getByTestId("team-table").getByRole("row", { name: new RegExp(tester) })).toContainText("Beta Tester");
});
