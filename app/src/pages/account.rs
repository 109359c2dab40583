//! My account: profile, enrollments and sessions.

use crate::api::account::get_account;
use crate::components::error_view::PageError;
use crate::model::{format_date, AccountView};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn AccountPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| get_account());
    view! {
        <Title text="My account" />
        <Transition fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(view) => view! { <AccountDetails view /> }.into_any(),
                    Err(error) => view! { <PageError error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn AccountDetails(view: AccountView) -> impl IntoView {
    let last_login = view.last_login.map_or_else(|| "never".to_owned(), format_date);
    view! {
        <h1 class="text-2xl font-semibold">"My account"</h1>
        <div class="mt-6 grid gap-6 md:grid-cols-2">
            <section class="card" aria-labelledby="profile-heading">
                <h2 id="profile-heading" class="font-semibold">"Profile"</h2>
                <dl class="mt-3 grid grid-cols-3 gap-y-2 text-sm">
                    <dt class="text-slate-500">"Username"</dt><dd class="col-span-2" data-testid="account-username">{view.username}</dd>
                    <dt class="text-slate-500">"Full name"</dt><dd class="col-span-2">{view.full_name}</dd>
                    <dt class="text-slate-500">"Email"</dt><dd class="col-span-2">{view.email}</dd>
                    <dt class="text-slate-500">"Member since"</dt><dd class="col-span-2">{format_date(view.date_joined)}</dd>
                    <dt class="text-slate-500">"Previous sign-in"</dt><dd class="col-span-2">{last_login}</dd>
                    <dt class="text-slate-500">"Active sessions"</dt><dd class="col-span-2">{view.active_sessions}</dd>
                </dl>
            </section>
            <section class="card" aria-labelledby="enrollments-heading">
                <h2 id="enrollments-heading" class="font-semibold">"Enrollments"</h2>
                {if view.enrollments.is_empty() {
                    view! { <p class="mt-3 text-sm text-slate-600">"You are not enrolled in any course yet."</p> }.into_any()
                } else {
                    view! {
                        <ul class="mt-3 divide-y divide-slate-100 text-sm">
                            {view.enrollments.into_iter().map(|c| view! {
                                <li class="py-2"><span class="font-medium">{c.name}</span><span class="block text-xs text-slate-500">{c.key}</span></li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </section>
        </div>
    }
}
