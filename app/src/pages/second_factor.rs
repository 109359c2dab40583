//! Two-step sign-in: the part of My account that says whether it is on, the page that sets up an
//! authenticator app (QR code, the secret as text, recovery codes, a code to confirm) or turns it
//! off, and the page that asks for a code after the password. All work without JavaScript.

use crate::api::second_factor::{start_second_factor, ConfirmSecondFactor, FinishSignIn, RemoveSecondFactor};
use crate::components::async_section::AsyncSection;
use crate::components::error_view::ErrorBanner;
use crate::components::form::Field;
use crate::components::form_parts::{ButtonKind, SubmitButton};
use crate::components::layout::Session;
use crate::model::FactorSetup;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// My account's two-step sign-in card.
#[component]
pub fn TwoStepSection(on: bool, codes_left: i64) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="two-step-heading">
            <h2 id="two-step-heading" class="font-semibold">"Two-step sign-in"</h2>
            {if on {
                view! {
                    <p class="mt-1 text-sm text-slate-700" data-testid="two-step-state">
                        {format!("On: signing in asks for a code from your authenticator app. Recovery codes left: {codes_left}.")}
                    </p>
                    <a class="btn-secondary mt-3 inline-block" href="/account/two-step">"Manage"</a>
                }.into_any()
            } else {
                view! {
                    <p class="mt-1 text-sm text-slate-700" data-testid="two-step-state">
                        "Off. With it on, a stolen password is not enough: signing in also asks for a code from an app on your phone."
                    </p>
                    <a class="btn-secondary mt-3 inline-block" href="/account/two-step">"Set up"</a>
                }.into_any()
            }}
        </section>
    }
}

/// `/account/two-step`: set up an authenticator app, or turn two-step sign-in off.
#[component]
pub fn TwoStepPage() -> impl IntoView {
    let account = Resource::new(|| (), |_| crate::api::account::get_account());
    view! {
        <Title text="Two-step sign-in" />
        <section class="card mx-auto max-w-2xl">
            <h1 class="text-2xl font-semibold">"Two-step sign-in"</h1>
            <AsyncSection resource=account class="mt-4" let:view>
                {if view.second_factor { view! { <TurnOff /> }.into_any() } else { view! { <SetUp /> }.into_any() }}
            </AsyncSection>
        </section>
    }
}

#[component]
fn SetUp() -> impl IntoView {
    let setup = Resource::new(|| (), |_| start_second_factor());
    view! {
        <AsyncSection resource=setup class="mt-4" let:setup>
            <SetUpSteps setup />
        </AsyncSection>
    }
}

#[component]
fn SetUpSteps(setup: FactorSetup) -> impl IntoView {
    let confirm = ServerAction::<ConfirmSecondFactor>::new();
    let error = Signal::derive(move || confirm.value().get().and_then(Result::err));
    view! {
        <ol class="mt-3 list-decimal space-y-4 pl-5 text-sm text-slate-700">
            <li>
                "Scan this code with an authenticator app (for example Aegis, Google Authenticator or 1Password), or type the key below into it."
                <div class="mt-2 w-52 rounded border border-slate-200 bg-white p-2 [&_svg]:h-auto [&_svg]:w-full" aria-hidden="true" inner_html=setup.qr_svg></div>
                <p class="mt-2">"Key: " <code class="select-all font-mono" data-testid="two-step-secret">{setup.secret}</code></p>
            </li>
            <li>
                "Keep these recovery codes somewhere safe. Each signs you in once if you lose your phone; they are shown only now."
                <ul class="mt-2 grid grid-cols-2 gap-1 font-mono sm:grid-cols-5" data-testid="recovery-codes">
                    {setup.recovery_codes.into_iter().map(|c| view! { <li>{c}</li> }).collect_view()}
                </ul>
            </li>
            <li>
                "Enter the 6-digit code the app shows now, and your password. (Reloading this page starts again with a new key and new codes.)"
                <ErrorBanner error />
                <ActionForm action=confirm attr:class="mt-2 max-w-xs">
                    <Field name="code" label="Code from the app" autocomplete="one-time-code" error />
                    <Field name="password" label="Your password" kind="password" autocomplete="current-password" error />
                    <SubmitButton pending=confirm.pending()>"Turn on two-step sign-in"</SubmitButton>
                </ActionForm>
            </li>
        </ol>
    }
}

#[component]
fn TurnOff() -> impl IntoView {
    let remove = ServerAction::<RemoveSecondFactor>::new();
    let error = Signal::derive(move || remove.value().get().and_then(Result::err));
    view! {
        <p class="mt-3 text-sm text-slate-700">"Two-step sign-in is on. To turn it off (or to set up another app), enter your password."</p>
        <ErrorBanner error />
        <ActionForm action=remove attr:class="mt-3 max-w-xs">
            <Field name="password" label="Your password" kind="password" autocomplete="current-password" error />
            <SubmitButton kind=ButtonKind::Danger pending=remove.pending()>"Turn off two-step sign-in"</SubmitButton>
        </ActionForm>
    }
}

/// `/login/code`: the second step of signing in.
#[component]
pub fn SignInCodePage() -> impl IntoView {
    let query = use_query_map();
    let pending = move || query.read().get("pending").unwrap_or_default();
    let next = move || query.read().get("next").unwrap_or_default();
    let finish = ServerAction::<FinishSignIn>::new();
    Session::get().refresh_on(finish.version());
    let error = Signal::derive(move || finish.value().get().and_then(Result::err));
    view! {
        <Title text="Enter your code" />
        <section class="card mx-auto max-w-md">
            <h1 class="text-2xl font-semibold">"Enter your code"</h1>
            <p class="mt-2 text-sm text-slate-600">
                "Your password was right. Enter the 6-digit code from your authenticator app, or one of your recovery codes."
            </p>
            <div class="mt-4">
                <ErrorBanner error />
                <ActionForm action=finish>
                    <input type="hidden" name="pending" value=pending />
                    <input type="hidden" name="next" value=next />
                    <Field name="code" label="Code" autocomplete="one-time-code" error />
                    <SubmitButton class="w-full" pending=finish.pending()>"Sign in"</SubmitButton>
                </ActionForm>
            </div>
            <p class="mt-4 text-sm"><a class="link" href="/login">"Start again"</a></p>
        </section>
    }
}
