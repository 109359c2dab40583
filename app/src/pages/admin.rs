//! The console's sharing sections: groups (`/admin/groups`, `/admin/groups/:id`)
//! and access (`/admin/access`: "explain access" for any user and course or library, and org-wide
//! grants). Every form posts without JavaScript too.

use crate::api::console::{
    explain_access, get_group, list_groups, list_org_grants, AddGroupMember, CreateGroup, DeleteGroup,
    GrantOrg, RemoveGroupMember, RenameGroup, RevokeOrg,
};
use crate::components::async_section::AsyncSection;
use crate::components::console_nav::ConsoleNav;
use crate::components::form_parts::ActionErrors;
use crate::components::form_parts::{ButtonKind, FormErrors, Labeled, SubmitButton};
use crate::components::sharing::{ends_text, ChangeNotice, EndDateField, ExplanationView};
use crate::components::table::{Column, DataTable};
use crate::model::{format_date, GroupPage, GroupSummary, OrgGrant};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn GroupsPage() -> impl IntoView {
    let create = ServerAction::<CreateGroup>::new();
    let data = Resource::new(move || create.version().get(), |_| list_groups());
    let error = Signal::derive(move || create.value().get().and_then(Result::err));
    view! {
        <Title text="Groups" />
        <ConsoleNav current="/admin/groups" />
        <h1 class="mt-4 text-2xl font-semibold">"Groups"</h1>
        <p class="mt-1 max-w-3xl text-sm text-slate-600">"A group gets library access like a user does; its members have that access while they are in the group."</p>
        <AsyncSection resource=data class="mt-6" let:groups>
            <GroupTable groups />
        </AsyncSection>
        <section class="card mt-6 max-w-2xl" aria-labelledby="new-group-heading">
            <h2 id="new-group-heading" class="font-semibold">"Create a group"</h2>
            <FormErrors class="mt-3" error />
            <ActionForm action=create attr:class="grid gap-3">
                <Labeled id="group-name" label="Name">
                    <input id="group-name" name="name" class="input mt-1" required=true maxlength="100" />
                </Labeled>
                <Labeled id="group-description" label="Description (optional)">
                    <input id="group-description" name="description" class="input mt-1" />
                </Labeled>
                <div><SubmitButton>"Create group"</SubmitButton></div>
            </ActionForm>
        </section>
    }
}

#[component]
fn GroupTable(groups: Vec<GroupSummary>) -> impl IntoView {
    view! {
        <DataTable
            label="Groups"
            columns=[Column::new("Group"), Column::right("Members"), Column::new("Created")]
            rows=groups
            row=|g| view! {
                <tr>
                    <td>
                        <a class="link" href=format!("/admin/groups/{}", g.id)>{g.name}</a>
                        <span class="block text-xs text-slate-500">{g.description}</span>
                    </td>
                    <td class="text-right">{g.members}</td>
                    <td>{format_date(g.created_at)}</td>
                </tr>
            }
            testid="groups"
            class="mt-4"
            framed=true
            empty=|| view! { <p class="mt-6 text-slate-600">"No groups yet."</p> }
        />
    }
}

#[derive(Clone, Copy)]
struct GroupActions {
    rename: ServerAction<RenameGroup>,
    delete: ServerAction<DeleteGroup>,
    add: ServerAction<AddGroupMember>,
    remove: ServerAction<RemoveGroupMember>,
}

#[component]
pub fn GroupPageView() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let actions = GroupActions {
        rename: ServerAction::new(),
        delete: ServerAction::new(),
        add: ServerAction::new(),
        remove: ServerAction::new(),
    };
    let versions =
        move || (actions.rename.version().get(), actions.add.version().get(), actions.remove.version().get());
    let data = Resource::new(move || (id(), versions()), |(id, _)| get_group(id));
    view! {
        <ConsoleNav current="/admin/groups" />
        <AsyncSection resource=data class="mt-6" error_title="Group" let:page>
            <Group page actions />
        </AsyncSection>
    }
}

#[component]
fn Group(page: GroupPage, actions: GroupActions) -> impl IntoView {
    let GroupActions { rename, delete, add, remove } = actions;
    let g = page.group.clone();
    let error = Signal::derive(move || {
        rename
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| delete.value().get().and_then(Result::err))
            .or_else(|| add.value().get().and_then(Result::err))
            .or_else(|| remove.value().get().and_then(Result::err))
    });
    let id = g.id.clone();
    let (members_id, add_id, rename_id, delete_id) = (id.clone(), id.clone(), id.clone(), id);
    view! {
        <Title text=format!("Group {}", g.name) />
        <h1 class="mt-4 text-2xl font-semibold">{g.name.clone()}</h1>
        <p class="text-sm text-slate-600">{g.description.clone()} " · " {g.members} " members · created " {format_date(g.created_at)}</p>
        <FormErrors class="mt-4" error />
        <div class="grid gap-6 md:grid-cols-2">
            <section class="card" aria-labelledby="members-heading" data-testid="group-members">
                <h2 id="members-heading" class="font-semibold">"Members"</h2>
                {if page.members.is_empty() {
                    view! { <p class="mt-2 text-sm text-slate-600">"Nobody is in this group yet."</p> }.into_any()
                } else {
                    view! {
                        <ul class="mt-2 divide-y divide-slate-100 text-sm">
                            {page.members.clone().into_iter().map(|m| {
                                let form_id = members_id.clone();
                                view! {
                                <li class="flex items-center gap-3 py-1.5">
                                    <span>{m.full_name}<span class="block text-xs text-slate-500">{m.username.clone()} " · " {m.email}</span></span>
                                    <ActionForm action=remove attr:class="ml-auto">
                                        <input type="hidden" name="id" value=form_id />
                                        <input type="hidden" name="username" value=m.username.clone() />
                                        <button type="submit" class="btn-secondary" aria-label=format!("Remove {} from the group", m.username)>"Remove"</button>
                                    </ActionForm>
                                </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
                <ActionForm action=add attr:class="mt-4 flex items-end gap-2">
                    <input type="hidden" name="id" value=add_id />
                    <Labeled id="member-identifier" label="Add a member (username or email)" class="flex-1">
                        <input id="member-identifier" name="identifier" class="input mt-1" required=true />
                    </Labeled>
                    <SubmitButton>"Add"</SubmitButton>
                </ActionForm>
            </section>
            <div>
                <section class="card" aria-labelledby="grants-heading" data-testid="group-grants">
                    <h2 id="grants-heading" class="font-semibold">"Access given to this group"</h2>
                    {if page.grants.is_empty() {
                        view! { <p class="mt-2 text-sm text-slate-600">"No library is shared with this group."</p> }.into_any()
                    } else {
                        view! {
                            <ul class="mt-2 divide-y divide-slate-100 text-sm">
                                {page.grants.clone().into_iter().map(|gr| {
                                    let link = gr.target.starts_with("lib:").then(|| format!("/libraries/{}", gr.target));
                                    view! {
                                        <li class="py-1.5">
                                            {match link {
                                                Some(href) => view! { <a class="link font-mono" href=href>{gr.target.clone()}</a> }.into_any(),
                                                None => view! { <span class="font-mono">{format!("every library of {}", gr.target.trim_start_matches("org:"))}</span> }.into_any(),
                                            }}
                                            " " <span class="badge">{gr.level_label}</span>
                                            {ends_text(gr.expires_at).map(|t| view! { <span class="ml-1 text-xs text-amber-700">{t}</span> })}
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                </section>
                <GroupPermissions id=g.id.clone() held=page.permissions.clone() />
                <section class="card mt-6" aria-labelledby="rename-heading">
                    <h2 id="rename-heading" class="font-semibold">"Rename"</h2>
                    <ActionForm action=rename attr:class="mt-2 grid gap-2">
                        <input type="hidden" name="id" value=rename_id />
                        <label for="rename-name" class="text-sm font-medium text-slate-700">"Name"</label>
                        <input id="rename-name" name="name" class="input" required=true value=g.name.clone() />
                        <label for="rename-description" class="text-sm font-medium text-slate-700">"Description"</label>
                        <input id="rename-description" name="description" class="input" value=g.description.clone() />
                        <div><SubmitButton kind=ButtonKind::Secondary>"Save"</SubmitButton></div>
                    </ActionForm>
                    <ActionForm action=delete attr:class="mt-4 border-t border-slate-100 pt-4">
                        <input type="hidden" name="id" value=delete_id />
                        <p class="text-xs text-slate-600">"Deleting the group takes its access away from its members at once."</p>
                        <button type="submit" class="mt-2 btn-secondary text-red-700">"Delete group"</button>
                    </ActionForm>
                </section>
            </div>
        </div>
    }
}

#[derive(Clone, Copy)]
struct AccessActions {
    grant: ServerAction<GrantOrg>,
    revoke: ServerAction<RevokeOrg>,
}

#[component]
pub fn AccessPage() -> impl IntoView {
    let query = use_query_map();
    let user = move || query.read().get("user").unwrap_or_default();
    let target = move || query.read().get("target").unwrap_or_default();
    let org = move || query.read().get("org").unwrap_or_default();
    let actions = AccessActions { grant: ServerAction::new(), revoke: ServerAction::new() };
    let grants = Resource::new(
        move || (org(), actions.grant.version().get(), actions.revoke.version().get()),
        |(org, _, _)| list_org_grants(Some(org)),
    );
    let explanation = Resource::new(
        move || (user(), target()),
        |(user, target)| async move {
            if user.trim().is_empty() || target.trim().is_empty() {
                None
            } else {
                Some(explain_access(user, target).await)
            }
        },
    );
    view! {
        <Title text="Access" />
        <ConsoleNav current="/admin/access" />
        <h1 class="mt-4 text-2xl font-semibold">"Access"</h1>
        <section class="card mt-6" aria-labelledby="explain-heading" data-testid="explain">
            <h2 id="explain-heading" class="font-semibold">"Explain access"</h2>
            <p class="text-sm text-slate-600">"Every grant that gives a user access to a course or library, and what each allows."</p>
            <form method="get" action="/admin/access" class="mt-3 flex flex-wrap items-end gap-3">
                <Labeled id="explain-user" label="Username or email" class="min-w-56 flex-1">
                    <input id="explain-user" name="user" class="input mt-1" required=true value=user />
                </Labeled>
                <Labeled id="explain-target" label="Course or library key" class="min-w-72 flex-1">
                    <input id="explain-target" name="target" class="input mt-1" required=true placeholder="course-v1:Org+Number+Run or lib:Org:id" value=target />
                </Labeled>
                <SubmitButton kind=ButtonKind::Secondary>"Explain"</SubmitButton>
            </form>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match explanation.await {
                        None => ().into_any(),
                        Some(Ok(explanation)) => view! { <ExplanationView explanation /> }.into_any(),
                        Some(Err(error)) => view! { <div class="mt-3"><ActionErrors error=Signal::derive(move || Some(error.clone())) /></div> }.into_any(),
                    }
                })}
            </Transition>
        </section>
        <AsyncSection resource=grants class="mt-6" let:rows>
            <OrgGrants rows org=org() actions />
        </AsyncSection>
    }
}

#[component]
fn OrgGrants(rows: Vec<OrgGrant>, org: String, actions: AccessActions) -> impl IntoView {
    let AccessActions { grant, revoke } = actions;
    let error = Signal::derive(move || {
        grant.value().get().and_then(Result::err).or_else(|| revoke.value().get().and_then(Result::err))
    });
    let done = Signal::derive(move || {
        grant.value().get().filter(Result::is_ok).or_else(|| revoke.value().get().filter(Result::is_ok))
    });
    view! {
        <section class="card mt-6" aria-labelledby="org-heading" data-testid="org-grants">
            <div class="flex flex-wrap items-end justify-between gap-3">
                <div>
                    <h2 id="org-heading" class="font-semibold">"Organization-wide access"</h2>
                    <p class="text-sm text-slate-600">"A course role here applies to every course of the organization; a library level to every library of it, present and future."</p>
                </div>
                <form method="get" action="/admin/access" class="flex gap-2">
                    <label for="org-filter" class="sr-only">"Organization"</label>
                    <input id="org-filter" name="org" class="input w-40" placeholder="All organizations" value=org.clone() />
                    <SubmitButton kind=ButtonKind::Secondary>"Filter"</SubmitButton>
                </form>
            </div>
            <FormErrors class="mt-3" error><ChangeNotice result=done /></FormErrors>
            <DataTable
                label="Organization-wide grants"
                columns=[Column::new("Organization"), Column::new("Who"), Column::new("Access"), Column::new("Since"), Column::hidden("Actions")]
                rows=rows
                row=|r| {
                    let what = match (r.kind.as_str(), r.role.as_str()) {
                        ("course", "org_course_creator_group") => "creating courses and libraries",
                        ("course", _) => "every course",
                        _ => "every library",
                    };
                    let label = format!("Revoke {} from {}", r.role_label, r.holder);
                    view! {
                        <tr>
                            <td>{r.org.clone()}</td>
                            <td>{r.holder.clone()}</td>
                            <td><span class="badge">{r.role_label.clone()}</span> " — " {what}
                                {ends_text(r.expires_at).map(|t| view! { <span class="ml-1 text-xs text-amber-700">{t}</span> })}</td>
                            <td class="text-slate-600">{format_date(r.since)}{r.granted_by.map(|b| format!(" by {b}"))}</td>
                            <td class="text-right">
                                <ActionForm action=revoke>
                                    <input type="hidden" name="org" value=r.org />
                                    <input type="hidden" name="kind" value=r.kind />
                                    <input type="hidden" name="holder" value=r.holder />
                                    <input type="hidden" name="role" value=r.role />
                                    <button type="submit" class="btn-secondary" aria-label=label>"Revoke"</button>
                                </ActionForm>
                            </td>
                        </tr>
                    }
                }
                class="mt-2"
                empty=|| view! { <p class="mt-2 text-sm text-slate-600">"No organization-wide grants."</p> }
            />
            <h3 class="mt-6 text-sm font-semibold">"Give organization-wide access"</h3>
            <ActionForm action=grant attr:class="mt-2 flex flex-wrap items-end gap-3">
                <Labeled id="og-org" label="Organization">
                    <input id="og-org" name="org" class="input mt-1 w-36" required=true value=org />
                </Labeled>
                <Labeled id="og-kind" label="On">
                    <select id="og-kind" name="kind" class="input mt-1">
                        <option value="course">"Every course"</option>
                        <option value="library">"Every library"</option>
                    </select>
                </Labeled>
                <Labeled id="og-holder" label="Username, email or group:NAME" class="min-w-56 flex-1">
                    <input id="og-holder" name="holder" class="input mt-1" required=true />
                </Labeled>
                <Labeled id="og-role" label="Role or level">
                    <select id="og-role" name="role" class="input mt-1">
                        <optgroup label="Courses">
                            <option value="instructor">"Admin"</option>
                            <option value="staff">"Staff"</option>
                            <option value="data_researcher">"Data Researcher"</option>
                            <option value="org_course_creator_group">"Org Content Creator"</option>
                        </optgroup>
                        <optgroup label="Libraries">
                            <option value="admin">"Library Admin"</option>
                            <option value="author">"Library Author"</option>
                            <option value="read">"Library Read only"</option>
                        </optgroup>
                    </select>
                </Labeled>
                <EndDateField id="og-until".to_owned() />
                <SubmitButton>"Give access"</SubmitButton>
            </ActionForm>
        </section>
    }
}

/// The console permissions a group gives, as a grid of section × verb (changed by superusers only).
#[component]
fn GroupPermissions(id: String, held: Vec<String>) -> impl IntoView {
    let save = ServerAction::<crate::api::admin::SetGroupPermissions>::new();
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    let session = crate::components::layout::Session::get();
    let held = StoredValue::new(held);
    let id = StoredValue::new(id);
    view! {
        <section class="card mt-6" aria-labelledby="permissions-heading" data-testid="group-permissions">
            <h2 id="permissions-heading" class="font-semibold">"Console permissions"</h2>
            <p class="mt-1 text-xs text-slate-600">"What staff members of this group may do in the admin console. Only superusers change this."</p>
            <FormErrors class="mt-2" error />
            {move || save.value().get().and_then(Result::ok).map(|()| view! { <p role="status" class="mb-2 rounded-md bg-green-50 p-2 text-sm text-green-800">"Saved."</p> })}
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let superuser = session.me.await.ok().flatten().is_some_and(|m| m.is_superuser);
                    let mut index = 0_usize;
                    view! {
                        <ActionForm action=save>
                            <input type="hidden" name="id" value=id.get_value() />
                            <table class="mt-2 text-sm">
                                <thead><tr><th scope="col" class="pr-3 text-left">"Section"</th>
                                    {registrar::console::Verb::ALL.iter().map(|v| view! { <th scope="col" class="px-2">{v.as_str()}</th> }).collect_view()}
                                </tr></thead>
                                <tbody>
                                    {registrar::console::Section::ALL.iter().map(|section| view! {
                                        <tr>
                                            <th scope="row" class="pr-3 text-left font-normal">{section.label()}</th>
                                            {registrar::console::Verb::ALL.iter().map(|verb| {
                                                let permission = registrar::console::Permission::new(*section, *verb);
                                                let offered = section.verbs().contains(verb);
                                                let codename = permission.codename();
                                                let checked = held.with_value(|h| h.contains(&codename));
                                                index += 1;
                                                let name = format!("permissions[{index}]");
                                                let label = format!("{} {}", verb.as_str(), section.label());
                                                view! {
                                                    <td class="px-2 text-center">
                                                        {offered.then(|| view! { <input type="checkbox" name=name value=codename checked=checked disabled=!superuser aria-label=label /> })}
                                                    </td>
                                                }
                                            }).collect_view()}
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                            {superuser.then(|| view! { <button type="submit" class="btn-secondary mt-3">"Save permissions"</button> })}
                        </ActionForm>
                    }
                })}
            </Transition>
        </section>
    }
}
