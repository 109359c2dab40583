//! Content libraries and their grants (to a user or a group, on one library or on every library of an
//! org), read as domain `LibraryGrant`s for permission decisions.

use super::{new_id, now_ms, Db, Flag};
use registrar::library::{AccessLevel, Grantee, LibraryGrant, LibraryKey, LibraryScope, LibrarySwitches};
use sqlx::{Any, AnyConnection, AssertSqlSafe, Executor, FromRow};

/// A library row.
#[derive(Debug, Clone, FromRow)]
pub struct LibraryRow {
    pub key: String,
    pub org: String,
    pub slug: String,
    pub title: String,
    pub description: String,
    pub allow_public_read: Flag,
    pub allow_public_learning: Flag,
    pub created_at: i64,
    pub updated_at: i64,
}

impl LibraryRow {
    #[must_use]
    pub fn switches(&self) -> LibrarySwitches {
        LibrarySwitches {
            allow_public_read: self.allow_public_read.0,
            allow_public_learning: self.allow_public_learning.0,
        }
    }
}

const COLUMNS: &str =
    "l.key, l.org, l.slug, l.title, l.description, l.allow_public_read, l.allow_public_learning, l.created_at, l.updated_at";

/// One library.
pub async fn get(db: &Db, key: &str) -> Result<Option<LibraryRow>, super::DbError> {
    Ok(sqlx::query_as(AssertSqlSafe(format!("SELECT {COLUMNS} FROM libraries l WHERE l.key = $1")))
        .bind(key)
        .fetch_optional(&db.pool)
        .await?)
}

/// The libraries a user may view, by title: every one for global staff; otherwise those a live grant
/// covers (direct, through a group, org-wide) and, for course creators, those open to public read.
/// `search` matches title, slug or org (case-insensitive, contains).
pub async fn visible_to(
    db: &Db,
    user_id: &str,
    everything: bool,
    course_creator: bool,
    search: &str,
) -> Result<Vec<LibraryRow>, super::DbError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM libraries l WHERE ($1 OR l.key IN (SELECT g.library_key FROM library_grants g \
           WHERE g.library_key IS NOT NULL AND (g.expires_at IS NULL OR g.expires_at > $2) AND {mine}) \
         OR l.org IN (SELECT g.org FROM library_grants g \
           WHERE g.org IS NOT NULL AND (g.expires_at IS NULL OR g.expires_at > $2) AND {mine}) \
         OR ($4 AND l.allow_public_read = $5)) \
         AND ($6 = '' OR LOWER(l.title) LIKE $6 ESCAPE '\\' OR LOWER(l.slug) LIKE $6 ESCAPE '\\' \
           OR LOWER(l.org) LIKE $6 ESCAPE '\\') \
         ORDER BY LOWER(l.title), l.key LIMIT 500",
        mine = "(g.user_id = $3 OR g.group_id IN (SELECT m.group_id FROM group_members m WHERE m.user_id = $3))"
    );
    let pattern = if search.trim().is_empty() { String::new() } else { super::like_contains(search) };
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .bind(everything)
        .bind(now_ms())
        .bind(user_id)
        .bind(course_creator)
        .bind(true)
        .bind(pattern)
        .fetch_all(&db.pool)
        .await?)
}

/// Create a library and make its creator an Admin, in the caller's transaction; false when the org
/// already has a library with that slug.
pub async fn create(
    conn: &mut AnyConnection,
    key: &LibraryKey,
    title: &str,
    description: &str,
    creator: &str,
) -> Result<bool, super::DbError> {
    let now = now_ms();
    let done = sqlx::query(
        "INSERT INTO libraries (key, org, slug, title, description, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT DO NOTHING",
    )
    .bind(key.to_string())
    .bind(key.org().as_str())
    .bind(key.slug())
    .bind(title)
    .bind(description)
    .bind(creator)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    let target = Target::Library(key.to_string());
    grant(conn, &target, &Holder::User(creator.to_owned()), AccessLevel::Admin, Some(creator), None).await?;
    Ok(true)
}

/// Change the title and description.
pub async fn update_details(
    conn: &mut AnyConnection,
    key: &str,
    title: &str,
    description: &str,
) -> Result<(), super::DbError> {
    sqlx::query("UPDATE libraries SET title = $2, description = $3, updated_at = $4 WHERE key = $1")
        .bind(key)
        .bind(title)
        .bind(description)
        .bind(now_ms())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Change the public switches.
pub async fn set_switches(
    conn: &mut AnyConnection,
    key: &str,
    switches: LibrarySwitches,
) -> Result<(), super::DbError> {
    sqlx::query(
        "UPDATE libraries SET allow_public_read = $2, allow_public_learning = $3, updated_at = $4 WHERE key = $1",
    )
    .bind(key)
    .bind(switches.allow_public_read)
    .bind(switches.allow_public_learning)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// What a grant row covers: one library, or every library of an org.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Library(String),
    Org(String),
}

impl Target {
    fn columns(&self) -> (Option<&str>, Option<&str>) {
        match self {
            Self::Library(key) => (Some(key), None),
            Self::Org(org) => (None, Some(org)),
        }
    }

    /// The audit scope: the library key or `org:<org>`.
    #[must_use]
    pub fn scope(&self) -> String {
        match self {
            Self::Library(key) => key.clone(),
            Self::Org(org) => format!("org:{org}"),
        }
    }
}

/// Who a grant row is given to: a user id or a group id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Holder {
    User(String),
    Group(String),
}

impl Holder {
    fn columns(&self) -> (Option<&str>, Option<&str>) {
        match self {
            Self::User(id) => (Some(id), None),
            Self::Group(id) => (None, Some(id)),
        }
    }
}

/// The `WHERE` clause that finds one holder's grant on one target (`$1` the target, `$2` the holder),
/// written per kind so each lookup is an index lookup.
fn match_clause(target: &Target, holder: &Holder) -> (&'static str, [String; 2]) {
    let (target_value, holder_value) = match (target, holder) {
        (Target::Library(t) | Target::Org(t), Holder::User(h) | Holder::Group(h)) => (t.clone(), h.clone()),
    };
    let clause = match (target, holder) {
        (Target::Library(_), Holder::User(_)) => "library_key = $1 AND user_id = $2",
        (Target::Library(_), Holder::Group(_)) => "library_key = $1 AND group_id = $2",
        (Target::Org(_), Holder::User(_)) => "org = $1 AND user_id = $2",
        (Target::Org(_), Holder::Group(_)) => "org = $1 AND group_id = $2",
    };
    (clause, [target_value, holder_value])
}

/// Add a grant; false when the holder already has one on that target.
pub async fn grant(
    conn: &mut AnyConnection,
    target: &Target,
    holder: &Holder,
    level: AccessLevel,
    granted_by: Option<&str>,
    expires_at: Option<i64>,
) -> Result<bool, super::DbError> {
    // A grant that has ended but is not swept yet does not stand in the way of a new one.
    let (clause, [t, h]) = match_clause(target, holder);
    sqlx::query(AssertSqlSafe(format!("DELETE FROM library_grants WHERE {clause} AND expires_at <= $3")))
        .bind(&t)
        .bind(&h)
        .bind(now_ms())
        .execute(&mut *conn)
        .await?;
    let ((library, org), (user, group)) = (target.columns(), holder.columns());
    let done = sqlx::query(
        "INSERT INTO library_grants (id, library_key, org, user_id, group_id, access_level, granted_by, created_at, \
         expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
    )
    .bind(new_id())
    .bind(library)
    .bind(org)
    .bind(user)
    .bind(group)
    .bind(level.as_str())
    .bind(granted_by)
    .bind(now_ms())
    .bind(expires_at)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// The holder's current level on the target and when it ends, if it has a grant there that has not
/// ended.
pub async fn level_of(
    conn: &mut AnyConnection,
    target: &Target,
    holder: &Holder,
) -> Result<Option<(String, Option<i64>)>, super::DbError> {
    let (clause, [t, h]) = match_clause(target, holder);
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT access_level, expires_at FROM library_grants WHERE {clause} AND (expires_at IS NULL OR expires_at > $3)"
    )))
    .bind(t)
    .bind(h)
    .bind(now_ms())
    .fetch_optional(&mut *conn)
    .await?)
}

/// Change a grant's level (and end date); false when there is no such grant.
pub async fn set_level(
    conn: &mut AnyConnection,
    target: &Target,
    holder: &Holder,
    level: AccessLevel,
    expires_at: Option<i64>,
) -> Result<bool, super::DbError> {
    let (clause, [t, h]) = match_clause(target, holder);
    let done = sqlx::query(AssertSqlSafe(format!(
        "UPDATE library_grants SET access_level = $3, expires_at = $4 WHERE {clause}"
    )))
    .bind(t)
    .bind(h)
    .bind(level.as_str())
    .bind(expires_at)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Remove a grant; false when there is none.
pub async fn revoke(
    conn: &mut AnyConnection,
    target: &Target,
    holder: &Holder,
) -> Result<bool, super::DbError> {
    let (clause, [t, h]) = match_clause(target, holder);
    let done = sqlx::query(AssertSqlSafe(format!("DELETE FROM library_grants WHERE {clause}")))
        .bind(t)
        .bind(h)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Active users holding Admin directly on the library with no end date: the Admins a team keeps.
pub async fn count_permanent_admins(conn: &mut AnyConnection, key: &str) -> Result<i64, super::DbError> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM library_grants g JOIN users u ON u.id = g.user_id \
         WHERE g.library_key = $1 AND g.access_level = 'admin' AND g.expires_at IS NULL AND u.is_active = $2",
    )
    .bind(key)
    .bind(true)
    .fetch_one(&mut *conn)
    .await?)
}

#[derive(FromRow)]
struct GrantRow {
    library_key: Option<String>,
    org: Option<String>,
    group_name: Option<String>,
    access_level: String,
    expires_at: Option<i64>,
}

fn to_grants(rows: Vec<GrantRow>) -> Vec<LibraryGrant> {
    rows.into_iter()
        .filter_map(|r| {
            let level = AccessLevel::parse(&r.access_level).ok()?;
            let scope = match (r.library_key, r.org) {
                (Some(key), None) => LibraryScope::Library(LibraryKey::parse(&key).ok()?),
                (None, Some(org)) => LibraryScope::Org(registrar::ids::OrgKey::parse(&org).ok()?),
                _ => return None,
            };
            let grantee = r.group_name.map_or(Grantee::User, Grantee::Group);
            Some(LibraryGrant { level, scope, grantee, expires_at: r.expires_at })
        })
        .collect()
}

const DIRECT: &str = "SELECT g.library_key, g.org, NULL AS group_name, g.access_level, g.expires_at \
                      FROM library_grants g WHERE g.user_id = $1";
const THROUGH_GROUPS: &str = "SELECT g.library_key, g.org, ug.name AS group_name, g.access_level, g.expires_at \
     FROM group_members m JOIN library_grants g ON g.group_id = m.group_id JOIN user_groups ug ON ug.id = g.group_id \
     WHERE m.user_id = $1";

/// The grants that apply to a user on one library: on the library itself or on its org, given to
/// them or to a group they are in; ended ones included (callers decide with the clock). Four
/// index lookups, however many grants the user holds elsewhere.
pub async fn grants_on<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    user_id: &str,
    library: &LibraryKey,
) -> Result<Vec<LibraryGrant>, super::DbError> {
    let sql = format!(
        "{DIRECT} AND g.library_key = $2 UNION ALL {DIRECT} AND g.org = $3 \
         UNION ALL {THROUGH_GROUPS} AND g.library_key = $2 UNION ALL {THROUGH_GROUPS} AND g.org = $3"
    );
    let rows = sqlx::query_as(AssertSqlSafe(sql))
        .bind(user_id)
        .bind(library.to_string())
        .bind(library.org().as_str())
        .fetch_all(ex)
        .await?;
    Ok(to_grants(rows))
}

/// Every library grant that applies to a user anywhere (for the library list).
pub async fn all_grants_of<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    user_id: &str,
) -> Result<Vec<LibraryGrant>, super::DbError> {
    let rows = sqlx::query_as(AssertSqlSafe(format!("{DIRECT} UNION ALL {THROUGH_GROUPS}")))
        .bind(user_id)
        .fetch_all(ex)
        .await?;
    Ok(to_grants(rows))
}

/// A row of a library's team (or an org-wide grant): a user or a group with its level.
#[derive(Debug, Clone, FromRow)]
pub struct TeamRow {
    pub username: Option<String>,
    pub full_name: Option<String>,
    pub email: Option<String>,
    pub group_id: Option<String>,
    pub group_name: Option<String>,
    pub access_level: String,
    pub created_at: i64,
    pub granted_by: Option<String>,
    pub expires_at: Option<i64>,
    pub target: String,
    /// How many members the group has (groups only).
    pub group_members: Option<i64>,
}

const TEAM_SELECT: &str = "SELECT u.username, u.full_name, u.email, ug.id AS group_id, ug.name AS group_name, \
     g.access_level, g.created_at, b.username AS granted_by, g.expires_at, COALESCE(g.library_key, g.org) AS target, \
     CASE WHEN g.group_id IS NULL THEN NULL ELSE (SELECT COUNT(*) FROM group_members gm WHERE gm.group_id = g.group_id) END \
     AS group_members FROM library_grants g LEFT JOIN users u ON u.id = g.user_id LEFT JOIN user_groups ug ON ug.id = g.group_id \
     LEFT JOIN users b ON b.id = g.granted_by";

const TEAM_ORDER: &str = "ORDER BY CASE g.access_level WHEN 'admin' THEN 0 WHEN 'author' THEN 1 ELSE 2 END, \
     COALESCE(u.username_key, ug.name_key)";

/// A library's own grants: Admins first, then Authors, then readers; users and groups by name.
pub async fn team(db: &Db, key: &str) -> Result<Vec<TeamRow>, super::DbError> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "{TEAM_SELECT} WHERE g.library_key = $1 AND (g.expires_at IS NULL OR g.expires_at > $2) {TEAM_ORDER}"
    )))
    .bind(key)
    .bind(now_ms())
    .fetch_all(&db.pool)
    .await?)
}

/// Org-wide library grants that have not ended, for one org or (the console) every org.
pub async fn org_grants(db: &Db, org: Option<&str>) -> Result<Vec<TeamRow>, super::DbError> {
    let live = "(g.expires_at IS NULL OR g.expires_at > $1)";
    match org {
        Some(org) => Ok(sqlx::query_as(AssertSqlSafe(format!(
            "{TEAM_SELECT} WHERE g.org = $2 AND {live} {TEAM_ORDER}"
        )))
        .bind(now_ms())
        .bind(org)
        .fetch_all(&db.pool)
        .await?),
        None => Ok(sqlx::query_as(AssertSqlSafe(format!(
            "{TEAM_SELECT} WHERE g.org IS NOT NULL AND {live} ORDER BY g.org, g.access_level LIMIT 1000"
        )))
        .bind(now_ms())
        .fetch_all(&db.pool)
        .await?),
    }
}

/// The grants given to a group, for its page.
pub async fn for_group(db: &Db, group_id: &str) -> Result<Vec<TeamRow>, super::DbError> {
    Ok(sqlx::query_as(AssertSqlSafe(format!("{TEAM_SELECT} WHERE g.group_id = $1 ORDER BY target")))
        .bind(group_id)
        .fetch_all(&db.pool)
        .await?)
}
