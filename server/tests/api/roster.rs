//! The Membership tab's enrollment list: search, filters, paging and the CSV download of the same rows.

use crate::common::{Engine, TestApp};
use serde_json::Value;

const CS101: &str = "course-v1:DemoX+CS101+2026_T1";
const CS101_IN_URL: &str = "course-v1:DemoX%2BCS101%2B2026_T1";

async fn page(app: &TestApp, cookie: &str, filters: &[(&str, &str)]) -> Value {
    let mut form = vec![("course", CS101)];
    form.extend_from_slice(filters);
    let reply = app.post_form("/api/membership/enrollments", &form, Some(cookie)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()
}

fn field(list: &Value, name: &str) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[name].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .bind(CS101)
        .fetch_one(&app.db.db.pool)
        .await
        .unwrap()
}

async fn staff_search_filter_page_and_download_the_roster(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let ta = app.sign_in("ta", "registrar-learner").await;
    let newcomers: Vec<String> = (1..=20).map(|i| format!("newcomer{i:02}@example.org")).collect();
    let invite = app
        .post_form(
            "/api/membership/enroll_batch",
            &[("course", CS101), ("identifiers", &newcomers.join(" ")), ("action", "enroll")],
            Some(&ta),
        )
        .await;
    assert_eq!(invite.status, 200, "{}", invite.body);
    let enrolled = count(&app, "SELECT COUNT(*) FROM enrollments WHERE course_key = $1").await;
    let invited =
        count(&app, "SELECT COUNT(*) FROM enrollment_invitations WHERE course_key = $1 AND user_id IS NULL")
            .await;

    let everyone = page(&app, &ta, &[]).await;
    assert_eq!(everyone["total"].as_i64().unwrap(), enrolled + invited);
    assert_eq!(everyone["items"].as_array().unwrap().len(), 50, "a full first page");
    let second = page(&app, &ta, &[("page", "2")]).await;
    let (first_names, second_names) = (field(&everyone, "email"), field(&second, "email"));
    assert!(first_names.iter().all(|e| !second_names.contains(e)), "pages do not overlap");

    // Search matches the start of a username, an email or a name, ignoring case.
    let by_username = page(&app, &ta, &[("search", "LEARNER3")]).await;
    let names = field(&by_username, "username");
    assert!(!names.is_empty());
    assert!(names.iter().all(|n| n.starts_with("learner3")), "{names:?}");
    let by_name = page(&app, &ta, &[("search", "tomás")]).await;
    assert_eq!(field(&by_name, "username"), ["ta"]);
    let by_invited_email = page(&app, &ta, &[("search", "guest.")]).await;
    assert_eq!(field(&by_invited_email, "email"), ["guest.lecturer@example.org"]);
    assert_eq!(field(&by_invited_email, "status"), ["Invited"]);
    let nobody = page(&app, &ta, &[("search", "zzz")]).await;
    assert_eq!(nobody["total"], 0);
    let wildcard = page(&app, &ta, &[("search", "%")]).await;
    assert_eq!(wildcard["total"], 0, "search text is not a pattern");

    // Filters: status and mode.
    let only_invited = page(&app, &ta, &[("status", "invited")]).await;
    assert_eq!(only_invited["total"].as_i64().unwrap(), invited);
    assert!(field(&only_invited, "username").iter().all(String::is_empty));
    let verified = page(&app, &ta, &[("mode", "verified")]).await;
    let verified_total =
        count(&app, "SELECT COUNT(*) FROM enrollments WHERE course_key = $1 AND mode = 'verified'").await;
    assert_eq!(verified["total"].as_i64().unwrap(), verified_total);
    assert!(field(&verified, "mode").iter().all(|m| m == "verified"));
    let invited_with_mode = page(&app, &ta, &[("status", "invited"), ("mode", "verified")]).await;
    assert_eq!(invited_with_mode["total"], 0, "invitations have no mode");
    app.post_form(
        "/api/membership/enroll_batch",
        &[("course", CS101), ("identifiers", "learner30"), ("action", "unenroll")],
        Some(&ta),
    )
    .await;
    let unenrolled = page(&app, &ta, &[("status", "inactive")]).await;
    assert_eq!(field(&unenrolled, "username"), ["learner30"]);
    let active = page(&app, &ta, &[("status", "active"), ("search", "learner30")]).await;
    assert_eq!(active["total"], 0);

    // The CSV holds every matching row, not one page.
    let csv = app
        .get(&format!("/api/membership/enrollments.csv?course={CS101_IN_URL}&status=all"), Some(&ta))
        .await;
    assert_eq!(csv.status, 200, "{}", csv.body);
    assert!(csv.headers["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(csv.headers["content-disposition"].to_str().unwrap().contains("attachment"));
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(lines[0], "username,full_name,email,mode,status,auto_enroll,since");
    assert_eq!(lines.len() as i64 - 1, enrolled + invited);
    assert!(lines.iter().any(|l| l.starts_with(",,new.student@example.org,,invited,true,")));
    let filtered = app
        .get(&format!("/api/membership/enrollments.csv?course={CS101_IN_URL}&search=learner3"), Some(&ta))
        .await;
    assert!(filtered.body.lines().skip(1).all(|l| l.starts_with("learner3")), "{}", filtered.body);

    // Bad filters are refused with a message; other people's courses are not listed.
    let bad = app
        .post_form("/api/membership/enrollments", &[("course", CS101), ("status", "gone")], Some(&ta))
        .await;
    assert_eq!((bad.status.as_u16(), bad.error_code()), (422, "INPUT_INVALID".to_owned()));
    let elsewhere = app
        .post_form(
            "/api/membership/enrollments",
            &[("course", "course-v1:MathX+ALG200+2026_Spring")],
            Some(&ta),
        )
        .await;
    assert_eq!(elsewhere.status, 403);
    app.cleanup().await;
}

crate::on_both_engines!(staff_search_filter_page_and_download_the_roster);
