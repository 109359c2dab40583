//! Every course, for global staff: search by key or name, paged. Search and paging are plain links and
//! GET forms, so they work without JavaScript and can be bookmarked.

use crate::api::courses::list_courses;
use crate::components::async_section::AsyncSection;
use crate::components::error_view::urlencode;
use crate::components::form_parts::{ButtonKind, SubmitButton};
use crate::components::table::{Column, DataTable};
use crate::model::{format_date, CourseSummary, Page};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn CoursesPage() -> impl IntoView {
    let query = use_query_map();
    let search = move || query.read().get("q").unwrap_or_default();
    let page = move || query.read().get("page").and_then(|p| p.parse::<u32>().ok()).unwrap_or(1);
    let data = Resource::new(move || (search(), page()), |(q, p)| list_courses(q, p));
    view! {
        <Title text="Courses" />
        <div class="flex flex-wrap items-end justify-between gap-4">
            <h1 class="text-2xl font-semibold">"Courses"</h1>
            <form method="get" action="/courses" role="search" class="flex gap-2">
                <label for="course-search" class="sr-only">"Search courses"</label>
                <input id="course-search" name="q" type="search" class="input w-72" placeholder="Search by key or name" value=search />
                <SubmitButton kind=ButtonKind::Secondary>"Search"</SubmitButton>
            </form>
        </div>
        <AsyncSection resource=data class="mt-6" let:list>
            <CourseTable list search=search() />
        </AsyncSection>
    }
}

#[component]
fn CourseTable(list: Page<CourseSummary>, search: String) -> impl IntoView {
    let pages = list.pages();
    let current = list.page;
    let link = move |p: u32| format!("/courses?q={}&page={p}", urlencode(&search));
    if list.items.is_empty() {
        return view! { <p class="mt-6 text-slate-600">"No course matches that search."</p> }.into_any();
    }
    view! {
        <p class="mt-4 text-sm text-slate-600">{list.total} " courses"</p>
        <DataTable
            label="Courses"
            columns=[Column::new("Course"), Column::new("Organization"), Column::new("Runs"), Column::right("Active enrollments")]
            rows=list.items
            row=|c| {
                let href = format!("/courses/{}", c.key);
                let runs = format!("{} – {}", c.starts_at.map(format_date).unwrap_or_default(), c.ends_at.map(format_date).unwrap_or_default());
                view! {
                    <tr>
                        <td><a class="link font-medium" href=href>{c.name}</a><span class="block text-xs text-slate-500">{c.key}</span></td>
                        <td>{c.org}</td>
                        <td class="whitespace-nowrap">{runs}</td>
                        <td class="text-right tabular-nums">{c.active_enrollments}</td>
                    </tr>
                }
            }
            class="mt-2"
            framed=true
        />
        <nav aria-label="Pages" class="mt-4 flex items-center gap-3 text-sm">
            {(current > 1).then(|| view! { <a class="btn-secondary" href=link(current - 1)>"Previous"</a> })}
            <span>"Page " {current} " of " {pages}</span>
            {(current < pages).then(|| view! { <a class="btn-secondary" href=link(current + 1)>"Next"</a> })}
        </nav>
    }
    .into_any()
}
