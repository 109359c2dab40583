//! The console's activation and record-keeping sections: `/admin/agreements` (publish agreements and
//! new versions, who signed the current one), `/admin/invitations` (invite an email with an optional
//! role and last day, revoke), `/admin/roles` (role assignments across scopes; give one by email),
//! `/admin/audit` (filter by actor, target, action, scope and days; CSV of the whole search) and
//! `/admin/jobs` (progress, failures, retry). Every form posts without JavaScript too.

use crate::api::admin::{
    list_agreements, list_invitations, list_jobs, list_role_assignments, search_audit, GrantRole, Invite,
    PublishAgreement, RetryJob, RevokeInvitation, RevokeRole,
};
use crate::components::async_section::AsyncSection;
use crate::components::console_nav::ConsoleNav;
use crate::components::form_parts::{ButtonKind, FormErrors, Labeled, Notice, SubmitButton};
use crate::components::sharing::EndDateField;
use crate::components::table::{Column, DataTable};
use crate::model::console::{AgreementView, AuditPage, InvitationLine, JobLine, RoleAssignmentLine};
use crate::model::format_date;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

fn done_notice(text: &'static str) -> impl IntoView {
    view! { <Notice class="mb-3">{text}</Notice> }
}

#[component]
pub fn AgreementsPage() -> impl IntoView {
    let publish = ServerAction::<PublishAgreement>::new();
    let data = Resource::new(move || publish.version().get(), |_| list_agreements());
    let error = Signal::derive(move || publish.value().get().and_then(Result::err));
    view! {
        <Title text="Agreements" />
        <ConsoleNav current="/admin/agreements" />
        <h1 class="mt-4 text-2xl font-semibold">"Agreements"</h1>
        <p class="mt-1 max-w-3xl text-sm text-slate-600">"Clickthrough documents. A new account becomes active once it has signed every required one; publishing a new version asks everyone to sign again. Earlier versions and their signatures are kept."</p>
        <FormErrors class="mt-3" error />
        {move || publish.value().get().and_then(Result::ok).map(|_| done_notice("Published."))}
        <AsyncSection resource=data class="mt-4" let:rows>
            <AgreementList rows publish />
        </AsyncSection>
        <section class="card mt-6 max-w-3xl" aria-labelledby="new-agreement-heading">
            <h2 id="new-agreement-heading" class="font-semibold">"Publish a new agreement"</h2>
            <AgreementForm publish agreement=None />
        </section>
    }
}

#[component]
fn AgreementForm(publish: ServerAction<PublishAgreement>, agreement: Option<AgreementView>) -> impl IntoView {
    let prefix = agreement.as_ref().map_or_else(|| "new".to_owned(), |a| a.id.clone());
    let (title_id, body_id) = (format!("agreement-title-{prefix}"), format!("agreement-body-{prefix}"));
    let (title_for, body_for) = (title_id.clone(), body_id.clone());
    let (id, title, body, required) = agreement
        .map_or((String::new(), String::new(), String::new(), true), |a| (a.id, a.title, a.body, a.required));
    let label = if id.is_empty() { "Publish" } else { "Publish as a new version" };
    view! {
        <ActionForm action=publish attr:class="mt-2 grid gap-3">
            <input type="hidden" name="id" value=id />
            <Labeled id=title_for label="Title">
                <input id=title_id name="title" class="input mt-1" required=true maxlength="200" value=title />
            </Labeled>
            <Labeled id=body_for label="Text">
                <textarea id=body_id name="body" class="input mt-1 h-40" required=true>{body}</textarea>
            </Labeled>
            <label class="flex items-center gap-2 text-sm"><input type="checkbox" name="required" checked=required />"Required: accounts must sign it to be active"</label>
            <div><SubmitButton>{label}</SubmitButton></div>
        </ActionForm>
    }
}

#[component]
fn AgreementList(rows: Vec<AgreementView>, publish: ServerAction<PublishAgreement>) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="mt-4 text-slate-600">"No agreements yet: accounts become active without signing anything."</p> }.into_any();
    }
    view! {
        <ul class="mt-4 grid gap-4" data-testid="agreements">
            {rows.into_iter().map(|a| {
                let summary = format!("version {} · published {} · {} · signed by {}", a.version, format_date(a.published_at), if a.required { "required" } else { "optional" }, a.signed_current);
                view! {
                    <li class="card">
                        <h2 class="font-semibold">{a.title.clone()}</h2>
                        <p class="text-xs text-slate-500">{summary}</p>
                        <pre class="mt-2 max-h-48 overflow-y-auto whitespace-pre-wrap rounded bg-slate-50 p-3 text-sm">{a.body.clone()}</pre>
                        <details class="mt-2">
                            <summary class="cursor-pointer text-sm text-indigo-700">"Publish a new version"</summary>
                            <AgreementForm publish agreement=Some(a) />
                        </details>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
pub fn InvitationsPage() -> impl IntoView {
    let invite = ServerAction::<Invite>::new();
    let revoke = ServerAction::<RevokeInvitation>::new();
    let data =
        Resource::new(move || (invite.version().get(), revoke.version().get()), |_| list_invitations());
    let error = Signal::derive(move || {
        invite.value().get().and_then(Result::err).or_else(|| revoke.value().get().and_then(Result::err))
    });
    view! {
        <Title text="Invitations" />
        <ConsoleNav current="/admin/invitations" />
        <h1 class="mt-4 text-2xl font-semibold">"Invitations"</h1>
        <p class="mt-1 max-w-3xl text-sm text-slate-600">"Invite an email before its owner has an account: when they register with it, the account is set up (active once the required agreements are signed) and gets the role. An account with that email that is not set up yet is set up at once."</p>
        <section class="card mt-4 max-w-3xl" aria-labelledby="invite-heading">
            <h2 id="invite-heading" class="font-semibold">"Invite"</h2>
            <FormErrors class="mt-2" error />
            {move || invite.value().get().and_then(Result::ok).map(|_| done_notice("Invited: the mail is in the outbox."))}
            <ActionForm action=invite attr:class="mt-2 grid gap-3 sm:grid-cols-2">
                <Labeled id="invite-email" label="Email" class="sm:col-span-2">
                    <input id="invite-email" name="email" type="email" class="input mt-1" required=true />
                </Labeled>
                <RoleFields prefix="invite" optional=true />
                <EndDateField id="invite-expires".to_owned() />
                <div class="sm:col-span-2"><SubmitButton>"Invite"</SubmitButton></div>
            </ActionForm>
        </section>
        <AsyncSection resource=data class="mt-4" let:rows>
            <InvitationTable rows revoke />
        </AsyncSection>
    }
}

/// Role and scope inputs shared by the invitation and role forms.
#[component]
fn RoleFields(prefix: &'static str, #[prop(default = false)] optional: bool) -> impl IntoView {
    let (role_id, scope_id) = (format!("{prefix}-role"), format!("{prefix}-scope"));
    let (role_for, scope_for) = (role_id.clone(), scope_id.clone());
    view! {
        <Labeled id=role_for label=if optional { "Role (optional)" } else { "Role" }>
            <select id=role_id name="role" class="input mt-1" required=!optional>
                {optional.then(|| view! { <option value="">"No role"</option> })}
                {registrar::roles::Role::ALL.iter().map(|r| view! { <option value=r.as_str()>{r.label()}</option> }).collect_view()}
            </select>
        </Labeled>
        <Labeled id=scope_for label="Where">
            <input id=scope_id name="scope" class="input mt-1" placeholder="global, an org (MITx) or a course key" />
        </Labeled>
    }
}

#[component]
fn InvitationTable(rows: Vec<InvitationLine>, revoke: ServerAction<RevokeInvitation>) -> impl IntoView {
    view! {
        <DataTable
            label="Invitations"
            columns=[Column::new("Email"), Column::new("Role"), Column::new("Sent"), Column::new("Last day"), Column::new("Status"), Column::hidden("Actions")]
            rows=rows
            row=|i| {
                let status = match (i.status.as_str(), &i.username) {
                    ("accepted", Some(u)) => format!("used by {u}"),
                    (s, _) => s.to_owned(),
                };
                let role = match (&i.role_label, &i.scope) { (Some(r), Some(s)) => format!("{r} · {s}"), _ => "—".to_owned() };
                let open = i.status == "open";
                view! {
                    <tr>
                        <td>{i.email.clone()}</td>
                        <td>{role}</td>
                        <td class="text-slate-600">{format_date(i.created_at)}</td>
                        <td class="text-slate-600">{i.expires_at.map_or_else(|| "—".to_owned(), |t| format_date(t - 1))}</td>
                        <td>{status}</td>
                        <td>
                            {open.then(|| view! {
                                <ActionForm action=revoke>
                                    <input type="hidden" name="id" value=i.id.clone() />
                                    <SubmitButton kind=ButtonKind::Secondary>"Revoke"</SubmitButton>
                                </ActionForm>
                            })}
                        </td>
                    </tr>
                }
            }
            testid="invitations"
            class="mt-6"
            framed=true
            empty=|| view! { <p class="mt-6 text-slate-600">"No invitations yet."</p> }
        />
    }
}

#[component]
pub fn RolesPage() -> impl IntoView {
    let query = use_query_map();
    let search = move || query.read().get("search").unwrap_or_default();
    let grant = ServerAction::<GrantRole>::new();
    let revoke = ServerAction::<RevokeRole>::new();
    let data = Resource::new(
        move || (search(), grant.version().get(), revoke.version().get()),
        |(s, _, _)| list_role_assignments(Some(s)),
    );
    let error = Signal::derive(move || {
        grant.value().get().and_then(Result::err).or_else(|| revoke.value().get().and_then(Result::err))
    });
    view! {
        <Title text="Roles" />
        <ConsoleNav current="/admin/roles" />
        <h1 class="mt-4 text-2xl font-semibold">"Role assignments"</h1>
        <p class="mt-1 max-w-3xl text-sm text-slate-600">"Every role across scopes: global (everywhere), an organization, or one course."</p>
        <section class="card mt-4 max-w-3xl" aria-labelledby="grant-heading">
            <h2 id="grant-heading" class="font-semibold">"Give a role"</h2>
            <FormErrors class="mt-2" error />
            {move || grant.value().get().and_then(Result::ok).map(|()| done_notice("Role given."))}
            {move || revoke.value().get().and_then(Result::ok).map(|()| done_notice("Role taken away."))}
            <ActionForm action=grant attr:class="mt-2 grid gap-3 sm:grid-cols-2">
                <Labeled id="grant-identifier" label="Email or username" class="sm:col-span-2">
                    <input id="grant-identifier" name="identifier" class="input mt-1" required=true />
                </Labeled>
                <RoleFields prefix="grant" />
                <EndDateField id="grant-expires".to_owned() />
                <div class="sm:col-span-2"><SubmitButton>"Give role"</SubmitButton></div>
            </ActionForm>
        </section>
        <form method="get" action="/admin/roles" class="mt-6 flex flex-wrap items-end gap-3" role="search">
            <Labeled id="roles-search" label="Holder, role or scope contains">
                <input id="roles-search" name="search" type="search" class="input mt-1 w-full sm:w-80" value=search />
            </Labeled>
            <SubmitButton kind=ButtonKind::Secondary>"Search"</SubmitButton>
        </form>
        <AsyncSection resource=data class="mt-4" let:rows>
            <RoleTable rows revoke />
        </AsyncSection>
    }
}

#[component]
fn RoleTable(rows: Vec<RoleAssignmentLine>, revoke: ServerAction<RevokeRole>) -> impl IntoView {
    view! {
        <DataTable
            label="Current assignments"
            columns=[Column::new("Holder"), Column::new("Role"), Column::new("Where"), Column::new("Since"), Column::new("Ends"), Column::hidden("Actions")]
            rows=rows
            row=|r| view! {
                <tr>
                    <td><a class="link" href=format!("/admin/users/{}", r.username)>{r.username.clone()}</a><span class="block text-xs text-slate-500">{r.email.clone()}</span></td>
                    <td>{r.role_label.clone()}</td>
                    <td>{r.scope.clone()}</td>
                    <td class="text-slate-600">{format_date(r.created_at)}</td>
                    <td class="text-slate-600">{r.expires_at.map_or_else(|| "—".to_owned(), format_date)}</td>
                    <td>
                        <ActionForm action=revoke>
                            <input type="hidden" name="identifier" value=r.username.clone() />
                            <input type="hidden" name="role" value=r.role.clone() />
                            <input type="hidden" name="scope" value=r.scope.clone() />
                            <SubmitButton kind=ButtonKind::Secondary>"Take away"</SubmitButton>
                        </ActionForm>
                    </td>
                </tr>
            }
            testid="role-assignments"
            class="mt-4"
            framed=true
            empty=|| view! { <p class="mt-4 text-slate-600">"No role assignment matches."</p> }
        />
    }
}

/// The audit log's filter fields, in the order of the form and the CSV link.
const AUDIT_FIELDS: [(&str, &str, &str); 6] = [
    ("actor", "Actor (username, email or system:…)", "text"),
    ("target", "Target (username, email, type:id or id)", "text"),
    ("action", "Action (user.deactivate, role.grant, …)", "text"),
    ("scope", "Scope", "text"),
    ("from", "From day", "date"),
    ("to", "To day", "date"),
];

#[component]
pub fn AuditPageView() -> impl IntoView {
    let query = use_query_map();
    let field = move |name: &str| query.read().get(name).unwrap_or_default();
    let before = move || query.read().get("before").and_then(|b| b.parse::<i64>().ok());
    let data = Resource::new(
        move || {
            (
                field("actor"),
                field("target"),
                field("action"),
                field("scope"),
                field("from"),
                field("to"),
                before(),
            )
        },
        |(actor, target, action, scope, from, to, before)| {
            search_audit(Some(actor), Some(target), Some(action), Some(scope), Some(from), Some(to), before)
        },
    );
    let filters = move || {
        AUDIT_FIELDS
            .iter()
            .map(|(name, _, _)| format!("{name}={}", crate::components::error_view::urlencode(&field(name))))
            .collect::<Vec<_>>()
            .join("&")
    };
    view! {
        <Title text="Audit log" />
        <ConsoleNav current="/admin/audit" />
        <h1 class="mt-4 text-2xl font-semibold">"Audit log"</h1>
        <p class="mt-1 max-w-3xl text-sm text-slate-600">"Every change to accounts, roles, grants, enrollments, deletions and credentials, newest first. Append-only."</p>
        <form method="get" action="/admin/audit" class="mt-4 grid gap-3 sm:grid-cols-3" role="search">
            {AUDIT_FIELDS.iter().map(|(name, label, kind)| {
                let id = format!("audit-{name}");
                let label_for = id.clone();
                let name = *name;
                view! {
                    <Labeled id=label_for label=*label>
                        <input id=id name=name type=*kind class="input mt-1" value=move || field(name) />
                    </Labeled>
                }
            }).collect_view()}
            <div class="flex items-end gap-3">
                <SubmitButton kind=ButtonKind::Secondary>"Filter"</SubmitButton>
                <a class="link text-sm" href=move || format!("/api/console/audit.csv?{}", filters()) download="audit-log.csv">"Download CSV"</a>
            </div>
        </form>
        <AsyncSection resource=data class="mt-4" let:page>
            <AuditTable page filters=filters() />
        </AsyncSection>
    }
}

#[component]
fn AuditTable(page: AuditPage, filters: String) -> impl IntoView {
    if page.rows.is_empty() {
        return view! { <p class="mt-4 text-slate-600" data-testid="audit-empty">"No entries match."</p> }
            .into_any();
    }
    let older = page.next.map(|id| format!("/admin/audit?{filters}&before={id}"));
    view! {
        <DataTable
            label="Audit log entries"
            columns=[Column::new("When (UTC)"), Column::new("Actor"), Column::new("Action"), Column::new("Target"), Column::new("Change")]
            rows=page.rows
            row=|a| {
                let change = [a.before.map(|b| format!("before {b}")), a.after.map(|x| format!("after {x}")), a.reason.map(|r| format!("reason: {r}"))]
                    .into_iter().flatten().collect::<Vec<_>>().join("\n");
                view! {
                    <tr>
                        <td class="whitespace-nowrap text-slate-600">{registrar::records::iso_timestamp(a.at)}</td>
                        <td>{a.actor}</td>
                        <td class="font-medium">{a.action}</td>
                        <td>{format!("{}:{}", a.target_type, a.target_id)}{a.scope.map(|s| view! { <span class="block text-xs text-slate-500">{s}</span> })}</td>
                        <td><pre class="max-w-md whitespace-pre-wrap break-all text-xs">{change}</pre></td>
                    </tr>
                }
            }
            testid="audit"
            class="mt-4"
            framed=true
            align_top=true
        />
        {older.map(|href| view! { <p class="mt-3 text-sm"><a class="link" href=href rel="next">"Older entries →"</a></p> })}
    }
    .into_any()
}

#[component]
pub fn JobsPage() -> impl IntoView {
    let query = use_query_map();
    let state = move || query.read().get("state").unwrap_or_default();
    let retry = ServerAction::<RetryJob>::new();
    let data = Resource::new(move || (state(), retry.version().get()), |(s, _)| list_jobs(Some(s)));
    let error = Signal::derive(move || retry.value().get().and_then(Result::err));
    view! {
        <Title text="Jobs" />
        <ConsoleNav current="/admin/jobs" />
        <h1 class="mt-4 text-2xl font-semibold">"Jobs"</h1>
        <p class="mt-1 max-w-3xl text-sm text-slate-600">"Background work (large enrollment batches and their reports), newest first. A failed job can be queued again."</p>
        <form method="get" action="/admin/jobs" class="mt-4 flex items-end gap-3">
            <Labeled id="jobs-state" label="State">
                <select id="jobs-state" name="state" class="input mt-1">
                    {move || {
                        let current = state();
                        [("", "Any"), ("queued", "Queued"), ("running", "Running"), ("succeeded", "Succeeded"), ("failed", "Failed")]
                            .into_iter()
                            .map(|(v, l)| view! { <option value=v selected=v == current>{l}</option> })
                            .collect_view()
                    }}
                </select>
            </Labeled>
            <SubmitButton kind=ButtonKind::Secondary>"Show"</SubmitButton>
        </form>
        <FormErrors class="mt-3" error />
        {move || retry.value().get().and_then(Result::ok).map(|()| done_notice("Queued again."))}
        <AsyncSection resource=data class="mt-4" let:rows>
            <JobTable rows retry />
        </AsyncSection>
    }
}

#[component]
fn JobTable(rows: Vec<JobLine>, retry: ServerAction<RetryJob>) -> impl IntoView {
    view! {
        <DataTable
            label="Jobs"
            columns=[Column::new("Kind"), Column::new("State"), Column::new("Progress"), Column::new("Started by"), Column::new("Created"), Column::hidden("Actions")]
            rows=rows
            row=|j| {
                let failed = j.state == "failed";
                let progress = if j.progress_total > 0 { format!("{} of {}", j.progress_done, j.progress_total) } else { "—".to_owned() };
                view! {
                    <tr>
                        <td>{j.kind.clone()}</td>
                        <td>{j.state.clone()}{j.error.clone().map(|e| view! { <span class="block text-xs text-red-700">{format!("attempt {} of {}: {e}", j.attempts, j.max_attempts)}</span> })}</td>
                        <td>
                            {(j.progress_total > 0).then(|| view! { <progress class="mr-2 align-middle" max=j.progress_total value=j.progress_done></progress> })}
                            {progress}
                        </td>
                        <td>{j.created_by.clone().unwrap_or_else(|| "system".to_owned())}</td>
                        <td class="text-slate-600">{format_date(j.created_at)}</td>
                        <td>
                            {failed.then(|| view! {
                                <ActionForm action=retry>
                                    <input type="hidden" name="id" value=j.id.clone() />
                                    <SubmitButton kind=ButtonKind::Secondary>"Retry"</SubmitButton>
                                </ActionForm>
                            })}
                        </td>
                    </tr>
                }
            }
            testid="jobs"
            class="mt-4"
            framed=true
            align_top=true
            empty=|| view! { <p class="mt-4 text-slate-600">"No jobs."</p> }
        />
    }
}
