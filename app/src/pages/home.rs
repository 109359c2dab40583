//! The home page: a welcome for visitors, a map of what a signed-in user can reach.

use crate::components::layout::Session;
use crate::model::CurrentUser;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn HomePage() -> impl IntoView {
    let session = Session::get();
    view! {
        <Title text="" />
        <Transition fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match session.me.await {
                    Ok(Some(me)) if me.awaiting => view! {
                        <section class="card max-w-2xl">
                            <h1 class="text-2xl font-semibold">"Almost there"</h1>
                            <p class="mt-2 text-slate-600">"Your account is set up. Sign the required agreements to start using it."</p>
                            <a href="/account/agreements" class="btn-primary mt-4 inline-block">"Read and sign"</a>
                        </section>
                    }.into_any(),
                    Ok(Some(me)) => view! { <Overview me /> }.into_any(),
                    _ => view! { <Welcome /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Welcome() -> impl IntoView {
    view! {
        <section class="card max-w-2xl">
            <h1 class="text-2xl font-semibold">"Welcome to Registrar"</h1>
            <p class="mt-2 text-slate-600">
                "People and records administration for your learning platform: course teams, enrollments, library sharing, credentials and accounts."
            </p>
            <div class="mt-6 flex gap-3">
                <a href="/login" class="btn-primary">"Sign in"</a>
                <a href="/register" class="btn-secondary">"Create an account"</a>
            </div>
        </section>
    }
}

#[component]
fn Overview(me: CurrentUser) -> impl IntoView {
    let staff = me.is_staff || me.is_superuser;
    let activated = leptos_router::hooks::use_query_map().read_untracked().get("activated").is_some();
    view! {
        {activated.then(|| view! {
            <p role="status" class="mb-4 rounded-md bg-green-50 p-3 text-sm text-green-800" data-testid="activated">
                "Thank you: your account is active."
            </p>
        })}
        <h1 class="text-2xl font-semibold">"Hello, " {me.full_name.clone()}</h1>
        <div class="mt-6 grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
            <a href="/account" class="card block hover:border-indigo-300">
                <h2 class="font-semibold">"My account"</h2>
                <p class="mt-1 text-sm text-slate-600">"Your profile, enrollments and sessions."</p>
            </a>
            {staff.then(|| view! {
                <a href="/courses" class="card block hover:border-indigo-300">
                    <h2 class="font-semibold">"Courses"</h2>
                    <p class="mt-1 text-sm text-slate-600">"Every course on the platform, with its team."</p>
                </a>
            })}
            {me.dashboards.into_iter().map(|c| {
                let href = format!("/courses/{}", c.key);
                view! {
                    <a href=href class="card block hover:border-indigo-300">
                        <h2 class="font-semibold">{c.name}</h2>
                        <p class="mt-1 text-sm text-slate-600">"Instructor dashboard · " {c.key}</p>
                    </a>
                }
            }).collect_view()}
        </div>
    }
}
