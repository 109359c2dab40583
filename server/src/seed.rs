//! Demo data: a few organizations and courses, ~50 users with enrollments and course roles, and the
//! demo sign-ins printed for people trying the product. Idempotent: running it again changes nothing.

use crate::auth::password;
use crate::store::{courses, demo, enrollments, groups, roles, team_invitations, users, Conn, Db, DbError};
use registrar::ids::{CourseKey, OrgKey};
use registrar::roles::{Grant, Role, Scope};
use std::fmt;

/// A demo sign-in printed after seeding.
pub struct DemoSignIn {
    pub username: &'static str,
    pub password: &'static str,
    pub what: &'static str,
}

/// The demo sign-ins (also in the README).
pub const DEMO_SIGN_INS: &[DemoSignIn] = &[
    DemoSignIn { username: "admin", password: "registrar-admin", what: "superuser: everything" },
    DemoSignIn {
        username: "staff",
        password: "registrar-staff",
        what: "global staff: every course; the whole console through the group Platform admins",
    },
    DemoSignIn {
        username: "helpdesk",
        password: "registrar-staff",
        what: "global staff in the group Help desk: users, invitations, audit log and outbox only",
    },
    DemoSignIn {
        username: "instructor",
        password: "registrar-instructor",
        what: "Admin of two DemoX courses and of the CS101 problem bank library, Staff of one OpenX course",
    },
    DemoSignIn {
        username: "ta",
        password: "registrar-learner",
        what: "Staff of CS101; Author of the problem bank through the group DemoX authors",
    },
    DemoSignIn {
        username: "learner",
        password: "registrar-learner",
        what: "a learner enrolled in three courses",
    },
    DemoSignIn {
        username: "forumadmin",
        password: "registrar-learner",
        what: "Discussion Admin of CS101: manages its moderators",
    },
];

const ORGS: &[(&str, &str)] =
    &[("DemoX", "Demo University"), ("OpenX", "Open Institute"), ("MathX", "Mathematics Consortium")];

/// (key, name, start, end) with dates as epoch days.
const COURSES: &[(&str, &str, i64, i64)] = &[
    ("course-v1:DemoX+CS101+2026_T1", "Introduction to Computer Science", 20_454, 20_574),
    ("course-v1:DemoX+CS101+2025_T3", "Introduction to Computer Science (2025)", 20_332, 20_423),
    ("course-v1:DemoX+DS201+2026_T1", "Data Science Foundations", 20_485, 20_605),
    ("course-v1:OpenX+HIST110+2026", "World History", 20_454, 20_819),
    ("course-v1:OpenX+BIO150+2026", "Biology Basics", 20_515, 20_635),
    ("course-v1:MathX+ALG200+2026_Spring", "Linear Algebra", 20_485, 20_574),
];

const FIRST: &[&str] = &[
    "Amara", "Bruno", "Chen", "Dalia", "Emeka", "Farah", "Goran", "Hana", "Ines", "Jonas", "Kwame", "Lena",
    "Mateo", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tariq", "Uma", "Viktor", "Wen",
];
const LAST: &[&str] = &["Okafor", "Silva", "Nakamura", "Haddad", "Kowalski", "Moreau"];

/// What the seed did, printable for the terminal.
pub struct SeedSummary {
    pub users_created: usize,
}

impl fmt::Display for SeedSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.users_created > 0 {
            writeln!(f, "Demo data loaded ({} users created).", self.users_created)?;
        } else {
            writeln!(f, "Demo data is present.")?;
        }
        writeln!(f, "Demo sign-ins (username / password):")?;
        for s in DEMO_SIGN_INS {
            writeln!(f, "  {:<11} {:<22} {}", s.username, s.password, s.what)?;
        }
        Ok(())
    }
}

/// Failure while seeding.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("database error while seeding: {0}")]
    Db(#[from] DbError),
    #[error("could not hash a demo password: {0}")]
    Hash(#[from] password::HashError),
    #[error("demo data is inconsistent: {0}")]
    Invalid(String),
}

struct DemoUser {
    username: String,
    full_name: String,
    password: &'static str,
    staff: bool,
    superuser: bool,
}

fn demo_users() -> Vec<DemoUser> {
    let mut out = vec![
        DemoUser {
            username: "admin".into(),
            full_name: "Ada Admin".into(),
            password: "registrar-admin",
            staff: true,
            superuser: true,
        },
        DemoUser {
            username: "staff".into(),
            full_name: "Sam Staff".into(),
            password: "registrar-staff",
            staff: true,
            superuser: false,
        },
        DemoUser {
            username: "helpdesk".into(),
            full_name: "Hal Helpdesk".into(),
            password: "registrar-staff",
            staff: true,
            superuser: false,
        },
        DemoUser {
            username: "instructor".into(),
            full_name: "Irene Instructor".into(),
            password: "registrar-instructor",
            staff: false,
            superuser: false,
        },
        DemoUser {
            username: "learner".into(),
            full_name: "Leo Learner".into(),
            password: "registrar-learner",
            staff: false,
            superuser: false,
        },
        DemoUser {
            username: "ta".into(),
            full_name: "Tomás Assistant".into(),
            password: "registrar-learner",
            staff: false,
            superuser: false,
        },
        DemoUser {
            username: "orgadmin".into(),
            full_name: "Olga Orgadmin".into(),
            password: "registrar-learner",
            staff: false,
            superuser: false,
        },
    ];
    for (username, full_name) in
        [("forumadmin", "Fiona Forum"), ("limited", "Lim Limited-Staff"), ("beta", "Bea Tester")]
    {
        out.push(DemoUser {
            username: username.into(),
            full_name: full_name.into(),
            password: "registrar-learner",
            staff: false,
            superuser: false,
        });
    }
    for i in 0..46 {
        let first = FIRST[i % FIRST.len()];
        let last = LAST[i % LAST.len()];
        out.push(DemoUser {
            username: format!("learner{:02}", i + 1),
            full_name: format!("{first} {last}"),
            password: "registrar-learner",
            staff: false,
            superuser: false,
        });
    }
    out
}

/// Libraries, groups, org-wide grants and a pending Studio invitation, so the sharing pages are full.
async fn seed_sharing(
    tx: &mut Conn,
    id_of: &dyn Fn(&str) -> Result<String, SeedError>,
) -> Result<(), SeedError> {
    use crate::store::libraries::{self, Holder, Target};
    use registrar::library::{AccessLevel, LibraryKey, LibrarySwitches};
    let invalid = |e: registrar::DomainError| SeedError::Invalid(e.message);
    let demo = OrgKey::parse("DemoX").map_err(invalid)?;
    let open = OrgKey::parse("OpenX").map_err(invalid)?;
    let creator = Grant { role: Role::OrgContentCreator, scope: Scope::Org(demo.clone()) };
    roles::grant(&mut *tx, &id_of("instructor")?, &creator, None).await?;
    let libs = [
        (
            LibraryKey::new(demo.clone(), "cs101-problems").map_err(invalid)?,
            "CS101 problem bank",
            "instructor",
            false,
        ),
        (LibraryKey::new(demo, "intro-videos").map_err(invalid)?, "Introductory videos", "instructor", true),
        (
            LibraryKey::new(open.clone(), "history-sources").map_err(invalid)?,
            "Primary sources for history",
            "orgadmin",
            false,
        ),
    ];
    for (key, title, admin, public_read) in &libs {
        if libraries::create(tx, key, title, "Demo content for trying library sharing.", &id_of(admin)?)
            .await?
        {
            let switches = LibrarySwitches { allow_public_read: *public_read, allow_public_learning: false };
            libraries::set_switches(tx, &key.to_string(), switches).await?;
        }
    }
    let mut group_ids = Vec::new();
    for (name, description, members) in [
        ("DemoX authors", "Writes problems for DemoX courses", &["ta", "learner40"][..]),
        ("Reviewers", "Checks content before release", &["learner41", "learner42"][..]),
    ] {
        if groups::find_by_name_in(tx, name).await?.is_none() {
            groups::create(tx, name, description, &id_of("admin")?).await?;
        }
        let id = groups::find_by_name_in(tx, name)
            .await?
            .ok_or_else(|| SeedError::Invalid(format!("no group {name}")))?;
        let member_ids: Vec<String> = members.iter().map(|m| id_of(m)).collect::<Result<_, _>>()?;
        groups::add_members(tx, &id, &member_ids).await?;
        group_ids.push(id);
    }
    let problems = Target::Library(libs[0].0.to_string());
    let in_thirty_days = crate::store::now_ms() + 30 * 86_400_000;
    let grants = [
        (problems.clone(), Holder::Group(group_ids[0].clone()), AccessLevel::Author, None),
        (problems.clone(), Holder::Group(group_ids[1].clone()), AccessLevel::Read, Some(in_thirty_days)),
        (problems, Holder::User(id_of("learner")?), AccessLevel::Read, None),
        (Target::Org(open.to_string()), Holder::User(id_of("orgadmin")?), AccessLevel::Admin, None),
    ];
    for (target, holder, level, ends) in &grants {
        libraries::grant(tx, target, holder, *level, None, *ends).await?;
    }
    team_invitations::create(
        tx,
        "course-v1:DemoX+CS101+2026_T1",
        "co.teacher@example.org",
        Role::Staff.as_str(),
        &id_of("instructor")?,
        crate::store::now_ms() + crate::services::team::studio::INVITATION_TTL_MS,
        None,
    )
    .await?;
    Ok(())
}

fn course(key: &str) -> Result<CourseKey, SeedError> {
    CourseKey::parse(key).map_err(|e| SeedError::Invalid(e.message))
}

/// Load the demo data; idempotent. `show_progress` draws a bar on a terminal.
pub async fn seed_demo(db: &Db, show_progress: bool) -> Result<SeedSummary, SeedError> {
    let mut tx = db.pool.begin().await.map_err(DbError::from)?;
    for (key, name) in ORGS {
        courses::upsert_org(&mut *tx, key, name).await?;
    }
    for (key, name, start, end) in COURSES {
        let org = course(key)?.org().to_string();
        let day = 86_400_000;
        courses::upsert_course(
            &mut *tx,
            &courses::CourseSpec {
                key,
                org: &org,
                display_name: name,
                start_at: Some(start * day),
                end_at: Some(end * day),
                enrollment_start: Some((start - 30) * day),
                enrollment_end: Some((start + 14) * day),
            },
        )
        .await?;
    }
    tx.commit().await.map_err(DbError::from)?;

    let people = demo_users();
    let bar = if show_progress {
        indicatif::ProgressBar::new(people.len() as u64)
    } else {
        indicatif::ProgressBar::hidden()
    };
    bar.set_message("demo users");
    let mut hashes: Vec<(&str, String)> = Vec::new();
    let mut created = 0;
    let mut ids = Vec::with_capacity(people.len());
    for person in &people {
        bar.inc(1);
        if let Some(existing) = users::find_by_username(db, &person.username).await? {
            ids.push(existing.id);
            continue;
        }
        let hash = match hashes.iter().find(|(pw, _)| *pw == person.password) {
            Some((_, h)) => h.clone(),
            None => {
                let h = password::hash(person.password).await?;
                hashes.push((person.password, h.clone()));
                h
            }
        };
        let email = format!("{}@example.org", person.username);
        let id = users::insert(
            &db.pool,
            &users::NewUser {
                username: &person.username,
                email: &email,
                full_name: &person.full_name,
                password_hash: Some(&hash),
                is_active: true,
                is_staff: person.staff,
                is_superuser: person.superuser,
                state: registrar::activation::AccountState::Active,
                email_verified: true,
            },
        )
        .await
        .map_err(|e| SeedError::Invalid(e.to_string()))?;
        ids.push(id);
        created += 1;
    }
    bar.finish_and_clear();

    let id_of = |username: &str| -> Result<&str, SeedError> {
        people
            .iter()
            .position(|p| p.username == username)
            .and_then(|i| ids.get(i))
            .map(String::as_str)
            .ok_or_else(|| SeedError::Invalid(format!("no demo user {username}")))
    };
    let mut tx = db.pool.begin().await.map_err(DbError::from)?;
    let course_grants = [
        ("instructor", Role::Instructor, "course-v1:DemoX+CS101+2026_T1"),
        ("instructor", Role::Instructor, "course-v1:DemoX+DS201+2026_T1"),
        ("instructor", Role::Staff, "course-v1:OpenX+HIST110+2026"),
        ("ta", Role::Staff, "course-v1:DemoX+CS101+2026_T1"),
        ("learner01", Role::BetaTester, "course-v1:DemoX+CS101+2026_T1"),
        ("learner02", Role::LimitedStaff, "course-v1:DemoX+DS201+2026_T1"),
        ("learner03", Role::DataResearcher, "course-v1:DemoX+DS201+2026_T1"),
        ("limited", Role::LimitedStaff, "course-v1:DemoX+CS101+2026_T1"),
        ("beta", Role::BetaTester, "course-v1:DemoX+CS101+2026_T1"),
        ("instructor", Role::DiscussionAdmin, "course-v1:DemoX+CS101+2026_T1"),
        ("forumadmin", Role::DiscussionAdmin, "course-v1:DemoX+CS101+2026_T1"),
        ("learner40", Role::DiscussionModerator, "course-v1:DemoX+CS101+2026_T1"),
        ("learner41", Role::CommunityTa, "course-v1:DemoX+CS101+2026_T1"),
    ];
    for (who, role, key) in course_grants {
        let key = course(key)?;
        roles::grant(&mut tx, id_of(who)?, &Grant { role, scope: Scope::Course(key.clone()) }, None).await?;
        courses::enroll(&mut *tx, id_of(who)?, &key.to_string(), "honor").await?;
    }
    let org = OrgKey::parse("OpenX").map_err(|e| SeedError::Invalid(e.message))?;
    roles::grant(
        &mut tx,
        id_of("orgadmin")?,
        &Grant { role: Role::Instructor, scope: Scope::Org(org) },
        None,
    )
    .await?;
    for key in [
        "course-v1:DemoX+CS101+2026_T1",
        "course-v1:OpenX+HIST110+2026",
        "course-v1:MathX+ALG200+2026_Spring",
    ] {
        courses::enroll(&mut *tx, id_of("learner")?, key, "verified").await?;
    }
    let first_numbered = people.iter().position(|p| p.username == "learner01").unwrap_or(people.len());
    for (n, id) in ids.iter().skip(first_numbered).enumerate() {
        // Each numbered learner takes one or two courses, spread over the catalogue.
        let i = n + 6;
        let (first, _, _, _) = COURSES[i % COURSES.len()];
        courses::enroll(&mut *tx, id, first, if i % 3 == 0 { "verified" } else { "audit" }).await?;
        if i % 2 == 0 {
            let (second, _, _, _) = COURSES[(i + 2) % COURSES.len()];
            courses::enroll(&mut *tx, id, second, "audit").await?;
        }
        // The flagship course also has learner21 to learner46, so its Membership tab is full on first run.
        if n >= 20 {
            courses::enroll(&mut *tx, id, "course-v1:DemoX+CS101+2026_T1", "audit").await?;
        }
    }
    // People invited to the flagship course who have no account yet.
    let invited = enrollments::Writes {
        invite: [
            ("new.student@example.org", true),
            ("guest.lecturer@example.org", false),
            ("j.doe@example.com", true),
        ]
        .into_iter()
        .map(|(email, auto_enroll)| (email.to_owned(), email.to_owned(), auto_enroll))
        .collect(),
        ..enrollments::Writes::default()
    };
    let seeder = enrollments::Actor { id: None, label: "system:seed-demo" };
    enrollments::apply(&mut tx, "course-v1:DemoX+CS101+2026_T1", &invited, seeder, None).await?;
    seed_sharing(&mut tx, &|username: &str| id_of(username).map(str::to_owned)).await?;
    seed_console(&mut tx, &ids, &|username: &str| id_of(username).map(str::to_owned)).await?;
    tx.commit().await.map_err(DbError::from)?;
    seed_retirements(db).await?;
    seed_credentials(db, id_of("learner")?).await?;
    Ok(SeedSummary { users_created: created })
}

/// The console's groups (Platform admins: every permission; Help desk: users, invitations, the
/// audit log and the outbox) and a required "Terms of use" that every demo account has signed. Once.
async fn seed_console(
    tx: &mut Conn,
    everyone: &[String],
    id_of: &dyn Fn(&str) -> Result<String, SeedError>,
) -> Result<(), SeedError> {
    use registrar::console::{Permission, Section, Verb};
    let help_desk: Vec<String> = [
        (Section::Users, Verb::View),
        (Section::Users, Verb::Change),
        (Section::Invitations, Verb::View),
        (Section::Invitations, Verb::Add),
        (Section::Audit, Verb::View),
        (Section::Outbox, Verb::View),
        (Section::Outbox, Verb::Change),
    ]
    .into_iter()
    .map(|(s, v)| Permission::new(s, v).codename())
    .collect();
    let all: Vec<String> = Permission::all().into_iter().map(Permission::codename).collect();
    for (name, description, member, permissions) in [
        ("Platform admins", "Run the platform: every console permission", "staff", all),
        ("Help desk", "Answer learners: accounts, invitations, audit log, mail", "helpdesk", help_desk),
    ] {
        if groups::find_by_name_in(tx, name).await?.is_some() {
            continue;
        }
        groups::create(tx, name, description, &id_of("admin")?).await?;
        let id = groups::find_by_name_in(tx, name)
            .await?
            .ok_or_else(|| SeedError::Invalid(format!("no group {name}")))?;
        groups::add_members(tx, &id, &[id_of(member)?]).await?;
        crate::store::console::set_group_permissions(tx, &id, &permissions).await?;
    }
    let exists = demo::agreement_count(tx).await?;
    if exists == 0 {
        let (id, now) = (crate::store::new_id(), crate::store::now_ms());
        let body = "1. Be kind to other learners and staff.\n2. Do your own work; cite what you use.\n\
                    3. We keep your account data to run your courses; you can download or delete it from My account.";
        demo::publish_required_agreement(tx, &id, "Terms of use", body, now).await?;
        for user in everyone {
            crate::store::console::sign(tx, user, &id, 1, "").await?;
        }
    }
    Ok(())
}

/// Two deletions, once, of two accounts of their own: `former.learner`'s is complete (a tombstone and
/// its history), `leaving.learner`'s waits in its cool-off. Skipped when any retirement exists.
async fn seed_retirements(db: &Db) -> Result<(), SeedError> {
    let any = demo::retirement_count(&db.pool).await?;
    if any > 0 {
        return Ok(());
    }
    let core =
        std::sync::Arc::new(crate::services::Core::new(db.clone(), crate::config::AuthPolicy::default()));
    let backend = crate::services::retirement::RetirementService::new(core.clone());
    let (_, system) = app::gate::Gate::system(crate::services::backend(core), "seed-demo");
    let invalid = |e: registrar::DomainError| SeedError::Invalid(e.message);
    backend.ensure_states(&system).await.map_err(invalid)?;
    for (username, full_name) in [("former.learner", "Fern Former"), ("leaving.learner", "Lee Leaving")] {
        let email = format!("{username}@example.org");
        let new = users::NewUser {
            username,
            email: &email,
            full_name,
            password_hash: None,
            is_active: true,
            is_staff: false,
            is_superuser: false,
            state: registrar::activation::AccountState::Active,
            email_verified: true,
        };
        let id = users::insert(&db.pool, &new).await.map_err(|e| SeedError::Invalid(e.to_string()))?;
        courses::enroll(&db.pool, &id, "course-v1:OpenX+HIST110+2026", "audit").await?;
    }
    let done = backend.retire_user_command(&system, "former.learner").await.map_err(invalid)?;
    backend.retire_user_command(&system, "leaving.learner").await.map_err(invalid)?;
    demo::end_cool_off_now(&db.pool, &done.id).await?;
    backend.retirement_tick("seed-demo").await.map_err(invalid)?;
    Ok(())
}

/// A square signature-like SVG for the demo signatories.
const DEMO_SIGNATURE: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 120 120\">\
<path d=\"M10 80 C 30 20, 50 20, 60 70 S 90 110, 110 40\" fill=\"none\" stroke=\"#312e81\" stroke-width=\"5\"/></svg>";

/// Credentials, once: the site, two signatories, two programs with certificate configurations,
/// three pathways (one a learner may send to), and `learner`'s certificates and grades, so "My
/// records" is full on first run. Skipped when any program exists.
async fn seed_credentials(db: &Db, learner: &str) -> Result<(), SeedError> {
    use crate::store::credential_awards::{self as ca, CertificateRef, GradeDb};
    use crate::store::credentials as cs;
    use app::model::records::{
        CourseCertificateRow, PathwayRow, ProgramCertificateRow, ProgramRow, SignatoryRow,
    };
    let any = demo::program_count(&db.pool).await?;
    if any > 0 {
        return Ok(());
    }
    let site = cs::current_site(db, "localhost").await?;
    let mut tx = db.pool.begin().await.map_err(DbError::from)?;
    let mut config = site.config();
    config.platform_name = "Registrar Demo".to_owned();
    config.records_help_url =
        "https://docs.openedx.org/en/latest/learners/sfd_certificates/learner_records.html".to_owned();
    config.partner_from_address = "records@registrar.example".to_owned();
    cs::upsert_site(&mut tx, &config).await?;
    let mut signatories = Vec::new();
    for (name, title) in [
        ("Dr. Ada Byron", "Dean of Computing, Demo University"),
        ("Prof. Ibn Sina", "Director, Open Institute"),
    ] {
        let row = SignatoryRow {
            id: String::new(),
            name: name.to_owned(),
            title: title.to_owned(),
            organization_name_override: None,
            image_type: String::new(),
        };
        signatories
            .push(cs::insert_signatory(&mut tx, &row, "image/svg+xml", DEMO_SIGNATURE.as_bytes()).await?);
    }
    let invalid = || SeedError::Invalid("demo program".to_owned());
    let program = |title: &str, kind: &str, orgs: &[&str], courses: &[&str]| ProgramRow {
        id: String::new(),
        title: title.to_owned(),
        program_type: kind.to_owned(),
        status: "active".to_owned(),
        orgs: orgs.iter().map(|s| (*s).to_owned()).collect(),
        courses: courses.iter().map(|s| (*s).to_owned()).collect(),
        total_hours_of_effort: Some(120),
    };
    let data_science = cs::save_program(
        &mut tx,
        &site.id,
        &program(
            "Data Science MicroMasters",
            "MicroMasters",
            &["DemoX", "MathX"],
            &[
                "course-v1:DemoX+CS101+2025_T3",
                "course-v1:DemoX+CS101+2026_T1",
                "course-v1:DemoX+DS201+2026_T1",
                "course-v1:MathX+ALG200+2026_Spring",
            ],
        ),
    )
    .await?
    .ok_or_else(invalid)?;
    let humanities = cs::save_program(
        &mut tx,
        &site.id,
        &program(
            "Humanities and Life Sciences",
            "Professional Certificate",
            &["OpenX"],
            &["course-v1:OpenX+HIST110+2026", "course-v1:OpenX+BIO150+2026"],
        ),
    )
    .await?
    .ok_or_else(invalid)?;
    let mut course_certificate = std::collections::HashMap::new();
    for (key, _, _, _) in COURSES {
        let row = CourseCertificateRow {
            id: String::new(),
            course_key: (*key).to_owned(),
            certificate_type: "verified".to_owned(),
            title: None,
            available_at: None,
            is_active: true,
            signatories: Vec::new(),
            awarded: 0,
        };
        let id = cs::save_course_certificate(&mut tx, &site.id, &row, &signatories[..1])
            .await?
            .ok_or_else(invalid)?;
        course_certificate.insert(*key, id);
    }
    let mut program_certificate = Vec::new();
    for program_id in [&data_science, &humanities] {
        let row = ProgramCertificateRow {
            id: String::new(),
            program_id: program_id.clone(),
            program_title: String::new(),
            use_org_name: true,
            include_hours_of_effort: true,
            language: Some("en".to_owned()),
            is_active: true,
            signatories: Vec::new(),
            awarded: 0,
        };
        program_certificate.push(
            cs::save_program_certificate(&mut tx, &site.id, &row, &signatories).await?.ok_or_else(invalid)?,
        );
    }
    for (name, org, email, kind, status, programs) in [
        (
            "State University Credit Pathway",
            "State University",
            "credit@state-university.example",
            "credit",
            "published",
            vec![data_science.clone()],
        ),
        (
            "Industry Partners",
            "Tech Employers Guild",
            "talent@employers.example",
            "industry",
            "published",
            vec![data_science.clone()],
        ),
        (
            "Open Institute Transfer (closed)",
            "Open Institute",
            "transfer@open.example",
            "credit",
            "unpublished",
            vec![humanities.clone()],
        ),
    ] {
        let row = PathwayRow {
            id: String::new(),
            name: name.to_owned(),
            org_name: org.to_owned(),
            email: email.to_owned(),
            pathway_type: kind.to_owned(),
            status: status.to_owned(),
            programs,
        };
        cs::save_pathway(&mut tx, &site.id, &row).await?.ok_or_else(invalid)?;
    }
    // learner: two runs of CS101 (the better grade in the newer run), DS201 earned without a grade
    // (a missed LMS push), ALG200 graded but not earned; the humanities program complete.
    for key in [
        "course-v1:DemoX+CS101+2025_T3",
        "course-v1:DemoX+CS101+2026_T1",
        "course-v1:DemoX+DS201+2026_T1",
        "course-v1:OpenX+HIST110+2026",
        "course-v1:OpenX+BIO150+2026",
    ] {
        let id = course_certificate.get(key).ok_or_else(invalid)?;
        ca::upsert_user_credential(&mut tx, learner, CertificateRef::Course(id), "awarded", None).await?;
    }
    let humanities_certificate = program_certificate.get(1).ok_or_else(invalid)?;
    ca::upsert_user_credential(
        &mut tx,
        learner,
        CertificateRef::Program(humanities_certificate),
        "awarded",
        None,
    )
    .await?;
    let grades: Vec<GradeDb> = [
        ("course-v1:DemoX+CS101+2025_T3", "C", 7_200),
        ("course-v1:DemoX+CS101+2026_T1", "A", 9_100),
        ("course-v1:MathX+ALG200+2026_Spring", "F", 4_500),
        ("course-v1:OpenX+HIST110+2026", "B+", 8_800),
        ("course-v1:OpenX+BIO150+2026", "A", 9_500),
    ]
    .into_iter()
    .map(|(key, letter, percent)| GradeDb {
        user_id: learner.to_owned(),
        course_key: key.to_owned(),
        letter_grade: letter.to_owned(),
        percent_e4: percent,
        verified: crate::store::Flag(true),
        source_updated_at: Some(crate::store::now_ms()),
    })
    .collect();
    ca::upsert_grades(&mut tx, &grades).await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(())
}
