//! Who each audit entry and batch job names, as an index: `person_mentions` holds the case-folded
//! usernames and emails found under the personal-data keys ([`PERSON_KEYS`]) of an entry's JSON or
//! a job's payload and result, written with them. Retirement finds a learner's traces here instead
//! of rereading history; the index is personal data itself, so retirement deletes a learner's
//! mentions with the rest. Rows written before the index existed are indexed once, at start
//! ([`backfill`]). It must not decide what to redact.

use super::{values_placeholders, Db, Dialect};
use serde_json::Value;
use sqlx::{AnyConnection, AssertSqlSafe};

/// Keys under which JSON documents (audit entries, job payloads, reports) name a person.
pub const PERSON_KEYS: [&str; 10] = [
    "admin",
    "username",
    "email",
    "full_name",
    "identifier",
    "identifiers",
    "holder",
    "member",
    "user",
    "actor_label",
];

/// Where a mention was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Audit,
    Job,
}

impl Source {
    const fn as_str(self) -> &'static str {
        match self {
            Self::Audit => "audit",
            Self::Job => "job",
        }
    }
}

/// The names (case-folded, deduplicated) under [`PERSON_KEYS`] in these JSON texts.
#[must_use]
pub fn names_in(texts: &[Option<&str>]) -> Vec<String> {
    fn walk(value: &Value, person: bool, out: &mut Vec<String>) {
        match value {
            Value::String(s) if person && !s.trim().is_empty() => out.push(s.trim().to_lowercase()),
            Value::Array(items) => items.iter().for_each(|v| walk(v, person, out)),
            Value::Object(map) => {
                map.iter().for_each(|(k, v)| walk(v, PERSON_KEYS.contains(&k.as_str()), out))
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for text in texts.iter().flatten() {
        if let Ok(value) = serde_json::from_str::<Value>(text) {
            walk(&value, false, &mut out);
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Index that row `row_id` of `source` names each of `names`, inside the caller's transaction.
pub async fn record(
    conn: &mut AnyConnection,
    source: Source,
    row_id: &str,
    names: &[String],
) -> Result<(), super::DbError> {
    let pairs: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), row_id)).collect();
    record_pairs(conn, source, &pairs).await
}

/// Index many `(name, row id)` pairs of `source` in multi-row statements (a page of audit entries
/// at once), inside the caller's transaction.
pub async fn record_pairs(
    conn: &mut AnyConnection,
    source: Source,
    pairs: &[(&str, &str)],
) -> Result<(), super::DbError> {
    let dialect = Dialect::of_connection(conn);
    for chunk in pairs.chunks(super::ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO person_mentions (name_key, source, row_id) VALUES {} ON CONFLICT DO NOTHING",
            values_placeholders(dialect, chunk.len(), 3)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (name, row_id) in chunk {
            q = q.bind(*name).bind(source.as_str()).bind(*row_id);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// The `(name, row id)` pairs of rows `(id, before, after)`: the names each one's JSON holds.
#[must_use]
pub fn pairs_of(rows: &[(i64, Option<String>, Option<String>)]) -> Vec<(String, String)> {
    rows.iter()
        .flat_map(|(id, before, after)| {
            names_in(&[before.as_deref(), after.as_deref()]).into_iter().map(move |n| (n, id.to_string()))
        })
        .collect()
}

/// The rows of `source` that name any of `names` (case-folded).
pub async fn rows_naming(
    conn: &mut AnyConnection,
    source: Source,
    names: &[String],
) -> Result<Vec<String>, super::DbError> {
    let mut rows = Vec::new();
    let dialect = Dialect::of_connection(conn);
    for chunk in names.chunks(super::ROWS_PER_STATEMENT) {
        let marks: Vec<String> = (0..chunk.len())
            .map(|i| if dialect == Dialect::Postgres { format!("${}", i + 2) } else { "?".to_owned() })
            .collect();
        let first = if dialect == Dialect::Postgres { "$1" } else { "?" };
        let sql = format!(
            "SELECT DISTINCT row_id FROM person_mentions WHERE source = {first} AND name_key IN ({})",
            marks.join(", ")
        );
        let mut q = sqlx::query_scalar::<_, String>(AssertSqlSafe(sql)).bind(source.as_str());
        for name in chunk {
            q = q.bind(name);
        }
        rows.extend(q.fetch_all(&mut *conn).await?);
    }
    rows.sort_unstable();
    rows.dedup();
    Ok(rows)
}

/// Forget the mentions of `names` in rows that were redacted: every audit entry, and every
/// finished job (a job still queued or running keeps its mentions, so that it is found and
/// redacted once it finishes).
pub async fn forget_redacted(conn: &mut AnyConnection, names: &[String]) -> Result<(), super::DbError> {
    let dialect = Dialect::of_connection(conn);
    for chunk in names.chunks(super::ROWS_PER_STATEMENT) {
        let marks: Vec<String> = (0..chunk.len())
            .map(|i| if dialect == Dialect::Postgres { format!("${}", i + 1) } else { "?".to_owned() })
            .collect();
        let sql = format!(
            "DELETE FROM person_mentions WHERE name_key IN ({}) AND NOT (source = 'job' AND row_id IN \
             (SELECT id FROM jobs WHERE state NOT IN ('succeeded', 'failed')))",
            marks.join(", ")
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for name in chunk {
            q = q.bind(name);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Forget that these audit rows name these names (`(name, row id)` pairs): names redacted from
/// the rows of a learner that are not their current names (a full name they had before).
pub async fn forget_pairs(
    conn: &mut AnyConnection,
    pairs: &[(String, String)],
) -> Result<(), super::DbError> {
    for (name, row_id) in pairs {
        sqlx::query("DELETE FROM person_mentions WHERE name_key = $1 AND source = 'audit' AND row_id = $2")
            .bind(name)
            .bind(row_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Index the audit entries and jobs written before the index existed, once: each table is read in
/// pages after a checkpoint kept in `person_mentions_progress`, so an interrupted start resumes.
pub async fn backfill(db: &Db) -> Result<(), super::DbError> {
    const PAGE: i64 = 2_000;
    loop {
        let mut tx = db.begin().await?;
        let done: Option<i64> =
            sqlx::query_scalar("SELECT audit_through FROM person_mentions_progress WHERE id = 1")
                .fetch_optional(&mut *tx)
                .await?;
        let Some(after) = done else { return Ok(()) };
        let rows: Vec<(i64, Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT id, before_json, after_json FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(after)
        .bind(PAGE)
        .fetch_all(&mut *tx)
        .await?;
        let Some(last) = rows.last().map(|r| r.0) else {
            backfill_jobs(&mut tx).await?;
            sqlx::query("DELETE FROM person_mentions_progress WHERE id = 1").execute(&mut *tx).await?;
            tx.commit().await?;
            return Ok(());
        };
        let pairs = pairs_of(&rows);
        let refs: Vec<(&str, &str)> = pairs.iter().map(|(n, id)| (n.as_str(), id.as_str())).collect();
        record_pairs(&mut tx, Source::Audit, &refs).await?;
        sqlx::query("UPDATE person_mentions_progress SET audit_through = $1 WHERE id = 1")
            .bind(last)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    }
}

/// The jobs part of [`backfill`] (batch jobs are far fewer than audit entries: one pass).
async fn backfill_jobs(conn: &mut AnyConnection) -> Result<(), super::DbError> {
    let jobs: Vec<(String, String, Option<String>)> =
        sqlx::query_as("SELECT id, payload, result FROM jobs").fetch_all(&mut *conn).await?;
    for (id, payload, result) in &jobs {
        let names = names_in(&[Some(payload.as_str()), result.as_deref()]);
        record(conn, Source::Job, id, &names).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_found_under_person_keys_only_case_folded() {
        let after = r#"{"member":"Ann","role":"staff","identifiers":["Bob@X.org","carl"],"rows":[{"identifier":"Dee"}]}"#;
        let before = r#"{"admin":"EVE","note":"not a name: frank"}"#;
        assert_eq!(
            names_in(&[Some(after), Some(before), None, Some("not json")]),
            ["ann", "bob@x.org", "carl", "dee", "eve"]
        );
    }
}
