//! The authorization sweep: every registered server function and REST route, called anonymously and
//! as an under-privileged learner. A new endpoint must be classified here before this test passes.

use crate::common::{Engine, TestApp};
use http::Method;
use server::http::{Access, REST_ROUTES};

/// Who may call each server function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Needs {
    Nobody,
    SignedIn,
    GlobalStaff,
    CourseStaff,
    CourseEnroller,
    CourseAdmin,
    DiscussionManager,
    /// Course Admins and Staff (not Limited Staff).
    CourseTeamViewer,
    /// Anyone who may view the library (others get 404, not 403).
    LibraryViewer,
    LibraryEditor,
    LibraryAdmin,
    /// Course creators in the org.
    LibraryCreator,
}

const SERVER_FNS: &[(&str, Needs)] = &[
    ("/api/session/login", Needs::Nobody),
    ("/api/session/register", Needs::Nobody),
    ("/api/session/me", Needs::Nobody),
    ("/api/session/logout", Needs::SignedIn),
    ("/api/account/get", Needs::SignedIn),
    ("/api/courses/list", Needs::GlobalStaff),
    ("/api/courses/overview", Needs::CourseStaff),
    ("/api/membership/enroll_batch", Needs::CourseEnroller),
    ("/api/membership/batch_report", Needs::CourseEnroller),
    ("/api/membership/enrollments", Needs::CourseEnroller),
    ("/api/membership/team_list", Needs::CourseAdmin),
    ("/api/membership/team_add", Needs::CourseAdmin),
    ("/api/membership/team_remove", Needs::CourseAdmin),
    ("/api/membership/beta_batch", Needs::CourseAdmin),
    ("/api/membership/discussion_list", Needs::DiscussionManager),
    ("/api/course_team/get", Needs::CourseTeamViewer),
    ("/api/course_team/add", Needs::CourseAdmin),
    ("/api/course_team/set_role", Needs::CourseAdmin),
    ("/api/course_team/remove", Needs::CourseAdmin),
    ("/api/course_team/revoke_invitation", Needs::CourseAdmin),
    ("/api/course_team/explain", Needs::CourseAdmin),
    ("/api/libraries/list", Needs::SignedIn),
    ("/api/libraries/create", Needs::LibraryCreator),
    ("/api/libraries/get", Needs::LibraryViewer),
    ("/api/libraries/update", Needs::LibraryEditor),
    ("/api/libraries/switches", Needs::LibraryAdmin),
    ("/api/libraries/grant", Needs::LibraryAdmin),
    ("/api/libraries/set_level", Needs::LibraryAdmin),
    ("/api/libraries/revoke", Needs::LibraryAdmin),
    ("/api/libraries/explain", Needs::LibraryAdmin),
    ("/api/console/groups", Needs::GlobalStaff),
    ("/api/console/group_create", Needs::GlobalStaff),
    ("/api/console/group", Needs::GlobalStaff),
    ("/api/console/group_rename", Needs::GlobalStaff),
    ("/api/console/group_delete", Needs::GlobalStaff),
    ("/api/console/group_add_member", Needs::GlobalStaff),
    ("/api/console/group_remove_member", Needs::GlobalStaff),
    ("/api/console/explain", Needs::GlobalStaff),
    ("/api/console/org_grants", Needs::GlobalStaff),
    ("/api/console/org_grant", Needs::GlobalStaff),
    ("/api/console/org_revoke", Needs::GlobalStaff),
    ("/api/account/deletion", Needs::SignedIn),
    ("/api/account/delete", Needs::SignedIn),
    ("/api/account/deletion-link", Needs::Nobody),
    ("/api/account/cancel-deletion", Needs::Nobody),
    ("/api/account/deletion-mail", Needs::SignedIn),
    ("/api/account/confirm-link", Needs::Nobody),
    ("/api/account/confirm-deletion", Needs::Nobody),
    ("/api/console/retirement_dashboard", Needs::GlobalStaff),
    ("/api/console/retirements", Needs::GlobalStaff),
    ("/api/console/retirement", Needs::GlobalStaff),
    ("/api/console/retirement_resume", Needs::GlobalStaff),
    ("/api/console/retirement_abort", Needs::GlobalStaff),
    ("/api/console/retirement_cancel", Needs::GlobalStaff),
    ("/api/console/retirement_request", Needs::GlobalStaff),
    ("/api/console/outbox", Needs::GlobalStaff),
    ("/api/records/mine", Needs::SignedIn),
    ("/api/records/program", Needs::SignedIn),
    ("/api/records/share", Needs::SignedIn),
    ("/api/records/unshare", Needs::SignedIn),
    ("/api/records/send", Needs::SignedIn),
    ("/api/records/shared", Needs::Nobody),
    ("/api/console/learner_records", Needs::GlobalStaff),
    ("/api/console/learner_record", Needs::GlobalStaff),
    ("/api/console/learner_credentials", Needs::GlobalStaff),
    ("/api/console/award_credential", Needs::GlobalStaff),
    ("/api/console/credential_status", Needs::GlobalStaff),
    ("/api/console/credentials", Needs::GlobalStaff),
    ("/api/console/site", Needs::GlobalStaff),
    ("/api/console/program", Needs::GlobalStaff),
    ("/api/console/course_certificate", Needs::GlobalStaff),
    ("/api/console/program_certificate", Needs::GlobalStaff),
    ("/api/console/pathway", Needs::GlobalStaff),
    ("/api/console/users", Needs::GlobalStaff),
    ("/api/console/user", Needs::GlobalStaff),
    ("/api/console/user_create", Needs::GlobalStaff),
    ("/api/console/user_update", Needs::GlobalStaff),
    ("/api/console/user_flags", Needs::GlobalStaff),
    ("/api/console/user_reset", Needs::GlobalStaff),
    ("/api/console/user_end_sessions", Needs::GlobalStaff),
    ("/api/console/user_second_factor_reset", Needs::GlobalStaff),
    ("/api/console/user_deactivate", Needs::GlobalStaff),
    ("/api/console/user_reactivate", Needs::GlobalStaff),
    ("/api/console/bulk", Needs::GlobalStaff),
    ("/api/console/agreements", Needs::GlobalStaff),
    ("/api/console/agreement_publish", Needs::GlobalStaff),
    ("/api/console/invitations", Needs::GlobalStaff),
    ("/api/console/invite", Needs::GlobalStaff),
    ("/api/console/invitation_revoke", Needs::GlobalStaff),
    ("/api/console/roles", Needs::GlobalStaff),
    ("/api/console/role_grant", Needs::GlobalStaff),
    ("/api/console/role_revoke", Needs::GlobalStaff),
    ("/api/console/group_permissions", Needs::GlobalStaff),
    ("/api/console/audit", Needs::GlobalStaff),
    ("/api/console/jobs", Needs::GlobalStaff),
    ("/api/console/job_retry", Needs::GlobalStaff),
    ("/api/console/mail_retry", Needs::GlobalStaff),
    ("/api/account/agreements", Needs::SignedIn),
    ("/api/account/sign_agreement", Needs::SignedIn),
    ("/api/account/reset-link", Needs::Nobody),
    ("/api/account/reset-password", Needs::Nobody),
    ("/api/account/confirm-address", Needs::Nobody),
    ("/api/account/unlock", Needs::Nobody),
    ("/api/account/resend-confirmation", Needs::SignedIn),
    ("/api/account/forgot-password", Needs::Nobody),
    ("/api/account/change-password", Needs::SignedIn),
    ("/api/account/change-name", Needs::SignedIn),
    ("/api/account/change-email", Needs::SignedIn),
    ("/api/account/confirm-email-change", Needs::SignedIn),
    ("/api/account/end-sessions", Needs::SignedIn),
    ("/api/account/second-factor/start", Needs::SignedIn),
    ("/api/account/second-factor/confirm", Needs::SignedIn),
    ("/api/account/second-factor/remove", Needs::SignedIn),
    ("/api/session/second-factor", Needs::Nobody),
];

/// A REST call with the route's own method (a form body for POST and PATCH).
async fn call(app: &TestApp, path: &str, method: &Method, cookie: Option<&str>) -> crate::common::Reply {
    if *method == Method::GET {
        return app.get(path, cookie).await;
    }
    let mut req = TestApp::form_request(path, cookie).method(method.clone());
    req = req.header(http::header::CONTENT_TYPE, "application/json");
    app.send(req.body(axum::body::Body::from("{}")).unwrap()).await
}

fn registered() -> Vec<(String, Method)> {
    let mut paths: Vec<_> = server_fn::axum::server_fn_paths().map(|(p, m)| (p.to_owned(), m)).collect();
    paths.sort_by(|a, b| a.0.cmp(&b.0));
    paths
}

#[test]
fn every_server_function_is_classified_and_public_ones_are_listed() {
    let registered = registered();
    assert!(!registered.is_empty(), "no server functions registered");
    for (path, _) in &registered {
        let needs = SERVER_FNS.iter().find(|(p, _)| p == path).map(|(_, n)| *n);
        assert!(needs.is_some(), "{path} is not classified in the sweep: add it to SERVER_FNS");
        let public = app::api::PUBLIC_ENDPOINTS.contains(&path.as_str());
        assert_eq!(public, needs == Some(Needs::Nobody), "{path}: the public list and the sweep disagree");
    }
    for (path, _) in SERVER_FNS {
        assert!(registered.iter().any(|(p, _)| p == path), "{path} is classified but not registered");
    }
}

async fn anonymous_calls_are_refused(engine: Engine) {
    let app = TestApp::new(engine).await;
    for (path, method) in registered() {
        let public = app::api::PUBLIC_ENDPOINTS.contains(&path.as_str());
        let reply = match method {
            Method::GET => app.get(&path, None).await,
            _ => app.post_form(&path, &[], None).await,
        };
        if public {
            assert_ne!(reply.status, 401, "{path} is public but refused anonymous callers");
        } else {
            assert_eq!(reply.status, 401, "{path} answered an anonymous caller: {}", reply.body);
            assert_eq!(reply.error_code(), "AUTH_REQUIRED", "{path}");
        }
    }
    // Paths under /api that no function serves are refused too, not leaked as pages.
    assert_eq!(app.post_form("/api/nothing/here", &[], None).await.status, 401);
    for (path, method, access) in REST_ROUTES {
        let reply = call(&app, path, method, None).await;
        match access {
            Access::Public => assert_ne!(reply.status, 401, "{path}: {}", reply.body),
            Access::SignedIn | Access::CourseEnroller | Access::RetirementWorker | Access::Staff => {
                assert_eq!(reply.status, 401, "{path}: {}", reply.body);
            }
        }
    }
    app.cleanup().await;
}

async fn under_privileged_calls_are_refused(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let learner = app.sign_in("learner", "registrar-learner").await;
    let instructor = app.sign_in("instructor", "registrar-instructor").await;
    let course = "course-v1:DemoX+CS101+2026_T1";
    for (path, needs) in SERVER_FNS {
        let form: &[(&str, &str)] = match *needs {
            Needs::CourseStaff => &[("course", course)],
            Needs::CourseEnroller => {
                &[("course", course), ("identifiers", "learner05"), ("action", "enroll"), ("id", "x")]
            }
            Needs::CourseAdmin | Needs::DiscussionManager => &[
                ("course", course),
                ("identifier", "learner05"),
                ("identifiers", "learner05"),
                ("username", "instructor"),
                ("role", "staff"),
                ("action", "add"),
                ("id", "x"),
            ],
            Needs::GlobalStaff => &[
                ("search", ""),
                ("page", "1"),
                ("name", "Sweepers"),
                ("id", "x"),
                ("identifier", "learner"),
                ("username", "learner"),
                ("target", course),
                ("org", "DemoX"),
                ("kind", "course"),
                ("holder", "learner"),
                ("role", "staff"),
                ("reason", "sweep"),
                ("to", "PENDING"),
                ("title", "t"),
                ("program_type", "t"),
                ("orgs", "DemoX"),
                ("courses", ""),
                ("platform_name", "t"),
                ("course_key", course),
                ("certificate_type", "verified"),
                ("program", "x"),
                ("org_name", "t"),
                ("pathway_type", "credit"),
                ("status", "published"),
                ("uuid", "x"),
                ("certificate", "program:x"),
                ("email", "sweep@example.org"),
                ("full_name", "Sweep"),
                ("body", "text"),
                ("action", "deactivate"),
                ("scope", "global"),
                ("q", ""),
            ],
            Needs::CourseTeamViewer => {
                // Learners and Limited Staff are refused; the course's Staff get in.
                let limited = app.sign_in("limited", "registrar-learner").await;
                for who in [&learner, &limited] {
                    let reply = app.post_form(path, &[("course", course)], Some(who)).await;
                    assert_eq!(reply.status, 403, "{path}: {}", reply.body);
                }
                continue;
            }
            Needs::LibraryViewer | Needs::LibraryEditor | Needs::LibraryAdmin => {
                let form = [
                    ("key", "lib:DemoX:cs101-problems"),
                    ("title", "t"),
                    ("kind", "user"),
                    ("name", "learner05"),
                    ("level", "read"),
                    ("identifier", "learner05"),
                ];
                // A stranger cannot tell the library exists; a reader is refused what needs more.
                let stranger = app.sign_in("learner05", "registrar-learner").await;
                let reply = app.post_form(path, &form, Some(&stranger)).await;
                assert_eq!(
                    (reply.status.as_u16(), reply.error_code()),
                    (404, "NOT_FOUND".to_owned()),
                    "{path}"
                );
                if *needs != Needs::LibraryViewer {
                    let reply = app.post_form(path, &form, Some(&learner)).await;
                    assert_eq!(reply.status, 403, "{path} let a reader in: {}", reply.body);
                }
                if *needs == Needs::LibraryAdmin {
                    let author = app.sign_in("ta", "registrar-learner").await;
                    let reply = app.post_form(path, &form, Some(&author)).await;
                    assert_eq!(reply.status, 403, "{path} let an author in: {}", reply.body);
                }
                continue;
            }
            Needs::LibraryCreator => &[("org", "DemoX"), ("slug", "sweep"), ("title", "t")],
            _ => continue,
        };
        let reply = app.post_form(path, form, Some(&learner)).await;
        assert_eq!(reply.status, 403, "{path} let a learner in: {}", reply.body);
        assert_eq!(reply.error_code(), "FORBIDDEN");
        if matches!(*needs, Needs::CourseAdmin | Needs::DiscussionManager) {
            let ta = app.sign_in("ta", "registrar-learner").await;
            let reply = app.post_form(path, form, Some(&ta)).await;
            assert_eq!(reply.status, 403, "{path} let course Staff manage the team");
        }
        if *needs == Needs::GlobalStaff {
            let reply = app.post_form(path, form, Some(&instructor)).await;
            assert_eq!(reply.status, 403, "{path} let a course instructor in");
        }
    }
    // The retirement service API: only the configured service user (or a superuser), not global
    // staff, not learners.
    let staff = app.sign_in("staff", "registrar-staff").await;
    for (path, method, access) in REST_ROUTES {
        if *access == Access::RetirementWorker {
            for who in [&learner, &staff] {
                let reply = call(&app, path, method, Some(who)).await;
                assert_eq!(reply.status, 403, "{path} let a learner or global staff in: {}", reply.body);
                assert_eq!(reply.error_code(), "FORBIDDEN", "{path}");
            }
        }
        if *access == Access::Staff {
            for who in [&learner, &instructor] {
                let reply = if path.ends_with("/signatories") {
                    let fields = [("name", "n"), ("title", "t")];
                    app.post_multipart(path, &fields, Some(("s.png", b"\x89PNG\r\n\x1a\n")), Some(who), true)
                        .await
                } else {
                    call(&app, path, method, Some(who)).await
                };
                assert_eq!(reply.status, 403, "{path} let a learner or instructor in: {}", reply.body);
                assert_eq!(reply.error_code(), "FORBIDDEN", "{path}");
            }
        }
        if *access == Access::CourseEnroller {
            let forum_admin = app.sign_in("forumadmin", "registrar-learner").await;
            for who in [&learner, &forum_admin] {
                let reply = if *method == Method::GET {
                    app.get(&format!("{path}?course={}&id=x", course.replace('+', "%2B")), Some(who)).await
                } else {
                    let fields = [("course", course), ("action", "enroll")];
                    app.post_multipart(path, &fields, Some(("list.csv", b"learner05")), Some(who), true).await
                };
                assert_eq!(reply.status, 403, "{path} let a learner or discussion admin in: {}", reply.body);
            }
        }
    }
    // The instructor may open their own course but not someone else's.
    let own = app.post_form("/api/courses/overview", &[("course", course)], Some(&instructor)).await;
    assert_eq!(own.status, 200, "{}", own.body);
    let other = app
        .post_form(
            "/api/courses/overview",
            &[("course", "course-v1:MathX+ALG200+2026_Spring")],
            Some(&instructor),
        )
        .await;
    assert_eq!(other.status, 403);
    // Org-wide roles reach every course of the org, and only that org.
    let orgadmin = app.sign_in("orgadmin", "registrar-learner").await;
    let in_org = app
        .post_form("/api/courses/overview", &[("course", "course-v1:OpenX+BIO150+2026")], Some(&orgadmin))
        .await;
    assert_eq!(in_org.status, 200, "{}", in_org.body);
    let outside = app.post_form("/api/courses/overview", &[("course", course)], Some(&orgadmin)).await;
    assert_eq!(outside.status, 403);
    app.cleanup().await;
}

crate::on_both_engines!(anonymous_calls_are_refused, under_privileged_calls_are_refused);
