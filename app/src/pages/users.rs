//! The console's users section: `/admin/users` (search by the start of a username, email or name,
//! filters, paging, tick accounts for a bulk action, create an account), `/admin/users/bulk` (the
//! bulk action's preview: every account and what would change, then confirm), and
//! `/admin/users/:username` (profile, flags, activation, password link, sessions, tokens, roles,
//! groups, enrollments, signatures, records, deletion state and the account's audit trail). Every
//! form posts without JavaScript too.

use crate::api::admin::{
    bulk_users, get_user, search_users, BulkUsers, CreateUser, DeactivateUser, EndUserSessions,
    ReactivateUser, ResetUserSecondFactor, SendPasswordReset, SetUserFlags, UpdateUser,
};
use crate::components::async_section::AsyncSection;
use crate::components::console_nav::ConsoleNav;
use crate::components::form_parts::{ButtonKind, CheckField, FormErrors, Labeled, Notice, SubmitButton};
use crate::components::table::{Column, DataTable};
use crate::model::console::{
    bulk_label, state_label, BulkOutcome, UserDetail, UserList, UserListRow, BULK_ACTIONS, USER_FILTERS,
};
use crate::model::format_date;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use registrar::activation::AccountState;

fn state_badge(row: &UserListRow) -> (&'static str, &'static str) {
    let label = state_label(row.state.as_str(), row.is_active);
    let class = match (row.state, row.is_active) {
        (AccountState::Active, true) => "badge bg-green-50 text-green-800",
        (AccountState::Deactivated, _) => "badge bg-red-50 text-red-800",
        (AccountState::Invited | AccountState::New, _) => "badge bg-amber-50 text-amber-900",
        (AccountState::Active, false) => "badge bg-slate-100 text-slate-700",
    };
    (label, class)
}

fn date_or_never(at: Option<i64>) -> String {
    at.map_or_else(|| "never".to_owned(), format_date)
}

#[component]
pub fn UsersPage() -> impl IntoView {
    let query = use_query_map();
    let q = move || query.read().get("q").unwrap_or_default();
    let filter = move || query.read().get("filter").unwrap_or_default();
    let page = move || query.read().get("page").and_then(|p| p.parse::<u32>().ok()).unwrap_or(1);
    let create = ServerAction::<CreateUser>::new();
    let list = Resource::new(
        move || (q(), filter(), page(), create.version().get()),
        |(q, filter, page, _)| search_users(Some(q), Some(filter), Some(page)),
    );
    let error = Signal::derive(move || create.value().get().and_then(Result::err));
    view! {
        <Title text="Users" />
        <ConsoleNav current="/admin/users" />
        <h1 class="mt-4 text-2xl font-semibold">"Users"</h1>
        <form method="get" action="/admin/users" class="mt-4 flex flex-wrap items-end gap-3" role="search">
            <Labeled id="users-q" label="Username, email or name starts with">
                <input id="users-q" name="q" type="search" class="input mt-1 w-full sm:w-80" value=q />
            </Labeled>
            <Labeled id="users-filter" label="Show">
                <select id="users-filter" name="filter" class="input mt-1">
                    {move || {
                        let current = filter();
                        USER_FILTERS.iter().map(|(value, label)| {
                            let selected = *value == current;
                            view! { <option value=*value selected=selected>{*label}</option> }
                        }).collect_view()
                    }}
                </select>
            </Labeled>
            <SubmitButton kind=ButtonKind::Secondary>"Search"</SubmitButton>
        </form>
        <AsyncSection resource=list class="mt-4" let:list>
            <UserTable list q=q() filter=filter() />
        </AsyncSection>
        <section class="card mt-8 max-w-2xl" aria-labelledby="create-heading">
            <h2 id="create-heading" class="font-semibold">"Create an account"</h2>
            <p class="mt-1 text-sm text-slate-600">"The account is active and has no password until its owner chooses one with the link we mail."</p>
            <FormErrors class="mt-3" error />
            <ActionForm action=create attr:class="grid gap-3 sm:grid-cols-2">
                <Labeled id="new-username" label="Username">
                    <input id="new-username" name="username" class="input mt-1" required=true minlength="2" maxlength="30" pattern="[A-Za-z0-9_.\\-]+" title="2 to 30 letters, digits, dots, _ or -" />
                </Labeled>
                <Labeled id="new-email" label="Email">
                    <input id="new-email" name="email" type="email" class="input mt-1" required=true />
                </Labeled>
                <Labeled id="new-name" label="Full name" class="sm:col-span-2">
                    <input id="new-name" name="full_name" class="input mt-1" required=true maxlength="255" />
                </Labeled>
                <CheckField name="is_staff" label="Staff (may enter the console)" />
                <CheckField name="is_superuser" label="Superuser (superusers only)" />
                <CheckField name="send_reset" label="Mail a link to choose a password" checked=true class="sm:col-span-2" />
                <div><SubmitButton>"Create account"</SubmitButton></div>
            </ActionForm>
        </section>
    }
}

#[component]
fn UserTable(list: UserList, q: String, filter: String) -> impl IntoView {
    if list.rows.is_empty() {
        return view! { <p class="mt-6 text-slate-600" data-testid="users-empty">"No account matches."</p> }
            .into_any();
    }
    let count = if list.capped {
        format!("More than {} accounts", list.total)
    } else {
        format!("{} accounts", list.total)
    };
    let last_page = u32::try_from((list.total + i64::from(list.per_page) - 1) / i64::from(list.per_page))
        .unwrap_or(1)
        .max(1);
    let link = move |page: u32| {
        format!(
            "/admin/users?q={}&filter={}&page={page}",
            crate::components::error_view::urlencode(&q),
            filter
        )
    };
    let prev = (list.page > 1).then(|| link(list.page - 1));
    let next = (list.page < last_page || list.capped).then(|| link(list.page + 1));
    view! {
        <form method="get" action="/admin/users/bulk" class="mt-4">
            <p class="text-sm text-slate-600" data-testid="users-count">{count}{format!(" · page {}", list.page)}</p>
            <DataTable
                label="Accounts"
                columns=[
                    Column::hidden("Select"),
                    Column::new("Username"),
                    Column::new("Name"),
                    Column::new("Email"),
                    Column::new("Status"),
                    Column::new("Joined"),
                    Column::new("Last sign-in"),
                ]
                rows=list.rows
                row=|row| {
                    let (label, class) = state_badge(&row);
                    let href = format!("/admin/users/{}", row.username);
                    let check_id = format!("pick-{}", row.username);
                    let check_for = check_id.clone();
                    view! {
                        <tr>
                            <td>
                                <label for=check_for class="sr-only">{format!("Select {}", row.username)}</label>
                                <input id=check_id type="checkbox" name="u" value=row.username.clone() />
                            </td>
                            <td><a class="link font-medium" href=href>{row.username.clone()}</a></td>
                            <td>{row.full_name.clone()}</td>
                            <td class="text-slate-600">
                                {row.email.clone()}
                                {(!row.email_verified).then(|| view! { <span class="badge ml-1 bg-amber-50 text-amber-900">"not confirmed"</span> })}
                            </td>
                            <td>
                                <span class=class>{label}</span>
                                {row.is_superuser.then(|| view! { <span class="badge ml-1 bg-indigo-50 text-indigo-800">"superuser"</span> })}
                                {(row.is_staff && !row.is_superuser).then(|| view! { <span class="badge ml-1 bg-indigo-50 text-indigo-800">"staff"</span> })}
                            </td>
                            <td class="text-slate-600">{format_date(row.date_joined)}</td>
                            <td class="text-slate-600">{date_or_never(row.last_login)}</td>
                        </tr>
                    }
                }
                testid="users"
                class="mt-2"
                framed=true
            />
            <div class="mt-3 flex flex-wrap items-end gap-3">
                <Labeled id="bulk-action" label="With the ticked accounts">
                    <select id="bulk-action" name="action" class="input mt-1">
                        {BULK_ACTIONS.iter().map(|(value, label)| view! { <option value=*value>{*label}</option> }).collect_view()}
                    </select>
                </Labeled>
                <SubmitButton kind=ButtonKind::Secondary>"Preview"</SubmitButton>
                <nav aria-label="Pages" class="ml-auto flex gap-3 text-sm">
                    {prev.map(|href| view! { <a class="link" href=href rel="prev">"← Previous"</a> })}
                    {next.map(|href| view! { <a class="link" href=href rel="next">"Next →"</a> })}
                </nav>
            </div>
        </form>
    }
    .into_any()
}

/// `/admin/users/bulk?action=…&u=…`: what the action would do to each account; nothing changes
/// until it is confirmed.
#[component]
pub fn BulkPage() -> impl IntoView {
    let query = use_query_map();
    let action = move || query.read().get("action").unwrap_or_default();
    let names = move || query.read().get_all("u").unwrap_or_default();
    let run = ServerAction::<BulkUsers>::new();
    let preview =
        Resource::new(move || (action(), names()), |(action, names)| bulk_users(action, Some(names), None));
    let error = Signal::derive(move || run.value().get().and_then(Result::err));
    view! {
        <Title text="Bulk action" />
        <ConsoleNav current="/admin/users" />
        <h1 class="mt-4 text-2xl font-semibold">{move || format!("{}: preview", bulk_label(&action()))}</h1>
        <p class="mt-1 text-sm text-slate-600">"Nothing has changed yet. Check every line, then confirm."</p>
        <FormErrors class="mt-3" error />
        {move || run.value().get().and_then(Result::ok).map(|outcome| view! {
            <div role="status" class="mt-3 rounded-md bg-green-50 p-3 text-sm text-green-800" data-testid="bulk-done">
                {format!("Done: {} account(s) changed, {} left alone.", outcome.changing(), outcome.lines.len() - outcome.changing())}
                " " <a class="link" href="/admin/users">"Back to users"</a>
            </div>
        })}
        <AsyncSection resource=preview class="mt-4" let:outcome>
            <BulkPreview outcome run />
        </AsyncSection>
    }
}

#[component]
fn BulkPreview(outcome: BulkOutcome, run: ServerAction<BulkUsers>) -> impl IntoView {
    let changing = outcome.changing();
    let names: Vec<String> =
        outcome.lines.iter().filter(|l| l.refused.is_none()).map(|l| l.username.clone()).collect();
    view! {
        <DataTable
            label="Bulk action preview"
            columns=[Column::new("Account"), Column::new("What happens")]
            rows=outcome.lines
            row=|l| view! {
                <tr>
                    <td class="font-medium">{l.username.clone()}</td>
                    <td>
                        {match l.refused.clone() {
                            Some(why) => view! { <span class="text-red-700">{format!("Left alone: {why}")}</span> }.into_any(),
                            None => view! { <span>{l.change.clone()}</span> }.into_any(),
                        }}
                    </td>
                </tr>
            }
            testid="bulk-preview"
            class="mt-4"
            framed=true
        />
        {(changing > 0).then(|| view! {
            <ActionForm action=run attr:class="mt-4">
                <input type="hidden" name="action" value=outcome.action.clone() />
                {names.iter().enumerate().map(|(i, n)| view! { <input type="hidden" name=format!("usernames[{i}]") value=n.clone() /> }).collect_view()}
                <input type="hidden" name="run" value="on" />
                <SubmitButton kind=ButtonKind::Danger>{format!("Confirm: {} {} account(s)", bulk_label(&outcome.action).to_lowercase(), changing)}</SubmitButton>
                " " <a class="link text-sm" href="/admin/users">"Cancel"</a>
            </ActionForm>
        })}
    }
}

/// `/admin/users/:username`.
#[component]
pub fn UserPageView() -> impl IntoView {
    let params = use_params_map();
    let username = move || params.read().get("username").unwrap_or_default();
    let update = ServerAction::<UpdateUser>::new();
    let flags = ServerAction::<SetUserFlags>::new();
    let reset = ServerAction::<SendPasswordReset>::new();
    let end = ServerAction::<EndUserSessions>::new();
    let deactivate = ServerAction::<DeactivateUser>::new();
    let reactivate = ServerAction::<ReactivateUser>::new();
    let factor = ServerAction::<ResetUserSecondFactor>::new();
    let versions = move || {
        (
            update.version().get(),
            flags.version().get(),
            end.version().get(),
            deactivate.version().get(),
            reactivate.version().get(),
            reset.version().get(),
            factor.version().get(),
        )
    };
    let data = Resource::new(move || (username(), versions()), |(u, _)| get_user(u));
    let actions = UserActions { update, flags, reset, end, deactivate, reactivate, factor };
    view! {
        <Title text=move || format!("User {}", username()) />
        <ConsoleNav current="/admin/users" />
        <p class="mt-4 text-sm"><a class="link" href="/admin/users">"← Users"</a></p>
        <AsyncSection resource=data class="mt-4" let:detail>
            <UserDetailView detail actions />
        </AsyncSection>
    }
}

#[derive(Clone, Copy)]
struct UserActions {
    update: ServerAction<UpdateUser>,
    flags: ServerAction<SetUserFlags>,
    reset: ServerAction<SendPasswordReset>,
    end: ServerAction<EndUserSessions>,
    deactivate: ServerAction<DeactivateUser>,
    reactivate: ServerAction<ReactivateUser>,
    factor: ServerAction<ResetUserSecondFactor>,
}

#[component]
fn UserDetailView(detail: UserDetail, actions: UserActions) -> impl IntoView {
    let UserActions { update, flags, reset, end, deactivate, reactivate, factor } = actions;
    let u = detail.user.clone();
    let (label, class) = state_badge(&u);
    let errors = Signal::derive(move || {
        update
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| flags.value().get().and_then(Result::err))
            .or_else(|| reset.value().get().and_then(Result::err))
            .or_else(|| end.value().get().and_then(Result::err))
            .or_else(|| deactivate.value().get().and_then(Result::err))
            .or_else(|| reactivate.value().get().and_then(Result::err))
            .or_else(|| factor.value().get().and_then(Result::err))
    });
    let deactivated = u.state != AccountState::Active;
    let session_count = detail.sessions.len();
    let [n_profile, n_flags, n_reset, n_end, n_activation] = std::array::from_fn(|_| u.username.clone());
    let records_href = format!("/admin/records?username={}", u.username);
    let audit_href = format!("/admin/audit?target={}", u.username);
    let explain_href = format!("/admin/access?identifier={}", u.username);
    view! {
        <h1 class="mt-2 text-2xl font-semibold" data-testid="user-heading">{u.username.clone()}" "<span class=class data-testid="user-state">{label}</span></h1>
        <p class="text-sm text-slate-600">
            {format!("{} · {} ", u.full_name, u.email)}
            {if detail.email_verified {
                view! { <span class="rounded bg-green-100 px-1.5 text-xs text-green-900" data-testid="email-verified">"confirmed"</span> }.into_any()
            } else {
                view! { <span class="rounded bg-amber-100 px-1.5 text-xs text-amber-900" data-testid="email-verified">"not confirmed"</span> }.into_any()
            }}
            {format!(" · joined {} · last sign-in {}", format_date(u.date_joined), date_or_never(u.last_login))}
        </p>
        <FormErrors class="mt-4" error=errors />
        {move || reset.value().get().and_then(Result::ok).map(|()| view! { <Notice class="mb-3">"A link to choose a password is in the outbox."</Notice> })}
        {move || end.value().get().and_then(Result::ok).map(|n| view! { <Notice class="mb-3">{format!("{n} session(s) ended.")}</Notice> })}
        {move || reactivate.value().get().and_then(Result::ok).map(|state| view! { <Notice class="mb-3">{if state == "active" { "The account is active again.".to_owned() } else { "The account is set up: it becomes active once its owner signs the required agreements.".to_owned() }}</Notice> })}
        <div class="mt-4 grid gap-6 lg:grid-cols-2">
            <section class="card" aria-labelledby="profile-heading">
                <h2 id="profile-heading" class="font-semibold">"Profile"</h2>
                <ActionForm action=update attr:class="mt-2 grid gap-3">
                    <input type="hidden" name="username" value=n_profile.clone() />
                    <Labeled id="profile-name" label="Full name">
                        <input id="profile-name" name="full_name" class="input mt-1" required=true value=u.full_name.clone() />
                    </Labeled>
                    <Labeled id="profile-email" label="Email">
                        <input id="profile-email" name="email" type="email" class="input mt-1" required=true value=u.email.clone() />
                    </Labeled>
                    <div><SubmitButton kind=ButtonKind::Secondary>"Save profile"</SubmitButton></div>
                </ActionForm>
                <ActionForm action=flags attr:class="mt-4 flex flex-wrap items-center gap-4 border-t border-slate-100 pt-3">
                    <input type="hidden" name="username" value=n_flags.clone() />
                    <CheckField name="is_staff" label="Staff" checked=u.is_staff />
                    <CheckField name="is_superuser" label="Superuser" checked=u.is_superuser />
                    <SubmitButton kind=ButtonKind::Secondary>"Save flags"</SubmitButton>
                </ActionForm>
            </section>
            <section class="card" aria-labelledby="access-heading">
                <h2 id="access-heading" class="font-semibold">"Sign-in and activation"</h2>
                <div class="mt-2 flex flex-wrap gap-2">
                    <ActionForm action=reset>
                        <input type="hidden" name="username" value=n_reset.clone() />
                        <SubmitButton kind=ButtonKind::Secondary>"Mail a password link"</SubmitButton>
                    </ActionForm>
                                        <ActionForm action=end>
                        <input type="hidden" name="username" value=n_end.clone() />
                        <SubmitButton kind=ButtonKind::Secondary>{format!("End {} session(s)", session_count)}</SubmitButton>
                    </ActionForm>
                    {detail.second_factor.then(|| view! {
                        <ActionForm action=factor>
                            <input type="hidden" name="username" value=u.username.clone() />
                            <SubmitButton kind=ButtonKind::Secondary>"Turn off two-step sign-in"</SubmitButton>
                        </ActionForm>
                    })}
                </div>
                <p class="mt-2 text-sm text-slate-600" data-testid="user-two-step">
                    {if detail.second_factor { "Two-step sign-in: on (turn it off only for an owner who lost both phone and recovery codes; they are mailed)." } else { "Two-step sign-in: off." }}
                </p>
                {if deactivated {
                    view! {
                        <ActionForm action=reactivate attr:class="mt-4 grid gap-2 border-t border-slate-100 pt-3">
                            <input type="hidden" name="username" value=n_activation.clone() />
                            <CheckField name="bypass" label="Activate at once, without the required agreements (recorded in the audit log)" />
                            <div><SubmitButton>"Reactivate"</SubmitButton></div>
                        </ActionForm>
                    }.into_any()
                } else {
                    view! {
                        <ActionForm action=deactivate attr:class="mt-4 grid gap-2 border-t border-slate-100 pt-3">
                            <input type="hidden" name="username" value=n_activation.clone() />
                            <Labeled id="deactivate-reason" label="Reason (kept in the audit log)">
                                <input id="deactivate-reason" name="reason" class="input mt-1" />
                            </Labeled>
                            <label class="flex items-center gap-2 text-sm"><input type="checkbox" name="confirm" required=true />"End every session and token and drop every role and group now"</label>
                            <div><SubmitButton kind=ButtonKind::Danger>"Deactivate"</SubmitButton></div>
                        </ActionForm>
                    }.into_any()
                }}
                <p class="mt-3 text-sm text-slate-600">
                    {match &detail.retirement { Some(state) => format!("Deletion: {state}."), None => "No deletion requested.".to_owned() }}
                    " " <a class="link" href=records_href>{format!("Records ({} program(s))", detail.record_programs)}</a>
                    " · " <a class="link" href=explain_href>"Explain access"</a>
                </p>
            </section>
        </div>
        <div class="mt-6 grid gap-6 lg:grid-cols-2">
            <Listing title="Roles" testid="user-roles" empty="No roles." rows=detail.grants.iter().map(|g| format!("{} · {}{}", g.role_label, g.scope, g.expires_at.map(|t| format!(" · until {}", format_date(t))).unwrap_or_default())).collect() />
            <Listing title="Groups" testid="user-groups" empty="In no group." rows=detail.groups.clone() />
            <Listing title="Agreements signed" testid="user-signatures" empty="None signed." rows=detail.signatures.iter().map(|s| format!("{} (version {}{}) · {}", s.title, s.version, if s.current { "" } else { ", not current" }, format_date(s.signed_at))).chain(detail.unsigned.iter().map(|t| format!("Not signed yet: {t}"))).collect() />
            <Listing title="Sessions" testid="user-sessions" empty="No live session." rows=detail.sessions.iter().map(|s| format!("{} · {} · since {} · last seen {}", s.device, s.ip, format_date(s.created_at), format_date(s.last_seen_at))).collect() />
            <Listing title="Recent sign-ins" testid="user-sign-ins" empty="No sign-in in the last 90 days." rows=detail.recent_sign_ins.iter().map(crate::pages::account_settings::sign_in_text).collect() />
            <Listing title="API tokens" testid="user-tokens" empty="No tokens." rows=detail.tokens.iter().map(|t| format!("{} · created {}{}", t.name, format_date(t.created_at), t.revoked_at.map(|r| format!(" · revoked {}", format_date(r))).unwrap_or_default())).collect() />
            <Listing title="Enrollments" testid="user-enrollments" empty="No enrollments." rows=detail.enrollments.iter().map(|e| format!("{} ({}) · {}{}", e.course_name, e.course_key, e.mode, if e.is_active { "" } else { " · unenrolled" })).collect() />
        </div>
        <section class="card mt-6" aria-labelledby="trail-heading">
            <h2 id="trail-heading" class="font-semibold">"Audit trail"</h2>
            <p class="text-xs text-slate-500"><a class="link" href=audit_href>"Search the whole audit log for this account"</a></p>
            <ul class="mt-2 divide-y divide-slate-100 text-sm" data-testid="user-audit">
                {detail.audit.into_iter().map(|a| view! {
                    <li class="py-1"><span class="text-slate-500">{format_date(a.at)}</span>" "<strong>{a.action}</strong>" by "{a.actor}{a.reason.map(|r| format!(" — {r}"))}</li>
                }).collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn Listing(
    title: &'static str,
    testid: &'static str,
    empty: &'static str,
    rows: Vec<String>,
) -> impl IntoView {
    view! {
        <section class="card" aria-label=title>
            <h2 class="font-semibold">{title}</h2>
            {if rows.is_empty() {
                view! { <p class="mt-1 text-sm text-slate-500">{empty}</p> }.into_any()
            } else {
                view! { <ul class="mt-1 list-disc pl-5 text-sm" data-testid=testid>{rows.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}</ul> }.into_any()
            }}
        </section>
    }
}
