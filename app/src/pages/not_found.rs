//! The 404 page (also sets the HTTP status when rendered on the server).

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
        resp.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page not found" />
        <section class="card max-w-lg">
            <h1 class="text-2xl font-semibold">"Page not found"</h1>
            <p class="mt-2 text-slate-600">"There is no page at this address. Check the link, or start again from the home page."</p>
            <a href="/" class="btn-primary mt-4 inline-block">"Go to the home page"</a>
        </section>
    }
}
