//! HTTP: the axum router, the Leptos routes and server functions, and the middleware every request
//! passes (security headers, origin check, principal resolution with deny-by-default on `/api`,
//! error statuses).

pub mod console_api;
pub mod credentials_api;
pub mod files;
pub mod gate;
pub mod headers;
pub mod origin;
pub mod principal;
#[cfg(test)]
mod proptests;
pub mod retirement_api;
pub mod status;

use crate::services::Core;
use crate::store::Db;
use app::ports::SharedBackend;
use app::{shell, App};
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::{any, get};
use axum::{middleware, Json, Router};
use http::{Method, StatusCode};
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::sync::Arc;

/// Who may call a REST route that is not a server function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone (health checks).
    Public,
    /// Signed-in principals only.
    SignedIn,
    /// Staff of the course named by the `course` query parameter.
    CourseEnroller,
    /// The retirement service user (or a superuser).
    RetirementWorker,
    /// Global staff (or superusers): the credentials service API's writes, console uploads.
    Staff,
}

/// Every REST route outside the server functions, for the authorization sweep.
pub const REST_ROUTES: &[(&str, Method, Access)] = &[
    ("/healthz", Method::GET, Access::Public),
    ("/api/membership/enrollments.csv", Method::GET, Access::CourseEnroller),
    ("/api/membership/batch_report.csv", Method::GET, Access::CourseEnroller),
    ("/api/membership/upload", Method::POST, Access::CourseEnroller),
    ("/oauth2/access_token", Method::POST, Access::Public),
    ("/api/account/export.json", Method::GET, Access::SignedIn),
    ("/api/user/v1/accounts/deactivate_logout/", Method::POST, Access::SignedIn),
    ("/api/user/v1/accounts/retirement_queue/", Method::GET, Access::RetirementWorker),
    ("/api/user/v1/accounts/retirements_by_status_and_date/", Method::GET, Access::RetirementWorker),
    ("/api/user/v1/accounts/someone/retirement_status/", Method::GET, Access::RetirementWorker),
    ("/api/user/v1/accounts/update_retirement_status/", Method::PATCH, Access::RetirementWorker),
    ("/api/user/v1/accounts/retirement_cleanup/", Method::POST, Access::RetirementWorker),
    ("/api/user/v1/accounts/retire_misc/", Method::POST, Access::RetirementWorker),
    ("/api/user/v1/accounts/retire/", Method::POST, Access::RetirementWorker),
    ("/api/user/v1/accounts/cancel_retirement/", Method::POST, Access::RetirementWorker),
    ("/api/enrollment/v1/unenroll/", Method::POST, Access::RetirementWorker),
    ("/api/discussion/v1/accounts/retire_forum/", Method::POST, Access::RetirementWorker),
    ("/records/shared/0123456789abcdef0123456789abcdef/csv", Method::GET, Access::Public),
    ("/media/signatories/someone", Method::GET, Access::Public),
    ("/api/records/0123456789abcdef0123456789abcdef/record.csv", Method::GET, Access::SignedIn),
    ("/api/console/signatories", Method::POST, Access::Staff),
    ("/api/console/audit.csv", Method::GET, Access::Staff),
    ("/api/v2/credentials/", Method::GET, Access::SignedIn),
    ("/api/v2/credentials/", Method::POST, Access::Staff),
    ("/api/v2/credentials/0123456789abcdef0123456789abcdef/", Method::GET, Access::SignedIn),
    ("/api/v2/credentials/0123456789abcdef0123456789abcdef/", Method::PATCH, Access::Staff),
    ("/api/v2/credentials/0123456789abcdef0123456789abcdef/", Method::PUT, Access::Staff),
    ("/api/v2/credentials/0123456789abcdef0123456789abcdef/", Method::DELETE, Access::Staff),
    ("/api/v2/grades/", Method::POST, Access::Staff),
    ("/api/v2/grades/", Method::PUT, Access::Staff),
    ("/api/v2/grades/", Method::PATCH, Access::Staff),
];

/// What the middleware and handlers share.
#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    pub backend: SharedBackend,
    pub origin: origin::OriginPolicy,
    pub trust_proxy: bool,
    /// The session cookie's name (`__Host-` prefixed over https).
    pub session_cookie: &'static str,
    /// Served over https (HSTS, `Secure` cookies).
    pub https: bool,
    /// Staff must set up a second factor before the console opens (`REGISTRAR_REQUIRE_2FA_FOR_STAFF`).
    pub second_factor_for_staff: bool,
}

impl axum::extract::FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

impl AppState {
    #[must_use]
    pub fn new(
        leptos_options: LeptosOptions,
        core: Arc<Core>,
        origin: origin::OriginPolicy,
        trust_proxy: bool,
    ) -> Self {
        let db = core.db().clone();
        let https = core.policy.cookie_secure;
        let session_cookie = crate::services::accounts::session_cookie_name(https);
        let origin = origin::OriginPolicy { session_cookie, ..origin };
        let second_factor_for_staff = core.policy.second_factor_for_staff;
        let backend: SharedBackend = crate::services::backend(core);
        Self {
            leptos_options,
            db,
            backend,
            origin,
            trust_proxy,
            session_cookie,
            https,
            second_factor_for_staff,
        }
    }
}

/// The whole application router.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let backend = state.backend.clone();
    let context = move || provide_context(backend.clone());
    let options = state.leptos_options.clone();
    let (https, session_cookie) = (state.https, state.session_cookie);
    let app_router = Router::new()
        .route("/healthz", get(health))
        .route("/api/membership/enrollments.csv", get(files::roster_csv))
        .route("/api/membership/batch_report.csv", get(files::batch_report_csv))
        .route("/api/membership/upload", axum::routing::post(files::upload))
        .route("/oauth2/access_token", axum::routing::post(retirement_api::access_token))
        .route("/api/account/export.json", get(retirement_api::export))
        .route(
            "/api/user/v1/accounts/deactivate_logout/",
            axum::routing::post(retirement_api::deactivate_logout),
        )
        .route("/api/user/v1/accounts/retirement_queue/", get(retirement_api::queue))
        .route(
            "/api/user/v1/accounts/retirements_by_status_and_date/",
            get(retirement_api::by_status_and_date),
        )
        .route("/api/user/v1/accounts/{username}/retirement_status/", get(retirement_api::status))
        .route(
            "/api/user/v1/accounts/update_retirement_status/",
            axum::routing::patch(retirement_api::update_status),
        )
        .route("/api/user/v1/accounts/retirement_cleanup/", axum::routing::post(retirement_api::cleanup))
        .route("/api/user/v1/accounts/retire_misc/", axum::routing::post(retirement_api::retire_misc))
        .route("/api/user/v1/accounts/retire/", axum::routing::post(retirement_api::retire))
        .route("/api/user/v1/accounts/cancel_retirement/", axum::routing::post(retirement_api::cancel))
        .route("/api/enrollment/v1/unenroll/", axum::routing::post(retirement_api::unenroll))
        .route("/api/discussion/v1/accounts/retire_forum/", axum::routing::post(retirement_api::retire_forum))
        .route("/records/shared/{id}/csv", get(credentials_api::shared_csv))
        .route("/media/signatories/{id}", get(credentials_api::signatory_image))
        .route("/api/records/{program}/record.csv", get(credentials_api::my_csv))
        .route("/api/console/signatories", axum::routing::post(credentials_api::upload_signatory))
        .route("/api/console/audit.csv", get(console_api::audit_csv))
        .route(
            "/api/v2/credentials/",
            get(credentials_api::list_credentials).post(credentials_api::post_credential),
        )
        .route(
            "/api/v2/credentials/{uuid}/",
            get(credentials_api::get_credential)
                .patch(credentials_api::patch_credential)
                .put(credentials_api::patch_credential)
                .delete(credentials_api::delete_credential),
        )
        .route(
            "/api/v2/grades/",
            axum::routing::post(credentials_api::post_grades)
                .put(credentials_api::post_grades)
                .patch(credentials_api::post_grades),
        )
        .route("/api/{*rest}", any(api_not_found))
        .leptos_routes_with_context(&state, routes, context.clone(), move || shell(options.clone()))
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(context, shell))
        .layer(middleware::from_fn(status::api_error_status))
        .layer(middleware::from_fn_with_state(state.clone(), principal::resolve))
        .layer(middleware::from_fn_with_state(state.origin.clone(), origin::check))
        .layer(middleware::from_fn_with_state(session_cookie, headers::no_store_when_signed_in))
        .with_state(state);
    headers::secure(app_router, https)
}

async fn health(State(state): State<AppState>) -> impl IntoResponse {
    match crate::store::health::ping(&state.db.pool).await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}

async fn api_not_found() -> impl IntoResponse {
    let error = app::error::ApiError::from(registrar::DomainError::with_message(
        registrar::ErrorCode::NotFound,
        "There is no API endpoint at this address.",
    ));
    (StatusCode::NOT_FOUND, Json(error))
}
