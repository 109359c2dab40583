//! Discussion roles on the Membership tab: who manages which role, the role→permission table, and the
//! rule that a course Admin keeps Discussion Admin.

use crate::common::{Engine, Reply, TestApp};

const CS101: &str = "course-v1:DemoX+CS101+2026_T1";

async fn change(app: &TestApp, cookie: &str, path: &str, who: (&str, &str), role: &str) -> Reply {
    app.post_form(path, &[("course", CS101), who, ("role", role)], Some(cookie)).await
}

async fn grant(app: &TestApp, cookie: &str, identifier: &str, role: &str) -> Reply {
    change(app, cookie, "/api/membership/team_add", ("identifier", identifier), role).await
}

async fn revoke(app: &TestApp, cookie: &str, username: &str, role: &str) -> Reply {
    change(app, cookie, "/api/membership/team_remove", ("username", username), role).await
}

/// (username, stored role) pairs of the course's discussion team.
async fn discussion_team(app: &TestApp, cookie: &str) -> Vec<(String, String)> {
    let reply = app.post_form("/api/membership/discussion_list", &[("course", CS101)], Some(cookie)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["username"].as_str().unwrap().to_owned(), m["role"].as_str().unwrap().to_owned()))
        .collect()
}

async fn admins_and_discussion_admins_manage_moderators(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let admin = app.sign_in("instructor", "registrar-instructor").await;
    let forum_admin = app.sign_in("forumadmin", "registrar-learner").await;

    // A course Admin gives a Moderator role by email; the learner is enrolled and it is audited.
    let added = grant(&app, &admin, "learner07@example.org", "Moderator").await;
    assert!(added.status.is_success(), "{}", added.body);
    assert!(discussion_team(&app, &admin).await.contains(&("learner07".into(), "Moderator".into())));
    let team: Vec<String> = app
        .post_form("/api/membership/team_list", &[("course", CS101)], Some(&admin))
        .await
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["username"].as_str().unwrap().to_owned())
        .collect();
    assert!(!team.contains(&"learner07".to_owned()), "discussion roles are not listed as team roles");
    let enrolled: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM enrollments e JOIN users u ON u.id = e.user_id \
         WHERE u.username = 'learner07' AND e.course_key = $1 AND e.is_active = $2",
    )
    .bind(CS101)
    .bind(true)
    .fetch_one(&app.db.db.pool)
    .await
    .unwrap();
    assert_eq!(enrolled, 1, "a discussion role enrolls");

    // A Discussion Admin manages the other discussion roles, by label or by the anchor's name...
    let ta = grant(&app, &forum_admin, "learner08", "Community TA").await;
    assert!(ta.status.is_success(), "{}", ta.body);
    assert!(revoke(&app, &forum_admin, "learner07", "Discussion Moderator").await.status.is_success());
    // ...but not Discussion Admins, and not the course team.
    let before = discussion_team(&app, &admin).await;
    let refused = grant(&app, &forum_admin, "learner09", "Administrator").await;
    assert_eq!((refused.status.as_u16(), refused.error_code()), (403, "FORBIDDEN".to_owned()));
    assert!(refused.error_message().contains("Only a course Admin"));
    let staff = grant(&app, &forum_admin, "learner09", "staff").await;
    assert_eq!(staff.status, 403);
    let list = app.post_form("/api/membership/team_list", &[("course", CS101)], Some(&forum_admin)).await;
    assert_eq!(list.status, 403);
    assert_eq!(discussion_team(&app, &admin).await, before, "refusals change nothing");

    // Course Staff cannot see or change discussion roles.
    let course_staff = app.sign_in("ta", "registrar-learner").await;
    let seen =
        app.post_form("/api/membership/discussion_list", &[("course", CS101)], Some(&course_staff)).await;
    assert_eq!(seen.status, 403);
    assert_eq!(grant(&app, &course_staff, "learner09", "Moderator").await.status, 403);
    app.cleanup().await;
}

async fn a_course_admin_keeps_discussion_admin(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let global = app.sign_in("staff", "registrar-staff").await;
    let kept = revoke(&app, &global, "instructor", "Administrator").await;
    assert_eq!((kept.status.as_u16(), kept.error_code()), (409, "DISCUSSION_ADMIN_OF_ADMIN".to_owned()));
    assert!(kept.error_message().contains("instructor"));
    assert!(discussion_team(&app, &global).await.contains(&("instructor".into(), "Administrator".into())));
    // Someone who is not a course Admin loses it normally.
    assert!(revoke(&app, &global, "forumadmin", "Administrator").await.status.is_success());
    let forum_admin = app.sign_in("forumadmin", "registrar-learner").await;
    let gone =
        app.post_form("/api/membership/discussion_list", &[("course", CS101)], Some(&forum_admin)).await;
    assert_eq!(gone.status, 403, "the role took effect at once");

    // Bad input: an unknown role, an inactive account, a role not held.
    let unknown = grant(&app, &global, "learner10", "Wizard").await;
    assert_eq!((unknown.status.as_u16(), unknown.error_code()), (422, "ROLE_UNKNOWN".to_owned()));
    assert!(unknown.error_message().contains("Community TA"));
    sqlx::query("UPDATE users SET is_active = $1 WHERE username = 'learner11'")
        .bind(false)
        .execute(&app.db.db.pool)
        .await
        .unwrap();
    let inactive = grant(&app, &global, "learner11", "Community TA").await;
    assert_eq!(inactive.error_code(), "USER_INACTIVE");
    let not_held = revoke(&app, &global, "learner12", "Moderator").await;
    assert_eq!(not_held.error_code(), "TEAM_ROLE_NOT_HELD");
    app.cleanup().await;
}

crate::on_both_engines!(
    admins_and_discussion_admins_manage_moderators,
    a_course_admin_keeps_discussion_admin
);
