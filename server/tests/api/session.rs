//! Sign-in, registration, sign-out, throttling, bearer tokens, CSRF and bad input, over HTTP.

use crate::common::{Engine, TestApp};
use axum::body::Body;
use server::config::AuthPolicy;

async fn me(app: &TestApp, cookie: Option<&str>) -> serde_json::Value {
    let reply = app.post_form("/api/session/me", &[], cookie).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()
}

async fn sign_in_sets_a_safe_cookie_and_sign_out_ends_the_session(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let reply = app
        .post_form(
            "/api/session/login",
            &[("identifier", "ADMIN@example.org"), ("password", "registrar-admin")],
            None,
        )
        .await;
    assert!(reply.status.is_success() || reply.status.is_redirection(), "{}", reply.body);
    let set_cookie = reply.set_cookie().unwrap();
    assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    assert!(set_cookie.contains("SameSite=Lax"), "{set_cookie}");
    assert!(!set_cookie.contains("Secure"), "plain http must not mark the cookie Secure");
    let cookie = reply.session_cookie().unwrap();
    assert_eq!(me(&app, Some(&cookie)).await["username"], "admin");

    // A second sign-in gets a fresh session id, even when it arrives with the old cookie.
    let again = app
        .post_form(
            "/api/session/login",
            &[("identifier", "admin"), ("password", "registrar-admin")],
            Some(&cookie),
        )
        .await;
    let second = again.session_cookie().unwrap();
    assert_ne!(second, cookie);

    let out = app.post_form("/api/session/logout", &[], Some(&cookie)).await;
    assert!(out.status.is_success() || out.status.is_redirection(), "{}", out.body);
    assert!(out.set_cookie().unwrap().contains("Max-Age=0"));
    // The old cookie no longer works: the session ended on the server, not just in the browser.
    assert!(me(&app, Some(&cookie)).await.is_null());
    assert_eq!(app.post_form("/api/account/get", &[], Some(&cookie)).await.status, 401);
    // The other session is untouched.
    assert_eq!(me(&app, Some(&second)).await["username"], "admin");
    app.cleanup().await;
}

async fn wrong_credentials_get_one_message_that_reveals_nothing(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let wrong_password = app
        .post_form("/api/session/login", &[("identifier", "learner"), ("password", "nope-nope-nope")], None)
        .await;
    let unknown_user = app
        .post_form(
            "/api/session/login",
            &[("identifier", "nobody-here"), ("password", "nope-nope-nope")],
            None,
        )
        .await;
    assert_eq!(wrong_password.status, 401);
    assert_eq!(unknown_user.status, 401);
    assert_eq!(wrong_password.body, unknown_user.body, "the two failures must be indistinguishable");
    assert_eq!(wrong_password.error_code(), "AUTH_BAD_CREDENTIALS");
    assert!(wrong_password.session_cookie().is_none());
    // A `next` that could not be a Location header is replaced, not allowed to break the response.
    let odd = app
        .post_form(
            "/api/session/login",
            &[("identifier", "learner"), ("password", "registrar-learner"), ("next", "/a\nb")],
            None,
        )
        .await;
    assert!(odd.status.is_success() || odd.status.is_redirection(), "{}", odd.status);
    assert_eq!(odd.headers.get("location").unwrap(), "/");
    // Passwords are not trimmed.
    let padded = app
        .post_form(
            "/api/session/login",
            &[("identifier", "learner"), ("password", " registrar-learner")],
            None,
        )
        .await;
    assert_eq!(padded.status, 401);
    app.cleanup().await;
}

async fn repeated_failures_make_real_and_unknown_accounts_wait_alike(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    for who in ["learner", "ghost-account"] {
        for _ in 0..3 {
            let r = app
                .post_form("/api/session/login", &[("identifier", who), ("password", "wrong-password")], None)
                .await;
            assert_eq!(r.error_code(), "AUTH_BAD_CREDENTIALS");
        }
        let waiting = app
            .post_form("/api/session/login", &[("identifier", who), ("password", "registrar-learner")], None)
            .await;
        assert_eq!(waiting.status, 429, "{who}: {}", waiting.body);
        assert_eq!(waiting.error_code(), "AUTH_THROTTLED");
        assert!(waiting.error_message().contains("Wait 2 seconds"), "{}", waiting.body);
        assert!(waiting.session_cookie().is_none());
    }
    // The wait is on the account, whatever name is typed for it.
    let by_email = app
        .post_form(
            "/api/session/login",
            &[("identifier", "learner@example.org"), ("password", "registrar-learner")],
            None,
        )
        .await;
    assert_eq!(by_email.error_code(), "AUTH_THROTTLED");
    // Others are not affected.
    app.sign_in("instructor", "registrar-instructor").await;
    app.cleanup().await;
}

async fn many_failures_from_one_address_slow_it_down(engine: Engine) {
    let policy = AuthPolicy { ip_failures: 4, account_failures: 100, ..AuthPolicy::default() };
    let app = TestApp::seeded_with_policy(engine, policy).await;
    for i in 0..4 {
        let name = format!("guess{i}");
        app.post_form("/api/session/login", &[("identifier", &name), ("password", "wrong-password")], None)
            .await;
    }
    let slowed = app
        .post_form(
            "/api/session/login",
            &[("identifier", "learner"), ("password", "registrar-learner")],
            None,
        )
        .await;
    assert_eq!(slowed.status, 429);
    assert_eq!(slowed.error_code(), "AUTH_THROTTLED");
    app.cleanup().await;
}

async fn registrations_from_one_address_are_limited(engine: Engine) {
    let policy = AuthPolicy { registrations: 2, ..AuthPolicy::default() };
    let app = TestApp::seeded_with_policy(engine, policy).await;
    for i in 0..3 {
        let (name, email) = (format!("bulk{i}"), format!("bulk{i}@example.org"));
        let form = [
            ("username", name.as_str()),
            ("email", email.as_str()),
            ("full_name", "Bulk"),
            ("password", "long enough pw"),
            ("password_confirm", "long enough pw"),
        ];
        let reply = app.post_form("/api/session/register", &form, None).await;
        if i < 2 {
            assert!(reply.status.is_success() || reply.status.is_redirection(), "{}", reply.body);
        } else {
            assert_eq!((reply.status.as_u16(), reply.error_code()), (429, "AUTH_THROTTLED".to_owned()));
        }
    }
    let made: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE username_key LIKE 'bulk%'")
        .fetch_one(&app.db.db.pool)
        .await
        .unwrap();
    assert_eq!(made, 2);
    app.cleanup().await;
}

async fn registration_validates_and_signs_in(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let form = [
        ("username", "grace"),
        ("email", "Grace@Example.org"),
        ("full_name", "Grace Hopper"),
        ("password", "cobol compiler"),
        ("password_confirm", "cobol compiler"),
    ];
    let ok = app.post_form("/api/session/register", &form, None).await;
    assert!(ok.status.is_success() || ok.status.is_redirection(), "{}", ok.body);
    let cookie = ok.session_cookie().unwrap();
    // Set up, not active yet: the demo's Terms of use come first.
    assert_eq!(ok.header("location").as_deref(), Some("/account/agreements"));
    assert_eq!(app.post_form("/api/account/get", &[], Some(&cookie)).await.status, 401);
    assert_eq!(app.sign_agreements(&cookie).await, 1);
    assert_eq!(me(&app, Some(&cookie)).await["full_name"], "Grace Hopper");
    // Sign in later by email, in another case.
    app.sign_in("grace@example.ORG", "cobol compiler").await;

    let mut dup = form;
    dup[0] = ("username", "GRACE");
    dup[1] = ("email", "other@example.org");
    let taken = app.post_form("/api/session/register", &dup, None).await;
    assert_eq!(taken.status, 409);
    assert_eq!(taken.error_code(), "USERNAME_TAKEN");
    dup[0] = ("username", "grace2");
    dup[1] = ("email", "GRACE@example.org");
    assert_eq!(app.post_form("/api/session/register", &dup, None).await.error_code(), "EMAIL_TAKEN");

    let bad = app
        .post_form(
            "/api/session/register",
            &[
                ("username", "x y"),
                ("email", "nope"),
                ("full_name", ""),
                ("password", "short"),
                ("password_confirm", "short"),
            ],
            None,
        )
        .await;
    assert_eq!(bad.status, 422);
    let fields: Vec<String> = bad.json()["Form"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(fields, ["username", "email", "full_name", "password"]);
    // Nothing was created by the refused attempts.
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE username_key IN ('x y', 'grace2')")
        .fetch_one(&app.db.db.pool)
        .await
        .unwrap();
    assert_eq!(count, 0);
    // The registration is in the audit log.
    let audited: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'user.register' AND actor_label = 'grace'",
    )
    .fetch_one(&app.db.db.pool)
    .await
    .unwrap();
    assert_eq!(audited, 1);
    app.cleanup().await;
}

async fn malformed_requests_get_specific_4xx(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let empty =
        app.post_form("/api/session/login", &[("identifier", "learner"), ("password", "")], None).await;
    assert_eq!(empty.status, 422);
    assert_eq!(empty.json()["Domain"]["field"], "password");
    let missing = app.post_form("/api/session/login", &[("identifier", "learner")], None).await;
    assert_eq!(missing.status, 422, "{}", missing.body);
    assert!(missing.body.contains("password"), "the message names what is missing: {}", missing.body);
    let admin = app.sign_in("admin", "registrar-admin").await;
    let bad_key = app.post_form("/api/courses/overview", &[("course", "not a key")], Some(&admin)).await;
    assert_eq!(bad_key.status, 422);
    assert_eq!(bad_key.error_code(), "COURSE_KEY_INVALID");
    let unknown =
        app.post_form("/api/courses/overview", &[("course", "course-v1:NoX+None+2020")], Some(&admin)).await;
    assert_eq!(unknown.status, 404);
    let no_endpoint = app.post_form("/api/no/such/endpoint", &[], Some(&admin)).await;
    assert_eq!(no_endpoint.status, 404);
    assert_eq!(no_endpoint.error_code(), "NOT_FOUND");
    let page = app.get("/no-such-page", None).await;
    assert_eq!(page.status, 404);
    assert!(page.body.contains("Page not found"));
    app.cleanup().await;
}

async fn cross_site_posts_are_refused_and_change_nothing(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let cookie = app.sign_in("learner", "registrar-learner").await;
    let req = TestApp::form_request("/api/session/logout", Some(&cookie))
        .header("origin", "https://evil.example")
        .body(Body::empty())
        .unwrap();
    let reply = app.send(req).await;
    assert_eq!(reply.status, 403);
    assert_eq!(reply.error_code(), "AUTH_BAD_ORIGIN");
    assert_eq!(me(&app, Some(&cookie)).await["username"], "learner", "the session survived");
    let same = TestApp::form_request("/api/session/logout", Some(&cookie))
        .header("origin", "http://127.0.0.1:3000")
        .header("sec-fetch-site", "same-origin")
        .body(Body::empty())
        .unwrap();
    assert!(app.send(same).await.status.is_success());
    app.cleanup().await;
}

async fn bearer_tokens_resolve_to_their_user(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let backend = server::services::backend(std::sync::Arc::new(server::services::Core::new(
        app.db.db.clone(),
        AuthPolicy::default(),
    )));
    let (gate, admin) = app::gate::Gate::system(backend, "test");
    let token = gate.backend().accounts.issue_token(&admin, "staff", "reporting", None).await.unwrap();
    let call = |token: String| {
        TestApp::form_request("/api/courses/list", None)
            .header("authorization", format!("Bearer {token}"))
            .body(Body::from("search=data&page=1"))
            .unwrap()
    };
    let reply = app.send(call(token.clone())).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["items"][0]["name"], "Data Science Foundations");
    // Stored hashed: the secret itself is nowhere in the table.
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM api_tokens WHERE token_hash = $1")
        .bind(&token)
        .fetch_one(&app.db.db.pool)
        .await
        .unwrap();
    assert_eq!(stored, 0);
    assert_eq!(app.send(call("not-a-token".into())).await.status, 401);
    let staff_id: String = sqlx::query_scalar("SELECT id FROM users WHERE username = 'staff'")
        .fetch_one(&app.db.db.pool)
        .await
        .unwrap();
    server::store::tokens::revoke_for_user(&app.db.db.pool, &staff_id).await.unwrap();
    assert_eq!(app.send(call(token)).await.status, 401);
    app.cleanup().await;
}

async fn deactivated_accounts_lose_their_sessions(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let cookie = app.sign_in("learner", "registrar-learner").await;
    sqlx::query("UPDATE users SET is_active = $1 WHERE username = 'learner'")
        .bind(false)
        .execute(&app.db.db.pool)
        .await
        .unwrap();
    assert!(me(&app, Some(&cookie)).await.is_null());
    let again = app
        .post_form(
            "/api/session/login",
            &[("identifier", "learner"), ("password", "registrar-learner")],
            None,
        )
        .await;
    assert_eq!(again.error_code(), "AUTH_INACTIVE");
    assert!(again.session_cookie().is_none());
    app.cleanup().await;
}

async fn staff_search_and_page_the_course_list(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let staff = app.sign_in("staff", "registrar-staff").await;
    let all = app.post_form("/api/courses/list", &[("search", ""), ("page", "1")], Some(&staff)).await.json();
    assert_eq!(all["total"], 6);
    let names: Vec<&str> =
        all["items"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted, "courses are listed by name");
    let found =
        app.post_form("/api/courses/list", &[("search", "openx"), ("page", "1")], Some(&staff)).await.json();
    assert_eq!(found["total"], 2);
    // A search term with LIKE wildcards matches literally.
    let literal =
        app.post_form("/api/courses/list", &[("search", "%"), ("page", "1")], Some(&staff)).await.json();
    assert_eq!(literal["total"], 0);
    let cs101 = app
        .post_form("/api/courses/overview", &[("course", "course-v1:DemoX+CS101+2026_T1")], Some(&staff))
        .await
        .json();
    let team: Vec<&str> =
        cs101["team"].as_array().unwrap().iter().map(|m| m["username"].as_str().unwrap()).collect();
    assert!(team.contains(&"instructor") && team.contains(&"ta"), "{team:?}");
    assert!(cs101["course"]["active_enrollments"].as_i64().unwrap() >= 3);
    app.cleanup().await;
}

async fn pages_render_for_the_signed_in_user(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let cookie = app.sign_in("instructor", "registrar-instructor").await;
    let home = app.get("/", Some(&cookie)).await;
    assert_eq!(home.status, 200);
    assert!(home.body.contains("Signed in as"), "header shows the user");
    assert!(home.body.contains("Data Science Foundations"), "their dashboards are listed");
    assert!(!home.body.contains("href=\"/courses\""), "no course list link for non-staff");
    let anonymous = app.get("/account", None).await;
    assert_eq!(anonymous.status, 401, "a page that needs sign-in says so in its status too");
    assert!(anonymous.body.contains("Sign in to continue"));
    let refused = app.get("/courses", Some(&cookie)).await;
    assert_eq!(refused.status, 403);
    let missing = app.get("/courses/course-v1:NoX+None+2020", Some(&cookie)).await;
    assert_eq!(missing.status, 403, "an instructor elsewhere may not learn whether a course exists");
    app.cleanup().await;
}

crate::on_both_engines!(
    sign_in_sets_a_safe_cookie_and_sign_out_ends_the_session,
    wrong_credentials_get_one_message_that_reveals_nothing,
    repeated_failures_make_real_and_unknown_accounts_wait_alike,
    many_failures_from_one_address_slow_it_down,
    registration_validates_and_signs_in,
    registrations_from_one_address_are_limited,
    malformed_requests_get_specific_4xx,
    cross_site_posts_are_refused_and_change_nothing,
    bearer_tokens_resolve_to_their_user,
    deactivated_accounts_lose_their_sessions,
    staff_search_and_page_the_course_list,
    pages_render_for_the_signed_in_user,
);
