//! Create an account. The browser checks the form with the same rules as the server before posting.
//! Opened from an invitation's link (`?email=…&invitation=…`) the address comes filled in and the
//! link's token goes with the form: registering with that address proves it, so the invitation is
//! redeemed at once.

use crate::api::session::Register;
use crate::components::error_view::ErrorBanner;
use crate::components::form::Field;
use crate::components::form_parts::SubmitButton;
use crate::components::layout::Session;
use crate::error::ApiError;
use leptos::form::FromFormData;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn RegisterPage() -> impl IntoView {
    let register = ServerAction::<Register>::new();
    let query = use_query_map();
    let invited_email = query.with_untracked(|q| q.get("email")).unwrap_or_default();
    let invitation = query.with_untracked(|q| q.get("invitation")).filter(|t| !t.trim().is_empty());
    Session::get().refresh_on(register.version());
    let local_error = RwSignal::new(None::<ApiError>);
    let error =
        Signal::derive(move || local_error.get().or_else(|| register.value().get().and_then(Result::err)));
    let check = move |ev: leptos::ev::SubmitEvent| {
        let Ok(data) = Register::from_event(&ev) else { return };
        let form = registrar::account::RegistrationForm {
            username: data.username,
            email: data.email,
            full_name: data.full_name,
            password: data.password,
            password_confirm: data.password_confirm,
        };
        match form.validate() {
            Ok(_) => local_error.set(None),
            Err(errors) => {
                local_error.set(Some(ApiError::Form(errors)));
                ev.prevent_default();
            }
        }
    };
    view! {
        <Title text="Create an account" />
        <section class="card mx-auto max-w-md">
            <h1 class="text-2xl font-semibold">"Create an account"</h1>
            <div class="mt-4">
                <ErrorBanner error />
                {invitation.is_some().then(|| view! {
                    <p class="mb-4 rounded-md bg-sky-50 p-3 text-sm text-sky-900">
                        "You were invited at this address. Register with it and your invitation is yours at once: no confirmation mail."
                    </p>
                })}
                <ActionForm action=register on:submit=check>
                    {invitation.clone().map(|token| view! { <input type="hidden" name="invitation" value=token /> })}
                    <Field name="username" label="Username" autocomplete="username" error hint="2 to 30 letters, digits, '_', '-' or '.'" />
                    <Field name="email" label="Email" kind="email" autocomplete="email" error value=invited_email />
                    <Field name="full_name" label="Full name" autocomplete="name" error />
                    <Field name="password" label="Password" kind="password" autocomplete="new-password" error hint="At least 10 characters." />
                    <Field name="password_confirm" label="Repeat the password" kind="password" autocomplete="new-password" error />
                    <SubmitButton class="w-full" pending=register.pending()>"Create account"</SubmitButton>
                </ActionForm>
            </div>
            <p class="mt-4 text-sm text-slate-600">"Already registered? " <a href="/login" class="link">"Sign in"</a></p>
        </section>
    }
}
