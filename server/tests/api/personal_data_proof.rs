//! The retirement proof, property-based: proptest draws learners (random usernames, mixed-case
//! addresses, names with accents) and random histories — invitations typed in other spellings
//! before they registered, a library grant naming them, a confirmed or unconfirmed address, wrong passwords, a group, a token, a
//! library of their own, credentials, a grade, a shared and sent record, an email change with an
//! invitation to the new address, a change to another address asked for and never confirmed, a new
//! name — and after retirement and cleanup no table holds any of their
//! identifiers in any spelling. Each case is printed before it runs, so a failure names the history
//! that leaked.

use crate::api::retirement::{dump, lines_naming, make_due};
use crate::common::{Engine, TestApp};
use app::gate::Gate;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;

const COURSE: &str = "course-v1:DemoX+CS101+2026_T1";
const PASSWORD: &str = "a long enough phrase";

/// How an address or a username is typed: which letters are capitals, and whether stray spaces
/// surround it (the forms trim them).
#[derive(Debug, Clone)]
struct Spelling {
    capitals: Vec<bool>,
    padded: bool,
}

impl Spelling {
    fn apply(&self, text: &str) -> String {
        let spelled: String = text
            .chars()
            .enumerate()
            .flat_map(|(i, c)| {
                let upper = self.capitals[i % self.capitals.len()];
                let mapped: Vec<char> =
                    if upper { c.to_uppercase().collect() } else { c.to_lowercase().collect() };
                mapped
            })
            .collect();
        if self.padded {
            format!("  {spelled} ")
        } else {
            spelled
        }
    }
}

#[derive(Debug, Clone)]
struct History {
    username: String,
    email: String,
    name: String,
    registered_as: Spelling,
    team_invitation: Option<Spelling>,
    enrollment_invitation: Option<Spelling>,
    console_invitation: Option<Spelling>,
    library_grant: Option<Spelling>,
    confirms: bool,
    wrong_password_as: Option<Spelling>,
    in_group: bool,
    token: bool,
    own_library: bool,
    records: bool,
    /// A new address an admin sets, typed how, an invitation to it before, and whether it is
    /// confirmed afterwards.
    email_change: Option<(String, Spelling, Option<Spelling>, bool)>,
    /// An address the learner asked to move to on My account and never confirmed.
    unconfirmed_request: Option<String>,
    /// A name the learner changed to on My account (the one they registered with is theirs too).
    renamed: Option<String>,
    /// Retired by an admin (naming the address in this spelling) rather than by the learner.
    retired_by_admin: Option<Spelling>,
}

impl History {
    fn identifiers(&self) -> Vec<String> {
        let mut ids = vec![self.username.clone(), self.email.clone(), self.name.clone()];
        if let Some((new, ..)) = &self.email_change {
            ids.push(new.clone());
        }
        ids.extend(self.unconfirmed_request.clone());
        ids.extend(self.renamed.clone());
        ids
    }

    /// The address the account has when it is retired.
    fn current_email(&self) -> &str {
        self.email_change.as_ref().map_or(&self.email, |(new, ..)| new)
    }
}

fn spelling() -> impl Strategy<Value = Spelling> {
    (prop::collection::vec(any::<bool>(), 1..12), any::<bool>())
        .prop_map(|(capitals, padded)| Spelling { capitals, padded })
}

fn address() -> impl Strategy<Value = String> {
    (
        "[a-z][a-z0-9_]{4,8}(\\.[a-z0-9]{2,5})?",
        prop::sample::select(vec!["example.org", "uni.example.edu", "mail.example.net"]),
    )
        .prop_map(|(local, domain)| format!("{local}@{domain}"))
}

fn history() -> impl Strategy<Value = History> {
    let person = ("[a-z]{2}[a-z0-9_]{6,10}", address(), "[A-Z][a-zëåøé]{3,8} [A-Z][a-zéü]{4,10}", spelling());
    let invitations = (
        prop::option::of(spelling()),
        prop::option::of(spelling()),
        prop::option::of(spelling()),
        prop::option::of(spelling()),
    );
    let traces = (
        any::<bool>(),
        prop::option::of(spelling()),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    );
    let change = prop::option::of((address(), spelling(), prop::option::of(spelling()), any::<bool>()));
    let requested = prop::option::of(address());
    let renamed = prop::option::of("[A-Z][a-zöç]{3,8} [A-Z][a-zñ]{4,10}");
    (person, invitations, traces, (change, requested, renamed), prop::option::of(spelling())).prop_map(
        |(
            (username, email, name, registered_as),
            (team_invitation, enrollment_invitation, console_invitation, library_grant),
            (confirms, wrong_password_as, in_group, token, own_library, records),
            (email_change, unconfirmed_request, renamed),
            retired_by_admin,
        )| History {
            username: format!("u{username}"),
            email,
            name,
            registered_as,
            team_invitation,
            enrollment_invitation,
            console_invitation,
            library_grant,
            confirms,
            wrong_password_as,
            in_group,
            token,
            own_library,
            records,
            email_change,
            unconfirmed_request,
            renamed,
            retired_by_admin,
        },
    )
}

/// Cases per engine (each is a whole seeded install): `REGISTRAR_PII_CASES`, 8 by default.
fn draw_histories() -> Vec<History> {
    let cases = std::env::var("REGISTRAR_PII_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(8);
    let mut runner = TestRunner::default();
    let strategy = history().prop_filter("the addresses differ", |h| {
        let mut all: Vec<String> = vec![h.email.to_lowercase()];
        all.extend(h.email_change.iter().map(|(new, ..)| new.to_lowercase()));
        all.extend(h.unconfirmed_request.iter().map(|a| a.to_lowercase()));
        let n = all.len();
        all.sort();
        all.dedup();
        all.len() == n
    });
    (0..cases).map(|_| strategy.new_tree(&mut runner).expect("a history").current()).collect()
}

fn ok(reply: &crate::common::Reply, what: &str) {
    assert!(
        reply.status.is_success() || reply.status.is_redirection(),
        "{what}: {} {}",
        reply.status,
        reply.body
    );
}

/// Live one history on a fresh install; returns the learner's session.
async fn live(app: &TestApp, h: &History) -> String {
    let instructor = app.sign_in("instructor", "registrar-instructor").await;
    let admin = app.sign_in("admin", "registrar-admin").await;
    if let Some(s) = &h.team_invitation {
        let form = [("course", COURSE), ("identifier", &s.apply(&h.email)), ("role", "staff")];
        ok(&app.post_form("/api/course_team/add", &form, Some(&instructor)).await, "team invitation");
    }
    if let Some(s) = &h.enrollment_invitation {
        let form =
            [("course", COURSE), ("identifiers", &s.apply(&h.email)), ("action", "enroll"), ("notify", "on")];
        ok(&app.post_form("/api/membership/enroll_batch", &form, Some(&instructor)).await, "enrollment");
    }
    if let Some(s) = &h.console_invitation {
        let form = [("email", s.apply(&h.email)), ("role", String::new())];
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        ok(&app.post_form("/api/console/invite", &form, Some(&admin)).await, "console invitation");
    }
    let email = h.registered_as.apply(&h.email);
    let cookie = app
        .register_and_sign(&[
            ("username", &h.username),
            ("email", &email),
            ("full_name", &h.name),
            ("password", PASSWORD),
            ("password_confirm", PASSWORD),
        ])
        .await;
    if h.confirms {
        app.confirm_address(&h.email).await;
    }
    if let Some(s) = &h.library_grant {
        // By address once it is proven (an unproven one matches nobody), else by username.
        let holder = if h.confirms { s.apply(&h.email) } else { s.apply(&h.username) };
        let form = [
            ("key", "lib:DemoX:cs101-problems"),
            ("kind", "user"),
            ("name", holder.as_str()),
            ("level", "author"),
        ];
        ok(&app.post_form("/api/libraries/grant", &form, Some(&admin)).await, "library grant");
    }
    if let Some(s) = &h.wrong_password_as {
        for identifier in [s.apply(&h.username), s.apply(&h.email)] {
            let form = [("identifier", identifier.as_str()), ("password", "not the password")];
            assert_eq!(app.post_form("/api/session/login", &form, None).await.status, 401);
        }
    }
    if h.in_group {
        let group =
            app.post_form("/api/console/group_create", &[("name", "Evening cohort")], Some(&admin)).await;
        let id: String = serde_json::from_str(&group.body).unwrap();
        let form = [("id", id.as_str()), ("identifier", h.username.as_str())];
        ok(&app.post_form("/api/console/group_add_member", &form, Some(&admin)).await, "group");
    }
    if h.token {
        let (gate, system) = Gate::system(app.backend(), "test");
        gate.backend().accounts.issue_token(&system, &h.username, "my laptop", None).await.unwrap();
    }
    if h.own_library {
        let creator =
            [("identifier", h.username.as_str()), ("role", "org_course_creator_group"), ("scope", "DemoX")];
        ok(&app.post_form("/api/console/role_grant", &creator, Some(&admin)).await, "creator role");
        let library = [("org", "DemoX"), ("slug", "evening-notes"), ("title", "Evening notes")];
        ok(&app.post_form("/api/libraries/create", &library, Some(&cookie)).await, "library");
    }
    if h.records {
        let program = crate::api::records::program_id(app, "Data Science MicroMasters").await;
        crate::api::records::award(app, &admin, &h.username, COURSE).await;
        let grade = serde_json::json!({"username": h.username, "course_run": COURSE, "letter_grade": "B", "percent_grade": 0.8});
        ok(&crate::api::records::json(app, "POST", "/api/v2/grades/", &grade, &admin).await, "grade");
        let shared = app.post_form("/api/records/share", &[("program", &program)], Some(&cookie)).await;
        ok(&shared, "share");
        let share_id = shared.json()["id"].as_str().unwrap().to_owned();
        ok(&app.post_form("/api/records/shared", &[("id", &share_id)], None).await, "view");
        let pathway = crate::api::records::pathway_id(app, "State University Credit Pathway").await;
        let form = [("program", program.as_str()), ("pathway", pathway.as_str()), ("confirm", "on")];
        ok(&app.post_form("/api/records/send", &form, Some(&cookie)).await, "send");
    }
    if let Some((new, typed, invitation, confirms)) = &h.email_change {
        if let Some(s) = invitation {
            let form = [("course", COURSE), ("identifier", &s.apply(new)), ("role", "staff")];
            ok(
                &app.post_form("/api/course_team/add", &form, Some(&instructor)).await,
                "invitation to the new address",
            );
        }
        let form =
            [("username", h.username.as_str()), ("full_name", h.name.as_str()), ("email", &typed.apply(new))];
        ok(&app.post_form("/api/console/user_update", &form, Some(&admin)).await, "email change");
        if *confirms {
            app.confirm_address(new).await;
        }
    }
    if let Some(name) = &h.renamed {
        ok(&app.post_form("/api/account/change-name", &[("full_name", name)], Some(&cookie)).await, "rename");
    }
    if let Some(address) = &h.unconfirmed_request {
        let form = [("email", address.as_str()), ("password", PASSWORD)];
        ok(&app.post_form("/api/account/change-email", &form, Some(&cookie)).await, "address change asked");
    }
    cookie
}

async fn retire(app: &TestApp, h: &History, cookie: &str) {
    match &h.retired_by_admin {
        Some(s) => {
            let admin = app.sign_in("admin", "registrar-admin").await;
            let form = [("identifier", s.apply(h.current_email())), ("reason", "asked by phone".to_owned())];
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            ok(&app.post_form("/api/console/retirement_request", &form, Some(&admin)).await, "admin request");
        }
        None => {
            let deleted = app.post_form("/api/account/delete", &[("password", PASSWORD)], Some(cookie)).await;
            ok(&deleted, "delete my account");
        }
    }
    make_due(app).await;
    assert_eq!(app.worker().retire_due().await.unwrap(), 1, "one learner retired");
}

async fn no_table_names_a_retired_learner_whatever_their_history(engine: Engine) {
    for h in draw_histories() {
        eprintln!("history: {h:#?}");
        let app = TestApp::seeded(engine).await;
        let cookie = live(&app, &h).await;
        let ids = h.identifiers();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        let before = dump(&app).await;
        for id in &ids {
            assert!(
                !lines_naming(&before, &[id]).is_empty(),
                "{id} is nowhere before: the case proves nothing"
            );
        }
        retire(&app, &h, &cookie).await;
        let leaks = lines_naming(&dump(&app).await, &ids);
        assert!(leaks.is_empty(), "after retirement the learner is still named in:\n{}", leaks.join("\n"));
        app.cleanup().await;
    }
}

crate::on_both_engines!(no_table_names_a_retired_learner_whatever_their_history);
