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

  const team = page.getByTestId("course-team");
  await team.getByLabel("Username or email").fill(member);
  await team.getByLabel("Role").selectOption("staff");
  await team.getByRole("button", { name: "Add", exact: true }).click();
  const table = team.getByTestId("team-table");
  await expect(table.getByRole("row", { name: new RegExp(member) })).toContainText("Staff");
  await expect(table.getByRole("row", { name: new RegExp(member) })).toContainText("by instructor");

  await team.getByRole("button", { name: "Remove instructor as Admin" }).click();
  await expect(team.getByRole("alert")).toContainText("You cannot remove your own Admin role");
  await expect(table.getByRole("row", { name: /Irene Instructor/ })).toBeVisible();

  await team.getByRole("button", { name: `Remove ${member} as Staff` }).click();
  await expect(table.getByRole("row", { name: new RegExp(member) })).toHaveCount(0);
  await page.screenshot({ path: `test-results/team-${info.project.name}.png`, fullPage: true });
});

test("course Staff can enroll but do not see team management", async ({ page }, info) => {
  await signIn(page, info, DEMO.ta);
  await open(page, "/courses/course-v1:DemoX+CS101+2026_T1?tab=membership", info);
  await expect(page.getByRole("heading", { name: "Batch enrollment" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Course team" })).toHaveCount(0);
  await expect(page.getByTestId("staff-cannot-manage")).toContainText("A course Admin can give you the Admin role");
  // Nor can they grant a role through the API: the server refuses whatever the page shows.
  const refused = await page.request.post("/api/membership/team_add", {
    form: { course: "course-v1:DemoX+CS101+2026_T1", identifier: "learner20", role: "instructor" },
    headers: { Accept: "application/json", Origin: new URL(page.url()).origin },
  });
  expect(refused.status()).toBe(403);
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
  await expect(page.getByTestId("course-team").getByTestId("team-table").getByRole("row", { name: new RegExp(tester) })).toContainText("Beta Tester");
});

test("Admins and Discussion Admins manage discussion roles", async ({ page }, info) => {
  const ta = info.project.name.includes("hydrate") ? "learner24" : "learner23";
  await signIn(page, info, DEMO.instructor);
  await open(page, "/courses/course-v1:DemoX+CS101+2026_T1?tab=membership", info);
  const discussion = page.getByTestId("discussion-roles");
  await discussion.getByLabel("Username or email").fill(ta);
  await discussion.getByLabel("Role").selectOption({ label: "Community TA" });
  await discussion.getByRole("button", { name: "Add", exact: true }).click();
  await expect(discussion.getByTestId("team-table").getByRole("row", { name: new RegExp(ta) })).toContainText("Community TA");
  // A course Admin keeps Discussion Admin.
  await discussion.getByRole("button", { name: "Remove instructor as Discussion Admin" }).click();
  await expect(discussion.getByRole("alert")).toContainText("Remove their Admin role first");
  await discussion.getByText("What each role may do").click();
  await expect(discussion.getByTestId("discussion-permissions")).toContainText("manage_moderator");

  // A Discussion Admin sees only the discussion roles, without Discussion Admin to give.
  await page.getByRole("button", { name: "Sign out" }).click();
  await signIn(page, info, { username: "forumadmin", password: "registrar-learner" });
  await open(page, "/courses/course-v1:DemoX+CS101+2026_T1?tab=membership", info);
  await expect(page.getByRole("heading", { name: "Discussion roles" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Batch enrollment" })).toHaveCount(0);
  await expect(page.getByRole("heading", { name: "Course team" })).toHaveCount(0);
  const options = await page.getByTestId("discussion-roles").getByLabel("Role").locator("option").allTextContents();
  expect(options).toEqual(["Discussion Moderator", "Group Community TA", "Community TA"]);
  await page.screenshot({ path: `test-results/discussion-${info.project.name}.png`, fullPage: true });
});

test("staff search and filter the enrollment list and download it", async ({ page }, info) => {
  await signIn(page, info, DEMO.ta);
  await open(page, "/courses/course-v1:DemoX+CS101+2026_T1?tab=membership", info);
  const roster = page.getByTestId("roster");
  await roster.getByLabel("Name, username or email starts with").fill("learner3");
  await roster.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/q=learner3/);
  const rows = roster.getByTestId("roster-table").locator("tbody tr");
  await expect(rows.first()).toContainText("learner3");
  for (const text of await rows.allTextContents()) expect(text).toContain("learner3");
  await roster.getByLabel("Show").selectOption("invited");
  await roster.getByLabel("Name, username or email starts with").fill("");
  await roster.getByRole("button", { name: "Filter" }).click();
  await expect(roster.getByTestId("roster-table")).toContainText("guest.lecturer@example.org");
  await expect(roster.getByTestId("roster-table")).toContainText("no account yet");
  const csv = await page.request.get((await roster.getByTestId("roster-csv").getAttribute("href"))!);
  expect(csv.status()).toBe(200);
  expect(await csv.text()).toContain(",,guest.lecturer@example.org,,invited,false,");
  await page.screenshot({ path: `test-results/roster-${info.project.name}.png`, fullPage: true });
});

test("a long list runs in the background with a progress bar, then shows its report", async ({ page }, info) => {
  await signIn(page, info, DEMO.instructor);
  await open(page, "/courses/course-v1:DemoX+DS201+2026_T1?tab=membership", info);
  const prefix = unique(info, "bulk");
  const list = Array.from({ length: 1200 }, (_, i) => `${prefix}-${i}@example.org`).join("\n");
  await page.getByLabel("Email addresses and/or usernames").fill(list);
  // Twelve hundred notices would use most of the course's daily mail budget: no mail this time.
  const batchForm = page.locator("form", { has: page.getByRole("button", { name: "Enroll", exact: true }) });
  await batchForm.getByLabel("Notify by email").uncheck();
  await page.getByRole("button", { name: "Enroll", exact: true }).click();
  await expect(page.getByTestId("batch-progress").or(page.getByTestId("batch-report"))).toBeVisible();
  await expect(page).toHaveURL(/batch=/);
  // The page follows the job on its own and ends on the report.
  await expect(page.getByTestId("batch-report")).toContainText("Enrollment of 1200 entries", { timeout: 30_000 });
  await expect(page.getByTestId("group-Invited")).toContainText(`${prefix}-0@example.org`);
  const csv = await page.request.get((await page.getByTestId("report-csv").getAttribute("href"))!);
  expect((await csv.text()).trim().split("\n")).toHaveLength(1201);
});

test("a CSV file of emails enrolls and invites", async ({ page }, info) => {
  await signIn(page, info, DEMO.instructor);
  await open(page, "/courses/course-v1:DemoX+DS201+2026_T1?tab=membership", info);
  const invitee = `${unique(info, "csv")}@example.org`;
  await page.getByText("Or upload a CSV file").click();
  await page.getByLabel("CSV file").setInputFiles({
    name: "list.csv",
    mimeType: "text/csv",
    buffer: Buffer.from(`email,name\n${invitee},New Person\nlearner09@example.org,Known\n`),
  });
  await page.getByRole("button", { name: "Enroll from file", exact: true }).click();
  await expect(page.getByTestId("group-Invited")).toContainText(invitee);
  await expect(page.getByTestId("batch-report")).toContainText("Enrollment of 2 entries");
  // A file that is not text is refused with the reason, back on the form.
  await page.getByText("Or upload a CSV file").click();
  await page.getByLabel("CSV file").setInputFiles({ name: "x.csv", mimeType: "text/csv", buffer: Buffer.from([0xff, 0xfe, 0x00]) });
  await page.getByRole("button", { name: "Enroll from file", exact: true }).click();
  await expect(page.getByTestId("upload-error")).toContainText("not UTF-8");
});
