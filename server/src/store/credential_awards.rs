//! Learners' credentials and grades: issuing a credential under a certificate configuration (with its
//! attributes), changing its status, reading credentials as the API shows them, what a configuration
//! has issued, and grade pushes (stored grades, their upserts, the learners and runs a push names).
//!
//! Owns `user_credentials`, `user_credential_attributes` and `user_grades`. It must not change sites,
//! signatories, programs, pathways or certificate configurations (`store::credentials` does), nor
//! judge whether a pushed grade applies (`registrar::records::grade_push` does).

use super::credentials::new_hex_id;
use super::{list_placeholders, now_ms, values_placeholders, Db, Dialect, Flag};
use app::model::records::CredentialAttribute;
use sqlx::{AnyConnection, AssertSqlSafe, FromRow};
use std::collections::{HashMap, HashSet};

// ---- User credentials -----------------------------------------------------------------------------

/// Which configuration a credential is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertificateRef<'a> {
    Course(&'a str),
    Program(&'a str),
}

/// Update-or-create the learner's credential for a configuration. Returns its id, whether anything
/// changed (the same request twice changes nothing) and whether it was created.
pub async fn upsert_user_credential(
    conn: &mut AnyConnection,
    user_id: &str,
    certificate: CertificateRef<'_>,
    status: &str,
    date_override: Option<i64>,
) -> Result<(String, bool, bool), super::DbError> {
    let (column, certificate_id) = match certificate {
        CertificateRef::Course(id) => ("course_certificate_id", id),
        CertificateRef::Program(id) => ("program_certificate_id", id),
    };
    let find = format!(
        "SELECT id, status, date_override FROM user_credentials WHERE user_id = $1 AND {column} = $2"
    );
    let existing: Option<(String, String, Option<i64>)> = sqlx::query_as(AssertSqlSafe(find))
        .bind(user_id)
        .bind(certificate_id)
        .fetch_optional(&mut *conn)
        .await?;
    let now = now_ms();
    match existing {
        Some((id, old_status, old_override)) => {
            if old_status == status && old_override == date_override {
                return Ok((id, false, false));
            }
            sqlx::query(
                "UPDATE user_credentials SET status = $1, date_override = $2, modified_at = $3 WHERE id = $4",
            )
            .bind(status)
            .bind(date_override)
            .bind(now)
            .bind(&id)
            .execute(&mut *conn)
            .await?;
            Ok((id, true, false))
        }
        None => {
            let id = new_hex_id();
            let insert = format!(
                "INSERT INTO user_credentials (id, user_id, {column}, status, date_override, created_at, \
                 modified_at) VALUES ($1, $2, $3, $4, $5, $6, $6)"
            );
            sqlx::query(AssertSqlSafe(insert))
                .bind(&id)
                .bind(user_id)
                .bind(certificate_id)
                .bind(status)
                .bind(date_override)
                .bind(now)
                .execute(&mut *conn)
                .await?;
            Ok((id, true, true))
        }
    }
}

/// Upsert attributes by name (the request's names are distinct); true if any changed.
pub async fn upsert_attributes(
    conn: &mut AnyConnection,
    credential_id: &str,
    attributes: &[CredentialAttribute],
) -> Result<bool, super::DbError> {
    let mut changed = false;
    for a in attributes {
        let done = sqlx::query(
            "INSERT INTO user_credential_attributes (credential_id, name, value) VALUES ($1, $2, $3) \
             ON CONFLICT (credential_id, name) DO UPDATE SET value = excluded.value \
             WHERE user_credential_attributes.value <> excluded.value",
        )
        .bind(credential_id)
        .bind(&a.name)
        .bind(&a.value)
        .execute(&mut *conn)
        .await?;
        changed |= done.rows_affected() > 0;
    }
    Ok(changed)
}

/// Set a credential's status by its public id; `None` if unknown, else whether it changed.
pub async fn set_credential_status(
    conn: &mut AnyConnection,
    id: &str,
    status: &str,
) -> Result<Option<bool>, super::DbError> {
    // A write first, so SQLite's transaction holds the write lock before it reads.
    sqlx::query("UPDATE user_credentials SET modified_at = modified_at WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    let current: Option<String> = sqlx::query_scalar("SELECT status FROM user_credentials WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    match current {
        None => Ok(None),
        Some(s) if s == status => Ok(Some(false)),
        Some(_) => {
            sqlx::query("UPDATE user_credentials SET status = $1, modified_at = $2 WHERE id = $3")
                .bind(status)
                .bind(now_ms())
                .bind(id)
                .execute(&mut *conn)
                .await?;
            Ok(Some(true))
        }
    }
}

// ---- Configurations as awarded --------------------------------------------------------------------

/// What a certificate configuration (course or program, by id) awards today: its target (run and
/// type, or program), whether it is active, and how many credentials were issued under it.
pub async fn configuration_facts(db: &Db, id: &str) -> Result<Option<(String, bool, i64)>, super::DbError> {
    let row: Option<(String, Flag, i64)> = sqlx::query_as(
        "SELECT c.course_key || ' ' || c.certificate_type, c.is_active, \
         (SELECT COUNT(*) FROM user_credentials u WHERE u.course_certificate_id = c.id) \
         FROM course_certificates c WHERE c.id = $1 \
         UNION ALL SELECT p.program_id, p.is_active, \
         (SELECT COUNT(*) FROM user_credentials u WHERE u.program_certificate_id = p.id) \
         FROM program_certificates p WHERE p.id = $1",
    )
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(|(target, active, issued)| (target, active.0, issued)))
}

/// The configuration a credential was issued under (course or program certificate id).
pub async fn configuration_of(db: &Db, credential_id: &str) -> Result<Option<String>, super::DbError> {
    Ok(sqlx::query_scalar(
        "SELECT COALESCE(course_certificate_id, program_certificate_id) FROM user_credentials WHERE id = $1",
    )
    .bind(credential_id)
    .fetch_optional(&db.pool)
    .await?)
}

// ---- Credentials as the API shows them ------------------------------------------------------------

/// A credential with what the API shows about it.
#[derive(Debug, Clone, FromRow)]
pub struct CredentialDb {
    pub id: String,
    pub user_id: String,
    pub username: String,
    pub status: String,
    pub date_override: Option<i64>,
    pub created_at: i64,
    pub modified_at: i64,
    pub course_key: Option<String>,
    pub certificate_type: Option<String>,
    pub course_title: Option<String>,
    pub program_id: Option<String>,
    pub program_title: Option<String>,
}

const CREDENTIAL_SELECT: &str = "SELECT uc.id, uc.user_id, u.username, uc.status, uc.date_override, \
    uc.created_at, uc.modified_at, cc.course_key, cc.certificate_type, COALESCE(cc.title, c.display_name) AS \
    course_title, pc.program_id, COALESCE(pc.title, p.title) AS program_title FROM user_credentials uc \
    JOIN users u ON u.id = uc.user_id \
    LEFT JOIN course_certificates cc ON cc.id = uc.course_certificate_id \
    LEFT JOIN courses c ON c.key = cc.course_key \
    LEFT JOIN program_certificates pc ON pc.id = uc.program_certificate_id \
    LEFT JOIN programs p ON p.id = pc.program_id";

/// Credentials on the site by `uc.id` or `uc.user_id` (`by` names the column), with their
/// attributes.
pub async fn credentials_where(
    db: &Db,
    site_id: &str,
    by: &str,
    value: &str,
) -> Result<Vec<(CredentialDb, Vec<CredentialAttribute>)>, super::DbError> {
    let sql = format!(
        "{CREDENTIAL_SELECT} WHERE {by} = $1 AND COALESCE(cc.site_id, pc.site_id) = $2 ORDER BY uc.created_at, uc.id"
    );
    let rows: Vec<CredentialDb> =
        sqlx::query_as(AssertSqlSafe(sql)).bind(value).bind(site_id).fetch_all(&db.pool).await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let sql = format!(
        "SELECT credential_id, name, value FROM user_credential_attributes WHERE credential_id IN ({}) \
         ORDER BY credential_id, name",
        list_placeholders(1, ids.len())
    );
    let mut q = sqlx::query_as::<_, (String, String, String)>(AssertSqlSafe(sql));
    for id in &ids {
        q = q.bind(*id);
    }
    let mut attributes: HashMap<String, Vec<CredentialAttribute>> = HashMap::new();
    for (id, name, value) in q.fetch_all(&db.pool).await? {
        attributes.entry(id).or_default().push(CredentialAttribute { name, value });
    }
    Ok(rows
        .into_iter()
        .map(|r| {
            let a = attributes.remove(&r.id).unwrap_or_default();
            (r, a)
        })
        .collect())
}

// ---- Grades ---------------------------------------------------------------------------------------

/// A stored grade, keyed by (user id, run).
#[derive(Debug, Clone, FromRow)]
pub struct GradeDb {
    pub user_id: String,
    pub course_key: String,
    pub letter_grade: String,
    pub percent_e4: i64,
    pub verified: Flag,
    pub source_updated_at: Option<i64>,
}

/// The stored grades of these (user, run) pairs.
pub async fn grades_of(
    conn: &mut AnyConnection,
    pairs: &[(String, String)],
) -> Result<Vec<GradeDb>, super::DbError> {
    let mut out = Vec::with_capacity(pairs.len());
    for chunk in pairs.chunks(super::ROWS_PER_STATEMENT) {
        let dialect = Dialect::of_connection(conn);
        let sql = format!(
            "SELECT g.user_id, g.course_key, g.letter_grade, g.percent_e4, g.verified, g.source_updated_at \
             FROM user_grades g JOIN (VALUES {}) AS k ON g.user_id = k.column1 AND g.course_key = k.column2",
            values_placeholders(dialect, chunk.len(), 2)
        );
        let mut q = sqlx::query_as::<_, GradeDb>(AssertSqlSafe(sql));
        for (user, run) in chunk {
            q = q.bind(user).bind(run);
        }
        out.extend(q.fetch_all(&mut *conn).await?);
    }
    Ok(out)
}

/// Write grades (already judged: new or newer), in multi-row upserts.
pub async fn upsert_grades(conn: &mut AnyConnection, grades: &[GradeDb]) -> Result<(), super::DbError> {
    let now = now_ms();
    for chunk in grades.chunks(super::ROWS_PER_STATEMENT) {
        let dialect = Dialect::of_connection(conn);
        let sql = format!(
            "INSERT INTO user_grades (user_id, course_key, letter_grade, percent_e4, verified, source_updated_at, \
             created_at, modified_at) VALUES {} ON CONFLICT (user_id, course_key) DO UPDATE SET \
             letter_grade = excluded.letter_grade, percent_e4 = excluded.percent_e4, verified = excluded.verified, \
             source_updated_at = excluded.source_updated_at, modified_at = excluded.modified_at \
             WHERE (excluded.source_updated_at IS NOT NULL AND (user_grades.source_updated_at IS NULL \
             OR excluded.source_updated_at > user_grades.source_updated_at)) \
             OR (excluded.source_updated_at IS NULL AND user_grades.source_updated_at IS NULL)",
            values_placeholders(dialect, chunk.len(), 8)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for g in chunk {
            q = q
                .bind(&g.user_id)
                .bind(&g.course_key)
                .bind(&g.letter_grade)
                .bind(g.percent_e4)
                .bind(g.verified.0)
                .bind(g.source_updated_at)
                .bind(now)
                .bind(now);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// User ids by lower-cased username, for the names given (unknown ones are absent).
pub async fn user_ids_by_username(
    conn: &mut AnyConnection,
    usernames: &[String],
) -> Result<HashMap<String, String>, super::DbError> {
    let mut out = HashMap::new();
    for chunk in usernames.chunks(super::ROWS_PER_STATEMENT) {
        let sql = format!(
            "SELECT username_key, id FROM users WHERE username_key IN ({}) AND retired_at IS NULL",
            list_placeholders(1, chunk.len())
        );
        let mut q = sqlx::query_as::<_, (String, String)>(AssertSqlSafe(sql));
        for name in chunk {
            q = q.bind(name.to_lowercase());
        }
        out.extend(q.fetch_all(&mut *conn).await?);
    }
    Ok(out)
}

/// Which of these course run keys exist, asked in statements of at most `ROWS_PER_STATEMENT` keys.
pub async fn existing_runs(
    conn: &mut AnyConnection,
    keys: &[String],
) -> Result<HashSet<String>, super::DbError> {
    let mut known = HashSet::new();
    for chunk in keys.chunks(super::ROWS_PER_STATEMENT) {
        let sql = format!("SELECT key FROM courses WHERE key IN ({})", list_placeholders(1, chunk.len()));
        let mut q = sqlx::query_scalar::<_, String>(AssertSqlSafe(sql));
        for r in chunk {
            q = q.bind(r);
        }
        known.extend(q.fetch_all(&mut *conn).await?);
    }
    Ok(known)
}
