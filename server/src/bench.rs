//! `registrar bench`: the performance targets of the Membership tab, measured on a scratch database
//! of each engine (never the configured one). Prints one table; the README keeps the numbers.
//!
//! - A batch of 10,000 entries (60% existing accounts, 30% unknown emails, 10% malformed), end to end:
//!   the request through the Gate, then the background job to its last row. Compared, in the same
//!   run, with bulk-inserting the same rows (enrollments, invitations, audit) in plain multi-row SQL.
//! - One page of a 100,000-enrollment course's list with a search term (server time, median of 30).
//! - Sharing: a permission check (the Gate resolving the library's grants and deciding) for a user
//!   holding 1,000 library grants (direct, through a group, org-wide), median of 200; the Studio team
//!   page of a course and the team page of a library with 500 members each (server time, median of 30).
//! - The process's peak resident memory.
//! - The console (its own scratch database): a users search page among 1,000,000 accounts and the
//!   audit log of one account among 10,000,000 entries (server time through the Gate, median of 30).

use crate::config::AuthPolicy;
use crate::services::{self, Core};
use crate::store::{self, courses, now_ms, values_placeholders, Db};
use crate::worker::JobWorker;
use app::gate::console::{Console, PushGrades, ViewAudit, ViewUsers};
use app::gate::Gate;
use app::model::{BatchAction, BatchRequest, RosterQuery, RosterStatus};
use app::ports::{ClientMeta, RequestPrincipal};
use registrar::authz::Principal;
use registrar::ids::{CourseKey, UserId};
use registrar::AuditAction;
use sqlx::AssertSqlSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

const ORG: &str = "BenchX";
/// The batch runs three times, each into a course of its own; the median is reported.
const BATCH_COURSES: [&str; 3] =
    ["course-v1:BenchX+BATCH+1", "course-v1:BenchX+BATCH+2", "course-v1:BenchX+BATCH+3"];
const BULK_COURSE: &str = "course-v1:BenchX+BULK+1";
const ROSTER_COURSE: &str = "course-v1:BenchX+ROSTER+1";

/// What one engine measured.
pub struct Numbers {
    pub engine: &'static str,
    pub batch: Duration,
    pub bulk: Duration,
    pub roster_search: Duration,
    pub roster_first_page: Duration,
    pub peak_mb_after_batch: f64,
    pub permission_check: Duration,
    pub course_team_page: Duration,
    pub library_team_page: Duration,
    /// The built-in worker retiring 10,000 queued learners.
    pub retirement: Duration,
    /// "My records" of a learner with 50 programs of 20 courses each (server time, median).
    pub records_list: Duration,
    /// One of that learner's program records (server time, median).
    pub program_record: Duration,
    /// 100,000 grade pushes, 1,000 per request.
    pub grades: Duration,
}

const PROGRAMS: usize = 50;
const COURSES_PER_PROGRAM: usize = 20;
const GRADE_PUSHES: usize = 100_000;

/// Multi-row inserts of `rows` (each `cols` values, all text or integers) into `table (columns)`.
async fn insert_rows(
    db: &Db,
    table: &str,
    columns: &str,
    rows: &[Vec<serde_json::Value>],
) -> Result<(), String> {
    let cols = columns.split(',').count();
    let mut tx = db.pool.begin().await.map_err(|e| e.to_string())?;
    for chunk in rows.chunks(store::ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO {table} ({columns}) VALUES {}",
            values_placeholders(db.dialect, chunk.len(), cols)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for row in chunk {
            for value in row {
                q = match value {
                    serde_json::Value::Number(n) => q.bind(n.as_i64().unwrap_or_default()),
                    serde_json::Value::Bool(b) => q.bind(*b),
                    other => q.bind(other.as_str().unwrap_or_default().to_owned()),
                };
            }
        }
        q.execute(&mut *tx).await.map_err(|e| e.to_string())?;
    }
    tx.commit().await.map_err(|e| e.to_string())
}

/// A learner with an awarded certificate and a grade in each of 50 programs × 20 courses: the
/// records list and one program record (median of 30, through the Gate as the learner); then
/// 100,000 grade pushes for 100,000 learners, 1,000 per request, through the Gate as staff.
async fn measure_records(
    db: &Db,
    staff_gate: &Gate,
    graded: &[String],
) -> Result<(Duration, Duration, Duration), String> {
    use serde_json::json;
    let learner = insert_users(db, "recordlearner", 1).await?.remove(0);
    let now = now_ms();
    let site = store::credentials::current_site(db, "bench.local").await.map_err(|e| e.to_string())?;
    let wrap = |v: serde_json::Value| v;
    let (mut courses, mut programs, mut links, mut certificates, mut credentials, mut grades) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for p in 0..PROGRAMS {
        let program = format!("{p:032x}");
        programs.push(vec![
            wrap(json!(program)),
            wrap(json!(site.id)),
            wrap(json!(format!("Program {p:02}"))),
            wrap(json!("MicroMasters")),
            wrap(json!(now)),
            wrap(json!(now)),
        ]);
        for c in 0..COURSES_PER_PROGRAM {
            let key = format!("course-v1:{ORG}+P{p}C{c}+1");
            courses.push(vec![
                wrap(json!(key)),
                wrap(json!(ORG)),
                wrap(json!(format!("Course {p}.{c}"))),
                wrap(json!(now)),
            ]);
            links.push(vec![wrap(json!(program)), wrap(json!(key)), wrap(json!(c))]);
            let certificate = format!("cert-{p}-{c}");
            certificates.push(vec![
                wrap(json!(certificate)),
                wrap(json!(site.id)),
                wrap(json!(key)),
                wrap(json!("verified")),
                wrap(json!(now)),
                wrap(json!(now)),
            ]);
            credentials.push(vec![
                wrap(json!(format!("{:032x}", p * 1000 + c))),
                wrap(json!(learner)),
                wrap(json!(certificate)),
                wrap(json!("awarded")),
                wrap(json!(now)),
                wrap(json!(now)),
            ]);
            grades.push(vec![
                wrap(json!(learner)),
                wrap(json!(key)),
                wrap(json!("A")),
                wrap(json!(9000)),
                wrap(json!(now)),
                wrap(json!(now)),
            ]);
        }
    }
    insert_rows(db, "courses", "key, org, display_name, created_at", &courses).await?;
    insert_rows(db, "programs", "id, site_id, title, program_type, created_at, modified_at", &programs)
        .await?;
    insert_rows(db, "program_courses", "program_id, course_key, position", &links).await?;
    insert_rows(
        db,
        "course_certificates",
        "id, site_id, course_key, certificate_type, created_at, modified_at",
        &certificates,
    )
    .await?;
    insert_rows(
        db,
        "user_credentials",
        "id, user_id, course_certificate_id, status, created_at, modified_at",
        &credentials,
    )
    .await?;
    insert_rows(
        db,
        "user_grades",
        "user_id, course_key, letter_grade, percent_e4, created_at, modified_at",
        &grades,
    )
    .await?;
    sqlx::query("ANALYZE").execute(&db.pool).await.map_err(|e| e.to_string())?;

    let principal = Principal {
        user_id: UserId(learner),
        username: "recordlearner0".into(),
        is_active: true,
        is_staff: false,
        is_superuser: false,
        grants: Vec::new(),
    };
    let shared: app::ports::SharedBackend =
        services::backend(Arc::new(Core::new(db.clone(), bench_policy())));
    let gate = Gate::unchecked(
        shared,
        RequestPrincipal { principal: Some(principal), ..Default::default() },
        ClientMeta::default(),
    );
    let me = gate.me().map_err(|e| e.to_string())?;
    let list = median_of(30, || async {
        let list = gate.backend().records.my_records(&me).await.map_err(|e| e.message)?;
        if list.programs.len() == PROGRAMS {
            Ok(())
        } else {
            Err(format!("{} programs listed", list.programs.len()))
        }
    })
    .await?;
    let program_id = format!("{:032x}", PROGRAMS / 2);
    let record = median_of(30, || async {
        let record =
            gate.backend().records.my_program_record(&me, &program_id).await.map_err(|e| e.message)?;
        if record.courses.len() == COURSES_PER_PROGRAM {
            Ok(())
        } else {
            Err("the record is incomplete".to_owned())
        }
    })
    .await?;

    let staff = staff_gate.console_for::<PushGrades>().await.map_err(|e| e.to_string())?;
    // The 100,000 learners of the roster course, by the names `insert_users` gave them.
    let usernames: Vec<String> =
        (0..graded.len().min(GRADE_PUSHES)).map(|i| format!("rosteruser{i}")).collect();
    let started = Instant::now();
    for chunk in usernames.chunks(1_000) {
        let pushes: Vec<app::model::records::GradeRequest> = chunk
            .iter()
            .map(|u| app::model::records::GradeRequest {
                username: u.clone(),
                course_run: ROSTER_COURSE.to_owned(),
                letter_grade: Some("B".to_owned()),
                percent_grade: 0.8,
                verified: true,
                lms_last_updated_at: Some("2026-01-01T00:00:00Z".to_owned()),
            })
            .collect();
        let results = gate_push(staff_gate, &staff, pushes).await?;
        if results.iter().any(|r| r.status != "applied") {
            return Err(format!(
                "a grade push was refused: {:?}",
                results.iter().find(|r| r.status != "applied")
            ));
        }
    }
    let grades_time = started.elapsed();
    if usernames.len() < GRADE_PUSHES {
        return Err(format!("only {} learners to grade", usernames.len()));
    }
    Ok((list, record, grades_time))
}

async fn gate_push(
    gate: &Gate,
    staff: &Console<PushGrades>,
    pushes: Vec<app::model::records::GradeRequest>,
) -> Result<Vec<app::model::records::ItemResult>, String> {
    gate.backend().records.push_grades(staff, pushes).await.map_err(|e| e.message)
}

const RETIREES: usize = 10_000;

/// A failure as the bench reports it.
fn err_text(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// 10,000 learners queued for deletion, each with two enrollments, a course role, a library grant
/// and an audit entry naming them; the time the built-in worker takes to retire them all.
async fn measure_retirement(db: &Db) -> Result<Duration, String> {
    let users = insert_users(db, "retiree", RETIREES).await?;
    let now = now_ms();
    let mut tx = db.pool.begin().await.map_err(err_text)?;
    enroll_all(db, &mut tx, BATCH_COURSES[0], &users).await?;
    enroll_all(db, &mut tx, BULK_COURSE, &users).await?;
    store::roles::grant_course_role_many(
        &mut tx,
        BATCH_COURSES[1],
        ORG,
        registrar::roles::Role::Staff,
        &users,
        None,
    )
    .await
    .map_err(err_text)?;
    let library = registrar::library::LibraryKey::parse("lib:BenchX:retire").map_err(|e| e.message)?;
    store::libraries::create(&mut tx, &library, "Retire", "", &users[0]).await.map_err(err_text)?;
    // The creator (users[0]) is the library's Admin already.
    for chunk in users[1..].chunks(store::ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO library_grants (id, library_key, user_id, access_level, created_at) VALUES {}",
            values_placeholders(db.dialect, chunk.len(), 5)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(store::new_id()).bind(library.to_string()).bind(id).bind("read").bind(now);
        }
        q.execute(&mut *tx).await.map_err(err_text)?;
    }
    let names = registrar::retirement::RetiredNames::open_edx_defaults();
    let entries: Vec<(String, String, serde_json::Value)> = users
        .iter()
        .enumerate()
        .map(|(i, id)| {
            (
                id.clone(),
                format!("retiree{i}"),
                serde_json::json!({"role": "staff", "username": format!("retiree{i}")}),
            )
        })
        .collect();
    let audit: Vec<store::audit::Entry<'_>> = entries
        .iter()
        .map(|(id, _, json)| store::audit::Entry {
            actor_label: "system:bench",
            target_type: "user",
            target_id: id,
            scope: Some(BATCH_COURSES[1]),
            after: Some(json.clone()),
            ..store::audit::Entry::new(AuditAction::RoleGrant)
        })
        .collect();
    store::audit::append_many(&mut tx, &audit).await.map_err(err_text)?;
    for (chunk_no, chunk) in entries.chunks(store::ROWS_PER_STATEMENT).enumerate() {
        let sql = format!(
            "INSERT INTO retirement_statuses (id, user_id, original_username, original_email, original_name, \
             retired_username, retired_email, current_state, last_state, created_at, modified_at, due_at, \
             next_try_at, attempts) VALUES {}",
            values_placeholders(db.dialect, chunk.len(), 14)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (j, (id, username, _)) in chunk.iter().enumerate() {
            let email = format!("{username}@example.org");
            q = q
                .bind(store::new_id())
                .bind(id)
                .bind(username)
                .bind(email.clone())
                .bind(format!("Bench Person {}", chunk_no * store::ROWS_PER_STATEMENT + j))
                .bind(names.username(username))
                .bind(names.email(&email))
                .bind("PENDING")
                .bind("PENDING")
                .bind(now)
                .bind(now)
                .bind(0_i64)
                .bind(0_i64)
                .bind(0_i64);
        }
        q.execute(&mut *tx).await.map_err(err_text)?;
    }
    tx.commit().await.map_err(err_text)?;
    sqlx::query("ANALYZE").execute(&db.pool).await.map_err(err_text)?;
    let worker = JobWorker::new(Arc::new(Core::new(db.clone(), bench_policy())));
    let started = Instant::now();
    worker.retire_due().await.map_err(|e| e.message)?;
    let took = started.elapsed();
    let complete: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM retirement_statuses WHERE current_state = 'COMPLETE'")
            .fetch_one(&db.pool)
            .await
            .map_err(err_text)?;
    if complete != i64::try_from(RETIREES).unwrap_or(0) {
        return Err(format!("only {complete} of {RETIREES} learners were retired"));
    }
    Ok(took)
}

const TEAM_COURSE: &str = "course-v1:BenchX+TEAM+1";

/// The sharing targets: (permission check with 1,000 grants, course team page, library team page).
async fn measure_sharing(
    db: &Db,
    gate: &Gate,
    staff_id: &str,
) -> Result<(Duration, Duration, Duration), String> {
    use crate::store::{groups, libraries, roles, users};
    use registrar::library::{AccessLevel, LibraryKey};
    let grantee = insert_users(db, "grantee", 1).await?.remove(0);
    let members = insert_users(db, "member", 500).await?;
    let org = registrar::ids::OrgKey::parse(ORG).map_err(|e| e.message)?;
    let mut tx = db.pool.begin().await.map_err(err_text)?;
    let other_orgs: Vec<String> = (0..299).map(|i| format!("BenchOrg{i}")).collect();
    for o in &other_orgs {
        courses::upsert_org(&mut *tx, o, "Bench org").await.map_err(err_text)?;
    }
    let spec = courses::CourseSpec {
        key: TEAM_COURSE,
        org: ORG,
        display_name: "Bench team course",
        start_at: None,
        end_at: None,
        enrollment_start: None,
        enrollment_end: None,
    };
    courses::upsert_course(&mut *tx, &spec).await.map_err(err_text)?;
    let keys: Vec<LibraryKey> = (0..700)
        .map(|i| LibraryKey::new(org.clone(), &format!("lib{i}")))
        .collect::<Result<_, _>>()
        .map_err(|e| e.message)?;
    for key in &keys {
        libraries::create(&mut tx, key, "Bench library", "", staff_id).await.map_err(err_text)?;
    }
    let group = groups::create(&mut tx, "Bench group", "", staff_id)
        .await
        .map_err(err_text)?
        .ok_or("group exists")?;
    groups::add_members(&mut tx, &group, std::slice::from_ref(&grantee)).await.map_err(err_text)?;
    // 1,000 grants: 400 direct, 300 through the group, 300 org-wide (one of them on BenchX itself).
    let user = libraries::Holder::User(grantee.clone());
    for key in &keys[..400] {
        libraries::grant(
            &mut tx,
            &libraries::Target::Library(key.to_string()),
            &user,
            AccessLevel::Read,
            None,
            None,
        )
        .await
        .map_err(err_text)?;
    }
    for key in &keys[400..] {
        let holder = libraries::Holder::Group(group.clone());
        libraries::grant(
            &mut tx,
            &libraries::Target::Library(key.to_string()),
            &holder,
            AccessLevel::Author,
            None,
            None,
        )
        .await
        .map_err(err_text)?;
    }
    for o in other_orgs.iter().map(String::as_str).chain([ORG]) {
        libraries::grant(
            &mut tx,
            &libraries::Target::Org(o.to_owned()),
            &user,
            AccessLevel::Read,
            None,
            None,
        )
        .await
        .map_err(err_text)?;
    }
    // 500 members on one library's team and on one course's team.
    for m in &members {
        let holder = libraries::Holder::User(m.clone());
        libraries::grant(
            &mut tx,
            &libraries::Target::Library(keys[0].to_string()),
            &holder,
            AccessLevel::Author,
            None,
            None,
        )
        .await
        .map_err(err_text)?;
    }
    roles::grant_course_role_many(
        &mut tx,
        TEAM_COURSE,
        ORG,
        registrar::roles::Role::Staff,
        &members[2..],
        None,
    )
    .await
    .map_err(err_text)?;
    roles::grant_course_role_many(
        &mut tx,
        TEAM_COURSE,
        ORG,
        registrar::roles::Role::Instructor,
        &members[..2],
        None,
    )
    .await
    .map_err(err_text)?;
    tx.commit().await.map_err(err_text)?;
    sqlx::query("ANALYZE").execute(&db.pool).await.map_err(err_text)?;

    // The request's principal is resolved once by the middleware; the check is the Gate's: the grants
    // that apply to this library (direct, group, org-wide) and the decision.
    let target = keys[650].clone();
    let row = users::get(db, &grantee).await.map_err(err_text)?.ok_or("no grantee")?;
    let principal = users::principal(db, row).await.map_err(err_text)?;
    let shared: app::ports::SharedBackend =
        services::backend(Arc::new(Core::new(db.clone(), bench_policy())));
    let grantee_gate = Gate::unchecked(
        shared,
        RequestPrincipal { principal: Some(principal), ..Default::default() },
        ClientMeta::default(),
    );
    let check = || async { grantee_gate.library_editor(&target).await.map(drop).map_err(|e| e.to_string()) };
    let permission_check = median_of(200, check).await?;
    let course = CourseKey::parse(TEAM_COURSE).map_err(|e| e.message)?;
    let viewer = gate.course_team_viewer(&course).map_err(|e| e.to_string())?;
    let course_team_page = median_of(30, || async {
        let team = gate.backend().team.studio_team(&viewer).await.map_err(|e| e.message)?;
        if team.members.len() == 500 {
            Ok(())
        } else {
            Err(format!("{} course team members", team.members.len()))
        }
    })
    .await?;
    let library = gate.library_viewer(&keys[0]).await.map_err(|e| e.to_string())?;
    let library_team_page = median_of(30, || async {
        let page = gate.backend().libraries.library_page(&library).await.map_err(|e| e.message)?;
        if page.members.len() > 500 {
            Ok(())
        } else {
            Err(format!("{} library team members", page.members.len()))
        }
    })
    .await?;
    Ok((permission_check, course_team_page, library_team_page))
}

/// The process's peak resident memory since the last reset, in MB (Linux; 0 elsewhere).
#[must_use]
pub fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|kb| kb.parse::<f64>().ok()))
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Insert `n` accounts named `{prefix}{i}` in multi-row statements.
async fn insert_users(db: &Db, prefix: &str, n: usize) -> Result<Vec<String>, String> {
    let now = now_ms();
    let ids: Vec<String> = (0..n).map(|_| store::new_id()).collect();
    let mut tx = db.pool.begin().await.map_err(|e| e.to_string())?;
    for (chunk_no, chunk) in ids.chunks(500).enumerate() {
        let sql = format!(
            "INSERT INTO users (id, username, username_key, email, email_key, full_name, is_active, is_staff, \
             is_superuser, date_joined) VALUES {}",
            values_placeholders(db.dialect, chunk.len(), 10)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (j, id) in chunk.iter().enumerate() {
            let i = chunk_no * 500 + j;
            let username = format!("{prefix}{i}");
            let email = format!("{username}@example.org");
            q = q
                .bind(id)
                .bind(username.clone())
                .bind(username.clone())
                .bind(email.clone())
                .bind(email)
                .bind(format!("Bench Person {i}"))
                .bind(true)
                .bind(false)
                .bind(false)
                .bind(now);
        }
        q.execute(&mut *tx).await.map_err(|e| e.to_string())?;
    }
    tx.commit().await.map_err(|e| e.to_string())?;
    Ok(ids)
}

/// Enroll every one of `user_ids` in `course` with plain multi-row inserts.
async fn enroll_all(
    db: &Db,
    tx: &mut sqlx::AnyConnection,
    course: &str,
    user_ids: &[String],
) -> Result<(), String> {
    let now = now_ms();
    for chunk in user_ids.chunks(store::ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO enrollments (user_id, course_key, mode, is_active, created_at) VALUES {}",
            values_placeholders(db.dialect, chunk.len(), 5)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(id).bind(course).bind("audit").bind(true).bind(now);
        }
        q.execute(&mut *tx).await.map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// The 10,000-entry list: 6,000 existing accounts (half by username, half by email), 3,000 unknown
/// addresses, 1,000 malformed entries, interleaved.
fn batch_list() -> Vec<String> {
    let mut out = Vec::with_capacity(10_000);
    for i in 0..1_000 {
        for k in 0..6 {
            let n = i * 6 + k;
            out.push(if n % 2 == 0 { format!("batchuser{n}") } else { format!("batchuser{n}@example.org") });
        }
        for k in 0..3 {
            out.push(format!("newcomer{}@example.org", i * 3 + k));
        }
        out.push(format!("broken-{i}@"));
    }
    out
}

/// The same rows the batch writes (enrollments, invitations, audit rows, notices), inserted with plain
/// multi-row SQL in one transaction.
async fn bulk_insert_same_rows(db: &Db, user_ids: &[String]) -> Result<Duration, String> {
    let now = now_ms();
    let started = Instant::now();
    let mut tx = db.pool.begin().await.map_err(|e| e.to_string())?;
    enroll_all(db, &mut tx, BULK_COURSE, user_ids).await?;
    let emails: Vec<String> = (0..3_000).map(|i| format!("newcomer{i}@example.org")).collect();
    for chunk in emails.chunks(store::ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO enrollment_invitations (email_key, email, course_key, auto_enroll, created_at) VALUES {}",
            values_placeholders(db.dialect, chunk.len(), 5)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for e in chunk {
            q = q.bind(e).bind(e).bind(BULK_COURSE).bind(true).bind(now);
        }
        q.execute(&mut *tx).await.map_err(|e| e.to_string())?;
    }
    let audit: Vec<String> = user_ids.iter().cloned().chain(emails).collect();
    for chunk in audit.chunks(store::ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO enrollment_audit (at, course_key, email, actor_label, transition) VALUES {}",
            values_placeholders(db.dialect, chunk.len(), 5)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for who in chunk {
            q = q.bind(now).bind(BULK_COURSE).bind(who).bind("bench").bind("from unenrolled to enrolled");
        }
        q.execute(&mut *tx).await.map_err(|e| e.to_string())?;
    }
    // The batch also queues a notice per enrollment and invitation.
    let body = "Hello,\n\nYou have been enrolled in Bench course. The course is now on your account.\n\n\
                This message was sent by Registrar at the request of the course team.";
    for chunk in audit.chunks(store::ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO mail_outbox (id, to_addr, subject, body_text, state, attempts, created_at, next_try_at) \
             VALUES {}",
            values_placeholders(db.dialect, chunk.len(), 8)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for who in chunk {
            q = q
                .bind(store::new_id())
                .bind(who)
                .bind("You have been enrolled in Bench course")
                .bind(body)
                .bind("pending")
                .bind(0_i64)
                .bind(now)
                .bind(now);
        }
        q.execute(&mut *tx).await.map_err(|e| e.to_string())?;
    }
    tx.commit().await.map_err(|e| e.to_string())?;
    Ok(started.elapsed())
}

async fn median_of<F, Fut>(runs: usize, mut f: F) -> Result<Duration, String>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), String>>,
{
    f().await?; // warm the caches once
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        f().await?;
        times.push(started.elapsed());
    }
    times.sort();
    Ok(times[runs / 2])
}

/// Measure one engine on a fresh scratch database at `url`.
pub async fn measure(engine: &'static str, url: &str) -> Result<Numbers, String> {
    // Start this engine's peak-memory reading afresh (Linux: "5" resets the high-water mark).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let db = Db::open(url).await.map_err(|e| format!("cannot open {url}: {e}"))?;
    let mut tx = db.pool.begin().await.map_err(|e| e.to_string())?;
    courses::upsert_org(&mut *tx, ORG, "Bench Org").await.map_err(|e| e.to_string())?;
    for key in BATCH_COURSES.into_iter().chain([BULK_COURSE, ROSTER_COURSE]) {
        let spec = courses::CourseSpec {
            key,
            org: ORG,
            display_name: "Bench course",
            start_at: None,
            end_at: None,
            enrollment_start: None,
            enrollment_end: None,
        };
        courses::upsert_course(&mut *tx, &spec).await.map_err(|e| e.to_string())?;
    }
    tx.commit().await.map_err(|e| e.to_string())?;
    let batch_users = insert_users(&db, "batchuser", 6_000).await?;
    let staff_id = insert_users(&db, "benchstaff", 1).await?.remove(0);
    // Global staff, as the worker checks again before it runs the batch.
    sqlx::query("UPDATE users SET is_staff = $1 WHERE id = $2")
        .bind(true)
        .bind(&staff_id)
        .execute(&db.pool)
        .await
        .map_err(|e| e.to_string())?;

    let backend = Arc::new(Core::new(db.clone(), bench_policy()));
    let staff_id_for_sharing = staff_id.clone();
    let principal = Principal {
        user_id: UserId(staff_id),
        username: "benchstaff0".into(),
        is_active: true,
        is_staff: true,
        // A superuser holds every console permission: the grade pushes need change_credentials.
        is_superuser: true,
        grants: Vec::new(),
    };
    let shared: app::ports::SharedBackend =
        services::backend(Arc::new(Core::new(db.clone(), bench_policy())));
    let gate = Gate::unchecked(
        shared,
        RequestPrincipal { principal: Some(principal), ..Default::default() },
        ClientMeta::default(),
    );
    let worker = JobWorker::new(backend);
    let mut times = Vec::with_capacity(BATCH_COURSES.len());
    for key in BATCH_COURSES {
        let course = CourseKey::parse(key).map_err(|e| e.message)?;
        let enroller = gate.course_enroller(&course).map_err(|e| e.to_string())?;
        let request = BatchRequest {
            identifiers: batch_list().join("\n"),
            action: BatchAction::Enroll,
            auto_enroll: true,
            notify: true,
            reason: "bench".into(),
        };
        let started = Instant::now();
        let queued =
            gate.backend().enrollment.enroll_batch(&enroller, request).await.map_err(|e| e.message)?;
        worker.drain().await.map_err(|e| e.to_string())?;
        times.push(started.elapsed());
        let report =
            gate.backend().enrollment.batch_report(&enroller, &queued.id).await.map_err(|e| e.message)?;
        if report.rows.len() != 10_000 || report.progress.is_some() {
            return Err(format!("the batch did not finish: {} rows", report.rows.len()));
        }
    }
    times.sort();
    let batch = times[times.len() / 2];
    let peak_mb_after_batch = peak_rss_mb();
    let bulk = bulk_insert_same_rows(&db, &batch_users).await?;

    // A course with 100,000 enrollments.
    let roster_users = insert_users(&db, "rosteruser", 100_000).await?;
    let mut tx = db.pool.begin().await.map_err(|e| e.to_string())?;
    enroll_all(&db, &mut tx, ROSTER_COURSE, &roster_users).await?;
    tx.commit().await.map_err(|e| e.to_string())?;
    // Fresh statistics, as a database that has been running a while has them.
    sqlx::query("ANALYZE").execute(&db.pool).await.map_err(|e| e.to_string())?;
    let roster_course = CourseKey::parse(ROSTER_COURSE).map_err(|e| e.message)?;
    let roster_enroller = gate.course_enroller(&roster_course).map_err(|e| e.to_string())?;
    let page = |search: &'static str| {
        let query =
            RosterQuery { search: search.into(), mode: String::new(), status: RosterStatus::All, page: 1 };
        let backend = gate.backend();
        let enroller = &roster_enroller;
        async move {
            let page = backend.enrollment.roster(enroller, query).await.map_err(|e| e.message)?;
            if page.items.is_empty() {
                return Err("the search found nobody".to_owned());
            }
            Ok(())
        }
    };
    let roster_search = median_of(30, || page("rosteruser4242")).await?;
    let roster_first_page = median_of(10, || page("")).await?;
    let (permission_check, course_team_page, library_team_page) =
        measure_sharing(&db, &gate, &staff_id_for_sharing).await?;
    let (records_list, program_record, grades) = measure_records(&db, &gate, &roster_users).await?;
    let retirement = measure_retirement(&db).await?;
    db.pool.close().await;
    Ok(Numbers {
        engine,
        batch,
        bulk,
        roster_search,
        roster_first_page,
        peak_mb_after_batch,
        permission_check,
        course_team_page,
        library_team_page,
        retirement,
        records_list,
        program_record,
        grades,
    })
}

/// Run `measure` on every engine: SQLite in a scratch file, and PostgreSQL in a scratch database
/// created through `postgres_admin_url` (dropped afterwards) when one is given.
async fn on_scratch_databases<T, F, Fut>(
    postgres_admin_url: Option<&str>,
    measure: F,
) -> Result<Vec<T>, String>
where
    F: Fn(&'static str, String) -> Fut,
    Fut: std::future::Future<Output = Result<T, String>>,
{
    let dir = std::env::temp_dir().join(format!("registrar-bench-{}", store::new_id()));
    let file = dir.join("bench.db");
    let sqlite = measure("SQLite", format!("sqlite://{}", file.display())).await;
    let _ = std::fs::remove_dir_all(&dir);
    let mut out = vec![sqlite?];
    if let Some(admin_url) = postgres_admin_url {
        sqlx::any::install_default_drivers();
        let name = format!("registrar_bench_{}", store::new_id().replace('-', ""));
        let admin =
            sqlx::AnyPool::connect(admin_url).await.map_err(|e| format!("cannot reach PostgreSQL: {e}"))?;
        sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&admin)
            .await
            .map_err(|e| e.to_string())?;
        let base = admin_url.rsplit_once('/').map_or(admin_url, |(base, _)| base);
        let measured = measure("PostgreSQL", format!("{base}/{name}")).await;
        let _ = sqlx::query(AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
            .execute(&admin)
            .await;
        out.push(measured?);
    }
    Ok(out)
}

/// The Membership, sharing, retirement and records targets on every engine.
pub async fn run(postgres_admin_url: Option<&str>) -> Result<Vec<Numbers>, String> {
    on_scratch_databases(postgres_admin_url, |engine, url| async move { measure(engine, &url).await }).await
}

/// The console's targets on every engine (each on a database of its own: 10M audit entries).
pub async fn run_console(postgres_admin_url: Option<&str>) -> Result<Vec<ConsoleNumbers>, String> {
    on_scratch_databases(postgres_admin_url, |engine, url| async move { measure_console(engine, &url).await })
        .await
}

/// Print the numbers as the README's table.
pub fn print(numbers: &[Numbers]) {
    println!("| engine | 10k batch end to end | same rows, plain bulk insert | ratio | roster page, search (median) | roster first page, no search | peak RSS after batch |");
    println!("|---|---|---|---|---|---|---|");
    for n in numbers {
        println!(
            "| {} | {:.0} ms | {:.0} ms | {:.1}× | {:.1} ms | {:.1} ms | {:.0} MB |",
            n.engine,
            n.batch.as_secs_f64() * 1000.0,
            n.bulk.as_secs_f64() * 1000.0,
            n.batch.as_secs_f64() / n.bulk.as_secs_f64().max(1e-9),
            n.roster_search.as_secs_f64() * 1000.0,
            n.roster_first_page.as_secs_f64() * 1000.0,
            n.peak_mb_after_batch,
        );
    }
    println!();
    println!("| engine | permission check, 1,000 grants (median) | course team page, 500 members | library team page, 500 members |");
    println!("|---|---|---|---|");
    for n in numbers {
        println!(
            "| {} | {:.2} ms | {:.1} ms | {:.1} ms |",
            n.engine,
            n.permission_check.as_secs_f64() * 1000.0,
            n.course_team_page.as_secs_f64() * 1000.0,
            n.library_team_page.as_secs_f64() * 1000.0,
        );
    }
    println!();
    println!("| engine | built-in worker retires 10,000 queued learners | learners per second |");
    println!("|---|---|---|");
    for n in numbers {
        #[allow(clippy::cast_precision_loss)]
        let rate = RETIREES as f64 / n.retirement.as_secs_f64().max(1e-9);
        println!("| {} | {:.2} s | {:.0} |", n.engine, n.retirement.as_secs_f64(), rate);
    }
    println!();
    println!("| engine | my records, 50 programs × 20 courses (median) | one program record (median) | 100,000 grade pushes | pushes per second |");
    println!("|---|---|---|---|---|");
    for n in numbers {
        #[allow(clippy::cast_precision_loss)]
        let rate = GRADE_PUSHES as f64 / n.grades.as_secs_f64().max(1e-9);
        println!(
            "| {} | {:.1} ms | {:.1} ms | {:.2} s | {:.0} |",
            n.engine,
            n.records_list.as_secs_f64() * 1000.0,
            n.program_record.as_secs_f64() * 1000.0,
            n.grades.as_secs_f64(),
            rate
        );
    }
}

/// The console's targets on a scratch database of their own: a users search page with 1,000,000
/// accounts, and the audit log filtered by target with 10,000,000 entries (server time through the
/// Gate as a superuser, median of 30).
pub struct ConsoleNumbers {
    pub engine: &'static str,
    /// Creating the 1,000,000 accounts and 10,000,000 audit entries (set-based SQL).
    pub load: Duration,
    /// A search by the start of a username.
    pub users_search: Duration,
    /// A search by the start of a name.
    pub users_name_search: Duration,
    /// The first page of a filter (active accounts), no search term.
    pub users_filtered: Duration,
    /// The audit log of one account (by username), newest first.
    pub audit_by_target: Duration,
}

const CONSOLE_USERS: i64 = 1_000_000;
const AUDIT_ROWS: i64 = 10_000_000;
/// Rows generated per statement while loading.
const LOAD_CHUNK: i64 = 1_000_000;

/// `start..=end` as rows of a column `i`, in the engine's own way.
fn series(db: &Db, start: i64, end: i64) -> String {
    match db.dialect {
        store::Dialect::Sqlite => format!(
            "(WITH RECURSIVE n(i) AS (SELECT {start} UNION ALL SELECT i + 1 FROM n WHERE i < {end}) SELECT i FROM n)"
        ),
        store::Dialect::Postgres => format!("(SELECT generate_series(CAST({start} AS BIGINT), CAST({end} AS BIGINT)) AS i)"),
    }
}

async fn load_console_data(db: &Db) -> Result<(), String> {
    let (yes, no) = match db.dialect {
        store::Dialect::Sqlite => ("1", "0"),
        store::Dialect::Postgres => ("TRUE", "FALSE"),
    };
    let mut start = 1;
    while start <= CONSOLE_USERS {
        let end = (start + LOAD_CHUNK - 1).min(CONSOLE_USERS);
        let sql = format!(
            "INSERT INTO users (id, username, username_key, email, email_key, full_name, is_active, is_staff, \
             is_superuser, date_joined, state) \
             SELECT 'u' || i, 'member' || i, 'member' || i, 'member' || i || '@bench.example', \
             'member' || i || '@bench.example', 'Person ' || ((i * 7919) % {CONSOLE_USERS}), \
             CASE WHEN i % 50 = 0 THEN {no} ELSE {yes} END, CASE WHEN i % 1000 = 0 THEN {yes} ELSE {no} END, {no}, \
             1700000000000 + i, CASE WHEN i % 50 = 0 THEN 'deactivated' ELSE 'active' END FROM {} AS s",
            series(db, start, end)
        );
        sqlx::query(AssertSqlSafe(sql)).execute(&db.pool).await.map_err(|e| e.to_string())?;
        start = end + 1;
    }
    let mut start = 1;
    while start <= AUDIT_ROWS {
        let end = (start + LOAD_CHUNK - 1).min(AUDIT_ROWS);
        let sql = format!(
            "INSERT INTO audit_log (at, actor_id, actor_label, action, target_type, target_id, scope, after_json) \
             SELECT 1700000000000 + i * 10, NULL, 'system:bench', \
             CASE i % 4 WHEN 0 THEN 'user.update' WHEN 1 THEN 'role.grant' WHEN 2 THEN 'enrollment.enroll' \
             ELSE 'user.end_sessions' END, 'user', 'u' || (1 + (i * 7) % {CONSOLE_USERS}), NULL, \
             '{{\"n\": ' || i || '}}' FROM {} AS s",
            series(db, start, end)
        );
        sqlx::query(AssertSqlSafe(sql)).execute(&db.pool).await.map_err(|e| e.to_string())?;
        start = end + 1;
    }
    sqlx::query("ANALYZE").execute(&db.pool).await.map_err(|e| e.to_string())?;
    Ok(())
}

/// Measure the console's targets on a scratch database at `url`.
pub async fn measure_console(engine: &'static str, url: &str) -> Result<ConsoleNumbers, String> {
    use app::model::console::{AuditQuery, UserQuery};

    let db = Db::open(url).await.map_err(|e| e.to_string())?;
    let started = Instant::now();
    load_console_data(&db).await?;
    let load = started.elapsed();
    let principal = Principal {
        user_id: UserId("u1000".into()),
        username: "member1000".into(),
        is_active: true,
        is_staff: true,
        is_superuser: true,
        grants: Vec::new(),
    };
    let shared: app::ports::SharedBackend =
        services::backend(Arc::new(Core::new(db.clone(), bench_policy())));
    let gate = Gate::unchecked(
        shared,
        RequestPrincipal { principal: Some(principal), ..Default::default() },
        ClientMeta::default(),
    );
    let search = |q: &'static str, filter: &'static str, at_least: usize| {
        let gate = &gate;
        async move {
            let staff = gate.console_for::<ViewUsers>().await.map_err(|e| e.to_string())?;
            let query = UserQuery { q: q.into(), filter: filter.into(), page: 1 };
            let list =
                gate.backend().console.search_users(&(&staff).into(), &query).await.map_err(|e| e.message)?;
            if list.rows.len() < at_least {
                return Err(format!("the users search '{q}' found {} accounts", list.rows.len()));
            }
            Ok(())
        }
    };
    // member4242, member42420…42429, member424200…424299: 111 matches, a page of 50.
    let users_search = median_of(30, || search("member4242", "", 50)).await?;
    let users_name_search = median_of(30, || search("person 4242", "", 50)).await?;
    let users_filtered = median_of(30, || search("", "active", 50)).await?;
    let audit_by_target = median_of(30, || {
        let gate = &gate;
        async move {
            let staff = gate.console_for::<ViewAudit>().await.map_err(|e| e.to_string())?;
            let query = AuditQuery { target: "member4242".into(), ..AuditQuery::default() };
            let page =
                gate.backend().console.audit(&(&staff).into(), &query, 50).await.map_err(|e| e.message)?;
            if page.rows.len() < 5 {
                return Err(format!("the audit search found {} entries", page.rows.len()));
            }
            Ok(())
        }
    })
    .await?;
    db.pool.close().await;
    Ok(ConsoleNumbers { engine, load, users_search, users_name_search, users_filtered, audit_by_target })
}

/// Print the console's numbers as the README's table.
pub fn print_console(numbers: &[ConsoleNumbers]) {
    println!("| engine | users search, username prefix (1M accounts) | users search, name prefix | first page of a filter | audit log by target (10M entries) | loading the data |");
    println!("|---|---|---|---|---|---|");
    for n in numbers {
        println!(
            "| {} | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} ms | {:.0} s |",
            n.engine,
            n.users_search.as_secs_f64() * 1000.0,
            n.users_name_search.as_secs_f64() * 1000.0,
            n.users_filtered.as_secs_f64() * 1000.0,
            n.audit_by_target.as_secs_f64() * 1000.0,
            n.load.as_secs_f64(),
        );
    }
}

/// The policy the measurements run with: the defaults, with no daily cap on enrollment notices
/// (the 10,000-entry batch notifies every entry; the cap is measured by the tests, not here).
fn bench_policy() -> AuthPolicy {
    AuthPolicy { notify_per_course_per_day: i64::MAX, ..AuthPolicy::default() }
}
