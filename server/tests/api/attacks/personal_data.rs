//! Attacks on personal data: reading another person's records through an address they once held.

use crate::common::{Engine, TestApp};

/// The subjects of the mail in "download my data" for the account behind `cookie`.
async fn mail_subjects(app: &TestApp, cookie: &str) -> Vec<String> {
    let export = app.get("/api/account/export.json", Some(cookie)).await;
    assert_eq!(export.status, 200, "{}", export.body);
    let data = export.json();
    data["data"]["mail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["subject"].as_str().unwrap().to_owned())
        .collect()
}

/// The attacker registers with an address another learner gave up. The learner (learner08) was
/// mailed a password link; support then changed their address. The attacker takes the old
/// address and downloads "my data": it must not hold the learner's mail (with its live link). The
/// learner's own download still does, and so does the attacker's for mail the attacker was sent.
async fn new_holder_of_an_address_downloads_the_old_owners_mail(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let admin = app.sign_in("admin", "registrar-admin").await;
    let old: String = sqlx::query_scalar("SELECT email FROM users WHERE username = 'learner08'")
        .fetch_one(&app.db.db.pool)
        .await
        .unwrap();
    let reset = app.post_form("/api/console/user_reset", &[("username", "learner08")], Some(&admin)).await;
    assert_eq!(reset.status, 200, "{}", reset.body);
    let moved =
        [("username", "learner08"), ("full_name", "Learner Eight"), ("email", "learner08.new@example.org")];
    let changed = app.post_form("/api/console/user_update", &moved, Some(&admin)).await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    let learner = app.sign_in("learner08", "registrar-learner").await;
    let theirs = mail_subjects(&app, &learner).await;
    let link = theirs.iter().find(|s| s.to_lowercase().contains("password")).cloned();
    let link = link.unwrap_or_else(|| panic!("the learner's download holds their password mail: {theirs:?}"));

    let attacker = app
        .register_and_sign(&[
            ("username", "mallory"),
            ("email", &old.to_uppercase()),
            ("full_name", "Mallory"),
            ("password", "a long passphrase"),
            ("password_confirm", "a long passphrase"),
        ])
        .await;
    let got = mail_subjects(&app, &attacker).await;
    assert!(!got.contains(&link), "the attacker's download holds the learner's mail {link:?}: {got:?}");
    app.cleanup().await;
}

/// Someone knows a learner's old address (a leaked class list) and, after the learner changed it
/// and then deleted their account, looks for it in what Registrar keeps. The address the account
/// had before is gone from every table too, history included.
async fn an_old_address_outlives_the_account(engine: Engine) {
    use crate::api::retirement::{dump, lines_naming, make_due};
    let app = TestApp::seeded(engine).await;
    let admin = app.sign_in("admin", "registrar-admin").await;
    let old: String = sqlx::query_scalar("SELECT email FROM users WHERE username = 'learner11'")
        .fetch_one(&app.db.db.pool)
        .await
        .unwrap();
    // Mail to the old address, and history naming it.
    assert_eq!(
        app.post_form("/api/console/user_reset", &[("username", "learner11")], Some(&admin)).await.status,
        200
    );
    let moved =
        [("username", "learner11"), ("full_name", "Learner Eleven"), ("email", "Eleven.New@example.org")];
    assert_eq!(app.post_form("/api/console/user_update", &moved, Some(&admin)).await.status, 200);
    assert!(!lines_naming(&dump(&app).await, &[&old]).is_empty(), "the old address is there before");
    let queue = [("identifier", "learner11"), ("reason", "asked")];
    assert_eq!(app.post_form("/api/console/retirement_request", &queue, Some(&admin)).await.status, 200);
    make_due(&app).await;
    assert_eq!(app.worker().retire_due().await.unwrap(), 1);
    let leaks = lines_naming(&dump(&app).await, &[&old, "eleven.new@example.org"]);
    assert!(leaks.is_empty(), "the learner's addresses are still in:\n{}", leaks.join("\n"));
    app.cleanup().await;
}

crate::on_both_engines!(
    new_holder_of_an_address_downloads_the_old_owners_mail,
    an_old_address_outlives_the_account
);
