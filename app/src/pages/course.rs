//! A course's instructor dashboard: the course info tab (dates, team) and, for those who may enroll,
//! the Membership tab. Tabs are plain links (`?tab=membership`), so they work without JavaScript.

use crate::api::courses::get_course_overview;
use crate::components::async_section::AsyncSection;
use crate::components::membership::{MembershipAccess, MembershipTab};
use crate::components::table::{Column, DataTable};
use crate::model::{format_date, CourseOverview};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn CoursePage() -> impl IntoView {
    let params = use_params_map();
    let key = move || params.read().get("key").unwrap_or_default();
    let data = Resource::new(key, get_course_overview);
    view! {
        <AsyncSection resource=data error_title="Course" let:overview>
            <Dashboard overview />
        </AsyncSection>
    }
}

#[component]
fn Dashboard(overview: CourseOverview) -> impl IntoView {
    let query = use_query_map();
    let key = overview.course.key.clone();
    let access = MembershipAccess {
        enroll: overview.can_enroll,
        manage_team: overview.can_manage_team,
        manage_discussions: overview.can_manage_discussions,
        manage_discussion_admins: overview.can_manage_discussion_admins,
    };
    let has_membership = access.enroll || access.manage_discussions;
    let membership = move || has_membership && query.read().get("tab").as_deref() == Some("membership");
    let info_href = format!("/courses/{key}");
    let membership_href = format!("/courses/{key}?tab=membership");
    let tab_class = |active: bool| {
        if active {
            "border-b-2 border-indigo-600 px-1 pb-2 font-semibold text-indigo-700"
        } else {
            "border-b-2 border-transparent px-1 pb-2 text-slate-600 hover:text-slate-900"
        }
    };
    view! {
        <Title text=overview.course.name.clone() />
        <p class="text-sm text-slate-500">{key.clone()}</p>
        <h1 class="text-2xl font-semibold">{overview.course.name.clone()}</h1>
        <nav aria-label="Instructor dashboard" class="mt-4 flex gap-6 border-b border-slate-200 text-sm">
            <a href=info_href class=move || tab_class(!membership()) aria-current=move || (!membership()).then_some("page")>"Course info"</a>
            {has_membership.then(|| view! {
                <a href=membership_href class=move || tab_class(membership()) aria-current=move || membership().then_some("page")>"Membership"</a>
            })}
            {overview.can_view_team.then(|| view! {
                <a href=format!("/courses/{key}/team") class=tab_class(false)>"Course team"</a>
            })}
        </nav>
        <div class="mt-6">
            {move || if membership() {
                view! { <MembershipTab course=key.clone() access /> }.into_any()
            } else {
                view! { <CourseInfo overview=overview.clone() /> }.into_any()
            }}
        </div>
    }
}

#[component]
fn CourseInfo(overview: CourseOverview) -> impl IntoView {
    let c = overview.course;
    let date = |d: Option<i64>| d.map_or_else(|| "not set".to_owned(), format_date);
    view! {
        <div class="grid gap-6 md:grid-cols-3">
            <section class="card" aria-labelledby="dates-heading">
                <h2 id="dates-heading" class="font-semibold">"Dates"</h2>
                <dl class="mt-3 grid grid-cols-2 gap-y-2 text-sm">
                    <dt class="text-slate-500">"Starts"</dt><dd>{date(c.starts_at)}</dd>
                    <dt class="text-slate-500">"Ends"</dt><dd>{date(c.ends_at)}</dd>
                    <dt class="text-slate-500">"Enrollment opens"</dt><dd>{date(overview.enrollment_start)}</dd>
                    <dt class="text-slate-500">"Enrollment closes"</dt><dd>{date(overview.enrollment_end)}</dd>
                    <dt class="text-slate-500">"Active enrollments"</dt><dd data-testid="active-enrollments">{c.active_enrollments}</dd>
                </dl>
            </section>
            <section class="card md:col-span-2" aria-labelledby="team-heading">
                <h2 id="team-heading" class="font-semibold">"Course team"</h2>
                <DataTable
                    label="Course team members"
                    columns=[Column::new("Name"), Column::new("Email"), Column::new("Role")]
                    rows=overview.team
                    row=|m| view! {
                        <tr>
                            <td>{m.full_name}<span class="block text-xs text-slate-500">{m.username}</span></td>
                            <td>{m.email}</td>
                            <td><span class="badge">{m.role_label}</span></td>
                        </tr>
                    }
                    class="mt-3"
                />
            </section>
        </div>
    }
}
