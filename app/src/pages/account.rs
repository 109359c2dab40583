//! My account: profile and enrollments, the unconfirmed-address banner, the settings people run
//! themselves (`account_settings`); "Download my data"
//! and "Delete my account"; the page after a deletion request and the pages mailed links open
//! (cancel a deletion, confirm an address). Works without JavaScript.

use crate::api::account::{get_account, ConfirmAddress, ResendConfirmation, UnlockAccount};
use crate::api::retirement::{
    get_cancel_link, get_confirm_link, get_deletion_info, CancelDeletion, ConfirmDeletion, DeleteAccount,
    MailDeletionLink,
};
use crate::components::async_section::AsyncSection;
use crate::components::error_view::ErrorBanner;
use crate::components::form::Field;
use crate::components::form_parts::{ButtonKind, Notice, SubmitButton};
use crate::components::layout::Session;
use crate::model::{format_date, AccountView, CancelDeletionPage, DeletionInfo};
use crate::pages::account_settings::{AccountSettings, ChangedNotice, SettingsActions};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn AccountPage() -> impl IntoView {
    let actions = SettingsActions::new();
    // Read again after each success of the page's own actions.
    let data = Resource::new(move || actions.successes.get(), |_| get_account());
    view! {
        <Title text="My account" />
        <AsyncSection resource=data let:view>
            <AccountDetails view=view.clone() />
            <AccountSettings view=view.clone() actions />
            <DataAndDeletion />
        </AsyncSection>
    }
}

#[component]
fn AccountDetails(view: AccountView) -> impl IntoView {
    let last_login = view.last_login.map_or_else(|| "never".to_owned(), format_date);
    // Back from the confirmation link without JavaScript.
    let query = use_query_map();
    let confirmed = move || query.read().get("confirmed").is_some() && view.email_confirmed;
    view! {
        <h1 class="text-2xl font-semibold">"My account"</h1>
        <ChangedNotice />
        {move || confirmed().then(|| view! { <Notice class="mt-3">"Your email address is confirmed."</Notice> })}
        {(!view.email_confirmed).then(|| view! { <UnconfirmedAddress email=view.email.clone() /> })}
        <div class="mt-6 grid gap-6 md:grid-cols-2">
            <section class="card" aria-labelledby="profile-heading">
                <h2 id="profile-heading" class="font-semibold">"Profile"</h2>
                <dl class="mt-3 grid grid-cols-3 gap-y-2 text-sm">
                    <dt class="text-slate-500">"Username"</dt><dd class="col-span-2" data-testid="account-username">{view.username}</dd>
                    <dt class="text-slate-500">"Full name"</dt><dd class="col-span-2">{view.full_name}</dd>
                    <dt class="text-slate-500">"Email"</dt><dd class="col-span-2">{view.email}</dd>
                    <dt class="text-slate-500">"Member since"</dt><dd class="col-span-2">{format_date(view.date_joined)}</dd>
                    <dt class="text-slate-500">"Previous sign-in"</dt><dd class="col-span-2">{last_login}</dd>
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

/// "Download my data" and "Delete my account".
#[component]
fn DataAndDeletion() -> impl IntoView {
    let info = Resource::new(|| (), |_| get_deletion_info());
    view! {
        <div class="mt-6 grid gap-6 md:grid-cols-2">
            <section class="card" aria-labelledby="data-heading">
                <h2 id="data-heading" class="font-semibold">"Your data"</h2>
                <p class="mt-2 text-sm text-slate-600">
                    "Everything Registrar holds about you — profile, enrollments, roles and access, invitations, credentials, grades and learner records with their links, sign-ins, mail we sent you and the history of changes about you — as one JSON file."
                </p>
                <a href="/api/account/export.json" class="btn-secondary mt-3 inline-block" download="" rel="external">"Download my data"</a>
            </section>
            <AsyncSection resource=info quiet=true let:info>
                <DeleteAccountSection info />
            </AsyncSection>
        </div>
    }
}

#[component]
fn DeleteAccountSection(info: DeletionInfo) -> impl IntoView {
    let delete = ServerAction::<DeleteAccount>::new();
    // Signed out by the deletion: the header must say so too.
    Session::get().refresh_on(delete.version());
    let error = Signal::derive(move || delete.value().get().and_then(Result::err));
    view! {
        <section class="card border-red-200" aria-labelledby="delete-heading">
            <h2 id="delete-heading" class="font-semibold text-red-800">"Delete my account"</h2>
            <p class="mt-2 text-sm text-slate-700">"We're sorry to see you go. Deleting your account:"</p>
            <ul class="mt-2 list-disc space-y-1 pl-5 text-sm text-slate-700">
                <li>"signs you out everywhere at once and stops you signing in;"</li>
                <li>"after " <strong>{info.cool_off_days}" days"</strong> " removes your enrollments, course and library roles, group memberships, invitations, sessions and tokens, and replaces your username, email and name with anonymous values;"</li>
                <li>"removes your credentials and learner records with it: download them first if you want to keep a copy;"</li>
                <li>"keeps course records that do not name you (for example that an enrollment happened), so course statistics stay right."</li>
            </ul>
            <p class="mt-3 text-sm text-slate-700">
                "Until then you can cancel with the link we mail to " <strong>{info.email.clone()}</strong> ". "
                <strong class="text-red-800">"After that it cannot be undone"</strong>
                ", and the username " <strong>{info.username.clone()}</strong> " and this email cannot be used for a new account."
            </p>
            {if info.has_password {
                view! {
                    <div class="mt-4">
                        <ErrorBanner error />
                        <ActionForm action=delete>
                            <Field name="password" label="Your password, to confirm" kind="password" autocomplete="current-password" error id="delete-password".to_owned() />
                            <SubmitButton kind=ButtonKind::Danger pending=delete.pending()>
                                {move || if delete.pending().get() { "Deleting…" } else { "Delete my account" }}
                            </SubmitButton>
                        </ActionForm>
                    </div>
                }.into_any()
            } else {
                view! { <MailConfirmation /> }.into_any()
            }}
        </section>
    }
}

/// After a deletion request: signed out, with the due date.
#[component]
pub fn DeletionRequestedPage() -> impl IntoView {
    let query = use_query_map();
    let due = move || query.read().get("due").unwrap_or_default();
    view! {
        <Title text="Account queued for deletion" />
        <section class="card mx-auto max-w-lg" data-testid="deletion-requested">
            <h1 class="text-2xl font-semibold">"Your account is queued for deletion"</h1>
            <p class="mt-3 text-slate-700">
                "You have been signed out everywhere. Your account will be deleted on "
                <strong data-testid="due-date">{due}</strong> " (UTC)."
            </p>
            <p class="mt-3 text-slate-700">
                "We sent you an email with a link to cancel. Until that date the link restores your account as it was, password included."
            </p>
            <p class="mt-4"><a href="/" class="link">"Back to the home page"</a></p>
        </section>
    }
}

/// The page a mailed cancel link opens: what will be cancelled, and a button (a GET never cancels,
/// so mail scanners that follow links change nothing).
#[component]
pub fn CancelDeletionPageView() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let info = Resource::new(token, get_cancel_link);
    view! {
        <Title text="Cancel account deletion" />
        <AsyncSection resource=info let:page>
            <CancelDeletionForm page token=token() />
        </AsyncSection>
    }
}

#[component]
fn CancelDeletionForm(page: CancelDeletionPage, token: String) -> impl IntoView {
    let cancel = ServerAction::<CancelDeletion>::new();
    let error = Signal::derive(move || cancel.value().get().and_then(Result::err));
    view! {
        <section class="card mx-auto max-w-lg">
            <h1 class="text-2xl font-semibold">"Cancel account deletion"</h1>
            {if page.can_cancel {
                view! {
                    <p class="mt-3 text-slate-700">
                        "The account " <strong>{page.username.clone()}</strong> " is queued for deletion on "
                        <strong>{format_date(page.due_at)}</strong> ". Cancel, and it is active again with the same password."
                    </p>
                    <div class="mt-4">
                        <ErrorBanner error />
                        <ActionForm action=cancel>
                            <input type="hidden" name="token" value=token />
                            <SubmitButton>"Cancel the deletion"</SubmitButton>
                        </ActionForm>
                    </div>
                }.into_any()
            } else {
                view! {
                    <p class="mt-3 text-slate-700">
                        "The deletion of " <strong>{page.username.clone()}</strong> " has already started ("
                        {page.state.clone()} "), so it can no longer be cancelled."
                    </p>
                }.into_any()
            }}
        </section>
    }
}

/// For accounts without a password: the deletion is confirmed through a mailed link.
#[component]
fn MailConfirmation() -> impl IntoView {
    let send = ServerAction::<MailDeletionLink>::new();
    let error = Signal::derive(move || send.value().get().and_then(Result::err));
    view! {
        <div class="mt-4">
            <p class="text-sm text-slate-700">"Your account has no password, so we confirm by mail: we send you a link that works for an hour."</p>
            <ErrorBanner error />
            {move || send.value().get().and_then(Result::ok).map(|to| view! {
                <Notice class="mt-2">{format!("We sent the link to {to}.")}</Notice>
            })}
            <ActionForm action=send>
                <SubmitButton kind=ButtonKind::Danger class="mt-2">"Email me a link to confirm"</SubmitButton>
            </ActionForm>
        </div>
    }
}

/// The page a mailed confirmation link opens: what will happen, and a button (a GET deletes nothing).
#[component]
pub fn ConfirmDeletionPageView() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let info = Resource::new(token, get_confirm_link);
    view! {
        <Title text="Confirm account deletion" />
        <AsyncSection resource=info let:info>
            <ConfirmDeletionForm info token=token() />
        </AsyncSection>
    }
}

#[component]
fn ConfirmDeletionForm(info: DeletionInfo, token: String) -> impl IntoView {
    let confirm = ServerAction::<ConfirmDeletion>::new();
    Session::get().refresh_on(confirm.version());
    let error = Signal::derive(move || confirm.value().get().and_then(Result::err));
    view! {
        <section class="card mx-auto max-w-lg">
            <h1 class="text-2xl font-semibold">"Delete your account?"</h1>
            <p class="mt-3 text-slate-700">
                "The account " <strong>{info.username}</strong> " will be deleted after "
                <strong>{info.cool_off_days}" days"</strong> ", and you are signed out now. Until then the link we mail to "
                {info.email} " cancels it."
            </p>
            <div class="mt-4">
                <ErrorBanner error />
                <ActionForm action=confirm>
                    <input type="hidden" name="token" value=token />
                    <SubmitButton kind=ButtonKind::Danger>"Delete my account"</SubmitButton>
                </ActionForm>
            </div>
        </section>
    }
}

/// Until the address is confirmed: what waits for it, and a button to mail the link again.
#[component]
fn UnconfirmedAddress(email: String) -> impl IntoView {
    let resend = ServerAction::<ResendConfirmation>::new();
    let error = Signal::derive(move || resend.value().get().and_then(Result::err));
    view! {
        <section class="mt-4 rounded border border-amber-300 bg-amber-50 p-4 text-sm" aria-labelledby="confirm-heading">
            <h2 id="confirm-heading" class="font-semibold text-amber-900">"Confirm your email address"</h2>
            <p class="mt-1 text-amber-900">
                "We sent a link to " <strong>{email}</strong> ". Follow it to confirm the address is yours; \
                 courses and teams you were invited to with it are added to your account then."
            </p>
            <ErrorBanner error />
            {move || resend.value().get().and_then(Result::ok).map(|to| view! {
                <Notice class="mt-2">{format!("We sent a new link to {to}.")}</Notice>
            })}
            <ActionForm action=resend>
                <SubmitButton kind=ButtonKind::Secondary class="mt-2">"Send the link again"</SubmitButton>
            </ActionForm>
        </section>
    }
}

/// The page a mailed confirmation link opens: a button (a GET changes nothing; mail scanners
/// follow links).
#[component]
pub fn ConfirmAddressPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let confirm = ServerAction::<ConfirmAddress>::new();
    let error = Signal::derive(move || confirm.value().get().and_then(Result::err));
    view! {
        <Title text="Confirm your email address" />
        <section class="card mx-auto max-w-lg">
            <h1 class="text-2xl font-semibold">"Confirm your email address"</h1>
            {move || match confirm.value().get() {
                Some(Ok(username)) => view! {
                    <Notice class="mt-3">{format!("Thank you: the address of {username} is confirmed.")}</Notice>
                    <a class="btn-primary mt-4 inline-block" href="/account">"Go to my account"</a>
                }.into_any(),
                _ => view! {
                    <p class="mt-3 text-slate-700">
                        "Confirm that this email address belongs to your Registrar account. Anything you were \
                         invited to with it is added to your account."
                    </p>
                    <ErrorBanner error />
                    <ActionForm action=confirm>
                        <input type="hidden" name="token" value=token() />
                        <SubmitButton class="mt-4">"Confirm my address"</SubmitButton>
                    </ActionForm>
                }.into_any(),
            }}
        </section>
    }
}

/// The page the unlock link opens (mailed when an account was guessed at from several places): the
/// password signs in whatever the guessing; a mail scanner following the link changes nothing.
#[component]
pub fn UnlockPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let unlock = ServerAction::<UnlockAccount>::new();
    let error = Signal::derive(move || unlock.value().get().and_then(Result::err));
    view! {
        <Title text="Unlock your account" />
        <section class="card mx-auto max-w-lg">
            <h1 class="text-2xl font-semibold">"Unlock your account"</h1>
            <p class="mt-3 text-slate-700">
                "Many wrong passwords were tried for your account from several places, so it stopped taking \
                 passwords for a while. Enter yours here to sign in now: this link lets you in whatever the \
                 guessing."
            </p>
            <ErrorBanner error />
            <ActionForm action=unlock>
                <input type="hidden" name="token" value=token() />
                <Field label="Password" name="password" kind="password" autocomplete="current-password" error />
                <SubmitButton class="mt-4">"Sign in"</SubmitButton>
            </ActionForm>
        </section>
    }
}
