//! Learner records: the reads a records list and a program record are built from (set-based: a
//! handful of queries whatever the number of programs and courses), public record links (shares)
//! with the per-learner lock their changes take, and the record's append-only history (shared,
//! unshared, viewed, downloaded, sent).

use super::{list_placeholders, now_ms, Db, Flag};
use sqlx::{AnyConnection, AssertSqlSafe, FromRow};

/// A program as records show it.
#[derive(Debug, Clone, FromRow)]
pub struct ProgramDb {
    pub id: String,
    pub title: String,
    pub program_type: String,
    pub status: String,
}

/// Programs (active or retired) on the site that contain a run in which the learner holds an awarded
/// course certificate visible now, by title.
pub async fn programs_with_earned_course(
    db: &Db,
    site_id: &str,
    user_id: &str,
    now: i64,
) -> Result<Vec<ProgramDb>, super::DbError> {
    // The program ids come from one pass over the learner's credentials (a subquery evaluated once),
    // not from probing the credentials once per program.
    Ok(sqlx::query_as(
        "SELECT p.id, p.title, p.program_type, p.status FROM programs p WHERE p.site_id = $1 \
         AND p.status IN ('active', 'retired') AND p.id IN (SELECT pc.program_id FROM user_credentials uc \
         JOIN course_certificates cc ON cc.id = uc.course_certificate_id \
         JOIN program_courses pc ON pc.course_key = cc.course_key \
         WHERE uc.user_id = $2 AND uc.status = 'awarded' AND cc.site_id = $1 \
         AND (cc.available_at IS NULL OR cc.available_at <= $3)) ORDER BY p.title, p.id",
    )
    .bind(site_id)
    .bind(user_id)
    .bind(now)
    .fetch_all(&db.pool)
    .await?)
}

/// One program on the site that records show (active or retired, as the list).
pub async fn program(db: &Db, site_id: &str, program_id: &str) -> Result<Option<ProgramDb>, super::DbError> {
    Ok(sqlx::query_as(
        "SELECT id, title, program_type, status FROM programs WHERE site_id = $1 AND id = $2 \
         AND status IN ('active', 'retired')",
    )
    .bind(site_id)
    .bind(program_id)
    .fetch_optional(&db.pool)
    .await?)
}

/// A course run of a program, in the program's order, with its name and owner organisation.
#[derive(Debug, Clone, FromRow)]
pub struct ProgramRunDb {
    pub program_id: String,
    pub course_key: String,
    pub display_name: String,
    pub org_name: String,
}

/// The runs of these programs, in each program's order.
pub async fn program_runs(db: &Db, program_ids: &[String]) -> Result<Vec<ProgramRunDb>, super::DbError> {
    in_list(
        db,
        "SELECT pc.program_id, pc.course_key, c.display_name, o.name AS org_name FROM program_courses pc \
         JOIN courses c ON c.key = pc.course_key JOIN orgs o ON o.key = c.org \
         WHERE pc.program_id IN ({}) ORDER BY pc.program_id, pc.position",
        &[],
        program_ids,
    )
    .await
}

/// The runs of these programs (keys only: what a records list counts).
pub async fn program_run_keys(
    db: &Db,
    program_ids: &[String],
) -> Result<Vec<(String, String)>, super::DbError> {
    in_list(
        db,
        "SELECT program_id, course_key FROM program_courses WHERE program_id IN ({})",
        &[],
        program_ids,
    )
    .await
}

/// The runs in which the learner holds an awarded course certificate on the site, visible now.
pub async fn awarded_runs(
    db: &Db,
    site_id: &str,
    user_id: &str,
    now: i64,
) -> Result<Vec<String>, super::DbError> {
    Ok(sqlx::query_scalar(
        "SELECT cc.course_key FROM user_credentials uc JOIN course_certificates cc ON cc.id = uc.course_certificate_id \
         WHERE uc.user_id = $1 AND uc.status = 'awarded' AND cc.site_id = $2 \
         AND (cc.available_at IS NULL OR cc.available_at <= $3)",
    )
    .bind(user_id)
    .bind(site_id)
    .bind(now)
    .fetch_all(&db.pool)
    .await?)
}

/// The authoring organisations' names of these programs, in order.
pub async fn program_schools(
    db: &Db,
    program_ids: &[String],
) -> Result<Vec<(String, String)>, super::DbError> {
    in_list(
        db,
        "SELECT po.program_id, o.name FROM program_orgs po JOIN orgs o ON o.key = po.org \
         WHERE po.program_id IN ({}) ORDER BY po.program_id, po.position",
        &[],
        program_ids,
    )
    .await
}

/// A learner's course credential in a run: status and when it was earned.
#[derive(Debug, Clone, FromRow)]
pub struct RunCredentialDb {
    pub course_key: String,
    pub status: String,
    pub issued_at: i64,
}

/// The learner's course credentials (any status) on the site that are visible now: the date override,
/// else the certificate's available date, else when it was awarded, is the issue date.
pub async fn course_credentials(
    db: &Db,
    site_id: &str,
    user_id: &str,
    now: i64,
) -> Result<Vec<RunCredentialDb>, super::DbError> {
    Ok(sqlx::query_as(
        "SELECT cc.course_key, uc.status, COALESCE(uc.date_override, cc.available_at, uc.created_at) AS issued_at \
         FROM user_credentials uc JOIN course_certificates cc ON cc.id = uc.course_certificate_id \
         WHERE uc.user_id = $1 AND cc.site_id = $2 AND (cc.available_at IS NULL OR cc.available_at <= $3) \
         ORDER BY uc.created_at, uc.id",
    )
    .bind(user_id)
    .bind(site_id)
    .bind(now)
    .fetch_all(&db.pool)
    .await?)
}

/// The programs (ids) whose program certificate the learner holds, awarded.
pub async fn completed_programs(
    db: &Db,
    site_id: &str,
    user_id: &str,
) -> Result<Vec<String>, super::DbError> {
    Ok(sqlx::query_scalar(
        "SELECT pc.program_id FROM user_credentials uc JOIN program_certificates pc \
         ON pc.id = uc.program_certificate_id WHERE uc.user_id = $1 AND pc.site_id = $2 AND uc.status = 'awarded'",
    )
    .bind(user_id)
    .bind(site_id)
    .fetch_all(&db.pool)
    .await?)
}

/// A learner's grade in a run.
#[derive(Debug, Clone, FromRow)]
pub struct RunGradeDb {
    pub course_key: String,
    pub letter_grade: String,
    pub percent_e4: i64,
    pub verified: Flag,
    pub modified_at: i64,
}

/// The learner's grades in these runs.
pub async fn grades(db: &Db, user_id: &str, runs: &[String]) -> Result<Vec<RunGradeDb>, super::DbError> {
    in_list(
        db,
        "SELECT course_key, letter_grade, percent_e4, verified, modified_at FROM user_grades \
         WHERE user_id = $1 AND course_key IN ({})",
        &[user_id],
        runs,
    )
    .await
}

async fn in_list<T>(db: &Db, sql: &str, fixed: &[&str], values: &[String]) -> Result<Vec<T>, super::DbError>
where
    T: for<'r> FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    let mut out = Vec::new();
    for chunk in values.chunks(super::ROWS_PER_STATEMENT) {
        let sql = sql.replace("{}", &list_placeholders(fixed.len() + 1, chunk.len()));
        let mut q = sqlx::query_as::<_, T>(AssertSqlSafe(sql));
        for v in fixed {
            q = q.bind(*v);
        }
        for v in chunk {
            q = q.bind(v);
        }
        out.extend(q.fetch_all(&db.pool).await?);
    }
    Ok(out)
}

// ---- Shares ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, FromRow)]
pub struct ShareDb {
    pub id: String,
    pub user_id: String,
    pub program_id: String,
    pub show_email: Flag,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub views: i64,
    pub downloads: i64,
    pub last_viewed_at: Option<i64>,
}

const SHARE_COLUMNS: &str =
    "id, user_id, program_id, show_email, created_at, expires_at, revoked_at, views, downloads, last_viewed_at";

/// The learner's link to a program that is not unshared (it may have expired).
pub async fn current_share(
    conn: &mut AnyConnection,
    user_id: &str,
    program_id: &str,
) -> Result<Option<ShareDb>, super::DbError> {
    let sql = format!(
        "SELECT {SHARE_COLUMNS} FROM record_shares WHERE user_id = $1 AND program_id = $2 AND revoked_at IS NULL"
    );
    Ok(sqlx::query_as(AssertSqlSafe(sql)).bind(user_id).bind(program_id).fetch_optional(&mut *conn).await?)
}

/// A link by its public id (whatever its state).
pub async fn share(db: &Db, id: &str) -> Result<Option<ShareDb>, super::DbError> {
    let sql = format!("SELECT {SHARE_COLUMNS} FROM record_shares WHERE id = $1");
    Ok(sqlx::query_as(AssertSqlSafe(sql)).bind(id).fetch_optional(&db.pool).await?)
}

pub async fn insert_share(
    conn: &mut AnyConnection,
    id: &str,
    user_id: &str,
    program_id: &str,
    show_email: bool,
    expires_at: Option<i64>,
) -> Result<(), super::DbError> {
    sqlx::query(
        "INSERT INTO record_shares (id, user_id, program_id, show_email, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(user_id)
    .bind(program_id)
    .bind(show_email)
    .bind(now_ms())
    .bind(expires_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn update_share(
    conn: &mut AnyConnection,
    id: &str,
    show_email: bool,
    expires_at: Option<i64>,
) -> Result<(), super::DbError> {
    sqlx::query("UPDATE record_shares SET show_email = $1, expires_at = $2 WHERE id = $3")
        .bind(show_email)
        .bind(expires_at)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// End the link; true if there was one to end.
pub async fn revoke_share(conn: &mut AnyConnection, id: &str) -> Result<bool, super::DbError> {
    let done = sqlx::query("UPDATE record_shares SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(now_ms())
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Count a view or a download of a link.
pub async fn count_use(conn: &mut AnyConnection, id: &str, download: bool) -> Result<(), super::DbError> {
    let sql = if download {
        "UPDATE record_shares SET downloads = downloads + 1 WHERE id = $1"
    } else {
        "UPDATE record_shares SET views = views + 1, last_viewed_at = $2 WHERE id = $1"
    };
    let mut q = sqlx::query(sql).bind(id);
    if !download {
        q = q.bind(now_ms());
    }
    q.execute(&mut *conn).await?;
    Ok(())
}

// ---- History --------------------------------------------------------------------------------------

/// One history entry to append.
#[derive(Debug, Clone, Default)]
pub struct NewEvent<'a> {
    pub user_id: &'a str,
    pub program_id: &'a str,
    pub share_id: Option<&'a str>,
    pub pathway_id: Option<&'a str>,
    pub actor_id: Option<&'a str>,
    pub kind: &'a str,
}

pub async fn append_event(conn: &mut AnyConnection, e: &NewEvent<'_>) -> Result<(), super::DbError> {
    sqlx::query(
        "INSERT INTO record_events (id, user_id, program_id, share_id, pathway_id, actor_id, kind, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(super::new_id())
    .bind(e.user_id)
    .bind(e.program_id)
    .bind(e.share_id)
    .bind(e.pathway_id)
    .bind(e.actor_id)
    .bind(e.kind)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, FromRow)]
pub struct EventDb {
    pub at: i64,
    pub kind: String,
    pub pathway: Option<String>,
}

/// The newest `limit` shares, unshares and sends of a learner's record (views and downloads are
/// kept too, counted on the link and exported, but not listed).
pub async fn history(
    db: &Db,
    user_id: &str,
    program_id: &str,
    limit: i64,
) -> Result<Vec<EventDb>, super::DbError> {
    Ok(sqlx::query_as(
        "SELECT e.at, e.kind, w.name AS pathway FROM record_events e LEFT JOIN pathways w ON w.id = e.pathway_id \
         WHERE e.user_id = $1 AND e.program_id = $2 AND e.kind IN ('shared', 'unshared', 'sent') \
         ORDER BY e.at DESC, e.id DESC LIMIT $3",
    )
    .bind(user_id)
    .bind(program_id)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?)
}

/// A pathway of a program, with when this learner last sent the record there.
#[derive(Debug, Clone, FromRow)]
pub struct ProgramPathwayDb {
    pub id: String,
    pub name: String,
    pub org_name: String,
    pub email: String,
    pub pathway_type: String,
    pub status: String,
    pub last_sent_at: Option<i64>,
}

/// Every pathway on the site that includes the program.
pub async fn program_pathways(
    db: &Db,
    site_id: &str,
    program_id: &str,
    user_id: &str,
) -> Result<Vec<ProgramPathwayDb>, super::DbError> {
    Ok(sqlx::query_as(
        "SELECT w.id, w.name, w.org_name, w.email, w.pathway_type, w.status, \
         (SELECT MAX(e.at) FROM record_events e WHERE e.user_id = $3 AND e.program_id = $2 \
          AND e.pathway_id = w.id AND e.kind = 'sent') AS last_sent_at \
         FROM pathways w JOIN pathway_programs pp ON pp.pathway_id = w.id \
         WHERE w.site_id = $1 AND pp.program_id = $2 ORDER BY w.name, w.id",
    )
    .bind(site_id)
    .bind(program_id)
    .bind(user_id)
    .fetch_all(&db.pool)
    .await?)
}
