//! Course team roles on the Membership tab: who may change them, what a grant does, and the Admin
//! invariants — including two Admins removing each other at the same moment.

use crate::common::{Engine, Reply, TestApp};

const CS101: &str = "course-v1:DemoX+CS101+2026_T1";

async fn add(app: &TestApp, cookie: &str, identifier: &str, role: &str) -> Reply {
    app.post_form(
        "/api/membership/team_add",
        &[("course", CS101), ("identifier", identifier), ("role", role)],
        Some(cookie),
    )
    .await
}

async fn remove(app: &TestApp, cookie: &str, username: &str, role: &str) -> Reply {
    app.post_form(
        "/api/membership/team_remove",
        &[("course", CS101), ("username", username), ("role", role)],
        Some(cookie),
    )
    .await
}

async fn team(app: &TestApp, cookie: &str) -> Vec<(String, String, Option<String>)> {
    let reply = app.post_form("/api/membership/team_list", &[("course", CS101)], Some(cookie)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["username"].as_str().unwrap().to_owned(),
                m["role"].as_str().unwrap().to_owned(),
                m["granted_by"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

async fn an_admin_grants_roles_which_enroll_and_are_audited(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let admin = app.sign_in("instructor", "registrar-instructor").await;
    let added = add(&app, &admin, "Learner10@Example.org", "staff").await;
    assert!(added.status.is_success(), "{}", added.body);
    assert!(team(&app, &admin).await.contains(&(
        "learner10".to_owned(),
        "staff".to_owned(),
        Some("instructor".to_owned())
    )));
    let enrolled: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM enrollments e JOIN users u ON u.id = e.user_id WHERE u.username = 'learner10' AND e.course_key = $1 AND e.is_active = TRUE",
    )
    .bind(CS101)
    .fetch_one(&app.db.db.pool)
    .await
    .unwrap();
    assert_eq!(enrolled, 1, "granting a role enrolls");
    let audited: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'role.grant' AND scope = $1")
            .bind(CS101)
            .fetch_one(&app.db.db.pool)
            .await
            .unwrap();
    assert_eq!(audited, 1);

    // Bad requests say what is wrong and change nothing.
    let before = team(&app, &admin).await;
    let dup = add(&app, &admin, "learner10", "staff").await;
    assert_eq!((dup.status.as_u16(), dup.error_code()), (409, "TEAM_ROLE_HELD".to_owned()));
    let unknown = add(&app, &admin, "nobody@example.org", "staff").await;
    assert_eq!((unknown.status.as_u16(), unknown.error_code()), (404, "USER_NOT_FOUND".to_owned()));
    let role = add(&app, &admin, "learner11", "support").await;
    assert_eq!((role.status.as_u16(), role.error_code()), (422, "ROLE_UNKNOWN".to_owned()));
    sqlx::query("UPDATE users SET is_active = $1 WHERE username = 'learner12'")
        .bind(false)
        .execute(&app.db.db.pool)
        .await
        .unwrap();
    let inactive = add(&app, &admin, "learner12", "staff").await;
    assert_eq!((inactive.status.as_u16(), inactive.error_code()), (422, "USER_INACTIVE".to_owned()));
    assert_eq!(team(&app, &admin).await, before);
    app.cleanup().await;
}

async fn admin_invariants_hold(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let admin = app.sign_in("instructor", "registrar-instructor").await;
    let own = remove(&app, &admin, "instructor", "instructor").await;
    assert_eq!((own.status.as_u16(), own.error_code()), (409, "TEAM_SELF_DEMOTION".to_owned()));
    let staff = app.sign_in("staff", "registrar-staff").await;
    let last = remove(&app, &staff, "instructor", "instructor").await;
    assert_eq!((last.status.as_u16(), last.error_code()), (409, "TEAM_LAST_ADMIN".to_owned()));
    assert!(add(&app, &admin, "learner13", "instructor").await.status.is_success());
    assert!(
        remove(&app, &staff, "instructor", "instructor").await.status.is_success(),
        "with two Admins one may go"
    );
    let gone = remove(&app, &staff, "ta", "instructor").await;
    assert_eq!(gone.error_code(), "TEAM_ROLE_NOT_HELD");
    // Anyone may leave a non-Admin role of their own.
    assert!(remove(&app, &staff, "ta", "staff").await.status.is_success());
    app.cleanup().await;
}

async fn two_admins_removing_each_other_at_once_leave_one(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let first = app.sign_in("instructor", "registrar-instructor").await;
    assert!(add(&app, &first, "learner14", "instructor").await.status.is_success());
    let second = app.sign_in("learner14", "registrar-learner").await;
    let (a, b) = tokio::join!(
        remove(&app, &first, "learner14", "instructor"),
        remove(&app, &second, "instructor", "instructor")
    );
    // One removal wins. The other is refused: as the last Admin if it ran alongside, or because its
    // sender is no longer an Admin if it ran just after.
    let outcomes = [a.status.as_u16(), b.status.as_u16()];
    assert_eq!(outcomes.iter().filter(|s| **s == 200).count(), 1, "{outcomes:?} {} {}", a.body, b.body);
    let loser = if a.status == 200 { &b } else { &a };
    assert!(["TEAM_LAST_ADMIN", "FORBIDDEN"].contains(&loser.error_code().as_str()), "{}", loser.body);
    let admins: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM role_assignments WHERE course_key = $1 AND role = 'instructor'",
    )
    .bind(CS101)
    .fetch_one(&app.db.db.pool)
    .await
    .unwrap();
    assert_eq!(admins, 1);
    app.cleanup().await;
}

crate::on_both_engines!(an_admin_grants_roles_which_enroll_and_are_audited, admin_invariants_hold);

// Two worker threads, so the server-side work of the two removals can overlap.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_two_admins_removing_each_other_at_once_leave_one() {
    two_admins_removing_each_other_at_once_leave_one(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_two_admins_removing_each_other_at_once_leave_one() {
    two_admins_removing_each_other_at_once_leave_one(Engine::Postgres).await;
}
