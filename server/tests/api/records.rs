//! Credentials and learner records end to end on both databases: the demo learner's records (the
//! grade rules as a learner reads them), sharing, unsharing and re-sharing, the public page and CSV
//! (email hidden, CSV injection neutralised, rate limit, records switch), sending to a pathway (an
//! outbox mail and history), the LMS-facing service API (award and revoke idempotent, grades judged
//! per item, stale pushes refused), and the console's certificate administration.

use crate::common::{Engine, Reply, TestApp};
use axum::body::Body;
use http::{header, Request};

const CS101: &str = "course-v1:DemoX+CS101+2026_T1";

pub async fn program_id(app: &TestApp, title: &str) -> String {
    sqlx::query_scalar("SELECT id FROM programs WHERE title = $1")
        .bind(title)
        .fetch_one(&app.db.db.pool)
        .await
        .unwrap()
}

pub async fn pathway_id(app: &TestApp, name: &str) -> String {
    sqlx::query_scalar("SELECT id FROM pathways WHERE name = $1")
        .bind(name)
        .fetch_one(&app.db.db.pool)
        .await
        .unwrap()
}

/// A JSON request with a session cookie, as a script would send it.
pub async fn json(app: &TestApp, method: &str, path: &str, body: &serde_json::Value, cookie: &str) -> Reply {
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/json")
        .header(header::COOKIE, cookie)
        .header("sec-fetch-site", "same-origin")
        .body(Body::from(body.to_string()))
        .unwrap();
    app.send(req).await
}

/// Award `username` the verified certificate of `run` through the service API.
pub async fn award(app: &TestApp, staff: &str, username: &str, run: &str) -> Reply {
    let body = serde_json::json!({
        "username": username,
        "status": "awarded",
        "credential": {"course_run_key": run, "mode": "verified", "type": "course-run"},
        "attributes": [{"name": "visible_date", "value": "2026-01-01T00:00:00Z"}]
    });
    let reply = json(app, "POST", "/api/v2/credentials/", &body, staff).await;
    assert!(reply.status == 201 || reply.status == 200, "{}", reply.body);
    reply
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(&app.db.db.pool)
        .await
        .unwrap()
}

async fn learner_reads_and_shares_their_records(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let learner = app.sign_in("learner", "registrar-learner").await;
    let list = app.post_form("/api/records/mine", &[], Some(&learner)).await;
    assert_eq!(list.status, 200, "{}", list.body);
    let programs = list.json()["programs"].as_array().unwrap().clone();
    let titles: Vec<&str> = programs.iter().map(|p| p["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Data Science MicroMasters", "Humanities and Life Sciences"]);
    assert_eq!(
        (programs[0]["completed"].as_bool(), programs[0]["earned_courses"].as_i64()),
        (Some(false), Some(2))
    );
    assert_eq!(programs[0]["total_courses"], 3, "two runs of CS101 are one course");
    assert_eq!(programs[1]["completed"], true);
    assert_eq!(programs[0]["school"], "Demo University, Mathematics Consortium");

    // The record: the best verified grade of an awarded run; earned without a grade; a grade without
    // a certificate is not earned and not shown.
    let program = program_id(&app, "Data Science MicroMasters").await;
    let record = app.post_form("/api/records/program", &[("program", &program)], Some(&learner)).await;
    assert_eq!(record.status, 200, "{}", record.body);
    let record = record.json();
    let courses = record["courses"].as_array().unwrap();
    assert_eq!(courses.len(), 3);
    assert_eq!(courses[0]["name"], "Introduction to Computer Science");
    assert_eq!(courses[0]["course_run"], CS101);
    assert_eq!((courses[0]["percent"].as_f64(), courses[0]["letter"].as_str()), (Some(0.91), Some("A")));
    assert_eq!(courses[0]["attempts"], 2);
    assert!(
        courses[1]["earned_at"].is_i64() && courses[1]["percent"].is_null(),
        "DS201 earned without a grade"
    );
    assert!(courses[2]["earned_at"].is_null() && courses[2]["percent"].is_null(), "ALG200 not earned");
    assert_eq!(record["share"], serde_json::Value::Null);
    let pathways: Vec<&str> =
        record["pathways"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(pathways, ["State University Credit Pathway"], "only published credit pathways with an email");

    // Another learner's program id, or a program without a record, is not theirs to open or share.
    let other = app.sign_in("learner05", "registrar-learner").await;
    let none = app.post_form("/api/records/program", &[("program", &program)], Some(&other)).await;
    assert_eq!(none.status, 404);
    let refused = app.post_form("/api/records/share", &[("program", &program)], Some(&other)).await;
    assert_eq!(refused.status, 404);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM record_shares").await, 0);
    // A link that ends in the past is refused and changes nothing.
    let past = app
        .post_form("/api/records/share", &[("program", &program), ("expires", "2020-01-01")], Some(&learner))
        .await;
    assert_eq!(past.status, 422, "{}", past.body);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM record_shares").await, 0);

    // Share: the public page opens without signing in, hides the email, counts the view.
    let shared = app.post_form("/api/records/share", &[("program", &program)], Some(&learner)).await;
    assert_eq!(shared.status, 200, "{}", shared.body);
    let first = shared.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(shared.json()["url"], format!("http://registrar.test/records/shared/{first}"));
    let public = app.post_form("/api/records/shared", &[("id", &first)], None).await;
    assert_eq!(public.status, 200, "{}", public.body);
    assert_eq!(public.json()["email"], serde_json::Value::Null);
    assert_eq!(public.json()["full_name"], "Leo Learner");
    assert!(public.json()["pathways"].as_array().unwrap().is_empty() && public.json()["share"].is_null());
    let page = app.get(&format!("/records/shared/{first}"), None).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Data Science MicroMasters") && !page.body.contains("learner@example.org"));
    let csv = app.get(&format!("/records/shared/{first}/csv"), None).await;
    assert_eq!(csv.status, 200, "{}", csv.body);
    assert!(csv.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/csv"));
    assert!(csv.headers[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .contains("learner_data_science_micromasters_grades.csv"));
    assert!(csv.body.contains("\"Introduction to Computer Science\",\"Demo University\",\"course-v1:DemoX+CS101+2026_T1\",\"91%\",\"A\",\"2\""), "{}", csv.body);
    assert!(!csv.body.contains("learner@example.org"), "the email is hidden unless the owner shows it");
    // Showing the email is the owner's choice; the link stays the same.
    let again = app
        .post_form("/api/records/share", &[("program", &program), ("show_email", "on")], Some(&learner))
        .await;
    assert_eq!(again.json()["id"], first.as_str());
    let public = app.post_form("/api/records/shared", &[("id", &first)], None).await;
    assert_eq!(public.json()["email"], "learner@example.org");
    let own = app.post_form("/api/records/program", &[("program", &program)], Some(&learner)).await.json();
    assert_eq!((own["share"]["views"].as_i64(), own["share"]["downloads"].as_i64()), (Some(3), Some(1)));
    // Views and downloads are counted on the link (and kept, for "download my data"); the history
    // lists what the owner did, so strangers opening the link cannot push sends out of it.
    let kinds: Vec<&str> =
        own["history"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["shared"]);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM record_events WHERE kind IN ('viewed', 'downloaded')").await,
        4
    );

    // Unshare: the link stops working with the same 404 as a link that never existed.
    let unshared = app.post_form("/api/records/unshare", &[("program", &program)], Some(&learner)).await;
    assert_eq!(unshared.status, 200, "{}", unshared.body);
    let gone = app.post_form("/api/records/shared", &[("id", &first)], None).await;
    let never =
        app.post_form("/api/records/shared", &[("id", "0123456789abcdef0123456789abcdef")], None).await;
    assert_eq!((gone.status.as_u16(), gone.error_message()), (404, never.error_message()));
    assert_eq!(app.get(&format!("/records/shared/{first}/csv"), None).await.status, 404);
    assert_eq!(app.post_form("/api/records/shared", &[("id", "../etc")], None).await.status, 404);
    // Re-share: a new link; the old one stays dead.
    let reshared = app.post_form("/api/records/share", &[("program", &program)], Some(&learner)).await;
    let second = reshared.json()["id"].as_str().unwrap().to_owned();
    assert_ne!(second, first);
    assert_eq!(app.post_form("/api/records/shared", &[("id", &second)], None).await.status, 200);
    assert_eq!(app.post_form("/api/records/shared", &[("id", &first)], None).await.status, 404);
    // An expired link answers like any other dead one.
    sqlx::query("UPDATE record_shares SET expires_at = 1 WHERE id = $1")
        .bind(&second)
        .execute(&app.db.db.pool)
        .await
        .unwrap();
    assert_eq!(app.post_form("/api/records/shared", &[("id", &second)], None).await.status, 404);
    // …and the owner is offered a new link rather than the dead one.
    let own = app.post_form("/api/records/program", &[("program", &program)], Some(&learner)).await.json();
    assert!(own["share"].is_null(), "{}", own["share"]);

    // The owner's own CSV; nobody else's.
    let mine = app.get(&format!("/api/records/{program}/record.csv"), Some(&learner)).await;
    assert_eq!(mine.status, 200);
    assert!(mine.body.contains("\"Email\",\"learner@example.org\""));
    assert_eq!(app.get(&format!("/api/records/{program}/record.csv"), Some(&other)).await.status, 404);

    // Staff see any learner's records, read only; learners cannot.
    let staff = app.sign_in("staff", "registrar-staff").await;
    let seen = app.post_form("/api/console/learner_records", &[("username", "learner")], Some(&staff)).await;
    assert_eq!(seen.json()["programs"].as_array().unwrap().len(), 2);
    let seen = app
        .post_form(
            "/api/console/learner_record",
            &[("username", "learner"), ("program", &program)],
            Some(&staff),
        )
        .await;
    assert_eq!(seen.json()["view"], "Staff");
    assert_eq!(
        app.post_form("/api/console/learner_records", &[("username", "learner")], Some(&other)).await.status,
        403
    );
    app.cleanup().await;
}

async fn records_switch_and_rate_limit(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let learner = app.sign_in("learner", "registrar-learner").await;
    let program = program_id(&app, "Data Science MicroMasters").await;
    let shared = app.post_form("/api/records/share", &[("program", &program)], Some(&learner)).await;
    let id = shared.json()["id"].as_str().unwrap().to_owned();
    // Records off: the list, the public page and the CSV all answer 404.
    let admin = app.sign_in("admin", "registrar-admin").await;
    let off = app
        .post_form(
            "/api/console/site",
            &[("name", "Demo"), ("platform_name", "Registrar Demo")],
            Some(&admin),
        )
        .await;
    assert_eq!(off.status, 200, "{}", off.body);
    assert_eq!(app.post_form("/api/records/mine", &[], Some(&learner)).await.status, 404);
    assert_eq!(app.post_form("/api/records/shared", &[("id", &id)], None).await.status, 404);
    assert_eq!(app.get(&format!("/records/shared/{id}/csv"), None).await.status, 404);
    let on = app
        .post_form(
            "/api/console/site",
            &[("name", "Demo"), ("platform_name", "Registrar Demo"), ("records_enabled", "on")],
            Some(&admin),
        )
        .await;
    assert_eq!(on.status, 200);
    // A bad site configuration is refused and changes nothing.
    let bad = app
        .post_form(
            "/api/console/site",
            &[
                ("name", "Demo"),
                ("platform_name", "X"),
                ("records_enabled", "on"),
                ("tos_url", "javascript:alert(1)"),
            ],
            Some(&admin),
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.error_message().contains("terms of service URL"), "{}", bad.body);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM sites WHERE platform_name = 'X'").await, 0);
    // Public fetches per address are limited: the 31st in a minute is refused with 429 (a fresh
    // minute: the fetches above counted too).
    sqlx::query("DELETE FROM login_throttle WHERE key LIKE 'records:%'")
        .execute(&app.db.db.pool)
        .await
        .unwrap();
    let mut statuses = Vec::new();
    for _ in 0..31 {
        statuses.push(app.get(&format!("/records/shared/{id}/csv"), None).await.status.as_u16());
    }
    assert!(statuses[..30].iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(statuses[30], 429);
    let limited = app.post_form("/api/records/shared", &[("id", &id)], None).await;
    assert_eq!((limited.status.as_u16(), limited.error_code()), (429, "RATE_LIMITED".to_owned()));
    app.cleanup().await;
}

async fn sending_to_a_pathway_mails_the_organisation(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let learner = app.sign_in("learner", "registrar-learner").await;
    let program = program_id(&app, "Data Science MicroMasters").await;
    let credit = pathway_id(&app, "State University Credit Pathway").await;
    let industry = pathway_id(&app, "Industry Partners").await;
    // Industry pathways take no records; refused and nothing sent.
    let refused = app
        .post_form(
            "/api/records/send",
            &[("program", &program), ("pathway", &industry), ("confirm", "on")],
            Some(&learner),
        )
        .await;
    assert_eq!(refused.status, 404, "{}", refused.body);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM mail_outbox WHERE to_addr = 'talent@employers.example'").await,
        0
    );
    // Sending needs the learner's confirmation: without it, nothing is sent.
    let unconfirmed = app
        .post_form("/api/records/send", &[("program", &program), ("pathway", &credit)], Some(&learner))
        .await;
    assert_eq!(unconfirmed.status, 422, "{}", unconfirmed.body);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM mail_outbox WHERE to_addr = 'credit@state-university.example'")
            .await,
        0
    );
    for _ in 0..2 {
        let sent = app
            .post_form(
                "/api/records/send",
                &[("program", &program), ("pathway", &credit), ("confirm", "on")],
                Some(&learner),
            )
            .await;
        assert_eq!(sent.status, 200, "{}", sent.body);
    }
    let mails: Vec<(String, String, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT subject, body_text, from_addr, reply_to FROM mail_outbox WHERE to_addr = 'credit@state-university.example' ORDER BY created_at",
    )
    .fetch_all(&app.db.db.pool)
    .await
    .unwrap();
    assert_eq!(mails.len(), 2, "a re-send is allowed and mailed again");
    assert_eq!(mails[0].0, "Data Science MicroMasters Credit Request for Leo Learner");
    assert!(mails[1].0.starts_with("Updated: "));
    let share: String = sqlx::query_scalar("SELECT id FROM record_shares WHERE revoked_at IS NULL")
        .fetch_one(&app.db.db.pool)
        .await
        .unwrap();
    assert!(
        mails[0].1.contains(&format!("http://registrar.test/records/shared/{share}/csv")),
        "{}",
        mails[0].1
    );
    assert!(mails[0].1.contains("partially completed program record"));
    // From the site's partner address; replies reach the learner.
    assert_eq!(mails[0].2.as_deref(), Some("records@registrar.example"));
    assert_eq!(mails[0].3.as_deref(), Some("learner@example.org"));
    let own = app.post_form("/api/records/program", &[("program", &program)], Some(&learner)).await.json();
    let sends = own["history"].as_array().unwrap().iter().filter(|e| e["kind"] == "sent").count();
    assert_eq!(sends, 2, "each send is kept in the history");
    assert!(own["pathways"][0]["last_sent_at"].is_i64());
    // Sends mail a third party: fifteen a minute per learner, then refused with nothing sent.
    for _ in 0..13 {
        let sent = app
            .post_form(
                "/api/records/send",
                &[("program", &program), ("pathway", &credit), ("confirm", "on")],
                Some(&learner),
            )
            .await;
        assert_eq!(sent.status, 200, "{}", sent.body);
    }
    let sixteenth = app
        .post_form(
            "/api/records/send",
            &[("program", &program), ("pathway", &credit), ("confirm", "on")],
            Some(&learner),
        )
        .await;
    assert_eq!((sixteenth.status.as_u16(), sixteenth.error_code()), (429, "RATE_LIMITED".to_owned()));
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM mail_outbox WHERE to_addr = 'credit@state-university.example'")
            .await,
        15
    );
    app.cleanup().await;
}

async fn service_api_awards_revokes_and_takes_grades(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let staff = app.sign_in("staff", "registrar-staff").await;
    let learner05 = app.sign_in("learner05", "registrar-learner").await;
    let learner06 = app.sign_in("learner06", "registrar-learner").await;
    // Award: made once; the same request again is one effect (same uuid, no new audit entry).
    let made = award(&app, &staff, "learner05", CS101).await;
    assert_eq!(made.status, 201, "{}", made.body);
    let uuid = made.json()["uuid"].as_str().unwrap().to_owned();
    assert_eq!(made.json()["credential"]["course_run_key"], CS101);
    assert_eq!(made.json()["attributes"][0]["name"], "visible_date");
    let audits = count(&app, "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'credential.%'").await;
    let same = award(&app, &staff, "learner05", CS101).await;
    assert_eq!((same.status.as_u16(), same.json()["uuid"].as_str()), (200, Some(uuid.as_str())));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'credential.%'").await, audits);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM user_credentials").await, 7, "6 demo + 1");
    // The learner now has a record; revoking hides it (the row stays).
    let program = program_id(&app, "Data Science MicroMasters").await;
    let mine = app.post_form("/api/records/mine", &[], Some(&learner05)).await.json();
    assert_eq!(mine["programs"].as_array().unwrap().len(), 1);
    // A certificate whose available date is still ahead is not shown yet (Open edX's visibility).
    let later = "UPDATE course_certificates SET available_at = 9999999999999 WHERE course_key = 'course-v1:DemoX+CS101+2026_T1' AND certificate_type = 'verified'";
    sqlx::query(later).execute(&app.db.db.pool).await.unwrap();
    let mine = app.post_form("/api/records/mine", &[], Some(&learner05)).await.json();
    assert!(mine["programs"].as_array().unwrap().is_empty(), "{mine}");
    let now = "UPDATE course_certificates SET available_at = NULL WHERE course_key = 'course-v1:DemoX+CS101+2026_T1'";
    sqlx::query(now).execute(&app.db.db.pool).await.unwrap();
    let revoked =
        json(&app, "DELETE", &format!("/api/v2/credentials/{uuid}/"), &serde_json::json!({}), &staff).await;
    assert_eq!((revoked.status.as_u16(), revoked.json()["status"].as_str()), (200, Some("revoked")));
    let mine = app.post_form("/api/records/mine", &[], Some(&learner05)).await.json();
    assert!(mine["programs"].as_array().unwrap().is_empty());
    assert_eq!(
        app.post_form("/api/records/program", &[("program", &program)], Some(&learner05)).await.status,
        404
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM user_credentials").await, 7, "revoking keeps the row");
    // The owner may read their credential; another learner gets 404; naming someone else is 403.
    let path = format!("/api/v2/credentials/{uuid}/");
    let owner = app.get(&path, Some(&learner05)).await;
    assert_eq!((owner.status.as_u16(), owner.json()["username"].as_str()), (200, Some("learner05")));
    assert_eq!(app.get(&path, Some(&learner06)).await.status, 404);
    let listed = app.get("/api/v2/credentials/?username=learner05", Some(&learner05)).await;
    assert_eq!(listed.json()["count"], 1);
    assert_eq!(app.get("/api/v2/credentials/?username=learner05", Some(&learner06)).await.status, 403);
    assert_eq!(app.get("/api/v2/credentials/?username=nobody-at-all", Some(&learner06)).await.status, 403);
    // Re-award through PATCH.
    let back = json(
        &app,
        "PATCH",
        &format!("/api/v2/credentials/{uuid}/"),
        &serde_json::json!({"status": "awarded"}),
        &staff,
    )
    .await;
    assert_eq!(back.json()["status"], "awarded");
    // A switched-off configuration cannot award again, not even through PATCH.
    let off = "UPDATE course_certificates SET is_active = $1 WHERE course_key = 'course-v1:DemoX+CS101+2026_T1' AND certificate_type = 'verified'";
    sqlx::query(off).bind(false).execute(&app.db.db.pool).await.unwrap();
    let revoke = json(
        &app,
        "PATCH",
        &format!("/api/v2/credentials/{uuid}/"),
        &serde_json::json!({"status": "revoked"}),
        &staff,
    )
    .await;
    assert_eq!(revoke.json()["status"], "revoked", "revoking under a switched-off configuration works");
    let refused = json(
        &app,
        "PATCH",
        &format!("/api/v2/credentials/{uuid}/"),
        &serde_json::json!({"status": "awarded"}),
        &staff,
    )
    .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    sqlx::query(off).bind(true).execute(&app.db.db.pool).await.unwrap();
    let back = json(
        &app,
        "PATCH",
        &format!("/api/v2/credentials/{uuid}/"),
        &serde_json::json!({"status": "awarded"}),
        &staff,
    )
    .await;
    assert_eq!(back.json()["status"], "awarded");
    // Bad requests name what is wrong and change nothing.
    let before = count(&app, "SELECT COUNT(*) FROM user_credentials").await;
    for (body, needle) in [
        (
            serde_json::json!({"username": "learner05", "credential": {"program_uuid": "0123456789abcdef0123456789abcdef"}}),
            "no program certificate",
        ),
        (
            serde_json::json!({"username": "learner05", "credential": {"course_run_key": "course-v1:NoX+None+1", "mode": "verified"}}),
            "no course run",
        ),
        (
            serde_json::json!({"username": "learner05", "credential": {"course_run_key": CS101, "mode": "gold"}}),
            "not a certificate type",
        ),
        (
            serde_json::json!({"username": "learner05", "status": "maybe", "credential": {"course_run_key": CS101}}),
            "neither awarded nor revoked",
        ),
        (
            serde_json::json!({"username": "learner05", "credential": {"course_run_key": CS101}, "attributes": [{"name": "a", "value": "1"}, {"name": "a", "value": "2"}]}),
            "named twice",
        ),
    ] {
        let reply = json(&app, "POST", "/api/v2/credentials/", &body, &staff).await;
        assert_eq!(reply.status, 422, "{body}: {}", reply.body);
        assert!(reply.error_message().contains(needle), "{}", reply.body);
    }
    let unknown = json(
        &app,
        "POST",
        "/api/v2/credentials/",
        &serde_json::json!({"username": "nobody", "credential": {"course_run_key": CS101}}),
        &staff,
    )
    .await;
    assert_eq!(unknown.status, 404);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM user_credentials").await, before);

    // Grades: a batch is judged item by item; stale pushes never overwrite a newer grade.
    let grade = |user: &str, run: &str, pct: f64, at: &str| serde_json::json!({"username": user, "course_run": run, "letter_grade": "B", "percent_grade": pct, "verified": true, "lms_last_updated_at": at});
    let batch = serde_json::json!([
        grade("learner05", CS101, 0.8, "2026-03-01T10:00:00Z"),
        grade("learner05", CS101, 1.5, "2026-03-01T10:00:00Z"),
        grade("learner05", "course-v1:NoX+None+1", 0.5, "2026-03-01T10:00:00Z"),
        grade("nobody", CS101, 0.5, "2026-03-01T10:00:00Z"),
        grade("learner05", CS101, 0.4, "2026-02-01T10:00:00Z"),
        {"username": "learner05"},
    ]);
    let reply = json(&app, "POST", "/api/v2/grades/", &batch, &staff).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let results = reply.json()["results"].as_array().unwrap().clone();
    let codes: Vec<&str> =
        results.iter().map(|r| r["code"].as_str().unwrap_or(r["status"].as_str().unwrap())).collect();
    assert_eq!(
        codes,
        ["applied", "GRADE_INVALID", "COURSE_KEY_INVALID", "USER_NOT_FOUND", "GRADE_STALE", "GRADE_INVALID"]
    );
    assert_eq!((reply.json()["applied"].as_i64(), reply.json()["failed"].as_i64()), (Some(1), Some(5)));
    let stored = || async {
        sqlx::query_scalar::<_, i64>("SELECT percent_e4 FROM user_grades g JOIN users u ON u.id = g.user_id WHERE u.username = 'learner05'")
            .fetch_one(&app.db.db.pool)
            .await
            .unwrap()
    };
    assert_eq!(stored().await, 8000);
    // One grade, as the LMS sends it: the same push again changes nothing; an older one is 409.
    let once = json(
        &app,
        "POST",
        "/api/v2/grades/",
        &grade("learner05", CS101, 0.8, "2026-03-01T10:00:00Z"),
        &staff,
    )
    .await;
    assert_eq!((once.status.as_u16(), once.json()["status"].as_str()), (200, Some("unchanged")));
    let stale = json(
        &app,
        "POST",
        "/api/v2/grades/",
        &grade("learner05", CS101, 0.3, "2026-01-01T00:00:00Z"),
        &staff,
    )
    .await;
    assert_eq!((stale.status.as_u16(), stale.error_code()), (409, "GRADE_STALE".to_owned()));
    let newer = json(
        &app,
        "POST",
        "/api/v2/grades/",
        &grade("learner05", CS101, 0.95, "2026-04-01T00:00:00Z"),
        &staff,
    )
    .await;
    assert_eq!(newer.json()["status"], "applied");
    assert_eq!(stored().await, 9500);
    // The learner's record shows it.
    let record =
        app.post_form("/api/records/program", &[("program", &program)], Some(&learner05)).await.json();
    assert_eq!(record["courses"][0]["percent"], 0.95);
    // Only staff write through the service API.
    let denied = json(
        &app,
        "POST",
        "/api/v2/grades/",
        &grade("learner05", CS101, 1.0, "2027-01-01T00:00:00Z"),
        &learner05,
    )
    .await;
    assert_eq!(denied.status, 403);
    assert_eq!(stored().await, 9500);
    app.cleanup().await;
}

async fn console_administers_certificates(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let staff = app.sign_in("staff", "registrar-staff").await;
    // A duplicate course certificate configuration names the one it conflicts with.
    let dup = app
        .post_form(
            "/api/console/course_certificate",
            &[("course_key", CS101), ("certificate_type", "verified"), ("active", "on")],
            Some(&staff),
        )
        .await;
    assert_eq!(dup.status, 409, "{}", dup.body);
    assert!(dup.error_message().contains(CS101) && dup.error_message().contains("Verified"), "{}", dup.body);
    let made = app
        .post_form(
            "/api/console/course_certificate",
            &[("course_key", CS101), ("certificate_type", "professional"), ("active", "on")],
            Some(&staff),
        )
        .await;
    assert_eq!(made.status, 200, "{}", made.body);
    // Signatory images are judged by content, with the limit in the refusal.
    // A configuration with credentials issued under it keeps what it certifies.
    let verified: String = sqlx::query_scalar("SELECT id FROM course_certificates WHERE course_key = 'course-v1:DemoX+CS101+2026_T1' AND certificate_type = 'verified'")
        .fetch_one(&app.db.db.pool)
        .await
        .unwrap();
    let moved = app
        .post_form(
            "/api/console/course_certificate",
            &[
                ("id", &verified),
                ("course_key", "course-v1:OpenX+BIO150+2026"),
                ("certificate_type", "verified"),
                ("active", "on"),
            ],
            Some(&staff),
        )
        .await;
    assert_eq!(moved.status, 409, "{}", moved.body);
    assert!(moved.error_message().contains("create a new configuration"), "{}", moved.body);
    let retitled = app
        .post_form(
            "/api/console/course_certificate",
            &[
                ("id", &verified),
                ("course_key", CS101),
                ("certificate_type", "verified"),
                ("title", "CS101 Verified"),
                ("active", "on"),
            ],
            Some(&staff),
        )
        .await;
    assert_eq!(retitled.status, 200, "{}", retitled.body);
    // Signatory images are judged by content, with the limit in the refusal.
    let png = [&b"\x89PNG\r\n\x1a\n"[..], &[0u8; 64]].concat();
    for (bytes, ok) in
        [(&b"GIF89a fake"[..], false), (&vec![0x89u8; 300 * 1024][..], false), (&png[..], true)]
    {
        let reply = app
            .post_multipart(
                "/api/console/signatories",
                &[("name", "Dr. Who"), ("title", "Dean")],
                Some(("sig.png", bytes)),
                Some(&staff),
                true,
            )
            .await;
        if ok {
            assert_eq!(reply.status, 201, "{}", reply.body);
            let id = reply.json()["id"].as_str().unwrap().to_owned();
            let image = app.get(&format!("/media/signatories/{id}"), None).await;
            assert_eq!(image.headers[header::CONTENT_TYPE], "image/png");
            assert_eq!(image.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        } else {
            assert_eq!(reply.status, 422, "{}", reply.body);
            assert_eq!(reply.error_code(), "IMAGE_INVALID");
            assert!(reply.error_message().contains("250 KB"), "{}", reply.body);
        }
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM signatories WHERE name = 'Dr. Who'").await, 1);
    // A browser form without JavaScript is sent back to the console with the message.
    let browser = app
        .post_multipart(
            "/api/console/signatories",
            &[("name", "X"), ("title", "Y")],
            Some(("a.gif", b"GIF89a")),
            Some(&staff),
            false,
        )
        .await;
    assert!(browser.status.is_redirection());
    assert!(browser.headers[header::LOCATION].to_str().unwrap().contains("signatory_error="));
    // A program certificate needs a signatory.
    let program = program_id(&app, "Data Science MicroMasters").await;
    let none = app
        .post_form(
            "/api/console/program_certificate",
            &[("program", &program), ("active", "on")],
            Some(&staff),
        )
        .await;
    assert_eq!(none.status, 422);
    // A program whose title a spreadsheet would run: the CSV neutralises it.
    let saved = app
        .post_form(
            "/api/console/program",
            &[
                ("title", "=HYPERLINK(\"http://evil\")"),
                ("program_type", "Certificate"),
                ("orgs", "DemoX"),
                ("courses", CS101),
            ],
            Some(&staff),
        )
        .await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    let evil: String = serde_json::from_str(&saved.body).unwrap();
    let bad_course = app
        .post_form(
            "/api/console/program",
            &[("title", "T"), ("program_type", "C"), ("orgs", "DemoX"), ("courses", "course-v1:NoX+Nope+1")],
            Some(&staff),
        )
        .await;
    assert_eq!(bad_course.status, 422);
    assert!(bad_course.error_message().contains("course-v1:NoX+Nope+1"));
    // A pathway's programs come as indexed checkboxes (only the ticked ones are posted).
    let pathway = app
        .post_form(
            "/api/console/pathway",
            &[
                ("name", "Evil U"),
                ("org_name", "Evil U"),
                ("email", "credit@evil.example"),
                ("pathway_type", "credit"),
                ("status", "published"),
                ("programs[2]", &evil),
            ],
            Some(&staff),
        )
        .await;
    assert_eq!(pathway.status, 200, "{}", pathway.body);
    let pathways_before = count(&app, "SELECT COUNT(*) FROM pathways").await;
    let unknown = app
        .post_form(
            "/api/console/pathway",
            &[
                ("name", "Ghost U"),
                ("org_name", "Ghost U"),
                ("pathway_type", "credit"),
                ("status", "published"),
                ("programs[0]", "nope"),
            ],
            Some(&staff),
        )
        .await;
    assert_eq!(unknown.status, 404, "{}", unknown.body);
    assert!(unknown.error_message().contains("There is no program nope"), "{}", unknown.body);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM pathways").await, pathways_before);
    let linked =
        count(&app, &format!("SELECT COUNT(*) FROM pathway_programs WHERE program_id = '{evil}'")).await;
    assert_eq!(linked, 1);
    let learner = app.sign_in("learner", "registrar-learner").await;
    let csv = app.get(&format!("/api/records/{evil}/record.csv"), Some(&learner)).await;
    assert_eq!(csv.status, 200, "{}", csv.body);
    assert!(csv.body.contains("\"Program Name\",\"'=HYPERLINK(\"\"http://evil\"\")\""), "{}", csv.body);
    // The console lists it all.
    let console = app.post_form("/api/console/credentials", &[], Some(&staff)).await.json();
    assert_eq!(console["programs"].as_array().unwrap().len(), 3);
    assert!(console["course_certificates"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["certificate_type"] == "professional"));
    app.cleanup().await;
}

crate::on_both_engines!(
    learner_reads_and_shares_their_records,
    records_switch_and_rate_limit,
    sending_to_a_pathway_mails_the_organisation,
    service_api_awards_revokes_and_takes_grades,
    console_administers_certificates
);
