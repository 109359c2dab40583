//! Attacks through the course's mail: Registrar used to send mail to strangers in a course's name.

use super::CS101;
use crate::common::{Engine, TestApp};
use server::config::AuthPolicy;

async fn outbox_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM mail_outbox").fetch_one(&app.db.db.pool).await.unwrap()
}

async fn enroll(app: &TestApp, cookie: &str, identifiers: &str, notify: bool) -> crate::common::Reply {
    let mut form = vec![("course", CS101), ("identifiers", identifiers), ("action", "enroll")];
    if notify {
        form.push(("notify", "on"));
    }
    app.post_form("/api/membership/enroll_batch", &form, Some(cookie)).await
}

/// The attacker holds Limited Staff on CS101 (they may enroll learners). They paste a list of
/// addresses they want to spam and tick "Notify", so Registrar mails each one in the course's name.
/// Refused, naming the role and the box, and nothing is sent or changed. Course Staff may notify,
/// but not past the course's daily budget: a list that would pass it is refused as a whole, before
/// anything is enrolled or mailed.
async fn limited_staff_mails_a_list_of_strangers(engine: Engine) {
    let policy = AuthPolicy { notify_per_course_per_day: 3, ..AuthPolicy::default() };
    let app = TestApp::seeded_with_policy(engine, policy).await;
    let limited = app.sign_in("limited", "registrar-learner").await;
    let before = outbox_count(&app).await;
    let strangers = "victim1@example.net\nvictim2@example.net";
    let refused = enroll(&app, &limited, strangers, true).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(refused.error_message().contains("Limited Staff"), "{}", refused.body);
    assert_eq!(outbox_count(&app).await, before, "nothing was mailed");
    let silent = enroll(&app, &limited, strangers, false).await;
    assert_eq!(silent.status, 200, "Limited Staff still enroll, without mail: {}", silent.body);
    assert_eq!(outbox_count(&app).await, before);

    let ta = app.sign_in("ta", "registrar-learner").await;
    let two = enroll(&app, &ta, "friend1@example.net\nfriend2@example.net", true).await;
    assert_eq!(two.status, 200, "{}", two.body);
    let sent = outbox_count(&app).await;
    assert_eq!(sent, before + 2, "two notices");
    let over = enroll(&app, &ta, "friend3@example.net\nfriend4@example.net", true).await;
    assert_eq!(over.status, 429, "{}", over.body);
    assert!(over.error_message().contains("1 more"), "{}", over.body);
    assert_eq!(outbox_count(&app).await, sent, "nothing more was mailed");
    let invited: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM enrollment_invitations WHERE email_key = 'friend3@example.net'",
    )
    .fetch_one(&app.db.db.pool)
    .await
    .unwrap();
    assert_eq!(invited, 0, "and nobody was enrolled");
    app.cleanup().await;
}

crate::on_both_engines!(limited_staff_mails_a_list_of_strangers);
