//! Credentials and learner records: `app::ports::Records` over the stores. Builds records lists and
//! program records (the grade rules are `registrar::records`'s), runs sharing, public links, CSV and
//! pathway sends, the console's certificate administration, and the LMS-facing service API (award,
//! revoke, grades: idempotent, judged per item).

use crate::backend::{internal, ServerBackend};
use crate::store::credentials::{self as cs, CertificateRef, CredentialDb, GradeDb, SiteRow};
use crate::store::records::{self as rs, NewEvent, ShareDb};
use crate::store::{audit, now_ms, outbox, throttle, users, Dialect, Flag};
use app::gate::{GlobalStaff, Me, Public, System};
use app::model::records::{
    CourseCertificateRow, CredentialAttribute, CredentialOut, CredentialRequest, CredentialTarget,
    CredentialsConsole, GradeRequest, ItemResult, PathwayOption, PathwayRow, ProgramCertificateRow,
    ProgramRecord, ProgramRow, ProgramSummary, RecordCourse, RecordEvent, RecordView, RecordsList,
    RecordsSite, ShareInfo, SignatoryRow, SiteConfig,
};
use app::ports::{ClientMeta, Download, Records};
use registrar::records::{
    course_of_run, csv_safe, grade_push, iso_timestamp, parse_timestamp, percent_e4, program_rows,
    share_is_live, CertificateType, CredentialStatus, GradePush, PushedGrade, RunCredential, RunGrade,
};
use registrar::{DomainError, ErrorCode};
use sqlx::AnyConnection;
use std::collections::{HashMap, HashSet};

/// Public record pages and CSV downloads one address may fetch per minute.
pub const RECORDS_PER_MINUTE: i64 = 30;

/// How many history entries a record page shows.
const HISTORY_SHOWN: i64 = 50;

/// Shares and sends one learner may make per minute (Open edX's records limit).
const LEARNER_ACTIONS_PER_MINUTE: i64 = 15;

fn not_found(what: &str) -> DomainError {
    DomainError::with_message(ErrorCode::NotFound, what.to_owned())
}

fn invalid(message: impl Into<String>) -> DomainError {
    DomainError::with_message(ErrorCode::InputInvalid, message)
}

/// The one answer for a share link that does not open (unknown, unshared, expired, records off):
/// it reveals nothing about which.
fn no_such_record() -> DomainError {
    not_found("There is no record at this address. The link may have been unshared or may have expired.")
}

fn records_site(site: &SiteRow) -> RecordsSite {
    RecordsSite {
        platform_name: site.platform_name.clone(),
        records_enabled: site.records_enabled.0,
        help_url: site.records_help_url.clone(),
    }
}

fn require_records_on(site: &SiteRow) -> Result<(), DomainError> {
    if site.records_enabled.0 {
        Ok(())
    } else {
        Err(not_found("Learner records are turned off on this site."))
    }
}

/// A credential as the API shows it.
fn credential_out(row: CredentialDb, attributes: Vec<CredentialAttribute>) -> CredentialOut {
    let (credential, title) = match (&row.course_key, &row.program_id) {
        (Some(run), _) => (
            CredentialTarget {
                kind: Some("course-run".to_owned()),
                course_run_key: Some(run.clone()),
                mode: row.certificate_type.clone(),
                program_uuid: None,
            },
            row.course_title.clone().unwrap_or_default(),
        ),
        (None, program) => (
            CredentialTarget {
                kind: Some("program".to_owned()),
                program_uuid: program.clone(),
                ..CredentialTarget::default()
            },
            row.program_title.clone().unwrap_or_default(),
        ),
    };
    CredentialOut {
        uuid: row.id,
        username: row.username,
        status: row.status,
        credential,
        title,
        attributes,
        date_override: row.date_override.map(iso_timestamp),
        created: iso_timestamp(row.created_at),
        modified: iso_timestamp(row.modified_at),
    }
}

/// Serialize one learner's record changes (share, unshare, send) until the transaction ends:
/// PostgreSQL locks the user row, SQLite takes its write lock with a no-op write.
async fn lock_learner(conn: &mut AnyConnection, user_id: &str) -> Result<(), sqlx::Error> {
    let sql = match Dialect::of_connection(conn) {
        Dialect::Postgres => "SELECT id FROM users WHERE id = $1 FOR UPDATE",
        Dialect::Sqlite => "UPDATE users SET last_login = last_login WHERE id = $1",
    };
    sqlx::query(sql).bind(user_id).execute(&mut *conn).await?;
    Ok(())
}

/// Who a record is about.
struct Learner {
    id: String,
    username: String,
    full_name: String,
    email: String,
}

impl ServerBackend {
    /// The site this server serves (by the public URL's host).
    async fn site(&self) -> Result<SiteRow, DomainError> {
        let host = self
            .site_url()
            .split("://")
            .nth(1)
            .unwrap_or(self.site_url())
            .split(['/', ':'])
            .next()
            .unwrap_or("localhost")
            .to_owned();
        cs::current_site(self.db(), &host).await.map_err(internal)
    }

    async fn learner_by_username(&self, username: &str) -> Result<Learner, DomainError> {
        let user =
            users::find_by_username(self.db(), username).await.map_err(internal)?.ok_or_else(|| {
                DomainError::with_message(
                    ErrorCode::UserNotFound,
                    format!("There is no learner '{username}'."),
                )
            })?;
        Ok(Learner { id: user.id, username: user.username, full_name: user.full_name, email: user.email })
    }

    async fn learner_by_id(&self, id: &str) -> Result<Learner, DomainError> {
        let user = users::get(self.db(), id)
            .await
            .map_err(internal)?
            .ok_or_else(|| DomainError::with_message(ErrorCode::UserNotFound, "There is no such learner."))?;
        Ok(Learner { id: user.id, username: user.username, full_name: user.full_name, email: user.email })
    }

    async fn records_list(&self, site: &SiteRow, learner: &Learner) -> Result<RecordsList, DomainError> {
        let now = now_ms();
        let db = self.db();
        let programs =
            rs::programs_with_earned_course(db, &site.id, &learner.id, now).await.map_err(internal)?;
        let ids: Vec<String> = programs.iter().map(|p| p.id.clone()).collect();
        let runs = rs::program_run_keys(db, &ids).await.map_err(internal)?;
        let schools = rs::program_schools(db, &ids).await.map_err(internal)?;
        let awarded = rs::awarded_runs(db, &site.id, &learner.id, now).await.map_err(internal)?;
        let completed: HashSet<String> =
            rs::completed_programs(db, &site.id, &learner.id).await.map_err(internal)?.into_iter().collect();
        let awarded_runs: HashSet<&str> = awarded.iter().map(String::as_str).collect();
        let mut school_of: HashMap<&str, Vec<&str>> = HashMap::new();
        for (program, name) in &schools {
            school_of.entry(program.as_str()).or_default().push(name.as_str());
        }
        let mut runs_of: HashMap<&str, Vec<&str>> = HashMap::new();
        for (program, run) in &runs {
            runs_of.entry(program.as_str()).or_default().push(run.as_str());
        }
        let summaries = programs
            .into_iter()
            .map(|p| {
                let runs = runs_of.remove(p.id.as_str()).unwrap_or_default();
                let courses: HashSet<String> = runs.iter().map(|r| course_of_run(r)).collect();
                let earned: HashSet<String> =
                    runs.iter().filter(|r| awarded_runs.contains(*r)).map(|r| course_of_run(r)).collect();
                ProgramSummary {
                    school: school_of.get(p.id.as_str()).map(|s| s.join(", ")).unwrap_or_default(),
                    completed: completed.contains(&p.id),
                    earned_courses: i64::try_from(earned.len()).unwrap_or(i64::MAX),
                    total_courses: i64::try_from(courses.len()).unwrap_or(i64::MAX),
                    program_id: p.id,
                    title: p.title,
                    program_type: p.program_type,
                    status: p.status,
                }
            })
            .collect();
        Ok(RecordsList {
            site: records_site(site),
            username: learner.username.clone(),
            full_name: learner.full_name.clone(),
            programs: summaries,
        })
    }

    /// A program record's common part; `None` when the learner has nothing earned in the program
    /// (records exist only from the first earned course certificate on).
    async fn program_record(
        &self,
        site: &SiteRow,
        learner: &Learner,
        program_id: &str,
        view: RecordView,
    ) -> Result<Option<ProgramRecord>, DomainError> {
        let now = now_ms();
        let db = self.db();
        let Some(program) = rs::program(db, &site.id, program_id).await.map_err(internal)? else {
            return Ok(None);
        };
        let ids = vec![program.id.clone()];
        let runs = rs::program_runs(db, &ids).await.map_err(internal)?;
        let schools = rs::program_schools(db, &ids).await.map_err(internal)?;
        let run_keys: Vec<String> = runs.iter().map(|r| r.course_key.clone()).collect();
        let in_program: HashSet<&str> = run_keys.iter().map(String::as_str).collect();
        let credentials: Vec<RunCredential> = rs::course_credentials(db, &site.id, &learner.id, now)
            .await
            .map_err(internal)?
            .into_iter()
            .filter(|c| in_program.contains(c.course_key.as_str()))
            .map(|c| RunCredential {
                course: course_of_run(&c.course_key),
                status: if c.status == "awarded" {
                    CredentialStatus::Awarded
                } else {
                    CredentialStatus::Revoked
                },
                run: c.course_key,
                issued_at: c.issued_at,
            })
            .collect();
        if !credentials.iter().any(|c| c.status == CredentialStatus::Awarded) {
            return Ok(None);
        }
        let grades_db = rs::grades(db, &learner.id, &run_keys).await.map_err(internal)?;
        let grades: Vec<RunGrade> = grades_db
            .iter()
            .map(|g| RunGrade {
                course: course_of_run(&g.course_key),
                run: g.course_key.clone(),
                #[allow(clippy::cast_precision_loss)]
                percent: g.percent_e4 as f64 / 10_000.0,
                letter: (!g.letter_grade.is_empty()).then(|| g.letter_grade.clone()),
                verified: g.verified.0,
            })
            .collect();
        let mut courses: Vec<String> = Vec::new();
        for run in &runs {
            let course = course_of_run(&run.course_key);
            if !courses.contains(&course) {
                courses.push(course);
            }
        }
        let rows = program_rows(&courses, &credentials, &grades);
        let courses_out = rows
            .into_iter()
            .map(|row| {
                let shown = row
                    .run
                    .as_ref()
                    .and_then(|r| runs.iter().find(|x| &x.course_key == r))
                    .or_else(|| runs.iter().find(|x| course_of_run(&x.course_key) == row.course));
                RecordCourse {
                    name: shown.map(|r| r.display_name.clone()).unwrap_or_else(|| row.course.clone()),
                    school: shown.map(|r| r.org_name.clone()).unwrap_or_default(),
                    course_run: row.run.clone().filter(|_| row.earned()),
                    attempts: row.attempts,
                    percent: row.percent,
                    letter: row.letter,
                    earned_at: row.earned_at,
                }
            })
            .collect();
        let last_updated = credentials
            .iter()
            .filter(|c| c.status == CredentialStatus::Awarded)
            .map(|c| c.issued_at)
            .chain(grades_db.iter().map(|g| g.modified_at))
            .max()
            .unwrap_or(now);
        let completed =
            rs::completed_programs(db, &site.id, &learner.id).await.map_err(internal)?.contains(&program.id);
        Ok(Some(ProgramRecord {
            view,
            site: records_site(site),
            program_id: program.id,
            title: program.title,
            program_type: program.program_type,
            school: schools.into_iter().map(|(_, name)| name).collect::<Vec<_>>().join(", "),
            completed,
            full_name: learner.full_name.clone(),
            username: learner.username.clone(),
            email: Some(learner.email.clone()),
            last_updated,
            courses: courses_out,
            share: None,
            pathways: Vec::new(),
            history: Vec::new(),
            shared_at: None,
        }))
    }

    /// The learner's live link to the program inside the caller's transaction, made if there is
    /// none (an expired one is ended for good first; the new one has a new address). Returns its id
    /// and whether it was made.
    async fn live_share(
        conn: &mut AnyConnection,
        user_id: &str,
        program_id: &str,
        show_email: bool,
        expires_at: Option<i64>,
    ) -> Result<(String, bool), sqlx::Error> {
        let current = rs::current_share(conn, user_id, program_id).await?;
        if let Some(share) = current.as_ref().filter(|s| share_is_live(s.revoked_at, s.expires_at, now_ms()))
        {
            return Ok((share.id.clone(), false));
        }
        if let Some(old) = current {
            rs::revoke_share(conn, &old.id).await?;
        }
        let id = cs::new_hex_id();
        rs::insert_share(conn, &id, user_id, program_id, show_email, expires_at).await?;
        let event = NewEvent {
            user_id,
            program_id,
            share_id: Some(&id),
            actor_id: Some(user_id),
            kind: "shared",
            ..NewEvent::default()
        };
        rs::append_event(conn, &event).await?;
        Ok((id, true))
    }

    fn share_info(&self, share: &ShareDb) -> ShareInfo {
        let url = format!("{}/records/shared/{}", self.site_url(), share.id);
        ShareInfo {
            id: share.id.clone(),
            csv_url: format!("{url}/csv"),
            url,
            created_at: share.created_at,
            expires_at: share.expires_at,
            show_email: share.show_email.0,
            views: share.views,
            downloads: share.downloads,
            last_viewed_at: share.last_viewed_at,
        }
    }

    /// The owner's view: the record with its link, the pathways it may go to and its history.
    async fn owner_record(
        &self,
        site: &SiteRow,
        learner: &Learner,
        program_id: &str,
    ) -> Result<ProgramRecord, DomainError> {
        let mut record = self
            .program_record(site, learner, program_id, RecordView::Owner)
            .await?
            .ok_or_else(|| not_found("You have no record in this program."))?;
        let mut conn = self.db().pool.acquire().await.map_err(internal)?;
        let share = rs::current_share(&mut conn, &learner.id, program_id).await.map_err(internal)?;
        // An expired link is dead: the owner is offered a new one rather than a URL that 404s.
        record.share = share
            .filter(|s| share_is_live(s.revoked_at, s.expires_at, now_ms()))
            .as_ref()
            .map(|s| self.share_info(s));
        record.pathways = rs::program_pathways(self.db(), &site.id, program_id, &learner.id)
            .await
            .map_err(internal)?
            .into_iter()
            .filter(|p| registrar::records::pathway_offerable(&p.pathway_type, &p.status, &p.email, true))
            .map(|p| PathwayOption {
                id: p.id,
                name: p.name,
                org_name: p.org_name,
                last_sent_at: p.last_sent_at,
            })
            .collect();
        record.history = self.record_history(&learner.id, program_id).await?;
        Ok(record)
    }

    /// A record's history as its owner and staff see it: shares, unshares and sends (views and
    /// downloads are counted on the link; every one is kept and in "download my data").
    async fn record_history(&self, user_id: &str, program_id: &str) -> Result<Vec<RecordEvent>, DomainError> {
        Ok(rs::history(self.db(), user_id, program_id, HISTORY_SHOWN)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|e| RecordEvent { at: e.at, kind: e.kind, pathway: e.pathway })
            .collect())
    }

    /// Count one share or send by this learner; refuse past 15 a minute (a send mails a third party).
    async fn learner_rate_limit(&self, what: &str, user_id: &str) -> Result<(), DomainError> {
        let key = format!("records-{what}:{user_id}");
        if throttle::hit(self.db(), &key, 60_000).await.map_err(internal)? > LEARNER_ACTIONS_PER_MINUTE {
            return Err(DomainError::with_message(
                ErrorCode::RateLimited,
                "You did that many times in the last minute. Wait a minute and try again.",
            ));
        }
        Ok(())
    }

    /// Count one public fetch from this address; refuse past the per-minute limit.
    async fn public_rate_limit(&self, client: &ClientMeta) -> Result<(), DomainError> {
        let key = format!("records:{}", client.ip);
        let hits = throttle::hit(self.db(), &key, 60_000).await.map_err(internal)?;
        if hits > RECORDS_PER_MINUTE {
            return Err(ErrorCode::RateLimited.into());
        }
        Ok(())
    }

    /// A live share by its public id, with its record, counting the use.
    async fn open_share(
        &self,
        share_id: &str,
        client: &ClientMeta,
        download: bool,
    ) -> Result<(SiteRow, ShareDb, ProgramRecord), DomainError> {
        self.public_rate_limit(client).await?;
        let site = self.site().await?;
        if !site.records_enabled.0 || share_id.len() != 32 || !share_id.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return Err(no_such_record());
        }
        let share = rs::share(self.db(), &share_id.to_ascii_lowercase()).await.map_err(internal)?;
        let share = share
            .filter(|s| share_is_live(s.revoked_at, s.expires_at, now_ms()))
            .ok_or_else(no_such_record)?;
        let learner = self.learner_by_id(&share.user_id).await.map_err(|_| no_such_record())?;
        let mut record = self
            .program_record(&site, &learner, &share.program_id, RecordView::Public)
            .await?
            .ok_or_else(no_such_record)?;
        if !share.show_email.0 {
            record.email = None;
        }
        record.shared_at = Some(share.created_at);
        let mut tx = self.db().pool.begin().await.map_err(internal)?;
        rs::count_use(&mut tx, &share.id, download).await.map_err(internal)?;
        let kind = if download { "downloaded" } else { "viewed" };
        rs::append_event(
            &mut tx,
            &NewEvent {
                user_id: &share.user_id,
                program_id: &share.program_id,
                share_id: Some(&share.id),
                kind,
                ..NewEvent::default()
            },
        )
        .await
        .map_err(internal)?;
        tx.commit().await.map_err(internal)?;
        Ok((site, share, record))
    }

    fn record_csv(record: &ProgramRecord) -> Result<Download, DomainError> {
        let mut writer = csv::WriterBuilder::new()
            .quote_style(csv::QuoteStyle::Always)
            .flexible(true)
            .from_writer(Vec::new());
        let mut row = |cells: &[&str]| {
            let safe: Vec<String> = cells.iter().map(|c| csv_safe(c)).collect();
            writer.write_record(&safe).map_err(internal)
        };
        row(&["Program Name", &record.title])?;
        row(&["Program Type", &record.program_type])?;
        row(&["Platform Provider", &record.site.platform_name])?;
        row(&["Authoring Organization(s)", &record.school])?;
        row(&["Learner Name", &record.full_name])?;
        row(&["Username", &record.username])?;
        if let Some(email) = &record.email {
            row(&["Email", email])?;
        }
        row(&[""])?;
        row(&[
            "Course Name",
            "School",
            "Course ID",
            "Highest Grade Earned",
            "Letter Grade",
            "Verified Attempts",
            "Date Earned",
            "Status",
        ])?;
        for c in &record.courses {
            let percent = c.percent.map(registrar::records::percent_text).unwrap_or_default();
            let earned = c.earned_at.map(app::model::format_date).unwrap_or_default();
            let attempts = c.attempts.to_string();
            let status = if c.earned_at.is_some() { "Earned" } else { "Not earned" };
            row(&[
                &c.name,
                &c.school,
                c.course_run.as_deref().unwrap_or_default(),
                &percent,
                c.letter.as_deref().unwrap_or_default(),
                &attempts,
                &earned,
                status,
            ])?;
        }
        let bytes = writer.into_inner().map_err(internal)?;
        Ok(Download {
            file_name: registrar::records::csv_file_name(&record.username, &record.title),
            content_type: "text/csv; charset=utf-8",
            bytes,
        })
    }

    async fn audit(
        &self,
        conn: &mut AnyConnection,
        staff: &GlobalStaff,
        action: &str,
        target_type: &str,
        target_id: &str,
        after: serde_json::Value,
    ) -> Result<(), DomainError> {
        audit::append(
            conn,
            &audit::Entry {
                actor_id: Some(&staff.principal().user_id.0),
                actor_label: staff.actor(),
                action,
                target_type,
                target_id,
                scope: Some("credentials"),
                after: Some(after),
                ..audit::Entry::default()
            },
        )
        .await
        .map_err(internal)
    }

    /// Resolve the configuration a credential request names, on this site. A course run's
    /// configuration is created on the fly (active, in the request's mode) as Open edX does; an
    /// existing one that an admin switched off is refused.
    async fn resolve_certificate(
        &self,
        conn: &mut AnyConnection,
        site: &SiteRow,
        target: &CredentialTarget,
    ) -> Result<(String, bool), DomainError> {
        match (&target.program_uuid, &target.course_run_key) {
            (Some(program), None) => {
                let program = program.replace('-', "").to_ascii_lowercase();
                match cs::find_program_certificate(conn, &site.id, &program).await.map_err(internal)? {
                    Some((id, true)) => Ok((id, true)),
                    Some((_, false)) => {
                        Err(invalid(format!("The program certificate of {program} is not active.")))
                    }
                    None => Err(invalid(format!(
                        "There is no program certificate configuration for program {program} on this site."
                    ))),
                }
            }
            (None, Some(run)) => {
                let mode = target.mode.as_deref().unwrap_or("verified");
                let kind = CertificateType::parse(mode)?;
                if !crate::store::courses::exists(self.db(), run).await.map_err(internal)? {
                    return Err(invalid(format!("There is no course run {run}.")));
                }
                match cs::find_course_certificate(conn, &site.id, run, kind.as_str())
                    .await
                    .map_err(internal)?
                {
                    Some((id, true)) => Ok((id, false)),
                    Some((_, false)) => Err(invalid(format!(
                        "The {} certificate of {run} is switched off; an admin must activate it first.",
                        kind.as_str()
                    ))),
                    None => {
                        let id = cs::ensure_course_certificate(conn, &site.id, run, kind.as_str())
                            .await
                            .map_err(internal)?;
                        Ok((id, false))
                    }
                }
            }
            _ => Err(invalid(
                "Name either credential.program_uuid or credential.course_run_key (with its mode).",
            )),
        }
    }

    /// An existing configuration under which credentials were issued keeps what it certifies (its
    /// run and type, or its program): changing it would move every learner's credential.
    async fn check_target_kept(&self, id: &str, target: &str) -> Result<(), DomainError> {
        if id.is_empty() {
            return Ok(());
        }
        let facts = cs::configuration_facts(self.db(), id).await.map_err(internal)?;
        match facts {
            Some((current, _, issued)) if current != target && issued > 0 => Err(DomainError::with_message(
                ErrorCode::CertificateExists,
                format!(
                    "{issued} credential(s) were issued under this configuration, so what it certifies cannot \
                     change; create a new configuration instead."
                ),
            )),
            _ => Ok(()),
        }
    }

    async fn credential_by_id(&self, uuid: &str) -> Result<Option<CredentialOut>, DomainError> {
        let site = self.site().await?;
        let uuid = uuid.replace('-', "").to_ascii_lowercase();
        let found = cs::credentials_where(self.db(), &site.id, "uc.id", &uuid).await.map_err(internal)?;
        Ok(found.into_iter().next().map(|(row, a)| credential_out(row, a)))
    }

    async fn check_signatories(&self, names: &[String]) -> Result<Vec<String>, DomainError> {
        let mut ids: Vec<String> = Vec::new();
        for id in names.iter().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()) {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        let known = cs::existing_signatories(self.db(), &ids).await.map_err(internal)?;
        if let Some(unknown) = ids.iter().find(|id| !known.contains(id)) {
            return Err(invalid(format!("There is no signatory {unknown}.")));
        }
        Ok(ids)
    }
}

fn conflict_message(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

fn required(value: &str, what: &str) -> Result<String, DomainError> {
    let value = value.trim();
    if value.is_empty() {
        Err(invalid(format!("{what} is required.")))
    } else if value.chars().count() > 255 {
        Err(invalid(format!("{what} is at most 255 characters.")))
    } else {
        Ok(value.to_owned())
    }
}

fn check_site(site: &SiteConfig) -> Result<SiteConfig, DomainError> {
    let mut site = site.clone();
    site.domain = required(&site.domain, "The domain")?.to_ascii_lowercase();
    if site.domain.contains(['/', ' ', ':']) {
        return Err(invalid(format!("'{}' is not a domain name (no scheme, port or path).", site.domain)));
    }
    site.name = required(&site.name, "The site name")?;
    site.platform_name = required(&site.platform_name, "The platform name")?;
    if site.twitter_username.chars().count() > 15 {
        return Err(invalid("The Twitter username is at most 15 characters."));
    }
    let from = site.partner_from_address.trim();
    if !from.is_empty() && registrar::account::Email::parse(from).is_err() {
        return Err(DomainError::with_message(
            ErrorCode::EmailInvalid,
            format!("The From address '{from}' is not an email address."),
        ));
    }
    for (url, what) in [
        (&site.records_help_url, "records help URL"),
        (&site.lms_url_root, "LMS URL"),
        (&site.catalog_api_url, "catalog API URL"),
        (&site.homepage_url, "homepage URL"),
        (&site.tos_url, "terms of service URL"),
        (&site.privacy_policy_url, "privacy policy URL"),
        (&site.certificate_help_url, "certificate help URL"),
    ] {
        let url = url.trim();
        if !(url.is_empty() || url.starts_with("https://") || url.starts_with("http://")) {
            return Err(invalid(format!("The {what} must start with https:// or http://.")));
        }
    }
    Ok(site)
}

#[async_trait::async_trait]
impl Records for ServerBackend {
    async fn my_records(&self, me: &Me) -> Result<RecordsList, DomainError> {
        let site = self.site().await?;
        require_records_on(&site)?;
        let learner = self.learner_by_id(&me.principal().user_id.0).await?;
        self.records_list(&site, &learner).await
    }

    async fn learner_records(
        &self,
        _staff: &GlobalStaff,
        username: &str,
    ) -> Result<RecordsList, DomainError> {
        let site = self.site().await?;
        let learner = self.learner_by_username(username).await?;
        self.records_list(&site, &learner).await
    }

    async fn my_program_record(&self, me: &Me, program_id: &str) -> Result<ProgramRecord, DomainError> {
        let site = self.site().await?;
        require_records_on(&site)?;
        let learner = self.learner_by_id(&me.principal().user_id.0).await?;
        self.owner_record(&site, &learner, program_id).await
    }

    async fn learner_program_record(
        &self,
        _staff: &GlobalStaff,
        username: &str,
        program_id: &str,
    ) -> Result<ProgramRecord, DomainError> {
        let site = self.site().await?;
        let learner = self.learner_by_username(username).await?;
        let mut record = self
            .program_record(&site, &learner, program_id, RecordView::Staff)
            .await?
            .ok_or_else(|| not_found("This learner has no record in this program."))?;
        record.history = self.record_history(&learner.id, program_id).await?;
        Ok(record)
    }

    async fn share_record(
        &self,
        me: &Me,
        program_id: &str,
        expires_at: Option<i64>,
        show_email: bool,
    ) -> Result<ShareInfo, DomainError> {
        let site = self.site().await?;
        require_records_on(&site)?;
        let now = now_ms();
        if expires_at.is_some_and(|end| end <= now) {
            return Err(DomainError::with_message(
                ErrorCode::ExpiryInvalid,
                "The link must end in the future.",
            ));
        }
        let learner = self.learner_by_id(&me.principal().user_id.0).await?;
        // Only a program the learner has a record in can be shared.
        self.program_record(&site, &learner, program_id, RecordView::Owner)
            .await?
            .ok_or_else(|| not_found("You have no record in this program."))?;
        self.learner_rate_limit("share", &learner.id).await?;
        let mut tx = self.db().pool.begin().await.map_err(internal)?;
        lock_learner(&mut tx, &learner.id).await.map_err(internal)?;
        let (id, made) = Self::live_share(&mut tx, &learner.id, program_id, show_email, expires_at)
            .await
            .map_err(internal)?;
        if !made {
            rs::update_share(&mut tx, &id, show_email, expires_at).await.map_err(internal)?;
        }
        tx.commit().await.map_err(internal)?;
        let share = rs::share(self.db(), &id)
            .await
            .map_err(internal)?
            .ok_or_else(|| DomainError::internal("share"))?;
        Ok(self.share_info(&share))
    }

    async fn unshare_record(&self, me: &Me, program_id: &str) -> Result<(), DomainError> {
        let user_id = &me.principal().user_id.0;
        let mut tx = self.db().pool.begin().await.map_err(internal)?;
        lock_learner(&mut tx, user_id).await.map_err(internal)?;
        let Some(share) = rs::current_share(&mut tx, user_id, program_id).await.map_err(internal)? else {
            return Err(not_found("This record is not shared."));
        };
        rs::revoke_share(&mut tx, &share.id).await.map_err(internal)?;
        let event = NewEvent {
            user_id,
            program_id,
            share_id: Some(&share.id),
            actor_id: Some(user_id),
            kind: "unshared",
            ..NewEvent::default()
        };
        rs::append_event(&mut tx, &event).await.map_err(internal)?;
        tx.commit().await.map_err(internal)
    }

    async fn public_record(
        &self,
        _public: &Public,
        share_id: &str,
        client: &ClientMeta,
    ) -> Result<ProgramRecord, DomainError> {
        Ok(self.open_share(share_id, client, false).await?.2)
    }

    async fn public_record_csv(
        &self,
        _public: &Public,
        share_id: &str,
        client: &ClientMeta,
    ) -> Result<Download, DomainError> {
        let (_, _, record) = self.open_share(share_id, client, true).await?;
        Self::record_csv(&record)
    }

    async fn my_record_csv(&self, me: &Me, program_id: &str) -> Result<Download, DomainError> {
        let site = self.site().await?;
        require_records_on(&site)?;
        let learner = self.learner_by_id(&me.principal().user_id.0).await?;
        let record = self
            .program_record(&site, &learner, program_id, RecordView::Owner)
            .await?
            .ok_or_else(|| not_found("You have no record in this program."))?;
        Self::record_csv(&record)
    }

    async fn send_to_pathway(&self, me: &Me, program_id: &str, pathway_id: &str) -> Result<(), DomainError> {
        let site = self.site().await?;
        require_records_on(&site)?;
        let learner = self.learner_by_id(&me.principal().user_id.0).await?;
        let record = self
            .program_record(&site, &learner, program_id, RecordView::Owner)
            .await?
            .ok_or_else(|| not_found("You have no record in this program."))?;
        let pathway = rs::program_pathways(self.db(), &site.id, program_id, &learner.id)
            .await
            .map_err(internal)?
            .into_iter()
            .find(|p| p.id == pathway_id)
            .filter(|p| registrar::records::pathway_offerable(&p.pathway_type, &p.status, &p.email, true))
            .ok_or_else(|| not_found("This program record cannot be sent to that pathway."))?;
        self.learner_rate_limit("send", &learner.id).await?;
        let mut tx = self.db().pool.begin().await.map_err(internal)?;
        lock_learner(&mut tx, &learner.id).await.map_err(internal)?;
        let (share, _) =
            Self::live_share(&mut tx, &learner.id, program_id, false, None).await.map_err(internal)?;
        let link = format!("{}/records/shared/{share}", self.site_url());
        let name = if learner.full_name.trim().is_empty() { &learner.username } else { &learner.full_name };
        let progress = if record.completed { "completed" } else { "partially completed" };
        let again = pathway.last_sent_at.is_some();
        let subject =
            format!("{}{} Credit Request for {}", if again { "Updated: " } else { "" }, record.title, name);
        let from = if site.partner_from_address.is_empty() {
            format!("no-reply@{}", site.domain)
        } else {
            site.partner_from_address.clone()
        };
        let body = format!(
            "Dear {org},\n\n{name} would like to apply for credit in the {pathway}. {name} has sent their \
             {progress} program record for {program} from {platform}.\n\nView the program record: {link}\n\
             Download the record as CSV: {link}/csv\n\nReplying to this mail reaches {name} ({email}).\n\n\
             Sent by {platform} ({from}) on behalf of {name}.",
            org = pathway.org_name,
            pathway = pathway.name,
            program = record.title,
            platform = site.platform_name,
            email = learner.email,
        );
        outbox::enqueue(
            &mut *tx,
            &outbox::NewMail {
                user_id: Some(&learner.id),
                to: &pathway.email,
                subject: &subject,
                body_text: &body,
                body_html: None,
                from: Some(&from),
                reply_to: Some(&learner.email),
            },
        )
        .await
        .map_err(internal)?;
        let event = NewEvent {
            user_id: &learner.id,
            program_id,
            share_id: Some(&share),
            pathway_id: Some(&pathway.id),
            actor_id: Some(&learner.id),
            kind: "sent",
        };
        rs::append_event(&mut tx, &event).await.map_err(internal)?;
        tx.commit().await.map_err(internal)
    }

    async fn signatory_image(&self, _public: &Public, id: &str) -> Result<Download, DomainError> {
        let (content_type, bytes) = cs::signatory_image(self.db(), id)
            .await
            .map_err(internal)?
            .ok_or_else(|| not_found("There is no such signatory image."))?;
        let content_type = match content_type.as_str() {
            "image/png" => "image/png",
            "image/jpeg" => "image/jpeg",
            _ => "image/svg+xml",
        };
        Ok(Download { file_name: format!("signatory-{id}"), content_type, bytes })
    }

    async fn credentials_console(&self, _staff: &GlobalStaff) -> Result<CredentialsConsole, DomainError> {
        let site = self.site().await?;
        let db = self.db();
        Ok(CredentialsConsole {
            site: site.config(),
            signatories: cs::signatories(db).await.map_err(internal)?,
            programs: cs::programs(db, &site.id).await.map_err(internal)?,
            course_certificates: cs::course_certificates(db, &site.id).await.map_err(internal)?,
            program_certificates: cs::program_certificates(db, &site.id).await.map_err(internal)?,
            pathways: cs::pathways(db, &site.id).await.map_err(internal)?,
        })
    }

    async fn update_site(&self, staff: &GlobalStaff, config: SiteConfig) -> Result<(), DomainError> {
        let current = self.site().await?;
        let mut config = check_site(&config)?;
        // The console edits this server's site; its domain is the public URL's.
        config.domain.clone_from(&current.domain);
        let mut tx = self.db().pool.begin().await.map_err(internal)?;
        cs::upsert_site(&mut tx, &config).await.map_err(internal)?;
        let after = serde_json::to_value(&config).map_err(internal)?;
        self.audit(&mut tx, staff, "site.update", "site", &current.id, after).await?;
        tx.commit().await.map_err(internal)
    }

    async fn create_or_update_site(&self, system: &System, config: SiteConfig) -> Result<bool, DomainError> {
        let config = check_site(&config)?;
        let mut tx = self.db().pool.begin().await.map_err(internal)?;
        let created = cs::upsert_site(&mut tx, &config).await.map_err(internal)?;
        audit::append(
            &mut tx,
            &audit::Entry {
                actor_label: system.actor(),
                action: if created { "site.create" } else { "site.update" },
                target_type: "site",
                target_id: &config.domain,
                scope: Some("credentials"),
                after: Some(serde_json::to_value(&config).map_err(internal)?),
                ..audit::Entry::default()
            },
        )
        .await
        .map_err(internal)?;
        tx.commit().await.map_err(internal)?;
        Ok(created)
    }

    async fn create_signatory(
        &self,
        staff: &GlobalStaff,
        row: SignatoryRow,
        image: Vec<u8>,
    ) -> Result<String, DomainError> {
        let row = SignatoryRow {
            name: required(&row.name, "The signatory's name")?,
            title: required(&row.title, "The signatory's title")?,
            organization_name_override: row
                .organization_name_override
                .map(|o| o.trim().to_owned())
                .filter(|o| !o.is_empty()),
            ..row
        };
        let image_type = registrar::records::image_type(&image)?;
        let mut tx = self.db().pool.begin().await.map_err(internal)?;
        let id = cs::insert_signatory(&mut tx, &row, image_type, &image).await.map_err(internal)?;
        let after = serde_json::json!({"name": row.name, "title": row.title, "image_type": image_type, "bytes": image.len()});
        self.audit(&mut tx, staff, "signatory.create", "signatory", &id, after).await?;
        tx.commit().await.map_err(internal)?;
        Ok(id)
    }

    async fn save_program(&self, staff: &GlobalStaff, program: ProgramRow) -> Result<String, DomainError> {
        let site = self.site().await?;
        let title = required(&program.title, "The program title")?;
        let program_type = required(&program.program_type, "The program type")?;
        if !["active", "retired", "unpublished", "deleted"].contains(&program.status.as_str()) {
            return Err(invalid("The status is one of active, retired, unpublished, deleted."));
        }
        if program.total_hours_of_effort.is_some_and(|h| h < 0) {
            return Err(invalid("Hours of effort cannot be negative."));
        }
        let mut courses: Vec<String> = Vec::new();
        for key in &program.courses {
            let key = registrar::ids::CourseKey::parse(key)?.to_string();
            if !courses.contains(&key) {
                courses.push(key);
            }
        }
        let mut orgs: Vec<String> = Vec::new();
        for org in program.orgs.iter().map(|o| o.trim().to_owned()).filter(|o| !o.is_empty()) {
            if !orgs.contains(&org) {
                orgs.push(org);
            }
        }
        if orgs.is_empty() {
            return Err(invalid("Name at least one authoring organization."));
        }
        let known_orgs = cs::existing_keys(self.db(), "orgs", &orgs).await.map_err(internal)?;
        if let Some(o) = orgs.iter().find(|o| !known_orgs.contains(o)) {
            return Err(DomainError::with_message(
                ErrorCode::OrgKeyInvalid,
                format!("There is no organization {o}."),
            ));
        }
        let known_courses = cs::existing_keys(self.db(), "courses", &courses).await.map_err(internal)?;
        if let Some(c) = courses.iter().find(|c| !known_courses.contains(c)) {
            return Err(DomainError::with_message(
                ErrorCode::CourseKeyInvalid,
                format!("There is no course run {c}."),
            ));
        }
        let program = ProgramRow { title, program_type, orgs, courses, ..program };
        let mut tx = self.db().pool.begin().await.map_err(internal)?;
        let id = cs::save_program(&mut tx, &site.id, &program)
            .await
            .map_err(internal)?
            .ok_or_else(|| not_found("There is no such program on this site."))?;
        let after = serde_json::to_value(&program).map_err(internal)?;
        self.audit(&mut tx, staff, "program.save", "program", &id, after).await?;
        tx.commit().await.map_err(internal)?;
        Ok(id)
    }

    async fn save_course_certificate(
        &self,
        staff: &GlobalStaff,
        row: CourseCertificateRow,
    ) -> Result<String, DomainError> {
        let site = self.site().await?;
        let course_key = registrar::ids::CourseKey::parse(&row.course_key)?.to_string();
        if !crate::store::courses::exists(self.db(), &course_key).await.map_err(internal)? {
            return Err(DomainError::with_message(
                ErrorCode::CourseKeyInvalid,
                format!("There is no course run {course_key}."),
            ));
        }
        let kind = CertificateType::parse(&row.certificate_type)?;
        let signatories = self.check_signatories(&row.signatories).await?;
        let row = CourseCertificateRow {
            course_key: course_key.clone(),
            certificate_type: kind.as_str().to_owned(),
            title: row.title.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()),
            ..row
        };
        self.check_target_kept(&row.id, &format!("{} {}", row.course_key, row.certificate_type)).await?;
        let mut tx = self.db().pool.begin().await.map_err(internal)?;
        let saved = cs::save_course_certificate(&mut tx, &site.id, &row, &signatories).await;
        let id = match saved {
            Ok(Some(id)) => id,
            Ok(None) => return Err(not_found("There is no such course certificate configuration.")),
            Err(e) if conflict_message(&e) => {
                return Err(DomainError::with_message(
                    ErrorCode::CertificateExists,
                    format!(
                    "{course_key} already has a {} certificate configuration on this site: edit that one.",
                    kind.label()
                ),
                ))
            }
            Err(e) => return Err(internal(e)),
        };
        let after = serde_json::to_value(&row).map_err(internal)?;
        self.audit(&mut tx, staff, "course_certificate.save", "course_certificate", &id, after).await?;
        tx.commit().await.map_err(internal)?;
        Ok(id)
    }

    async fn save_program_certificate(
        &self,
        staff: &GlobalStaff,
        row: ProgramCertificateRow,
    ) -> Result<String, DomainError> {
        let site = self.site().await?;
        if !cs::program_exists(self.db(), &site.id, &row.program_id).await.map_err(internal)? {
            return Err(not_found("There is no such program on this site."));
        }
        let signatories = self.check_signatories(&row.signatories).await?;
        if signatories.is_empty() {
            return Err(invalid("A program certificate needs at least one signatory."));
        }
        let language = row.language.clone().map(|l| l.trim().to_owned()).filter(|l| !l.is_empty());
        if language.as_ref().is_some_and(|l| l.len() > 8) {
            return Err(invalid("The language is a locale code of at most 8 characters (en, pt-br)."));
        }
        let row = ProgramCertificateRow { language, ..row };
        self.check_target_kept(&row.id, &row.program_id).await?;
        let mut tx = self.db().pool.begin().await.map_err(internal)?;
        let id = match cs::save_program_certificate(&mut tx, &site.id, &row, &signatories).await {
            Ok(Some(id)) => id,
            Ok(None) => return Err(not_found("There is no such program certificate configuration.")),
            Err(e) if conflict_message(&e) => {
                return Err(DomainError::with_message(
                    ErrorCode::CertificateExists,
                    "This program already has a certificate configuration on this site: edit that one.",
                ))
            }
            Err(e) => return Err(internal(e)),
        };
        let after = serde_json::to_value(&row).map_err(internal)?;
        self.audit(&mut tx, staff, "program_certificate.save", "program_certificate", &id, after).await?;
        tx.commit().await.map_err(internal)?;
        Ok(id)
    }

    async fn save_pathway(&self, staff: &GlobalStaff, row: PathwayRow) -> Result<String, DomainError> {
        let site = self.site().await?;
        let name = required(&row.name, "The pathway name")?;
        let org_name = required(&row.org_name, "The organization name")?;
        let email = row.email.trim().to_owned();
        if !email.is_empty() {
            registrar::account::Email::parse(&email)?;
        }
        if !["credit", "industry"].contains(&row.pathway_type.as_str()) {
            return Err(invalid("The pathway type is credit or industry."));
        }
        if !["published", "unpublished", "retired"].contains(&row.status.as_str()) {
            return Err(invalid("The status is one of published, unpublished, retired."));
        }
        let mut programs: Vec<String> = Vec::new();
        for program in row.programs.iter().map(|p| p.trim().to_owned()).filter(|p| !p.is_empty()) {
            if !programs.contains(&program) {
                programs.push(program);
            }
        }
        let known = cs::existing_programs(self.db(), &site.id, &programs).await.map_err(internal)?;
        if let Some(unknown) = programs.iter().find(|p| !known.contains(p)) {
            return Err(not_found(&format!("There is no program {unknown} on this site.")));
        }
        let row = PathwayRow { name, org_name, email, programs, ..row };
        let mut tx = self.db().pool.begin().await.map_err(internal)?;
        let id = cs::save_pathway(&mut tx, &site.id, &row)
            .await
            .map_err(internal)?
            .ok_or_else(|| not_found("There is no such pathway on this site."))?;
        let after = serde_json::to_value(&row).map_err(internal)?;
        self.audit(&mut tx, staff, "pathway.save", "pathway", &id, after).await?;
        tx.commit().await.map_err(internal)?;
        Ok(id)
    }

    async fn credentials_of(
        &self,
        _staff: &GlobalStaff,
        username: &str,
    ) -> Result<Vec<CredentialOut>, DomainError> {
        let learner = self.learner_by_username(username).await?;
        let site = self.site().await?;
        let rows =
            cs::credentials_where(self.db(), &site.id, "uc.user_id", &learner.id).await.map_err(internal)?;
        Ok(rows.into_iter().map(|(r, a)| credential_out(r, a)).collect())
    }

    async fn my_credentials(&self, me: &Me) -> Result<Vec<CredentialOut>, DomainError> {
        let site = self.site().await?;
        let rows = cs::credentials_where(self.db(), &site.id, "uc.user_id", &me.principal().user_id.0)
            .await
            .map_err(internal)?;
        Ok(rows.into_iter().map(|(r, a)| credential_out(r, a)).collect())
    }

    async fn credential(&self, me: &Me, uuid: &str) -> Result<CredentialOut, DomainError> {
        let credential = self.credential_by_id(uuid).await?;
        let p = me.principal();
        let mine =
            |c: &CredentialOut| p.is_staff || p.is_superuser || c.username.eq_ignore_ascii_case(&p.username);
        credential.filter(mine).ok_or_else(|| not_found("There is no such credential."))
    }

    async fn issue_credential(
        &self,
        staff: &GlobalStaff,
        request: CredentialRequest,
    ) -> Result<(CredentialOut, bool), DomainError> {
        let status = match request.status.as_str() {
            "awarded" | "revoked" => request.status.clone(),
            other => return Err(invalid(format!("status '{other}' is neither awarded nor revoked."))),
        };
        let mut names = HashSet::new();
        for a in &request.attributes {
            if a.name.trim().is_empty() || a.name.len() > 255 || a.value.len() > 255 {
                return Err(invalid("Attribute names and values are 1 to 255 characters."));
            }
            if !names.insert(a.name.as_str()) {
                return Err(invalid(format!("Attribute '{}' is named twice.", a.name)));
            }
        }
        let date_override = match &request.date_override {
            Some(d) => Some(parse_timestamp(&d.date).ok_or_else(|| {
                invalid(format!(
                    "date_override.date '{}' is not a date and time (2024-01-31T00:00:00Z).",
                    d.date
                ))
            })?),
            None => None,
        };
        let site = self.site().await?;
        let learner = self.learner_by_username(&request.username).await?;
        let mut tx = self.db().pool.begin().await.map_err(internal)?;
        lock_learner(&mut tx, &learner.id).await.map_err(internal)?;
        let (certificate_id, is_program) =
            self.resolve_certificate(&mut tx, &site, &request.credential).await?;
        let reference = if is_program {
            CertificateRef::Program(&certificate_id)
        } else {
            CertificateRef::Course(&certificate_id)
        };
        let (id, changed, created) =
            cs::upsert_user_credential(&mut tx, &learner.id, reference, &status, date_override)
                .await
                .map_err(internal)?;
        let attributes_changed =
            cs::upsert_attributes(&mut tx, &id, &request.attributes).await.map_err(internal)?;
        if changed || attributes_changed {
            // About the learner (their audit trail; redacted with them when they are retired).
            let after =
                serde_json::json!({"credential": id, "status": status, "certificate": request.credential});
            self.audit(&mut tx, staff, "credential.issue", "user", &learner.id, after).await?;
        }
        tx.commit().await.map_err(internal)?;
        let out = self.credential_by_id(&id).await?.ok_or_else(|| DomainError::internal("credential"))?;
        Ok((out, created))
    }

    async fn set_credential_status(
        &self,
        staff: &GlobalStaff,
        uuid: &str,
        status: &str,
    ) -> Result<CredentialOut, DomainError> {
        if !["awarded", "revoked"].contains(&status) {
            return Err(invalid(format!("status '{status}' is neither awarded nor revoked.")));
        }
        let uuid = uuid.replace('-', "").to_ascii_lowercase();
        let site = self.site().await?;
        let found = cs::credentials_where(self.db(), &site.id, "uc.id", &uuid).await.map_err(internal)?;
        let (row, _) = found.into_iter().next().ok_or_else(|| not_found("There is no such credential."))?;
        if status == "awarded" && row.status != "awarded" {
            // Awarding again follows the same rule as awarding: not under a switched-off configuration.
            let configuration =
                cs::configuration_of(self.db(), &uuid).await.map_err(internal)?.unwrap_or_default();
            let facts = cs::configuration_facts(self.db(), &configuration).await.map_err(internal)?;
            if facts.is_some_and(|(_, active, _)| !active) {
                return Err(invalid(
                    "Its certificate configuration is switched off; activate the configuration first.",
                ));
            }
        }
        let mut tx = self.db().pool.begin().await.map_err(internal)?;
        let changed = cs::set_credential_status(&mut tx, &uuid, status)
            .await
            .map_err(internal)?
            .ok_or_else(|| not_found("There is no such credential."))?;
        if changed {
            let action = if status == "revoked" { "credential.revoke" } else { "credential.award" };
            let after = serde_json::json!({"credential": uuid, "status": status});
            self.audit(&mut tx, staff, action, "user", &row.user_id, after).await?;
        }
        tx.commit().await.map_err(internal)?;
        self.credential_by_id(&uuid).await?.ok_or_else(|| DomainError::internal("credential"))
    }

    async fn push_grades(
        &self,
        _staff: &GlobalStaff,
        grades: Vec<GradeRequest>,
    ) -> Result<Vec<ItemResult>, DomainError> {
        let failed = |index: usize, e: DomainError| ItemResult {
            index,
            status: "error".to_owned(),
            code: Some(e.code.as_str().to_owned()),
            message: Some(e.message),
        };
        let mut results: Vec<Option<ItemResult>> = vec![None; grades.len()];
        // Judge each item alone first: the shape of its values.
        let mut parsed: Vec<(usize, String, String, PushedGrade)> = Vec::with_capacity(grades.len());
        for (index, g) in grades.iter().enumerate() {
            let checked = (|| {
                let percent = percent_e4(g.percent_grade)?;
                let run = registrar::ids::CourseKey::parse(&g.course_run)?.to_string();
                let source = match &g.lms_last_updated_at {
                    Some(t) => Some(parse_timestamp(t).ok_or_else(|| {
                        DomainError::with_message(
                            ErrorCode::GradeInvalid,
                            format!(
                                "lms_last_updated_at '{t}' is not a date and time (2024-01-31T00:00:00Z)."
                            ),
                        )
                    })?),
                    None => None,
                };
                let letter = g.letter_grade.clone().unwrap_or_default();
                if letter.chars().count() > 255 {
                    return Err(DomainError::with_message(
                        ErrorCode::GradeInvalid,
                        "letter_grade is at most 255 characters.",
                    ));
                }
                Ok((
                    g.username.trim().to_lowercase(),
                    run,
                    PushedGrade {
                        percent_e4: percent,
                        letter,
                        verified: g.verified,
                        source_updated_at: source,
                    },
                ))
            })();
            match checked {
                Ok((user, run, grade)) => parsed.push((index, user, run, grade)),
                Err(e) => results[index] = Some(failed(index, e)),
            }
        }
        let mut tx = self.db().pool.begin().await.map_err(internal)?;
        if Dialect::of_connection(&tx) == Dialect::Sqlite {
            // Take the write lock before reading (two pushes for one learner must not both apply).
            sqlx::query("UPDATE user_grades SET modified_at = modified_at WHERE user_id = ''")
                .execute(&mut *tx)
                .await
                .map_err(internal)?;
        }
        let names: Vec<String> =
            parsed.iter().map(|(_, u, _, _)| u.clone()).collect::<HashSet<_>>().into_iter().collect();
        let user_ids = cs::user_ids_by_username(&mut tx, &names).await.map_err(internal)?;
        let runs: Vec<String> =
            parsed.iter().map(|(_, _, r, _)| r.clone()).collect::<HashSet<_>>().into_iter().collect();
        let mut known_runs = HashSet::new();
        for chunk in runs.chunks(crate::store::ROWS_PER_STATEMENT) {
            let sql = format!(
                "SELECT key FROM courses WHERE key IN ({})",
                crate::store::list_placeholders(1, chunk.len())
            );
            let mut q = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql));
            for r in chunk {
                q = q.bind(r);
            }
            known_runs.extend(q.fetch_all(&mut *tx).await.map_err(internal)?);
        }
        let pairs: Vec<(String, String)> = parsed
            .iter()
            .filter_map(|(_, u, r, _)| user_ids.get(u).map(|id| (id.clone(), r.clone())))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let mut stored: HashMap<(String, String), PushedGrade> = cs::grades_of(&mut tx, &pairs)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|g| {
                (
                    (g.user_id, g.course_key),
                    PushedGrade {
                        percent_e4: g.percent_e4,
                        letter: g.letter_grade,
                        verified: g.verified.0,
                        source_updated_at: g.source_updated_at,
                    },
                )
            })
            .collect();
        let mut writes: HashMap<(String, String), GradeDb> = HashMap::new();
        for (index, user, run, grade) in parsed {
            let Some(user_id) = user_ids.get(&user) else {
                let e = DomainError::with_message(
                    ErrorCode::UserNotFound,
                    format!("There is no learner '{user}'."),
                );
                results[index] = Some(failed(index, e));
                continue;
            };
            if !known_runs.contains(&run) {
                let e = DomainError::with_message(
                    ErrorCode::CourseKeyInvalid,
                    format!("There is no course run {run}."),
                );
                results[index] = Some(failed(index, e));
                continue;
            }
            let key = (user_id.clone(), run.clone());
            // Items of one request are judged in order against what the earlier ones left.
            let status = match grade_push(&grade, stored.get(&key)) {
                GradePush::Apply => {
                    writes.insert(
                        key.clone(),
                        GradeDb {
                            user_id: user_id.clone(),
                            course_key: run,
                            letter_grade: grade.letter.clone(),
                            percent_e4: grade.percent_e4,
                            verified: Flag(grade.verified),
                            source_updated_at: grade.source_updated_at,
                        },
                    );
                    stored.insert(key, grade);
                    "applied"
                }
                GradePush::Unchanged => "unchanged",
                GradePush::Stale => {
                    results[index] = Some(failed(index, ErrorCode::GradeStale.into()));
                    continue;
                }
            };
            results[index] = Some(ItemResult { index, status: status.to_owned(), code: None, message: None });
        }
        let writes: Vec<GradeDb> = writes.into_values().collect();
        cs::upsert_grades(&mut tx, &writes).await.map_err(internal)?;
        tx.commit().await.map_err(internal)?;
        Ok(results
            .into_iter()
            .enumerate()
            .map(|(index, r)| r.unwrap_or_else(|| failed(index, DomainError::internal("grade-item"))))
            .collect())
    }
}
