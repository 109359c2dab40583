//! People running their own account, over HTTP on both databases: "Forgot password?", changing
//! the password (other sessions and tokens end), the name, the address (through a link mailed to
//! the new one, which redeems invitations to it), and their sessions listed in words and ended.

use crate::common::{Engine, Reply, TestApp};
use app::gate::Gate;
use axum::body::Body;
use http::header;

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";

fn done(reply: &Reply, what: &str) {
    assert!(
        reply.status.is_success() || reply.status.is_redirection(),
        "{what}: {} {}",
        reply.status,
        reply.body
    );
}

/// Sign in from a browser that names itself.
pub async fn sign_in_from(app: &TestApp, username: &str, password: &str, user_agent: &str) -> String {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([("identifier", username), ("password", password)])
        .finish();
    let req = TestApp::form_request("/api/session/login", None)
        .header(header::USER_AGENT, user_agent)
        .body(Body::from(body))
        .unwrap();
    let reply = app.send(req).await;
    done(&reply, "sign in");
    reply.session_cookie().expect("a session cookie")
}

/// The last mail to `email` (any spelling) whose subject starts with `subject`: its body.
pub async fn last_mail(app: &TestApp, email: &str, subject: &str) -> Option<String> {
    sqlx::query_scalar(
        "SELECT body_text FROM mail_outbox WHERE lower(to_addr) = $1 AND subject LIKE $2 ORDER BY created_at DESC",
    )
    .bind(email.to_lowercase())
    .bind(format!("{subject}%"))
    .fetch_optional(&app.db.db.pool)
    .await
    .unwrap()
}

pub async fn mails_to(app: &TestApp, email: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM mail_outbox WHERE lower(to_addr) = $1")
        .bind(email.to_lowercase())
        .fetch_one(&app.db.db.pool)
        .await
        .unwrap()
}

/// The value of `param` in the link of a mail body.
pub fn link_param(body: &str, param: &str) -> String {
    let rest = body.split(&format!("{param}=")).nth(1).unwrap_or_else(|| panic!("no {param} in {body}"));
    let raw = rest.split(['&', ' ', '\n']).next().unwrap();
    url::form_urlencoded::parse(format!("v={raw}").as_bytes()).next().unwrap().1.into_owned()
}

async fn status_of(app: &TestApp, cookie: &str) -> u16 {
    app.post_form("/api/account/get", &[], Some(cookie)).await.status.as_u16()
}

async fn forgot_password_mails_a_link_that_sets_a_new_password(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let empty = app.post_form("/api/account/forgot-password", &[("identifier", "  ")], None).await;
    assert_eq!(empty.error_code(), "INPUT_INVALID", "{}", empty.body);
    let asked = app.post_form("/api/account/forgot-password", &[("identifier", "LEARNER")], None).await;
    done(&asked, "forgot");
    let body = last_mail(&app, "learner@example.org", "Choose a new Registrar password")
        .await
        .expect("a link mailed");
    assert!(body.contains("asked on the sign-in page"), "{body}");
    let token = link_param(&body, "token");
    let form = [
        ("token", token.as_str()),
        ("password", "a fresh long phrase"),
        ("password_confirm", "a fresh long phrase"),
    ];
    done(&app.post_form("/api/account/reset-password", &form, None).await, "reset");
    app.sign_in("learner", "a fresh long phrase").await;
    let again = app.post_form("/api/account/reset-password", &form, None).await;
    assert_eq!(again.error_code(), "LINK_INVALID", "single use: {}", again.body);
    app.cleanup().await;
}

async fn changing_the_password_ends_every_other_session_and_token(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let here = sign_in_from(&app, "learner", "registrar-learner", FIREFOX).await;
    let elsewhere = app.sign_in("learner", "registrar-learner").await;
    let (gate, system) = Gate::system(app.backend(), "test");
    let token = gate.backend().accounts.issue_token(&system, "learner", "script", None).await.unwrap();
    let change = |current: &'static str, new: &'static str, again: &'static str| {
        [("current_password", current), ("password", new), ("password_confirm", again)]
    };
    for _ in 0..3 {
        let wrong = app
            .post_form(
                "/api/account/change-password",
                &change("nope", "a new long phrase", "a new long phrase"),
                Some(&here),
            )
            .await;
        assert_eq!(
            (wrong.status.as_u16(), wrong.error_code()),
            (403, "PASSWORD_INCORRECT".to_owned()),
            "{}",
            wrong.body
        );
    }
    // Three wrong passwords make the account wait, as failed sign-ins do.
    let hurried = app
        .post_form(
            "/api/account/change-password",
            &change("registrar-learner", "a new long phrase", "a new long phrase"),
            Some(&here),
        )
        .await;
    assert_eq!(hurried.error_code(), "AUTH_THROTTLED", "{}", hurried.body);
    tokio::time::sleep(std::time::Duration::from_millis(2_100)).await;
    let mismatch = app
        .post_form(
            "/api/account/change-password",
            &change("registrar-learner", "a new long phrase", "another"),
            Some(&here),
        )
        .await;
    assert_eq!(mismatch.error_code(), "PASSWORD_MISMATCH", "{}", mismatch.body);
    let short = app
        .post_form(
            "/api/account/change-password",
            &change("registrar-learner", "short", "short"),
            Some(&here),
        )
        .await;
    assert_eq!(short.error_code(), "PASSWORD_WEAK", "{}", short.body);
    assert_eq!(status_of(&app, &elsewhere).await, 200, "nothing changed by the refusals");

    let changed = app
        .post_form(
            "/api/account/change-password",
            &change("registrar-learner", "a new long phrase", "a new long phrase"),
            Some(&here),
        )
        .await;
    done(&changed, "change");
    assert_eq!(status_of(&app, &here).await, 200, "this session stays");
    assert_eq!(status_of(&app, &elsewhere).await, 401, "the other session ended");
    let bearer = http::Request::post("/api/account/get")
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send(bearer).await.status, 401, "the token ended");
    assert!(last_mail(&app, "learner@example.org", "Your Registrar password was changed").await.is_some());
    let old = app
        .post_form(
            "/api/session/login",
            &[("identifier", "learner"), ("password", "registrar-learner")],
            None,
        )
        .await;
    assert_eq!(old.status, 401);
    app.sign_in("learner", "a new long phrase").await;
    app.cleanup().await;
}

async fn the_name_changes_and_blank_is_refused(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let cookie = app.sign_in("learner", "registrar-learner").await;
    let blank = app.post_form("/api/account/change-name", &[("full_name", "   ")], Some(&cookie)).await;
    assert_eq!(blank.error_code(), "FULL_NAME_INVALID", "{}", blank.body);
    done(
        &app.post_form("/api/account/change-name", &[("full_name", "  Lea Lerner ")], Some(&cookie)).await,
        "name",
    );
    let account = app.post_form("/api/account/get", &[], Some(&cookie)).await.json();
    assert_eq!(account["full_name"], "Lea Lerner");
    app.cleanup().await;
}

async fn a_new_address_counts_once_its_link_is_followed(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let cookie = app.sign_in("learner", "registrar-learner").await;
    // The course team invited the new address before (the learner's other address).
    let instructor = app.sign_in("instructor", "registrar-instructor").await;
    let invite =
        [("course", "course-v1:DemoX+CS101+2026_T1"), ("identifier", "lea@work.example"), ("role", "staff")];
    done(&app.post_form("/api/course_team/add", &invite, Some(&instructor)).await, "invite");

    let ask = |email: &'static str, password: &'static str| [("email", email), ("password", password)];
    let same = app
        .post_form(
            "/api/account/change-email",
            &ask("Learner@Example.org", "registrar-learner"),
            Some(&cookie),
        )
        .await;
    assert_eq!(same.error_code(), "INPUT_INVALID", "{}", same.body);
    let taken = app
        .post_form("/api/account/change-email", &ask("ADMIN@example.org", "registrar-learner"), Some(&cookie))
        .await;
    assert_eq!(taken.error_code(), "EMAIL_TAKEN", "{}", taken.body);
    let wrong =
        app.post_form("/api/account/change-email", &ask("lea@work.example", "nope"), Some(&cookie)).await;
    assert_eq!(wrong.error_code(), "PASSWORD_INCORRECT", "{}", wrong.body);
    assert_eq!(mails_to(&app, "lea@work.example").await, 0, "no link for a refused request");

    done(
        &app.post_form(
            "/api/account/change-email",
            &ask("Lea@Work.example", "registrar-learner"),
            Some(&cookie),
        )
        .await,
        "ask",
    );
    let account = app.post_form("/api/account/get", &[], Some(&cookie)).await.json();
    assert_eq!(account["email"], "learner@example.org", "nothing changes before the link");
    assert!(last_mail(&app, "learner@example.org", "Your Registrar account asked to change").await.is_some());
    let body = last_mail(&app, "lea@work.example", "Confirm your new email address").await.unwrap();
    let (token, email) = (link_param(&body, "token"), link_param(&body, "email"));
    assert_eq!(email, "Lea@Work.example");
    let confirmed = app
        .post_form(
            "/api/account/confirm-email-change",
            &[("token", &token), ("email", &email)],
            Some(&cookie),
        )
        .await;
    done(&confirmed, "confirm");
    let account = app.post_form("/api/account/get", &[], Some(&cookie)).await.json();
    assert_eq!(
        (account["email"].as_str(), account["email_confirmed"].as_bool()),
        (Some("Lea@Work.example"), Some(true))
    );
    let team = app
        .post_form("/api/course_team/get", &[("course", "course-v1:DemoX+CS101+2026_T1")], Some(&cookie))
        .await;
    assert_eq!(team.status, 200, "the invitation to the new address is redeemed: {}", team.body);
    app.sign_in("lea@work.example", "registrar-learner").await;
    let past: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM user_past_emails WHERE email_key = 'learner@example.org'")
            .fetch_one(&app.db.db.pool)
            .await
            .unwrap();
    assert_eq!(past, 1, "the old address is remembered for retirement");
    let again = app
        .post_form(
            "/api/account/confirm-email-change",
            &[("token", &token), ("email", &email)],
            Some(&cookie),
        )
        .await;
    assert_eq!(again.error_code(), "LINK_INVALID", "used up: {}", again.body);
    app.cleanup().await;
}

async fn sessions_are_listed_in_words_and_end_one_by_one(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let here = sign_in_from(&app, "learner", "registrar-learner", FIREFOX).await;
    let phone = sign_in_from(&app, "learner", "registrar-learner", "curl/8.5.0").await;
    let third = app.sign_in("learner", "registrar-learner").await;
    let sessions = app.post_form("/api/account/get", &[], Some(&here)).await.json()["sessions"].clone();
    let list = sessions.as_array().unwrap();
    assert_eq!(list.len(), 3, "{sessions}");
    let mine: Vec<_> = list.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["device"], "Firefox 128 on Linux");
    let curl = list
        .iter()
        .find(|s| s["device"] == "curl 8")
        .unwrap_or_else(|| panic!("the script's session: {sessions}"));
    let handle = curl["handle"].as_str().unwrap().to_owned();
    assert!(!sessions.to_string().contains(here.split('=').nth(1).unwrap()), "no secret listed");

    done(&app.post_form("/api/account/end-sessions", &[("session", &handle)], Some(&here)).await, "end one");
    assert_eq!(status_of(&app, &phone).await, 401);
    assert_eq!(status_of(&app, &third).await, 200);
    let gone = app.post_form("/api/account/end-sessions", &[("session", &handle)], Some(&here)).await;
    assert_eq!(gone.error_code(), "NOT_FOUND", "{}", gone.body);
    done(&app.post_form("/api/account/end-sessions", &[], Some(&here)).await, "end others");
    assert_eq!(status_of(&app, &third).await, 401);
    assert_eq!(status_of(&app, &here).await, 200, "this one stays");
    app.cleanup().await;
}

async fn sign_ins_are_listed_for_their_owner_and_the_console_and_forgotten_after_90_days(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let wrong =
        app.post_form("/api/session/login", &[("identifier", "learner"), ("password", "guess")], None).await;
    assert_eq!(wrong.status, 401);
    let stranger =
        app.post_form("/api/session/login", &[("identifier", "nobody"), ("password", "guess")], None).await;
    assert_eq!(stranger.status, 401);
    let cookie = sign_in_from(&app, "learner", "registrar-learner", FIREFOX).await;
    let account = app.post_form("/api/account/get", &[], Some(&cookie)).await.json();
    let seen: Vec<(bool, String)> = account["recent_sign_ins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["success"].as_bool().unwrap(), s["device"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(
        seen,
        [(true, "Firefox 128 on Linux".to_owned()), (false, "Unknown device".to_owned())],
        "newest first"
    );
    let kept: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM sign_ins").fetch_one(&app.db.db.pool).await.unwrap();
    assert_eq!(kept, 2, "attempts at an account that does not exist are not kept");

    let admin = app.sign_in("admin", "registrar-admin").await;
    let detail = app.post_form("/api/console/user", &[("identifier", "learner")], Some(&admin)).await.json();
    assert_eq!(detail["recent_sign_ins"].as_array().map(Vec::len), Some(2), "{detail}");
    assert_eq!(detail["email_verified"], true, "the demo's addresses are confirmed");
    let export = app.get("/api/account/export.json", Some(&cookie)).await.json();
    assert_eq!(export["data"]["sign_ins"].as_array().map(Vec::len), Some(2));

    sqlx::query("UPDATE sign_ins SET at = at - $1")
        .bind(91_i64 * 24 * 3600 * 1000)
        .execute(&app.db.db.pool)
        .await
        .unwrap();
    assert_eq!(
        server::store::sign_ins::purge_old(&app.db.db).await.unwrap(),
        3,
        "the learner's two and the admin's"
    );
    app.cleanup().await;
}

crate::on_both_engines!(
    sign_ins_are_listed_for_their_owner_and_the_console_and_forgotten_after_90_days,
    forgot_password_mails_a_link_that_sets_a_new_password,
    changing_the_password_ends_every_other_session_and_token,
    the_name_changes_and_blank_is_refused,
    a_new_address_counts_once_its_link_is_followed,
    sessions_are_listed_in_words_and_end_one_by_one,
);
