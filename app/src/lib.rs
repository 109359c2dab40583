//! Registrar's user interface and API: one component tree rendered on the server and hydrated in the
//! browser, plus the server functions it calls.
//!
//! Owns routes, pages, components and server-function signatures. Server-only parts (the Gate and the
//! ports the server implements) compile only with the `ssr` feature; nothing here touches a database.

pub mod api;
pub mod components;
pub mod error;
pub mod model;
pub mod page_policy;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod gate;
#[cfg(feature = "ssr")]
pub mod ports;

use crate::components::layout::Shell;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

/// The HTML document around the app (server side).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    page_policy::set();
    view! {
        <!DOCTYPE html>
        <html lang="en" class="h-full bg-slate-50">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body class="h-full text-slate-900 antialiased">
                <App />
            </body>
        </html>
    }
}

/// The application: session context, header and routes. Every route renders asynchronously on the
/// server (whole page once its data is ready), so pages are complete without JavaScript.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/registrar.css" />
        <Title formatter=|text: String| if text.is_empty() { "Registrar".to_owned() } else { format!("{text} · Registrar") } />
        <Router>
            <Shell>
                <Routes fallback=pages::not_found::NotFound>
                    <Route path=path!("") view=pages::home::HomePage ssr=SsrMode::Async />
                    <Route path=path!("/login") view=pages::login::LoginPage ssr=SsrMode::Async />
                    <Route path=path!("/register") view=pages::register::RegisterPage ssr=SsrMode::Async />
                    <Route path=path!("/account") view=pages::account::AccountPage ssr=SsrMode::Async />
                    <Route path=path!("/account/deletion-requested") view=pages::account::DeletionRequestedPage ssr=SsrMode::Async />
                    <Route path=path!("/account/cancel-deletion") view=pages::account::CancelDeletionPageView ssr=SsrMode::Async />
                    <Route path=path!("/account/confirm-address") view=pages::account::ConfirmAddressPage ssr=SsrMode::Async />
                    <Route path=path!("/account/unlock") view=pages::account::UnlockPage ssr=SsrMode::Async />
                    <Route path=path!("/account/forgot-password") view=pages::account_settings::ForgotPasswordPage ssr=SsrMode::Async />
                    <Route path=path!("/account/confirm-email") view=pages::account_settings::ConfirmEmailChangePage ssr=SsrMode::Async />
                    <Route path=path!("/account/two-step") view=pages::second_factor::TwoStepPage ssr=SsrMode::Async />
                    <Route path=path!("/login/code") view=pages::second_factor::SignInCodePage ssr=SsrMode::Async />
                    <Route path=path!("/account/confirm-deletion") view=pages::account::ConfirmDeletionPageView ssr=SsrMode::Async />
                    <Route path=path!("/courses") view=pages::courses::CoursesPage ssr=SsrMode::Async />
                    <Route path=path!("/courses/:key") view=pages::course::CoursePage ssr=SsrMode::Async />
                    <Route path=path!("/courses/:key/team") view=pages::course_team::CourseTeamPage ssr=SsrMode::Async />
                    <Route path=path!("/libraries") view=pages::libraries::LibrariesPage ssr=SsrMode::Async />
                    <Route path=path!("/libraries/:key") view=pages::library::LibraryPageView ssr=SsrMode::Async />
                    <Route path=path!("/account/agreements") view=pages::activation::AgreementsToSignPage ssr=SsrMode::Async />
                    <Route path=path!("/account/reset-password") view=pages::activation::ResetPasswordPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/users") view=pages::users::UsersPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/users/bulk") view=pages::users::BulkPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/users/:username") view=pages::users::UserPageView ssr=SsrMode::Async />
                    <Route path=path!("/admin/agreements") view=pages::console::AgreementsPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/invitations") view=pages::console::InvitationsPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/roles") view=pages::console::RolesPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/audit") view=pages::console::AuditPageView ssr=SsrMode::Async />
                    <Route path=path!("/admin/jobs") view=pages::console::JobsPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/groups") view=pages::admin::GroupsPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/groups/:id") view=pages::admin::GroupPageView ssr=SsrMode::Async />
                    <Route path=path!("/admin/access") view=pages::admin::AccessPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/retirements") view=pages::retirements::RetirementsPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/retirements/:id") view=pages::retirements::RetirementPageView ssr=SsrMode::Async />
                    <Route path=path!("/admin/outbox") view=pages::retirements::OutboxPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/credentials") view=pages::credentials::CredentialsPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/records") view=pages::records::StaffRecordsPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/records/:id") view=pages::records::StaffProgramRecordPage ssr=SsrMode::Async />
                    <Route path=path!("/records") view=pages::records::MyRecordsPage ssr=SsrMode::Async />
                    <Route path=path!("/records/programs/:id") view=pages::records::ProgramRecordPage ssr=SsrMode::Async />
                    <Route path=path!("/records/shared/:id") view=pages::records::SharedRecordPage ssr=SsrMode::Async />
                </Routes>
            </Shell>
        </Router>
    }
}
