//! Attacks through account deletion: the mailed cancel link used to bring back an account that an
//! administrator had switched off.

use crate::common::{Engine, TestApp};

/// The cancel link mailed to `learner` when they queued their deletion (the last one).
async fn cancel_token(app: &TestApp, username: &str) -> String {
    let body: String = sqlx::query_scalar(
        "SELECT m.body_text FROM mail_outbox m JOIN users u ON u.email = m.to_addr \
         WHERE u.username = $1 AND m.subject LIKE '%queued for deletion%' ORDER BY m.created_at DESC",
    )
    .bind(username)
    .fetch_one(&app.db.db.pool)
    .await
    .unwrap();
    body.split("token=").nth(1).unwrap().split_whitespace().next().unwrap().to_owned()
}

/// The attacker: the holder of a learner's mailed cancel link (the learner, or whoever reads their
/// mail). The learner queues their deletion; an administrator then deactivates the account (abuse
/// reported). The attacker follows the cancel link to get the account back, then asks support to
/// reactivate it while the deletion still waits. The link cancels the deletion but the account stays
/// deactivated and cannot sign in; reactivation during the cool-off is refused, naming the deletion.
async fn cancel_link_revives_a_deactivated_account(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let learner = app.sign_in("learner07", "registrar-learner").await;
    let queued =
        app.post_form("/api/account/delete", &[("password", "registrar-learner")], Some(&learner)).await;
    assert!(queued.status.is_success() || queued.status.is_redirection(), "{}", queued.body);
    let token = cancel_token(&app, "learner07").await;

    let admin = app.sign_in("admin", "registrar-admin").await;
    let refused =
        app.post_form("/api/console/user_reactivate", &[("username", "learner07")], Some(&admin)).await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(refused.error_message().contains("queued for deletion"), "{}", refused.body);
    let off = [("username", "learner07"), ("reason", "abuse reported"), ("confirm", "on")];
    let deactivated = app.post_form("/api/console/user_deactivate", &off, Some(&admin)).await;
    assert_eq!(deactivated.status, 200, "{}", deactivated.body);

    let cancelled = app.post_form("/api/account/cancel-deletion", &[("token", &token)], None).await;
    assert!(cancelled.status.is_success() || cancelled.status.is_redirection(), "{}", cancelled.body);
    let again = [("identifier", "learner07"), ("password", "registrar-learner")];
    let signed_in = app.post_form("/api/session/login", &again, None).await;
    assert!(signed_in.session_cookie().is_none(), "a deactivated account stays out: {}", signed_in.body);
    let user = app.post_form("/api/console/user", &[("identifier", "learner07")], Some(&admin)).await.json();
    assert_eq!(user["user"]["state"], "deactivated", "{user}");
    assert_eq!(user["retirement"], serde_json::Value::Null, "the deletion was cancelled: {user}");

    // Once the deletion is cancelled, reactivating is the administrator's decision again.
    let back =
        app.post_form("/api/console/user_reactivate", &[("username", "learner07")], Some(&admin)).await;
    assert_eq!(back.status, 200, "{}", back.body);
    app.sign_in("learner07", "registrar-learner").await;
    app.cleanup().await;
}

/// An account that is set up but has not signed its agreements yet is queued for deletion by an
/// administrator. Its owner signs in anyway to sign the agreements, which would make the account
/// active while it is being deleted. Refused, naming the deletion; the account stays inactive.
async fn a_queued_account_signs_its_agreements_to_come_back(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let form = [
        ("username", "ivy"),
        ("email", "ivy@example.net"),
        ("full_name", "Ivy"),
        ("password", "a long passphrase"),
        ("password_confirm", "a long passphrase"),
    ];
    let registered = app.post_form("/api/session/register", &form, None).await;
    assert!(registered.status.is_success() || registered.status.is_redirection(), "{}", registered.body);
    let admin = app.sign_in("admin", "registrar-admin").await;
    let queue = [("identifier", "ivy"), ("reason", "asked by phone")];
    let queued = app.post_form("/api/console/retirement_request", &queue, Some(&admin)).await;
    assert_eq!(queued.status, 200, "{}", queued.body);
    let again = app
        .post_form("/api/session/login", &[("identifier", "ivy"), ("password", "a long passphrase")], None)
        .await;
    assert!(again.session_cookie().is_none(), "{}", again.body);
    assert_eq!(again.error_code(), "RETIREMENT_PENDING", "{}", again.body);
    let active: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE username = 'ivy' AND is_active = $1")
            .bind(true)
            .fetch_one(&app.db.db.pool)
            .await
            .unwrap();
    assert_eq!(active, 0);
    app.cleanup().await;
}

crate::on_both_engines!(
    cancel_link_revives_a_deactivated_account,
    a_queued_account_signs_its_agreements_to_come_back
);
