//! Attacks with service credentials: a leaked OAuth client secret used for more than its job, a
//! revoked client's tokens, a bearer token that outlives a password reset.

use super::CS101;
use crate::common::{Engine, Reply, TestApp};
use app::gate::Gate;
use axum::body::Body;
use http::{header, Request};

async fn with_token(app: &TestApp, method: &str, path: &str, token: &str) -> Reply {
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::ACCEPT, "application/json")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::from(format!("course={}&username=learner", CS101.replace('+', "%2B"))))
        .unwrap();
    app.send(req).await
}

async fn access_token(app: &TestApp, client_id: &str, secret: &str) -> Reply {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            ("client_secret", secret),
        ])
        .finish();
    let req = Request::post("/oauth2/access_token")
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap();
    app.send(req).await
}

/// The attacker found the retirement driver's client secret (its user is global staff, as the
/// driver's service user is in Open edX). They get a token and try what global staff may: a
/// learner's credentials, a course's team, the console's accounts. Each is refused naming what the
/// token may do; the retirement queue still answers. The operator then revokes the client: the
/// token already issued stops at once, and no new one is given.
async fn a_leaked_retirement_secret_reaches_every_course(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let backend = server::services::retirement::RetirementService::new(app.core());
    let (gate, system) = Gate::system(app.backend(), "test");
    let service = app::model::ManageUser {
        username: "retirement_service".into(),
        email: "retirement@example.org".into(),
        full_name: None,
        is_staff: true,
        is_superuser: false,
        password: None,
        unusable_password: true,
        groups: None,
    };
    gate.backend().accounts.manage_user(&system, service).await.unwrap();
    let refused =
        backend.create_oauth_client(&system, "driver", "retirement_service", "retirement admin").await;
    assert!(refused.unwrap_err().message.contains("'admin'"), "unknown scopes are refused");
    let (client_id, secret) =
        backend.create_oauth_client(&system, "driver", "retirement_service", "retirement").await.unwrap();
    let issued = access_token(&app, &client_id, &secret).await;
    assert_eq!(issued.status, 200, "{}", issued.body);
    let token = issued.json()["access_token"].as_str().unwrap().to_owned();

    for (method, path) in [
        ("GET", "/api/v2/credentials/?username=learner"),
        ("POST", "/api/course_team/get"),
        ("POST", "/api/console/users"),
        ("GET", "/api/account/export.json"),
    ] {
        let reply = with_token(&app, method, path, &token).await;
        assert_eq!(reply.status, 403, "{method} {path}: {}", reply.body);
        assert!(reply.error_message().contains("only be used for: retirement"), "{path}: {}", reply.body);
    }
    let queue = "/api/user/v1/accounts/retirement_queue/?cool_off_days=0&states=PENDING";
    assert_eq!(with_token(&app, "GET", queue, &token).await.status, 200);

    let ended = backend.revoke_oauth_client(&system, &client_id).await.unwrap();
    assert_eq!(ended, 1);
    assert_eq!(
        with_token(&app, "GET", queue, &token).await.status,
        401,
        "the issued token ended with its client"
    );
    assert_eq!(access_token(&app, &client_id, &secret).await.status, 401);
    app.cleanup().await;
}

/// The attacker copied a learner's personal API token. The learner, worried, resets their password
/// through the mailed link: the copied token stops working with the old sessions.
async fn a_copied_token_outlives_a_password_reset(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let (gate, system) = Gate::system(app.backend(), "test");
    let token = gate.backend().accounts.issue_token(&system, "learner09", "scripts", None).await.unwrap();
    assert_eq!(with_token(&app, "POST", "/api/account/get", &token).await.status, 200);
    let admin = app.sign_in("admin", "registrar-admin").await;
    let sent = app.post_form("/api/console/user_reset", &[("username", "learner09")], Some(&admin)).await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    let body: String = sqlx::query_scalar(
        "SELECT m.body_text FROM mail_outbox m JOIN users u ON u.id = m.user_id \
         WHERE u.username = 'learner09' AND m.subject LIKE '%password%' ORDER BY m.created_at DESC",
    )
    .fetch_one(&app.db.db.pool)
    .await
    .unwrap();
    let link = body.split("token=").nth(1).unwrap().split_whitespace().next().unwrap().to_owned();
    let form = [
        ("token", link.as_str()),
        ("password", "a brand new phrase"),
        ("password_confirm", "a brand new phrase"),
    ];
    let reset = app.post_form("/api/account/reset-password", &form, None).await;
    assert!(reset.status.is_success() || reset.status.is_redirection(), "{}", reset.body);
    assert_eq!(with_token(&app, "POST", "/api/account/get", &token).await.status, 401);
    app.cleanup().await;
}

/// The LMS's credentials client (its user is `staff`, who may do everything with credentials in the
/// console) leaks. With its token the attacker reads a learner's credentials through the service
/// API, as the LMS may, and then tries the console's own server functions for the same permission
/// and the site configuration. Refused: the scope reaches the service API only.
async fn a_credentials_token_opens_the_console(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let backend = server::services::retirement::RetirementService::new(app.core());
    let (_, system) = Gate::system(app.backend(), "test");
    let (client_id, secret) =
        backend.create_oauth_client(&system, "lms", "staff", "credentials").await.unwrap();
    let token =
        access_token(&app, &client_id, &secret).await.json()["access_token"].as_str().unwrap().to_owned();
    let read = with_token(&app, "GET", "/api/v2/credentials/?username=learner", &token).await;
    assert_eq!(read.status, 200, "{}", read.body);
    for path in ["/api/console/learner_credentials", "/api/console/users"] {
        let refused = with_token(&app, "POST", path, &token).await;
        assert_eq!(refused.status, 403, "{path}: {}", refused.body);
        assert!(refused.error_message().contains("only be used for: credentials"), "{}", refused.body);
    }
    app.cleanup().await;
}

/// A records mirror holds a read-only credentials token (`credentials:read`) for `staff`, who may
/// award and revoke in the console. The attacker who copies it reads, as the mirror does, and then
/// tries to revoke a learner's credential and award a new one: both refused naming the read-only
/// scope, and the credential is still awarded.
async fn a_read_only_credentials_token_revokes(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let backend = server::services::retirement::RetirementService::new(app.core());
    let (_, system) = Gate::system(app.backend(), "test");
    let (client_id, secret) =
        backend.create_oauth_client(&system, "mirror", "staff", "credentials:read").await.unwrap();
    let token =
        access_token(&app, &client_id, &secret).await.json()["access_token"].as_str().unwrap().to_owned();
    let read = with_token(&app, "GET", "/api/v2/credentials/?username=learner", &token).await;
    assert_eq!(read.status, 200, "{}", read.body);
    let awarded: Vec<String> = read.json()["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "awarded")
        .map(|c| c["uuid"].as_str().unwrap().to_owned())
        .collect();
    let uuid = awarded.first().expect("the demo learner holds an awarded credential").clone();
    let one = with_token(&app, "GET", &format!("/api/v2/credentials/{uuid}/"), &token).await;
    assert_eq!(one.status, 200, "{}", one.body);

    for (method, path) in [
        ("DELETE", format!("/api/v2/credentials/{uuid}/")),
        ("PATCH", format!("/api/v2/credentials/{uuid}/")),
        ("POST", "/api/v2/credentials/".to_owned()),
        ("POST", "/api/v2/grades/".to_owned()),
    ] {
        let refused = with_token(&app, method, &path, &token).await;
        assert_eq!(refused.status, 403, "{method} {path}: {}", refused.body);
        assert!(
            refused.error_message().contains("only be used for: credentials:read"),
            "{method} {path}: {}",
            refused.body
        );
    }
    let after = with_token(&app, "GET", &format!("/api/v2/credentials/{uuid}/"), &token).await;
    assert_eq!(after.json()["status"], "awarded", "nothing changed: {}", after.body);
    app.cleanup().await;
}

crate::on_both_engines!(
    a_read_only_credentials_token_revokes,
    a_credentials_token_opens_the_console,
    a_leaked_retirement_secret_reaches_every_course,
    a_copied_token_outlives_a_password_reset,
);
