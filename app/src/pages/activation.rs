//! The account side of activation: `/account/agreements` (read and sign the required agreements;
//! an invited account lands here after signing in and becomes active with its last signature; an
//! active one comes back when a new version is published) and `/account/reset-password` (choose a
//! password with the link an administrator had mailed). Both work without JavaScript.

use crate::api::admin::{get_my_agreements, reset_link_info, ResetPassword, SignAgreement};
use crate::components::async_section::AsyncSection;
use crate::components::error_view::{ErrorBanner, PageError};
use crate::components::form::Field;
use crate::components::form_parts::SubmitButton;
use crate::model::console::MyAgreements;
use crate::model::format_date;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn AgreementsToSignPage() -> impl IntoView {
    let sign = ServerAction::<SignAgreement>::new();
    // The last signature makes the account active: the header must learn it too.
    crate::components::layout::Session::get().refresh_on(sign.version());
    let data = Resource::new(move || sign.version().get(), |_| get_my_agreements());
    let error = Signal::derive(move || sign.value().get().and_then(Result::err));
    view! {
        <Title text="Agreements" />
        <AsyncSection resource=data let:mine>
            <ToSign mine sign error />
        </AsyncSection>
    }
}

#[component]
fn ToSign(
    mine: MyAgreements,
    sign: ServerAction<SignAgreement>,
    error: Signal<Option<crate::error::ApiError>>,
) -> impl IntoView {
    let intro = if mine.active {
        "A required agreement has a new version. Read it and sign to go on."
    } else {
        "Your account is set up. Read and sign each agreement below; your account becomes active with the last one."
    };
    let nothing_left = mine.to_sign.is_empty();
    view! {
        <section class="mx-auto max-w-3xl">
            <h1 class="text-2xl font-semibold">{format!("Agreements for {}", mine.username)}</h1>
            <p class="mt-1 text-slate-600">{if nothing_left { "You have signed everything required." } else { intro }}</p>
            <div class="mt-4"><ErrorBanner error /></div>
            {nothing_left.then(|| view! { <p class="mt-2"><a class="btn-primary" href="/">"Continue"</a></p> })}
            <ol class="mt-4 grid gap-4" data-testid="agreements-to-sign">
                {mine.to_sign.into_iter().map(|a| {
                    let box_id = format!("agree-{}", a.id);
                    let box_for = box_id.clone();
                    view! {
                        <li class="card">
                            <h2 class="font-semibold">{a.title.clone()}</h2>
                            <p class="text-xs text-slate-500">{format!("Version {} · published {}", a.version, format_date(a.published_at))}</p>
                            <div class="mt-2 max-h-72 overflow-y-auto whitespace-pre-wrap rounded border border-slate-200 bg-slate-50 p-3 text-sm" tabindex="0" aria-label=format!("Text of {}", a.title)>{a.body.clone()}</div>
                            <ActionForm action=sign attr:class="mt-3 flex flex-wrap items-center gap-3">
                                <input type="hidden" name="id" value=a.id.clone() />
                                <input type="hidden" name="version" value=a.version.to_string() />
                                <input id=box_id type="checkbox" required=true />
                                <label for=box_for class="text-sm">{format!("I have read and agree to \u{201c}{}\u{201d}", a.title)}</label>
                                <SubmitButton>"Sign"</SubmitButton>
                            </ActionForm>
                        </li>
                    }
                }).collect_view()}
            </ol>
            {(!mine.signed.is_empty()).then(|| view! {
                <section class="mt-6" aria-labelledby="signed-heading">
                    <h2 id="signed-heading" class="font-semibold">"Signed"</h2>
                    <ul class="mt-1 list-disc pl-5 text-sm" data-testid="agreements-signed">
                        {mine.signed.iter().map(|s| view! { <li>{format!("{} (version {}) · {}", s.title, s.version, format_date(s.signed_at))}</li> }).collect_view()}
                    </ul>
                </section>
            })}

        </section>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let reset = ServerAction::<ResetPassword>::new();
    let info = Resource::new(token, reset_link_info);
    let error = Signal::derive(move || reset.value().get().and_then(Result::err));
    view! {
        <Title text="Choose a password" />
        <section class="card mx-auto max-w-md">
            <h1 class="text-2xl font-semibold">"Choose a password"</h1>
            <Transition fallback=|| view! { <p class="mt-3 text-slate-500">"Checking the link…"</p> }>
                {move || Suspend::new(async move {
                    match info.await {
                        Ok(username) => view! {
                            <p class="mt-2 text-slate-600">{format!("For the account {username}. Every session of the account ends when it is set.")}</p>
                            <div class="mt-4">
                                <ErrorBanner error />
                                <ActionForm action=reset>
                                    <input type="hidden" name="token" value=token() />
                                    <Field name="password" label="New password" kind="password" autocomplete="new-password" hint="At least 10 characters, not only digits, not your username or email." error />
                                    <Field name="password_confirm" label="New password again" kind="password" autocomplete="new-password" error />
                                    <SubmitButton class="w-full">"Set password"</SubmitButton>
                                </ActionForm>
                            </div>
                        }.into_any(),
                        Err(error) => view! { <div class="mt-4"><PageError error /></div> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
