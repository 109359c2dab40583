//! The console's credentials page (`app::ports::records::CredentialsAdmin`): the site, signatories,
//! programs, course and program certificate configurations, pathways.

use super::*;
use crate::services::internal;
use crate::store::audit;
use crate::store::credential_awards as ca;
use crate::store::credentials::{self as cs};
use app::gate::System;
use app::model::records::{
    CourseCertificateRow, CredentialsConsole, PathwayRow, ProgramCertificateRow, ProgramRow, SignatoryRow,
    SiteConfig,
};
use app::ports::records::CredentialsAdmin;
use registrar::records::CertificateType;
use registrar::AuditAction;
use registrar::{DomainError, ErrorCode};

impl RecordService {
    /// An existing configuration under which credentials were issued keeps what it certifies (its
    /// run and type, or its program): changing it would move every learner's credential.
    pub(crate) async fn check_target_kept(&self, id: &str, target: &str) -> Result<(), DomainError> {
        if id.is_empty() {
            return Ok(());
        }
        let facts = ca::configuration_facts(self.core.db(), id).await?;
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

    pub(crate) async fn check_signatories(&self, names: &[String]) -> Result<Vec<String>, DomainError> {
        let mut ids: Vec<String> = Vec::new();
        for id in names.iter().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()) {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        let known = cs::existing_signatories(self.core.db(), &ids).await?;
        if let Some(unknown) = ids.iter().find(|id| !known.contains(id)) {
            return Err(invalid(format!("There is no signatory {unknown}.")));
        }
        Ok(ids)
    }
}

pub(crate) fn check_site(site: &SiteConfig) -> Result<SiteConfig, DomainError> {
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
impl CredentialsAdmin for RecordService {
    async fn credentials_console(
        &self,
        _staff: &Console<ViewCredentials>,
    ) -> Result<CredentialsConsole, DomainError> {
        let site = self.site().await?;
        let db = self.core.db();
        Ok(CredentialsConsole {
            site: site.config(),
            signatories: cs::signatories(db).await?,
            programs: cs::programs(db, &site.id).await?,
            course_certificates: cs::course_certificates(db, &site.id).await?,
            program_certificates: cs::program_certificates(db, &site.id).await?,
            pathways: cs::pathways(db, &site.id).await?,
        })
    }

    async fn update_site(
        &self,
        staff: &Console<ChangeCredentials>,
        config: SiteConfig,
    ) -> Result<(), DomainError> {
        let current = self.site().await?;
        let mut config = check_site(&config)?;
        // The console edits this server's site; its domain is the public URL's.
        config.domain.clone_from(&current.domain);
        let mut tx = self.core.begin().await?;
        cs::upsert_site(&mut tx, &config).await?;
        let after = serde_json::to_value(&config).map_err(internal)?;
        self.audit(&mut tx, staff, AuditAction::SiteUpdate, "site", &current.id, after).await?;
        tx.commit().await
    }

    async fn create_or_update_site(&self, system: &System, config: SiteConfig) -> Result<bool, DomainError> {
        let config = check_site(&config)?;
        let mut tx = self.core.begin().await?;
        let created = cs::upsert_site(&mut tx, &config).await?;
        tx.audit(&audit::Entry {
            actor_label: system.actor(),
            target_type: "site",
            target_id: &config.domain,
            scope: Some("credentials"),
            after: Some(serde_json::to_value(&config).map_err(internal)?),
            ..audit::Entry::new(if created { AuditAction::SiteCreate } else { AuditAction::SiteUpdate })
        })
        .await?;
        tx.commit().await?;
        Ok(created)
    }

    async fn create_signatory(
        &self,
        staff: &Console<AddCredentials>,
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
        let mut tx = self.core.begin().await?;
        let id = cs::insert_signatory(&mut tx, &row, image_type, &image).await?;
        let after = serde_json::json!({"name": row.name, "title": row.title, "image_type": image_type, "bytes": image.len()});
        self.audit(&mut tx, staff, AuditAction::SignatoryCreate, "signatory", &id, after).await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn save_program(
        &self,
        staff: &Console<ChangeCredentials>,
        program: ProgramRow,
    ) -> Result<String, DomainError> {
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
        let known_orgs = cs::existing_keys(self.core.db(), "orgs", &orgs).await?;
        if let Some(o) = orgs.iter().find(|o| !known_orgs.contains(o)) {
            return Err(DomainError::with_message(
                ErrorCode::OrgKeyInvalid,
                format!("There is no organization {o}."),
            ));
        }
        let known_courses = cs::existing_keys(self.core.db(), "courses", &courses).await?;
        if let Some(c) = courses.iter().find(|c| !known_courses.contains(c)) {
            return Err(DomainError::with_message(
                ErrorCode::CourseKeyInvalid,
                format!("There is no course run {c}."),
            ));
        }
        let program = ProgramRow { title, program_type, orgs, courses, ..program };
        let mut tx = self.core.begin().await?;
        let id = cs::save_program(&mut tx, &site.id, &program)
            .await?
            .ok_or_else(|| not_found("There is no such program on this site."))?;
        let after = serde_json::to_value(&program).map_err(internal)?;
        self.audit(&mut tx, staff, AuditAction::ProgramSave, "program", &id, after).await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn save_course_certificate(
        &self,
        staff: &Console<ChangeCredentials>,
        row: CourseCertificateRow,
    ) -> Result<String, DomainError> {
        let site = self.site().await?;
        let course_key = registrar::ids::CourseKey::parse(&row.course_key)?.to_string();
        if !crate::store::courses::exists(self.core.db(), &course_key).await? {
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
        let mut tx = self.core.begin().await?;
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
        self.audit(&mut tx, staff, AuditAction::CourseCertificateSave, "course_certificate", &id, after)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn save_program_certificate(
        &self,
        staff: &Console<ChangeCredentials>,
        row: ProgramCertificateRow,
    ) -> Result<String, DomainError> {
        let site = self.site().await?;
        if !cs::program_exists(self.core.db(), &site.id, &row.program_id).await? {
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
        let mut tx = self.core.begin().await?;
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
        self.audit(&mut tx, staff, AuditAction::ProgramCertificateSave, "program_certificate", &id, after)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn save_pathway(
        &self,
        staff: &Console<ChangeCredentials>,
        row: PathwayRow,
    ) -> Result<String, DomainError> {
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
        let known = cs::existing_programs(self.core.db(), &site.id, &programs).await?;
        if let Some(unknown) = programs.iter().find(|p| !known.contains(p)) {
            return Err(not_found(&format!("There is no program {unknown} on this site.")));
        }
        let row = PathwayRow { name, org_name, email, programs, ..row };
        let mut tx = self.core.begin().await?;
        let id = cs::save_pathway(&mut tx, &site.id, &row)
            .await?
            .ok_or_else(|| not_found("There is no such pathway on this site."))?;
        let after = serde_json::to_value(&row).map_err(internal)?;
        self.audit(&mut tx, staff, AuditAction::PathwaySave, "pathway", &id, after).await?;
        tx.commit().await?;
        Ok(id)
    }
}
