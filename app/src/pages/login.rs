//! Sign in with a username or email and a password. Works without JavaScript.

use crate::api::session::Login;
use crate::components::error_view::ErrorBanner;
use crate::components::form::Field;
use crate::components::form_parts::{Notice, SubmitButton};
use crate::components::layout::Session;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    Session::get().refresh_on(login.version());
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let signed_out = move || query.read().get("signed_out").is_some();
    let cancelled = move || query.read().get("deletion_cancelled").is_some();
    let password_set = move || query.read().get("password_set").is_some();
    let email_changed = move || query.read().get("email_changed").is_some();
    let error = Signal::derive(move || login.value().get().and_then(Result::err));
    view! {
        <Title text="Sign in" />
        <section class="card mx-auto max-w-md">
            <h1 class="text-2xl font-semibold">"Sign in"</h1>
            {move || signed_out().then(|| view! {
                <Notice class="mt-3">"You have signed out."</Notice>
            })}
            {move || cancelled().then(|| view! {
                <Notice class="mt-3">"The deletion is cancelled and your account is active again. Sign in with your usual password."</Notice>
            })}
            {move || password_set().then(|| view! {
                <Notice class="mt-3">"Your password is set. Sign in with it."</Notice>
            })}
            {move || email_changed().then(|| view! {
                <Notice class="mt-3">"Your new email address is confirmed. Sign in with it or your username."</Notice>
            })}
            <div class="mt-4">
                <ErrorBanner error />
                <ActionForm action=login>
                    <input type="hidden" name="next" value=next />
                    <Field name="identifier" label="Username or email" autocomplete="username" error />
                    <Field name="password" label="Password" kind="password" autocomplete="current-password" error />
                    <p class="-mt-2 mb-4 text-right text-sm"><a href="/account/forgot-password" class="link">"Forgot password?"</a></p>
                    <SubmitButton class="w-full" pending=login.pending()>
                        {move || if login.pending().get() { "Signing in…" } else { "Sign in" }}
                    </SubmitButton>
                </ActionForm>
            </div>
            <p class="mt-4 text-sm text-slate-600">
                "New here? " <a href="/register" class="link">"Create an account"</a>
            </p>
        </section>
    }
}
