//! The parts of My account where people run their account themselves — name, address, password,
//! sessions — and the pages around them: "Forgot password?" and the page the link to a new address
//! opens. Every form works without JavaScript; each success comes back with a line that says what
//! happened (`?changed=…`).

use crate::api::own_account::{
    ChangeEmail, ChangeName, ChangePassword, ConfirmEmailChange, EndMySessions, ForgotPassword,
};
use crate::components::error_view::ErrorBanner;
use crate::components::form::Field;
use crate::components::form_parts::{ButtonKind, Notice, SubmitButton};
use crate::model::{format_date, AccountView, MySession, SignInLine};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The line a success comes back with, from `?changed=…`.
fn changed_message(what: &str) -> Option<&'static str> {
    match what {
        "name" => Some("Your name is saved."),
        "email-link" => Some("We sent a link to the new address. Your address changes when you follow it."),
        "email" => Some("Your email address is changed and confirmed."),
        "password" => {
            Some("Your password is changed. Every other session and API token of your account ended.")
        }
        "sessions" => Some("Done: those sessions are signed out."),
        "two-step-on" => {
            Some("Two-step sign-in is on: signing in asks for a code from your app from now on.")
        }
        "two-step-off" => Some("Two-step sign-in is off."),
        _ => None,
    }
}

/// What a success said, from the address (the page it lands on after a form without JavaScript,
/// or after the redirect with it).
#[component]
pub fn ChangedNotice() -> impl IntoView {
    let query = use_query_map();
    move || {
        query
            .read()
            .get("changed")
            .and_then(|what| changed_message(&what))
            .map(|message| view! { <Notice class="mt-3">{message}</Notice> })
    }
}

/// The account page's own actions, and a count of their successes: the page reads its data again
/// after each success (with JavaScript; without, each lands on a fresh page). A refusal leaves the
/// forms as they were typed.
#[derive(Clone, Copy)]
pub struct SettingsActions {
    pub name: ServerAction<ChangeName>,
    pub email: ServerAction<ChangeEmail>,
    pub password: ServerAction<ChangePassword>,
    pub end_sessions: ServerAction<EndMySessions>,
    pub successes: RwSignal<usize>,
}

impl SettingsActions {
    #[must_use]
    pub fn new() -> Self {
        let actions = Self {
            name: ServerAction::new(),
            email: ServerAction::new(),
            password: ServerAction::new(),
            end_sessions: ServerAction::new(),
            successes: RwSignal::new(0),
        };
        let count = move |ok: bool| {
            if ok {
                actions.successes.update(|n| *n += 1);
            }
        };
        Effect::new(move |_| count(actions.name.value().with(|v| matches!(v, Some(Ok(_))))));
        Effect::new(move |_| count(actions.email.value().with(|v| matches!(v, Some(Ok(_))))));
        Effect::new(move |_| count(actions.password.value().with(|v| matches!(v, Some(Ok(_))))));
        Effect::new(move |_| count(actions.end_sessions.value().with(|v| matches!(v, Some(Ok(_))))));
        actions
    }
}

impl Default for SettingsActions {
    fn default() -> Self {
        Self::new()
    }
}

/// Name, address and password forms.
#[component]
pub fn AccountSettings(view: AccountView, actions: SettingsActions) -> impl IntoView {
    let SettingsActions { name, email, password, .. } = actions;
    let name_error = Signal::derive(move || name.value().get().and_then(Result::err));
    let email_error = Signal::derive(move || email.value().get().and_then(Result::err));
    let password_error = Signal::derive(move || password.value().get().and_then(Result::err));
    // After a success the address and password forms are emptied (the name form shows the name).
    let email_form = NodeRef::<leptos::html::Form>::new();
    let password_form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if email.value().with(|v| matches!(v, Some(Ok(_)))) {
            if let Some(form) = email_form.get() {
                form.reset();
            }
        }
    });
    Effect::new(move |_| {
        if password.value().with(|v| matches!(v, Some(Ok(_)))) {
            if let Some(form) = password_form.get() {
                form.reset();
            }
        }
    });
    view! {
        <div class="mt-6 grid gap-6 md:grid-cols-2">
            <section class="card" aria-labelledby="name-heading">
                <h2 id="name-heading" class="font-semibold">"Your name"</h2>
                <p class="mt-1 text-sm text-slate-600">"As course teams and certificates show it."</p>
                <ErrorBanner error=name_error />
                <ActionForm action=name attr:class="mt-3">
                    <Field name="full_name" label="Full name" autocomplete="name" error=name_error value=view.full_name.clone() />
                    <SubmitButton kind=ButtonKind::Secondary pending=name.pending()>"Save name"</SubmitButton>
                </ActionForm>
            </section>
            <section class="card" aria-labelledby="email-heading">
                <h2 id="email-heading" class="font-semibold">"Email address"</h2>
                <p class="mt-1 text-sm text-slate-600">
                    "Now " <strong>{view.email.clone()}</strong> ". We send a link to the new address and tell this one; \
                     the address changes when the link is followed."
                </p>
                <ErrorBanner error=email_error />
                <ActionForm action=email node_ref=email_form attr:class="mt-3">
                    <Field name="email" label="New email address" kind="email" autocomplete="email" error=email_error />
                    <Field name="password" id="field-email-password".to_owned() label="Your password" kind="password" autocomplete="current-password" error=email_error />
                    <SubmitButton kind=ButtonKind::Secondary pending=email.pending()>"Send the link"</SubmitButton>
                </ActionForm>
            </section>
            {view.has_password.then(|| view! {
                <section class="card" aria-labelledby="password-heading">
                    <h2 id="password-heading" class="font-semibold">"Password"</h2>
                    <p class="mt-1 text-sm text-slate-600">"Changing it signs out every other session and ends your API tokens."</p>
                    <ErrorBanner error=password_error />
                    <ActionForm action=password node_ref=password_form attr:class="mt-3">
                        <Field name="current_password" label="Current password" kind="password" autocomplete="current-password" error=password_error />
                        <Field name="password" label="New password" kind="password" autocomplete="new-password" error=password_error hint="At least 10 characters." />
                        <Field name="password_confirm" label="Repeat the new password" kind="password" autocomplete="new-password" error=password_error />
                        <SubmitButton pending=password.pending()>"Change password"</SubmitButton>
                    </ActionForm>
                </section>
            })}
            <SessionsSection sessions=view.sessions.clone() actions />
            <RecentSignIns sign_ins=view.recent_sign_ins.clone() />
            <crate::pages::second_factor::TwoStepSection on=view.second_factor codes_left=view.recovery_codes_left />
        </div>
    }
}

/// The account's live sessions: device, address, last use; end one or every other.
#[component]
pub fn SessionsSection(sessions: Vec<MySession>, actions: SettingsActions) -> impl IntoView {
    let end = actions.end_sessions;
    let error = Signal::derive(move || end.value().get().and_then(Result::err));
    let others = sessions.iter().filter(|s| !s.current).count();
    view! {
        <section class="card" aria-labelledby="sessions-heading">
            <h2 id="sessions-heading" class="font-semibold">"Where you are signed in"</h2>
            <ErrorBanner error />
            <ul class="mt-3 divide-y divide-slate-100 text-sm" data-testid="my-sessions">
                {sessions.into_iter().map(|s| view! {
                    <li class="flex flex-wrap items-center justify-between gap-2 py-2">
                        <span>
                            <span class="font-medium">{s.device}</span>
                            {s.current.then(|| view! { <span class="ml-2 rounded bg-sky-100 px-1.5 text-xs text-sky-900">"this browser"</span> })}
                            <span class="block text-xs text-slate-500">
                                {format!("{} · last used {} · signed in {}", s.ip, format_date(s.last_seen_at), format_date(s.created_at))}
                            </span>
                        </span>
                        {(!s.current).then(|| view! {
                            <ActionForm action=end>
                                <input type="hidden" name="session" value=s.handle />
                                <SubmitButton kind=ButtonKind::Secondary pending=end.pending()>"Sign out"</SubmitButton>
                            </ActionForm>
                        })}
                    </li>
                }).collect_view()}
            </ul>
            {(others > 1).then(|| view! {
                <ActionForm action=end attr:class="mt-3">
                    <SubmitButton kind=ButtonKind::Secondary pending=end.pending()>"Sign out everywhere else"</SubmitButton>
                </ActionForm>
            })}
        </section>
    }
}

/// One sign-in in words: "2026-12-07 · Firefox 128 on Linux · 10.0.0.5 · password · signed in".
#[must_use]
pub fn sign_in_text(s: &SignInLine) -> String {
    let outcome = if s.success { "signed in" } else { "wrong password" };
    format!("{} · {} · {} · {} · {outcome}", format_date(s.at), s.device, s.ip, s.method)
}

/// The newest attempts to sign in to the account, so its owner notices someone else's.
#[component]
pub fn RecentSignIns(sign_ins: Vec<SignInLine>) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="sign-ins-heading">
            <h2 id="sign-ins-heading" class="font-semibold">"Recent sign-ins"</h2>
            <p class="mt-1 text-sm text-slate-600">"Not you? Change your password: every other session ends."</p>
            {if sign_ins.is_empty() {
                view! { <p class="mt-3 text-sm text-slate-600">"None in the last 90 days."</p> }.into_any()
            } else {
                view! {
                    <ul class="mt-3 divide-y divide-slate-100 text-sm" data-testid="my-sign-ins">
                        {sign_ins.into_iter().map(|s| {
                            let class = if s.success { "py-2" } else { "py-2 text-red-800" };
                            view! { <li class=class>{sign_in_text(&s)}</li> }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

/// "Forgot password?": one field; the same answer whether or not the account exists.
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let query = use_query_map();
    let sent = move || query.read().get("sent").is_some();
    let forgot = ServerAction::<ForgotPassword>::new();
    let error = Signal::derive(move || forgot.value().get().and_then(Result::err));
    view! {
        <Title text="Forgot your password?" />
        <section class="card mx-auto max-w-md">
            <h1 class="text-2xl font-semibold">"Forgot your password?"</h1>
            {move || if sent() || forgot.value().get().is_some_and(|r| r.is_ok()) {
                view! {
                    <Notice class="mt-3">
                        "If an account goes by that name or address, we sent a link to its address. It works once, for an hour."
                    </Notice>
                    <p class="mt-4 text-sm"><a class="link" href="/login">"Back to sign-in"</a></p>
                }.into_any()
            } else {
                view! {
                    <p class="mt-2 text-sm text-slate-600">"Enter your username or email address and we mail you a link to choose a new password."</p>
                    <ErrorBanner error />
                    <ActionForm action=forgot attr:class="mt-3">
                        <Field name="identifier" label="Username or email" autocomplete="username" error />
                        <SubmitButton class="w-full" pending=forgot.pending()>"Send the link"</SubmitButton>
                    </ActionForm>
                }.into_any()
            }}
        </section>
    }
}

/// The page the link to a new address opens: a button (a GET changes nothing; mail scanners follow
/// links).
#[component]
pub fn ConfirmEmailChangePage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let email = move || query.read().get("email").unwrap_or_default();
    let confirm = ServerAction::<ConfirmEmailChange>::new();
    let error = Signal::derive(move || confirm.value().get().and_then(Result::err));
    view! {
        <Title text="Confirm your new email address" />
        <section class="card mx-auto max-w-lg">
            <h1 class="text-2xl font-semibold">"Confirm your new email address"</h1>
            {move || match confirm.value().get() {
                Some(Ok(username)) => view! {
                    <Notice class="mt-3">{format!("Done: {username} now uses {}.", email())}</Notice>
                    <a class="btn-primary mt-4 inline-block" href="/account">"Go to my account"</a>
                }.into_any(),
                _ => view! {
                                        <p class="mt-3 text-slate-700">
                        "Use " <strong>{email()}</strong> " as the address of your Registrar account. Anything you were \
                         invited to with it is added to your account."
                    </p>
                    <p class="mt-2 text-sm text-slate-600">
                        "Only the account that asked for the change can finish it, signed in. Not signed in? "
                        <a class="link" href=move || format!("/login?next={}", crate::components::error_view::urlencode(&format!("/account/confirm-email?token={}&email={}", token(), crate::components::error_view::urlencode(&email()))))>"Sign in first"</a>
                        "."
                    </p>
                    <ErrorBanner error />
                    <ActionForm action=confirm>
                        <input type="hidden" name="token" value=token() />
                        <input type="hidden" name="email" value=email() />
                        <SubmitButton class="mt-4">"Use this address"</SubmitButton>
                    </ActionForm>
                }.into_any(),
            }}
        </section>
    }
}
