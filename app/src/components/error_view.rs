//! Showing errors: a banner for a form's general errors and a panel for a page that failed to load.

use crate::error::ApiError;
use leptos::prelude::*;
use registrar::ErrorCode;

/// The general (not field-specific) errors of a failed action, or nothing.
#[component]
pub fn ErrorBanner(#[prop(into)] error: Signal<Option<ApiError>>) -> impl IntoView {
    move || {
        error.get().map(|e| {
            let messages = e.general();
            (!messages.is_empty()).then(|| {
                view! {
                    <div role="alert" class="mb-4 rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-800">
                        {messages.into_iter().map(|m| view! { <p>{m}</p> }).collect_view()}
                    </div>
                }
            })
        })
    }
}

/// A page-level failure: asks anonymous visitors to sign in, explains refusals, and shows everything
/// else with its message (internal errors name their operation id).
#[component]
pub fn PageError(error: ApiError) -> impl IntoView {
    // A page that failed answers with the error's status, as the API does (rendered whole first).
    #[cfg(feature = "ssr")]
    if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
        let status = match error.kind() {
            registrar::ErrorKind::Unauthenticated => http::StatusCode::UNAUTHORIZED,
            registrar::ErrorKind::Forbidden => http::StatusCode::FORBIDDEN,
            registrar::ErrorKind::NotFound => http::StatusCode::NOT_FOUND,
            registrar::ErrorKind::Conflict => http::StatusCode::CONFLICT,
            registrar::ErrorKind::Invalid => http::StatusCode::UNPROCESSABLE_ENTITY,
            registrar::ErrorKind::Throttled => http::StatusCode::TOO_MANY_REQUESTS,
            registrar::ErrorKind::Internal => http::StatusCode::INTERNAL_SERVER_ERROR,
        };
        resp.set_status(status);
    }
    let here = leptos_router::hooks::use_location();
    match error.code() {
        ErrorCode::AuthRequired => {
            let next = format!("/login?next={}", urlencode(&here.pathname.get_untracked()));
            view! {
                <section class="card max-w-lg">
                    <h1 class="text-lg font-semibold">"Sign in to continue"</h1>
                    <p class="mt-2 text-slate-600">"This page is only for signed-in users."</p>
                    <a class="btn-primary mt-4 inline-block" href=next>"Sign in"</a>
                </section>
            }
            .into_any()
        }
        code => {
            let title = match code {
                ErrorCode::Forbidden => "Not allowed",
                ErrorCode::NotFound => "Not found",
                ErrorCode::Internal => "Something went wrong",
                _ => "That did not work",
            };
            view! {
                <section role="alert" class="card max-w-lg border-red-200">
                    <h1 class="text-lg font-semibold text-red-800">{title}</h1>
                    <p class="mt-2 text-slate-700" data-error-code=code.as_str()>{error.to_string()}</p>
                </section>
            }
            .into_any()
        }
    }
}

/// Percent-encode a path for a query parameter.
#[must_use]
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
