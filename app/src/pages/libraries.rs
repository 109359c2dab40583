//! The content libraries the signed-in user may view (`/libraries`), searchable with a GET form, and
//! the form to create one where they may.

use crate::api::libraries::{list_libraries, CreateLibrary};
use crate::components::async_section::AsyncSection;
use crate::components::form_parts::{ButtonKind, FormErrors, Labeled, SubmitButton};
use crate::components::table::{Column, DataTable};
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
                <SubmitButton kind=ButtonKind::Secondary>"Search"</SubmitButton>
            </form>
        </div>
        <AsyncSection resource=data class="mt-6" let:list>
            <LibraryTable list create />
        </AsyncSection>
    }
}

#[component]
fn LibraryTable(list: LibraryList, create: ServerAction<CreateLibrary>) -> impl IntoView {
    let error = Signal::derive(move || create.value().get().and_then(Result::err));
    let orgs = list.can_create_in.clone();
    view! {
        <DataTable
            label="Libraries"
            columns=[Column::new("Library"), Column::new("Organization"), Column::new("Your access"), Column::new("Open to")]
            rows=list.libraries
            row=|l| {
                let open = match (l.allow_public_read, l.allow_public_learning) {
                    (true, true) => "course creators (read), everyone (learn)",
                    (true, false) => "course creators (read)",
                    (false, true) => "everyone (learn)",
                    (false, false) => "its team only",
                };
                view! {
                    <tr>
                        <td>
                            <a class="link" href=format!("/libraries/{}", l.key)>{l.title}</a>
                            <span class="block font-mono text-xs text-slate-500">{l.key.clone()}</span>
                        </td>
                        <td>{l.org}</td>
                        <td>{l.my_level.map_or_else(|| view! { <span class="text-slate-500">"through public read or staff"</span> }.into_any(), |level| view! { <span class="badge">{level.label()}</span> }.into_any())}</td>
                        <td class="text-slate-600">{open}</td>
                    </tr>
                }
            }
            testid="libraries"
            class="mt-4"
            framed=true
            empty=|| view! { <p class="mt-6 text-slate-600">"No library you can see matches. Ask a library Admin to share one with you."</p> }
        />
        {(!orgs.is_empty()).then(|| view! {
            <section class="card mt-6 max-w-2xl" aria-labelledby="create-heading">
                <h2 id="create-heading" class="font-semibold">"Create a library"</h2>
                <p class="text-sm text-slate-600">"You become its Admin. The ID is part of its key (lib:ORG:ID) and never changes."</p>
                <FormErrors class="mt-3" error />
                <ActionForm action=create attr:class="grid gap-3 sm:grid-cols-2">
                    <Labeled id="library-org" label="Organization">
                        <select id="library-org" name="org" class="input mt-1">
                            {orgs.into_iter().map(|o| view! { <option value=o.clone()>{o.clone()}</option> }).collect_view()}
                        </select>
                    </Labeled>
                    <Labeled id="library-slug" label="ID">
                        <input id="library-slug" name="slug" class="input mt-1" required=true pattern="[A-Za-z0-9_\\-]{1,64}" title="1 to 64 letters, digits, hyphens or underscores" />
                    </Labeled>
                    <Labeled id="library-title" label="Title" class="sm:col-span-2">
                        <input id="library-title" name="title" class="input mt-1" required=true maxlength="200" />
                    </Labeled>
                    <Labeled id="library-description" label="Description (optional)" class="sm:col-span-2">
                        <textarea id="library-description" name="description" class="input mt-1" rows="2"></textarea>
                    </Labeled>
                    <div><SubmitButton pending=create.pending()>"Create library"</SubmitButton></div>
                </ActionForm>
            </section>
        }.into_any())}
    }
}
