//! Loading a page's (or a section's) data: a `<Transition>` that shows "Loading…" while the first
//! answer is on its way, then either the view of the data or the page-level error (`PageError`,
//! which on the server also sets the response status).
//!
//! Owns: the loading line, where the error goes, and the page title set when loading failed.
//! Must not: create or refetch resources, decide what the data looks like, or hide an error (every
//! `Err` is shown). Shapes other than "one resource, `Ok` → view, `Err` → `PageError`" stay
//! hand-written `<Transition>`s.

use crate::components::error_view::PageError;
use crate::error::ApiError;
use leptos::prelude::*;
use leptos_meta::Title;

/// `<AsyncSection resource=data class="mt-6" let:list> <Table list /> </AsyncSection>` renders
/// exactly what the hand-written form did:
///
/// ```text
/// <Transition fallback=|| view! { <p class="mt-6 text-slate-500">"Loading…"</p> }>
///     {move || Suspend::new(async move {
///         match data.await {
///             Ok(list) => view! { <Table list /> }.into_any(),
///             Err(error) => view! { <div class="mt-6"><PageError error /></div> }.into_any(),
///         }
///     })}
/// </Transition>
/// ```
#[component]
pub fn AsyncSection<T, F, V>(
    /// The data; an `Err` is shown as a page error.
    resource: Resource<Result<T, ApiError>>,
    /// Spacing of the loading line and of the error (`mt-4`, `mt-6`); without it the error stands
    /// on its own, unwrapped.
    #[prop(optional)]
    class: &'static str,
    /// Nothing while loading (parts of a page that appear quietly).
    #[prop(optional)]
    quiet: bool,
    /// The page title to set when loading failed (the data's view sets its own).
    #[prop(optional)]
    error_title: Option<&'static str>,
    /// Renders the data.
    children: F,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    F: Fn(T) -> V + Clone + Send + 'static,
    V: IntoView + 'static,
{
    let fallback = move || {
        if quiet {
            ().into_any()
        } else if class.is_empty() {
            view! { <p class="text-slate-500">"Loading…"</p> }.into_any()
        } else {
            view! { <p class=format!("{class} text-slate-500")>"Loading…"</p> }.into_any()
        }
    };
    view! {
        <Transition fallback>
            {move || {
                let children = children.clone();
                Suspend::new(async move {
                    match resource.await {
                        Ok(data) => children(data).into_any(),
                        Err(error) => failure(error, class, error_title),
                    }
                })
            }}
        </Transition>
    }
}

/// The page error, spaced by `class` when there is one, after the failure's page title if any.
fn failure(error: ApiError, class: &'static str, title: Option<&'static str>) -> AnyView {
    match (title, class.is_empty()) {
        (None, true) => view! { <PageError error /> }.into_any(),
        (None, false) => view! { <div class=class><PageError error /></div> }.into_any(),
        (Some(text), true) => view! { <Title text /><PageError error /> }.into_any(),
        (Some(text), false) => view! { <Title text /><div class=class><PageError error /></div> }.into_any(),
    }
}
