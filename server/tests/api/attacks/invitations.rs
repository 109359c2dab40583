//! Attacks on invitations: registering with another person's address to take what was meant for
//! them (a course-team role, a console role, an enrollment).

use super::CS101;
use crate::common::{Engine, TestApp};

const PASSWORD: &str = "a long passphrase";

async fn register(app: &TestApp, username: &str, email: &str) -> String {
    app.register_and_sign(&[
        ("username", username),
        ("email", email),
        ("full_name", "Someone"),
        ("password", PASSWORD),
        ("password_confirm", PASSWORD),
    ])
    .await
}

/// The private activation policy: only invited people get in.
fn private_policy() -> server::config::AuthPolicy {
    server::config::AuthPolicy {
        activation: registrar::activation::ActivationPolicy {
            new_users_active: false,
            auto_setup: false,
            first_user_superuser: false,
        },
        ..server::config::AuthPolicy::default()
    }
}

async fn roles_on(app: &TestApp, username: &str, course: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM role_assignments r JOIN users u ON u.id = r.user_id \
         WHERE u.username_key = $1 AND r.course_key = $2",
    )
    .bind(username.to_lowercase())
    .bind(course)
    .fetch_one(&app.db.db.pool)
    .await
    .unwrap()
}

async fn enrolled(app: &TestApp, username: &str, course: &str) -> bool {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM enrollments e JOIN users u ON u.id = e.user_id \
         WHERE u.username_key = $1 AND e.course_key = $2 AND e.is_active = $3",
    )
    .bind(username.to_lowercase())
    .bind(course)
    .bind(true)
    .fetch_one(&app.db.db.pool)
    .await
    .unwrap();
    n > 0
}

/// The attacker saw on the CS101 team page that co.teacher@example.org is invited as Staff, and
/// that new.student@example.org is invited to enroll. They register with each address (in another
/// spelling) and look at the course: no role, no enrollment, and no way in — the links that would
/// prove the addresses went to their owners. Course Staff no longer see the pending addresses at
/// all; the course Admin still does. When the real owner registers and follows the link mailed to
/// them, the role and the enrollment are theirs.
async fn registering_with_an_invited_address_takes_the_invitation(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let ta = app.sign_in("ta", "registrar-learner").await;
    let shown = app.post_form("/api/course_team/get", &[("course", CS101)], Some(&ta)).await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    assert!(!shown.body.contains("co.teacher@example.org"), "Staff do not see pending addresses");
    let instructor = app.sign_in("instructor", "registrar-instructor").await;
    let admin_view = app.post_form("/api/course_team/get", &[("course", CS101)], Some(&instructor)).await;
    assert!(admin_view.body.contains("co.teacher@example.org"), "the course Admin does");

    let mallory = register(&app, "mallory", "Co.Teacher@Example.org").await;
    register(&app, "mallory2", "NEW.student@example.org").await;
    assert_eq!(roles_on(&app, "mallory", CS101).await, 0, "no Staff role for an unproven address");
    assert!(!enrolled(&app, "mallory2", CS101).await, "no enrollment for an unproven address");
    let team = app.post_form("/api/course_team/get", &[("course", CS101)], Some(&mallory)).await;
    assert_eq!(team.status, 403, "{}", team.body);

    // The owners, elsewhere: the same addresses on a fresh install, proven by the mailed link.
    app.cleanup().await;
    let app = TestApp::seeded(engine).await;
    register(&app, "cotea", "co.teacher@example.org").await;
    register(&app, "newstu", "new.student@example.org").await;
    assert_eq!(roles_on(&app, "cotea", CS101).await, 0, "nothing before the link is followed");
    app.confirm_address("co.teacher@example.org").await;
    app.confirm_address("new.student@example.org").await;
    assert_eq!(roles_on(&app, "cotea", CS101).await, 1, "Staff once the address is proven");
    assert!(enrolled(&app, "newstu", CS101).await, "enrolled once the address is proven");
    // Following the link again changes nothing.
    app.confirm_address("co.teacher@example.org").await;
    assert_eq!(roles_on(&app, "cotea", CS101).await, 1);
    app.cleanup().await;
}

/// A console invitation with a role, under the private activation policy (only invited people get
/// in): the attacker registers with the invited address. The account is not set up and holds no
/// role; a link mailed to another address, pointed at this account, proves nothing.
async fn registering_with_an_address_invited_from_the_console(engine: Engine) {
    let app = TestApp::seeded_with_policy(engine, private_policy()).await;
    let admin = app.sign_in("admin", "registrar-admin").await;
    let invite = [("email", "ops.lead@example.org"), ("role", "staff"), ("scope", CS101), ("expires", "")];
    let invited = app.post_form("/api/console/invite", &invite, Some(&admin)).await;
    assert!(invited.status.is_success(), "{}", invited.body);

    let reply = app
        .post_form(
            "/api/session/register",
            &[
                ("username", "mallory"),
                ("email", "OPS.lead@example.org"),
                ("full_name", "Mallory"),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
            ],
            None,
        )
        .await;
    assert!(reply.session_cookie().is_none(), "not set up, so no session: {}", reply.body);
    assert_eq!(reply.error_code(), "ACTIVATION_BLOCKED", "{}", reply.body);
    // Those who set accounts up are told someone waits (once a day), without a name in the mail.
    let digests: Vec<(String, String)> = sqlx::query_as(
        "SELECT to_addr, body_text FROM mail_outbox WHERE subject = 'New Registrar accounts wait to be set up' ORDER BY to_addr",
    )
    .fetch_all(&app.db.db.pool)
    .await
    .unwrap();
    let to: Vec<&str> = digests.iter().map(|(t, _)| t.as_str()).collect();
    assert!(to.contains(&"admin@example.org") && to.contains(&"staff@example.org"), "{to:?}");
    assert!(!to.contains(&"learner@example.org"), "{to:?}");
    assert!(digests.iter().all(|(_, b)| b.contains("/admin/users?filter=new") && !b.contains("mallory")));
    assert_eq!(roles_on(&app, "mallory", CS101).await, 0);
    // A link mailed to another address, pointed at this account, does not prove its address.
    let other = register_token_for_other(&app).await;
    let mallory_id: String = sqlx::query_scalar("SELECT id FROM users WHERE username_key = 'mallory'")
        .fetch_one(&app.db.db.pool)
        .await
        .unwrap();
    let (_, rest) = other.split_once('.').unwrap();
    let forged = app
        .post_form("/api/account/confirm-address", &[("token", &format!("{mallory_id}.{rest}"))], None)
        .await;
    assert_eq!(forged.error_code(), "LINK_INVALID", "{}", forged.body);
    assert_eq!(roles_on(&app, "mallory", CS101).await, 0);
    let state: String = sqlx::query_scalar("SELECT state FROM users WHERE username_key = 'mallory'")
        .fetch_one(&app.db.db.pool)
        .await
        .unwrap();
    assert_eq!(state, "new", "still not set up");
    app.cleanup().await;
}

/// The squatter registered with the address of the course's invited co-teacher and tries the other
/// doors: "Download my data" (would it show the confirmation link, or the invitations meant for
/// the address?), and waiting for staff to type the address on the team page or the console's Roles
/// page. The download shows the mail without its link and none of the invitations; the team page
/// invites the address instead of giving the squatter the role; the Roles page refuses, saying the
/// address is not confirmed.
async fn a_squatter_waits_for_staff_to_type_the_address(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let mallory = register(&app, "mallory", "co.teacher@example.org").await;
    let export = app.get("/api/account/export.json", Some(&mallory)).await;
    assert_eq!(export.status, 200);
    let data = export.json();
    let mail = data["data"]["mail"].as_array().unwrap();
    assert!(
        mail.iter().any(|m| m["subject"].as_str().unwrap().starts_with("Confirm your email")),
        "{mail:?}"
    );
    let token = app.confirmation_token("co.teacher@example.org").await;
    assert!(!export.body.contains(&token), "the download holds the live confirmation link");
    assert_eq!(data["data"]["team_invitations"].as_array().map(Vec::len), Some(0), "{}", data["data"]);

    register(&app, "mallory2", "visiting.prof@example.org").await;
    let instructor = app.sign_in("instructor", "registrar-instructor").await;
    let add = [("course", CS101), ("identifier", "visiting.prof@example.org"), ("role", "staff")];
    let added = app.post_form("/api/course_team/add", &add, Some(&instructor)).await;
    assert_eq!(added.status, 200, "{}", added.body);
    assert_eq!(roles_on(&app, "mallory2", CS101).await, 0, "an invitation, not the squatter's role");
    let admin = app.sign_in("admin", "registrar-admin").await;
    let grant = [("identifier", "visiting.prof@example.org"), ("role", "staff"), ("scope", CS101)];
    let refused = app.post_form("/api/console/role_grant", &grant, Some(&admin)).await;
    assert_eq!(refused.error_code(), "USER_NOT_FOUND", "{}", refused.body);
    assert!(refused.error_message().contains("has not confirmed it"), "{}", refused.body);
    assert_eq!(roles_on(&app, "mallory2", CS101).await, 0);
    app.cleanup().await;
}

/// The confirmation token of a throwaway account (for a link that names a different account).
async fn register_token_for_other(app: &TestApp) -> String {
    let _ = app
        .post_form(
            "/api/session/register",
            &[
                ("username", "bystander"),
                ("email", "bystander@example.org"),
                ("full_name", "By Stander"),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
            ],
            None,
        )
        .await;
    app.confirmation_token("bystander@example.org").await
}

/// The token of the registration link last mailed to `email` (any spelling) by an invitation.
async fn invitation_token(app: &TestApp, email: &str) -> String {
    let body: String = sqlx::query_scalar(
        "SELECT body_text FROM mail_outbox WHERE lower(to_addr) = $1 AND body_text LIKE '%invitation=%' \
         ORDER BY created_at DESC",
    )
    .bind(email.to_lowercase())
    .fetch_one(&app.db.db.pool)
    .await
    .unwrap_or_else(|e| panic!("no invitation mail to {email}: {e}"));
    body.split("invitation=").nth(1).unwrap().split_whitespace().next().unwrap().to_owned()
}

async fn register_with_link(app: &TestApp, username: &str, email: &str, token: &str) -> crate::common::Reply {
    let form = [
        ("username", username),
        ("email", email),
        ("full_name", "Someone"),
        ("password", PASSWORD),
        ("password_confirm", PASSWORD),
        ("invitation", token),
    ];
    app.post_form("/api/session/register", &form, None).await
}

async fn proven(app: &TestApp, username: &str) -> bool {
    let at: Option<i64> = sqlx::query_scalar("SELECT email_verified_at FROM users WHERE username_key = $1")
        .bind(username.to_lowercase())
        .fetch_one(&app.db.db.pool)
        .await
        .unwrap();
    at.is_some()
}

/// The attacker gets a genuine invitation link by being invited to CS101 at their own address.
/// They register with it but type co.teacher@example.org (invited as Staff), hoping the link proves
/// whatever address is typed; then they edit the token's signature and try new.student@example.org
/// (invited to enroll). Neither address is proven, nothing is redeemed, and a confirmation link is
/// mailed to the real owners instead. The real invitee, following their own link and typing their
/// address in another spelling, is enrolled at once without a confirmation mail; the same link
/// cannot make a second account.
async fn an_invitation_link_proves_someone_elses_address(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let instructor = app.sign_in("instructor", "registrar-instructor").await;
    let invite = |who: &'static str| {
        [
            ("course", CS101),
            ("identifiers", who),
            ("action", "enroll"),
            ("auto_enroll", "on"),
            ("notify", "on"),
        ]
    };
    let sent = app
        .post_form("/api/membership/enroll_batch", &invite("mallory@evil.example"), Some(&instructor))
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    let token = invitation_token(&app, "mallory@evil.example").await;

    let taken = register_with_link(&app, "mallory", "co.teacher@example.org", &token).await;
    assert!(taken.session_cookie().is_some(), "{}", taken.body);
    assert!(!proven(&app, "mallory").await, "the link proves only the address it was mailed to");
    assert_eq!(roles_on(&app, "mallory", CS101).await, 0);
    let tampered = format!("{}0", token.trim_end_matches(|c: char| c.is_ascii_hexdigit()));
    let forged = register_with_link(&app, "mallory2", "new.student@example.org", &tampered).await;
    assert!(forged.session_cookie().is_some(), "{}", forged.body);
    assert!(!proven(&app, "mallory2").await && !enrolled(&app, "mallory2", CS101).await);
    // The owners get the confirmation links.
    app.confirmation_token("co.teacher@example.org").await;
    app.confirmation_token("new.student@example.org").await;

    let sent = app
        .post_form("/api/membership/enroll_batch", &invite("dana.reyes@example.org"), Some(&instructor))
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    let token = invitation_token(&app, "dana.reyes@example.org").await;
    let dana = register_with_link(&app, "dana", "Dana.Reyes@Example.org", &token).await;
    let cookie = dana.session_cookie().unwrap_or_else(|| panic!("signed in: {}", dana.body));
    assert!(proven(&app, "dana").await);
    app.sign_agreements(&cookie).await;
    assert!(enrolled(&app, "dana", CS101).await, "enrolled once active, with no mail to follow");
    let confirmations: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM mail_outbox WHERE lower(to_addr) = 'dana.reyes@example.org' \
         AND subject LIKE 'Confirm your email%'",
    )
    .fetch_one(&app.db.db.pool)
    .await
    .unwrap();
    assert_eq!(confirmations, 0, "no confirmation mail: the link proved the address");
    let again = register_with_link(&app, "dana2", "dana.reyes@example.org", &token).await;
    assert_eq!(again.error_code(), "EMAIL_TAKEN", "{}", again.body);
    // The console's list marks the unproven addresses.
    let admin = app.sign_in("admin", "registrar-admin").await;
    for (who, proven) in [("mallory", false), ("dana", true)] {
        let list = app.post_form("/api/console/users", &[("q", who)], Some(&admin)).await.json();
        let row = list["rows"].as_array().unwrap().iter().find(|r| r["username"] == who).unwrap().clone();
        assert_eq!(row["email_verified"], proven, "{who}: {row}");
    }
    app.cleanup().await;
}

/// Under the private activation policy, the person a console invitation was mailed to registers
/// through its link: set up at once, with the invited role, and signed in.
async fn a_console_invitation_link_sets_up_its_owner(engine: Engine) {
    let app = TestApp::seeded_with_policy(engine, private_policy()).await;
    let admin = app.sign_in("admin", "registrar-admin").await;
    let invite = [("email", "ops.lead@example.org"), ("role", "staff"), ("scope", CS101), ("expires", "")];
    assert!(app.post_form("/api/console/invite", &invite, Some(&admin)).await.status.is_success());
    let token = invitation_token(&app, "ops.lead@example.org").await;
    let reply = register_with_link(&app, "opslead", "ops.lead@example.org", &token).await;
    let cookie = reply.session_cookie().unwrap_or_else(|| panic!("signed in: {}", reply.body));
    app.sign_agreements(&cookie).await;
    assert_eq!(roles_on(&app, "opslead", CS101).await, 1, "the invited role");
    let team = app.post_form("/api/course_team/get", &[("course", CS101)], Some(&cookie)).await;
    assert_eq!(team.status, 200, "{}", team.body);
    app.cleanup().await;
}

crate::on_both_engines!(
    an_invitation_link_proves_someone_elses_address,
    a_console_invitation_link_sets_up_its_owner,
    a_squatter_waits_for_staff_to_type_the_address,
    registering_with_an_invited_address_takes_the_invitation,
    registering_with_an_address_invited_from_the_console,
);
