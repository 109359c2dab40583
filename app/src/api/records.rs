//! Learner records' server functions: "My records", a program record with its link and pathways,
//! the public page of a shared record, and the console's credentials administration and staff view
//! of a learner's records. (CSV downloads, signatory images and the LMS-facing service API are REST,
//! in the server.)

use crate::error::ApiError;
use crate::model::records::{CredentialOut, CredentialsConsole, ProgramRecord, RecordsList, ShareInfo};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::gate::console::*;
#[cfg(feature = "ssr")]
use crate::gate::Gate;

/// A checkbox as a form posts it: present ("on") or absent.
#[cfg(feature = "ssr")]
fn checked(value: Option<&String>) -> bool {
    value.is_some_and(|v| !v.is_empty() && v != "false")
}

/// Optional text, trimmed; empty is none.
#[cfg(feature = "ssr")]
fn text(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// The signed-in learner's programs with an earned course certificate.
#[server(prefix = "/api", endpoint = "records/mine")]
pub async fn get_my_records() -> Result<RecordsList, ApiError> {
    let gate = Gate::for_request()?;
    let me = gate.me()?;
    Ok(gate.backend().records.my_records(&me).await?)
}

/// The signed-in learner's record of one program.
#[server(prefix = "/api", endpoint = "records/program")]
pub async fn get_my_program_record(program: String) -> Result<ProgramRecord, ApiError> {
    let gate = Gate::for_request()?;
    let me = gate.me()?;
    Ok(gate.backend().records.my_program_record(&me, &program).await?)
}

/// Create the public link of a record, or change its end date and whether it shows the email.
#[server(prefix = "/api", endpoint = "records/share")]
pub async fn share_record(
    program: String,
    expires: Option<String>,
    show_email: Option<String>,
) -> Result<ShareInfo, ApiError> {
    let gate = Gate::for_request()?;
    let me = gate.me()?;
    let expires_at = super::end_date(expires)?;
    Ok(gate.backend().records.share_record(&me, &program, expires_at, checked(show_email.as_ref())).await?)
}

/// End the public link (sharing again makes a new one).
#[server(prefix = "/api", endpoint = "records/unshare")]
pub async fn unshare_record(program: String) -> Result<(), ApiError> {
    let gate = Gate::for_request()?;
    let me = gate.me()?;
    Ok(gate.backend().records.unshare_record(&me, &program).await?)
}

/// Send the record to a credit pathway (mails the pathway organisation the links). `confirm` must be
/// ticked: a sent mail cannot be taken back.
#[server(prefix = "/api", endpoint = "records/send")]
pub async fn send_record(program: String, pathway: String, confirm: Option<String>) -> Result<(), ApiError> {
    let gate = Gate::for_request()?;
    let me = gate.me()?;
    if !checked(confirm.as_ref()) {
        return Err(registrar::DomainError::with_message(
            registrar::ErrorCode::InputInvalid,
            "Tick the box to confirm: the organisation receives your record, and a sent mail cannot be taken back.",
        )
        .on_field("confirm")
        .into());
    }
    Ok(gate.backend().records.send_to_pathway(&me, &program, &pathway).await?)
}

/// The public page of a shared record (no sign-in: the link is the credential).
#[server(prefix = "/api", endpoint = "records/shared")]
pub async fn get_shared_record(id: String) -> Result<ProgramRecord, ApiError> {
    let gate = Gate::for_request()?;
    Ok(gate.backend().records.public_record(&gate.public(), &id, gate.client()).await?)
}

/// A learner's records, read only (staff).
#[server(prefix = "/api", endpoint = "console/learner_records")]
pub async fn get_learner_records(username: String) -> Result<RecordsList, ApiError> {
    let gate = Gate::for_request()?;
    let staff = gate.console_for::<ViewCredentials>().await?;
    Ok(gate.backend().records.learner_records(&staff, &username).await?)
}

/// A learner's record of one program, read only (staff).
#[server(prefix = "/api", endpoint = "console/learner_record")]
pub async fn get_learner_program_record(
    username: String,
    program: String,
) -> Result<ProgramRecord, ApiError> {
    let gate = Gate::for_request()?;
    let staff = gate.console_for::<ViewCredentials>().await?;
    Ok(gate.backend().records.learner_program_record(&staff, &username, &program).await?)
}

/// A learner's credentials (staff).
#[server(prefix = "/api", endpoint = "console/learner_credentials")]
pub async fn get_learner_credentials(username: String) -> Result<Vec<CredentialOut>, ApiError> {
    let gate = Gate::for_request()?;
    let staff = gate.console_for::<ViewCredentials>().await?;
    Ok(gate.backend().records.credentials_of(&staff, &username).await?)
}

/// Award a course or program certificate to a learner from the console.
#[server(prefix = "/api", endpoint = "console/award_credential")]
pub async fn award_credential(username: String, certificate: String) -> Result<CredentialOut, ApiError> {
    use crate::model::records::{CredentialRequest, CredentialTarget};
    let gate = Gate::for_request()?;
    let staff = gate.console_for::<AddCredentials>().await?;
    // `course:<run>:<mode>` or `program:<uuid>`, as the console's select offers them.
    let target = if let Some(program) = certificate.strip_prefix("program:") {
        CredentialTarget { program_uuid: Some(program.to_owned()), ..CredentialTarget::default() }
    } else if let Some((run, mode)) =
        certificate.strip_prefix("course:").and_then(|rest| rest.rsplit_once(':'))
    {
        CredentialTarget {
            course_run_key: Some(run.to_owned()),
            mode: Some(mode.to_owned()),
            ..CredentialTarget::default()
        }
    } else {
        return Err(registrar::DomainError::with_message(
            registrar::ErrorCode::InputInvalid,
            "Choose a certificate to award.",
        )
        .into());
    };
    let request = CredentialRequest {
        username,
        status: "awarded".to_owned(),
        credential: target,
        attributes: Vec::new(),
        date_override: None,
    };
    let change = gate.console_for::<ChangeCredentials>().await.ok();
    Ok(gate.backend().records.issue_credential(&staff, change.as_ref(), request).await?.0)
}

/// Award again or revoke a learner's credential (revoking keeps it, no longer shown).
#[server(prefix = "/api", endpoint = "console/credential_status")]
pub async fn set_credential_status(uuid: String, status: String) -> Result<CredentialOut, ApiError> {
    let gate = Gate::for_request()?;
    let staff = gate.console_for::<ChangeCredentials>().await?;
    Ok(gate.backend().records.set_credential_status(&staff, &uuid, &status).await?)
}

/// Everything the console's credentials page lists.
#[server(prefix = "/api", endpoint = "console/credentials")]
pub async fn get_credentials_console() -> Result<CredentialsConsole, ApiError> {
    let gate = Gate::for_request()?;
    let staff = gate.console_for::<ViewCredentials>().await?;
    Ok(gate.backend().records.credentials_console(&staff).await?)
}

/// Change this site's configuration.
#[allow(clippy::too_many_arguments)]
#[server(prefix = "/api", endpoint = "console/site")]
pub async fn update_site(
    name: String,
    platform_name: String,
    records_enabled: Option<String>,
    records_help_url: Option<String>,
    partner_from_address: Option<String>,
    lms_url_root: Option<String>,
    catalog_api_url: Option<String>,
    theme_name: Option<String>,
    company_name: Option<String>,
    homepage_url: Option<String>,
    tos_url: Option<String>,
    privacy_policy_url: Option<String>,
    certificate_help_url: Option<String>,
    twitter_username: Option<String>,
    facebook_app_id: Option<String>,
    enable_facebook_sharing: Option<String>,
    enable_linkedin_sharing: Option<String>,
    enable_twitter_sharing: Option<String>,
) -> Result<(), ApiError> {
    use crate::model::records::SiteConfig;
    let gate = Gate::for_request()?;
    let staff = gate.console_for::<ChangeCredentials>().await?;
    let site = SiteConfig {
        domain: "-".to_owned(),
        name,
        platform_name,
        records_enabled: checked(records_enabled.as_ref()),
        records_help_url: text(records_help_url).unwrap_or_default(),
        partner_from_address: text(partner_from_address).unwrap_or_default(),
        lms_url_root: text(lms_url_root).unwrap_or_default(),
        catalog_api_url: text(catalog_api_url).unwrap_or_default(),
        theme_name: text(theme_name).unwrap_or_else(|| "openedx".to_owned()),
        company_name: text(company_name).unwrap_or_default(),
        homepage_url: text(homepage_url).unwrap_or_default(),
        tos_url: text(tos_url).unwrap_or_default(),
        privacy_policy_url: text(privacy_policy_url).unwrap_or_default(),
        certificate_help_url: text(certificate_help_url).unwrap_or_default(),
        twitter_username: text(twitter_username).unwrap_or_default(),
        facebook_app_id: text(facebook_app_id).unwrap_or_default(),
        enable_facebook_sharing: checked(enable_facebook_sharing.as_ref()),
        enable_linkedin_sharing: checked(enable_linkedin_sharing.as_ref()),
        enable_twitter_sharing: checked(enable_twitter_sharing.as_ref()),
    };
    Ok(gate.backend().records.update_site(&staff, site).await?)
}

/// Create (no id) or change a program: organisations (keys, comma-separated) and course runs (one
/// per line, in order).
#[server(prefix = "/api", endpoint = "console/program")]
pub async fn save_program(
    id: Option<String>,
    title: String,
    program_type: String,
    status: Option<String>,
    orgs: String,
    courses: String,
    hours: Option<String>,
) -> Result<String, ApiError> {
    use crate::model::records::ProgramRow;
    let gate = Gate::for_request()?;
    let staff = gate.console_for::<ChangeCredentials>().await?;
    let total_hours_of_effort = match text(hours) {
        Some(h) => Some(h.parse::<i64>().map_err(|_| {
            registrar::DomainError::with_message(
                registrar::ErrorCode::InputInvalid,
                format!("Hours of effort '{h}' is not a whole number."),
            )
        })?),
        None => None,
    };
    let row = ProgramRow {
        id: text(id).unwrap_or_default(),
        title,
        program_type,
        status: text(status).unwrap_or_else(|| "active".to_owned()),
        orgs: orgs.split([',', '\n']).map(|o| o.trim().to_owned()).filter(|o| !o.is_empty()).collect(),
        courses: courses.split(['\n', ',']).map(|c| c.trim().to_owned()).filter(|c| !c.is_empty()).collect(),
        total_hours_of_effort,
    };
    Ok(gate.backend().records.save_program(&staff, row).await?)
}

/// Create (no id) or change a course certificate configuration.
#[allow(clippy::too_many_arguments)]
#[server(prefix = "/api", endpoint = "console/course_certificate")]
pub async fn save_course_certificate(
    id: Option<String>,
    course_key: String,
    certificate_type: String,
    title: Option<String>,
    available: Option<String>,
    active: Option<String>,
    signatories: Option<Vec<String>>,
) -> Result<String, ApiError> {
    use crate::model::records::CourseCertificateRow;
    let gate = Gate::for_request()?;
    let staff = gate.console_for::<ChangeCredentials>().await?;
    let available_at = match text(available) {
        Some(day) => Some(registrar::roles::day_start(&day).ok_or_else(|| {
            registrar::DomainError::with_message(
                registrar::ErrorCode::InputInvalid,
                format!("The available date '{day}' is not a date (YYYY-MM-DD)."),
            )
        })?),
        None => None,
    };
    let row = CourseCertificateRow {
        id: text(id).unwrap_or_default(),
        course_key,
        certificate_type,
        title: text(title),
        available_at,
        is_active: checked(active.as_ref()),
        signatories: signatories.unwrap_or_default(),
        awarded: 0,
    };
    Ok(gate.backend().records.save_course_certificate(&staff, row).await?)
}

/// Create (no id) or change a program certificate configuration (at least one signatory).
#[allow(clippy::too_many_arguments)]
#[server(prefix = "/api", endpoint = "console/program_certificate")]
pub async fn save_program_certificate(
    id: Option<String>,
    program: String,
    use_org_name: Option<String>,
    include_hours_of_effort: Option<String>,
    language: Option<String>,
    active: Option<String>,
    signatories: Option<Vec<String>>,
) -> Result<String, ApiError> {
    use crate::model::records::ProgramCertificateRow;
    let gate = Gate::for_request()?;
    let staff = gate.console_for::<ChangeCredentials>().await?;
    let row = ProgramCertificateRow {
        id: text(id).unwrap_or_default(),
        program_id: program,
        program_title: String::new(),
        use_org_name: checked(use_org_name.as_ref()),
        include_hours_of_effort: checked(include_hours_of_effort.as_ref()),
        language: text(language),
        is_active: checked(active.as_ref()),
        signatories: signatories.unwrap_or_default(),
        awarded: 0,
    };
    Ok(gate.backend().records.save_program_certificate(&staff, row).await?)
}

/// Create (no id) or change a pathway and the programs it takes.
#[allow(clippy::too_many_arguments)]
#[server(prefix = "/api", endpoint = "console/pathway")]
pub async fn save_pathway(
    id: Option<String>,
    name: String,
    org_name: String,
    email: Option<String>,
    pathway_type: String,
    status: String,
    programs: Option<Vec<String>>,
) -> Result<String, ApiError> {
    use crate::model::records::PathwayRow;
    let gate = Gate::for_request()?;
    let staff = gate.console_for::<ChangeCredentials>().await?;
    let row = PathwayRow {
        id: text(id).unwrap_or_default(),
        name,
        org_name,
        email: text(email).unwrap_or_default(),
        pathway_type,
        status,
        programs: programs.unwrap_or_default(),
    };
    Ok(gate.backend().records.save_pathway(&staff, row).await?)
}
