//! Every Membership and course team action × every kind of person, on both databases: what each may do, and that
//! everyone else is refused with the right status (401 anonymous, 403 signed in without the right).

use crate::common::{Engine, Reply, TestApp};
use registrar::ids::OrgKey;
use registrar::roles::{Grant, Role, Scope};

const CS101: &str = "course-v1:DemoX+CS101+2026_T1";
const CS101_IN_URL: &str = "course-v1:DemoX%2BCS101%2B2026_T1";

/// The actions of the tab.
const ACTIONS: [&str; 14] = [
    "open dashboard",
    "enroll",
    "list enrollments",
    "download enrollments",
    "upload list",
    "list team",
    "add staff",
    "beta testers",
    "list discussion roles",
    "add moderator",
    "add discussion admin",
    "studio team",
    "studio add",
    "explain access",
];

const STAFF_ACTIONS: [&str; 5] =
    ["open dashboard", "enroll", "list enrollments", "download enrollments", "upload list"];

/// Who (for messages), their sign-in (none = anonymous), and the actions they may take.
type Case = (&'static str, Option<(&'static str, &'static str)>, Vec<&'static str>);

async fn attempt(app: &TestApp, action: &str, cookie: Option<&str>, n: usize) -> Reply {
    let target = format!("learner{:02}", 30 + n);
    let form = |extra: &[(&'static str, &str)]| {
        let mut form: Vec<(&str, String)> = vec![("course", CS101.to_owned())];
        form.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
        form
    };
    let post = |path: &'static str, form: Vec<(&'static str, String)>| async move {
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        app.post_form(path, &pairs, cookie).await
    };
    match action {
        "open dashboard" => post("/api/courses/overview", form(&[])).await,
        "enroll" => {
            post("/api/membership/enroll_batch", form(&[("identifiers", &target), ("action", "enroll")]))
                .await
        }
        "list enrollments" => post("/api/membership/enrollments", form(&[])).await,
        "download enrollments" => {
            app.get(&format!("/api/membership/enrollments.csv?course={CS101_IN_URL}"), cookie).await
        }
        "upload list" => {
            let fields = [("course", CS101), ("action", "enroll")];
            app.post_multipart(
                "/api/membership/upload",
                &fields,
                Some(("l.csv", target.as_bytes())),
                cookie,
                true,
            )
            .await
        }
        "list team" => post("/api/membership/team_list", form(&[])).await,
        "add staff" => {
            post("/api/membership/team_add", form(&[("identifier", &target), ("role", "staff")])).await
        }
        "beta testers" => {
            post("/api/membership/beta_batch", form(&[("identifiers", &target), ("action", "add")])).await
        }
        "list discussion roles" => post("/api/membership/discussion_list", form(&[])).await,
        "add moderator" => {
            post("/api/membership/team_add", form(&[("identifier", &target), ("role", "Moderator")])).await
        }
        "add discussion admin" => {
            post("/api/membership/team_add", form(&[("identifier", &target), ("role", "Administrator")]))
                .await
        }
        "studio team" => post("/api/course_team/get", form(&[])).await,
        "studio add" => {
            let other = format!("learner{:02}", 10 + n);
            post("/api/course_team/add", form(&[("identifier", &other), ("role", "staff")])).await
        }
        "explain access" => post("/api/course_team/explain", form(&[("identifier", "ta")])).await,
        other => panic!("unknown action {other}"),
    }
}

async fn every_action_for_every_role(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    // An org-wide Admin of DemoX (the seed's orgadmin is OpenX's).
    let orgadmin = server::store::users::find_by_username(&app.db.db, "orgadmin").await.unwrap().unwrap();
    let demo_x = Grant { role: Role::Instructor, scope: Scope::Org(OrgKey::parse("DemoX").unwrap()) };
    let mut conn = app.db.db.pool.acquire().await.unwrap();
    server::store::roles::grant(&mut conn, &orgadmin.id, &demo_x, None).await.unwrap();
    drop(conn);

    let everything: Vec<&str> = ACTIONS.to_vec();
    let cases: Vec<Case> = vec![
        ("anonymous", None, vec![]),
        ("learner", Some(("learner", "registrar-learner")), vec![]),
        ("beta tester", Some(("beta", "registrar-learner")), vec![]),
        ("staff", Some(("ta", "registrar-learner")), [&STAFF_ACTIONS[..], &["studio team"]].concat()),
        ("limited staff", Some(("limited", "registrar-learner")), STAFF_ACTIONS.to_vec()),
        ("admin", Some(("instructor", "registrar-instructor")), everything.clone()),
        (
            "discussion admin",
            Some(("forumadmin", "registrar-learner")),
            vec!["open dashboard", "list discussion roles", "add moderator"],
        ),
        ("org instructor", Some(("orgadmin", "registrar-learner")), everything.clone()),
        ("global staff", Some(("staff", "registrar-staff")), everything.clone()),
    ];
    for (n, (who, login, allowed)) in cases.into_iter().enumerate() {
        let cookie = match login {
            Some((username, password)) => Some(app.sign_in(username, password).await),
            None => None,
        };
        for action in ACTIONS {
            let reply = attempt(&app, action, cookie.as_deref(), n).await;
            let expected = if allowed.contains(&action) {
                200
            } else if cookie.is_none() {
                401
            } else {
                403
            };
            assert_eq!(reply.status.as_u16(), expected, "{who} / {action}: {}", reply.body);
        }
    }
    app.cleanup().await;
}

crate::on_both_engines!(every_action_for_every_role);
