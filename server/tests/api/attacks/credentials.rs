//! Attacks on credentials: the LMS-facing service API used to get around the console's permissions.

use super::give_group_permissions;
use super::CS101;
use crate::api::records::{award, json};
use crate::common::{Engine, TestApp};

/// The attacker: a help desk account (global staff; its group gives users, invitations, the audit
/// log and the outbox, nothing about credentials). The console refuses it the credentials page, so
/// it tries the LMS-facing service API instead: list a learner's credentials, award one, push a
/// grade, revoke one; then read one by the id it found in the audit log; then, given
/// add_credentials only, revoke through the award endpoint. Every step is refused, naming the
/// permission, and nothing is written; Platform admins still can.
async fn help_desk_reaches_credentials_through_the_service_api(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let helpdesk = app.sign_in("helpdesk", "registrar-staff").await;
    let staff = app.sign_in("staff", "registrar-staff").await;
    let listed = app.get("/api/v2/credentials/?username=learner", Some(&helpdesk)).await;
    assert_eq!(listed.status, 403, "{}", listed.body);
    assert!(listed.error_message().contains("view_credentials"), "{}", listed.body);
    assert_eq!(app.get("/api/v2/credentials/?username=learner", Some(&staff)).await.status, 200);
    let award_body = serde_json::json!({
        "username": "learner05",
        "credential": {"course_run_key": CS101, "mode": "verified", "type": "course-run"},
        "status": "awarded",
    });
    let refused = json(&app, "POST", "/api/v2/credentials/", &award_body, &helpdesk).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(refused.error_message().contains("add_credentials"), "{}", refused.body);
    let grade = serde_json::json!({"username": "learner05", "course_run": CS101, "letter_grade": "A", "percent_grade": 0.9});
    let pushed = json(&app, "POST", "/api/v2/grades/", &grade, &helpdesk).await;
    assert_eq!(pushed.status, 403, "{}", pushed.body);
    let revoke = json(
        &app,
        "DELETE",
        "/api/v2/credentials/0123456789abcdef0123456789abcdef/",
        &serde_json::json!({}),
        &helpdesk,
    )
    .await;
    assert_eq!(revoke.status, 403, "{}", revoke.body);
    // Nothing was written on the way.
    assert_eq!(app.get("/api/v2/credentials/?username=learner05", Some(&staff)).await.json()["count"], 0);

    // One credential by its id: help desk is refused (the id alone is no permission), staff read it.
    let made = award(&app, &staff, "learner05", CS101).await;
    let uuid = made.json()["uuid"].as_str().unwrap().to_owned();
    let path = format!("/api/v2/credentials/{uuid}/");
    let read = app.get(&path, Some(&helpdesk)).await;
    assert_eq!(read.status, 403, "{}", read.body);
    assert!(read.error_message().contains("view_credentials"), "{}", read.body);
    assert_eq!(app.get(&path, Some(&staff)).await.json()["username"], "learner05");

    // Help desk given add_credentials only (by a superuser) may award, but revoking through the
    // award endpoint is a change: refused, and the credential stays awarded.
    let admin = app.sign_in("admin", "registrar-admin").await;
    give_group_permissions(&app, &admin, "Help desk", &["add_credentials"]).await;
    let revoke = serde_json::json!({
        "username": "learner05",
        "credential": {"course_run_key": CS101, "mode": "verified", "type": "course-run"},
        "status": "revoked",
    });
    let refused = json(&app, "POST", "/api/v2/credentials/", &revoke, &helpdesk).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(refused.error_message().contains("change_credentials"), "{}", refused.body);
    assert_eq!(app.get(&path, Some(&staff)).await.json()["status"], "awarded");
    let again = json(&app, "POST", "/api/v2/credentials/", &revoke, &staff).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(app.get(&path, Some(&staff)).await.json()["status"], "revoked");
    app.cleanup().await;
}

crate::on_both_engines!(help_desk_reaches_credentials_through_the_service_api);
