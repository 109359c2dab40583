//! The attacks suite: paths around the doors the sweep and the role matrix list, written as the
//! attacker's steps. Each test names who attacks and what they try; each would fail without the fix
//! that closed the path. One module per area attacked.

pub mod accounts;
pub mod credentials;
pub mod exports;
pub mod groups;
pub mod invitations;
pub mod links;
pub mod mail;
pub mod personal_data;
pub mod retirement;
pub mod tokens;
pub mod web;

use crate::common::TestApp;

pub const CS101: &str = "course-v1:DemoX+CS101+2026_T1";

/// The id of the group called `name`.
pub async fn group_id(app: &TestApp, name: &str) -> String {
    sqlx::query_scalar("SELECT id FROM user_groups WHERE name = $1")
        .bind(name)
        .fetch_one(&app.db.db.pool)
        .await
        .unwrap()
}

/// A superuser (`admin_cookie`) sets the console permissions group `name` gives.
pub async fn give_group_permissions(app: &TestApp, admin_cookie: &str, name: &str, permissions: &[&str]) {
    let id = group_id(app, name).await;
    let keys: Vec<String> = (0..permissions.len()).map(|i| format!("permissions[{i}]")).collect();
    let mut form: Vec<(&str, &str)> = vec![("id", id.as_str())];
    form.extend(keys.iter().map(String::as_str).zip(permissions.iter().copied()));
    let given = app.post_form("/api/console/group_permissions", &form, Some(admin_cookie)).await;
    assert!(given.status.is_success(), "{}", given.body);
}

/// Open course-team invitations to `email` (any spelling).
pub async fn invitations_pending(app: &TestApp, email: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM team_invitations WHERE email_key = $1")
        .bind(email.to_lowercase())
        .fetch_one(&app.db.db.pool)
        .await
        .unwrap()
}
