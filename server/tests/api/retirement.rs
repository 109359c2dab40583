//! Account deletion end to end on both databases: the learner's request, cool-off and cancel link,
//! the built-in worker's stages and retries, the admin's resume and abort, the service API with an
//! OAuth2 client-credentials token, "download my data", and the proof that after retirement and
//! cleanup no table holds the learner's original username, email or name.

use crate::common::{test_retirement, Engine, Reply, TestApp};
use app::gate::Gate;
use axum::body::Body;
use http::{header, Method, Request};
use server::store::Dialect;

const COURSE: &str = "course-v1:DemoX+CS101+2026_T1";
const USERNAME: &str = "Zelda_Q";
const EMAIL: &str = "Zelda.Quux@Example.org";
const NAME: &str = "Zelda Quintessa Quux";
const PASSWORD: &str = "  a secret with spaces  ";

/// Register and sign the demo's Terms of use (the account is active afterwards).
async fn register(app: &TestApp, username: &str, email: &str, name: &str) -> Reply {
    let reply = app
        .post_form(
            "/api/session/register",
            &[
                ("username", username),
                ("email", email),
                ("full_name", name),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
            ],
            None,
        )
        .await;
    if let Some(cookie) = reply.session_cookie() {
        app.sign_agreements(&cookie).await;
    }
    reply
}

/// A learner with traces in every corner: invited to the course team and to the course before they
/// registered (each typed in another spelling of their address), enrolled by a batch job, in a group, with library access, a token, sessions.
pub async fn learner_everywhere(app: &TestApp) -> String {
    let instructor = app.sign_in("instructor", "registrar-instructor").await;
    let invited = app
        .post_form(
            "/api/course_team/add",
            &[("course", COURSE), ("identifier", &EMAIL.to_uppercase()), ("role", "staff")],
            Some(&instructor),
        )
        .await;
    assert_eq!(invited.status, 200, "{}", invited.body);
    let batch = app
        .post_form(
            "/api/membership/enroll_batch",
            &[
                ("course", COURSE),
                ("identifiers", &EMAIL.to_lowercase()),
                ("action", "enroll"),
                ("notify", "on"),
            ],
            Some(&instructor),
        )
        .await;
    assert_eq!(batch.status, 200, "{}", batch.body);
    // An admin invited the address too (the invitation, its audit entry and mail name them).
    let admin = app.sign_in("admin", "registrar-admin").await;
    let invitation =
        app.post_form("/api/console/invite", &[("email", EMAIL), ("role", "")], Some(&admin)).await;
    assert_eq!(invitation.status, 200, "{}", invitation.body);
    let registered = register(app, USERNAME, EMAIL, NAME).await;
    assert!(registered.status.is_success() || registered.status.is_redirection(), "{}", registered.body);
    // Following the mailed link proves the address: the invitations to it are redeemed.
    app.confirm_address(EMAIL).await;
    // A second batch names them by username after they registered.
    let batch = app
        .post_form(
            "/api/membership/enroll_batch",
            &[
                ("course", "course-v1:DemoX+CS101+2026_T1"),
                ("identifiers", &format!("{USERNAME}\nlearner05")),
                ("action", "enroll"),
            ],
            Some(&instructor),
        )
        .await;
    assert_eq!(batch.status, 200, "{}", batch.body);
    let group = app.post_form("/api/console/group_create", &[("name", "Quux fans")], Some(&admin)).await;
    let group_id: String = serde_json::from_str(&group.body).unwrap();
    let added = app
        .post_form(
            "/api/console/group_add_member",
            &[("id", &group_id), ("identifier", USERNAME)],
            Some(&admin),
        )
        .await;
    assert_eq!(added.status, 200, "{}", added.body);
    let granted = app
        .post_form(
            "/api/libraries/grant",
            &[("key", "lib:DemoX:cs101-problems"), ("kind", "user"), ("name", EMAIL), ("level", "author")],
            Some(&admin),
        )
        .await;
    assert_eq!(granted.status, 200, "{}", granted.body);
    let (_, system) = Gate::system(app.backend(), "test");
    app.backend().accounts.issue_token(&system, USERNAME, "my laptop", None).await.unwrap();
    let cookie = app.sign_in(USERNAME, PASSWORD).await;
    // A library of their own (its creation is audited with their name).
    let creator = [("identifier", USERNAME), ("role", "org_course_creator_group"), ("scope", "DemoX")];
    let made = app.post_form("/api/console/role_grant", &creator, Some(&admin)).await;
    assert_eq!(made.status, 200, "{}", made.body);
    let library = [("org", "DemoX"), ("slug", "zelda-notes"), ("title", "Zelda's notes")];
    let created = app.post_form("/api/libraries/create", &library, Some(&cookie)).await;
    assert!(created.status.is_success() || created.status.is_redirection(), "{}", created.body);
    // Credentials, a grade, a shared record that was viewed, and a record sent to a pathway.
    let program = crate::api::records::program_id(app, "Data Science MicroMasters").await;
    crate::api::records::award(app, &admin, USERNAME, COURSE).await;
    let grade = serde_json::json!({"username": USERNAME, "course_run": COURSE, "letter_grade": "A", "percent_grade": 0.9});
    assert_eq!(crate::api::records::json(app, "POST", "/api/v2/grades/", &grade, &admin).await.status, 200);
    let shared = app.post_form("/api/records/share", &[("program", &program)], Some(&cookie)).await;
    assert_eq!(shared.status, 200, "{}", shared.body);
    let share_id = shared.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(app.post_form("/api/records/shared", &[("id", &share_id)], None).await.status, 200);
    let pathway = crate::api::records::pathway_id(app, "State University Credit Pathway").await;
    let sent = app
        .post_form(
            "/api/records/send",
            &[("program", &program), ("pathway", &pathway), ("confirm", "on")],
            Some(&cookie),
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    cookie
}

async fn count(app: &TestApp, sql: &str, arg: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.to_owned()))
        .bind(arg)
        .fetch_one(&app.db.db.pool)
        .await
        .unwrap()
}

async fn user_id(app: &TestApp, username: &str) -> String {
    sqlx::query_scalar("SELECT id FROM users WHERE username_key = $1")
        .bind(username.to_lowercase())
        .fetch_one(&app.db.db.pool)
        .await
        .unwrap()
}

/// Every table's every row as text, on either engine.
pub async fn dump(app: &TestApp) -> String {
    let pool = &app.db.db.pool;
    let mut out = String::new();
    match app.db.db.dialect {
        Dialect::Sqlite => {
            let tables: Vec<String> =
                sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
                    .fetch_all(pool)
                    .await
                    .unwrap();
            for table in tables {
                let columns: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                    "SELECT name FROM pragma_table_info('{table}')"
                )))
                .fetch_all(pool)
                .await
                .unwrap();
                let expr = columns
                    .iter()
                    .map(|c| format!("COALESCE(CASE WHEN typeof(\"{c}\") = 'blob' THEN hex(\"{c}\") ELSE CAST(\"{c}\" AS TEXT) END, '')"))
                    .collect::<Vec<_>>()
                    .join(" || '|' || ");
                let rows: Vec<String> =
                    sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT {expr} FROM \"{table}\"")))
                        .fetch_all(pool)
                        .await
                        .unwrap();
                out.push_str(&format!("== {table}\n{}\n", rows.join("\n")));
            }
        }
        Dialect::Postgres => {
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()",
            )
            .fetch_all(pool)
            .await
            .unwrap();
            for table in tables {
                let rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                    "SELECT CAST(t.* AS TEXT) FROM \"{table}\" t"
                )))
                .fetch_all(pool)
                .await
                .unwrap();
                out.push_str(&format!("== {table}\n{}\n", rows.join("\n")));
            }
        }
    }
    out
}

pub fn lines_naming(dump: &str, needles: &[&str]) -> Vec<String> {
    let lower = needles.iter().map(|n| n.to_lowercase()).collect::<Vec<_>>();
    let mut table = String::new();
    let mut found = Vec::new();
    for line in dump.lines() {
        if let Some(name) = line.strip_prefix("== ") {
            table = name.to_owned();
            continue;
        }
        let l = line.to_lowercase();
        if lower.iter().any(|n| l.contains(n.as_str())) {
            found.push(format!("{table}: {line}"));
        }
    }
    found
}

/// End the cool-off of every retirement but the demo's own pending one (`leaving.learner`).
pub async fn make_due(app: &TestApp) {
    sqlx::query("UPDATE retirement_statuses SET due_at = 0, next_try_at = 0 WHERE original_username <> 'leaving.learner'")
        .execute(&app.db.db.pool)
        .await
        .unwrap();
}

async fn state_of(app: &TestApp, id: &str) -> String {
    sqlx::query_scalar("SELECT current_state FROM retirement_statuses WHERE user_id = $1")
        .bind(id)
        .fetch_one(&app.db.db.pool)
        .await
        .unwrap()
}

async fn learner_deletes_their_account_and_nothing_names_them_afterwards(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let cookie = learner_everywhere(&app).await;
    let id = user_id(&app, USERNAME).await;
    // The traces are really there before.
    let before = dump(&app).await;
    for table in [
        "users",
        "enrollments",
        "role_assignments",
        "group_members",
        "library_grants",
        "enrollment_audit",
        "mail_outbox",
        "audit_log",
        "jobs",
        "sessions",
        "api_tokens",
        "user_credentials",
        "user_grades",
        "record_shares",
        "record_events",
    ] {
        assert!(
            lines_naming(&before, &[USERNAME, EMAIL, &id])
                .iter()
                .any(|l| l.starts_with(&format!("{table}:"))),
            "{table} holds nothing about the learner before: the test would prove nothing"
        );
    }

    let mut others_before = std::collections::HashMap::new();
    for table in ["enrollments", "role_assignments", "group_members", "library_grants"] {
        let sql = format!("SELECT COUNT(*) FROM {table} WHERE user_id <> $1");
        others_before.insert(table, count(&app, &sql, &id).await);
    }

    // Download my data first: it holds what the account page promises.
    let export = app.get("/api/account/export.json", Some(&cookie)).await;
    assert_eq!(export.status, 200);
    let data = export.json();
    assert_eq!(data["data"]["account"][0]["email"], EMAIL);
    assert_eq!(data["data"]["enrollments"][0]["course_key"], COURSE);
    assert_eq!(data["data"]["groups"][0]["name"], "Quux fans");
    assert_eq!(data["data"]["library_access"][0]["access_level"], "author");
    assert!(data["data"]["mail"].as_array().unwrap().iter().any(|m| m["to_addr"] == EMAIL));
    assert_eq!(data["data"]["credentials"][0]["course_key"], COURSE);
    assert_eq!(data["data"]["grades"][0]["percent_e4"], 9000);
    assert_eq!(data["data"]["record_links"].as_array().unwrap().len(), 1);
    let kinds: Vec<&str> = data["data"]["record_history"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert!(kinds.contains(&"shared") && kinds.contains(&"viewed") && kinds.contains(&"sent"), "{kinds:?}");
    assert_eq!(app.get("/api/account/export.json", None).await.status, 401);

    // A wrong password (or the right one trimmed) changes nothing.
    for wrong in ["not it", PASSWORD.trim()] {
        let refused = app.post_form("/api/account/delete", &[("password", wrong)], Some(&cookie)).await;
        assert_eq!(refused.status, 403, "{}", refused.body);
        assert_eq!(refused.error_code(), "PASSWORD_INCORRECT");
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM retirement_statuses WHERE user_id = $1", &id).await, 0);
    assert_eq!(app.get("/api/account/get", None).await.status, 401);
    assert_eq!(app.post_form("/api/account/get", &[], Some(&cookie)).await.status, 200);

    let other_session = app.sign_in(USERNAME, PASSWORD).await;
    let deleted = app.post_form("/api/account/delete", &[("password", PASSWORD)], Some(&cookie)).await;
    assert!(deleted.status.is_success() || deleted.status.is_redirection(), "{}", deleted.body);
    assert!(deleted.set_cookie().unwrap().contains("Max-Age=0"), "{:?}", deleted.set_cookie());
    // Signed out everywhere, and cannot sign in again.
    for session in [&cookie, &other_session] {
        assert_eq!(app.post_form("/api/account/get", &[], Some(session)).await.status, 401);
    }
    let again =
        app.post_form("/api/session/login", &[("identifier", USERNAME), ("password", PASSWORD)], None).await;
    assert_eq!(again.status, 401);
    // The mail with the cancel link went to the original address.
    let (to, body): (String, String) = sqlx::query_as(
        "SELECT to_addr, body_text FROM mail_outbox WHERE subject = 'Your account is queued for deletion'",
    )
    .fetch_one(&app.db.db.pool)
    .await
    .unwrap();
    assert_eq!(to, EMAIL);
    assert!(body.contains("http://registrar.test/account/cancel-deletion?token="), "{body}");
    // An admin asking again sees the pending one.
    let admin = app.sign_in("admin", "registrar-admin").await;
    let twice = app
        .post_form(
            "/api/console/retirement_request",
            &[("identifier", EMAIL), ("reason", "asked by phone")],
            Some(&admin),
        )
        .await;
    assert_eq!(
        (twice.status.as_u16(), twice.error_code()),
        (409, "RETIREMENT_PENDING".to_owned()),
        "{}",
        twice.body
    );

    // Nothing happens during the cool-off.
    let worker = app.worker();
    assert_eq!(worker.retire_due().await.unwrap(), 0);
    assert_eq!(state_of(&app, &id).await, "PENDING");
    make_due(&app).await;
    assert_eq!(worker.retire_due().await.unwrap(), 1);
    assert_eq!(state_of(&app, &id).await, "COMPLETE");
    let events: Vec<(String,)> = sqlx::query_as(
        "SELECT e.to_state FROM retirement_events e JOIN retirement_statuses s ON s.id = e.status_id \
         WHERE s.user_id = $1 ORDER BY e.id",
    )
    .bind(&id)
    .fetch_all(&app.db.db.pool)
    .await
    .unwrap();
    let states: Vec<&str> = events.iter().map(|(s,)| s.as_str()).collect();
    assert_eq!(
        states,
        [
            "PENDING",
            "LOCKING_ACCOUNT",
            "LOCKING_COMPLETE",
            "RETIRING_FORUMS",
            "FORUMS_COMPLETE",
            "RETIRING_ENROLLMENTS",
            "ENROLLMENTS_COMPLETE",
            "RETIRING_LMS_MISC",
            "LMS_MISC_COMPLETE",
            "RETIRING_LMS",
            "LMS_COMPLETE",
            "COMPLETE"
        ]
    );

    // The proof: no table names them (the user id remains, on a tombstone).
    let after = dump(&app).await;
    let leaks = lines_naming(&after, &[USERNAME, EMAIL, NAME]);
    assert!(leaks.is_empty(), "the learner is still named in:\n{}", leaks.join("\n"));
    // Their credentials, grades, record links and record history are gone.
    for table in ["user_credentials", "user_grades", "record_shares", "record_events"] {
        let sql = format!("SELECT COUNT(*) FROM {table} WHERE user_id = $1");
        assert_eq!(count(&app, &sql, &id).await, 0, "{table} still holds the learner's rows");
    }
    // Other people's data is intact.
    for table in ["enrollments", "role_assignments", "group_members", "library_grants"] {
        let sql = format!("SELECT COUNT(*) FROM {table} WHERE user_id <> $1");
        assert_eq!(count(&app, &sql, &id).await, others_before[table], "{table}");
    }
    let names = test_retirement().names;
    let retired = names.username(USERNAME);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM users WHERE username = $1 AND retired_at IS NOT NULL", &retired)
            .await,
        1
    );
    // Neither name can be registered again (the policy is "forever").
    let reuse_name = register(&app, USERNAME, "new@example.org", "Someone New").await;
    assert_eq!(reuse_name.error_code(), "USERNAME_TAKEN", "{}", reuse_name.body);
    let reuse_email = register(&app, "someone_new", &EMAIL.to_uppercase(), "Someone New").await;
    assert_eq!(reuse_email.error_code(), "EMAIL_TAKEN", "{}", reuse_email.body);
    app.cleanup().await;
}

async fn the_mailed_link_cancels_during_the_cool_off(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    register(&app, USERNAME, EMAIL, NAME).await;
    let cookie = app.sign_in(USERNAME, PASSWORD).await;
    let deleted = app.post_form("/api/account/delete", &[("password", PASSWORD)], Some(&cookie)).await;
    assert!(deleted.status.is_success() || deleted.status.is_redirection(), "{}", deleted.body);
    let body: String =
        sqlx::query_scalar("SELECT body_text FROM mail_outbox WHERE subject LIKE '%queued for deletion%'")
            .fetch_one(&app.db.db.pool)
            .await
            .unwrap();
    let token = body.split("token=").nth(1).unwrap().split_whitespace().next().unwrap().to_owned();
    // Looking at the link changes nothing (mail scanners follow links).
    let info = app.post_form("/api/account/deletion-link", &[("token", &token)], None).await;
    assert_eq!(info.status, 200, "{}", info.body);
    assert_eq!(info.json()["can_cancel"], true);
    assert_eq!(info.json()["username"], USERNAME);
    let id = user_id(&app, USERNAME).await;
    assert_eq!(state_of(&app, &id).await, "PENDING");
    // A forged or altered token is refused.
    let flipped = if token.ends_with('0') { '1' } else { '0' };
    let forged = format!("{}{flipped}", &token[..token.len() - 1]);
    for bad in [forged.as_str(), "nonsense", ""] {
        let reply = app.post_form("/api/account/cancel-deletion", &[("token", bad)], None).await;
        assert_eq!((reply.status.as_u16(), reply.error_code()), (422, "LINK_INVALID".to_owned()), "{bad}");
    }
    let cancelled = app.post_form("/api/account/cancel-deletion", &[("token", &token)], None).await;
    assert!(cancelled.status.is_success() || cancelled.status.is_redirection(), "{}", cancelled.body);
    // Active again, with the same password; the link is spent.
    app.sign_in(USERNAME, PASSWORD).await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM retirement_statuses WHERE user_id = $1", &id).await, 0);
    let reused = app.post_form("/api/account/cancel-deletion", &[("token", &token)], None).await;
    assert_eq!(reused.error_code(), "LINK_INVALID");
    app.cleanup().await;
}

async fn refuse_deletes_on(app: &TestApp, table: &str) {
    match app.db.db.dialect {
        Dialect::Sqlite => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "CREATE TRIGGER refuse_delete BEFORE DELETE ON {table} BEGIN SELECT RAISE(ABORT, 'refused by test'); END"
            )))
            .execute(&app.db.db.pool)
            .await
            .unwrap();
        }
        Dialect::Postgres => {
            sqlx::query(
                "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused by test'; END $$ \
                 LANGUAGE plpgsql",
            )
            .execute(&app.db.db.pool)
            .await
            .unwrap();
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "CREATE TRIGGER refuse_delete BEFORE DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION refuse()"
            )))
            .execute(&app.db.db.pool)
            .await
            .unwrap();
        }
    }
}

async fn allow_deletes_on(app: &TestApp, table: &str) {
    let sql = match app.db.db.dialect {
        Dialect::Sqlite => "DROP TRIGGER refuse_delete".to_owned(),
        Dialect::Postgres => format!("DROP TRIGGER refuse_delete ON {table}"),
    };
    sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&app.db.db.pool).await.unwrap();
}

async fn a_failing_stage_is_retried_then_errored_then_resumed_by_an_admin(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let admin = app.sign_in("admin", "registrar-admin").await;
    // learner40 is in a group (their stage will fail); learner05 is not (theirs must not wait).
    for who in ["learner40", "learner05"] {
        let queued = app
            .post_form(
                "/api/console/retirement_request",
                &[("identifier", who), ("reason", "asked by mail")],
                Some(&admin),
            )
            .await;
        assert_eq!(queued.status, 200, "{}", queued.body);
    }
    let (failing, fine) = (user_id(&app, "learner40").await, user_id(&app, "learner05").await);
    // Global staff who are not superusers cannot queue a staff account.
    let staff = app.sign_in("staff", "registrar-staff").await;
    let refused = app
        .post_form(
            "/api/console/retirement_request",
            &[("identifier", "admin"), ("reason", "x")],
            Some(&staff),
        )
        .await;
    assert_eq!(
        (refused.status.as_u16(), refused.error_code()),
        (403, "FORBIDDEN".to_owned()),
        "{}",
        refused.body
    );
    refuse_deletes_on(&app, "group_members").await;
    make_due(&app).await;
    let worker = app.worker();
    worker.retire_due().await.unwrap();
    assert_eq!(state_of(&app, &fine).await, "COMPLETE");
    assert_eq!(state_of(&app, &failing).await, "ENROLLMENTS_COMPLETE");
    let (attempts, error): (i64, Option<String>) =
        sqlx::query_as("SELECT attempts, last_error FROM retirement_statuses WHERE user_id = $1")
            .bind(&failing)
            .fetch_one(&app.db.db.pool)
            .await
            .unwrap();
    assert_eq!(attempts, 1);
    assert!(error.unwrap().contains("RETIRING_LMS_MISC failed"));
    // Backoff: not retried at once.
    worker.retire_due().await.unwrap();
    assert_eq!(count(&app, "SELECT attempts FROM retirement_statuses WHERE user_id = $1", &failing).await, 1);
    // Four more due attempts, and it gives up.
    for _ in 0..4 {
        sqlx::query("UPDATE retirement_statuses SET next_try_at = 0").execute(&app.db.db.pool).await.unwrap();
        worker.retire_due().await.unwrap();
    }
    assert_eq!(state_of(&app, &failing).await, "ERRORED");
    let status_id: String = sqlx::query_scalar("SELECT id FROM retirement_statuses WHERE user_id = $1")
        .bind(&failing)
        .fetch_one(&app.db.db.pool)
        .await
        .unwrap();
    // ERRORED is final for the pipeline: the worker leaves it, and so must a forward move.
    worker.retire_due().await.unwrap();
    assert_eq!(state_of(&app, &failing).await, "ERRORED");
    let detail = app.post_form("/api/console/retirement", &[("id", &status_id)], Some(&admin)).await.json();
    assert!(detail["resume_targets"].as_array().unwrap().iter().any(|t| t == "ENROLLMENTS_COMPLETE"));
    assert_eq!(detail["requested_by"], "admin");
    // Resume is offered only up to where it stopped (the stage after ENROLLMENTS_COMPLETE failed).
    assert!(!detail["resume_targets"].as_array().unwrap().iter().any(|t| t == "LMS_MISC_COMPLETE"));
    // A resume needs a reason and a resting state.
    let no_reason = app
        .post_form(
            "/api/console/retirement_resume",
            &[("id", &status_id), ("to", "ENROLLMENTS_COMPLETE"), ("reason", " ")],
            Some(&admin),
        )
        .await;
    assert_eq!(no_reason.status, 422);
    let bad = app
        .post_form(
            "/api/console/retirement_resume",
            &[("id", &status_id), ("to", "RETIRING_LMS"), ("reason", "x")],
            Some(&admin),
        )
        .await;
    assert_eq!((bad.status.as_u16(), bad.error_code()), (409, "RETIREMENT_BAD_TRANSITION".to_owned()));
    assert!(
        bad.error_message().contains("ERRORED") && bad.error_message().contains("RETIRING_LMS"),
        "{}",
        bad.body
    );
    allow_deletes_on(&app, "group_members").await;
    let resumed = app
        .post_form(
            "/api/console/retirement_resume",
            &[("id", &status_id), ("to", "ENROLLMENTS_COMPLETE"), ("reason", "trigger removed")],
            Some(&admin),
        )
        .await;
    assert_eq!(resumed.status, 200, "{}", resumed.body);
    worker.retire_due().await.unwrap();
    assert_eq!(state_of(&app, &failing).await, "COMPLETE");
    // COMPLETE is final, even for an admin.
    let abort = app
        .post_form("/api/console/retirement_abort", &[("id", &status_id), ("reason", "x")], Some(&admin))
        .await;
    assert_eq!(abort.status, 409);
    // The resume is audited with its reason.
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'retirement.resume' AND actor_id IS NOT NULL AND reason LIKE $1",
            "%trigger removed%"
        )
        .await,
        1
    );
    // An aborted learner is never picked up.
    let queued = app
        .post_form(
            "/api/console/retirement_request",
            &[("identifier", "learner06"), ("reason", "asked")],
            Some(&admin),
        )
        .await
        .json();
    let id6 = queued["id"].as_str().unwrap().to_owned();
    let aborted = app
        .post_form(
            "/api/console/retirement_abort",
            &[("id", &id6), ("reason", "changed their mind")],
            Some(&admin),
        )
        .await;
    assert_eq!(aborted.status, 200, "{}", aborted.body);
    make_due(&app).await;
    worker.retire_due().await.unwrap();
    let learner06 = user_id(&app, "learner06").await;
    assert_eq!(state_of(&app, &learner06).await, "ABORTED");
    // An aborted retirement is over: asking again starts a new one.
    let again = app
        .post_form(
            "/api/console/retirement_request",
            &[("identifier", "learner06"), ("reason", "asked again")],
            Some(&admin),
        )
        .await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(state_of(&app, &learner06).await, "PENDING");
    app.cleanup().await;
}

async fn send_json(app: &TestApp, method: Method, path: &str, token: &str, body: serde_json::Value) -> Reply {
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::AUTHORIZATION, format!("JWT {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    app.send(req).await
}

async fn get_with(app: &TestApp, path: &str, token: &str) -> Reply {
    let req = Request::get(path)
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    app.send(req).await
}

async fn an_external_driver_retires_a_learner_through_the_service_api(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let backend = server::services::retirement::RetirementService::new(app.core());
    let shared = app.backend();
    let (gate, system) = Gate::system(shared, "test");
    gate.backend()
        .accounts
        .manage_user(
            &system,
            app::model::ManageUser {
                username: "retirement_service".into(),
                email: "retirement@example.org".into(),
                full_name: None,
                is_staff: true,
                is_superuser: false,
                password: None,
                unusable_password: true,
                groups: None,
            },
        )
        .await
        .unwrap();
    // Nobody gets the service user's powers by registering its name.
    let squatter = register(&app, "Retirement_Service", "squat@example.org", "Squat Ter").await;
    assert_eq!(squatter.error_code(), "USERNAME_TAKEN", "{}", squatter.body);
    let (client_id, secret) =
        backend.create_oauth_client(&system, "retirement", "retirement_service", "retirement").await.unwrap();
    let token_for = |secret: String| {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs([
                ("grant_type", "client_credentials"),
                ("client_id", &client_id),
                ("client_secret", &secret),
                ("token_type", "jwt"),
            ])
            .finish();
        Request::post("/oauth2/access_token")
            .header(header::HOST, "127.0.0.1:3000")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap()
    };
    let refused = app.send(token_for("wrong".into())).await;
    assert_eq!(refused.status, 401);
    assert_eq!(refused.json()["error"], "invalid_client");
    let issued = app.send(token_for(secret.clone())).await;
    assert_eq!(issued.status, 200, "{}", issued.body);
    assert_eq!(issued.json()["token_type"], "Bearer");
    assert_eq!(issued.json()["expires_in"], 3600);
    let token = issued.json()["access_token"].as_str().unwrap().to_owned();

    let admin = app.sign_in("admin", "registrar-admin").await;
    let queued = app
        .post_form(
            "/api/console/retirement_request",
            &[("identifier", "learner40"), ("reason", "asked")],
            Some(&admin),
        )
        .await;
    assert_eq!(queued.status, 200, "{}", queued.body);
    let learner = user_id(&app, "learner40").await;
    let queue = get_with(
        &app,
        "/api/user/v1/accounts/retirement_queue/?cool_off_days=0&states=PENDING&states=LMS_COMPLETE",
        &token,
    )
    .await;
    assert_eq!(queue.status, 200, "{}", queue.body);
    let rows = queue.json();
    // The demo's own pending deletion (leaving.learner) is in the queue too.
    let names: Vec<&str> =
        rows.as_array().unwrap().iter().map(|r| r["original_username"].as_str().unwrap()).collect();
    assert_eq!(names, ["leaving.learner", "learner40"]);
    let row = &rows[1];
    assert_eq!(row["current_state"]["state_name"], "PENDING");
    assert_eq!(row["current_state"]["state_execution_order"], 1);
    let limited = get_with(
        &app,
        "/api/user/v1/accounts/retirement_queue/?cool_off_days=0&states=PENDING&limit=1",
        &token,
    )
    .await;
    assert_eq!(limited.json().as_array().unwrap().len(), 1);
    // A cool-off longer than anyone has waited: nobody.
    let nobody =
        get_with(&app, "/api/user/v1/accounts/retirement_queue/?cool_off_days=7&states=PENDING", &token)
            .await;
    assert_eq!(nobody.json().as_array().unwrap().len(), 0, "{}", nobody.body);
    let bad_queue =
        get_with(&app, "/api/user/v1/accounts/retirement_queue/?cool_off_days=0&states=NOPE", &token).await;
    assert_eq!(bad_queue.status, 422);
    assert!(bad_queue.error_message().contains("Unknown state"), "{}", bad_queue.body);

    let patch = |to: &str| serde_json::json!({"username": "learner40", "new_state": to, "response": format!("Starting: {to}")});
    let path = "/api/user/v1/accounts/update_retirement_status/";
    // The driver's pipeline: each working state, its endpoint, its _COMPLETE.
    for (start, end, endpoint) in [
        ("LOCKING_ACCOUNT", "LOCKING_COMPLETE", None),
        ("RETIRING_FORUMS", "FORUMS_COMPLETE", Some("/api/discussion/v1/accounts/retire_forum/")),
        ("RETIRING_ENROLLMENTS", "ENROLLMENTS_COMPLETE", Some("/api/enrollment/v1/unenroll/")),
        ("RETIRING_LMS_MISC", "LMS_MISC_COMPLETE", Some("/api/user/v1/accounts/retire_misc/")),
        ("RETIRING_LMS", "LMS_COMPLETE", Some("/api/user/v1/accounts/retire/")),
    ] {
        let reply = send_json(&app, Method::PATCH, path, &token, patch(start)).await;
        assert_eq!(reply.status, 204, "{start}: {}", reply.body);
        // The built-in worker keeps its hands off a learner an external driver holds.
        make_due(&app).await;
        app.worker().retire_due().await.unwrap();
        assert_eq!(state_of(&app, &learner).await, start);
        if let Some(endpoint) = endpoint {
            let ran =
                send_json(&app, Method::POST, endpoint, &token, serde_json::json!({"username": "learner40"}))
                    .await;
            assert_eq!(ran.status, 204, "{endpoint}: {}", ran.body);
            // Idempotent: a rerun after a crash is harmless.
            let again =
                send_json(&app, Method::POST, endpoint, &token, serde_json::json!({"username": "learner40"}))
                    .await;
            assert_eq!(again.status, 204, "{endpoint}: {}", again.body);
        }
        let reply = send_json(&app, Method::PATCH, path, &token, patch(end)).await;
        assert_eq!(reply.status, 204, "{end}: {}", reply.body);
    }
    // A stage endpoint out of its working state is refused.
    let wrong = send_json(
        &app,
        Method::POST,
        "/api/user/v1/accounts/retire/",
        &token,
        serde_json::json!({"username": "learner40"}),
    )
    .await;
    assert_eq!(wrong.status, 409);
    let done = send_json(&app, Method::PATCH, path, &token, patch("COMPLETE")).await;
    assert_eq!(done.status, 204, "{}", done.body);
    // Backwards is refused with both states named.
    let back = send_json(&app, Method::PATCH, path, &token, patch("PENDING")).await;
    assert_eq!((back.status.as_u16(), back.error_code()), (409, "RETIREMENT_BAD_TRANSITION".to_owned()));
    assert!(back.error_message().contains("COMPLETE") && back.error_message().contains("PENDING"));
    // The status answers to the retired username too.
    let retired = test_retirement().names.username("learner40");
    let status = get_with(&app, &format!("/api/user/v1/accounts/{retired}/retirement_status/"), &token).await;
    assert_eq!(status.status, 200, "{}", status.body);
    assert_eq!(status.json()["current_state"]["state_name"], "COMPLETE");
    assert_eq!(status.json()["user"]["username"], retired);
    assert_eq!(
        get_with(&app, "/api/user/v1/accounts/nobody_here/retirement_status/", &token).await.status,
        404
    );
    let today = app::model::format_date(server::store::now_ms());
    let by_date = get_with(
        &app,
        &format!("/api/user/v1/accounts/retirements_by_status_and_date/?start_date={today}&end_date={today}&state=COMPLETE"),
        &token,
    )
    .await;
    // learner40 and the demo's former.learner (its originals already redacted).
    let retired_today: Vec<String> = by_date
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["retired_username"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(retired_today.len(), 2, "{}", by_date.body);
    assert!(retired_today.contains(&retired), "{}", by_date.body);
    let yesterday = app::model::format_date(server::store::now_ms() - 86_400_000);
    let before = get_with(
        &app,
        &format!("/api/user/v1/accounts/retirements_by_status_and_date/?start_date={yesterday}&end_date={yesterday}&state=COMPLETE"),
        &token,
    )
    .await;
    assert_eq!(before.json().as_array().unwrap().len(), 0, "{}", before.body);
    let backwards = get_with(
        &app,
        &format!("/api/user/v1/accounts/retirements_by_status_and_date/?start_date={today}&end_date={yesterday}&state=COMPLETE"),
        &token,
    )
    .await;
    assert_eq!(backwards.status, 422);
    // Cleanup: all or nothing.
    let partial = send_json(
        &app,
        Method::POST,
        "/api/user/v1/accounts/retirement_cleanup/",
        &token,
        serde_json::json!({"usernames": ["learner40", "learner41"]}),
    )
    .await;
    assert_eq!(partial.status, 422);
    let cleaned = send_json(
        &app,
        Method::POST,
        "/api/user/v1/accounts/retirement_cleanup/",
        &token,
        serde_json::json!({"usernames": ["learner40"]}),
    )
    .await;
    assert_eq!(cleaned.status, 204, "{}", cleaned.body);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM retirement_statuses WHERE original_username = $1", "learner40")
            .await,
        0
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users WHERE username_key = $1", "learner40").await, 0);
    app.cleanup().await;
}

async fn an_account_without_a_password_confirms_through_a_mailed_link(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let (gate, system) = Gate::system(app.backend(), "test");
    gate.backend()
        .accounts
        .manage_user(
            &system,
            app::model::ManageUser {
                username: "sso_only".into(),
                email: "sso.only@example.org".into(),
                full_name: Some("Sso Only".into()),
                is_staff: false,
                is_superuser: false,
                password: None,
                unusable_password: true,
                groups: None,
            },
        )
        .await
        .unwrap();
    let token = gate.backend().accounts.issue_token(&system, "sso_only", "sso", None).await.unwrap();
    let post = |path: &str, body: String| {
        Request::post(path)
            .header(header::HOST, "127.0.0.1:3000")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            .body(Body::from(body))
            .unwrap()
    };
    let info = app.send(post("/api/account/deletion", String::new())).await;
    assert_eq!(info.json()["has_password"], false, "{}", info.body);
    let no_password = app.send(post("/api/account/delete", "password=anything".into())).await;
    assert_eq!(no_password.error_code(), "PASSWORD_INCORRECT");
    let sent = app.send(post("/api/account/deletion-mail", String::new())).await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    let body: String = sqlx::query_scalar(
        "SELECT body_text FROM mail_outbox WHERE subject = 'Confirm the deletion of your account'",
    )
    .fetch_one(&app.db.db.pool)
    .await
    .unwrap();
    let link = body.split("token=").nth(1).unwrap().split_whitespace().next().unwrap().to_owned();
    // Opening the link deletes nothing; the button does.
    let shown = app.post_form("/api/account/confirm-link", &[("token", &link)], None).await;
    assert_eq!(shown.json()["username"], "sso_only");
    let id = user_id(&app, "sso_only").await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM retirement_statuses WHERE user_id = $1", &id).await, 0);
    // A cancel link is not a confirmation link.
    let wrong_purpose = app.post_form("/api/account/cancel-deletion", &[("token", &link)], None).await;
    assert_eq!(wrong_purpose.error_code(), "LINK_INVALID");
    let confirmed = app.post_form("/api/account/confirm-deletion", &[("token", &link)], None).await;
    assert!(confirmed.status.is_success() || confirmed.status.is_redirection(), "{}", confirmed.body);
    assert_eq!(state_of(&app, &id).await, "PENDING");
    // The token it was signed in with is gone; the link cannot queue it twice.
    assert_eq!(app.send(post("/api/account/deletion", String::new())).await.status, 401);
    let twice = app.post_form("/api/account/confirm-deletion", &[("token", &link)], None).await;
    assert_eq!(twice.error_code(), "RETIREMENT_PENDING");
    app.cleanup().await;
}

async fn an_admin_abort_wins_over_a_worker_that_read_the_learner_before(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let admin = app.sign_in("admin", "registrar-admin").await;
    let queued = app
        .post_form(
            "/api/console/retirement_request",
            &[("identifier", "learner07"), ("reason", "asked")],
            Some(&admin),
        )
        .await
        .json();
    let status_id = queued["id"].as_str().unwrap().to_owned();
    // A worker read the learner in PENDING ...
    let stale = server::store::retirement::get(&app.db.db, &status_id).await.unwrap().unwrap();
    // ... an admin aborts meanwhile ...
    let aborted = app
        .post_form(
            "/api/console/retirement_abort",
            &[("id", &status_id), ("reason", "changed their mind")],
            Some(&admin),
        )
        .await;
    assert_eq!(aborted.status, 200, "{}", aborted.body);
    // ... and the worker's move from what it read is refused and changes nothing.
    let mut tx = app.db.db.pool.begin().await.unwrap();
    let moved =
        server::store::retirement::move_many(&mut tx, &[&stale], "LOCKING_ACCOUNT", "Starting", "worker-x")
            .await;
    assert!(moved.as_ref().is_err_and(server::store::retirement::is_changed_meanwhile), "{moved:?}");
    drop(tx);
    let single = {
        let mut tx = app.db.db.pool.begin().await.unwrap();
        server::store::retirement::move_to(&mut tx, &stale, "LOCKING_ACCOUNT", "Starting", "worker-x").await
    };
    assert!(single.as_ref().is_err_and(server::store::retirement::is_changed_meanwhile), "{single:?}");
    let id = user_id(&app, "learner07").await;
    assert_eq!(state_of(&app, &id).await, "ABORTED");
    app.cleanup().await;
}

crate::on_both_engines!(
    an_admin_abort_wins_over_a_worker_that_read_the_learner_before,
    an_account_without_a_password_confirms_through_a_mailed_link,
    learner_deletes_their_account_and_nothing_names_them_afterwards,
    the_mailed_link_cancels_during_the_cool_off,
    a_failing_stage_is_retried_then_errored_then_resumed_by_an_admin,
    an_external_driver_retires_a_learner_through_the_service_api
);
