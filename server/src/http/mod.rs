//! HTTP: the axum router, the Leptos routes and server functions, and the middleware every request
//! passes (origin check, principal resolution with deny-by-default on `/api`, error statuses).

pub mod files;
pub mod origin;
pub mod principal;
pub mod status;

use crate::backend::ServerBackend;
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
}

/// Every REST route outside the server functions, for the authorization sweep.
pub const REST_ROUTES: &[(&str, Method, Access)] = &[
    ("/healthz", Method::GET, Access::Public),
    ("/api/membership/enrollments.csv", Method::GET, Access::CourseEnroller),
    ("/api/membership/batch_report.csv", Method::GET, Access::CourseEnroller),
    ("/api/membership/upload", Method::POST, Access::CourseEnroller),
];

/// What the middleware and handlers share.
#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    pub backend: SharedBackend,
    pub origin: origin::OriginPolicy,
    pub trust_proxy: bool,
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
        db: Db,
        policy: crate::backend::AuthPolicy,
        origin: origin::OriginPolicy,
        trust_proxy: bool,
        site_url: &str,
    ) -> Self {
        let backend: SharedBackend = Arc::new(ServerBackend::new(db.clone(), policy).with_site_url(site_url));
        Self { leptos_options, db, backend, origin, trust_proxy }
    }
}

/// The whole application router.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let backend = state.backend.clone();
    let context = move || provide_context(backend.clone());
    let options = state.leptos_options.clone();
    Router::new()
        .route("/healthz", get(health))
        .route("/api/membership/enrollments.csv", get(files::roster_csv))
        .route("/api/membership/batch_report.csv", get(files::batch_report_csv))
        .route("/api/membership/upload", axum::routing::post(files::upload))
        .route("/api/{*rest}", any(api_not_found))
        .leptos_routes_with_context(&state, routes, context.clone(), move || shell(options.clone()))
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(context, shell))
        .layer(middleware::from_fn(status::api_error_status))
        .layer(middleware::from_fn_with_state(state.clone(), principal::resolve))
        .layer(middleware::from_fn_with_state(state.origin.clone(), origin::check))
        .with_state(state)
}

async fn health(State(state): State<AppState>) -> impl IntoResponse {
    match sqlx::query_scalar::<_, i64>("SELECT 1").fetch_one(&state.db.pool).await {
        Ok(_) => (StatusCode::OK, "ok"),
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
