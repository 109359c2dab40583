//! The Studio-style course team page (`/courses/:key/team`): Admins and Staff with since when and by
//! whom, add by email or username (unknown emails are invited), switch Staff ↔ Admin, remove, leave,
//! pending invitations, inherited access, "explain access" and history. Every form posts without
//! JavaScript too.

use crate::api::team::{
    explain_course_access, get_studio_team, StudioAdd, StudioRemove, StudioRevokeInvitation, StudioSetRole,
};
use crate::components::error_view::PageError;
use crate::components::form_parts::{ButtonKind, FormErrors, Labeled, SubmitButton};
use crate::components::sharing::{
    ends_text, ChangeNotice, EndDateField, ExplainSection, HistoryList, InheritedList,
};
use crate::components::table::{Column, DataTable};
use crate::model::{format_date, StudioTeam, TeamMember};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use registrar::roles::Role;

#[component]
pub fn CourseTeamPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let key = move || params.read().get("key").unwrap_or_default();
    let asked = move || query.read().get("explain").unwrap_or_default();
    let add = ServerAction::<StudioAdd>::new();
    let set_role = ServerAction::<StudioSetRole>::new();
    let remove = ServerAction::<StudioRemove>::new();
    let revoke = ServerAction::<StudioRevokeInvitation>::new();
    let versions = move || {
        (add.version().get(), set_role.version().get(), remove.version().get(), revoke.version().get())
    };
    let data = Resource::new(move || (key(), versions()), |(key, _)| get_studio_team(key));
    let explanation = Resource::new(
        move || (key(), asked()),
        |(key, asked)| async move {
            if asked.trim().is_empty() {
                None
            } else {
                Some(explain_course_access(key, asked).await)
            }
        },
    );
    let actions = TeamActions { add, set_role, remove, revoke };
    view! {
        <Transition fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let answer = explanation.await;
                match data.await {
                    Ok(team) => view! { <TeamPage team actions asked=asked() answer /> }.into_any(),
                    Err(error) => view! { <Title text="Course team" /><PageError error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[derive(Clone, Copy)]
struct TeamActions {
    add: ServerAction<StudioAdd>,
    set_role: ServerAction<StudioSetRole>,
    remove: ServerAction<StudioRemove>,
    revoke: ServerAction<StudioRevokeInvitation>,
}

#[component]
fn TeamPage(
    team: StudioTeam,
    actions: TeamActions,
    asked: String,
    answer: Option<Result<crate::model::AccessExplanation, crate::error::ApiError>>,
) -> impl IntoView {
    let TeamActions { add, set_role, remove, revoke } = actions;
    let key = team.course.key.clone();
    let page = format!("/courses/{key}/team");
    let permanent_admins =
        team.members.iter().filter(|m| m.role == Role::Instructor && m.expires_at.is_none()).count();
    let change_error = Signal::derive(move || {
        set_role
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| remove.value().get().and_then(Result::err))
            .or_else(|| revoke.value().get().and_then(Result::err))
    });
    let change_done = Signal::derive(move || {
        set_role.value().get().filter(Result::is_ok).or_else(|| remove.value().get().filter(Result::is_ok))
    });
    let add_error = Signal::derive(move || add.value().get().and_then(Result::err));
    let can_manage = team.can_manage;
    let viewer = team.viewer.clone();
    let rows = team.members.clone();
    let (add_key, invitation_key) = (key.clone(), key.clone());
    view! {
        <Title text=format!("Course team · {}", team.course.name) />
        <p class="text-sm text-slate-500"><a class="link" href=format!("/courses/{key}")>{team.course.name.clone()}</a> " · " {key.clone()}</p>
        <h1 class="text-2xl font-semibold">"Course team"</h1>
        <p class="mt-1 max-w-3xl text-sm text-slate-600">
            "Admins manage the team and everything Staff can do; Staff teach and manage learners. The Membership tab shows the same roles. A course always keeps at least one Admin without an end date."
        </p>
        <section class="card mt-6" aria-labelledby="members-heading" data-testid="studio-team">
            <h2 id="members-heading" class="font-semibold">"Members"</h2>
            <FormErrors class="mt-3" error=change_error><ChangeNotice result=change_done /></FormErrors>
            <DataTable
                label="Course team members"
                columns=[Column::new("Name"), Column::new("Email"), Column::new("Role"), Column::new("Since"), Column::hidden("Actions")]
                rows=rows
                row=|m| {
                    let me = m.username == viewer;
                    let last_admin = m.role == Role::Instructor && m.expires_at.is_none() && permanent_admins <= 1;
                    view! { <MemberRow member=m course=key.clone() me can_manage last_admin set_role remove /> }
                }
            />
            {team.members.is_empty().then(|| view! { <p class="mt-3 text-sm text-slate-600">"Nobody is on this course's team yet."</p> })}
        </section>
        {can_manage.then(|| view! {
            <section class="card mt-6" aria-labelledby="add-heading">
                <h2 id="add-heading" class="font-semibold">"Add a team member"</h2>
                <p class="text-sm text-slate-600">"Adding someone also enrolls them. An email without an account gets an invitation that becomes the role when they register."</p>
                <FormErrors class="mt-3" error=add_error><ChangeNotice result=Signal::derive(move || add.value().get()) /></FormErrors>
                <ActionForm action=add attr:class="flex flex-wrap items-end gap-3">
                    <input type="hidden" name="course" value=add_key.clone() />
                    <Labeled id="team-identifier" label="Email or username" class="min-w-64 flex-1">
                        <input id="team-identifier" name="identifier" class="input mt-1" required=true autocomplete="off" />
                    </Labeled>
                    <Labeled id="team-role" label="Role">
                        <select id="team-role" name="role" class="input mt-1">
                            <option value="staff">"Staff"</option>
                            <option value="instructor">"Admin"</option>
                        </select>
                    </Labeled>
                    <EndDateField id="team-until".to_owned() />
                    <SubmitButton pending=add.pending()>"Add"</SubmitButton>
                </ActionForm>
            </section>
        }.into_any())}
        {(!team.invitations.is_empty()).then(|| view! {
            <section class="card mt-6" aria-labelledby="invitations-heading" data-testid="invitations">
                <h2 id="invitations-heading" class="font-semibold">"Pending invitations"</h2>
                <div class="mt-3"><ChangeNotice result=Signal::derive(move || revoke.value().get()) /></div>
                <ul class="mt-3 divide-y divide-slate-100 text-sm">
                    {team.invitations.clone().into_iter().map(|i| {
                        let label = format!("Withdraw the invitation of {}", i.email);
                        let form_key = invitation_key.clone();
                        view! {
                            <li class="flex flex-wrap items-center gap-x-3 gap-y-1 py-2">
                                <span class="font-medium">{i.email.clone()}</span>
                                <span class="badge">{i.role_label}</span>
                                <span class="text-xs text-slate-500">{format!("invited {}{}", format_date(i.created_at), i.invited_by.map(|b| format!(" by {b}")).unwrap_or_default())}</span>
                                {if i.expired {
                                    view! { <span class="text-xs text-red-700">"expired"</span> }.into_any()
                                } else {
                                    view! { <span class="text-xs text-slate-500">{format!("open until {}", format_date(i.expires_at))}</span> }.into_any()
                                }}
                                {can_manage.then(|| view! {
                                    <ActionForm action=revoke attr:class="ml-auto">
                                        <input type="hidden" name="course" value=form_key />
                                        <input type="hidden" name="id" value=i.id />
                                        <button type="submit" class="btn-secondary" aria-label=label>"Withdraw"</button>
                                    </ActionForm>
                                })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </section>
        }.into_any())}
        <InheritedList rows=team.inherited.clone() more_staff=team.global_staff />
        {can_manage.then(|| view! { <ExplainSection action=page.clone() asked=asked.clone() answer=answer.clone() /> }.into_any())}
        <HistoryList entries=team.history.clone() />
    }
}

#[component]
fn MemberRow(
    member: TeamMember,
    course: String,
    me: bool,
    can_manage: bool,
    last_admin: bool,
    set_role: ServerAction<StudioSetRole>,
    remove: ServerAction<StudioRemove>,
) -> impl IntoView {
    let is_admin = member.role == Role::Instructor;
    let since = match &member.granted_by {
        Some(by) => format!("{} by {by}", format_date(member.since)),
        None => format_date(member.since),
    };
    let username = member.username.clone();
    // Switching role keeps the end date the grant had.
    let keep_until = member.expires_at.map(|at| format_date(at - 1)).unwrap_or_default();
    let other_role = if is_admin { ("staff", "Make Staff") } else { ("instructor", "Make Admin") };
    let controls = if me {
        if is_admin {
            view! { <span class="text-xs text-slate-500">"Another Admin can change your role."</span> }
                .into_any()
        } else {
            view! {
                <ActionForm action=remove>
                    <input type="hidden" name="course" value=course.clone() />
                    <input type="hidden" name="username" value=username.clone() />
                    <SubmitButton kind=ButtonKind::Secondary>"Leave the team"</SubmitButton>
                </ActionForm>
            }
            .into_any()
        }
    } else if !can_manage {
        ().into_any()
    } else if last_admin {
        view! { <span class="text-xs text-slate-500" data-testid="last-admin">"Last Admin: make someone else Admin to change this."</span> }.into_any()
    } else {
        let (role_value, role_label) = other_role;
        let (course2, username2) = (course.clone(), username.clone());
        let (course3, username3, until3) = (course.clone(), username.clone(), keep_until.clone());
        let current_role = member.role.as_str();
        let date_id = format!("until-{}", username.replace(|c: char| !c.is_ascii_alphanumeric(), "_"));
        view! {
            <div class="flex flex-wrap items-center justify-end gap-2">
                <ActionForm action=set_role>
                    <input type="hidden" name="course" value=course.clone() />
                    <input type="hidden" name="username" value=username.clone() />
                    <input type="hidden" name="role" value=role_value />
                    <input type="hidden" name="expires" value=keep_until.clone() />
                    <button type="submit" class="btn-secondary" aria-label=format!("{role_label}: {username}")>{role_label}</button>
                </ActionForm>
                <ActionForm action=remove>
                    <input type="hidden" name="course" value=course2 />
                    <input type="hidden" name="username" value=username2.clone() />
                    <button type="submit" class="btn-secondary" aria-label=format!("Remove {username2} from the team")>"Remove"</button>
                </ActionForm>
                <details class="w-full text-right">
                    <summary class="cursor-pointer text-xs text-indigo-700">"End date"</summary>
                    <ActionForm action=set_role attr:class="mt-1 flex items-center justify-end gap-2">
                        <input type="hidden" name="course" value=course3 />
                        <input type="hidden" name="username" value=username3.clone() />
                        <input type="hidden" name="role" value=current_role />
                        <label for=date_id.clone() class="text-xs text-slate-600">"Last day (empty: no end)"</label>
                        <input id=date_id name="expires" type="date" class="input w-40 py-1" value=until3 />
                        <button type="submit" class="btn-secondary" aria-label=format!("Save the end date of {username3}")>"Save"</button>
                    </ActionForm>
                </details>
            </div>
        }
        .into_any()
    };
    view! {
        <tr data-testid=format!("member-{}", member.username)>
            <td>
                {member.full_name}
                {me.then(|| view! { <span class="ml-1 badge">"You"</span> })}
                <span class="block text-xs text-slate-500">{member.username.clone()}</span>
            </td>
            <td><a class="link" href=format!("mailto:{}", member.email)>{member.email.clone()}</a></td>
            <td>
                <span class="badge">{member.role_label}</span>
                {ends_text(member.expires_at).map(|t| view! { <span class="block text-xs text-amber-700">{t}</span> })}
            </td>
            <td class="text-slate-600">{since}</td>
            <td class="text-right">{controls}</td>
        </tr>
    }
}
