//! The admin console (issue 7): section permissions for every role, users search and pages,
//! deactivation (a live session and a bearer token refused at once), reactivation, agreements and
//! their versions, invitations and the activation policy, bulk actions with a preview, the audit
//! log and its CSV, password-reset links, jobs and mail retries. Every test runs on both engines.

use crate::common::{Engine, Reply, TestApp};
use app::gate::Gate;
use axum::body::Body;
use http::{header, Request};
use server::config::AuthPolicy;

const CS101: &str = "course-v1:DemoX+CS101+2026_T1";

async fn count(app: &TestApp, sql: &str, bind: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .bind(bind)
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

/// A staff account in no group: it may enter the console but use nothing there.
async fn bare_staff(app: &TestApp) -> String {
    let admin = app.sign_in("admin", "registrar-admin").await;
    let created = app
        .post_form(
            "/api/console/user_create",
            &[
                ("username", "newstaff"),
                ("email", "newstaff@example.org"),
                ("full_name", "New Staff"),
                ("is_staff", "on"),
                ("send_reset", "on"),
            ],
            Some(&admin),
        )
        .await;
    assert!(created.status.is_success() || created.status.is_redirection(), "{}", created.body);
    // No password yet: set one the way its owner would, with the mailed link.
    let token = reset_token(app, "newstaff@example.org").await;
    let set = app
        .post_form(
            "/api/account/reset-password",
            &[("token", &token), ("password", "staff passphrase"), ("password_confirm", "staff passphrase")],
            None,
        )
        .await;
    assert!(set.status.is_success() || set.status.is_redirection(), "{}", set.body);
    app.sign_in("newstaff", "staff passphrase").await
}

/// The token of the newest password link mailed to `to`.
async fn reset_token(app: &TestApp, to: &str) -> String {
    let body: String = sqlx::query_scalar(
        "SELECT body_text FROM mail_outbox WHERE to_addr = $1 AND subject LIKE '%password%' ORDER BY created_at DESC LIMIT 1",
    )
    .bind(to)
    .fetch_one(&app.db.db.pool)
    .await
    .unwrap();
    let start = body.find("token=").expect("a link in the mail") + "token=".len();
    body[start..].split_whitespace().next().unwrap().to_owned()
}

/// (endpoint, form, the permission it needs, whether the demo help desk holds it)
type ConsoleAction = (&'static str, &'static [(&'static str, &'static str)], &'static str, bool);

fn ok(reply: &Reply, what: &str) {
    assert!(
        reply.status.is_success() || reply.status.is_redirection(),
        "{what}: {} {}",
        reply.status,
        reply.body
    );
}

/// Every console action for every kind of caller: superuser, staff whose group gives the permission,
/// staff without it (403 naming the permission), a learner (403).
async fn each_action_for_each_role(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let admin = app.sign_in("admin", "registrar-admin").await;
    let helpdesk = app.sign_in("helpdesk", "registrar-staff").await;
    let learner = app.sign_in("learner", "registrar-learner").await;
    let newstaff = bare_staff(&app).await;
    // (endpoint, form, permission, may the help desk)
    let actions: &[ConsoleAction] = &[
        ("/api/console/users", &[("q", "learner0")], "view_users", true),
        ("/api/console/user", &[("identifier", "learner05")], "view_users", true),
        ("/api/console/user_end_sessions", &[("username", "learner06")], "change_users", true),
        ("/api/console/user_reset", &[("username", "learner06")], "change_users", true),
        ("/api/console/invitations", &[], "view_invitations", true),
        ("/api/console/audit", &[("action", "user.create")], "view_audit", true),
        ("/api/console/outbox", &[("to", "")], "view_outbox", true),
        ("/api/console/agreements", &[], "view_agreements", false),
        ("/api/console/jobs", &[], "view_jobs", false),
        ("/api/console/roles", &[("search", "")], "view_roles", false),
        ("/api/console/groups", &[], "view_groups", false),
        ("/api/console/retirements", &[("search", "")], "view_retirements", false),
        ("/api/console/credentials", &[], "view_credentials", false),
        (
            "/api/console/user_create",
            &[("username", "made_by"), ("email", "made_by@example.org"), ("full_name", "Made By")],
            "add_users",
            false,
        ),
        (
            "/api/console/role_grant",
            &[("identifier", "learner07"), ("role", "beta_testers"), ("scope", CS101)],
            "add_roles",
            false,
        ),
    ];
    for (path, form, permission, helpdesk_may) in actions {
        let reply = app.post_form(path, form, Some(&learner)).await;
        assert_eq!(reply.status, 403, "learner on {path}: {}", reply.body);
        let reply = app.post_form(path, form, Some(&newstaff)).await;
        assert_eq!(reply.status, 403, "staff without {permission} on {path}: {}", reply.body);
        assert!(
            reply.error_message().contains(permission),
            "{path}: the refusal names {permission}: {}",
            reply.body
        );
        let reply = app.post_form(path, form, Some(&helpdesk)).await;
        if *helpdesk_may {
            ok(&reply, &format!("help desk on {path}"));
        } else {
            assert_eq!(reply.status, 403, "help desk on {path}: {}", reply.body);
        }
    }
    // The superuser may do all of it (the user and the grant are made once).
    for (path, form, _, _) in actions {
        ok(&app.post_form(path, form, Some(&admin)).await, &format!("superuser on {path}"));
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users WHERE username_key = $1", "made_by").await, 1);
    // The header shows each their sections.
    let me = app.post_form("/api/session/me", &[], Some(&helpdesk)).await.json();
    let sections: Vec<&str> = me["console"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
    assert_eq!(sections, ["users", "invitations", "audit", "outbox"]);
    let me = app.post_form("/api/session/me", &[], Some(&newstaff)).await.json();
    assert!(me["console"].as_array().unwrap().is_empty());
    app.cleanup().await;
}

/// Staff may not make superusers or change what a group gives; superusers may, and the change
/// applies at once.
async fn privileged_changes_stay_with_superusers(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let admin = app.sign_in("admin", "registrar-admin").await;
    let staff = app.sign_in("staff", "registrar-staff").await; // every permission, not a superuser
    let helpdesk = app.sign_in("helpdesk", "registrar-staff").await;
    // Someone who may change users still may not take over or lock out a privileged account.
    let takeover = app
        .post_form(
            "/api/console/user_update",
            &[("username", "admin"), ("full_name", "Ada Admin"), ("email", "evil@example.org")],
            Some(&helpdesk),
        )
        .await;
    assert_eq!(takeover.status, 403, "{}", takeover.body);
    assert!(takeover.error_message().contains("only a superuser"), "{}", takeover.body);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users WHERE email = $1", "evil@example.org").await, 0);
    for path in ["/api/console/user_reset", "/api/console/user_deactivate"] {
        let reply = app.post_form(path, &[("username", "staff"), ("confirm", "on")], Some(&helpdesk)).await;
        assert_eq!(reply.status, 403, "{path}: {}", reply.body);
    }
    let bulk = app
        .post_form(
            "/api/console/bulk",
            &[("action", "deactivate"), ("usernames[0]", "staff"), ("run", "on")],
            Some(&helpdesk),
        )
        .await
        .json();
    assert!(bulk["lines"][0]["refused"].as_str().unwrap().contains("only a superuser"), "{bulk}");
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM users WHERE is_active AND username_key = $1", "staff").await,
        1
    );
    let group: String = sqlx::query_scalar("SELECT id FROM user_groups WHERE name = 'Help desk'")
        .fetch_one(&app.db.db.pool)
        .await
        .unwrap();
    let give = |perms: &'static [&'static str]| {
        let mut form = vec![("id".to_owned(), group.clone())];
        form.extend(perms.iter().enumerate().map(|(i, p)| (format!("permissions[{i}]"), (*p).to_owned())));
        form
    };
    let post = |form: Vec<(String, String)>, who: String| {
        let app = &app;
        async move {
            let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            app.post_form("/api/console/group_permissions", &pairs, Some(&who)).await
        }
    };
    let refused = post(give(&["view_users", "view_jobs"]), staff.clone()).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(refused.error_message().contains("Only a superuser"), "{}", refused.body);
    let unknown = post(give(&["view_users", "delete_audit"]), admin.clone()).await;
    assert_eq!(unknown.status, 422, "{}", unknown.body);
    assert!(unknown.error_message().contains("delete_audit"), "{}", unknown.body);
    assert_eq!(app.post_form("/api/console/jobs", &[], Some(&helpdesk)).await.status, 403);
    ok(&post(give(&["view_users", "view_jobs"]), admin.clone()).await, "superuser sets permissions");
    ok(&app.post_form("/api/console/jobs", &[], Some(&helpdesk)).await, "the new permission applies at once");
    assert_eq!(
        app.post_form("/api/console/audit", &[], Some(&helpdesk)).await.status,
        403,
        "and the removed one is gone"
    );

    let flags = [("username", "learner08"), ("is_staff", "on"), ("is_superuser", "on")];
    let refused = app.post_form("/api/console/user_flags", &flags, Some(&staff)).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM users WHERE is_superuser AND username_key = $1", "learner08").await,
        0
    );
    ok(
        &app.post_form(
            "/api/console/user_flags",
            &[("username", "learner08"), ("is_staff", "on")],
            Some(&staff),
        )
        .await,
        "staff flag",
    );
    ok(&app.post_form("/api/console/user_flags", &flags, Some(&admin)).await, "superuser flag");
    // Nobody removes their own superuser flag or deactivates themselves.
    let own = app
        .post_form("/api/console/user_flags", &[("username", "admin"), ("is_staff", "on")], Some(&admin))
        .await;
    assert_eq!(
        (own.status.as_u16(), own.error_code().as_str()),
        (409, "SELF_CHANGE_REFUSED"),
        "{}",
        own.body
    );
    let own = app
        .post_form("/api/console/user_deactivate", &[("username", "admin"), ("confirm", "on")], Some(&admin))
        .await;
    assert_eq!(
        (own.status.as_u16(), own.error_code().as_str()),
        (409, "SELF_CHANGE_REFUSED"),
        "{}",
        own.body
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM users WHERE is_superuser AND is_active AND username_key = $1",
            "admin"
        )
        .await,
        1
    );
    app.cleanup().await;
}

/// Deactivation in one transaction: the open session and a bearer token stop at once, flags,
/// roles and groups go, signatures stay, sign-in says why; reactivation sets the account up again.
async fn deactivation_ends_access_at_once(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let admin = app.sign_in("admin", "registrar-admin").await;
    let ta = app.sign_in("ta", "registrar-learner").await;
    let (_, system) = Gate::system(app.backend(), "test");
    let token = app.backend().accounts.issue_token(&system, "ta", "script", None).await.unwrap();
    let bearer = |path: &str| {
        Request::post(path)
            .header(header::HOST, "127.0.0.1:3000")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::ACCEPT, "application/json")
            .body(Body::empty())
            .unwrap()
    };
    assert_eq!(app.send(bearer("/api/account/get")).await.status, 200);
    assert_eq!(app.post_form("/api/account/get", &[], Some(&ta)).await.status, 200);
    let id = user_id(&app, "ta").await;
    assert!(count(&app, "SELECT COUNT(*) FROM role_assignments WHERE user_id = $1", &id).await > 0);
    assert!(count(&app, "SELECT COUNT(*) FROM group_members WHERE user_id = $1", &id).await > 0);

    let unconfirmed =
        app.post_form("/api/console/user_deactivate", &[("username", "ta")], Some(&admin)).await;
    assert_eq!(unconfirmed.status, 422, "{}", unconfirmed.body);
    assert_eq!(app.post_form("/api/account/get", &[], Some(&ta)).await.status, 200, "nothing happened");
    let done = app
        .post_form(
            "/api/console/user_deactivate",
            &[("username", "ta"), ("reason", "left the team"), ("confirm", "on")],
            Some(&admin),
        )
        .await;
    ok(&done, "deactivate");
    assert_eq!(
        app.post_form("/api/account/get", &[], Some(&ta)).await.status,
        401,
        "the open session is refused"
    );
    assert_eq!(app.send(bearer("/api/account/get")).await.status, 401, "the token is refused");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM role_assignments WHERE user_id = $1", &id).await, 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM group_members WHERE user_id = $1", &id).await, 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM sessions WHERE user_id = $1", &id).await, 0);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM agreement_signatures WHERE user_id = $1", &id).await,
        1,
        "signatures are kept"
    );
    let login = app
        .post_form("/api/session/login", &[("identifier", "ta"), ("password", "registrar-learner")], None)
        .await;
    assert_eq!(login.status, 401);
    assert!(login.error_message().contains("deactivated"), "{}", login.body);
    let detail = app.post_form("/api/console/user", &[("identifier", "ta")], Some(&admin)).await.json();
    assert_eq!(detail["user"]["state"], "deactivated");
    assert_eq!(detail["audit"][0]["action"], "user.deactivate");
    assert_eq!(detail["audit"][0]["reason"], "left the team");
    let again = app
        .post_form("/api/console/user_deactivate", &[("username", "ta"), ("confirm", "on")], Some(&admin))
        .await;
    assert_eq!(again.status, 422, "{}", again.body);
    // A role for an inactive account is refused, naming why.
    let role = app
        .post_form(
            "/api/console/role_grant",
            &[("identifier", "ta"), ("role", "staff"), ("scope", CS101)],
            Some(&admin),
        )
        .await;
    assert_eq!(role.error_code(), "USER_INACTIVE", "{}", role.body);

    // Back: signatures were kept, so the account is active again at once; roles do not come back.
    let back = app.post_form("/api/console/user_reactivate", &[("username", "ta")], Some(&admin)).await;
    assert_eq!(back.json(), "active", "{}", back.body);
    app.sign_in("ta", "registrar-learner").await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM role_assignments WHERE user_id = $1", &id).await, 0);
    let twice = app.post_form("/api/console/user_reactivate", &[("username", "ta")], Some(&admin)).await;
    assert_eq!(twice.status, 422, "{}", twice.body);
    app.cleanup().await;
}

/// Agreements: a new version asks everyone again; only the current version of a required one can
/// be signed, once; bad input changes nothing.
async fn agreements_are_versioned_and_signed_once(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let admin = app.sign_in("admin", "registrar-admin").await;
    let learner = app.sign_in("learner", "registrar-learner").await;
    let list = app.post_form("/api/console/agreements", &[], Some(&admin)).await.json();
    let terms = list[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(list[0]["version"], 1);
    let me = app.post_form("/api/session/me", &[], Some(&learner)).await.json();
    assert_eq!(me["agreements_due"], false);

    let bad = app
        .post_form(
            "/api/console/agreement_publish",
            &[("id", &terms), ("title", " "), ("body", "x")],
            Some(&admin),
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM agreement_versions WHERE agreement_id = $1", &terms).await,
        1
    );
    let published = app
        .post_form(
            "/api/console/agreement_publish",
            &[("id", &terms), ("title", "Terms of use"), ("body", "New terms."), ("required", "on")],
            Some(&admin),
        )
        .await;
    ok(&published, "publish v2");
    let me = app.post_form("/api/session/me", &[], Some(&learner)).await.json();
    assert_eq!(me["agreements_due"], true, "a new version asks again");
    let mine = app.post_form("/api/account/agreements", &[], Some(&learner)).await.json();
    assert_eq!(mine["to_sign"][0]["version"], 2);
    assert_eq!(mine["to_sign"][0]["body"], "New terms.");

    let old = app
        .post_form("/api/account/sign_agreement", &[("id", &terms), ("version", "1")], Some(&learner))
        .await;
    assert_eq!((old.status.as_u16(), old.error_code().as_str()), (409, "AGREEMENT_OUTDATED"), "{}", old.body);
    let unknown = app
        .post_form("/api/account/sign_agreement", &[("id", "nope"), ("version", "1")], Some(&learner))
        .await;
    assert_eq!(unknown.status, 404, "{}", unknown.body);
    let signed = app
        .post_form("/api/account/sign_agreement", &[("id", &terms), ("version", "2")], Some(&learner))
        .await;
    assert_eq!(signed.json()["signed"], true, "{}", signed.body);
    let again = app
        .post_form("/api/account/sign_agreement", &[("id", &terms), ("version", "2")], Some(&learner))
        .await;
    assert_eq!(again.json()["signed"], false, "signing twice is one signature");
    let id = user_id(&app, "learner").await;
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM agreement_signatures WHERE user_id = $1", &id).await,
        2,
        "v1 and v2"
    );
    let me = app.post_form("/api/session/me", &[], Some(&learner)).await.json();
    assert_eq!(me["agreements_due"], false);
    let detail = app.post_form("/api/console/user", &[("identifier", "learner")], Some(&admin)).await.json();
    assert_eq!(detail["signatures"].as_array().unwrap().len(), 2);

    // An optional agreement is not something to sign before activation.
    let optional = app
        .post_form(
            "/api/console/agreement_publish",
            &[("title", "Newsletter"), ("body", "Monthly news.")],
            Some(&admin),
        )
        .await;
    let optional_id: String = serde_json::from_str(&optional.body).unwrap();
    let refused = app
        .post_form("/api/account/sign_agreement", &[("id", &optional_id), ("version", "1")], Some(&learner))
        .await;
    assert_eq!(refused.status, 404, "{}", refused.body);
    app.cleanup().await;
}

/// An invited email registers set up, with its role, and is active once it has signed; invitations
/// are listed, unique while open, revocable; under the private policy nobody else gets in.
async fn invitations_set_accounts_up(engine: Engine) {
    let policy = AuthPolicy {
        activation: registrar::activation::ActivationPolicy {
            new_users_active: false,
            auto_setup: false,
            first_user_superuser: false,
        },
        ..AuthPolicy::default()
    };
    let app = TestApp::seeded_with_policy(engine, policy).await;
    let admin = app.sign_in("admin", "registrar-admin").await;
    let invite = |email: &'static str, role: &'static str, scope: &'static str| {
        let (app, admin) = (&app, admin.clone());
        async move {
            app.post_form(
                "/api/console/invite",
                &[("email", email), ("role", role), ("scope", scope)],
                Some(&admin),
            )
            .await
        }
    };
    ok(&invite("Nova.Newcomer@example.org", "beta_testers", CS101).await, "invite");
    let twice = invite("nova.newcomer@EXAMPLE.org", "", "").await;
    assert_eq!(twice.error_code(), "INVITATION_EXISTS", "{}", twice.body);
    let bad_role = invite("x@example.org", "beta_testers", "global").await;
    assert_eq!(bad_role.status, 422, "{}", bad_role.body);
    let unknown_course = invite("x@example.org", "staff", "course-v1:DemoX+NOPE+2026").await;
    assert_eq!(unknown_course.status, 404, "{}", unknown_course.body);
    let existing = invite("learner@example.org", "", "").await;
    assert_eq!(
        existing.error_code(),
        "INVITATION_EXISTS",
        "an active account is not invited: {}",
        existing.body
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM user_invitations WHERE email_key = $1", "x@example.org").await,
        0
    );
    let mail =
        count(&app, "SELECT COUNT(*) FROM mail_outbox WHERE to_addr = $1", "Nova.Newcomer@example.org").await;
    assert_eq!(mail, 1, "the invitation is mailed");

    let form = [
        ("username", "nova"),
        ("email", "nova.newcomer@example.org"),
        ("full_name", "Nova Newcomer"),
        ("password", "a fine passphrase"),
        ("password_confirm", "a fine passphrase"),
    ];
    // Registering with the invited address is not enough: the address must be proven first.
    let registered = app.post_form("/api/session/register", &form, None).await;
    assert_eq!(registered.error_code(), "ACTIVATION_BLOCKED", "{}", registered.body);
    assert!(registered.error_message().contains("follow the link we sent"), "{}", registered.body);
    let id = user_id(&app, "nova").await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users WHERE state = 'new' AND id = $1", &id).await, 1);
    app.confirm_address("nova.newcomer@example.org").await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users WHERE state = 'invited' AND id = $1", &id).await, 1);
    // Set up now: signing in lands on the agreements.
    let login = app
        .post_form("/api/session/login", &[("identifier", "nova"), ("password", "a fine passphrase")], None)
        .await;
    assert_eq!(login.header("location").as_deref(), Some("/account/agreements"), "{}", login.body);
    let cookie = login.session_cookie().unwrap();
    assert_eq!(
        app.post_form("/api/account/get", &[], Some(&cookie)).await.status,
        401,
        "not active before signing"
    );
    assert_eq!(app.sign_agreements(&cookie).await, 1);
    assert_eq!(
        app.post_form("/api/account/get", &[], Some(&cookie)).await.status,
        200,
        "active after signing"
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM role_assignments WHERE role = 'beta_testers' AND user_id = $1",
            &id
        )
        .await,
        1
    );
    let listed = app.post_form("/api/console/invitations", &[], Some(&admin)).await.json();
    let nova = listed.as_array().unwrap().iter().find(|i| i["email"] == "Nova.Newcomer@example.org").unwrap();
    assert_eq!((nova["status"].as_str(), nova["username"].as_str()), (Some("accepted"), Some("nova")));

    // Without an invitation, the private policy creates the account but lets nobody in.
    let stranger = app
        .post_form(
            "/api/session/register",
            &[
                ("username", "stranger"),
                ("email", "stranger@example.org"),
                ("full_name", "S"),
                ("password", "a fine passphrase"),
                ("password_confirm", "a fine passphrase"),
            ],
            None,
        )
        .await;
    assert_eq!(stranger.error_code(), "ACTIVATION_BLOCKED", "{}", stranger.body);
    assert!(stranger.session_cookie().is_none());
    let login = app
        .post_form(
            "/api/session/login",
            &[("identifier", "stranger"), ("password", "a fine passphrase")],
            None,
        )
        .await;
    assert!(login.error_message().contains("not been set up"), "{}", login.body);
    // Inviting the address of an account that is not set up sets it up once the address is proven
    // (whoever registered it may not own it).
    ok(&invite("stranger@example.org", "", "").await, "invite a new account");
    let sid = user_id(&app, "stranger").await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users WHERE state = 'new' AND id = $1", &sid).await, 1);
    app.confirm_address("stranger@example.org").await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users WHERE state = 'invited' AND id = $1", &sid).await, 1);

    // A revoked invitation sets nothing up.
    ok(&invite("late@example.org", "", "").await, "invite late");
    let listed = app.post_form("/api/console/invitations", &[], Some(&admin)).await.json();
    let late = listed.as_array().unwrap().iter().find(|i| i["email"] == "late@example.org").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(&app.post_form("/api/console/invitation_revoke", &[("id", &late)], Some(&admin)).await, "revoke");
    let again = app.post_form("/api/console/invitation_revoke", &[("id", &late)], Some(&admin)).await;
    assert_eq!(again.status, 422, "{}", again.body);
    let late_reg = app
        .post_form(
            "/api/session/register",
            &[
                ("username", "late"),
                ("email", "late@example.org"),
                ("full_name", "L"),
                ("password", "a fine passphrase"),
                ("password_confirm", "a fine passphrase"),
            ],
            None,
        )
        .await;
    assert_eq!(late_reg.error_code(), "ACTIVATION_BLOCKED", "{}", late_reg.body);
    app.cleanup().await;
}

/// The users list: prefix search on username, email and name in any case, filters, paging; a bad
/// filter is named.
async fn users_are_searched_filtered_and_paged(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let admin = app.sign_in("admin", "registrar-admin").await;
    let search = |q: &'static str, filter: &'static str, page: &'static str| {
        let (app, admin) = (&app, admin.clone());
        async move {
            app.post_form("/api/console/users", &[("q", q), ("filter", filter), ("page", page)], Some(&admin))
                .await
        }
    };
    let names = |reply: &Reply| -> Vec<String> {
        reply.json()["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["username"].as_str().unwrap().to_owned())
            .collect()
    };
    let hits = search("LEARNER0", "", "1").await;
    assert_eq!(names(&hits), (1..=9).map(|i| format!("learner{i:02}")).collect::<Vec<_>>());
    assert_eq!(hits.json()["total"], 9);
    assert_eq!(names(&search("instructor@EXAMPLE", "", "1").await), ["instructor"], "by email");
    assert_eq!(names(&search("hal help", "", "1").await), ["helpdesk"], "by name");
    assert_eq!(names(&search("", "superuser", "1").await), ["admin"]);
    assert_eq!(names(&search("", "staff", "1").await), ["admin", "helpdesk", "staff"]);
    let all = search("", "", "1").await.json();
    let total = all["total"].as_i64().unwrap();
    assert!(total > 50, "the demo has more than a page of accounts");
    assert_eq!(all["rows"].as_array().unwrap().len(), 50);
    let second = search("", "", "2").await.json();
    assert_eq!(second["rows"].as_array().unwrap().len() as i64, total - 50);
    assert_ne!(all["rows"][0]["username"], second["rows"][0]["username"]);
    ok(
        &app.post_form(
            "/api/console/user_deactivate",
            &[("username", "learner09"), ("confirm", "on")],
            Some(&admin),
        )
        .await,
        "deactivate",
    );
    assert_eq!(names(&search("", "deactivated", "1").await), ["learner09"]);
    assert!(
        names(&search("", "retired", "1").await).contains(&"leaving.learner".to_owned()),
        "a deletion in its cool-off"
    );
    let bad = search("", "everyone-ever", "1").await;
    assert_eq!(bad.status, 422);
    assert!(bad.error_message().contains("everyone-ever"), "{}", bad.body);
    assert!(names(&search("zzz-nobody", "", "1").await).is_empty());
    app.cleanup().await;
}

/// A bulk action previews every account (changing nothing), then runs; refused accounts are named
/// and left alone.
async fn bulk_actions_preview_then_run(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let admin = app.sign_in("admin", "registrar-admin").await;
    let victim = app.sign_in("learner11", "registrar-learner").await;
    let form = |run: bool| {
        let mut f = vec![
            ("action", "deactivate"),
            ("usernames[0]", "learner11"),
            ("usernames[1]", "admin"),
            ("usernames[2]", "nobody_here"),
            ("usernames[3]", "learner12"),
        ];
        if run {
            f.push(("run", "on"));
        }
        f
    };
    let preview = app.post_form("/api/console/bulk", &form(false), Some(&admin)).await.json();
    assert_eq!(preview["done"], false);
    let lines = preview["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 4);
    assert!(lines[1]["refused"].as_str().unwrap().contains("your own account"), "{preview}");
    assert!(lines[2]["refused"].as_str().unwrap().contains("nobody_here"), "{preview}");
    assert!(lines[0]["refused"].is_null() && lines[3]["refused"].is_null());
    assert_eq!(
        app.post_form("/api/account/get", &[], Some(&victim)).await.status,
        200,
        "a preview changes nothing"
    );
    let run = app.post_form("/api/console/bulk", &form(true), Some(&admin)).await.json();
    assert_eq!(run["done"], true);
    assert_eq!(app.post_form("/api/account/get", &[], Some(&victim)).await.status, 401);
    for name in ["learner11", "learner12"] {
        assert_eq!(
            count(&app, "SELECT COUNT(*) FROM users WHERE state = 'deactivated' AND username_key = $1", name)
                .await,
            1
        );
    }
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM users WHERE is_active AND username_key = $1", "admin").await,
        1
    );
    let unknown = app
        .post_form(
            "/api/console/bulk",
            &[("action", "delete_everything"), ("usernames[0]", "learner13")],
            Some(&admin),
        )
        .await;
    assert_eq!(unknown.status, 422);
    let empty = app.post_form("/api/console/bulk", &[("action", "deactivate")], Some(&admin)).await;
    assert_eq!(empty.status, 422);
    app.cleanup().await;
}

/// The audit log filters by actor, target, action and days, pages, and exports the whole search
/// as CSV (staff with `view_audit` only).
async fn audit_log_filters_and_exports(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let admin = app.sign_in("admin", "registrar-admin").await;
    let learner = app.sign_in("learner", "registrar-learner").await;
    ok(
        &app.post_form("/api/console/user_end_sessions", &[("username", "learner14")], Some(&admin)).await,
        "end",
    );
    ok(&app.post_form("/api/console/user_reset", &[("username", "learner14")], Some(&admin)).await, "reset");
    let about = app.post_form("/api/console/audit", &[("target", "LEARNER14")], Some(&admin)).await.json();
    let actions: Vec<&str> =
        about["rows"].as_array().unwrap().iter().map(|r| r["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["user.password_reset_link", "user.end_sessions"], "newest first");
    let by_action = app
        .post_form("/api/console/audit", &[("action", "user.end_sessions"), ("actor", "admin")], Some(&admin))
        .await
        .json();
    assert_eq!(by_action["rows"].as_array().unwrap().len(), 1);
    let today = app::model::format_date(server::store::now_ms());
    let dated = app
        .post_form(
            "/api/console/audit",
            &[("target", "learner14"), ("from", &today), ("to", &today)],
            Some(&admin),
        )
        .await
        .json();
    assert_eq!(dated["rows"].as_array().unwrap().len(), 2);
    let past = app
        .post_form("/api/console/audit", &[("target", "learner14"), ("to", "2020-01-01")], Some(&admin))
        .await
        .json();
    assert!(past["rows"].as_array().unwrap().is_empty());
    let bad = app.post_form("/api/console/audit", &[("from", "yesterday")], Some(&admin)).await;
    assert_eq!(bad.status, 422);
    assert!(bad.error_message().contains("yesterday"), "{}", bad.body);
    let nobody = app.post_form("/api/console/audit", &[("actor", "ghost")], Some(&admin)).await;
    assert_eq!(nobody.status, 404, "{}", nobody.body);
    // Pages of 50, newest first, continued with `before`.
    let mut conn = app.db.db.pool.acquire().await.unwrap();
    let filler: Vec<server::store::audit::Entry> = (0..60)
        .map(|_| server::store::audit::Entry {
            actor_label: "system:test",
            target_type: "test",
            target_id: "x",
            ..server::store::audit::Entry::new(registrar::AuditAction::MailRetry)
        })
        .collect();
    server::store::audit::append_many(&mut conn, &filler).await.unwrap();
    drop(conn);
    let first = app.post_form("/api/console/audit", &[("action", "mail.retry")], Some(&admin)).await.json();
    assert_eq!(first["rows"].as_array().unwrap().len(), 50);
    let next = first["next"].as_i64().expect("a second page");
    let older = app
        .post_form(
            "/api/console/audit",
            &[("action", "mail.retry"), ("before", &next.to_string())],
            Some(&admin),
        )
        .await
        .json();
    assert_eq!(older["rows"].as_array().unwrap().len(), 10);
    assert!(older["rows"][0]["id"].as_i64().unwrap() < next);
    assert!(older["next"].is_null());

    let csv = app.get("/api/console/audit.csv?target=learner14", Some(&admin)).await;
    assert_eq!(csv.status, 200, "{}", csv.body);
    assert!(csv.header("content-disposition").unwrap().contains("audit-log.csv"));
    let lines: Vec<&str> = csv.body.lines().collect();
    assert!(lines[0].starts_with("id,at,actor,action,target_type,target_id"), "{}", lines[0]);
    assert_eq!(lines.len(), 3, "{}", csv.body);
    assert!(lines[1].contains("user.password_reset_link") && lines[1].contains(",admin,"), "{}", lines[1]);
    assert_eq!(app.get("/api/console/audit.csv", Some(&learner)).await.status, 403);
    assert_eq!(app.get("/api/console/audit.csv?from=bad", Some(&admin)).await.status, 422);
    app.cleanup().await;
}

/// A mailed password link works once, checks the new password like registration, and ends every
/// session; the console also retries mail and failed jobs.
async fn password_links_and_retries(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let admin = app.sign_in("admin", "registrar-admin").await;
    let old_session = app.sign_in("learner15", "registrar-learner").await;
    ok(
        &app.post_form("/api/console/user_reset", &[("username", "learner15")], Some(&admin)).await,
        "send link",
    );
    let token = reset_token(&app, "learner15@example.org").await;
    let info = app.post_form("/api/account/reset-link", &[("token", &token)], None).await;
    assert_eq!(info.json(), "learner15");
    let mismatch = app
        .post_form(
            "/api/account/reset-password",
            &[("token", &token), ("password", "one long phrase"), ("password_confirm", "another phrase")],
            None,
        )
        .await;
    assert_eq!(mismatch.error_code(), "PASSWORD_MISMATCH");
    let weak = app
        .post_form(
            "/api/account/reset-password",
            &[("token", &token), ("password", "12345678"), ("password_confirm", "12345678")],
            None,
        )
        .await;
    assert_eq!(weak.status, 422, "{}", weak.body);
    let set = app
        .post_form(
            "/api/account/reset-password",
            &[
                ("token", &token),
                ("password", "a brand new phrase"),
                ("password_confirm", "a brand new phrase"),
            ],
            None,
        )
        .await;
    assert_eq!(set.header("location").as_deref(), Some("/login?password_set=1"), "{}", set.body);
    assert_eq!(
        app.post_form("/api/account/get", &[], Some(&old_session)).await.status,
        401,
        "old sessions end"
    );
    app.sign_in("learner15", "a brand new phrase").await;
    let reused = app
        .post_form(
            "/api/account/reset-password",
            &[
                ("token", &token),
                ("password", "third phrase here"),
                ("password_confirm", "third phrase here"),
            ],
            None,
        )
        .await;
    assert_eq!(reused.error_code(), "LINK_INVALID", "a link works once");
    let forged = app.post_form("/api/account/reset-link", &[("token", &format!("{token}0"))], None).await;
    assert_eq!(forged.error_code(), "LINK_INVALID");

    // Mail: a failed message is sent again on request; a sent one cannot be.
    let mail_id: String =
        sqlx::query_scalar("SELECT id FROM mail_outbox WHERE to_addr = 'learner15@example.org' LIMIT 1")
            .fetch_one(&app.db.db.pool)
            .await
            .unwrap();
    sqlx::query(
        "UPDATE mail_outbox SET state = 'failed', attempts = 5, last_error = 'refused' WHERE id = $1",
    )
    .bind(&mail_id)
    .execute(&app.db.db.pool)
    .await
    .unwrap();
    ok(&app.post_form("/api/console/mail_retry", &[("id", &mail_id)], Some(&admin)).await, "retry mail");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM mail_outbox WHERE state = 'pending' AND attempts = 0 AND id = $1",
            &mail_id
        )
        .await,
        1
    );
    sqlx::query("UPDATE mail_outbox SET state = 'sent' WHERE id = $1")
        .bind(&mail_id)
        .execute(&app.db.db.pool)
        .await
        .unwrap();
    assert_eq!(app.post_form("/api/console/mail_retry", &[("id", &mail_id)], Some(&admin)).await.status, 422);
    // Jobs: a failed one is queued again; others are not.
    let job = server::store::jobs::enqueue(
        &mut app.db.db.connection().await.unwrap(),
        "test",
        &serde_json::json!({}),
        None,
        1,
    )
    .await
    .unwrap();
    assert_eq!(
        app.post_form("/api/console/job_retry", &[("id", &job)], Some(&admin)).await.status,
        422,
        "not failed"
    );
    sqlx::query("UPDATE jobs SET state = 'failed', error = 'boom', attempts = 1 WHERE id = $1")
        .bind(&job)
        .execute(&app.db.db.pool)
        .await
        .unwrap();
    let listed = app.post_form("/api/console/jobs", &[("state", "failed")], Some(&admin)).await.json();
    assert!(listed.as_array().unwrap().iter().any(|j| j["id"] == job.as_str() && j["error"] == "boom"));
    ok(&app.post_form("/api/console/job_retry", &[("id", &job)], Some(&admin)).await, "retry job");
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM jobs WHERE state = 'queued' AND error IS NULL AND id = $1", &job)
            .await,
        1
    );
    app.cleanup().await;
}

crate::on_both_engines!(
    each_action_for_each_role,
    privileged_changes_stay_with_superusers,
    deactivation_ends_access_at_once,
    agreements_are_versioned_and_signed_once,
    invitations_set_accounts_up,
    users_are_searched_filtered_and_paged,
    bulk_actions_preview_then_run,
    audit_log_filters_and_exports,
    password_links_and_retries
);
