//! Batch enrollment over HTTP: grouped per-row results, invitations that enroll on registration,
//! audit rows with distinct transitions, mail through the outbox, permissions and bad input.

use crate::common::{Engine, TestApp};
use serde_json::Value;

const CS101: &str = "course-v1:DemoX+CS101+2026_T1";

async fn batch(
    app: &TestApp,
    cookie: &str,
    course: &str,
    identifiers: &str,
    action: &str,
    extra: &[(&str, &str)],
) -> crate::common::Reply {
    let mut form = vec![("course", course), ("identifiers", identifiers), ("action", action)];
    form.extend_from_slice(extra);
    app.post_form("/api/membership/enroll_batch", &form, Some(cookie)).await
}

fn categories(report: &Value) -> Vec<(String, String)> {
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["identifier"].as_str().unwrap().to_owned(), r["category"].as_str().unwrap().to_owned()))
        .collect()
}

async fn count(app: &TestApp, sql: &str, bind: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .bind(bind.to_owned())
        .fetch_one(&app.db.db.pool)
        .await
        .unwrap()
}

async fn an_instructor_enrolls_a_mixed_list_and_sees_every_row(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let instructor = app.sign_in("instructor", "registrar-instructor").await;
    let list =
        "learner04, LEARNER06@example.org\nnew.person@example.org learner; nosuchuser bad@@x learner04";
    let reply = batch(
        &app,
        &instructor,
        CS101,
        list,
        "enroll",
        &[("auto_enroll", "on"), ("notify", "on"), ("reason", "spring cohort")],
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let report = reply.json();
    assert_eq!(
        categories(&report),
        [
            ("learner04".to_owned(), "Enrolled".to_owned()),
            ("LEARNER06@example.org".to_owned(), "Enrolled".to_owned()),
            ("new.person@example.org".to_owned(), "Invited".to_owned()),
            ("learner".to_owned(), "AlreadyEnrolled".to_owned()),
            ("nosuchuser".to_owned(), "Invalid".to_owned()),
            ("bad@@x".to_owned(), "Invalid".to_owned()),
        ],
        "duplicates are folded, every other row is reported in order"
    );
    // The report is kept: the page (and any client) can read it again by its id.
    let id = report["id"].as_str().unwrap().to_owned();
    assert!(reply
        .headers
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .ends_with(&format!("?tab=membership&batch={id}")));
    let again = app
        .post_form("/api/membership/batch_report", &[("course", CS101), ("id", &id)], Some(&instructor))
        .await;
    assert_eq!(again.json()["rows"], report["rows"]);
    let elsewhere = app
        .post_form(
            "/api/membership/batch_report",
            &[("course", "course-v1:DemoX+DS201+2026_T1"), ("id", &id)],
            Some(&instructor),
        )
        .await;
    assert_eq!(elsewhere.status, 404, "a report is only visible in its own course");
    let learner = app.sign_in("learner", "registrar-learner").await;
    let refused = app
        .post_form("/api/membership/batch_report", &[("course", CS101), ("id", &id)], Some(&learner))
        .await;
    assert_eq!(refused.status, 403);
    let first = &report["rows"][0];
    assert_eq!(
        first["before"],
        serde_json::json!({"user": true, "enrollment": false, "allowed": false, "auto_enroll": false})
    );
    assert_eq!(first["after"]["enrollment"], true);
    assert_eq!(report["rows"][4]["error"], "No account has this username.");

    let enrolled = count(&app, "SELECT COUNT(*) FROM enrollments e JOIN users u ON u.id = e.user_id WHERE e.course_key = $1 AND u.username IN ('learner04', 'learner06') AND e.is_active = TRUE", CS101).await;
    assert_eq!(enrolled, 2);
    let invited = count(&app, "SELECT COUNT(*) FROM enrollment_invitations WHERE course_key = $1 AND email_key = 'new.person@example.org' AND auto_enroll = TRUE", CS101).await;
    assert_eq!(invited, 1);
    let transitions: Vec<String> = sqlx::query_scalar("SELECT transition FROM enrollment_audit WHERE course_key = $1 AND reason = 'spring cohort' ORDER BY id")
        .bind(CS101)
        .fetch_all(&app.db.db.pool)
        .await
        .unwrap();
    assert_eq!(
        transitions,
        [
            "from unenrolled to enrolled",
            "from unenrolled to enrolled",
            "from unenrolled to allowed to enroll",
            "from enrolled to enrolled"
        ]
    );
    let mails: Vec<(String, String)> =
        sqlx::query_as("SELECT to_addr, subject FROM mail_outbox ORDER BY to_addr")
            .fetch_all(&app.db.db.pool)
            .await
            .unwrap();
    assert_eq!(
        mails,
        [
            (
                "learner04@example.org".to_owned(),
                "You have been enrolled in Introduction to Computer Science".to_owned()
            ),
            (
                "learner06@example.org".to_owned(),
                "You have been enrolled in Introduction to Computer Science".to_owned()
            ),
            (
                "new.person@example.org".to_owned(),
                "You have been invited to register for Introduction to Computer Science".to_owned()
            ),
        ],
        "mail for changes only, none for the learner already enrolled"
    );

    // Submitting the same list again changes nothing and mails nobody.
    let again = batch(&app, &instructor, CS101, list, "enroll", &[("auto_enroll", "on"), ("notify", "on")])
        .await
        .json();
    let cats: Vec<String> = categories(&again).into_iter().map(|(_, c)| c).collect();
    assert_eq!(
        cats,
        ["AlreadyEnrolled", "AlreadyEnrolled", "Invited", "AlreadyEnrolled", "Invalid", "Invalid"]
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM mail_outbox WHERE subject LIKE $1", "%").await, 3);

    // The invited person registers, follows the link mailed to the address, and is enrolled then,
    // with an audit row.
    let form = [
        ("username", "newperson"),
        ("email", "New.Person@example.org"),
        ("full_name", "New Person"),
        ("password", "a fine password"),
        ("password_confirm", "a fine password"),
    ];
    let cookie = app.register_and_sign(&form).await;
    let account = app.post_form("/api/account/get", &[], Some(&cookie)).await.json();
    assert_eq!(account["enrollments"].as_array().map(Vec::len), Some(0), "not before the address is proven");
    assert_eq!(account["email_confirmed"], false);
    app.confirm_address("New.Person@example.org").await;
    let account = app.post_form("/api/account/get", &[], Some(&cookie)).await.json();
    assert_eq!(account["enrollments"][0]["key"], CS101);
    assert_eq!(account["email_confirmed"], true);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM enrollment_audit WHERE actor_label = $1 AND transition = 'from allowed to enroll to enrolled'", "system:invitation").await, 1);
    app.cleanup().await;
}

async fn unenrolling_keeps_the_record_and_cancels_invitations(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let ta = app.sign_in("ta", "registrar-learner").await;
    batch(&app, &ta, CS101, "someone@example.org", "enroll", &[]).await;
    let reply =
        batch(&app, &ta, CS101, "learner, someone@example.org, learner09", "unenroll", &[("notify", "on")])
            .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let cats: Vec<String> = categories(&reply.json()).into_iter().map(|(_, c)| c).collect();
    assert_eq!(cats, ["Unenrolled", "InvitationCancelled", "NotAffiliated"]);
    let kept = count(&app, "SELECT COUNT(*) FROM enrollments e JOIN users u ON u.id = e.user_id WHERE e.course_key = $1 AND u.username = 'learner' AND e.is_active = FALSE", CS101).await;
    assert_eq!(kept, 1, "the enrollment is deactivated, not deleted");
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM enrollment_invitations WHERE course_key = $1 AND email_key = 'someone@example.org'", CS101).await,
        0
    );
    let transitions: Vec<String> =
        sqlx::query_scalar("SELECT transition FROM enrollment_audit WHERE course_key = $1 ORDER BY id")
            .bind(CS101)
            .fetch_all(&app.db.db.pool)
            .await
            .unwrap();
    assert_eq!(
        &transitions[1..],
        [
            "from enrolled to unenrolled",
            "from allowed to enroll to unenrolled",
            "from unenrolled to unenrolled"
        ],
        "each transition under its own name"
    );
    app.cleanup().await;
}

async fn one_person_named_twice_is_processed_once(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let staff = app.sign_in("staff", "registrar-staff").await;
    let reply = batch(
        &app,
        &staff,
        CS101,
        "learner04 learner04@example.org x@example.org X@EXAMPLE.org",
        "enroll",
        &[("notify", "on")],
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let report = reply.json();
    let cats: Vec<String> = categories(&report).into_iter().map(|(_, c)| c).collect();
    assert_eq!(
        cats,
        ["Enrolled", "Invalid", "Invited"],
        "the case-folded duplicate is dropped by parsing, the alias reported"
    );
    assert_eq!(report["rows"][1]["error"], "Names the same person as an earlier entry; processed once.");
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM mail_outbox WHERE to_addr = $1", "learner04@example.org").await,
        1
    );
    app.cleanup().await;
}

async fn inactive_accounts_are_invited_not_enrolled(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    sqlx::query("UPDATE users SET is_active = $1 WHERE username = 'learner12'")
        .bind(false)
        .execute(&app.db.db.pool)
        .await
        .unwrap();
    let staff = app.sign_in("staff", "registrar-staff").await;
    let reply = batch(&app, &staff, CS101, "learner12", "enroll", &[]).await.json();
    assert_eq!(categories(&reply)[0].1, "Invited");
    assert_eq!(reply["rows"][0]["after"]["enrollment"], false);
    let enrolled = count(&app, "SELECT COUNT(*) FROM enrollments e JOIN users u ON u.id = e.user_id WHERE e.course_key = $1 AND u.username = 'learner12' AND e.is_active = TRUE", CS101).await;
    assert_eq!(enrolled, 0);
    app.cleanup().await;
}

async fn admins_add_and_remove_beta_testers_row_by_row(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    sqlx::query("UPDATE users SET is_active = $1 WHERE username = 'learner12'")
        .bind(false)
        .execute(&app.db.db.pool)
        .await
        .unwrap();
    let admin = app.sign_in("instructor", "registrar-instructor").await;
    let beta = |ids: &'static str, action: &'static str, extra: &'static [(&'static str, &'static str)]| {
        let mut form = vec![("course", CS101), ("identifiers", ids), ("action", action)];
        form.extend_from_slice(extra);
        let app = &app;
        let admin = admin.clone();
        async move { app.post_form("/api/membership/beta_batch", &form, Some(&admin)).await }
    };
    let added = beta(
        "learner04, nosuch@example.org, learner12, learner01",
        "add",
        &[("auto_enroll", "on"), ("notify", "on")],
    )
    .await;
    assert_eq!(added.status, 200, "{}", added.body);
    let report = added.json();
    let cats: Vec<String> = categories(&report).into_iter().map(|(_, c)| c).collect();
    assert_eq!(
        cats,
        ["BetaAdded", "Invalid", "Invalid", "AlreadyBeta"],
        "unknown and inactive are reported, not skipped"
    );
    assert!(report["rows"][2]["error"].as_str().unwrap().contains("not active"));
    let enrolled = count(&app, "SELECT COUNT(*) FROM enrollments e JOIN users u ON u.id = e.user_id WHERE e.course_key = $1 AND u.username = 'learner04' AND e.is_active = TRUE", CS101).await;
    assert_eq!(enrolled, 1, "auto-enroll enrolls those added");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM mail_outbox WHERE subject = $1",
            "You are a beta tester of Introduction to Computer Science"
        )
        .await,
        1
    );

    let removed = beta("learner04 learner05", "remove", &[("auto_enroll", "on")]).await.json();
    let cats: Vec<String> = categories(&removed).into_iter().map(|(_, c)| c).collect();
    assert_eq!(cats, ["BetaRemoved", "NotBeta"]);
    let still = count(&app, "SELECT COUNT(*) FROM enrollments e JOIN users u ON u.id = e.user_id WHERE e.course_key = $1 AND u.username = 'learner04' AND e.is_active = TRUE", CS101).await;
    assert_eq!(still, 1, "removal neither unenrolls nor auto-enrolls");
    let roles = count(&app, "SELECT COUNT(*) FROM role_assignments r JOIN users u ON u.id = r.user_id WHERE r.course_key = $1 AND r.role = 'beta_testers' AND u.username = 'learner04'", CS101).await;
    assert_eq!(roles, 0);
    let audited = count(
        &app,
        "SELECT COUNT(*) FROM audit_log WHERE scope = $1 AND action IN ('role.grant', 'role.revoke')",
        CS101,
    )
    .await;
    assert_eq!(audited, 2);

    let ta = app.sign_in("ta", "registrar-learner").await;
    let refused = app
        .post_form(
            "/api/membership/beta_batch",
            &[("course", CS101), ("identifiers", "learner06"), ("action", "add")],
            Some(&ta),
        )
        .await;
    assert_eq!(refused.status, 403, "beta testers are managed by Admins");
    app.cleanup().await;
}

async fn who_may_enroll(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let ds201 = "course-v1:DemoX+DS201+2026_T1";
    // (who, password, course, expected status)
    let cases = [
        ("learner", "registrar-learner", CS101, 403),
        ("learner01", "registrar-learner", CS101, 403),
        ("learner03", "registrar-learner", ds201, 403),
        ("learner02", "registrar-learner", ds201, 200),
        ("ta", "registrar-learner", CS101, 200),
        ("instructor", "registrar-instructor", "course-v1:MathX+ALG200+2026_Spring", 403),
        ("orgadmin", "registrar-learner", "course-v1:OpenX+BIO150+2026", 200),
        ("staff", "registrar-staff", "course-v1:MathX+ALG200+2026_Spring", 200),
    ];
    for (who, password, course, expected) in cases {
        let cookie = app.sign_in(who, password).await;
        let reply = batch(&app, &cookie, course, "learner20", "enroll", &[]).await;
        assert_eq!(reply.status, expected, "{who} on {course}: {}", reply.body);
    }
    app.cleanup().await;
}

async fn bad_batches_are_refused_whole_with_a_specific_message(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let staff = app.sign_in("staff", "registrar-staff").await;
    let before = count(&app, "SELECT COUNT(*) FROM enrollments WHERE course_key = $1", CS101).await;
    let invited_before =
        count(&app, "SELECT COUNT(*) FROM enrollment_invitations WHERE course_key = $1", CS101).await;

    let empty = batch(&app, &staff, CS101, " ,\n ", "enroll", &[]).await;
    assert_eq!((empty.status.as_u16(), empty.error_code()), (422, "INPUT_INVALID".to_owned()));
    assert_eq!(empty.json()["Domain"]["field"], "identifiers");

    let bad_action = batch(&app, &staff, CS101, "learner20", "promote", &[]).await;
    assert_eq!(bad_action.status, 422);
    assert!(bad_action.body.contains("enroll or unenroll"));

    let unknown = batch(&app, &staff, "course-v1:NoX+Nothing+2020", "learner20", "enroll", &[]).await;
    assert_eq!(unknown.status, 404);

    assert_eq!(count(&app, "SELECT COUNT(*) FROM enrollments WHERE course_key = $1", CS101).await, before);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM enrollment_invitations WHERE course_key = $1", CS101).await,
        invited_before
    );
    app.cleanup().await;
}

crate::on_both_engines!(
    an_instructor_enrolls_a_mixed_list_and_sees_every_row,
    unenrolling_keeps_the_record_and_cancels_invitations,
    inactive_accounts_are_invited_not_enrolled,
    one_person_named_twice_is_processed_once,
    admins_add_and_remove_beta_testers_row_by_row,
    who_may_enroll,
    bad_batches_are_refused_whole_with_a_specific_message,
);
