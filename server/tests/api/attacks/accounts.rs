//! Attacks on the paths people use to run their own account: "Forgot password?" as an oracle of
//! who has an account and as a mail cannon, a stolen session that tries to take the account over
//! (new address, new password), a mailed link pointed at another address, and someone else's
//! session ended by handle.

use crate::api::own_account::{last_mail, link_param, mails_to};
use crate::common::{Engine, TestApp};

/// A stranger types addresses into "Forgot password?" to learn who has an account here, then asks
/// again and again for one learner to flood their mailbox. Every answer is the same whether or
/// not the account exists; the learner gets at most three links an hour.
async fn forgot_password_tells_who_has_an_account(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let real =
        app.post_form("/api/account/forgot-password", &[("identifier", "learner@example.org")], None).await;
    let unknown =
        app.post_form("/api/account/forgot-password", &[("identifier", "nobody@example.org")], None).await;
    assert_eq!((real.status, real.body.clone()), (unknown.status, unknown.body.clone()), "the same answer");
    assert_eq!(real.header("location"), unknown.header("location"));
    assert_eq!(mails_to(&app, "nobody@example.org").await, 0);
    for _ in 0..6 {
        let again = app.post_form("/api/account/forgot-password", &[("identifier", "LEARNER")], None).await;
        assert_eq!(again.status, real.status, "{}", again.body);
    }
    let links: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM mail_outbox WHERE to_addr = 'learner@example.org' AND subject LIKE 'Choose a new%'",
    )
    .fetch_one(&app.db.db.pool)
    .await
    .unwrap();
    assert_eq!(links, 3, "at most three links an hour");
    app.cleanup().await;
}

/// The attacker sat down at a learner's unlocked browser (a live session, no password). They try
/// to move the account to their address and to set their own password: both ask for the current
/// password and are refused, and nothing is mailed to the attacker. Then, holding a genuine link
/// the learner was sent for a new address, they edit the address in it to their own: refused.
async fn a_stolen_session_takes_the_account_over(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let stolen = app.sign_in("learner", "registrar-learner").await;
    let moved = app
        .post_form(
            "/api/account/change-email",
            &[("email", "mallory@evil.example"), ("password", "")],
            Some(&stolen),
        )
        .await;
    assert_eq!(moved.error_code(), "INPUT_INVALID", "{}", moved.body);
    let guessed = app
        .post_form(
            "/api/account/change-email",
            &[("email", "mallory@evil.example"), ("password", "password1")],
            Some(&stolen),
        )
        .await;
    assert_eq!(guessed.error_code(), "PASSWORD_INCORRECT", "{}", guessed.body);
    let form = [
        ("current_password", "password1"),
        ("password", "mallory's phrase"),
        ("password_confirm", "mallory's phrase"),
    ];
    let set = app.post_form("/api/account/change-password", &form, Some(&stolen)).await;
    assert_eq!(set.error_code(), "PASSWORD_INCORRECT", "{}", set.body);
    assert_eq!(mails_to(&app, "mallory@evil.example").await, 0);

    let asked = [("email", "lea@work.example"), ("password", "registrar-learner")];
    let sent = app.post_form("/api/account/change-email", &asked, Some(&stolen)).await;
    assert!(sent.status.is_success() || sent.status.is_redirection(), "{}", sent.body);
    let body = last_mail(&app, "lea@work.example", "Confirm your new email address").await.unwrap();
    let token = link_param(&body, "token");
    let edited = app
        .post_form(
            "/api/account/confirm-email-change",
            &[("token", &token), ("email", "mallory@evil.example")],
            Some(&stolen),
        )
        .await;
    assert_eq!(edited.error_code(), "LINK_INVALID", "{}", edited.body);
    let email: String = sqlx::query_scalar("SELECT email FROM users WHERE username_key = 'learner'")
        .fetch_one(&app.db.db.pool)
        .await
        .unwrap();
    assert_eq!(email, "learner@example.org");
    app.cleanup().await;
}

/// The learner's address-change link sits in the mailbox; meanwhile they change their password
/// because they fear the mailbox was read. Whoever reads it later finds a dead link.
async fn an_old_address_link_outlives_a_password_change(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let cookie = app.sign_in("learner", "registrar-learner").await;
    let asked = [("email", "lea@work.example"), ("password", "registrar-learner")];
    app.post_form("/api/account/change-email", &asked, Some(&cookie)).await;
    let body = last_mail(&app, "lea@work.example", "Confirm your new email address").await.unwrap();
    let form = [
        ("current_password", "registrar-learner"),
        ("password", "a new long phrase"),
        ("password_confirm", "a new long phrase"),
    ];
    let changed = app.post_form("/api/account/change-password", &form, Some(&cookie)).await;
    assert!(changed.status.is_success() || changed.status.is_redirection(), "{}", changed.body);
    let late = app
        .post_form(
            "/api/account/confirm-email-change",
            &[("token", &link_param(&body, "token")), ("email", &link_param(&body, "email"))],
            Some(&cookie),
        )
        .await;
    assert_eq!(late.error_code(), "LINK_INVALID", "{}", late.body);
    app.cleanup().await;
}

/// A learner copies the handle of another account's session (say, from a shared screen) and asks
/// to end it as if it were theirs: not found, and the other session lives on.
async fn ending_someone_elses_session(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let victim = app.sign_in("ta", "registrar-learner").await;
    let victim_other = app.sign_in("ta", "registrar-learner").await;
    let list = app.post_form("/api/account/get", &[], Some(&victim)).await.json()["sessions"].clone();
    let handle = list.as_array().unwrap().iter().find(|s| s["current"] == false).unwrap()["handle"]
        .as_str()
        .unwrap()
        .to_owned();
    let attacker = app.sign_in("learner", "registrar-learner").await;
    let ended = app.post_form("/api/account/end-sessions", &[("session", &handle)], Some(&attacker)).await;
    assert_eq!(ended.error_code(), "NOT_FOUND", "{}", ended.body);
    assert_eq!(app.post_form("/api/account/get", &[], Some(&victim_other)).await.status, 200);
    app.cleanup().await;
}

/// The attacker wants the address of the CS101 co-teacher (invited as Staff at
/// co.teacher@example.org) on their own account. They ask to move their account there, so the real
/// owner receives a genuine-looking link. The owner — who has an account of their own and follows
/// it signed in, or not signed in at all — moves nothing: the link finishes only for the account
/// that asked, signed in, and the attacker cannot read it.
async fn someone_else_follows_my_address_change_link(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let attacker = app.sign_in("learner", "registrar-learner").await;
    let asked = [("email", "co.teacher@example.org"), ("password", "registrar-learner")];
    let sent = app.post_form("/api/account/change-email", &asked, Some(&attacker)).await;
    assert!(sent.status.is_success() || sent.status.is_redirection(), "{}", sent.body);
    let body = last_mail(&app, "co.teacher@example.org", "Confirm your new email address").await.unwrap();
    assert!(body.contains("account learner asked") && body.contains("signed in to it"), "{body}");
    let form = [("token", link_param(&body, "token")), ("email", link_param(&body, "email"))];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let anonymous = app.post_form("/api/account/confirm-email-change", &form, None).await;
    assert_eq!(anonymous.status, 401, "{}", anonymous.body);
    let owner = app.sign_in("ta", "registrar-learner").await;
    let other = app.post_form("/api/account/confirm-email-change", &form, Some(&owner)).await;
    assert_eq!(other.error_code(), "LINK_INVALID", "{}", other.body);
    let emails: Vec<String> = sqlx::query_scalar(
        "SELECT email FROM users WHERE username_key IN ('learner', 'ta') ORDER BY username_key",
    )
    .fetch_all(&app.db.db.pool)
    .await
    .unwrap();
    assert_eq!(emails, ["learner@example.org", "ta@example.org"]);
    assert_eq!(
        super::super::attacks::invitations_pending(&app, "co.teacher@example.org").await,
        1,
        "still pending"
    );
    app.cleanup().await;
}

/// The attacker phished the learner's password, but the learner has two-step sign-in. The password
/// opens no session; guessing codes is slowed like guessing passwords; a pending sign-in does not
/// survive the learner changing their password; and from the stolen session of another device the
/// attacker cannot turn the factor off without the password.
async fn a_phished_password_meets_the_second_factor(engine: Engine) {
    use crate::api::second_factor::{app_code, code_step, password_step, turn_on};
    let app = TestApp::seeded(engine).await;
    let owner = app.sign_in("learner", "registrar-learner").await;
    let (secret, _) = turn_on(&app, &owner, "registrar-learner").await;
    let pending = password_step(&app, "learner", "registrar-learner").await;
    for guess in ["000000", "111111", "222222"] {
        assert_eq!(code_step(&app, &pending, guess).await.error_code(), "INPUT_INVALID");
    }
    let slowed = code_step(&app, &pending, &app_code(&secret, 1)).await;
    assert_eq!(slowed.error_code(), "AUTH_THROTTLED", "{}", slowed.body);
    assert!(slowed.session_cookie().is_none());
    // Typing the password again does not give the guesses back: the account's budget of wrong
    // codes holds (ten an hour), and one pending sign-in takes five codes at most.
    for _ in 0..3 {
        tokio::time::sleep(std::time::Duration::from_millis(4_100)).await;
        let again = password_step(&app, "learner", "registrar-learner").await;
        for guess in ["333333", "444444", "555555"] {
            let _ = code_step(&app, &again, guess).await;
        }
    }
    tokio::time::sleep(std::time::Duration::from_millis(4_100)).await;
    let last = password_step(&app, "learner", "registrar-learner").await;
    let budget = code_step(&app, &last, &app_code(&secret, 1)).await;
    assert_eq!(budget.error_code(), "AUTH_THROTTLED", "{}", budget.body);
    assert!(budget.error_message().contains("Too many wrong codes"), "{}", budget.body);
    let failed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sign_ins WHERE success = $1")
        .bind(false)
        .fetch_one(&app.db.db.pool)
        .await
        .unwrap();
    assert!(failed >= 10, "the owner sees the wrong codes: {failed}");
    // The owner changes the password; the attacker's pending sign-in dies with the old one.
    tokio::time::sleep(std::time::Duration::from_millis(2_100)).await;
    let form = [
        ("current_password", "registrar-learner"),
        ("password", "a new long phrase"),
        ("password_confirm", "a new long phrase"),
    ];
    let changed = app.post_form("/api/account/change-password", &form, Some(&owner)).await;
    assert!(changed.status.is_success() || changed.status.is_redirection(), "{}", changed.body);
    tokio::time::sleep(std::time::Duration::from_millis(4_100)).await;
    let late = code_step(&app, &pending, &app_code(&secret, 1)).await;
    assert_eq!(late.error_code(), "LINK_INVALID", "{}", late.body);
    // A session without the password cannot switch the factor off.
    let off = app
        .post_form("/api/account/second-factor/remove", &[("password", "registrar-learner")], Some(&owner))
        .await;
    assert_eq!(off.error_code(), "PASSWORD_INCORRECT", "{}", off.body);
    let account = app.post_form("/api/account/get", &[], Some(&owner)).await.json();
    assert_eq!(account["second_factor"], true);
    app.cleanup().await;
}

/// The learner signed in with two-step sign-in on a shared computer. The next person at it finds
/// the `/login/code?pending=…` address in the browser history and types codes at it: the pending
/// sign-in opened its one session and opens nothing more, not even with a right recovery code;
/// and a fresh pending sign-in takes five codes at most.
async fn a_used_code_page_from_the_browser_history(engine: Engine) {
    use crate::api::second_factor::{app_code, code_step, password_step, turn_on};
    let app = TestApp::seeded(engine).await;
    let owner = app.sign_in("learner", "registrar-learner").await;
    let (secret, codes) = turn_on(&app, &owner, "registrar-learner").await;
    let pending = password_step(&app, "learner", "registrar-learner").await;
    assert!(code_step(&app, &pending, &app_code(&secret, 1)).await.session_cookie().is_some());
    let replayed = code_step(&app, &pending, &codes[0]).await;
    assert_eq!(replayed.error_code(), "LINK_INVALID", "{}", replayed.body);
    assert!(replayed.session_cookie().is_none());

    let fresh = password_step(&app, "learner", "registrar-learner").await;
    for (i, guess) in ["000001", "000002", "000003"].iter().enumerate() {
        if i > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(2_100 * i as u64)).await;
        }
        let _ = code_step(&app, &fresh, guess).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(4_100)).await;
    let _ = code_step(&app, &fresh, "000004").await;
    tokio::time::sleep(std::time::Duration::from_millis(8_100)).await;
    let _ = code_step(&app, &fresh, "000005").await;
    let capped = code_step(&app, &fresh, &codes[1]).await;
    assert_eq!(capped.error_code(), "LINK_INVALID", "{}", capped.body);
    assert!(capped.error_message().contains("Too many codes"), "{}", capped.body);
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM recovery_codes WHERE used_at IS NULL")
        .fetch_one(&app.db.db.pool)
        .await
        .unwrap();
    assert_eq!(left, 10, "no recovery code was used up by the refused attempts");
    app.cleanup().await;
}

crate::on_both_engines!(
    a_used_code_page_from_the_browser_history,
    a_phished_password_meets_the_second_factor,
    someone_else_follows_my_address_change_link,
    forgot_password_tells_who_has_an_account,
    a_stolen_session_takes_the_account_over,
    an_old_address_link_outlives_a_password_change,
    ending_someone_elses_session,
);
