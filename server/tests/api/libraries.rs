//! Library sharing: creation, the team of users and groups at admin / author / read, org-wide grants,
//! the public switches (Admins only), 404 for strangers, the last-admin rule, expiry, groups in the
//! console and explain access.

use crate::common::{Engine, Reply, TestApp};
use serde_json::Value;

/// A form's fields.
type Form<'a> = &'a [(&'a str, &'a str)];

const PROBLEMS: &str = "lib:DemoX:cs101-problems";
const SOURCES: &str = "lib:OpenX:history-sources";

async fn lib(app: &TestApp, cookie: &str, path: &str, key: &str, form: &[(&str, &str)]) -> Reply {
    let mut fields = vec![("key", key)];
    fields.extend_from_slice(form);
    app.post_form(&format!("/api/libraries/{path}"), &fields, Some(cookie)).await
}

async fn console(app: &TestApp, cookie: &str, path: &str, form: &[(&str, &str)]) -> Reply {
    app.post_form(&format!("/api/console/{path}"), form, Some(cookie)).await
}

fn team(page: &Value) -> Vec<(String, String, String)> {
    page["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["kind"].as_str().unwrap().to_owned(),
                m["name"].as_str().unwrap().to_owned(),
                m["level"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn status(app: &TestApp, cookie: &str, path: &str, key: &str, form: &[(&str, &str)]) -> u16 {
    lib(app, cookie, path, key, form).await.status.as_u16()
}

async fn creators_create_libraries_and_become_their_admin(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let instructor = app.sign_in("instructor", "registrar-instructor").await;
    let form = [("org", "DemoX"), ("slug", "week-1"), ("title", "Week 1 quizzes"), ("description", "")];
    let created = app.post_form("/api/libraries/create", &form, Some(&instructor)).await;
    assert_eq!(created.status, 200, "{}", created.body);
    assert_eq!(created.json(), "lib:DemoX:week-1");
    let page = lib(&app, &instructor, "get", "lib:DemoX:week-1", &[]).await.json();
    assert_eq!(team(&page), [("user".to_owned(), "instructor".to_owned(), "admin".to_owned())]);
    assert_eq!(page["can_manage"], true);
    // Bad input: specific errors, nothing created.
    let dup = app.post_form("/api/libraries/create", &form, Some(&instructor)).await;
    assert_eq!((dup.status.as_u16(), dup.error_code()), (409, "LIBRARY_EXISTS".to_owned()));
    let slug = app
        .post_form(
            "/api/libraries/create",
            &[("org", "DemoX"), ("slug", "week 1"), ("title", "x")],
            Some(&instructor),
        )
        .await;
    assert_eq!((slug.status.as_u16(), slug.error_code()), (422, "LIBRARY_KEY_INVALID".to_owned()));
    let other_org = app
        .post_form(
            "/api/libraries/create",
            &[("org", "MathX"), ("slug", "x"), ("title", "x")],
            Some(&instructor),
        )
        .await;
    assert_eq!(other_org.status, 403, "an org content creator creates only in their org");
    let learner = app.sign_in("learner", "registrar-learner").await;
    let refused = app
        .post_form(
            "/api/libraries/create",
            &[("org", "DemoX"), ("slug", "mine"), ("title", "x")],
            Some(&learner),
        )
        .await;
    assert_eq!(refused.status, 403);
    let count: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM libraries").fetch_one(&app.db.db.pool).await.unwrap();
    assert_eq!(count, 4, "three demo libraries and week-1");
    // The list shows what each user may see, with their level.
    let list = app.post_form("/api/libraries/list", &[], Some(&learner)).await.json();
    let keys: Vec<&str> =
        list["libraries"].as_array().unwrap().iter().map(|l| l["key"].as_str().unwrap()).collect();
    assert_eq!(keys, [PROBLEMS]);
    assert_eq!(list["libraries"][0]["my_level"], "Read only");
    assert!(list["can_create_in"].as_array().unwrap().is_empty());
    app.cleanup().await;
}

async fn each_level_allows_what_it_should_and_strangers_learn_nothing(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let admin = app.sign_in("instructor", "registrar-instructor").await;
    let author = app.sign_in("ta", "registrar-learner").await; // through group DemoX authors
    let reader = app.sign_in("learner", "registrar-learner").await;
    let stranger = app.sign_in("learner05", "registrar-learner").await;
    let staff = app.sign_in("staff", "registrar-staff").await;
    let update = [("title", "CS101 problem bank"), ("description", "edited")];
    let switch_on = [("allow_public_read", "on")];
    let grant = [("kind", "user"), ("name", "learner06"), ("level", "read")];
    // (who, get, update, switches, grant)
    let expected = [
        ("admin", &admin, 200, 200, 200, 200),
        ("group author", &author, 200, 200, 403, 403),
        ("reader", &reader, 200, 403, 403, 403),
        ("stranger", &stranger, 404, 404, 404, 404),
        ("global staff", &staff, 200, 200, 200, 409),
    ];
    for (who, cookie, get, upd, sw, gr) in expected {
        let got = [
            status(&app, cookie, "get", PROBLEMS, &[]).await,
            status(&app, cookie, "update", PROBLEMS, &update).await,
            status(&app, cookie, "switches", PROBLEMS, &switch_on).await,
            status(&app, cookie, "grant", PROBLEMS, &grant).await,
        ];
        assert_eq!(got, [get, upd, sw, gr], "{who}");
    }
    // A stranger's 404 reads exactly like a library that does not exist.
    let missing = lib(&app, &stranger, "get", "lib:DemoX:no-such-library", &[]).await;
    let hidden = lib(&app, &stranger, "get", PROBLEMS, &[]).await;
    assert_eq!(missing.error_code(), hidden.error_code());
    assert_eq!(missing.error_message().replace("no-such-library", "cs101-problems"), hidden.error_message());
    // A reader is told why, in words.
    let why = lib(&app, &reader, "switches", PROBLEMS, &switch_on).await;
    assert!(why.error_message().contains("but not change its public switches"), "{}", why.body);
    app.cleanup().await;
}

async fn group_grants_follow_membership_at_once(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let admin = app.sign_in("instructor", "registrar-instructor").await;
    let staff = app.sign_in("staff", "registrar-staff").await;
    let ta = app.sign_in("ta", "registrar-learner").await;
    let page = lib(&app, &admin, "get", PROBLEMS, &[]).await.json();
    assert!(
        team(&page).contains(&("group".to_owned(), "DemoX authors".to_owned(), "author".to_owned())),
        "group grants stay group grants"
    );
    let groups = console(&app, &staff, "groups", &[]).await.json();
    let id = groups.as_array().unwrap().iter().find(|g| g["name"] == "DemoX authors").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let edit = [("title", "Edited by ta")];
    assert_eq!(status(&app, &ta, "update", PROBLEMS, &edit).await, 200);
    assert_eq!(
        console(&app, &staff, "group_remove_member", &[("id", &id), ("username", "ta")]).await.status,
        200
    );
    assert_eq!(
        status(&app, &ta, "update", PROBLEMS, &edit).await,
        404,
        "out of the group, out of the library"
    );
    assert_eq!(
        console(&app, &staff, "group_add_member", &[("id", &id), ("identifier", "ta")]).await.status,
        200
    );
    assert_eq!(status(&app, &ta, "update", PROBLEMS, &edit).await, 200, "back in, back to Author");
    // Changing the group's level on the library applies to its members.
    let set = [("kind", "group"), ("name", "demox AUTHORS"), ("level", "read")];
    assert_eq!(status(&app, &admin, "set_level", PROBLEMS, &set).await, 200);
    assert_eq!(status(&app, &ta, "update", PROBLEMS, &edit).await, 403);
    // Deleting the group takes its access away.
    assert_eq!(console(&app, &staff, "group_delete", &[("id", &id)]).await.status, 200);
    assert_eq!(status(&app, &ta, "get", PROBLEMS, &[]).await, 404);
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM library_grants WHERE group_id = $1")
        .bind(&id)
        .fetch_one(&app.db.db.pool)
        .await
        .unwrap();
    assert_eq!(rows, 0);
    app.cleanup().await;
}

async fn the_last_admin_stays_and_bad_input_changes_nothing(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let admin = app.sign_in("instructor", "registrar-instructor").await;
    let staff = app.sign_in("staff", "registrar-staff").await;
    let me = [("kind", "user"), ("name", "instructor")];
    let own = lib(&app, &admin, "revoke", PROBLEMS, &me).await;
    assert_eq!((own.status.as_u16(), own.error_code()), (409, "TEAM_SELF_DEMOTION".to_owned()));
    let last = lib(&app, &staff, "revoke", PROBLEMS, &me).await;
    assert_eq!(
        (last.status.as_u16(), last.error_code()),
        (409, "TEAM_LAST_ADMIN".to_owned()),
        "{}",
        last.body
    );
    let demote = lib(
        &app,
        &staff,
        "set_level",
        PROBLEMS,
        &[("kind", "user"), ("name", "instructor"), ("level", "author")],
    )
    .await;
    assert_eq!(demote.error_code(), "TEAM_LAST_ADMIN");
    // A group Admin grant does not count: a group can be emptied at any moment.
    assert_eq!(
        status(
            &app,
            &admin,
            "set_level",
            PROBLEMS,
            &[("kind", "group"), ("name", "DemoX authors"), ("level", "admin")]
        )
        .await,
        200
    );
    assert_eq!(lib(&app, &staff, "revoke", PROBLEMS, &me).await.error_code(), "TEAM_LAST_ADMIN");
    let before = team(&lib(&app, &admin, "get", PROBLEMS, &[]).await.json());
    let cases: [(Form, u16, &str); 5] = [
        (&[("kind", "user"), ("name", "learner"), ("level", "read")], 409, "TEAM_ROLE_HELD"),
        (&[("kind", "user"), ("name", "nobody"), ("level", "read")], 404, "USER_NOT_FOUND"),
        (&[("kind", "group"), ("name", "No such group"), ("level", "read")], 404, "NOT_FOUND"),
        (&[("kind", "user"), ("name", "learner07"), ("level", "owner")], 422, "ROLE_UNKNOWN"),
        (&[("kind", "robot"), ("name", "learner07"), ("level", "read")], 422, "INPUT_INVALID"),
    ];
    for (form, code, name) in cases {
        let reply = lib(&app, &admin, "grant", PROBLEMS, form).await;
        assert_eq!(
            (reply.status.as_u16(), reply.error_code()),
            (code, name.to_owned()),
            "{form:?}: {}",
            reply.body
        );
    }
    sqlx::query("UPDATE users SET is_active = $1 WHERE username = 'learner08'")
        .bind(false)
        .execute(&app.db.db.pool)
        .await
        .unwrap();
    let inactive =
        lib(&app, &admin, "grant", PROBLEMS, &[("kind", "user"), ("name", "learner08"), ("level", "read")])
            .await;
    assert_eq!(inactive.error_code(), "USER_INACTIVE");
    assert_eq!(team(&lib(&app, &admin, "get", PROBLEMS, &[]).await.json()), before);
    // The database itself refuses a grant to both a user and a group.
    let both = sqlx::query(
        "INSERT INTO library_grants (id, library_key, user_id, group_id, access_level, created_at) \
         SELECT 'x', $1, u.id, g.id, 'read', 0 FROM users u, user_groups g WHERE u.username = 'learner' LIMIT 1",
    )
    .bind(PROBLEMS)
    .execute(&app.db.db.pool)
    .await;
    assert!(both.is_err(), "exactly one of user and group");
    // Two Admins: one may go, and the history says so.
    assert_eq!(
        status(
            &app,
            &admin,
            "grant",
            PROBLEMS,
            &[("kind", "user"), ("name", "learner09"), ("level", "admin")]
        )
        .await,
        200
    );
    let learner09 = app.sign_in("learner09", "registrar-learner").await;
    assert_eq!(status(&app, &learner09, "revoke", PROBLEMS, &me).await, 200);
    let page = lib(&app, &learner09, "get", PROBLEMS, &[]).await.json();
    let history = page["history"].to_string();
    assert!(history.contains("took Admin away from instructor"), "{history}");
    app.cleanup().await;
}

async fn org_wide_and_public_access(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let orgadmin = app.sign_in("orgadmin", "registrar-learner").await; // Admin of every OpenX library
    let instructor = app.sign_in("instructor", "registrar-instructor").await; // a DemoX content creator
    let staff = app.sign_in("staff", "registrar-staff").await;
    assert_eq!(status(&app, &orgadmin, "get", SOURCES, &[]).await, 200);
    assert_eq!(status(&app, &orgadmin, "get", PROBLEMS, &[]).await, 404, "org-wide stays in its org");
    assert_eq!(status(&app, &instructor, "get", SOURCES, &[]).await, 404);
    // Public read opens the library to course creators, read only.
    assert_eq!(status(&app, &orgadmin, "switches", SOURCES, &[("allow_public_read", "on")]).await, 200);
    assert_eq!(status(&app, &instructor, "get", SOURCES, &[]).await, 200);
    assert_eq!(status(&app, &instructor, "update", SOURCES, &[("title", "x")]).await, 403);
    let learner = app.sign_in("learner", "registrar-learner").await;
    assert_eq!(status(&app, &learner, "get", SOURCES, &[]).await, 404, "public read is for course creators");
    // Org-wide grants from the console, to a group, reach every library of the org, new ones too.
    let give = [("org", "DemoX"), ("kind", "library"), ("holder", "group:Reviewers"), ("role", "author")];
    let given = console(&app, &staff, "org_grant", &give).await;
    assert_eq!(given.status, 200, "{}", given.body);
    let reviewer = app.sign_in("learner41", "registrar-learner").await;
    assert_eq!(
        status(&app, &reviewer, "update", "lib:DemoX:intro-videos", &[("title", "Intro videos")]).await,
        200
    );
    let explained = console(
        &app,
        &staff,
        "explain",
        &[("identifier", "learner41"), ("target", "lib:DemoX:intro-videos")],
    )
    .await
    .json();
    let sources = explained["sources"].to_string();
    assert!(
        sources.contains("through group Reviewers") && sources.contains("every library of DemoX"),
        "{sources}"
    );
    assert!(explained["allowed"].as_array().unwrap().iter().any(|a| a == "edit it"));
    let listed = console(&app, &staff, "org_grants", &[("org", "DemoX")]).await.json();
    assert!(listed.to_string().contains("group:Reviewers"), "{listed}");
    assert_eq!(console(&app, &staff, "org_revoke", &give).await.status, 200);
    assert_eq!(status(&app, &reviewer, "update", "lib:DemoX:intro-videos", &[("title", "x")]).await, 404);
    // Course roles org-wide go to users only, and only course roles.
    let group_role = console(
        &app,
        &staff,
        "org_grant",
        &[("org", "DemoX"), ("kind", "course"), ("holder", "group:Reviewers"), ("role", "staff")],
    )
    .await;
    assert_eq!(group_role.error_code(), "INPUT_INVALID");
    let beta = console(
        &app,
        &staff,
        "org_grant",
        &[("org", "DemoX"), ("kind", "course"), ("holder", "learner05"), ("role", "beta_testers")],
    )
    .await;
    assert_eq!(beta.error_code(), "ROLE_UNKNOWN");
    let org_staff = console(
        &app,
        &staff,
        "org_grant",
        &[("org", "MathX"), ("kind", "course"), ("holder", "learner05"), ("role", "staff")],
    )
    .await;
    assert_eq!(org_staff.status, 200, "{}", org_staff.body);
    let learner05 = app.sign_in("learner05", "registrar-learner").await;
    let course = app
        .post_form(
            "/api/course_team/get",
            &[("course", "course-v1:MathX+ALG200+2026_Spring")],
            Some(&learner05),
        )
        .await;
    assert_eq!(course.status, 200, "org Staff see the course team of every course of the org");
    app.cleanup().await;
}

async fn an_ended_library_grant_stops_and_is_recorded(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let reviewer = app.sign_in("learner42", "registrar-learner").await; // Reviewers: read until +30 days
    assert_eq!(status(&app, &reviewer, "get", PROBLEMS, &[]).await, 200);
    sqlx::query("UPDATE library_grants SET expires_at = $1 WHERE expires_at IS NOT NULL")
        .bind(server::store::now_ms() - 1)
        .execute(&app.db.db.pool)
        .await
        .unwrap();
    assert_eq!(status(&app, &reviewer, "get", PROBLEMS, &[]).await, 404);
    assert_eq!(app.worker().sweep_expired().await.unwrap(), 1);
    let admin = app.sign_in("instructor", "registrar-instructor").await;
    let page = lib(&app, &admin, "get", PROBLEMS, &[]).await.json();
    assert!(
        page["history"].to_string().contains("Read only of group:Reviewers ended"),
        "{}",
        page["history"]
    );
    // A grant that has ended but is not swept yet is not a member any more, and does not stand in the
    // way of sharing again.
    sqlx::query("UPDATE library_grants SET expires_at = $1 WHERE group_id IN (SELECT id FROM user_groups WHERE name = 'DemoX authors')")
        .bind(server::store::now_ms() - 1)
        .execute(&app.db.db.pool)
        .await
        .unwrap();
    let page = lib(&app, &admin, "get", PROBLEMS, &[]).await.json();
    assert!(!team(&page).iter().any(|(_, name, _)| name == "DemoX authors"));
    let again = lib(
        &app,
        &admin,
        "grant",
        PROBLEMS,
        &[("kind", "group"), ("name", "DemoX authors"), ("level", "author")],
    )
    .await;
    assert_eq!(again.status, 200, "{}", again.body);
    let ta = app.sign_in("ta", "registrar-learner").await;
    assert_eq!(status(&app, &ta, "update", PROBLEMS, &[("title", "Still authoring")]).await, 200);
    assert_eq!(app.worker().sweep_expired().await.unwrap(), 0, "the renewed grant is not swept");
    app.cleanup().await;
}

async fn groups_are_managed_in_the_console_by_staff_only(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let staff = app.sign_in("staff", "registrar-staff").await;
    let created =
        console(&app, &staff, "group_create", &[("name", "Graders"), ("description", "Mark exams")]).await;
    assert_eq!(created.status, 200, "{}", created.body);
    let id = created.json().as_str().unwrap().to_owned();
    let dup = console(&app, &staff, "group_create", &[("name", "graders")]).await;
    assert_eq!((dup.status.as_u16(), dup.error_code()), (409, "GROUP_EXISTS".to_owned()));
    let blank = console(&app, &staff, "group_create", &[("name", "  ")]).await;
    assert_eq!(blank.error_code(), "GROUP_NAME_INVALID");
    assert_eq!(
        console(&app, &staff, "group_add_member", &[("id", &id), ("identifier", "learner20@example.org")])
            .await
            .status,
        200
    );
    let twice = console(&app, &staff, "group_add_member", &[("id", &id), ("identifier", "learner20")]).await;
    assert_eq!(twice.error_code(), "TEAM_ROLE_HELD");
    assert_eq!(
        console(&app, &staff, "group_rename", &[("id", &id), ("name", "Exam graders")]).await.status,
        200
    );
    let clash = console(&app, &staff, "group_rename", &[("id", &id), ("name", "Reviewers")]).await;
    assert_eq!(clash.error_code(), "GROUP_EXISTS");
    let page = console(&app, &staff, "group", &[("id", &id)]).await.json();
    assert_eq!(page["group"]["name"], "Exam graders");
    assert_eq!(page["members"][0]["username"], "learner20");
    let learner = app.sign_in("learner", "registrar-learner").await;
    let instructor = app.sign_in("instructor", "registrar-instructor").await;
    for cookie in [&learner, &instructor] {
        assert_eq!(console(&app, cookie, "group_create", &[("name", "Mine")]).await.status, 403);
        assert_eq!(
            console(&app, cookie, "group_add_member", &[("id", &id), ("identifier", "learner")]).await.status,
            403
        );
    }
    let missing = console(&app, &staff, "group", &[("id", "no-such-id")]).await;
    assert_eq!(missing.status, 404);
    app.cleanup().await;
}

crate::on_both_engines!(
    creators_create_libraries_and_become_their_admin,
    each_level_allows_what_it_should_and_strangers_learn_nothing,
    group_grants_follow_membership_at_once,
    the_last_admin_stays_and_bad_input_changes_nothing,
    org_wide_and_public_access,
    an_ended_library_grant_stops_and_is_recorded,
    groups_are_managed_in_the_console_by_staff_only
);
