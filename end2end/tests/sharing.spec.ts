import { expect, test } from "@playwright/test";
import { DEMO, open, signIn, unique } from "./helpers";

const DS201 = "course-v1:DemoX+DS201+2026_T1";

test("an Admin adds a Staff member by email, promotes them, and the last Admin stays", async ({ page }, info) => {
  // Each project (JavaScript off, then on) works with its own learner on the same database.
  const member = info.project.name.includes("hydrate") ? "learner18" : "learner17";
  await signIn(page, info, DEMO.instructor);
  await open(page, `/courses/${DS201}`, info);
  await page.getByRole("link", { name: "Course team" }).click();
  await expect(page.getByRole("heading", { name: "Course team", level: 1 })).toBeVisible();

  await page.getByLabel("Email or username").fill(`${member}@example.org`);
  await page.getByLabel("Role", { exact: true }).selectOption("staff");
  await page.getByRole("button", { name: "Add", exact: true }).click();
  const row = page.getByTestId(`member-${member}`);
  await expect(row).toContainText("Staff");
  await expect(row).toContainText("by instructor");

  // An end date can be set on the row; switching role keeps it.
  const lastDay = new Date(Date.now() + 40 * 86_400_000).toISOString().slice(0, 10);
  await row.getByText("End date").click();
  await row.getByLabel("Last day (empty: no end)").fill(lastDay);
  await row.getByRole("button", { name: `Save the end date of ${member}` }).click();
  await expect(page.getByTestId(`member-${member}`)).toContainText(`until ${lastDay}`);

  await page.getByTestId(`member-${member}`).getByRole("button", { name: `Make Admin: ${member}` }).click();
  await expect(page.getByTestId(`member-${member}`)).toContainText("Admin");
  await expect(page.getByTestId(`member-${member}`)).toContainText(`until ${lastDay}`);
  await expect(page.getByTestId("history")).toContainText(`changed ${member} from Staff to Admin`);
  await page.screenshot({ path: `test-results/course-team-${info.project.name}.png`, fullPage: true });

  await page.getByTestId(`member-${member}`).getByRole("button", { name: `Remove ${member} from the team` }).click();
  await expect(page.getByTestId(`member-${member}`)).toHaveCount(0);

  // The instructor is now the only Admin: global staff see the rule instead of the buttons.
  await page.context().clearCookies();
  await signIn(page, info, DEMO.admin);
  await open(page, `/courses/${DS201}/team`, info);
  const last = page.getByTestId("member-instructor");
  await expect(last.getByTestId("last-admin")).toContainText("Last Admin");
  await expect(last.getByRole("button")).toHaveCount(0);
});

test("an unknown email is invited and the invitation can be withdrawn", async ({ page }, info) => {
  const email = `${unique(info, "colleague")}@example.org`;
  await signIn(page, info, DEMO.instructor);
  await open(page, `/courses/${DS201}/team`, info);
  await page.getByLabel("Email or username").fill(email);
  await page.getByRole("button", { name: "Add", exact: true }).click();
  const invitations = page.getByTestId("invitations");
  await expect(invitations).toContainText(email);
  await invitations.getByRole("button", { name: `Withdraw the invitation of ${email}` }).click();
  await expect(page.getByTestId("invitations").getByText(email)).toHaveCount(0);
  await expect(page.getByTestId("history")).toContainText(`withdrew the invitation of ${email}`);
});

test("a library Admin shares with a group, a member authors, a reader cannot flip the switches", async ({ page }, info) => {
  const slug = unique(info, "quiz");
  await signIn(page, info, DEMO.instructor);
  await open(page, "/libraries", info);
  await page.getByLabel("ID", { exact: true }).fill(slug);
  await page.getByLabel("Title", { exact: true }).fill(`Quiz bank ${slug}`);
  await page.getByRole("button", { name: "Create library" }).click();
  await expect(page.getByRole("heading", { name: `Quiz bank ${slug}`, level: 1 })).toBeVisible();
  await expect(page.getByTestId("my-level")).toHaveText("Admin");

  const team = page.getByTestId("library-team");
  await team.getByLabel("Share with").selectOption("group");
  await team.getByLabel("Email, username or group name").fill("Reviewers");
  await team.getByLabel("Access", { exact: true }).selectOption("author");
  await team.getByRole("button", { name: "Share" }).click();
  await expect(page.getByTestId("lib-member-group-Reviewers")).toContainText("Author");

  await page.getByTestId("library-team").getByLabel("Share with").selectOption("user");
  await page.getByTestId("library-team").getByLabel("Email, username or group name").fill("learner");
  await page.getByTestId("library-team").getByLabel("Access", { exact: true }).selectOption("read");
  await page.getByTestId("library-team").getByRole("button", { name: "Share" }).click();
  await expect(page.getByTestId("lib-member-user-learner")).toContainText("Read only");
  await page.screenshot({ path: `test-results/library-${info.project.name}.png`, fullPage: true });
  const url = page.url();

  // A member of Reviewers authors through the group.
  await page.context().clearCookies();
  await signIn(page, info, { username: "learner41", password: "registrar-learner" });
  await open(page, new URL(url).pathname, info);
  await expect(page.getByTestId("my-level")).toHaveText("Author");
  await page.getByLabel("Title", { exact: true }).fill(`Quiz bank ${slug}, reviewed`);
  await page.getByRole("button", { name: "Save details" }).click();
  await expect(page.getByRole("heading", { name: `Quiz bank ${slug}, reviewed`, level: 1 })).toBeVisible();

  // A reader sees the switches but cannot change them.
  await page.context().clearCookies();
  await signIn(page, info, DEMO.learner);
  await open(page, new URL(url).pathname, info);
  await expect(page.getByTestId("my-level")).toHaveText("Read only");
  await expect(page.getByLabel("Public read")).toBeDisabled();
  await expect(page.getByTestId("switches-locked")).toContainText("Only library Admins");
  await expect(page.getByRole("button", { name: "Save switches" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Save details" })).toHaveCount(0);
});

test("a stranger cannot tell a private library exists", async ({ page }, info) => {
  await signIn(page, info, { username: "learner05", password: "registrar-learner" });
  await open(page, "/libraries/lib:DemoX:cs101-problems", info);
  await expect(page.getByText("There is no library lib:DemoX:cs101-problems.")).toBeVisible();
});

test("global staff explain someone's access from the console", async ({ page }, info) => {
  await signIn(page, info, DEMO.admin);
  await open(page, "/admin/access", info);
  await page.getByLabel("Username or email").fill("ta");
  await page.getByLabel("Course or library key").fill("lib:DemoX:cs101-problems");
  await page.getByRole("button", { name: "Explain" }).click();
  const answer = page.getByTestId("explanation");
  await expect(answer).toContainText("Author, through group DemoX authors");
  await expect(answer).toContainText("edit it");
  await page.screenshot({ path: `test-results/explain-${info.project.name}.png`, fullPage: true });
});
