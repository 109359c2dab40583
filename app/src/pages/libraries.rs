//! The content libraries the signed-in user may view (`/libraries`), searchable with a GET form, and
//! the form to create one where they may.

use crate::api::libraries::{list_libraries, CreateLibrary};
use crate::components::error_view::PageError;
use crate::components::sharing::ActionErrors;
use crate::model::LibraryList;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn LibrariesPage() -> impl IntoView {
    let query = use_query_map();
    let search = move || query.read().get("q").unwrap_or_default();
    let create = ServerAction::<CreateLibrary>::new();
    let data = Resource::new(move || (search(), create.version().get()), |(q, _)| list_libraries(Some(q)));
    view! {
        <Title text="Libraries" />
        <div class="flex flex-wrap items-end justify-between gap-4">
            <h1 class="text-2xl font-semibold">"Content libraries"</h1>
            <form method="get" action="/libraries" role="search" class="flex gap-2">
                <label for="library-search" class="sr-only">"Search libraries"</label>
                <input id="library-search" name="q" type="search" class="input w-72" placeholder="Search by title, ID or organization" value=search />
                <button type="submit" class="btn-secondary">"Search"</button>
            </form>
        </div>
        <Transition fallback=|| view! { <p class="mt-6 text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(list) => view! { <LibraryTable list create /> }.into_any(),
                    Err(error) => view! { <div class="mt-6"><PageError error /></div> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn LibraryTable(list: LibraryList, create: ServerAction<CreateLibrary>) -> impl IntoView {
    let error = Signal::derive(move || create.value().get().and_then(Result::err));
    let orgs = list.can_create_in.clone();
    view! {
        {if list.libraries.is_empty() {
            view! { <p class="mt-6 text-slate-600">"No library you can see matches. Ask a library Admin to share one with you."</p> }.into_any()
        } else {
            view! {
                <div class="mt-4 overflow-x-auto rounded-lg border border-slate-200 bg-white">
                    <table class="min-w-full text-sm" data-testid="libraries">
                        <thead class="bg-slate-50 text-left text-slate-600">
                            <tr>
                                <th scope="col" class="px-4 py-2">"Library"</th>
                                <th scope="col" class="px-4 py-2">"Organization"</th>
                                <th scope="col" class="px-4 py-2">"Your access"</th>
                                <th scope="col" class="px-4 py-2">"Open to"</th>
                            </tr>
                        </thead>
                        <tbody class="divide-y divide-slate-100">
                            {list.libraries.into_iter().map(|l| {
                                let open = match (l.allow_public_read, l.allow_public_learning) {
                                    (true, true) => "course creators (read), everyone (learn)",
                                    (true, false) => "course creators (read)",
                                    (false, true) => "everyone (learn)",
                                    (false, false) => "its team only",
                                };
                                view! {
                                    <tr>
                                        <td class="px-4 py-2">
                                            <a class="link" href=format!("/libraries/{}", l.key)>{l.title}</a>
                                            <span class="block font-mono text-xs text-slate-500">{l.key.clone()}</span>
                                        </td>
                                        <td class="px-4 py-2">{l.org}</td>
                                        <td class="px-4 py-2">{l.my_level.map_or_else(|| view! { <span class="text-slate-500">"through public read or staff"</span> }.into_any(), |level| view! { <span class="badge">{level}</span> }.into_any())}</td>
                                        <td class="px-4 py-2 text-slate-600">{open}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }.into_any()
        }}
        {(!orgs.is_empty()).then(|| view! {
            <section class="card mt-6 max-w-2xl" aria-labelledby="create-heading">
                <h2 id="create-heading" class="font-semibold">"Create a library"</h2>
                <p class="text-sm text-slate-600">"You become its Admin. The ID is part of its key (lib:ORG:ID) and never changes."</p>
                <div class="mt-3"><ActionErrors error /></div>
                <ActionForm action=create attr:class="grid gap-3 sm:grid-cols-2">
                    <div>
                        <label for="library-org" class="block text-sm font-medium text-slate-700">"Organization"</label>
                        <select id="library-org" name="org" class="input mt-1">
                            {orgs.into_iter().map(|o| view! { <option value=o.clone()>{o.clone()}</option> }).collect_view()}
                        </select>
                    </div>
                    <div>
                        <label for="library-slug" class="block text-sm font-medium text-slate-700">"ID"</label>
                        <input id="library-slug" name="slug" class="input mt-1" required=true pattern="[A-Za-z0-9_\\-]{1,64}" title="1 to 64 letters, digits, hyphens or underscores" />
                    </div>
                    <div class="sm:col-span-2">
                        <label for="library-title" class="block text-sm font-medium text-slate-700">"Title"</label>
                        <input id="library-title" name="title" class="input mt-1" required=true maxlength="200" />
                    </div>
                    <div class="sm:col-span-2">
                        <label for="library-description" class="block text-sm font-medium text-slate-700">"Description (optional)"</label>
                        <textarea id="library-description" name="description" class="input mt-1" rows="2"></textarea>
                    </div>
                    <div><button type="submit" class="btn-primary" disabled=move || create.pending().get()>"Create library"</button></div>
                </ActionForm>
            </section>
        }.into_any())}
    }
}
