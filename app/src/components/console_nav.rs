//! The row of section links on every console page: only the sections the signed-in user may open.
//! It only shows links; the Gate decides what each page may show.

use super::console_links::CONSOLE_LINKS;
use leptos::prelude::*;

/// The console's section links: only those the signed-in user may open.
#[component]
pub fn ConsoleNav(current: &'static str) -> impl IntoView {
    let session = crate::components::layout::Session::get();
    view! {
        <p class="text-sm text-slate-500">"Admin console"</p>
        <nav aria-label="Admin console" class="mt-1 flex flex-wrap gap-x-4 gap-y-1 border-b border-slate-200 pb-2 text-sm">
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let sections = session.me.await.ok().flatten().map(|m| m.console).unwrap_or_default();
                    CONSOLE_LINKS
                        .iter()
                        .filter(|(s, _, _)| sections.iter().any(|x| x == s))
                        .map(|(_, href, label)| {
                            let here = *href == current;
                            view! { <a href=*href class="nav-link" aria-current=here.then_some("page")>{*label}</a> }
                        })
                        .collect_view()
                })}
            </Transition>
        </nav>
    }
}
