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
    let backend: app::ports::SharedBackend = std::sync::Arc::new(server::backend::ServerBackend::new(
        db.db.clone(),
        server::backend::AuthPolicy::default(),
    ));
    let client = app::ports::ClientMeta::default();
    let gate = app::gate::Gate::new(backend, app::ports::RequestPrincipal::default(), client.clone());
    gate.backend().sign_in(&gate.public(), "ops", "a long enough secret", &client).await.unwrap();
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

crate::on_both_engines!(
    manage_user_creates_updates_and_refuses_mismatches,
    seed_demo_is_idempotent_and_prints_the_sign_ins
);
