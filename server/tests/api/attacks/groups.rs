//! Attacks on the console's groups: `change_groups` used to reach permissions it does not give.

use super::{give_group_permissions, group_id};
use crate::common::{Engine, TestApp};

async fn members(app: &TestApp, cookie: &str, group: &str) -> Vec<String> {
    let page = app.post_form("/api/console/group", &[("id", group)], Some(cookie)).await.json();
    page["members"].as_array().unwrap().iter().map(|m| m["username"].as_str().unwrap().to_owned()).collect()
}

/// The attacker: the help desk account, whose group a superuser has let manage groups
/// (view/change/delete groups, nothing else). It tries to put itself into Platform admins (every
/// console permission), then to take `staff` out of it, then to delete it. Every step is refused
/// naming the group, and Platform admins is unchanged; the same account may still run a group that
/// gives no console permission, and a superuser may still change Platform admins.
async fn group_manager_joins_the_group_that_gives_everything(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let admin = app.sign_in("admin", "registrar-admin").await;
    give_group_permissions(&app, &admin, "Help desk", &["view_groups", "change_groups", "delete_groups"])
        .await;
    let helpdesk = app.sign_in("helpdesk", "registrar-staff").await;
    let platform = group_id(&app, "Platform admins").await;
    let before = members(&app, &admin, &platform).await;

    let join = [("id", platform.as_str()), ("identifier", "helpdesk")];
    let joined = app.post_form("/api/console/group_add_member", &join, Some(&helpdesk)).await;
    assert_eq!(joined.status, 403, "{}", joined.body);
    assert!(joined.error_message().contains("Platform admins"), "{}", joined.body);
    let oust = [("id", platform.as_str()), ("username", "staff")];
    assert_eq!(app.post_form("/api/console/group_remove_member", &oust, Some(&helpdesk)).await.status, 403);
    let delete = [("id", platform.as_str())];
    assert_eq!(app.post_form("/api/console/group_delete", &delete, Some(&helpdesk)).await.status, 403);
    assert_eq!(members(&app, &admin, &platform).await, before, "Platform admins is unchanged");
    // Still no console page beyond what Help desk gives.
    assert_eq!(app.get("/api/v2/credentials/?username=learner", Some(&helpdesk)).await.status, 403);

    // A group that gives no console permission is the help desk's to run.
    let authors = group_id(&app, "DemoX authors").await;
    let add = [("id", authors.as_str()), ("identifier", "learner05")];
    let added = app.post_form("/api/console/group_add_member", &add, Some(&helpdesk)).await;
    assert_eq!(added.status, 200, "{}", added.body);
    assert!(members(&app, &admin, &authors).await.contains(&"learner05".to_owned()));
    // A superuser may change Platform admins.
    let by_admin = app.post_form("/api/console/group_add_member", &join, Some(&admin)).await;
    assert_eq!(by_admin.status, 200, "{}", by_admin.body);
    app.cleanup().await;
}

/// Help desk may change accounts (not groups). A superuser put learner05, not staff, into Platform
/// admins (harmless: console permissions need staff status). Help desk then ticks "staff" on
/// learner05, which would switch on everything Platform admins gives. Refused; a superuser may.
async fn help_desk_switches_on_a_groups_permissions_with_staff_status(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let admin = app.sign_in("admin", "registrar-admin").await;
    let platform = group_id(&app, "Platform admins").await;
    let join = [("id", platform.as_str()), ("identifier", "learner05")];
    assert_eq!(app.post_form("/api/console/group_add_member", &join, Some(&admin)).await.status, 200);
    let helpdesk = app.sign_in("helpdesk", "registrar-staff").await;
    let flags = [("username", "learner05"), ("is_staff", "on")];
    let refused = app.post_form("/api/console/user_flags", &flags, Some(&helpdesk)).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(refused.error_message().contains("superuser"), "{}", refused.body);
    let learner = app.sign_in("learner05", "registrar-learner").await;
    assert_eq!(app.post_form("/api/console/users", &[], Some(&learner)).await.status, 403);
    let granted = app.post_form("/api/console/user_flags", &flags, Some(&admin)).await;
    assert_eq!(granted.status, 200, "{}", granted.body);
    app.cleanup().await;
}

crate::on_both_engines!(
    group_manager_joins_the_group_that_gives_everything,
    help_desk_switches_on_a_groups_permissions_with_staff_status,
);
