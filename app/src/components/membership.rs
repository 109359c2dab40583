//! The Membership tab's batch enrollment: the form, and the report of the last batch grouped the way
//! instructors read it. The report is addressed by `?batch=<id>`, so it survives a reload and shows
//! the same with or without JavaScript.

use crate::api::membership::{
    get_batch_report, list_discussion_team, list_team, AddTeamMember, BetaBatch, EnrollBatch,
    RemoveTeamMember,
};
use crate::components::async_section::AsyncSection;
use crate::components::error_view::ErrorBanner;
use crate::components::form::Field;
use crate::components::form_parts::{Labeled, SubmitButton};
use crate::components::table::{Column, DataTable};
use crate::model::{format_date, BatchReport, BatchRow, TeamMember};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use registrar::enrollment::Category;
use registrar::roles::Role;

/// The groups of a report, in the order they are shown, with what each means.
const GROUPS: &[(Category, &str)] = &[
    (Category::Enrolled, "These learners are now enrolled."),
    (Category::AlreadyEnrolled, "Nothing changed for these learners."),
    (Category::Invited, "No active account yet: they will be enrolled, or may enroll, once they register."),
    (Category::Unenrolled, "These learners are no longer enrolled; their records are kept."),
    (Category::InvitationCancelled, "These invitations were cancelled."),
    (Category::NotAffiliated, "These were neither enrolled nor invited, so there was nothing to undo."),
    (Category::BetaAdded, "They see the course content before other learners."),
    (Category::AlreadyBeta, "Nothing changed for these people."),
    (Category::BetaRemoved, "They see the content when other learners do."),
    (Category::NotBeta, "There was nothing to remove."),
    (Category::Invalid, "Check these entries and try again."),
    (Category::Error, "These could not be processed."),
];

/// What the viewer may do on the tab (the server checks every action again).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MembershipAccess {
    pub enroll: bool,
    pub manage_team: bool,
    pub manage_discussions: bool,
    pub manage_discussion_admins: bool,
}

#[component]
pub fn MembershipTab(course: String, access: MembershipAccess) -> impl IntoView {
    let discussion_roles: Vec<Role> = registrar::discussion::DISCUSSION_ROLES
        .into_iter()
        .filter(|r| access.manage_discussion_admins || *r != Role::DiscussionAdmin)
        .collect();
    view! {
        {access.enroll.then(|| view! { <BatchEnrollment course=course.clone() /> }.into_any())}
        {access.manage_team.then(|| view! {
            <BetaTesters course=course.clone() />
            <RoleSection course=course.clone() kind=RoleKind::Team roles=registrar::team::TEAM_ROLES.to_vec() />
        }.into_any())}
        {access.manage_discussions.then(|| view! {
            <RoleSection course=course.clone() kind=RoleKind::Discussion roles=discussion_roles />
        }.into_any())}
        {access.enroll.then(|| view! { <crate::components::roster::Roster course=course.clone() /> }.into_any())}
        {(!access.manage_team && access.enroll).then(|| view! {
            <p class="card mt-6 text-sm text-slate-600" data-testid="staff-cannot-manage">
                "Staff cannot change the course team. A course Admin can give you the Admin role to add Staff or Beta Testers, or the Discussion Admin role to add discussion moderators and TAs."
            </p>
        }.into_any())}
    }
}

#[component]
fn BatchEnrollment(course: String) -> impl IntoView {
    let action = ServerAction::<EnrollBatch>::new();
    let query = use_query_map();
    let batch = move || query.read().get("batch");
    let report_course = course.clone();
    let report = Resource::new(batch, move |id| {
        let course = report_course.clone();
        async move {
            match id {
                Some(id) => get_batch_report(course, id).await.map(Some),
                None => Ok(None),
            }
        }
    });
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let identifiers_error = move || error.get().and_then(|e| e.field("identifiers"));
    let upload_course = course.clone();
    view! {
        <div class="grid gap-6 lg:grid-cols-5">
            <section class="card lg:col-span-2" aria-labelledby="batch-heading">
                <h2 id="batch-heading" class="font-semibold">"Batch enrollment"</h2>
                <div class="mt-3">
                    <ErrorBanner error />
                    <ActionForm action=action>
                        <input type="hidden" name="course" value=course.clone() />
                        <label for="field-identifiers" class="block text-sm font-medium text-slate-700">"Email addresses and/or usernames"</label>
                        <textarea
                            id="field-identifiers"
                            name="identifiers"
                            rows="7"
                            required
                            class="input mt-1 font-mono"
                            aria-describedby="field-identifiers-hint"
                            aria-invalid=move || if identifiers_error().is_some() { "true" } else { "false" }
                        ></textarea>
                        <p id="field-identifiers-hint" class="mt-1 text-xs text-slate-500">"Separate them with commas, spaces or new lines. Lists of more than 500 (up to 10,000) run in the background."</p>
                        {move || identifiers_error().map(|m| view! { <p id="field-identifiers-error" class="mt-1 text-sm text-red-700">{m}</p> })}
                        <div class="mt-4 space-y-3 text-sm">
                            <label class="flex items-start gap-2">
                                <input type="checkbox" name="auto_enroll" class="mt-0.5" />
                                <span>"Auto enroll"<span class="block text-xs text-slate-500">"People without an account yet are enrolled as soon as they register."</span></span>
                            </label>
                            <label class="flex items-start gap-2">
                                <input type="checkbox" name="notify" checked class="mt-0.5" />
                                <span>"Notify by email"<span class="block text-xs text-slate-500">"Each person whose enrollment changes gets a message."</span></span>
                            </label>
                        </div>
                        <label for="field-reason" class="mt-4 block text-sm font-medium text-slate-700">"Reason (optional)"</label>
                        <input id="field-reason" name="reason" type="text" class="input mt-1" />
                        <div class="mt-5 flex gap-3">
                            <button type="submit" name="action" value="enroll" class="btn-primary" disabled=move || action.pending().get()>"Enroll"</button>
                            <button type="submit" name="action" value="unenroll" class="btn-secondary" disabled=move || action.pending().get()>"Unenroll"</button>
                        </div>
                    </ActionForm>
                    <UploadForm course=upload_course />
                </div>
            </section>
            <section class="lg:col-span-3" aria-labelledby="results-heading" aria-live="polite">
                <h2 id="results-heading" class="sr-only">"Results"</h2>
                <AsyncSection resource=report quiet=true let:report>
                    {match report {
                        Some(report) => view! { <Report report /> }.into_any(),
                        None => view! {
                            <p class="card text-sm text-slate-600">"Results of a batch appear here, grouped by what happened to each entry."</p>
                        }.into_any(),
                    }}
                </AsyncSection>
            </section>
        </div>
    }
}

/// A CSV file of emails or usernames, posted as a plain multipart form: it works the same with or
/// without JavaScript, and the server sends the browser to the report (or back here with the error).
#[component]
fn UploadForm(course: String) -> impl IntoView {
    let query = use_query_map();
    let upload_error = move || query.read().get("upload_error");
    view! {
        <details class="mt-6 border-t border-slate-200 pt-4" open=move || upload_error().is_some()>
            <summary class="cursor-pointer text-sm font-medium text-indigo-700">"Or upload a CSV file"</summary>
            {move || upload_error().map(|m| view! {
                <p role="alert" class="mt-2 rounded-md border border-red-200 bg-red-50 p-2 text-sm text-red-800" data-testid="upload-error">{m}</p>
            })}
            <form method="post" action="/api/membership/upload" enctype="multipart/form-data" class="mt-2 space-y-3 text-sm">
                <input type="hidden" name="course" value=course />
                <p class="text-xs text-slate-500">"One email or username per row; a first row naming an email, username or identifier column is used as the header. At most 2 MB."</p>
                <label for="field-upload-file" class="sr-only">"CSV file"</label>
                <input id="field-upload-file" type="file" name="file" accept=".csv,text/csv" required class="block w-full text-sm" />
                <div class="flex flex-wrap gap-x-6 gap-y-2">
                    <label class="flex items-center gap-2"><input type="checkbox" name="auto_enroll" />"Enroll newcomers once they register"</label>
                    <label class="flex items-center gap-2"><input type="checkbox" name="notify" checked />"Email the people in the file"</label>
                </div>
                <label for="field-upload-reason" class="block font-medium text-slate-700">"Why (optional)"</label>
                <input id="field-upload-reason" name="reason" type="text" class="input" />
                <div class="flex gap-3">
                    <button type="submit" name="action" value="enroll" class="btn-primary">"Enroll from file"</button>
                    <button type="submit" name="action" value="unenroll" class="btn-secondary">"Unenroll from file"</button>
                </div>
            </form>
        </details>
    }
}

#[component]
fn Report(report: BatchReport) -> impl IntoView {
    let verb = match report.action {
        crate::model::BatchAction::Enroll => "Enrollment",
        crate::model::BatchAction::Unenroll => "Unenrollment",
        crate::model::BatchAction::AddBetaTesters => "Adding beta testers",
        crate::model::BatchAction::RemoveBetaTesters => "Removing beta testers",
    };
    if let Some(progress) = report.progress {
        return view! { <Progress verb progress /> }.into_any();
    }
    let total = report.rows.len();
    let csv = format!(
        "/api/membership/batch_report.csv?course={}&id={}",
        crate::components::error_view::urlencode(&report.course),
        report.id
    );
    view! {
        <div class="card" data-testid="batch-report">
            <div class="flex flex-wrap items-baseline justify-between gap-2">
                <h3 class="font-semibold">{verb} " of " {total} {if total == 1 { " entry" } else { " entries" }}</h3>
                <a class="link text-sm" href=csv data-testid="report-csv">"Download the report as CSV"</a>
            </div>
            <div class="mt-3 space-y-4">
                {GROUPS.iter().filter_map(|(category, explain)| {
                    let rows: Vec<BatchRow> = report.rows.iter().filter(|r| r.category == *category).cloned().collect();
                    (!rows.is_empty()).then(|| view! { <Group category=*category explain rows /> })
                }).collect_view()}
            </div>
        </div>
    }
    .into_any()
}

/// A background batch on its way: a progress bar, and a page refresh every two seconds until it is
/// done (a meta refresh, so it needs no JavaScript and survives reloads; the report replaces it).
#[component]
fn Progress(verb: &'static str, progress: crate::model::BatchProgress) -> impl IntoView {
    let failed = progress.state == "failed";
    let percent = if progress.total > 0 { progress.done * 100 / progress.total } else { 0 };
    let status = match progress.state.as_str() {
        "queued" => format!("Waiting to start: {} entries.", progress.total),
        "failed" => progress.error.clone().unwrap_or_default(),
        _ => format!("Processed {} of {} entries ({percent}%).", progress.done, progress.total),
    };
    view! {
        {(!failed).then(|| view! { <leptos_meta::Meta http_equiv="refresh" content="2" /> })}
        <div class="card" data-testid="batch-progress">
            <h3 class="font-semibold">{verb} " in the background"</h3>
            <progress class="mt-3 h-3 w-full" max=progress.total value=progress.done aria-label="Batch progress">{percent} "%"</progress>
            <p class=if failed { "mt-2 text-sm text-red-700" } else { "mt-2 text-sm text-slate-600" } data-testid="batch-progress-status">{status}</p>
            {(!failed).then(|| view! {
                <p class="mt-1 text-xs text-slate-500">"You can leave this page: the batch goes on, and you will get an email with the report when it is done."</p>
            })}
        </div>
    }
}

#[component]
fn Group(category: Category, explain: &'static str, rows: Vec<BatchRow>) -> impl IntoView {
    let tone = match category {
        Category::Invalid | Category::Error => "border-red-200 bg-red-50",
        Category::Enrolled | Category::Unenrolled => "border-green-200 bg-green-50",
        _ => "border-slate-200 bg-slate-50",
    };
    let count = rows.len();
    view! {
        <section class=format!("rounded-md border p-3 {tone}") data-testid=format!("group-{category:?}")>
            <h4 class="text-sm font-semibold">{category.label()} " (" {count} ")"</h4>
            <p class="text-xs text-slate-600">{explain}</p>
            <ul class="mt-2 flex flex-wrap gap-2 text-sm">
                {rows.into_iter().map(|r| view! {
                    <li class="rounded bg-white px-2 py-0.5 font-mono shadow-sm">
                        {r.identifier}
                        {r.error.map(|e| view! { <span class="ml-1 font-sans text-xs text-red-700">"— " {e}</span> })}
                    </li>
                }).collect_view()}
            </ul>
        </section>
    }
}

/// Beta testers in bulk: existing accounts only, each entry reported; the results appear in the same
/// report panel as batch enrollment.
#[component]
fn BetaTesters(course: String) -> impl IntoView {
    let action = ServerAction::<BetaBatch>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    view! {
        <section class="card mt-6" aria-labelledby="beta-heading">
            <h2 id="beta-heading" class="font-semibold">"Beta testers"</h2>
            <p class="text-sm text-slate-600">"Beta testers see course content before other learners. They need an account; unknown and inactive accounts are reported, not skipped."</p>
            <div class="mt-3">
                <ErrorBanner error />
                <ActionForm action=action>
                    <input type="hidden" name="course" value=course />
                    <label for="field-beta-identifiers" class="block text-sm font-medium text-slate-700">"Usernames and/or email addresses"</label>
                    <textarea id="field-beta-identifiers" name="identifiers" rows="3" required class="input mt-1 font-mono"></textarea>
                    <div class="mt-3 flex flex-wrap gap-x-6 gap-y-2 text-sm">
                        <label class="flex items-center gap-2"><input type="checkbox" name="auto_enroll" />"Also enroll them"</label>
                        <label class="flex items-center gap-2"><input type="checkbox" name="notify" checked />"Notify by email"</label>
                    </div>
                    <div class="mt-4 flex gap-3">
                        <button type="submit" name="action" value="add" class="btn-primary" disabled=move || action.pending().get()>"Add beta testers"</button>
                        <button type="submit" name="action" value="remove" class="btn-secondary" disabled=move || action.pending().get()>"Remove beta testers"</button>
                    </div>
                </ActionForm>
            </div>
        </section>
    }
}

/// Which set of course roles a [`RoleSection`] manages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleKind {
    Team,
    Discussion,
}

/// A set of course roles: everyone holding one, add by username or email, remove per row. The team
/// and discussion sections share it; the server decides who may change which role.
#[component]
fn RoleSection(course: String, kind: RoleKind, roles: Vec<Role>) -> impl IntoView {
    let add = ServerAction::<AddTeamMember>::new();
    let remove = ServerAction::<RemoveTeamMember>::new();
    let list_course = course.clone();
    let members = Resource::new(
        move || (add.version().get(), remove.version().get()),
        move |_| {
            let course = list_course.clone();
            async move {
                match kind {
                    RoleKind::Team => list_team(course).await,
                    RoleKind::Discussion => list_discussion_team(course).await,
                }
            }
        },
    );
    let add_error = Signal::derive(move || add.value().get().and_then(Result::err));
    let remove_error = Signal::derive(move || remove.value().get().and_then(Result::err));
    let row_course = course.clone();
    let (id, heading, explain, empty, label) = match kind {
        RoleKind::Team => (
            "course-team",
            "Course team",
            "Admins manage the team; Staff and Limited Staff teach; Data Researchers download data; Beta Testers see content early. Giving a role also enrolls.",
            "Nobody holds a team role yet.",
            "Course team members",
        ),
        RoleKind::Discussion => (
            "discussion-roles",
            "Discussion roles",
            "Discussion Admins and Moderators moderate every discussion (their posts are marked Staff); Community TAs moderate too (posts marked Community TA); Group Community TAs moderate within their own group. Giving a role also enrolls.",
            "Nobody holds a discussion role yet.",
            "Discussion team",
        ),
    };
    let select_id = format!("field-{id}-role");
    view! {
        <section class="card mt-6" aria-labelledby=format!("{id}-heading") data-testid=id>
            <h2 id=format!("{id}-heading") class="font-semibold">{heading}</h2>
            <p class="text-sm text-slate-600">{explain}</p>
            {(kind == RoleKind::Discussion).then(|| view! { <DiscussionPermissions /> }.into_any())}
            <div class="mt-3"><ErrorBanner error=remove_error /></div>
            <AsyncSection resource=members let:members>
                <TeamTable members course=row_course.clone() remove empty label />
            </AsyncSection>
            <h3 class="mt-6 text-sm font-semibold">{match kind { RoleKind::Team => "Add a team member", RoleKind::Discussion => "Give a discussion role" }}</h3>
            <div class="mt-2">
                <ErrorBanner error=add_error />
                <ActionForm action=add attr:class="flex flex-wrap items-start gap-3">
                    <input type="hidden" name="course" value=course.clone() />
                    <div class="min-w-64 flex-1">
                        <Field name="identifier" label="Username or email" error=add_error id=format!("field-{id}-identifier") />
                    </div>
                    <Labeled id=select_id.clone() label="Role">
                        <select id=select_id name="role" class="input mt-1">
                            {roles.iter().map(|r| view! { <option value=r.as_str()>{r.label()}</option> }).collect_view()}
                        </select>
                    </Labeled>
                    <SubmitButton class="mt-6" pending=add.pending()>"Add"</SubmitButton>
                </ActionForm>
            </div>
        </section>
    }
}

/// The role→permission table, computed from the same definitions the server checks with.
#[component]
fn DiscussionPermissions() -> impl IntoView {
    let roles = registrar::discussion::DISCUSSION_ROLES;
    let every: Vec<registrar::discussion::Permission> = roles
        .iter()
        .flat_map(|r| registrar::discussion::permissions(*r))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .filter(|p| !registrar::discussion::student_permissions().contains(p))
        .collect();
    let columns: Vec<Column> = std::iter::once(Column::new("Permission"))
        .chain(roles.iter().map(|r| Column::new(r.label())))
        .collect();
    view! {
        <details class="mt-3 text-sm">
            <summary class="cursor-pointer text-indigo-700">"What each role may do"</summary>
            <p class="mt-2 text-xs text-slate-600">"Every enrolled learner may post, comment, vote and follow. Discussion roles add:"</p>
            <DataTable
                label="Discussion permissions"
                columns=columns
                rows=every
                row=|p| view! {
                    <tr>
                        <th scope="row" class="text-left font-mono font-normal">{p.as_str()}</th>
                        {roles.iter().map(|r| {
                            let has = registrar::discussion::permissions(*r).contains(&p);
                            view! { <td>{if has { "✓" } else { "–" }}<span class="sr-only">{if has { " allowed" } else { " not allowed" }}</span></td> }
                        }).collect_view()}
                    </tr>
                }
                testid="discussion-permissions"
                class="mt-2"
                small=true
            />
        </details>
    }
}

#[component]
fn TeamTable(
    members: Vec<TeamMember>,
    course: String,
    remove: ServerAction<RemoveTeamMember>,
    /// Said when nobody holds one of the section's roles.
    empty: &'static str,
    /// Names the table for assistive technology.
    label: &'static str,
) -> impl IntoView {
    view! {
        <DataTable
            label
            columns=[Column::new("Name"), Column::new("Email"), Column::new("Role"), Column::new("Since"), Column::hidden("Actions")]
            rows=members
            row=|m| {
                let since = match &m.granted_by {
                    Some(by) => format!("{} by {by}", format_date(m.since)),
                    None => format_date(m.since),
                };
                let label = format!("Remove {} as {}", m.username, m.role_label);
                let course = course.clone();
                view! {
                    <tr>
                        <td>{m.full_name}<span class="block text-xs text-slate-500">{m.username.clone()}</span></td>
                        <td>{m.email}</td>
                        <td>
                            <span class="badge">{m.role_label}</span>
                            {crate::components::sharing::ends_text(m.expires_at).map(|t| view! { <span class="block text-xs text-amber-700">{t}</span> })}
                        </td>
                        <td class="text-slate-600">{since}</td>
                        <td class="text-right">
                            <ActionForm action=remove>
                                <input type="hidden" name="course" value=course />
                                <input type="hidden" name="username" value=m.username />
                                <input type="hidden" name="role" value=m.role.as_str() />
                                <button type="submit" class="btn-secondary" aria-label=label>"Remove"</button>
                            </ActionForm>
                        </td>
                    </tr>
                }
            }
            testid="team-table"
            class="mt-3"
            empty=move || view! { <p class="mt-3 text-sm text-slate-600">{empty}</p> }
        />
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_category_has_a_group_on_the_page() {
        let all = [
            Category::Enrolled,
            Category::AlreadyEnrolled,
            Category::Invited,
            Category::Unenrolled,
            Category::InvitationCancelled,
            Category::NotAffiliated,
            Category::BetaAdded,
            Category::AlreadyBeta,
            Category::BetaRemoved,
            Category::NotBeta,
            Category::Invalid,
            Category::Error,
        ];
        for category in all {
            // A match without a wildcard: a new category fails to compile here until it is listed.
            match category {
                Category::Enrolled
                | Category::AlreadyEnrolled
                | Category::Invited
                | Category::Unenrolled
                | Category::InvitationCancelled
                | Category::NotAffiliated
                | Category::BetaAdded
                | Category::AlreadyBeta
                | Category::BetaRemoved
                | Category::NotBeta
                | Category::Invalid
                | Category::Error => {}
            }
            assert!(GROUPS.iter().any(|(c, _)| *c == category), "{category:?} has no group");
        }
    }
}
