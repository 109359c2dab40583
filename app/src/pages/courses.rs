//! Every course, for global staff: search by key or name, paged. Search and paging are plain links and
//! GET forms, so they work without JavaScript and can be bookmarked.

use crate::api::courses::list_courses;
use crate::components::error_view::{urlencode, PageError};
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
                <button type="submit" class="btn-secondary">"Search"</button>
            </form>
        </div>
        <Transition fallback=|| view! { <p class="mt-6 text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(list) => view! { <CourseTable list search=search() /> }.into_any(),
                    Err(error) => view! { <div class="mt-6"><PageError error /></div> }.into_any(),
                }
            })}
        </Transition>
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
        <div class="mt-2 overflow-x-auto rounded-lg border border-slate-200 bg-white">
            <table class="min-w-full text-sm">
                <thead class="bg-slate-50 text-left text-slate-600">
                    <tr>
                        <th scope="col" class="px-4 py-2">"Course"</th>
                        <th scope="col" class="px-4 py-2">"Organization"</th>
                        <th scope="col" class="px-4 py-2">"Runs"</th>
                        <th scope="col" class="px-4 py-2 text-right">"Active enrollments"</th>
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-100">
                    {list.items.into_iter().map(|c| {
                        let href = format!("/courses/{}", c.key);
                        let runs = format!("{} – {}", c.starts_at.map(format_date).unwrap_or_default(), c.ends_at.map(format_date).unwrap_or_default());
                        view! {
                            <tr>
                                <td class="px-4 py-2"><a class="link font-medium" href=href>{c.name}</a><span class="block text-xs text-slate-500">{c.key}</span></td>
                                <td class="px-4 py-2">{c.org}</td>
                                <td class="px-4 py-2 whitespace-nowrap">{runs}</td>
                                <td class="px-4 py-2 text-right tabular-nums">{c.active_enrollments}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <nav aria-label="Pages" class="mt-4 flex items-center gap-3 text-sm">
            {(current > 1).then(|| view! { <a class="btn-secondary" href=link(current - 1)>"Previous"</a> })}
            <span>"Page " {current} " of " {pages}</span>
            {(current < pages).then(|| view! { <a class="btn-secondary" href=link(current + 1)>"Next"</a> })}
        </nav>
    }
    .into_any()
}
