//! The `registrar` binary's commands, run as a user would run them.

use crate::common::{Engine, TestDb};
use std::io::Write;
use std::process::{Command, Output, Stdio};

fn registrar(url: &str, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_registrar"))
        .args(args)
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

async fn manage_user_creates_updates_and_refuses_mismatches(engine: Engine) {
    let db = TestDb::new(engine).await;
    let created = registrar(
        &db.url,
        &["manage-user", "ops", "ops@example.org", "--staff", "--password-stdin"],
        Some("a long enough secret\n"),
    );
    assert!(created.status.success(), "{}", text(&created.stderr));
    let out = text(&created.stdout);
    assert!(
        out.contains("Created user ops") && out.contains("is_staff: true") && out.contains("password: set"),
        "{out}"
    );

    let same = registrar(&db.url, &["manage-user", "ops", "ops@example.org", "--staff"], None);
    assert!(text(&same.stdout).contains("nothing changed"), "{}", text(&same.stdout));

    let promoted =
        registrar(&db.url, &["manage-user", "OPS", "OPS@example.org", "--staff", "--superuser"], None);
    assert!(text(&promoted.stdout).contains("is_superuser: false -> true"), "{}", text(&promoted.stdout));

    // A new password ends every session opened with the old one.
    let backend = server::services::backend(std::sync::Arc::new(server::services::Core::new(
        db.db.clone(),
        server::config::AuthPolicy::default(),
    )));
    let client = app::ports::ClientMeta::default();
    let gate = app::gate::Gate::unchecked(backend, app::ports::RequestPrincipal::default(), client.clone());
    gate.backend().accounts.sign_in(&gate.public(), "ops", "a long enough secret", &client).await.unwrap();
    let reset = registrar(
        &db.url,
        &["manage-user", "ops", "ops@example.org", "--staff", "--superuser", "--password-stdin"],
        Some("another long secret\n"),
    );
    assert!(text(&reset.stdout).contains("ended 1 session(s)"), "{}", text(&reset.stdout));

    let mismatch = registrar(&db.url, &["manage-user", "ops", "someone@example.org"], None);
    assert_eq!(mismatch.status.code(), Some(2));
    assert!(
        text(&mismatch.stderr).contains("exists with the email ops@example.org"),
        "{}",
        text(&mismatch.stderr)
    );

    let weak = registrar(
        &db.url,
        &["manage-user", "newbie", "newbie@example.org", "--password-stdin"],
        Some("short\n"),
    );
    assert_eq!(weak.status.code(), Some(2));
    assert!(text(&weak.stderr).contains("at least 10 characters"));

    let (staff, superuser): (bool, bool) = {
        let row: (server::store::Flag, server::store::Flag) =
            sqlx::query_as("SELECT is_staff, is_superuser FROM users WHERE username = 'ops'")
                .fetch_one(&db.db.pool)
                .await
                .unwrap();
        (row.0 .0, row.1 .0)
    };
    assert!(staff && superuser);
    let audit: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE actor_label = 'system:manage-user'")
            .fetch_one(&db.db.pool)
            .await
            .unwrap();
    assert_eq!(
        audit, 3,
        "one row each for the creation, the promotion and the new password; none for the no-op"
    );
    let newbie: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE username = 'newbie'")
        .fetch_one(&db.db.pool)
        .await
        .unwrap();
    assert_eq!(newbie, 0, "a refused command changes nothing");
    db.cleanup().await;
}

async fn seed_demo_is_idempotent_and_prints_the_sign_ins(engine: Engine) {
    let db = TestDb::new(engine).await;
    let first = registrar(&db.url, &["seed-demo"], None);
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert!(text(&first.stdout).contains("registrar-admin"));
    let count = |pool| async move {
        let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(pool).await.unwrap();
        let enrollments: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM enrollments").fetch_one(pool).await.unwrap();
        let roles: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM role_assignments").fetch_one(pool).await.unwrap();
        (users, enrollments, roles)
    };
    let before = count(&db.db.pool).await;
    assert!(before.0 >= 50, "about fifty users: {before:?}");
    let second = registrar(&db.url, &["seed-demo"], None);
    assert!(second.status.success());
    assert!(text(&second.stdout).contains("Demo data is present."));
    assert_eq!(count(&db.db.pool).await, before);
    db.cleanup().await;
}

#[test]
fn a_bad_database_url_is_a_clear_error() {
    let out = registrar("mysql://nowhere/x", &["migrate"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("DATABASE_URL must start with sqlite: or postgres:"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn create_token_for_an_unknown_user_fails_cleanly() {
    let dir = std::env::temp_dir().join(format!("registrar-cli-{}", uuid::Uuid::new_v4().simple()));
    let url = format!("sqlite://{}/r.db", dir.display());
    let out = registrar(&url, &["create-token", "nobody", "--name", "x"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("There is no user nobody."));
    let _ = std::fs::remove_dir_all(dir);
}

fn registrar_env(url: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_registrar"));
    command.args(args).env("DATABASE_URL", url).env("RUST_LOG", "warn");
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().unwrap()
}

async fn retirement_commands_sync_states_queue_cancel_and_create_clients(engine: Engine) {
    let db = TestDb::new(engine).await;
    let dry = registrar(&db.url, &["populate-retirement-states", "--dry-run"], None);
    assert!(dry.status.success(), "{}", text(&dry.stderr));
    let out = text(&dry.stdout);
    assert!(out.starts_with("--- Dry run, no changes will be made ---"), "{out}");
    assert!(out.contains("Added: {PENDING, LOCKING_ACCOUNT"), "{out}");
    let stored = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM retirement_states")
            .fetch_one(&db.db.pool)
            .await
            .unwrap()
    };
    assert_eq!(stored().await, 0, "a dry run changed the table");
    let first = text(&registrar(&db.url, &["populate-retirement-states"], None).stdout);
    assert!(first.contains("States updated successfully. Current states:"), "{first}");
    assert!(first.contains("PENDING (step 1)\nLOCKING_ACCOUNT (step 11)"), "{first}");
    assert!(first.contains("COMPLETE (step 131)"), "{first}");
    assert_eq!(stored().await, 14);
    // Idempotent.
    let again = text(&registrar(&db.url, &["populate-retirement-states"], None).stdout);
    assert!(again.contains("Added: {}") && again.contains("Removed: {}"), "{again}");
    // A bad list is refused with the rule it breaks, and changes nothing.
    let bad = registrar_env(
        &db.url,
        &["populate-retirement-states"],
        &[("RETIREMENT_STATES", "PENDING,RETIRING_LMS,ERRORED,ABORTED,COMPLETE")],
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        text(&bad.stderr).contains("RETIRING_LMS must be followed directly by LMS_COMPLETE"),
        "{}",
        text(&bad.stderr)
    );
    assert_eq!(stored().await, 14);

    // retire-user queues (no mail), cancel-retirement undoes it by the original email.
    let made = registrar(&db.url, &["manage-user", "gone", "Gone@Example.org", "--unusable-password"], None);
    assert!(made.status.success(), "{}", text(&made.stderr));
    let queued = registrar(&db.url, &["retire-user", "gone"], None);
    assert!(queued.status.success(), "{}", text(&queued.stderr));
    assert!(text(&queued.stdout).contains("Queued gone for deletion on"), "{}", text(&queued.stdout));
    let twice = registrar(&db.url, &["retire-user", "Gone@Example.org"], None);
    assert_eq!(twice.status.code(), Some(2));
    assert!(text(&twice.stderr).contains("already queued for deletion"), "{}", text(&twice.stderr));
    // Removing a state while someone is in the middle of the pipeline is refused.
    sqlx::query("UPDATE retirement_statuses SET current_state = 'RETIRING_LMS'")
        .execute(&db.db.pool)
        .await
        .unwrap();
    let busy = registrar(&db.url, &["populate-retirement-states"], None);
    assert_eq!(busy.status.code(), Some(2));
    assert!(text(&busy.stderr).contains("1 in RETIRING_LMS"), "{}", text(&busy.stderr));
    let not_pending = registrar(&db.url, &["cancel-retirement", "gone@example.org"], None);
    assert!(
        text(&not_pending.stderr).contains("only be cancelled while PENDING"),
        "{}",
        text(&not_pending.stderr)
    );
    sqlx::query("UPDATE retirement_statuses SET current_state = 'PENDING'")
        .execute(&db.db.pool)
        .await
        .unwrap();
    let cancelled = registrar(&db.url, &["cancel-retirement", "GONE@example.org"], None);
    assert!(cancelled.status.success(), "{}", text(&cancelled.stderr));
    assert!(
        text(&cancelled.stdout).contains("Successfully cancelled retirement request"),
        "{}",
        text(&cancelled.stdout)
    );
    let unknown = registrar(&db.url, &["cancel-retirement", "nobody@example.org"], None);
    assert!(text(&unknown.stderr)
        .contains("No retirement request with email address 'nobody@example.org' exists."));

    // create-oauth-client prints the id and the secret once.
    let client = registrar(&db.url, &["create-oauth-client", "retirement", "gone"], None);
    assert!(client.status.success(), "{}", text(&client.stderr));
    let out = text(&client.stdout);
    assert!(out.contains("client_id: ") && out.contains("client_secret: "), "{out}");
    let missing = registrar(&db.url, &["create-oauth-client", "retirement", "nobody"], None);
    assert!(text(&missing.stderr).contains("No account has the username 'nobody'"));
    db.cleanup().await;
}

#[test]
fn serving_a_public_site_with_the_default_salts_is_refused() {
    let dir = std::env::temp_dir().join(format!("registrar-cli-{}", uuid::Uuid::new_v4().simple()));
    let url = format!("sqlite://{}/r.db", dir.display());
    let out = registrar_env(
        &url,
        &["serve", "--addr", "127.0.0.1:0"],
        &[("REGISTRAR_PUBLIC_URL", "https://registrar.example.org")],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("RETIRED_USER_SALTS"), "{}", text(&out.stderr));
    let bad_salts = registrar_env(&url, &["migrate"], &[("RETIRED_USER_SALTS", "[1, 2]")]);
    // Settings are checked by the commands that use them; migrate does not need them.
    assert!(bad_salts.status.success(), "{}", text(&bad_salts.stderr));
    let _ = std::fs::remove_dir_all(dir);
}

async fn create_or_update_site_creates_then_changes_only_what_is_given(engine: Engine) {
    let db = TestDb::new(engine).await;
    let help = registrar(&db.url, &["create-or-update-site", "--help"], None);
    let help = text(&help.stdout);
    for field in [
        "--site-domain",
        "--platform-name",
        "--records-enabled",
        "--partner-from-address",
        "--tos-url",
        "--enable-twitter-sharing",
    ] {
        assert!(help.contains(field), "--help does not list {field}:\n{help}");
    }
    let created = registrar(
        &db.url,
        &[
            "create-or-update-site",
            "--site-domain",
            "Records.Example.edu",
            "--platform-name",
            "Example Online",
            "--records-help-url",
            "https://help.example.edu/records",
        ],
        None,
    );
    assert!(created.status.success(), "{}", text(&created.stderr));
    assert!(text(&created.stdout).contains("Created site records.example.edu"), "{}", text(&created.stdout));
    let updated = registrar(
        &db.url,
        &["create-or-update-site", "--site-domain", "records.example.edu", "--records-enabled", "false"],
        None,
    );
    assert!(updated.status.success(), "{}", text(&updated.stderr));
    let out = text(&updated.stdout);
    assert!(
        out.contains("Updated site records.example.edu")
            && out.contains("platform name: Example Online")
            && out.contains("records enabled: false"),
        "{out}"
    );
    let bad = registrar(
        &db.url,
        &["create-or-update-site", "--site-domain", "x.edu", "--tos-url", "ftp://x"],
        None,
    );
    assert!(!bad.status.success());
    assert!(text(&bad.stderr).contains("terms of service URL"), "{}", text(&bad.stderr));
    let sites: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sites").fetch_one(&db.db.pool).await.unwrap();
    assert_eq!(sites, 1, "the refused site was not created");
    db.cleanup().await;
}

async fn scalar(db: &TestDb, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned())).fetch_one(&db.db.pool).await.unwrap()
}

/// The console's commands: roles, invitations, deactivation (with a dry run), the audit export and
/// manage-user's groups; each has --help, says what it did per row, and exits 2 when it refused.
async fn console_commands_change_what_they_say(engine: Engine) {
    let db = TestDb::new(engine).await;
    assert!(registrar(&db.url, &["seed-demo"], None).status.success());
    for command in ["grant-role", "revoke-role", "invite", "deactivate-user", "export-audit"] {
        let help = registrar(&db.url, &[command, "--help"], None);
        assert!(help.status.success(), "{command} --help");
        assert!(text(&help.stdout).contains("Usage:"), "{command}: {}", text(&help.stdout));
    }
    assert!(text(&registrar(&db.url, &["deactivate-user", "--help"], None).stdout).contains("--dry-run"));

    let course = "course-v1:DemoX+CS101+2026_T1";
    let dry = registrar(
        &db.url,
        &[
            "grant-role",
            "--role",
            "beta_testers",
            "--scope",
            course,
            "--dry-run",
            "learner20",
            "learner21@example.org",
        ],
        None,
    );
    assert!(dry.status.success(), "{}", text(&dry.stderr));
    assert!(text(&dry.stdout).contains("learner21: would give beta_testers"), "{}", text(&dry.stdout));
    let beta = "SELECT COUNT(*) FROM role_assignments WHERE role = 'beta_testers' AND user_id IN                 (SELECT id FROM users WHERE username_key IN ('learner20', 'learner21'))";
    assert_eq!(scalar(&db, beta).await, 0, "a dry run changes nothing");
    let granted = registrar(
        &db.url,
        &[
            "grant-role",
            "--role",
            "beta_testers",
            "--scope",
            course,
            "learner20",
            "learner21@example.org",
            "ghost",
        ],
        None,
    );
    assert_eq!(granted.status.code(), Some(2), "one was refused: {}", text(&granted.stdout));
    assert!(
        text(&granted.stdout).contains("ghost: No account has the username or email 'ghost'."),
        "{}",
        text(&granted.stdout)
    );
    assert!(text(&granted.stderr).contains("1 of 3 account(s) refused"), "{}", text(&granted.stderr));
    assert_eq!(scalar(&db, beta).await, 2, "the others were given the role");
    let bad_scope =
        registrar(&db.url, &["grant-role", "--role", "beta_testers", "--scope", "global", "learner22"], None);
    assert_eq!(bad_scope.status.code(), Some(2));
    assert!(
        text(&bad_scope.stdout).contains("cannot be granted at global scope"),
        "{}",
        text(&bad_scope.stdout)
    );
    let revoked =
        registrar(&db.url, &["revoke-role", "--role", "beta_testers", "--scope", course, "learner20"], None);
    assert!(revoked.status.success(), "{}", text(&revoked.stdout));
    assert_eq!(scalar(&db, beta).await, 1);

    let invited = registrar(
        &db.url,
        &["invite", "--role", "staff", "--scope", course, "--expires", "2099-12-31", "new.ta@example.org"],
        None,
    );
    assert!(invited.status.success(), "{}", text(&invited.stdout));
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM user_invitations WHERE email_key = 'new.ta@example.org' AND role = 'staff'"
        )
        .await,
        1
    );
    let again = registrar(&db.url, &["invite", "new.ta@example.org"], None);
    assert_eq!(again.status.code(), Some(2));
    assert!(text(&again.stdout).contains("open invitation already"), "{}", text(&again.stdout));

    let dry = registrar(&db.url, &["deactivate-user", "--dry-run", "learner23", "admin"], None);
    assert!(text(&dry.stdout).contains("learner23: would deactivate"), "{}", text(&dry.stdout));
    assert!(text(&dry.stdout).contains("Dry run: nothing changed"), "{}", text(&dry.stdout));
    assert_eq!(scalar(&db, "SELECT COUNT(*) FROM users WHERE state = 'deactivated'").await, 0);
    let done = registrar(
        &db.url,
        &["deactivate-user", "--reason", "contract ended", "learner23", "learner24"],
        None,
    );
    assert!(done.status.success(), "{} {}", text(&done.stdout), text(&done.stderr));
    assert_eq!(
        scalar(&db, "SELECT COUNT(*) FROM users WHERE state = 'deactivated' AND NOT is_active").await,
        2
    );

    let file = std::env::temp_dir().join(format!("audit-{}.csv", std::process::id()));
    let export = registrar(
        &db.url,
        &["export-audit", "--action", "user.deactivate", "--output", file.to_str().unwrap()],
        None,
    );
    assert!(export.status.success(), "{}", text(&export.stderr));
    assert!(text(&export.stderr).contains("Wrote 2 audit entries"), "{}", text(&export.stderr));
    let csv = std::fs::read_to_string(&file).unwrap();
    std::fs::remove_file(&file).ok();
    assert_eq!(csv.lines().count(), 3, "{csv}");
    assert!(csv.contains("system:deactivate-user") && csv.contains("contract ended"), "{csv}");
    let stdout = registrar(&db.url, &["export-audit", "--target", "learner23"], None);
    assert!(text(&stdout.stdout).starts_with("id,at,actor,action"), "{}", text(&stdout.stdout));
    let bad = registrar(&db.url, &["export-audit", "--from", "last week"], None);
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("'last week' is not a date"), "{}", text(&bad.stderr));

    // manage-user --group puts the account in exactly those groups; an unknown one changes nothing.
    let grouped = registrar(
        &db.url,
        &[
            "manage-user",
            "learner25",
            "learner25@example.org",
            "--group",
            "Help desk",
            "--group",
            "Reviewers",
        ],
        None,
    );
    assert!(grouped.status.success(), "{}", text(&grouped.stderr));
    assert!(text(&grouped.stdout).contains("joined group Help desk"), "{}", text(&grouped.stdout));
    let members = "SELECT COUNT(*) FROM group_members WHERE user_id = (SELECT id FROM users WHERE username_key = 'learner25')";
    assert_eq!(scalar(&db, members).await, 2);
    let unknown =
        registrar(&db.url, &["manage-user", "learner25", "learner25@example.org", "--group", "Nope"], None);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(text(&unknown.stderr).contains("There is no group 'Nope'"), "{}", text(&unknown.stderr));
    assert_eq!(scalar(&db, members).await, 2);
    let left =
        registrar(&db.url, &["manage-user", "learner25", "learner25@example.org", "--no-groups"], None);
    assert!(text(&left.stdout).contains("left group Reviewers"), "{}", text(&left.stdout));
    assert_eq!(scalar(&db, members).await, 0);
    db.cleanup().await;
}

crate::on_both_engines!(
    console_commands_change_what_they_say,
    create_or_update_site_creates_then_changes_only_what_is_given,
    manage_user_creates_updates_and_refuses_mismatches,
    seed_demo_is_idempotent_and_prints_the_sign_ins,
    retirement_commands_sync_states_queue_cancel_and_create_clients
);
