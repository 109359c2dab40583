//! The Studio course team page: Admins add by email or username (or invite), switch Staff ↔ Admin and
//! remove; Staff see the list and leave; the last permanent Admin stays, also under two Admins acting
//! at once; expiring grants stop at their end and are recorded; explain access and history.

use crate::common::{Engine, Reply, TestApp};
use serde_json::Value;

/// A form's fields.
type Form<'a> = &'a [(&'a str, &'a str)];

const CS101: &str = "course-v1:DemoX+CS101+2026_T1";

async fn call(app: &TestApp, cookie: &str, path: &str, form: &[(&str, &str)]) -> Reply {
    let mut fields = vec![("course", CS101)];
    fields.extend_from_slice(form);
    app.post_form(&format!("/api/course_team/{path}"), &fields, Some(cookie)).await
}

async fn page(app: &TestApp, cookie: &str) -> Value {
    let reply = call(app, cookie, "get", &[]).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()
}

/// (username, role, expires?) of the listed members.
fn members(page: &Value) -> Vec<(String, String, bool)> {
    page["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["username"].as_str().unwrap().to_owned(),
                m["role"].as_str().unwrap().to_owned(),
                !m["expires_at"].is_null(),
            )
        })
        .collect()
}

fn has(page: &Value, username: &str, role: &str) -> bool {
    members(page).iter().any(|(u, r, _)| u == username && r == role)
}

async fn an_admin_adds_promotes_and_removes_and_both_pages_agree(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let admin = app.sign_in("instructor", "registrar-instructor").await;
    let added =
        call(&app, &admin, "add", &[("identifier", "Learner10@Example.org"), ("role", "staff")]).await;
    assert_eq!(added.status, 200, "{}", added.body);
    assert!(added.json()["message"].as_str().unwrap().contains("learner10 is now Staff"));
    let team = page(&app, &admin).await;
    assert!(has(&team, "learner10", "staff"));
    assert_eq!(team["can_manage"], true);
    // The Membership tab reads the same rows.
    let tab = app.post_form("/api/membership/team_list", &[("course", CS101)], Some(&admin)).await;
    assert!(tab.body.contains("\"learner10\""), "{}", tab.body);
    // Promote: one role per person afterwards.
    let promoted = call(&app, &admin, "set_role", &[("username", "learner10"), ("role", "admin")]).await;
    assert_eq!(promoted.status, 200, "{}", promoted.body);
    let team = page(&app, &admin).await;
    assert!(has(&team, "learner10", "instructor") && !has(&team, "learner10", "staff"));
    // A change on the Membership tab shows here too.
    let tab_add = app
        .post_form(
            "/api/membership/team_add",
            &[("course", CS101), ("identifier", "learner11"), ("role", "staff")],
            Some(&admin),
        )
        .await;
    assert_eq!(tab_add.status, 200, "{}", tab_add.body);
    assert!(has(&page(&app, &admin).await, "learner11", "staff"));
    // Removing takes the role away but keeps the enrollment.
    let removed = call(&app, &admin, "remove", &[("username", "learner11")]).await;
    assert_eq!(removed.status, 200, "{}", removed.body);
    assert!(!has(&page(&app, &admin).await, "learner11", "staff"));
    let enrolled: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM enrollments e JOIN users u ON u.id = e.user_id WHERE u.username = 'learner11' AND e.course_key = $1 AND e.is_active = $2",
    )
    .bind(CS101)
    .bind(true)
    .fetch_one(&app.db.db.pool)
    .await
    .unwrap();
    assert_eq!(enrolled, 1);
    // The history tells who did what to whom.
    let history: Vec<String> = page(&app, &admin).await["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| format!("{} {}", h["actor"].as_str().unwrap(), h["summary"].as_str().unwrap()))
        .collect();
    assert!(history.contains(&"instructor gave Staff to learner10".to_owned()), "{history:?}");
    assert!(history.contains(&"instructor changed learner10 from Staff to Admin".to_owned()), "{history:?}");
    assert!(history.contains(&"instructor took Staff away from learner11".to_owned()), "{history:?}");
    app.cleanup().await;
}

async fn bad_requests_say_what_is_wrong_and_change_nothing(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let admin = app.sign_in("instructor", "registrar-instructor").await;
    let before = members(&page(&app, &admin).await);
    let cases: [(&str, Form, u16, &str); 6] = [
        ("add", &[("identifier", "ta"), ("role", "staff")], 409, "TEAM_ROLE_HELD"),
        ("add", &[("identifier", "ta"), ("role", "instructor")], 409, "TEAM_ROLE_HELD"),
        ("add", &[("identifier", "nosuchuser"), ("role", "staff")], 404, "USER_NOT_FOUND"),
        ("add", &[("identifier", "learner05"), ("role", "limited_staff")], 422, "ROLE_UNKNOWN"),
        (
            "add",
            &[("identifier", "learner05"), ("role", "staff"), ("expires", "2001-01-01")],
            422,
            "EXPIRY_INVALID",
        ),
        ("set_role", &[("username", "learner05"), ("role", "staff")], 409, "TEAM_ROLE_NOT_HELD"),
    ];
    for (path, form, status, code) in cases {
        let reply = call(&app, &admin, path, form).await;
        assert_eq!(
            (reply.status.as_u16(), reply.error_code()),
            (status, code.to_owned()),
            "{path} {form:?}: {}",
            reply.body
        );
        assert!(!reply.error_message().is_empty());
    }
    let unknown = call(&app, &admin, "add", &[("identifier", "nosuchuser"), ("role", "staff")]).await;
    assert!(unknown.error_message().contains("enter their email"), "{}", unknown.body);
    sqlx::query("UPDATE users SET is_active = $1 WHERE username = 'learner12'")
        .bind(false)
        .execute(&app.db.db.pool)
        .await
        .unwrap();
    let inactive = call(&app, &admin, "add", &[("identifier", "learner12"), ("role", "staff")]).await;
    assert_eq!((inactive.status.as_u16(), inactive.error_code()), (422, "USER_INACTIVE".to_owned()));
    assert_eq!(members(&page(&app, &admin).await), before);
    app.cleanup().await;
}

async fn staff_see_the_team_and_leave_but_change_nothing_else(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let ta = app.sign_in("ta", "registrar-learner").await;
    let team = page(&app, &ta).await;
    assert_eq!(team["can_manage"], false);
    assert!(has(&team, "instructor", "instructor"));
    for (path, form) in [
        ("add", &[("identifier", "learner05"), ("role", "staff")][..]),
        ("set_role", &[("username", "instructor"), ("role", "staff")][..]),
        ("remove", &[("username", "instructor")][..]),
        ("explain", &[("identifier", "learner05")][..]),
    ] {
        let reply = call(&app, &ta, path, form).await;
        assert_eq!(reply.status, 403, "{path}: {}", reply.body);
    }
    let left = call(&app, &ta, "remove", &[("username", "ta")]).await;
    assert_eq!(left.status, 200, "{}", left.body);
    assert_eq!(call(&app, &ta, "get", &[]).await.status, 403, "gone from the team, gone from its page");
    // Limited staff and learners never see it.
    for (user, password) in [("limited", "registrar-learner"), ("learner", "registrar-learner")] {
        let cookie = app.sign_in(user, password).await;
        assert_eq!(call(&app, &cookie, "get", &[]).await.status, 403, "{user}");
    }
    app.cleanup().await;
}

async fn the_last_permanent_admin_stays(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let staff = app.sign_in("staff", "registrar-staff").await;
    let admin = app.sign_in("instructor", "registrar-instructor").await;
    for (path, form) in [
        ("set_role", &[("username", "instructor"), ("role", "staff")][..]),
        ("remove", &[("username", "instructor")][..]),
    ] {
        let reply = call(&app, &staff, path, form).await;
        assert_eq!(
            (reply.status.as_u16(), reply.error_code()),
            (409, "TEAM_LAST_ADMIN".to_owned()),
            "{path}: {}",
            reply.body
        );
    }
    let own = call(&app, &admin, "set_role", &[("username", "instructor"), ("role", "staff")]).await;
    assert_eq!(own.error_code(), "TEAM_SELF_DEMOTION");
    // An Admin whose role ends does not count: the permanent one still may not go.
    let future = registrar_date(40);
    let temp = call(
        &app,
        &admin,
        "add",
        &[("identifier", "learner13"), ("role", "instructor"), ("expires", &future)],
    )
    .await;
    assert_eq!(temp.status, 200, "{}", temp.body);
    assert!(temp.json()["message"].as_str().unwrap().contains("until"));
    let still = call(&app, &staff, "remove", &[("username", "instructor")]).await;
    assert_eq!(still.error_code(), "TEAM_LAST_ADMIN");
    // Made permanent, the second Admin lets the first go.
    assert_eq!(
        call(&app, &admin, "set_role", &[("username", "learner13"), ("role", "instructor")]).await.status,
        200
    );
    assert_eq!(call(&app, &staff, "remove", &[("username", "instructor")]).await.status, 200);
    // A no-op change is not an error.
    let same = call(&app, &staff, "set_role", &[("username", "learner13"), ("role", "instructor")]).await;
    assert_eq!(same.status, 200);
    assert!(same.json()["message"].as_str().unwrap().starts_with("Nothing changed"));
    // The only permanent Admin cannot be given an end date either.
    let ending = call(
        &app,
        &staff,
        "set_role",
        &[("username", "learner13"), ("role", "instructor"), ("expires", &future)],
    )
    .await;
    assert_eq!(ending.error_code(), "TEAM_LAST_ADMIN");
    // Anyone else's end date can be set and cleared, and the history says so.
    assert_eq!(
        call(&app, &staff, "add", &[("identifier", "learner16"), ("role", "staff")]).await.status,
        200
    );
    let set =
        call(&app, &staff, "set_role", &[("username", "learner16"), ("role", "staff"), ("expires", &future)])
            .await;
    assert_eq!(set.status, 200, "{}", set.body);
    let team = page(&app, &staff).await;
    assert!(members(&team).contains(&("learner16".to_owned(), "staff".to_owned(), true)));
    let cleared =
        call(&app, &staff, "set_role", &[("username", "learner16"), ("role", "staff"), ("expires", "")])
            .await;
    assert_eq!(cleared.status, 200, "{}", cleared.body);
    let history = page(&app, &staff).await["history"].to_string();
    assert!(history.contains(&format!("set the end of learner16's Staff to {future}")), "{history}");
    assert!(history.contains("made learner16's Staff permanent"), "{history}");
    app.cleanup().await;
}

/// `YYYY-MM-DD`, `days` from now.
fn registrar_date(days: i64) -> String {
    app::model::format_date(server::store::now_ms() + days * 86_400_000)
}

async fn an_unknown_email_is_invited_and_becomes_the_role_on_registration(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let admin = app.sign_in("instructor", "registrar-instructor").await;
    let invited =
        call(&app, &admin, "add", &[("identifier", "New.Colleague@example.org"), ("role", "staff")]).await;
    assert_eq!(invited.status, 200, "{}", invited.body);
    assert!(invited.json()["message"].as_str().unwrap().contains("invited as Staff"));
    let again =
        call(&app, &admin, "add", &[("identifier", "new.colleague@example.org"), ("role", "instructor")])
            .await;
    assert_eq!((again.status.as_u16(), again.error_code()), (409, "INVITATION_EXISTS".to_owned()));
    let team = page(&app, &admin).await;
    let invitations = team["invitations"].as_array().unwrap();
    assert!(invitations.iter().any(|i| i["email"] == "New.Colleague@example.org" && i["expired"] == false));
    // A second invitation, withdrawn: it does nothing at registration.
    assert_eq!(
        call(&app, &admin, "add", &[("identifier", "withdrawn@example.org"), ("role", "staff")]).await.status,
        200
    );
    let id = page(&app, &admin).await["invitations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["email"] == "withdrawn@example.org")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(call(&app, &admin, "revoke_invitation", &[("id", &id)]).await.status, 200);
    assert_eq!(call(&app, &admin, "revoke_invitation", &[("id", &id)]).await.status, 404);

    for (username, email) in
        [("colleague", "new.colleague@example.org"), ("withdrawn", "withdrawn@example.org")]
    {
        let reply = app
            .post_form(
                "/api/session/register",
                &[
                    ("username", username),
                    ("email", email),
                    ("full_name", "Col League"),
                    ("password", "a long enough passphrase"),
                    ("password_confirm", "a long enough passphrase"),
                ],
                None,
            )
            .await;
        assert!(reply.status.is_success(), "{}", reply.body);
        app.sign_agreements(&reply.session_cookie().unwrap()).await;
        app.confirm_address(email).await;
    }
    let team = page(&app, &admin).await;
    assert!(has(&team, "colleague", "staff"), "the invitation became the role");
    assert!(!members(&team).iter().any(|(u, _, _)| u == "withdrawn"));
    assert!(team["invitations"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["email"] != "New.Colleague@example.org"));
    let colleague = app.sign_in("colleague", "a long enough passphrase").await;
    assert_eq!(call(&app, &colleague, "get", &[]).await.status, 200, "the new Staff member sees the team");
    app.cleanup().await;
}

async fn an_ended_grant_stops_at_once_and_the_sweep_records_it(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let admin = app.sign_in("instructor", "registrar-instructor").await;
    let until = registrar_date(3);
    assert_eq!(
        call(&app, &admin, "add", &[("identifier", "learner15"), ("role", "staff"), ("expires", &until)])
            .await
            .status,
        200
    );
    let temp = app.sign_in("learner15", "registrar-learner").await;
    assert_eq!(call(&app, &temp, "get", &[]).await.status, 200);
    // The end date passes (moved into the past rather than waiting).
    sqlx::query(
        "UPDATE role_assignments SET expires_at = $1 WHERE course_key = $2 AND expires_at IS NOT NULL",
    )
    .bind(server::store::now_ms() - 1)
    .bind(CS101)
    .execute(&app.db.db.pool)
    .await
    .unwrap();
    assert_eq!(call(&app, &temp, "get", &[]).await.status, 403, "access stops the moment the grant ends");
    assert_eq!(app.worker().sweep_expired().await.unwrap(), 1);
    let history = page(&app, &admin).await["history"].to_string();
    assert!(history.contains("Staff of learner15 ended"), "{history}");
    assert!(!has(&page(&app, &admin).await, "learner15", "staff"));
    assert_eq!(app.worker().sweep_expired().await.unwrap(), 0, "recorded once");
    app.cleanup().await;
}

async fn inherited_access_and_explanations_name_their_source(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let orgadmin = app.sign_in("orgadmin", "registrar-learner").await;
    let history = "course-v1:OpenX+HIST110+2026";
    let reply = app.post_form("/api/course_team/get", &[("course", history)], Some(&orgadmin)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let inherited = reply.json()["inherited"].to_string();
    assert!(inherited.contains("orgadmin") && inherited.contains("Org Admin of OpenX"), "{inherited}");
    assert!(inherited.contains("Global staff") || inherited.contains("Superuser"), "{inherited}");
    let explained = app
        .post_form(
            "/api/course_team/explain",
            &[("course", history), ("identifier", "orgadmin")],
            Some(&orgadmin),
        )
        .await;
    assert_eq!(explained.status, 200, "{}", explained.body);
    let e = explained.json();
    assert_eq!(e["sources"][0]["grant"], "Admin (implies Staff)");
    assert!(e["sources"][0]["scope"].as_str().unwrap().contains("every course of OpenX"));
    assert!(e["allowed"].as_array().unwrap().iter().any(|a| a == "manage the course team"));
    // Someone without access here, and a name that matches nobody, get the same answer: a course Admin
    // cannot look up arbitrary accounts (global staff can, in the console).
    for who in ["learner", "nobody-at-all"] {
        let reply = app
            .post_form(
                "/api/course_team/explain",
                &[("course", history), ("identifier", who)],
                Some(&orgadmin),
            )
            .await;
        assert_eq!(
            (reply.status.as_u16(), reply.error_code()),
            (404, "USER_NOT_FOUND".to_owned()),
            "{}",
            reply.body
        );
        assert_eq!(reply.error_message(), format!("Nobody named '{who}' has access to this course."));
    }
    app.cleanup().await;
}

async fn two_admins_demoting_each_other_at_once_leave_one(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let first = app.sign_in("instructor", "registrar-instructor").await;
    assert_eq!(
        call(&app, &first, "add", &[("identifier", "learner14"), ("role", "instructor")]).await.status,
        200
    );
    let second = app.sign_in("learner14", "registrar-learner").await;
    let (a, b) = tokio::join!(
        call(&app, &first, "set_role", &[("username", "learner14"), ("role", "staff")]),
        call(&app, &second, "set_role", &[("username", "instructor"), ("role", "staff")])
    );
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

crate::on_both_engines!(
    an_admin_adds_promotes_and_removes_and_both_pages_agree,
    bad_requests_say_what_is_wrong_and_change_nothing,
    staff_see_the_team_and_leave_but_change_nothing_else,
    the_last_permanent_admin_stays,
    an_unknown_email_is_invited_and_becomes_the_role_on_registration,
    an_ended_grant_stops_at_once_and_the_sweep_records_it,
    inherited_access_and_explanations_name_their_source
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_two_admins_demoting_each_other_at_once_leave_one() {
    two_admins_demoting_each_other_at_once_leave_one(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_two_admins_demoting_each_other_at_once_leave_one() {
    two_admins_demoting_each_other_at_once_leave_one(Engine::Postgres).await;
}
