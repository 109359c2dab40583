//! Test harness: a fresh database per test (a temporary SQLite file, or a new PostgreSQL database),
//! the real router, and helpers to call it like a browser or a client would.

use axum::body::Body;
use axum::Router;
use http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use server::config::AuthPolicy;
use server::http::{origin::OriginPolicy, router, AppState};
use server::store::Db;
use tower::ServiceExt;

/// The database engine a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// Run each listed `async fn name(engine: Engine)` once per engine, as `sqlite::name` and `postgres::name`.
#[macro_export]
macro_rules! on_both_engines {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test] async fn $name() {
                $crate::common::within_limit(super::$name($crate::common::Engine::Sqlite)).await
            } )*
        }
        mod postgres {
            $( #[tokio::test] async fn $name() {
                $crate::common::within_limit(super::$name($crate::common::Engine::Postgres)).await
            } )*
        }
    };
}

/// Run a test body, failing it (instead of hanging the whole run) if it has not finished in three
/// minutes; every test here takes seconds.
pub async fn within_limit(test: impl std::future::Future<Output = ()>) {
    tokio::time::timeout(std::time::Duration::from_secs(180), test)
        .await
        .expect("the test did not finish within three minutes");
}

/// A database of its own for one test: a temporary SQLite file, or a new PostgreSQL database.
pub struct TestDb {
    pub url: String,
    pub db: Db,
    admin: Option<(String, String)>,
}

impl TestDb {
    pub async fn new(engine: Engine) -> Self {
        // Internal errors are logged with their operation id: shown with a failing test's output.
        let _ = tracing_subscriber::fmt().with_env_filter("error").with_test_writer().try_init();
        let name = format!("registrar_t_{}", uuid::Uuid::new_v4().simple());
        match engine {
            Engine::Sqlite => {
                let path = std::env::temp_dir().join("registrar-tests").join(format!("{name}.db"));
                let url = format!("sqlite://{}", path.display());
                let db = Db::open(&url).await.expect("open sqlite");
                Self { url, db, admin: None }
            }
            Engine::Postgres => {
                let admin_url = std::env::var("REGISTRAR_TEST_PG_URL")
                    .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
                sqlx::any::install_default_drivers();
                let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin_url)
                    .await
                    .unwrap_or_else(|e| panic!("PostgreSQL must answer at {admin_url} for the tests: {e}"));
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut conn)
                    .await
                    .unwrap();
                let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(b, _)| b).to_owned();
                let url = format!("{base}/{name}");
                let db = Db::open(&url).await.expect("open postgres");
                Self { url, db, admin: Some((admin_url, name)) }
            }
        }
    }

    /// Close the pool; drop a PostgreSQL database, delete a SQLite file.
    pub async fn cleanup(self) {
        self.db.pool.close().await;
        match self.admin {
            Some((admin_url, name)) => {
                if let Ok(mut conn) = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin_url).await {
                    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )))
                    .execute(&mut conn)
                    .await;
                }
            }
            None => {
                if let Some(path) = self.url.strip_prefix("sqlite://") {
                    for suffix in ["", "-wal", "-shm"] {
                        let _ = std::fs::remove_file(format!("{path}{suffix}"));
                    }
                }
            }
        }
    }
}

/// The application under test.
pub struct TestApp {
    pub router: Router,
    pub db: TestDb,
}

/// A response, read whole.
pub struct Reply {
    pub status: StatusCode,
    pub headers: http::HeaderMap,
    pub body: String,
}

impl Reply {
    /// A response header as text.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// The `code` of an `ApiError` body (the first, for a form).
    pub fn error_code(&self) -> String {
        self.error_part("code")
    }

    /// The `message` of an `ApiError` body (the first, for a form).
    pub fn error_message(&self) -> String {
        self.error_part("message")
    }

    fn error_part(&self, part: &str) -> String {
        let v = self.json();
        let inner =
            v.get("Domain").or_else(|| v.get("Form").and_then(|f| f.get(0))).cloned().unwrap_or_default();
        inner.get(part).and_then(|c| c.as_str()).unwrap_or_default().to_owned()
    }

    /// The session cookie this response sets, if any (`name=value`).
    pub fn session_cookie(&self) -> Option<String> {
        self.set_cookie().map(|v| v.split(';').next().unwrap_or_default().to_owned())
    }

    /// The whole `Set-Cookie` header of the session cookie.
    pub fn set_cookie(&self) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("registrar_session="))
            .map(str::to_owned)
    }
}

/// Retirement as the tests run it: no cleanup delay, the service user `retirement_service`.
pub fn test_retirement() -> server::config::RetirementSettings {
    server::config::RetirementSettings {
        cleanup_days: 0,
        service_username: "retirement_service".to_owned(),
        ..Default::default()
    }
}

impl TestApp {
    pub async fn new(engine: Engine) -> Self {
        Self::with_policy(engine, AuthPolicy::default()).await
    }

    pub async fn with_policy(engine: Engine, policy: AuthPolicy) -> Self {
        let db = TestDb::new(engine).await;
        let addr = "127.0.0.1:3000".parse().unwrap();
        let core = server::services::Core::new(db.db.clone(), policy)
            .with_site_url("http://registrar.test")
            .with_retirement(test_retirement());
        let state = AppState::new(
            server::cli::leptos_options(addr, "target/site"),
            std::sync::Arc::new(core),
            OriginPolicy::default(),
            false,
        );
        Self { router: router(state), db }
    }

    /// With the demo data loaded.
    pub async fn seeded(engine: Engine) -> Self {
        Self::seeded_with_policy(engine, AuthPolicy::default()).await
    }

    /// With the demo data loaded and a sign-in policy of the test's choosing.
    pub async fn seeded_with_policy(engine: Engine, policy: AuthPolicy) -> Self {
        let app = Self::with_policy(engine, policy).await;
        server::seed::seed_demo(&app.db.db, false).await.expect("seed");
        app
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Reply { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
    }

    /// A form POST to a server function as a script would send it (JSON answers, no redirects).
    pub fn form_request(path: &str, cookie: Option<&str>) -> http::request::Builder {
        let mut req = Request::post(path)
            .header(header::HOST, "127.0.0.1:3000")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json");
        if let Some(cookie) = cookie {
            // As a browser sends a form of ours: the cookie, and where the request came from.
            req = req.header(header::COOKIE, cookie).header("sec-fetch-site", "same-origin");
        }
        req
    }

    pub async fn post_form(&self, path: &str, form: &[(&str, &str)], cookie: Option<&str>) -> Reply {
        let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
        self.send(Self::form_request(path, cookie).body(Body::from(body)).unwrap()).await
    }

    pub async fn get(&self, path: &str, cookie: Option<&str>) -> Reply {
        let mut req = Request::get(path).header(header::HOST, "127.0.0.1:3000");
        if let Some(cookie) = cookie {
            req = req.header(header::COOKIE, cookie);
        }
        self.send(req.body(Body::empty()).unwrap()).await
    }

    /// A multipart form POST as a browser sends it (`json` = false) or a script (`json` = true), with
    /// an optional file in the `file` field.
    pub async fn post_multipart(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, &[u8])>,
        cookie: Option<&str>,
        json: bool,
    ) -> Reply {
        let boundary = "registrar-test-boundary";
        let mut body: Vec<u8> = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        if let Some((filename, bytes)) = file {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n\
                     Content-Type: text/csv\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let mut req = Request::post(path)
            .header(header::HOST, "127.0.0.1:3000")
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"));
        if json {
            req = req.header(header::ACCEPT, "application/json");
        }
        if let Some(cookie) = cookie {
            req = req.header(header::COOKIE, cookie).header("sec-fetch-site", "same-origin");
        }
        self.send(req.body(Body::from(body)).unwrap()).await
    }

    /// A background-job worker over this app's database.
    pub fn worker(&self) -> server::worker::JobWorker {
        server::worker::JobWorker::new(self.core())
    }

    /// What the use cases run with over this app's database, configured like the app's.
    pub fn core(&self) -> std::sync::Arc<server::services::Core> {
        std::sync::Arc::new(
            server::services::Core::new(self.db.db.clone(), AuthPolicy::default())
                .with_site_url("http://registrar.test")
                .with_retirement(test_retirement()),
        )
    }

    /// The use cases over this app's database, configured like the app's.
    pub fn backend(&self) -> app::ports::SharedBackend {
        server::services::backend(self.core())
    }

    /// Sign in and return the session cookie.
    pub async fn sign_in(&self, username: &str, password: &str) -> String {
        let reply = self
            .post_form("/api/session/login", &[("identifier", username), ("password", password)], None)
            .await;
        assert!(
            reply.status.is_success() || reply.status.is_redirection(),
            "sign-in failed: {} {}",
            reply.status,
            reply.body
        );
        reply.session_cookie().expect("a session cookie")
    }

    /// Sign every agreement the account behind `cookie` must sign (an invited account becomes
    /// active with the last), as a person would on `/account/agreements`; returns how many.
    pub async fn sign_agreements(&self, cookie: &str) -> usize {
        let mine = self.post_form("/api/account/agreements", &[], Some(cookie)).await;
        assert!(mine.status.is_success(), "agreements: {} {}", mine.status, mine.body);
        let to_sign = mine.json()["to_sign"].as_array().cloned().unwrap_or_default();
        for a in &to_sign {
            let (id, version) = (a["id"].as_str().unwrap(), a["version"].as_i64().unwrap().to_string());
            let signed = self
                .post_form("/api/account/sign_agreement", &[("id", id), ("version", &version)], Some(cookie))
                .await;
            assert!(signed.status.is_success(), "sign: {} {}", signed.status, signed.body);
        }
        to_sign.len()
    }

    /// Register (on the demo data a new account is set up and must sign the Terms of use), sign what
    /// must be signed, and return the session cookie of the now active account.
    pub async fn register_and_sign(&self, form: &[(&str, &str)]) -> String {
        let reply = self.post_form("/api/session/register", form, None).await;
        assert!(
            reply.status.is_success() || reply.status.is_redirection(),
            "register: {} {}",
            reply.status,
            reply.body
        );
        let cookie = reply.session_cookie().expect("a session cookie");
        self.sign_agreements(&cookie).await;
        cookie
    }

    /// The token of the last confirmation link mailed to `email` (any spelling).
    pub async fn confirmation_token(&self, email: &str) -> String {
        let body: String = sqlx::query_scalar(
            "SELECT body_text FROM mail_outbox WHERE lower(to_addr) = $1 AND subject LIKE 'Confirm your email%' \
             ORDER BY created_at DESC",
        )
        .bind(email.to_lowercase())
        .fetch_one(&self.db.db.pool)
        .await
        .unwrap_or_else(|e| panic!("no confirmation mail to {email}: {e}"));
        body.split("token=").nth(1).unwrap().split_whitespace().next().unwrap().to_owned()
    }

    /// Follow the confirmation link mailed to `email`, as its owner would.
    pub async fn confirm_address(&self, email: &str) {
        let token = self.confirmation_token(email).await;
        let reply = self.post_form("/api/account/confirm-address", &[("token", &token)], None).await;
        assert!(
            reply.status.is_success() || reply.status.is_redirection(),
            "confirm: {} {}",
            reply.status,
            reply.body
        );
    }

    pub async fn cleanup(self) {
        self.db.cleanup().await;
    }
}
