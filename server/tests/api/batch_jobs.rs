//! Long batches run in the background (progress, per-row report, CSV, a mail to the requester), and
//! lists arrive as CSV uploads.

use crate::common::{Engine, TestApp};
use serde_json::Value;

const CS101: &str = "course-v1:DemoX+CS101+2026_T1";
const CS101_IN_URL: &str = "course-v1:DemoX%2BCS101%2B2026_T1";

async fn report(app: &TestApp, cookie: &str, id: &str) -> Value {
    let reply =
        app.post_form("/api/membership/batch_report", &[("course", CS101), ("id", id)], Some(cookie)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()
}

fn count_of(report: &Value, category: &str) -> usize {
    report["rows"].as_array().unwrap().iter().filter(|r| r["category"] == category).count()
}

/// 40 existing learners, 1,160 unknown addresses and 20 malformed entries.
fn long_list() -> Vec<String> {
    let mut list: Vec<String> = (1..=40).map(|i| format!("learner{i:02}")).collect();
    list.extend((0..1160).map(|i| format!("person{i:04}@example.org")));
    list.extend((0..20).map(|i| format!("not-an-address-{i}@")));
    list
}

async fn a_long_list_runs_in_the_background_and_mails_its_report(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let staff = app.sign_in("staff", "registrar-staff").await;
    let list = long_list();
    let queued = app
        .post_form(
            "/api/membership/enroll_batch",
            &[
                ("course", CS101),
                ("identifiers", &list.join("\n")),
                ("action", "enroll"),
                ("auto_enroll", "on"),
            ],
            Some(&staff),
        )
        .await;
    assert_eq!(queued.status, 200, "{}", queued.body);
    let queued = queued.json();
    assert_eq!(queued["progress"]["state"], "queued");
    assert_eq!(queued["progress"]["total"], list.len());
    let id = queued["id"].as_str().unwrap().to_owned();
    let waiting = report(&app, &staff, &id).await;
    assert_eq!(waiting["progress"]["done"], 0, "nothing happens before the worker runs");

    // Another course's staff cannot read it; the worker runs it once.
    let other = app.sign_in("instructor", "registrar-instructor").await;
    let foreign = app
        .post_form(
            "/api/membership/batch_report",
            &[("course", "course-v1:DemoX+DS201+2026_T1"), ("id", &id)],
            Some(&other),
        )
        .await;
    assert_eq!(foreign.status, 404, "a report belongs to its course");
    assert_eq!(app.worker().drain().await.unwrap(), 1);

    let done = report(&app, &staff, &id).await;
    assert!(done["progress"].is_null(), "{}", done["progress"]);
    assert_eq!(done["rows"].as_array().unwrap().len(), list.len(), "one row per entry, in order");
    assert_eq!(done["rows"][0]["identifier"], "learner01");
    assert_eq!(count_of(&done, "Invited"), 1160);
    assert_eq!(count_of(&done, "Invalid"), 20);
    assert_eq!(count_of(&done, "Enrolled") + count_of(&done, "AlreadyEnrolled"), 40);
    let invited: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM enrollment_invitations WHERE course_key = $1 AND email_key LIKE 'person%'",
    )
    .bind(CS101)
    .fetch_one(&app.db.db.pool)
    .await
    .unwrap();
    assert_eq!(invited, 1160);

    // The requester is mailed a summary with links to the report and its CSV.
    let (subject, body): (String, String) = sqlx::query_as(
        "SELECT subject, body_text FROM mail_outbox WHERE to_addr = 'staff@example.org' ORDER BY created_at DESC",
    )
    .fetch_one(&app.db.db.pool)
    .await
    .unwrap();
    assert_eq!(subject, "Your batch enrollment in Introduction to Computer Science has finished");
    assert!(body.contains("Invited: 1160"), "{body}");
    assert!(body.contains(&format!("batch={id}")));

    let csv = app
        .get(&format!("/api/membership/batch_report.csv?course={CS101_IN_URL}&id={id}"), Some(&staff))
        .await;
    assert_eq!(csv.status, 200, "{}", csv.body);
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(lines[0], "identifier,success,result,before,after,error");
    assert_eq!(lines.len(), list.len() + 1);
    assert!(lines.iter().any(|l| l.starts_with("person0000@example.org,true,Invited,")));
    assert!(lines.iter().any(|l| l.starts_with("not-an-address-0@,false,Invalid,")));

    // Over the hard limit: refused whole, with the limit in the message.
    let too_many: Vec<String> = (0..10_001).map(|i| format!("p{i}@example.org")).collect();
    let refused = app
        .post_form(
            "/api/membership/enroll_batch",
            &[("course", CS101), ("identifiers", &too_many.join(",")), ("action", "enroll")],
            Some(&staff),
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.error_message().contains("at most 10000"), "{}", refused.body);
    app.cleanup().await;
}

async fn a_job_left_by_a_stopped_worker_is_finished_by_another(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let staff = app.sign_in("staff", "registrar-staff").await;
    let list = long_list();
    let queued = app
        .post_form(
            "/api/membership/enroll_batch",
            &[("course", CS101), ("identifiers", &list.join(" ")), ("action", "enroll")],
            Some(&staff),
        )
        .await
        .json();
    let id = queued["id"].as_str().unwrap().to_owned();
    // A worker claims it and stops answering: its lease is already over.
    server::store::jobs::claim(&app.db.db, "stopped-worker", -1).await.unwrap().unwrap();
    assert_eq!(app.worker().drain().await.unwrap(), 1);
    let done = report(&app, &staff, &id).await;
    assert_eq!(done["rows"].as_array().unwrap().len(), list.len());
    let audit: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM enrollment_audit WHERE course_key = $1 AND email LIKE 'person%'",
    )
    .bind(CS101)
    .fetch_one(&app.db.db.pool)
    .await
    .unwrap();
    assert_eq!(audit, 1160, "every entry written once");
    app.cleanup().await;
}

async fn a_batch_whose_requester_lost_access_is_not_run(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let ta = app.sign_in("ta", "registrar-learner").await;
    let list = long_list();
    let queued = app
        .post_form(
            "/api/membership/enroll_batch",
            &[("course", CS101), ("identifiers", &list.join(" ")), ("action", "enroll")],
            Some(&ta),
        )
        .await
        .json();
    let id = queued["id"].as_str().unwrap().to_owned();
    let admin = app.sign_in("instructor", "registrar-instructor").await;
    let removed = app
        .post_form(
            "/api/membership/team_remove",
            &[("course", CS101), ("username", "ta"), ("role", "staff")],
            Some(&admin),
        )
        .await;
    assert!(removed.status.is_success(), "{}", removed.body);
    app.worker().drain().await.unwrap();
    let stopped = report(&app, &admin, &id).await;
    assert_eq!(stopped["progress"]["state"], "failed");
    assert!(stopped["progress"]["error"].as_str().unwrap().contains("ta may no longer enroll learners"));
    let invited: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM enrollment_invitations WHERE course_key = $1 AND email_key LIKE 'person%'",
    )
    .bind(CS101)
    .fetch_one(&app.db.db.pool)
    .await
    .unwrap();
    assert_eq!(invited, 0, "nothing was written on their behalf");
    app.cleanup().await;
}

async fn lists_upload_as_csv(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let ta = app.sign_in("ta", "registrar-learner").await;
    let file = "\u{feff}Name,Email\nAmara,learner06@example.org\n\"Doe, Jane\",jane.doe@example.org\n,\n";
    let fields = [("course", CS101), ("action", "enroll"), ("notify", "on")];
    let json = app
        .post_multipart(
            "/api/membership/upload",
            &fields,
            Some(("list.csv", file.as_bytes())),
            Some(&ta),
            true,
        )
        .await;
    assert_eq!(json.status, 200, "{}", json.body);
    let rows: Vec<(String, String)> = json.json()["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["identifier"].as_str().unwrap().to_owned(), r["category"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(
        rows,
        [
            ("learner06@example.org".to_owned(), "Enrolled".to_owned()),
            ("jane.doe@example.org".to_owned(), "Invited".to_owned())
        ],
        "the Email column, header skipped, blank rows ignored"
    );

    // A browser is sent to the report, or back to the form with the reason.
    let browser = app
        .post_multipart(
            "/api/membership/upload",
            &fields,
            Some(("one.csv", b"learner07\n")),
            Some(&ta),
            false,
        )
        .await;
    assert_eq!(browser.status, 303);
    let location = browser.headers["location"].to_str().unwrap();
    assert!(location.starts_with(&format!("/courses/{CS101_IN_URL}?tab=membership&batch=")), "{location}");
    let binary = app
        .post_multipart(
            "/api/membership/upload",
            &fields,
            Some(("x.csv", &[0xff, 0xfe, 0x00, 0x41])),
            Some(&ta),
            false,
        )
        .await;
    let location = binary.headers["location"].to_str().unwrap();
    assert!(location.contains("upload_error=The%20file%20is%20not%20UTF-8"), "{location}");
    let empty = app
        .post_multipart("/api/membership/upload", &fields, Some(("e.csv", b"email\n")), Some(&ta), true)
        .await;
    assert_eq!((empty.status.as_u16(), empty.error_code()), (422, "INPUT_INVALID".to_owned()));
    assert!(empty.error_message().contains("no email addresses or usernames"));
    let no_action = app
        .post_multipart(
            "/api/membership/upload",
            &[("course", CS101)],
            Some(("a.csv", b"learner08")),
            Some(&ta),
            true,
        )
        .await;
    assert_eq!(no_action.status, 422);
    app.cleanup().await;
}

crate::on_both_engines!(
    a_long_list_runs_in_the_background_and_mails_its_report,
    a_job_left_by_a_stopped_worker_is_finished_by_another,
    a_batch_whose_requester_lost_access_is_not_run,
    lists_upload_as_csv
);
