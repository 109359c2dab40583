//! Credentials as the service API and learners read and change them
//! (`app::ports::records::CredentialsApi`): award, revoke, status, grade pushes judged one by one.

use super::*;
use crate::store::credential_awards::{self as ca, CertificateRef, GradeDb};
use crate::store::credentials::{self as cs, SiteRow};
use crate::store::lock::{self, Row};
use crate::store::{Conn, Flag};
use app::gate::Me;
use app::model::records::{CredentialOut, CredentialRequest, CredentialTarget, GradeRequest, ItemResult};
use app::ports::records::CredentialsApi;
use registrar::console::refusal;
use registrar::records::{grade_push, parse_timestamp, percent_e4, CertificateType, GradePush, PushedGrade};
use registrar::AuditAction;
use registrar::{DomainError, ErrorCode};
use std::collections::{HashMap, HashSet};

impl RecordService {
    /// Resolve the configuration a credential request names, on this site. A course run's
    /// configuration is created on the fly (active, in the request's mode) as Open edX does; an
    /// existing one that an admin switched off is refused.
    pub(crate) async fn resolve_certificate(
        &self,
        conn: &mut Conn,
        site: &SiteRow,
        target: &CredentialTarget,
    ) -> Result<(String, bool), DomainError> {
        match (&target.program_uuid, &target.course_run_key) {
            (Some(program), None) => {
                let program = program.replace('-', "").to_ascii_lowercase();
                match cs::find_program_certificate(conn, &site.id, &program).await? {
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
                if !crate::store::courses::exists(self.core.db(), run).await? {
                    return Err(invalid(format!("There is no course run {run}.")));
                }
                match cs::find_course_certificate(conn, &site.id, run, kind.as_str()).await? {
                    Some((id, true)) => Ok((id, false)),
                    Some((_, false)) => Err(invalid(format!(
                        "The {} certificate of {run} is switched off; an admin must activate it first.",
                        kind.as_str()
                    ))),
                    None => {
                        let id = cs::ensure_course_certificate(conn, &site.id, run, kind.as_str()).await?;
                        Ok((id, false))
                    }
                }
            }
            _ => Err(invalid(
                "Name either credential.program_uuid or credential.course_run_key (with its mode).",
            )),
        }
    }
}

#[async_trait::async_trait]
impl CredentialsApi for RecordService {
    async fn credentials_of(
        &self,
        _staff: &Console<ViewCredentials>,
        username: &str,
    ) -> Result<Vec<CredentialOut>, DomainError> {
        let learner = self.learner_by_username(username).await?;
        let site = self.site().await?;
        let rows = ca::credentials_where(self.core.db(), &site.id, "uc.user_id", &learner.id).await?;
        Ok(rows.into_iter().map(|(r, a)| credential_out(r, a)).collect())
    }

    async fn my_credentials(&self, me: &Me) -> Result<Vec<CredentialOut>, DomainError> {
        let site = self.site().await?;
        let rows =
            ca::credentials_where(self.core.db(), &site.id, "uc.user_id", &me.principal().user_id.0).await?;
        Ok(rows.into_iter().map(|(r, a)| credential_out(r, a)).collect())
    }

    async fn credential(&self, me: &Me, uuid: &str) -> Result<CredentialOut, DomainError> {
        let credential = self.credential_by_id(uuid).await?;
        let p = me.principal();
        let mine = |c: &CredentialOut| c.username.eq_ignore_ascii_case(&p.username);
        credential.filter(mine).ok_or_else(|| not_found("There is no such credential."))
    }

    async fn any_credential(
        &self,
        _staff: &Console<ViewCredentials>,
        uuid: &str,
    ) -> Result<CredentialOut, DomainError> {
        self.credential_by_id(uuid).await?.ok_or_else(|| not_found("There is no such credential."))
    }

    async fn issue_credential(
        &self,
        staff: &Console<AddCredentials>,
        change: Option<&Console<ChangeCredentials>>,
        request: CredentialRequest,
    ) -> Result<(CredentialOut, bool), DomainError> {
        let status = match request.status.as_str() {
            "awarded" | "revoked" => request.status.clone(),
            other => return Err(invalid(format!("status '{other}' is neither awarded nor revoked."))),
        };
        let may_change = change.is_some();
        if status == "revoked" && !may_change {
            return Err(refusal(ChangeCredentials::NEEDS[0]));
        }
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
        let mut tx = self.core.begin().await?;
        lock::row(&mut tx, Row::User, &learner.id).await?;
        let (certificate_id, is_program) =
            self.resolve_certificate(&mut tx, &site, &request.credential).await?;
        let reference = if is_program {
            CertificateRef::Program(&certificate_id)
        } else {
            CertificateRef::Course(&certificate_id)
        };
        let (id, changed, created) =
            ca::upsert_user_credential(&mut tx, &learner.id, reference, &status, date_override).await?;
        if changed && !created && !may_change {
            // An existing credential's status or date would change: that is change_credentials'.
            // Returning drops the transaction, so nothing is written.
            return Err(refusal(ChangeCredentials::NEEDS[0]));
        }
        let attributes_changed = ca::upsert_attributes(&mut tx, &id, &request.attributes).await?;
        if changed || attributes_changed {
            // About the learner (their audit trail; redacted with them when they are retired).
            let after =
                serde_json::json!({"credential": id, "status": status, "certificate": request.credential});
            self.audit(&mut tx, staff, AuditAction::CredentialIssue, "user", &learner.id, after).await?;
        }
        tx.commit().await?;
        let out = self.credential_by_id(&id).await?.ok_or_else(|| DomainError::internal("credential"))?;
        Ok((out, created))
    }

    async fn set_credential_status(
        &self,
        staff: &Console<ChangeCredentials>,
        uuid: &str,
        status: &str,
    ) -> Result<CredentialOut, DomainError> {
        if !["awarded", "revoked"].contains(&status) {
            return Err(invalid(format!("status '{status}' is neither awarded nor revoked.")));
        }
        let uuid = uuid.replace('-', "").to_ascii_lowercase();
        let site = self.site().await?;
        let found = ca::credentials_where(self.core.db(), &site.id, "uc.id", &uuid).await?;
        let (row, _) = found.into_iter().next().ok_or_else(|| not_found("There is no such credential."))?;
        if status == "awarded" && row.status != "awarded" {
            // Awarding again follows the same rule as awarding: not under a switched-off configuration.
            let configuration = ca::configuration_of(self.core.db(), &uuid).await?.unwrap_or_default();
            let facts = ca::configuration_facts(self.core.db(), &configuration).await?;
            if facts.is_some_and(|(_, active, _)| !active) {
                return Err(invalid(
                    "Its certificate configuration is switched off; activate the configuration first.",
                ));
            }
        }
        let mut tx = self.core.begin().await?;
        let changed = ca::set_credential_status(&mut tx, &uuid, status)
            .await?
            .ok_or_else(|| not_found("There is no such credential."))?;
        if changed {
            let action = if status == "revoked" {
                AuditAction::CredentialRevoke
            } else {
                AuditAction::CredentialAward
            };
            let after = serde_json::json!({"credential": uuid, "status": status});
            self.audit(&mut tx, staff, action, "user", &row.user_id, after).await?;
        }
        tx.commit().await?;
        self.credential_by_id(&uuid).await?.ok_or_else(|| DomainError::internal("credential"))
    }

    async fn push_grades(
        &self,
        _staff: &Console<PushGrades>,
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
        let mut tx = self.core.begin().await?;
        // Take the write lock before reading (two pushes for one learner must not both apply).
        lock::writer(&mut tx).await?;
        let names: Vec<String> =
            parsed.iter().map(|(_, u, _, _)| u.clone()).collect::<HashSet<_>>().into_iter().collect();
        let user_ids = ca::user_ids_by_username(&mut tx, &names).await?;
        let runs: Vec<String> =
            parsed.iter().map(|(_, _, r, _)| r.clone()).collect::<HashSet<_>>().into_iter().collect();
        let known_runs = ca::existing_runs(&mut tx, &runs).await?;
        let pairs: Vec<(String, String)> = parsed
            .iter()
            .filter_map(|(_, u, r, _)| user_ids.get(u).map(|id| (id.clone(), r.clone())))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let mut stored: HashMap<(String, String), PushedGrade> = ca::grades_of(&mut tx, &pairs)
            .await?
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
        ca::upsert_grades(&mut tx, &writes).await?;
        tx.commit().await?;
        Ok(results
            .into_iter()
            .enumerate()
            .map(|(index, r)| r.unwrap_or_else(|| failed(index, DomainError::internal("grade-item"))))
            .collect())
    }
}
