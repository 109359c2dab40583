//! Learner records (`app::ports::records::Records`): the records list and one program's record,
//! public links (rate-limited, counted), CSV, sending to a pathway.

use super::*;
use crate::store::credentials::{self as cs, SiteRow};
use crate::store::lock::{self, Row};
use crate::store::records::{self as rs, NewEvent, ShareDb};
use crate::store::{now_ms, outbox, throttle, Conn, DbError};
use app::gate::{Me, Public};
use app::model::records::{
    PathwayOption, ProgramRecord, ProgramSummary, RecordCourse, RecordEvent, RecordView, RecordsList,
    ShareInfo,
};
use app::ports::records::Records;
use app::ports::{ClientMeta, Download};
use registrar::records::{
    course_of_run, program_rows, share_is_live, CredentialStatus, RunCredential, RunGrade,
};
use registrar::{DomainError, ErrorCode};
use std::collections::{HashMap, HashSet};

impl RecordService {
    pub(crate) async fn records_list(
        &self,
        site: &SiteRow,
        learner: &Learner,
    ) -> Result<RecordsList, DomainError> {
        let now = now_ms();
        let db = self.core.db();
        let programs = rs::programs_with_earned_course(db, &site.id, &learner.id, now).await?;
        let ids: Vec<String> = programs.iter().map(|p| p.id.clone()).collect();
        let runs = rs::program_run_keys(db, &ids).await?;
        let schools = rs::program_schools(db, &ids).await?;
        let awarded = rs::awarded_runs(db, &site.id, &learner.id, now).await?;
        let completed: HashSet<String> =
            rs::completed_programs(db, &site.id, &learner.id).await?.into_iter().collect();
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
    pub(crate) async fn program_record(
        &self,
        site: &SiteRow,
        learner: &Learner,
        program_id: &str,
        view: RecordView,
    ) -> Result<Option<ProgramRecord>, DomainError> {
        let now = now_ms();
        let db = self.core.db();
        let Some(program) = rs::program(db, &site.id, program_id).await? else {
            return Ok(None);
        };
        let ids = vec![program.id.clone()];
        let runs = rs::program_runs(db, &ids).await?;
        let schools = rs::program_schools(db, &ids).await?;
        let run_keys: Vec<String> = runs.iter().map(|r| r.course_key.clone()).collect();
        let in_program: HashSet<&str> = run_keys.iter().map(String::as_str).collect();
        let credentials: Vec<RunCredential> = rs::course_credentials(db, &site.id, &learner.id, now)
            .await?
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
        let grades_db = rs::grades(db, &learner.id, &run_keys).await?;
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
        let completed = rs::completed_programs(db, &site.id, &learner.id).await?.contains(&program.id);
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
    pub(crate) async fn live_share(
        conn: &mut Conn,
        user_id: &str,
        program_id: &str,
        show_email: bool,
        expires_at: Option<i64>,
    ) -> Result<(String, bool), DbError> {
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

    pub(crate) fn share_info(&self, share: &ShareDb) -> ShareInfo {
        let url = format!("{}/records/shared/{}", self.core.site_url(), share.id);
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
    pub(crate) async fn owner_record(
        &self,
        site: &SiteRow,
        learner: &Learner,
        program_id: &str,
    ) -> Result<ProgramRecord, DomainError> {
        let mut record = self
            .program_record(site, learner, program_id, RecordView::Owner)
            .await?
            .ok_or_else(|| not_found("You have no record in this program."))?;
        let mut conn = self.core.db().connection().await?;
        let share = rs::current_share(&mut conn, &learner.id, program_id).await?;
        // An expired link is dead: the owner is offered a new one rather than a URL that 404s.
        record.share = share
            .filter(|s| share_is_live(s.revoked_at, s.expires_at, now_ms()))
            .as_ref()
            .map(|s| self.share_info(s));
        record.pathways = rs::program_pathways(self.core.db(), &site.id, program_id, &learner.id)
            .await?
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
    pub(crate) async fn record_history(
        &self,
        user_id: &str,
        program_id: &str,
    ) -> Result<Vec<RecordEvent>, DomainError> {
        Ok(rs::history(self.core.db(), user_id, program_id, HISTORY_SHOWN)
            .await?
            .into_iter()
            .map(|e| RecordEvent { at: e.at, kind: e.kind, pathway: e.pathway })
            .collect())
    }

    /// Count one share or send by this learner; refuse past 15 a minute (a send mails a third party).
    pub(crate) async fn learner_rate_limit(&self, what: &str, user_id: &str) -> Result<(), DomainError> {
        let key = format!("records-{what}:{user_id}");
        if throttle::hit(self.core.db(), &key, 60_000).await? > LEARNER_ACTIONS_PER_MINUTE {
            return Err(DomainError::with_message(
                ErrorCode::RateLimited,
                "You did that many times in the last minute. Wait a minute and try again.",
            ));
        }
        Ok(())
    }

    /// Count one public fetch from this address; refuse past the per-minute limit.
    pub(crate) async fn public_rate_limit(&self, client: &ClientMeta) -> Result<(), DomainError> {
        let key = format!("records:{}", client.ip);
        let hits = throttle::hit(self.core.db(), &key, 60_000).await?;
        if hits > RECORDS_PER_MINUTE {
            return Err(ErrorCode::RateLimited.into());
        }
        Ok(())
    }

    /// A live share by its public id, with its record, counting the use.
    pub(crate) async fn open_share(
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
        let share = rs::share(self.core.db(), &share_id.to_ascii_lowercase()).await?;
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
        let mut tx = self.core.begin().await?;
        rs::count_use(&mut tx, &share.id, download).await?;
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
        .await?;
        tx.commit().await?;
        Ok((site, share, record))
    }

    pub(crate) fn record_csv(record: &ProgramRecord) -> Result<Download, DomainError> {
        let mut writer = crate::csv_file::CsvFile::in_memory_quoting_every_cell();
        let mut row = |cells: &[&str]| writer.row(cells);
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
        let bytes = writer.finish()?;
        Ok(Download {
            file_name: registrar::records::csv_file_name(&record.username, &record.title),
            content_type: "text/csv; charset=utf-8",
            bytes,
        })
    }
}

#[async_trait::async_trait]
impl Records for RecordService {
    async fn my_records(&self, me: &Me) -> Result<RecordsList, DomainError> {
        let site = self.site().await?;
        require_records_on(&site)?;
        let learner = self.learner_by_id(&me.principal().user_id.0).await?;
        self.records_list(&site, &learner).await
    }

    async fn learner_records(
        &self,
        _staff: &Console<ViewCredentials>,
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
        _staff: &Console<ViewCredentials>,
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
        let mut tx = self.core.begin().await?;
        lock::row(&mut tx, Row::User, &learner.id).await?;
        let (id, made) = Self::live_share(&mut tx, &learner.id, program_id, show_email, expires_at).await?;
        if !made {
            rs::update_share(&mut tx, &id, show_email, expires_at).await?;
        }
        tx.commit().await?;
        let share = rs::share(self.core.db(), &id).await?.ok_or_else(|| DomainError::internal("share"))?;
        Ok(self.share_info(&share))
    }

    async fn unshare_record(&self, me: &Me, program_id: &str) -> Result<(), DomainError> {
        let user_id = &me.principal().user_id.0;
        let mut tx = self.core.begin().await?;
        lock::row(&mut tx, Row::User, user_id).await?;
        let Some(share) = rs::current_share(&mut tx, user_id, program_id).await? else {
            return Err(not_found("This record is not shared."));
        };
        rs::revoke_share(&mut tx, &share.id).await?;
        let event = NewEvent {
            user_id,
            program_id,
            share_id: Some(&share.id),
            actor_id: Some(user_id),
            kind: "unshared",
            ..NewEvent::default()
        };
        rs::append_event(&mut tx, &event).await?;
        tx.commit().await
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
        let (_, _, record) = self.own_record(me, program_id).await?;
        Self::record_csv(&record)
    }

    async fn send_to_pathway(&self, me: &Me, program_id: &str, pathway_id: &str) -> Result<(), DomainError> {
        let (site, learner, record) = self.own_record(me, program_id).await?;
        let pathway = rs::program_pathways(self.core.db(), &site.id, program_id, &learner.id)
            .await?
            .into_iter()
            .find(|p| p.id == pathway_id)
            .filter(|p| registrar::records::pathway_offerable(&p.pathway_type, &p.status, &p.email, true))
            .ok_or_else(|| not_found("This program record cannot be sent to that pathway."))?;
        self.learner_rate_limit("send", &learner.id).await?;
        let mut tx = self.core.begin().await?;
        lock::row(&mut tx, Row::User, &learner.id).await?;
        let (share, _) = Self::live_share(&mut tx, &learner.id, program_id, false, None).await?;
        let link = format!("{}/records/shared/{share}", self.core.site_url());
        let name = if learner.full_name.trim().is_empty() { &learner.username } else { &learner.full_name };
        let from = if site.partner_from_address.is_empty() {
            format!("no-reply@{}", site.domain)
        } else {
            site.partner_from_address.clone()
        };
        let mail = crate::notices::pathway_request(&crate::notices::PathwayRequest {
            org_name: &pathway.org_name,
            pathway_name: &pathway.name,
            learner_name: name,
            learner_email: &learner.email,
            program_title: &record.title,
            completed: record.completed,
            platform_name: &site.platform_name,
            from: &from,
            link: &link,
            again: pathway.last_sent_at.is_some(),
        });
        outbox::enqueue(
            &mut *tx,
            &outbox::NewMail {
                user_id: Some(&learner.id),
                to: &pathway.email,
                subject: &mail.subject,
                body_text: &mail.body,
                body_html: None,
                from: Some(&from),
                reply_to: Some(&learner.email),
            },
        )
        .await?;
        let event = NewEvent {
            user_id: &learner.id,
            program_id,
            share_id: Some(&share),
            pathway_id: Some(&pathway.id),
            actor_id: Some(&learner.id),
            kind: "sent",
        };
        rs::append_event(&mut tx, &event).await?;
        tx.commit().await
    }

    async fn signatory_image(&self, _public: &Public, id: &str) -> Result<Download, DomainError> {
        let (content_type, bytes) = cs::signatory_image(self.core.db(), id)
            .await?
            .ok_or_else(|| not_found("There is no such signatory image."))?;
        let content_type = match content_type.as_str() {
            "image/png" => "image/png",
            "image/jpeg" => "image/jpeg",
            _ => "image/svg+xml",
        };
        Ok(Download { file_name: format!("signatory-{id}"), content_type, bytes })
    }
}

impl RecordService {
    /// The signed-in learner's record of one program, with the site and the learner it was read for
    /// (records must be switched on; a program they have no record in is 404).
    async fn own_record(
        &self,
        me: &Me,
        program_id: &str,
    ) -> Result<(SiteRow, Learner, ProgramRecord), DomainError> {
        let site = self.site().await?;
        require_records_on(&site)?;
        let learner = self.learner_by_id(&me.principal().user_id.0).await?;
        let record = self
            .program_record(&site, &learner, program_id, RecordView::Owner)
            .await?
            .ok_or_else(|| not_found("You have no record in this program."))?;
        Ok((site, learner, record))
    }
}
