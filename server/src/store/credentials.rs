//! Certificate administration: sites and their configuration, signatories (with their images), the
//! programs catalog, course and program certificate configurations, pathways. Learners' credentials
//! and grades are in `store::credential_awards`; reads for learner records are in `store::records`.

use super::{list_placeholders, new_id, now_ms, values_placeholders, Db, Dialect, Flag};
use app::model::records::{
    CourseCertificateRow, PathwayRow, ProgramCertificateRow, ProgramRow, SignatoryRow, SiteConfig,
};
use sqlx::{AnyConnection, AssertSqlSafe, FromRow};
use std::collections::HashMap;

/// A public id: a v4 uuid as 32 hex digits (Open edX's URL form).
#[must_use]
pub fn new_hex_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// A site and its configuration.
#[derive(Debug, Clone, FromRow)]
pub struct SiteRow {
    pub id: String,
    pub domain: String,
    pub name: String,
    pub platform_name: String,
    pub records_enabled: Flag,
    pub records_help_url: String,
    pub partner_from_address: String,
    pub lms_url_root: String,
    pub catalog_api_url: String,
    pub theme_name: String,
    pub company_name: String,
    pub homepage_url: String,
    pub tos_url: String,
    pub privacy_policy_url: String,
    pub certificate_help_url: String,
    pub twitter_username: String,
    pub facebook_app_id: String,
    pub enable_facebook_sharing: Flag,
    pub enable_linkedin_sharing: Flag,
    pub enable_twitter_sharing: Flag,
}

impl SiteRow {
    #[must_use]
    pub fn config(&self) -> SiteConfig {
        SiteConfig {
            domain: self.domain.clone(),
            name: self.name.clone(),
            platform_name: self.platform_name.clone(),
            records_enabled: self.records_enabled.0,
            records_help_url: self.records_help_url.clone(),
            partner_from_address: self.partner_from_address.clone(),
            lms_url_root: self.lms_url_root.clone(),
            catalog_api_url: self.catalog_api_url.clone(),
            theme_name: self.theme_name.clone(),
            company_name: self.company_name.clone(),
            homepage_url: self.homepage_url.clone(),
            tos_url: self.tos_url.clone(),
            privacy_policy_url: self.privacy_policy_url.clone(),
            certificate_help_url: self.certificate_help_url.clone(),
            twitter_username: self.twitter_username.clone(),
            facebook_app_id: self.facebook_app_id.clone(),
            enable_facebook_sharing: self.enable_facebook_sharing.0,
            enable_linkedin_sharing: self.enable_linkedin_sharing.0,
            enable_twitter_sharing: self.enable_twitter_sharing.0,
        }
    }
}

const SITE_COLUMNS: &str = "id, domain, name, platform_name, records_enabled, records_help_url, \
    partner_from_address, lms_url_root, catalog_api_url, theme_name, company_name, homepage_url, tos_url, \
    privacy_policy_url, certificate_help_url, twitter_username, facebook_app_id, enable_facebook_sharing, \
    enable_linkedin_sharing, enable_twitter_sharing";

/// The site this server serves: the one with `domain`, else the oldest; created with defaults
/// when there is none yet.
pub async fn current_site(db: &Db, domain: &str) -> Result<SiteRow, super::DbError> {
    if let Some(site) = site_by_domain(db, domain).await? {
        return Ok(site);
    }
    let oldest = format!("SELECT {SITE_COLUMNS} FROM sites ORDER BY created_at, id LIMIT 1");
    if let Some(site) = sqlx::query_as(AssertSqlSafe(oldest)).fetch_optional(&db.pool).await? {
        return Ok(site);
    }
    let defaults = SiteConfig {
        domain: domain.to_owned(),
        name: "Registrar".to_owned(),
        platform_name: "Registrar".to_owned(),
        records_enabled: true,
        theme_name: "openedx".to_owned(),
        enable_linkedin_sharing: true,
        enable_twitter_sharing: true,
        ..SiteConfig::default()
    };
    let mut conn = db.pool.acquire().await?;
    upsert_site(&mut conn, &defaults).await?;
    site_by_domain(db, domain).await?.ok_or_else(|| super::DbError::from(sqlx::Error::RowNotFound))
}

/// The site with this domain, if any.
pub async fn site_by_domain(db: &Db, domain: &str) -> Result<Option<SiteRow>, super::DbError> {
    let sql = format!("SELECT {SITE_COLUMNS} FROM sites WHERE domain = $1");
    Ok(sqlx::query_as(AssertSqlSafe(sql)).bind(domain).fetch_optional(&db.pool).await?)
}

/// Create the site with this domain or change its configuration; true if it was created.
pub async fn upsert_site(conn: &mut AnyConnection, site: &SiteConfig) -> Result<bool, super::DbError> {
    let now = now_ms();
    // A write first, so SQLite's transaction holds the write lock before it reads.
    sqlx::query("UPDATE sites SET modified_at = modified_at WHERE domain = $1")
        .bind(&site.domain)
        .execute(&mut *conn)
        .await?;
    let existed: Option<(String,)> = sqlx::query_as("SELECT id FROM sites WHERE domain = $1")
        .bind(&site.domain)
        .fetch_optional(&mut *conn)
        .await?;
    let id = existed.as_ref().map_or_else(new_id, |(id,)| id.clone());
    sqlx::query(
        "INSERT INTO sites (id, domain, name, platform_name, records_enabled, records_help_url, \
         partner_from_address, lms_url_root, catalog_api_url, theme_name, company_name, homepage_url, tos_url, \
         privacy_policy_url, certificate_help_url, twitter_username, facebook_app_id, enable_facebook_sharing, \
         enable_linkedin_sharing, enable_twitter_sharing, created_at, modified_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $21) \
         ON CONFLICT (id) DO UPDATE SET domain = excluded.domain, name = excluded.name, \
         platform_name = excluded.platform_name, records_enabled = excluded.records_enabled, \
         records_help_url = excluded.records_help_url, partner_from_address = excluded.partner_from_address, \
         lms_url_root = excluded.lms_url_root, catalog_api_url = excluded.catalog_api_url, \
         theme_name = excluded.theme_name, company_name = excluded.company_name, \
         homepage_url = excluded.homepage_url, tos_url = excluded.tos_url, \
         privacy_policy_url = excluded.privacy_policy_url, certificate_help_url = excluded.certificate_help_url, \
         twitter_username = excluded.twitter_username, facebook_app_id = excluded.facebook_app_id, \
         enable_facebook_sharing = excluded.enable_facebook_sharing, \
         enable_linkedin_sharing = excluded.enable_linkedin_sharing, \
         enable_twitter_sharing = excluded.enable_twitter_sharing, modified_at = excluded.modified_at",
    )
    .bind(&id)
    .bind(&site.domain)
    .bind(&site.name)
    .bind(&site.platform_name)
    .bind(site.records_enabled)
    .bind(&site.records_help_url)
    .bind(&site.partner_from_address)
    .bind(&site.lms_url_root)
    .bind(&site.catalog_api_url)
    .bind(&site.theme_name)
    .bind(&site.company_name)
    .bind(&site.homepage_url)
    .bind(&site.tos_url)
    .bind(&site.privacy_policy_url)
    .bind(&site.certificate_help_url)
    .bind(&site.twitter_username)
    .bind(&site.facebook_app_id)
    .bind(site.enable_facebook_sharing)
    .bind(site.enable_linkedin_sharing)
    .bind(site.enable_twitter_sharing)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(existed.is_none())
}

// ---- Signatories ----------------------------------------------------------------------------------

#[derive(Debug, Clone, FromRow)]
struct SignatoryDb {
    id: String,
    name: String,
    title: String,
    organization_name_override: Option<String>,
    image_type: String,
}

pub async fn insert_signatory(
    conn: &mut AnyConnection,
    row: &SignatoryRow,
    image_type: &str,
    image: &[u8],
) -> Result<String, super::DbError> {
    let id = new_id();
    let now = now_ms();
    sqlx::query(
        "INSERT INTO signatories (id, name, title, organization_name_override, image_type, image, created_at, \
         modified_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(&id)
    .bind(&row.name)
    .bind(&row.title)
    .bind(row.organization_name_override.as_deref())
    .bind(image_type)
    .bind(image.to_vec())
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

pub async fn signatories(db: &Db) -> Result<Vec<SignatoryRow>, super::DbError> {
    let rows: Vec<SignatoryDb> = sqlx::query_as(
        "SELECT id, name, title, organization_name_override, image_type FROM signatories ORDER BY name, id",
    )
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| SignatoryRow {
            id: r.id,
            name: r.name,
            title: r.title,
            organization_name_override: r.organization_name_override,
            image_type: r.image_type,
        })
        .collect())
}

/// A signatory's image and its media type.
pub async fn signatory_image(db: &Db, id: &str) -> Result<Option<(String, Vec<u8>)>, super::DbError> {
    Ok(sqlx::query_as("SELECT image_type, image FROM signatories WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await?)
}

/// Which of `ids` exist (unknown signatories are refused by name).
pub async fn existing_signatories(db: &Db, ids: &[String]) -> Result<Vec<String>, super::DbError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!("SELECT id FROM signatories WHERE id IN ({})", list_placeholders(1, ids.len()));
    let mut q = sqlx::query_scalar::<_, String>(AssertSqlSafe(sql));
    for id in ids {
        q = q.bind(id);
    }
    Ok(q.fetch_all(&db.pool).await?)
}

/// Replace a certificate configuration's signatories (in order).
async fn set_signatories(
    conn: &mut AnyConnection,
    column: &str,
    certificate_id: &str,
    signatories: &[String],
) -> Result<(), super::DbError> {
    replace_ordered(conn, "certificate_signatories", column, "signatory_id", certificate_id, signatories)
        .await
}

/// Replace the ordered list `values` that `owner` holds in `table` (rows of `owner_column`,
/// `value_column` and `position`). Table and column names are this module's constants, never input.
async fn replace_ordered(
    conn: &mut AnyConnection,
    table: &str,
    owner_column: &str,
    value_column: &str,
    owner: &str,
    values: &[String],
) -> Result<(), super::DbError> {
    let delete = format!("DELETE FROM {table} WHERE {owner_column} = $1");
    sqlx::query(AssertSqlSafe(delete)).bind(owner).execute(&mut *conn).await?;
    if values.is_empty() {
        return Ok(());
    }
    let dialect = Dialect::of_connection(conn);
    let sql = format!(
        "INSERT INTO {table} ({owner_column}, {value_column}, position) VALUES {}",
        values_placeholders(dialect, values.len(), 3)
    );
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for (position, value) in values.iter().enumerate() {
        q = q.bind(owner).bind(value).bind(i64::try_from(position).unwrap_or(i64::MAX));
    }
    q.execute(&mut *conn).await?;
    Ok(())
}

async fn signatories_by_certificate(
    db: &Db,
    column: &str,
) -> Result<HashMap<String, Vec<String>>, super::DbError> {
    let sql = format!(
        "SELECT cs.{column}, cs.signatory_id FROM certificate_signatories cs JOIN signatories s ON s.id = cs.signatory_id \
         WHERE cs.{column} IS NOT NULL ORDER BY cs.{column}, cs.position"
    );
    let rows: Vec<(String, String)> = sqlx::query_as(AssertSqlSafe(sql)).fetch_all(&db.pool).await?;
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for (id, name) in rows {
        out.entry(id).or_default().push(name);
    }
    Ok(out)
}

// ---- Programs -------------------------------------------------------------------------------------

#[derive(Debug, Clone, FromRow)]
struct ProgramDb {
    id: String,
    title: String,
    program_type: String,
    status: String,
    total_hours_of_effort: Option<i64>,
}

/// Every program of the site with its organisations and course runs, by title.
pub async fn programs(db: &Db, site_id: &str) -> Result<Vec<ProgramRow>, super::DbError> {
    let rows: Vec<ProgramDb> = sqlx::query_as(
        "SELECT id, title, program_type, status, total_hours_of_effort FROM programs WHERE site_id = $1 \
         ORDER BY title, id",
    )
    .bind(site_id)
    .fetch_all(&db.pool)
    .await?;
    let orgs: Vec<(String, String)> = sqlx::query_as(
        "SELECT po.program_id, po.org FROM program_orgs po JOIN programs p ON p.id = po.program_id \
         WHERE p.site_id = $1 ORDER BY po.program_id, po.position",
    )
    .bind(site_id)
    .fetch_all(&db.pool)
    .await?;
    let courses: Vec<(String, String)> = sqlx::query_as(
        "SELECT pc.program_id, pc.course_key FROM program_courses pc JOIN programs p ON p.id = pc.program_id \
         WHERE p.site_id = $1 ORDER BY pc.program_id, pc.position",
    )
    .bind(site_id)
    .fetch_all(&db.pool)
    .await?;
    let group = |pairs: Vec<(String, String)>| {
        let mut map: HashMap<String, Vec<String>> = HashMap::new();
        for (k, v) in pairs {
            map.entry(k).or_default().push(v);
        }
        map
    };
    let (mut orgs, mut courses) = (group(orgs), group(courses));
    Ok(rows
        .into_iter()
        .map(|p| ProgramRow {
            orgs: orgs.remove(&p.id).unwrap_or_default(),
            courses: courses.remove(&p.id).unwrap_or_default(),
            id: p.id,
            title: p.title,
            program_type: p.program_type,
            status: p.status,
            total_hours_of_effort: p.total_hours_of_effort,
        })
        .collect())
}

/// Whether the program exists on the site.
pub async fn program_exists(db: &Db, site_id: &str, id: &str) -> Result<bool, super::DbError> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM programs WHERE site_id = $1 AND id = $2")
        .bind(site_id)
        .bind(id)
        .fetch_one(&db.pool)
        .await?;
    Ok(n > 0)
}

/// Which of `ids` are programs of the site (one query).
pub async fn existing_programs(
    db: &Db,
    site_id: &str,
    ids: &[String],
) -> Result<Vec<String>, super::DbError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql =
        format!("SELECT id FROM programs WHERE site_id = $1 AND id IN ({})", list_placeholders(2, ids.len()));
    let mut q = sqlx::query_scalar::<_, String>(AssertSqlSafe(sql)).bind(site_id);
    for id in ids {
        q = q.bind(id);
    }
    Ok(q.fetch_all(&db.pool).await?)
}

/// Insert (empty id) or update a program and replace its organisations and course runs. The caller
/// checked that the orgs and courses exist. Returns the id, or `None` for an unknown id.
pub async fn save_program(
    conn: &mut AnyConnection,
    site_id: &str,
    program: &ProgramRow,
) -> Result<Option<String>, super::DbError> {
    let now = now_ms();
    let id = if program.id.is_empty() {
        let id = new_hex_id();
        sqlx::query(
            "INSERT INTO programs (id, site_id, title, program_type, status, total_hours_of_effort, created_at, \
             modified_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
        )
        .bind(&id)
        .bind(site_id)
        .bind(&program.title)
        .bind(&program.program_type)
        .bind(&program.status)
        .bind(program.total_hours_of_effort)
        .bind(now)
        .execute(&mut *conn)
        .await?;
        id
    } else {
        let done = sqlx::query(
            "UPDATE programs SET title = $1, program_type = $2, status = $3, total_hours_of_effort = $4, \
             modified_at = $5 WHERE id = $6 AND site_id = $7",
        )
        .bind(&program.title)
        .bind(&program.program_type)
        .bind(&program.status)
        .bind(program.total_hours_of_effort)
        .bind(now)
        .bind(&program.id)
        .bind(site_id)
        .execute(&mut *conn)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(None);
        }
        program.id.clone()
    };
    replace_ordered(conn, "program_orgs", "program_id", "org", &id, &program.orgs).await?;
    replace_ordered(conn, "program_courses", "program_id", "course_key", &id, &program.courses).await?;
    Ok(Some(id))
}

/// Which of `keys` are known (courses or orgs): `table` is `courses` or `orgs`.
pub async fn existing_keys(db: &Db, table: &str, keys: &[String]) -> Result<Vec<String>, super::DbError> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!("SELECT key FROM {table} WHERE key IN ({})", list_placeholders(1, keys.len()));
    let mut q = sqlx::query_scalar::<_, String>(AssertSqlSafe(sql));
    for k in keys {
        q = q.bind(k);
    }
    Ok(q.fetch_all(&db.pool).await?)
}

// ---- Certificate configurations -------------------------------------------------------------------

#[derive(Debug, Clone, FromRow)]
struct CourseCertificateDb {
    id: String,
    course_key: String,
    certificate_type: String,
    title: Option<String>,
    available_at: Option<i64>,
    is_active: Flag,
    awarded: i64,
}

pub async fn course_certificates(
    db: &Db,
    site_id: &str,
) -> Result<Vec<CourseCertificateRow>, super::DbError> {
    let rows: Vec<CourseCertificateDb> = sqlx::query_as(
        "SELECT c.id, c.course_key, c.certificate_type, c.title, c.available_at, c.is_active, \
         (SELECT COUNT(*) FROM user_credentials u WHERE u.course_certificate_id = c.id AND u.status = 'awarded') \
         AS awarded FROM course_certificates c WHERE c.site_id = $1 ORDER BY c.course_key, c.certificate_type",
    )
    .bind(site_id)
    .fetch_all(&db.pool)
    .await?;
    let mut signatories = signatories_by_certificate(db, "course_certificate_id").await?;
    Ok(rows
        .into_iter()
        .map(|r| CourseCertificateRow {
            signatories: signatories.remove(&r.id).unwrap_or_default(),
            id: r.id,
            course_key: r.course_key,
            certificate_type: r.certificate_type,
            title: r.title,
            available_at: r.available_at,
            is_active: r.is_active.0,
            awarded: r.awarded,
        })
        .collect())
}

/// The id of the course certificate configuration for (site, run, type), if any, and whether it is
/// active.
pub async fn find_course_certificate(
    conn: &mut AnyConnection,
    site_id: &str,
    course_key: &str,
    certificate_type: &str,
) -> Result<Option<(String, bool)>, super::DbError> {
    let row: Option<(String, Flag)> = sqlx::query_as(
        "SELECT id, is_active FROM course_certificates WHERE site_id = $1 AND course_key = $2 \
         AND certificate_type = $3",
    )
    .bind(site_id)
    .bind(course_key)
    .bind(certificate_type)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|(id, active)| (id, active.0)))
}

/// The id of the active-or-not configuration for (site, run, type), made (active, no signatories)
/// when there is none; two awards racing for a new run make it once.
pub async fn ensure_course_certificate(
    conn: &mut AnyConnection,
    site_id: &str,
    course_key: &str,
    certificate_type: &str,
) -> Result<String, super::DbError> {
    let now = now_ms();
    sqlx::query(
        "INSERT INTO course_certificates (id, site_id, course_key, certificate_type, is_active, created_at, \
         modified_at) VALUES ($1, $2, $3, $4, $5, $6, $6) \
         ON CONFLICT (site_id, course_key, certificate_type) DO NOTHING",
    )
    .bind(new_id())
    .bind(site_id)
    .bind(course_key)
    .bind(certificate_type)
    .bind(true)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    find_course_certificate(conn, site_id, course_key, certificate_type)
        .await?
        .map(|(id, _)| id)
        .ok_or_else(|| super::DbError::from(sqlx::Error::RowNotFound))
}

/// Insert (empty id) or update a course certificate configuration with its signatories. `None`:
/// the id is unknown on this site.
pub async fn save_course_certificate(
    conn: &mut AnyConnection,
    site_id: &str,
    row: &CourseCertificateRow,
    signatory_ids: &[String],
) -> Result<Option<String>, super::DbError> {
    let now = now_ms();
    let id = if row.id.is_empty() {
        let id = new_id();
        sqlx::query(
            "INSERT INTO course_certificates (id, site_id, course_key, certificate_type, title, available_at, \
             is_active, created_at, modified_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
        )
        .bind(&id)
        .bind(site_id)
        .bind(&row.course_key)
        .bind(&row.certificate_type)
        .bind(row.title.as_deref())
        .bind(row.available_at)
        .bind(row.is_active)
        .bind(now)
        .execute(&mut *conn)
        .await?;
        id
    } else {
        let done = sqlx::query(
            "UPDATE course_certificates SET course_key = $1, certificate_type = $2, title = $3, available_at = $4, \
             is_active = $5, modified_at = $6 WHERE id = $7 AND site_id = $8",
        )
        .bind(&row.course_key)
        .bind(&row.certificate_type)
        .bind(row.title.as_deref())
        .bind(row.available_at)
        .bind(row.is_active)
        .bind(now)
        .bind(&row.id)
        .bind(site_id)
        .execute(&mut *conn)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(None);
        }
        row.id.clone()
    };
    set_signatories(conn, "course_certificate_id", &id, signatory_ids).await?;
    Ok(Some(id))
}

#[derive(Debug, Clone, FromRow)]
struct ProgramCertificateDb {
    id: String,
    program_id: String,
    program_title: String,
    use_org_name: Flag,
    include_hours_of_effort: Flag,
    language: Option<String>,
    is_active: Flag,
    awarded: i64,
}

pub async fn program_certificates(
    db: &Db,
    site_id: &str,
) -> Result<Vec<ProgramCertificateRow>, super::DbError> {
    let rows: Vec<ProgramCertificateDb> = sqlx::query_as(
        "SELECT c.id, c.program_id, p.title AS program_title, c.use_org_name, c.include_hours_of_effort, \
         c.language, c.is_active, (SELECT COUNT(*) FROM user_credentials u WHERE u.program_certificate_id = c.id \
         AND u.status = 'awarded') AS awarded FROM program_certificates c JOIN programs p ON p.id = c.program_id \
         WHERE c.site_id = $1 ORDER BY p.title",
    )
    .bind(site_id)
    .fetch_all(&db.pool)
    .await?;
    let mut signatories = signatories_by_certificate(db, "program_certificate_id").await?;
    Ok(rows
        .into_iter()
        .map(|r| ProgramCertificateRow {
            signatories: signatories.remove(&r.id).unwrap_or_default(),
            id: r.id,
            program_id: r.program_id,
            program_title: r.program_title,
            use_org_name: r.use_org_name.0,
            include_hours_of_effort: r.include_hours_of_effort.0,
            language: r.language,
            is_active: r.is_active.0,
            awarded: r.awarded,
        })
        .collect())
}

/// The program certificate configuration of (site, program), if any, and whether it is active.
pub async fn find_program_certificate(
    conn: &mut AnyConnection,
    site_id: &str,
    program_id: &str,
) -> Result<Option<(String, bool)>, super::DbError> {
    let row: Option<(String, Flag)> = sqlx::query_as(
        "SELECT id, is_active FROM program_certificates WHERE site_id = $1 AND program_id = $2",
    )
    .bind(site_id)
    .bind(program_id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|(id, active)| (id, active.0)))
}

/// Insert (empty id) or update a program certificate configuration with its signatories.
pub async fn save_program_certificate(
    conn: &mut AnyConnection,
    site_id: &str,
    row: &ProgramCertificateRow,
    signatory_ids: &[String],
) -> Result<Option<String>, super::DbError> {
    let now = now_ms();
    let id = if row.id.is_empty() {
        let id = new_id();
        sqlx::query(
            "INSERT INTO program_certificates (id, site_id, program_id, use_org_name, include_hours_of_effort, \
             language, is_active, created_at, modified_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
        )
        .bind(&id)
        .bind(site_id)
        .bind(&row.program_id)
        .bind(row.use_org_name)
        .bind(row.include_hours_of_effort)
        .bind(row.language.as_deref())
        .bind(row.is_active)
        .bind(now)
        .execute(&mut *conn)
        .await?;
        id
    } else {
        let done = sqlx::query(
            "UPDATE program_certificates SET program_id = $1, use_org_name = $2, include_hours_of_effort = $3, \
             language = $4, is_active = $5, modified_at = $6 WHERE id = $7 AND site_id = $8",
        )
        .bind(&row.program_id)
        .bind(row.use_org_name)
        .bind(row.include_hours_of_effort)
        .bind(row.language.as_deref())
        .bind(row.is_active)
        .bind(now)
        .bind(&row.id)
        .bind(site_id)
        .execute(&mut *conn)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(None);
        }
        row.id.clone()
    };
    set_signatories(conn, "program_certificate_id", &id, signatory_ids).await?;
    Ok(Some(id))
}

// ---- Pathways -------------------------------------------------------------------------------------

#[derive(Debug, Clone, FromRow)]
struct PathwayDb {
    id: String,
    name: String,
    org_name: String,
    email: String,
    pathway_type: String,
    status: String,
}

pub async fn pathways(db: &Db, site_id: &str) -> Result<Vec<PathwayRow>, super::DbError> {
    let rows: Vec<PathwayDb> = sqlx::query_as(
        "SELECT id, name, org_name, email, pathway_type, status FROM pathways WHERE site_id = $1 ORDER BY name, id",
    )
    .bind(site_id)
    .fetch_all(&db.pool)
    .await?;
    let programs: Vec<(String, String)> = sqlx::query_as(
        "SELECT pp.pathway_id, pp.program_id FROM pathway_programs pp JOIN pathways w ON w.id = pp.pathway_id \
         WHERE w.site_id = $1 ORDER BY pp.pathway_id, pp.program_id",
    )
    .bind(site_id)
    .fetch_all(&db.pool)
    .await?;
    let mut by_pathway: HashMap<String, Vec<String>> = HashMap::new();
    for (pathway, program) in programs {
        by_pathway.entry(pathway).or_default().push(program);
    }
    Ok(rows
        .into_iter()
        .map(|r| PathwayRow {
            programs: by_pathway.remove(&r.id).unwrap_or_default(),
            id: r.id,
            name: r.name,
            org_name: r.org_name,
            email: r.email,
            pathway_type: r.pathway_type,
            status: r.status,
        })
        .collect())
}

/// Insert (empty id) or update a pathway and replace its programs (checked to be on the site).
pub async fn save_pathway(
    conn: &mut AnyConnection,
    site_id: &str,
    row: &PathwayRow,
) -> Result<Option<String>, super::DbError> {
    let now = now_ms();
    let id = if row.id.is_empty() {
        let id = new_id();
        sqlx::query(
            "INSERT INTO pathways (id, site_id, name, org_name, email, pathway_type, status, created_at, \
             modified_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
        )
        .bind(&id)
        .bind(site_id)
        .bind(&row.name)
        .bind(&row.org_name)
        .bind(&row.email)
        .bind(&row.pathway_type)
        .bind(&row.status)
        .bind(now)
        .execute(&mut *conn)
        .await?;
        id
    } else {
        let done = sqlx::query(
            "UPDATE pathways SET name = $1, org_name = $2, email = $3, pathway_type = $4, status = $5, \
             modified_at = $6 WHERE id = $7 AND site_id = $8",
        )
        .bind(&row.name)
        .bind(&row.org_name)
        .bind(&row.email)
        .bind(&row.pathway_type)
        .bind(&row.status)
        .bind(now)
        .bind(&row.id)
        .bind(site_id)
        .execute(&mut *conn)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(None);
        }
        row.id.clone()
    };
    sqlx::query("DELETE FROM pathway_programs WHERE pathway_id = $1").bind(&id).execute(&mut *conn).await?;
    if !row.programs.is_empty() {
        let sql = format!(
            "INSERT INTO pathway_programs (pathway_id, program_id) VALUES {}",
            values_placeholders(Dialect::of_connection(conn), row.programs.len(), 2)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for program in &row.programs {
            q = q.bind(&id).bind(program);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(Some(id))
}
