//! One library (`/libraries/:key`): its details (Authors edit them), its public switches (Admins
//! only), its team of users and groups at Admin / Author / Read only, inherited access, "explain
//! access" and history. Every form posts without JavaScript too.

use crate::api::libraries::{
    explain_library_access, get_library, LibraryGrant, LibraryRevoke, LibrarySetLevel, SetLibrarySwitches,
    UpdateLibrary,
};
use crate::components::error_view::PageError;
use crate::components::form_parts::{ButtonKind, FormErrors, Labeled, SubmitButton};
use crate::components::sharing::{
    ends_text, ChangeNotice, EndDateField, ExplainSection, HistoryList, InheritedList,
};
use crate::components::table::{Column, DataTable};
use crate::model::{format_date, LibraryMember, LibraryPage};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use registrar::library::AccessLevel;

#[derive(Clone, Copy)]
struct LibraryActions {
    update: ServerAction<UpdateLibrary>,
    switches: ServerAction<SetLibrarySwitches>,
    grant: ServerAction<LibraryGrant>,
    set_level: ServerAction<LibrarySetLevel>,
    revoke: ServerAction<LibraryRevoke>,
}

#[component]
pub fn LibraryPageView() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let key = move || params.read().get("key").unwrap_or_default();
    let asked = move || query.read().get("explain").unwrap_or_default();
    let actions = LibraryActions {
        update: ServerAction::new(),
        switches: ServerAction::new(),
        grant: ServerAction::new(),
        set_level: ServerAction::new(),
        revoke: ServerAction::new(),
    };
    let versions = move || {
        (
            actions.update.version().get(),
            actions.switches.version().get(),
            actions.grant.version().get(),
            actions.set_level.version().get(),
            actions.revoke.version().get(),
        )
    };
    let data = Resource::new(move || (key(), versions()), |(key, _)| get_library(key));
    let explanation = Resource::new(
        move || (key(), asked()),
        |(key, asked)| async move {
            if asked.trim().is_empty() {
                None
            } else {
                Some(explain_library_access(key, asked).await)
            }
        },
    );
    view! {
        <Transition fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let answer = explanation.await;
                match data.await {
                    Ok(page) => view! { <Library page actions asked=asked() answer /> }.into_any(),
                    Err(error) => view! { <Title text="Library" /><PageError error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Library(
    page: LibraryPage,
    actions: LibraryActions,
    asked: String,
    answer: Option<Result<crate::model::AccessExplanation, crate::error::ApiError>>,
) -> impl IntoView {
    let LibraryActions { update, switches, grant, set_level, revoke } = actions;
    let lib = page.library.clone();
    let key = lib.key.clone();
    let path = format!("/libraries/{key}");
    let (can_edit, can_manage) = (page.can_edit, page.can_manage);
    let permanent_admins = page
        .members
        .iter()
        .filter(|m| m.kind == "user" && m.level == AccessLevel::Admin && m.expires_at.is_none())
        .count();
    let team_error = Signal::derive(move || {
        set_level.value().get().and_then(Result::err).or_else(|| revoke.value().get().and_then(Result::err))
    });
    let team_done = Signal::derive(move || {
        set_level.value().get().filter(Result::is_ok).or_else(|| revoke.value().get().filter(Result::is_ok))
    });
    let grant_error = Signal::derive(move || grant.value().get().and_then(Result::err));
    let details_error = Signal::derive(move || {
        update.value().get().and_then(Result::err).or_else(|| switches.value().get().and_then(Result::err))
    });
    let viewer = page.viewer.clone();
    let (details_key, switches_key, rows_key, grant_key) =
        (key.clone(), key.clone(), key.clone(), key.clone());
    view! {
        <Title text=lib.title.clone() />
        <p class="text-sm text-slate-500"><a class="link" href="/libraries">"Libraries"</a> " · " <span class="font-mono">{key.clone()}</span></p>
        <h1 class="text-2xl font-semibold">{lib.title.clone()}</h1>
        <p class="mt-1 text-sm text-slate-600">
            {if lib.description.is_empty() { "No description.".to_owned() } else { lib.description.clone() }}
        </p>
        <p class="mt-2 text-sm">
            "Your access: "
            {lib.my_level.map_or_else(|| view! { <span class="text-slate-600">"through public read or global staff"</span> }.into_any(), |l| view! { <span class="badge" data-testid="my-level">{l.label()}</span> }.into_any())}
            <span class="ml-3 text-xs text-slate-500">"Created " {format_date(page.created_at)}</span>
        </p>
        <FormErrors class="mt-4" error=details_error />
        <div class="grid gap-6 md:grid-cols-2">
            {can_edit.then(|| view! {
                <section class="card" aria-labelledby="details-heading">
                    <h2 id="details-heading" class="font-semibold">"Details"</h2>
                    <ActionForm action=update attr:class="mt-3 space-y-3">
                        <input type="hidden" name="key" value=details_key.clone() />
                        <Labeled id="lib-title" label="Title">
                            <input id="lib-title" name="title" class="input mt-1" required=true maxlength="200" value=lib.title.clone() />
                        </Labeled>
                        <Labeled id="lib-description" label="Description">
                            <textarea id="lib-description" name="description" class="input mt-1" rows="2">{lib.description.clone()}</textarea>
                        </Labeled>
                        <SubmitButton kind=ButtonKind::Secondary>"Save details"</SubmitButton>
                    </ActionForm>
                </section>
            }.into_any())}
            <section class="card" aria-labelledby="switches-heading" data-testid="switches">
                <h2 id="switches-heading" class="font-semibold">"Who else may use it"</h2>
                <ActionForm action=switches attr:class="mt-3 space-y-3">
                    <input type="hidden" name="key" value=switches_key />
                    <label class="flex items-start gap-2 text-sm">
                        <input type="checkbox" name="allow_public_read" value="on" checked=lib.allow_public_read disabled=!can_manage class="mt-1" />
                        <span><span class="font-medium">"Public read"</span><span class="block text-xs text-slate-600">"Anyone who may create courses or libraries can view this library and reuse its content."</span></span>
                    </label>
                    <label class="flex items-start gap-2 text-sm">
                        <input type="checkbox" name="allow_public_learning" value="on" checked=lib.allow_public_learning disabled=!can_manage class="mt-1" />
                        <span><span class="font-medium">"Public learning"</span><span class="block text-xs text-slate-600">"Anyone, even signed out, can learn from its content in courses."</span></span>
                    </label>
                    {if can_manage {
                        view! { <SubmitButton kind=ButtonKind::Secondary>"Save switches"</SubmitButton> }.into_any()
                    } else {
                        view! { <p class="text-xs text-slate-500" data-testid="switches-locked">"Only library Admins change these."</p> }.into_any()
                    }}
                </ActionForm>
            </section>
        </div>
        {(!page.can_view_team).then(|| view! {
            <p class="card mt-6 text-sm text-slate-600" data-testid="team-hidden">"This library is open to you through public read. Its team is visible to its members only."</p>
        })}
        {page.can_view_team.then(|| view! {
        <section class="card mt-6" aria-labelledby="lib-team-heading" data-testid="library-team">
            <h2 id="lib-team-heading" class="font-semibold">"Library team"</h2>
            <p class="text-sm text-slate-600">
                {AccessLevel::ALL.iter().rev().map(|l| format!("{}: {}", l.label(), l.describe())).collect::<Vec<_>>().join(" ")}
                " A group's access applies to whoever is in the group at the time."
            </p>
            <FormErrors class="mt-3" error=team_error><ChangeNotice result=team_done /></FormErrors>
            <DataTable
                label="Library team members"
                columns=[Column::new("Who"), Column::new("Access"), Column::new("Since"), Column::hidden("Actions")]
                rows=page.members.clone()
                row=|m| {
                    let me = m.kind == "user" && m.name == viewer;
                    let last_admin = m.kind == "user" && m.level == AccessLevel::Admin && m.expires_at.is_none() && permanent_admins <= 1;
                    view! { <LibraryMemberRow member=m library=rows_key.clone() me can_manage last_admin set_level revoke /> }
                }
            />
            {page.members.is_empty().then(|| view! { <p class="mt-3 text-sm text-slate-600">"This library's team has no members yet."</p> })}
            {can_manage.then(|| view! {
                <h3 class="mt-6 text-sm font-semibold">"Share with a user or group"</h3>
                <FormErrors class="mt-2" error=grant_error><ChangeNotice result=Signal::derive(move || grant.value().get()) /></FormErrors>
                <ActionForm action=grant attr:class="flex flex-wrap items-end gap-3">
                    <input type="hidden" name="key" value=grant_key.clone() />
                    <Labeled id="grant-kind" label="Share with">
                        <select id="grant-kind" name="kind" class="input mt-1">
                            <option value="user">"A user"</option>
                            <option value="group">"A group"</option>
                        </select>
                    </Labeled>
                    <Labeled id="grant-name" label="Email, username or group name" class="min-w-64 flex-1">
                        <input id="grant-name" name="name" class="input mt-1" required=true autocomplete="off" />
                    </Labeled>
                    <Labeled id="grant-level" label="Access">
                        <select id="grant-level" name="level" class="input mt-1">
                            <option value="read">"Read only"</option>
                            <option value="author">"Author"</option>
                            <option value="admin">"Admin"</option>
                        </select>
                    </Labeled>
                    <EndDateField id="grant-until".to_owned() />
                    <SubmitButton pending=grant.pending()>"Share"</SubmitButton>
                </ActionForm>
            }.into_any())}
        </section>
        <InheritedList rows=page.inherited.clone() more_staff=page.global_staff />
        }.into_any())}
        {can_manage.then(|| view! { <ExplainSection action=path.clone() asked=asked.clone() answer=answer.clone() /> }.into_any())}
        {page.can_view_team.then(|| view! { <HistoryList entries=page.history.clone() /> })}
    }
}

#[component]
fn LibraryMemberRow(
    member: LibraryMember,
    library: String,
    me: bool,
    can_manage: bool,
    last_admin: bool,
    set_level: ServerAction<LibrarySetLevel>,
    revoke: ServerAction<LibraryRevoke>,
) -> impl IntoView {
    let since = match &member.granted_by {
        Some(by) => format!("{} by {by}", format_date(member.since)),
        None => format_date(member.since),
    };
    let who = if member.kind == "group" {
        // Group pages live in the admin console, which only global staff open.
        view! {
            <span class="badge bg-amber-50 text-amber-800">"Group"</span> " "
            <span class="font-medium">{member.name.clone()}</span>
            <span class="block text-xs text-slate-500">{member.detail.clone()}</span>
        }
        .into_any()
    } else {
        view! {
            {member.detail.clone()}
            {me.then(|| view! { <span class="ml-1 badge">"You"</span> })}
            <span class="block text-xs text-slate-500">{member.name.clone()} {member.email.clone().map(|e| format!(" · {e}"))}</span>
        }
        .into_any()
    };
    let own_admin = me && member.level == AccessLevel::Admin;
    let controls = if !can_manage {
        ().into_any()
    } else if own_admin && !last_admin {
        view! { <span class="text-xs text-slate-500">"Another Admin can change your access."</span> }
            .into_any()
    } else if last_admin {
        view! { <span class="text-xs text-slate-500" data-testid="last-admin">"Last Admin: make someone else Admin to change this."</span> }.into_any()
    } else {
        let (kind, name) = (member.kind.clone(), member.name.clone());
        let select_id: String = format!("level-{}-{}", member.kind, member.name)
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' })
            .collect();
        let (library2, kind2, name2) = (library.clone(), kind.clone(), name.clone());
        // The level and the last day change together; the date starts as the grant's own.
        let keep_until = member.expires_at.map(|at| format_date(at - 1)).unwrap_or_default();
        view! {
            <div class="flex flex-wrap items-center justify-end gap-2">
                <ActionForm action=set_level attr:class="flex items-center gap-2">
                    <input type="hidden" name="key" value=library.clone() />
                    <input type="hidden" name="kind" value=kind.clone() />
                    <input type="hidden" name="name" value=name.clone() />
                    <label for=format!("{select_id}-until") class="sr-only">{format!("Last day of access of {name} (empty: no end)")}</label>
                    <input id=format!("{select_id}-until") name="expires" type="date" class="input w-40 py-1" value=keep_until title="Last day of access (empty: no end)" />
                    <label for=select_id.clone() class="sr-only">{format!("Access of {name}")}</label>
                    <select id=select_id name="level" class="input py-1">
                        {AccessLevel::ALL.into_iter().map(|l| view! { <option value=l.as_str() selected=l == member.level>{l.label()}</option> }).collect_view()}
                    </select>
                    <button type="submit" class="btn-secondary" aria-label=format!("Change the access of {name}")>"Change"</button>
                </ActionForm>
                <ActionForm action=revoke>
                    <input type="hidden" name="key" value=library2 />
                    <input type="hidden" name="kind" value=kind2 />
                    <input type="hidden" name="name" value=name2.clone() />
                    <button type="submit" class="btn-secondary" aria-label=format!("Remove {name2} from the team")>"Remove"</button>
                </ActionForm>
            </div>
        }
        .into_any()
    };
    view! {
        <tr data-testid=format!("lib-member-{}-{}", member.kind, member.name)>
            <td>{who}</td>
            <td>
                <span class="badge">{member.level_label}</span>
                {ends_text(member.expires_at).map(|t| view! { <span class="block text-xs text-amber-700">{t}</span> })}
            </td>
            <td class="text-slate-600">{since}</td>
            <td class="text-right">{controls}</td>
        </tr>
    }
}
