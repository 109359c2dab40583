//! Two-step sign-in over HTTP on both databases: setting up an authenticator app (a code from it
//! confirms), the code step after the password (app codes and recovery codes, each once), wrong
//! codes throttled like passwords, and turning it off with the password.

use crate::common::{Engine, Reply, TestApp};
use totp_rs::{Algorithm, Secret, TOTP};

/// The code the app would show `offset_steps` steps from now.
pub fn app_code(secret: &str, offset_steps: i64) -> String {
    let compact: String = secret.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = Secret::Encoded(compact).to_bytes().unwrap();
    let totp = TOTP::new(Algorithm::SHA1, 6, 1, 30, bytes, Some("Registrar".into()), "x".into()).unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    totp.generate(now.checked_add_signed(offset_steps * 30).unwrap())
}

/// Set up the app for the account behind `cookie`; returns the secret and the recovery codes.
pub async fn turn_on(app: &TestApp, cookie: &str, password: &str) -> (String, Vec<String>) {
    let setup = app.post_form("/api/account/second-factor/start", &[], Some(cookie)).await;
    assert_eq!(setup.status, 200, "{}", setup.body);
    let setup = setup.json();
    let secret = setup["secret"].as_str().unwrap().to_owned();
    let codes: Vec<String> =
        setup["recovery_codes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_owned()).collect();
    assert!(
        setup["qr_svg"].as_str().unwrap().starts_with("<?xml")
            || setup["qr_svg"].as_str().unwrap().contains("<svg")
    );
    assert!(setup["uri"].as_str().unwrap().starts_with("otpauth://totp/Registrar:"));
    let on = app
        .post_form(
            "/api/account/second-factor/confirm",
            &[("code", &app_code(&secret, 0)), ("password", password)],
            Some(cookie),
        )
        .await;
    assert!(on.status.is_success() || on.status.is_redirection(), "{}", on.body);
    (secret, codes)
}

/// The password step: the pending token from where it sends the browser (no session yet).
pub async fn password_step(app: &TestApp, username: &str, password: &str) -> String {
    let reply =
        app.post_form("/api/session/login", &[("identifier", username), ("password", password)], None).await;
    assert!(reply.session_cookie().is_none(), "no session before the code: {:?}", reply.set_cookie());
    let location = reply
        .header("location")
        .unwrap_or_else(|| panic!("sent to the code page: {} {}", reply.status, reply.body));
    assert!(location.starts_with("/login/code?pending="), "{location}");
    let query = location.split_once('?').unwrap().1;
    url::form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == "pending").unwrap().1.into_owned()
}

pub async fn code_step(app: &TestApp, pending: &str, code: &str) -> Reply {
    app.post_form("/api/session/second-factor", &[("pending", pending), ("code", code)], None).await
}

async fn an_authenticator_app_guards_the_sign_in(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let cookie = app.sign_in("learner", "registrar-learner").await;
    let setup = app.post_form("/api/account/second-factor/start", &[], Some(&cookie)).await.json();
    let secret = setup["secret"].as_str().unwrap().to_owned();
    let wrong = app
        .post_form(
            "/api/account/second-factor/confirm",
            &[("code", "12345"), ("password", "registrar-learner")],
            Some(&cookie),
        )
        .await;
    assert_eq!(wrong.error_code(), "INPUT_INVALID", "{}", wrong.body);
    // A session alone (no password) cannot put an app between the owner and the account.
    let no_password = app
        .post_form(
            "/api/account/second-factor/confirm",
            &[("code", &app_code(&secret, 0)), ("password", "guess")],
            Some(&cookie),
        )
        .await;
    assert_eq!(no_password.error_code(), "PASSWORD_INCORRECT", "{}", no_password.body);
    let account = app.post_form("/api/account/get", &[], Some(&cookie)).await.json();
    assert_eq!(account["second_factor"], false, "not on before a code confirms it");
    // The very code that confirms is kept, to replay it later (a code computed again later may
    // belong to the next time step, which is a new code).
    let confirming = app_code(&secret, 0);
    let on = app
        .post_form(
            "/api/account/second-factor/confirm",
            &[("code", &confirming), ("password", "registrar-learner")],
            Some(&cookie),
        )
        .await;
    assert!(on.status.is_success() || on.status.is_redirection(), "{}", on.body);
    assert!(crate::api::own_account::last_mail(&app, "learner@example.org", "Two-step sign-in is on")
        .await
        .is_some());
    let account = app.post_form("/api/account/get", &[], Some(&cookie)).await.json();
    assert_eq!(
        (account["second_factor"].as_bool(), account["recovery_codes_left"].as_i64()),
        (Some(true), Some(10))
    );
    let codes: Vec<String> =
        setup["recovery_codes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_owned()).collect();

    // The password alone opens nothing; the code used to confirm is used up.
    let pending = password_step(&app, "learner", "registrar-learner").await;
    let replay = code_step(&app, &pending, &confirming).await;
    assert_eq!(replay.error_code(), "INPUT_INVALID", "a code works once: {}", replay.body);
    // The next step's code (the phone's clock a little ahead) works, once.
    let ahead = app_code(&secret, 1);
    let signed_in = code_step(&app, &pending, &ahead).await;
    let session = signed_in.session_cookie().unwrap_or_else(|| panic!("signed in: {}", signed_in.body));
    assert_eq!(app.post_form("/api/account/get", &[], Some(&session)).await.status, 200);
    let pending = password_step(&app, "learner", "registrar-learner").await;
    assert_eq!(code_step(&app, &pending, &ahead).await.error_code(), "INPUT_INVALID");
    // A recovery code, typed loosely, works once.
    let loose = format!(" {} ", codes[0].to_uppercase());
    assert!(code_step(&app, &pending, &loose).await.session_cookie().is_some());
    let pending = password_step(&app, "learner", "registrar-learner").await;
    assert_eq!(code_step(&app, &pending, &codes[0]).await.error_code(), "INPUT_INVALID");
    let account = app.post_form("/api/account/get", &[], Some(&session)).await.json();
    assert_eq!(account["recovery_codes_left"], 9);
    let methods: Vec<String> = account["recent_sign_ins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["method"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        methods.contains(&"password and app code".to_owned())
            && methods.contains(&"password and recovery code".to_owned()),
        "{methods:?}"
    );

    // Off, with the password: the password alone signs in again.
    let off = app
        .post_form("/api/account/second-factor/remove", &[("password", "registrar-learner")], Some(&session))
        .await;
    assert!(off.status.is_success() || off.status.is_redirection(), "{}", off.body);
    app.sign_in("learner", "registrar-learner").await;
    let twice = app
        .post_form("/api/account/second-factor/remove", &[("password", "registrar-learner")], Some(&session))
        .await;
    assert_eq!(twice.error_code(), "INPUT_INVALID", "{}", twice.body);
    assert!(twice.error_message().contains("off already"), "{}", twice.body);
    app.cleanup().await;
}

/// Where the site requires it of staff, the console stays closed to a staff account until it sets
/// up an authenticator app; learners are not asked; other sessions end when the app is set up.
async fn the_console_waits_for_staff_to_set_up_a_second_factor(engine: Engine) {
    let policy =
        server::config::AuthPolicy { second_factor_for_staff: true, ..server::config::AuthPolicy::default() };
    let app = TestApp::seeded_with_policy(engine, policy).await;
    let staff = app.sign_in("staff", "registrar-staff").await;
    let elsewhere = app.sign_in("staff", "registrar-staff").await;
    let refused = app.post_form("/api/console/users", &[], Some(&staff)).await;
    assert_eq!(
        (refused.status.as_u16(), refused.error_code()),
        (403, "SECOND_FACTOR_REQUIRED".to_owned()),
        "{}",
        refused.body
    );
    let learner = app.sign_in("learner", "registrar-learner").await;
    assert_eq!(app.post_form("/api/account/get", &[], Some(&learner)).await.status, 200, "learners choose");
    assert_eq!(
        app.post_form("/api/account/get", &[], Some(&staff)).await.status,
        200,
        "My account stays open"
    );
    // Until then staff powers wait everywhere, not only in the console.
    let every_course =
        app.post_form("/api/courses/list", &[("search", ""), ("page", "1")], Some(&staff)).await;
    assert_eq!(every_course.status, 403, "{}", every_course.body);
    turn_on(&app, &staff, "registrar-staff").await;
    let opened = app.post_form("/api/console/users", &[], Some(&staff)).await;
    assert_eq!(opened.status, 200, "{}", opened.body);
    assert_eq!(
        app.post_form("/api/account/get", &[], Some(&elsewhere)).await.status,
        401,
        "password-only sessions ended"
    );
    app.cleanup().await;
}

/// A learner lost the phone and the recovery codes: an admin turns the factor off from the
/// console (the learner is mailed), and the password alone signs in again. Help desk may not do it
/// for a staff account.
async fn an_admin_turns_off_a_lost_second_factor(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let learner = app.sign_in("learner", "registrar-learner").await;
    turn_on(&app, &learner, "registrar-learner").await;
    let staff = app.sign_in("staff", "registrar-staff").await;
    turn_on(&app, &staff, "registrar-staff").await;
    let helpdesk = app.sign_in("helpdesk", "registrar-staff").await;
    let refused = app
        .post_form("/api/console/user_second_factor_reset", &[("username", "staff")], Some(&helpdesk))
        .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    let admin = app.sign_in("admin", "registrar-admin").await;
    let detail = app.post_form("/api/console/user", &[("identifier", "learner")], Some(&admin)).await.json();
    assert_eq!(detail["second_factor"], true);
    let done = app
        .post_form("/api/console/user_second_factor_reset", &[("username", "learner")], Some(&admin))
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    let again = app
        .post_form("/api/console/user_second_factor_reset", &[("username", "learner")], Some(&admin))
        .await;
    assert_eq!(again.error_code(), "INPUT_INVALID", "{}", again.body);
    assert!(crate::api::own_account::last_mail(
        &app,
        "learner@example.org",
        "Two-step sign-in was turned off"
    )
    .await
    .is_some());
    app.sign_in("learner", "registrar-learner").await;
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE action LIKE 'user.second_factor%' ORDER BY id",
    )
    .fetch_all(&app.db.db.pool)
    .await
    .unwrap();
    assert_eq!(actions, ["user.second_factor_on", "user.second_factor_on", "user.second_factor_reset"]);
    app.cleanup().await;
}

crate::on_both_engines!(
    an_authenticator_app_guards_the_sign_in,
    the_console_waits_for_staff_to_set_up_a_second_factor,
    an_admin_turns_off_a_lost_second_factor,
);
