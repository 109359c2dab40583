//! The Membership tab's enrollment list (the roster): everyone enrolled and invited, with search,
//! filters, paging and a CSV download of the same selection. Filters are a GET form and the pager plain
//! links, so the list works without JavaScript and every view can be bookmarked.

use crate::api::membership::list_enrollments;
use crate::components::async_section::AsyncSection;
use crate::components::error_view::urlencode;
use crate::components::form_parts::{ButtonKind, Labeled, SubmitButton};
use crate::components::table::{Column, DataTable};
use crate::model::{format_date, Page, RosterRow, RosterStatus};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn Roster(course: String) -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| query.read().get(name).unwrap_or_default();
    let filters = move || (param("q"), param("mode"), param("status"));
    let page = move || param("page").parse::<u32>().ok().unwrap_or(1);
    let list_course = course.clone();
    let data = Resource::new(
        move || (filters(), page()),
        move |((q, mode, status), page)| {
            list_enrollments(list_course.clone(), Some(q), Some(mode), Some(status), Some(page))
        },
    );
    let form_course = course.clone();
    view! {
        <section class="card mt-6" aria-labelledby="roster-heading" data-testid="roster">
            <div class="flex flex-wrap items-baseline justify-between gap-2">
                <h2 id="roster-heading" class="font-semibold">"Enrollments"</h2>
                <a
                    class="link text-sm"
                    data-testid="roster-csv"
                    href=move || {
                        let (q, mode, status) = filters();
                        format!(
                            "/api/membership/enrollments.csv?course={}&search={}&mode={}&status={}",
                            urlencode(&form_course), urlencode(&q), urlencode(&mode), urlencode(&status)
                        )
                    }
                >"Download these rows as CSV"</a>
            </div>
            <form method="get" action=format!("/courses/{course}") role="search" class="mt-3 flex flex-wrap items-end gap-3">
                <input type="hidden" name="tab" value="membership" />
                <Labeled id="roster-q" label="Name, username or email starts with">
                    <input id="roster-q" name="q" type="search" class="input mt-1 w-64" value=move || param("q") />
                </Labeled>
                <Labeled id="roster-mode" label="Mode">
                    <select id="roster-mode" name="mode" class="input mt-1">
                        <option value="">"Any mode"</option>
                        {registrar::enrollment::MODES.iter().map(|m| {
                            let m = *m;
                            view! { <option value=m selected=move || param("mode") == m>{m}</option> }
                        }).collect_view()}
                    </select>
                </Labeled>
                <Labeled id="roster-status" label="Show">
                    <select id="roster-status" name="status" class="input mt-1">
                        {RosterStatus::ALL.iter().map(|s| {
                            let s = *s;
                            view! { <option value=s.as_str() selected=move || RosterStatus::parse(&param("status")).unwrap_or_default() == s>{s.label()}</option> }
                        }).collect_view()}
                    </select>
                </Labeled>
                <SubmitButton kind=ButtonKind::Secondary>"Filter"</SubmitButton>
            </form>
            <AsyncSection resource=data class="mt-3" let:list>
                <RosterTable list course=course.clone() filters=filters() />
            </AsyncSection>
        </section>
    }
}

#[component]
fn RosterTable(list: Page<RosterRow>, course: String, filters: (String, String, String)) -> impl IntoView {
    let pages = list.pages();
    let current = list.page;
    let (q, mode, status) = filters;
    let link = move |p: u32| {
        format!(
            "/courses/{course}?tab=membership&q={}&mode={}&status={}&page={p}#roster-heading",
            urlencode(&q),
            urlencode(&mode),
            urlencode(&status)
        )
    };
    if list.items.is_empty() {
        return view! { <p class="mt-4 text-sm text-slate-600" data-testid="roster-empty">"Nobody matches these filters."</p> }.into_any();
    }
    view! {
        <p class="mt-4 text-sm text-slate-600" data-testid="roster-total">{list.total} {if list.total == 1 { " person" } else { " people" }}</p>
        <DataTable
            label="Enrollments"
            columns=[Column::new("Name"), Column::new("Email"), Column::new("Mode"), Column::new("Status"), Column::new("Since")]
            rows=list.items
            row=|r| {
                let (badge, text) = match r.status {
                    RosterStatus::Active => ("badge", "Enrolled".to_owned()),
                    RosterStatus::Inactive => ("badge bg-slate-100 text-slate-600", "Unenrolled".to_owned()),
                    _ => ("badge bg-amber-50 text-amber-800", if r.auto_enroll { "Invited · auto-enroll".to_owned() } else { "Invited".to_owned() }),
                };
                view! {
                    <tr>
                        <td>
                            {r.full_name.unwrap_or_else(|| "—".to_owned())}
                            <span class="block text-xs text-slate-500">{r.username.unwrap_or_else(|| "no account yet".to_owned())}</span>
                        </td>
                        <td>{r.email}</td>
                        <td>{r.mode.unwrap_or_default()}</td>
                        <td><span class=badge>{text}</span></td>
                        <td class="whitespace-nowrap text-slate-600">{format_date(r.since)}</td>
                    </tr>
                }
            }
            testid="roster-table"
            class="mt-2"
        />
        <nav aria-label="Enrollment pages" class="mt-4 flex items-center gap-3 text-sm">
            {(current > 1).then(|| view! { <a class="btn-secondary" href=link(current - 1)>"Previous"</a> })}
            <span>"Page " {current} " of " {pages}</span>
            {(current < pages).then(|| view! { <a class="btn-secondary" href=link(current + 1)>"Next"</a> })}
        </nav>
    }
    .into_any()
}
