//! Attacks through the browser: forged cross-site requests, planted cookies, framing, caching.

use crate::common::{Engine, Reply, TestApp};
use axum::body::Body;
use axum::extract::ConnectInfo;
use http::{header, Request};
use std::net::SocketAddr;

/// A sign-in attempt from the address `ip` (as the server sees its peer).
async fn login_from(app: &TestApp, ip: &str, who: &str, password: &str) -> Reply {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([("identifier", who), ("password", password)])
        .finish();
    let mut req = TestApp::form_request("/api/session/login", None).body(Body::from(body)).unwrap();
    let peer: SocketAddr = format!("{ip}:40000").parse().unwrap();
    req.extensions_mut().insert(ConnectInfo(peer));
    app.send(req).await
}

/// A stranger wants the admins locked out during an incident. From one address they try wrong
/// passwords for `admin`: after three, each try must wait longer (only that address waits) and the
/// admin signs in from their own. Then they guess from many addresses at once, and keep guessing:
/// the account stops taking passwords, but its owner is mailed a link with which their password
/// signs them in whatever the guessing (the link alone does not).
async fn a_stranger_locks_the_admin_out(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    for _ in 0..3 {
        let r = login_from(&app, "203.0.113.7", "admin", "guess").await;
        assert_eq!(r.error_code(), "AUTH_BAD_CREDENTIALS", "{}", r.body);
    }
    let waiting = login_from(&app, "203.0.113.7", "admin", "guess").await;
    assert_eq!(waiting.error_code(), "AUTH_THROTTLED", "{}", waiting.body);
    assert!(waiting.error_message().contains("Wait"), "{}", waiting.body);
    let owner = login_from(&app, "198.51.100.20", "admin", "registrar-admin").await;
    assert!(owner.session_cookie().is_some(), "the admin elsewhere is not locked out: {}", owner.body);

    // Many addresses, one guess each: past the alarm the account takes no password.
    for i in 1..=25 {
        login_from(&app, &format!("192.0.2.{i}"), "admin", "guess").await;
    }
    let locked = login_from(&app, "198.51.100.20", "admin", "registrar-admin").await;
    assert_eq!(locked.error_code(), "AUTH_LOCKED", "{}", locked.body);
    let body: String = sqlx::query_scalar(
        "SELECT m.body_text FROM mail_outbox m JOIN users u ON u.id = m.user_id \
         WHERE u.username = 'admin' AND m.subject LIKE '%locked%'",
    )
    .fetch_one(&app.db.db.pool)
    .await
    .unwrap();
    let token = body.split("token=").nth(1).unwrap().split_whitespace().next().unwrap().to_owned();
    // The guessing goes on; the link with the password still lets the owner in.
    for i in 30..=60 {
        login_from(&app, &format!("192.0.2.{i}"), "admin", "guess").await;
    }
    let wrong = app.post_form("/api/account/unlock", &[("token", &token), ("password", "guess")], None).await;
    assert_eq!(wrong.error_code(), "AUTH_BAD_CREDENTIALS", "the link alone is no password: {}", wrong.body);
    let unlocked = app
        .post_form("/api/account/unlock", &[("token", &token), ("password", "registrar-admin")], None)
        .await;
    assert!(unlocked.session_cookie().is_some(), "the owner is in: {}", unlocked.body);
    let forged = format!("{}x", &token[..token.len() - 1]);
    let refused = app
        .post_form("/api/account/unlock", &[("token", &forged), ("password", "registrar-admin")], None)
        .await;
    assert_eq!(refused.error_code(), "LINK_INVALID");
    app.cleanup().await;
}

/// A cookie-carrying POST with neither `Origin` nor `Sec-Fetch-Site`, as an old browser, a plugin
/// or a header-stripping proxy would send a foreign page's form.
fn bare_post(path: &str, cookie: &str) -> Request<Body> {
    Request::post(path)
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap()
}

/// The attacker's page makes the learner's browser post to Registrar without saying where from:
/// signing them out, or queueing their account for deletion. Refused, and the learner is still signed in. A script
/// with a bearer token (no cookie) is not a browser's ambient credential and still works.
async fn a_foreign_page_posts_without_saying_where_from(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let learner = app.sign_in("learner", "registrar-learner").await;
    for path in ["/api/session/logout", "/api/account/delete"] {
        let reply = app.send(bare_post(path, &learner)).await;
        assert_eq!(reply.status, 403, "{path}: {}", reply.body);
        assert_eq!(reply.error_code(), "AUTH_BAD_ORIGIN", "{path}");
    }
    let me = app.post_form("/api/account/get", &[], Some(&learner)).await;
    assert_eq!(me.status, 200, "still signed in: {}", me.body);
    app.cleanup().await;
}

/// The attacker controls a sibling subdomain and plants their own session cookie in the learner's
/// browser, so that what the learner does next lands in the attacker's account (their uploads, their
/// records). With two session cookies neither is trusted: the learner is asked to sign in again
/// rather than acting as the attacker.
async fn a_planted_session_cookie_signs_the_victim_in_as_the_attacker(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let attacker = app.sign_in("learner05", "registrar-learner").await;
    let learner = app.sign_in("learner", "registrar-learner").await;
    let both = format!("{attacker}; {learner}");
    let reply = app.post_form("/api/account/get", &[], Some(&both)).await;
    assert_eq!(reply.status, 401, "{}", reply.body);
    assert!(!reply.body.contains("learner05"), "{}", reply.body);
    app.cleanup().await;
}

/// The attacker frames the sign-in page on their own site (clickjacking), and a shared computer's
/// next user presses Back to a signed-in page. Pages forbid framing and carry a script policy tied
/// to the nonce on their own scripts; answers that are not pages load nothing; signed-in answers
/// are not stored.
async fn the_sign_in_page_inside_a_foreign_frame(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let page = app.get("/login", None).await;
    assert_eq!(page.status, 200);
    let policy = page.header("content-security-policy").unwrap_or_default();
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    let nonce =
        page.body.split("nonce=\"").nth(1).and_then(|rest| rest.split('"').next()).unwrap_or_default();
    assert!(nonce.len() >= 16 && policy.contains(&format!("'nonce-{nonce}'")), "{nonce} / {policy}");
    let scripts = policy.split(';').map(str::trim).find(|d| d.starts_with("script-src ")).unwrap_or_default();
    assert!(!scripts.contains("unsafe-inline") && scripts.contains("'nonce-"), "{policy}");
    assert_eq!(page.header("x-frame-options").as_deref(), Some("DENY"));
    assert_eq!(page.header("x-content-type-options").as_deref(), Some("nosniff"));
    assert_eq!(page.header("referrer-policy").as_deref(), Some("same-origin"));
    let again = app.get("/login", None).await.header("content-security-policy").unwrap_or_default();
    assert_ne!(again, policy, "a fresh nonce for every page");

    let learner = app.sign_in("learner", "registrar-learner").await;
    let account = app.get("/account", Some(&learner)).await;
    assert_eq!(account.status, 200);
    assert_eq!(account.header("cache-control").as_deref(), Some("no-store"));
    let json = app.post_form("/api/account/get", &[], Some(&learner)).await;
    assert_eq!(json.header("cache-control").as_deref(), Some("no-store"));
    let json_policy = json.header("content-security-policy").unwrap_or_default();
    assert!(json_policy.starts_with("default-src 'none'"), "{json_policy}");
    app.cleanup().await;
}

crate::on_both_engines!(
    a_stranger_locks_the_admin_out,
    a_foreign_page_posts_without_saying_where_from,
    a_planted_session_cookie_signs_the_victim_in_as_the_attacker,
    the_sign_in_page_inside_a_foreign_frame,
);
