//! Every table that names a person, in one place: the retirement stages that redact and then delete
//! (or tombstone) a learner's rows ("download my data", which reads the same rows, is
//! `personal_export`).
//!
//! A new table that names a person must be added to both [`retire_stage`] and
//! `personal_export::export`, and to the registry (`registry.rs`, whose test fails otherwise). Stages are set-based over a batch of learners and idempotent: running one twice
//! finds nothing left the second time. Each runs inside the caller's transaction.

use super::mentions::{self, Source, PERSON_KEYS};
use super::{list_placeholders, now_ms, Dialect};
use registrar::retirement::{redact, Needle};
use serde_json::Value;
use sqlx::{AnyConnection, AssertSqlSafe, FromRow};
use std::collections::HashMap;

/// The label that replaces a retired learner's name where they acted (audit trails).
pub const RETIRED_ACTOR_LABEL: &str = "retired user";
/// What personal text is overwritten with before its row is deleted.
pub const REDACTED: &str = "redacted";

/// One learner being retired: who they were and who they become.
#[derive(Debug, Clone)]
pub struct Subject {
    pub user_id: String,
    pub username: String,
    pub email: String,
    pub full_name: String,
    pub retired_username: String,
    pub retired_email: String,
    /// Addresses the account had before (loaded by the stages themselves).
    pub past_emails: Vec<String>,
}

impl Subject {
    /// Every address: the current one first, then the ones it had.
    fn emails(&self) -> impl Iterator<Item = &String> {
        std::iter::once(&self.email).chain(&self.past_emails)
    }

    /// What to look for in free text, and what replaces it.
    fn needles(&self) -> Vec<Needle> {
        let mut needles: Vec<Needle> =
            self.emails().map(|e| (e.clone(), self.retired_email.clone())).collect();
        needles.push((self.username.clone(), self.retired_username.clone()));
        if self.full_name.trim().len() >= 3 {
            needles.push((self.full_name.trim().to_owned(), REDACTED.to_owned()));
        }
        needles
    }
}

fn ids(subjects: &[Subject]) -> Vec<String> {
    subjects.iter().map(|s| s.user_id.clone()).collect()
}

fn email_keys(subjects: &[Subject]) -> Vec<String> {
    subjects.iter().flat_map(Subject::emails).map(|e| e.to_lowercase()).collect()
}

/// The subjects with the addresses each account had before.
async fn with_past_emails(
    conn: &mut AnyConnection,
    subjects: &[Subject],
) -> Result<Vec<Subject>, super::DbError> {
    let past: Vec<(String, String)> =
        select_in(conn, "SELECT user_id, email FROM user_past_emails WHERE user_id IN ({})", &ids(subjects))
            .await?;
    Ok(subjects
        .iter()
        .map(|s| {
            let mut s = s.clone();
            s.past_emails.extend(past.iter().filter(|(id, _)| *id == s.user_id).map(|(_, e)| e.clone()));
            s
        })
        .collect())
}

/// `sql` with `{}` replaced by an `IN` list of `values` (numbered from `first`), run with `pre`
/// bound first.
async fn exec_in(
    conn: &mut AnyConnection,
    sql: &str,
    pre: &[&str],
    values: &[String],
) -> Result<u64, super::DbError> {
    let mut total = 0;
    for chunk in values.chunks(super::ROWS_PER_STATEMENT) {
        let sql = sql.replace("{}", &list_placeholders(pre.len() + 1, chunk.len()));
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for p in pre {
            q = q.bind(*p);
        }
        for v in chunk {
            q = q.bind(v);
        }
        total += q.execute(&mut *conn).await?.rows_affected();
    }
    Ok(total)
}

async fn select_in<T>(
    conn: &mut AnyConnection,
    sql: &str,
    values: &[String],
) -> Result<Vec<T>, super::DbError>
where
    T: for<'r> FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    let mut out = Vec::new();
    for chunk in values.chunks(super::ROWS_PER_STATEMENT) {
        let sql = sql.replace("{}", &list_placeholders(1, chunk.len()));
        let mut q = sqlx::query_as::<_, T>(AssertSqlSafe(sql));
        for v in chunk {
            q = q.bind(v);
        }
        out.extend(q.fetch_all(&mut *conn).await?);
    }
    Ok(out)
}

/// Run one of Registrar's own stages for a batch. Unknown stages (an external driver's) do nothing
/// here and return `false`.
pub async fn retire_stage(
    conn: &mut AnyConnection,
    stage: &str,
    subjects: &[Subject],
) -> Result<bool, super::DbError> {
    if subjects.is_empty() {
        return Ok(true);
    }
    let subjects = &with_past_emails(conn, subjects).await?;
    match stage {
        "LOCKING_ACCOUNT" => lock_accounts(conn, subjects).await?,
        "RETIRING_FORUMS" => retire_forums(conn, subjects).await?,
        "RETIRING_ENROLLMENTS" => retire_enrollments(conn, subjects).await?,
        "RETIRING_LMS_MISC" => retire_misc(conn, subjects).await?,
        "RETIRING_LMS" => {
            // Locking again costs nothing and covers external drivers that skip LOCKING_ACCOUNT.
            lock_accounts(conn, subjects).await?;
            retire_user_rows(conn, subjects).await?;
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// Sign-in ends for good: inactive, no password, no sessions, tokens or OAuth clients, no
/// sign-in throttle rows keyed by their names.
async fn lock_accounts(conn: &mut AnyConnection, subjects: &[Subject]) -> Result<(), super::DbError> {
    let ids = ids(subjects);
    let inactive = if Dialect::of_connection(conn) == Dialect::Postgres { "FALSE" } else { "0" };
    exec_in(
        conn,
        &format!("UPDATE users SET is_active = {inactive}, password_hash = NULL WHERE id IN ({{}})"),
        &[],
        &ids,
    )
    .await?;
    exec_in(conn, "DELETE FROM sessions WHERE user_id IN ({})", &[], &ids).await?;
    exec_in(conn, "DELETE FROM sign_ins WHERE user_id IN ({})", &[], &ids).await?;
    exec_in(conn, "DELETE FROM recovery_codes WHERE user_id IN ({})", &[], &ids).await?;
    exec_in(conn, "DELETE FROM second_factors WHERE user_id IN ({})", &[], &ids).await?;
    exec_in(conn, "UPDATE api_tokens SET name = $1 WHERE user_id IN ({})", &[REDACTED], &ids).await?;
    exec_in(conn, "DELETE FROM api_tokens WHERE user_id IN ({})", &[], &ids).await?;
    exec_in(conn, "UPDATE oauth_clients SET name = $1 WHERE user_id IN ({})", &[REDACTED], &ids).await?;
    exec_in(conn, "DELETE FROM oauth_clients WHERE user_id IN ({})", &[], &ids).await?;
    // Every name a failed sign-in could have been typed as: the id, the username, and every
    // address the account had (a sign-in typed with an old address is keyed by it).
    let keys: Vec<String> = subjects
        .iter()
        .flat_map(|s| {
            [s.user_id.clone(), s.username.to_lowercase()]
                .into_iter()
                .chain(s.emails().map(|e| e.to_lowercase()))
                .map(|k| format!("account:{k}"))
        })
        .collect();
    exec_in(conn, "DELETE FROM login_throttle WHERE key IN ({})", &[], &keys).await?;
    exec_in(conn, "DELETE FROM login_throttle WHERE subject IN ({})", &[], &keys).await?;
    Ok(())
}

/// Discussion roles.
async fn retire_forums(conn: &mut AnyConnection, subjects: &[Subject]) -> Result<(), super::DbError> {
    let roles: Vec<String> =
        registrar::discussion::DISCUSSION_ROLES.iter().map(|r| format!("'{}'", r.as_str())).collect();
    let sql =
        format!("DELETE FROM role_assignments WHERE role IN ({}) AND user_id IN ({{}})", roles.join(", "));
    exec_in(conn, &sql, &[], &ids(subjects)).await?;
    Ok(())
}

/// Enrollments, enrollment invitations and Studio team invitations (redacted, then deleted).
async fn retire_enrollments(conn: &mut AnyConnection, subjects: &[Subject]) -> Result<(), super::DbError> {
    let ids = ids(subjects);
    let keys = email_keys(subjects);
    let inactive = if Dialect::of_connection(conn) == Dialect::Postgres { "FALSE" } else { "0" };
    exec_in(
        conn,
        &format!("UPDATE enrollments SET is_active = {inactive} WHERE user_id IN ({{}})"),
        &[],
        &ids,
    )
    .await?;
    exec_in(conn, "DELETE FROM enrollments WHERE user_id IN ({})", &[], &ids).await?;
    exec_in(conn, "UPDATE enrollment_invitations SET email = $1 WHERE user_id IN ({})", &[REDACTED], &ids)
        .await?;
    exec_in(conn, "UPDATE enrollment_invitations SET email = $1 WHERE email_key IN ({})", &[REDACTED], &keys)
        .await?;
    exec_in(conn, "DELETE FROM enrollment_invitations WHERE user_id IN ({})", &[], &ids).await?;
    exec_in(conn, "DELETE FROM enrollment_invitations WHERE email_key IN ({})", &[], &keys).await?;
    exec_in(conn, "UPDATE team_invitations SET email = $1 WHERE email_key IN ({})", &[REDACTED], &keys)
        .await?;
    exec_in(conn, "DELETE FROM team_invitations WHERE email_key IN ({})", &[], &keys).await?;
    Ok(())
}

#[derive(FromRow)]
struct TextRow {
    id: String,
    a: Option<String>,
    b: Option<String>,
    c: Option<String>,
}

/// The batch's names, lower-cased, with what replaces each.
fn name_map(subjects: &[Subject]) -> HashMap<String, String> {
    subjects
        .iter()
        .flat_map(|s| {
            let emails = s.emails().map(|e| (e.to_lowercase(), s.retired_email.clone()));
            [
                (s.username.to_lowercase(), s.retired_username.clone()),
                (s.full_name.trim().to_lowercase(), REDACTED.to_owned()),
            ]
            .into_iter()
            .chain(emails)
            .collect::<Vec<_>>()
        })
        .collect()
}

/// The `full_name` values (case-folded) in these JSON texts.
fn full_names_in(texts: &[Option<&str>]) -> Vec<String> {
    fn walk(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            Value::Object(map) => map.iter().for_each(|(k, v)| match v {
                Value::String(s) if k == "full_name" => out.push(s.trim().to_lowercase()),
                other => walk(other, out),
            }),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for text in texts.iter().flatten() {
        if let Ok(value) = serde_json::from_str::<Value>(text) {
            walk(&value, &mut out);
        }
    }
    out
}

/// Replace the JSON string values under [`PERSON_KEYS`] that are exactly (in any case) one of the
/// names. Keys, other values and other people's names are left as they are. In the learner's own
/// rows (`own`: about them or by them) every `full_name` goes too, whatever it says: a name they
/// had before is theirs as well. `None`: no change.
fn redact_json(text: &str, names: &HashMap<String, String>, own: bool) -> Option<String> {
    fn walk(
        value: &mut Value,
        names: &HashMap<String, String>,
        person: bool,
        any_name: bool,
        own: bool,
    ) -> bool {
        match value {
            Value::String(s) if any_name && s != REDACTED => {
                REDACTED.clone_into(s);
                true
            }
            Value::String(s) if person => match names.get(&s.to_lowercase()) {
                Some(replacement) => {
                    replacement.clone_into(s);
                    true
                }
                None => false,
            },
            Value::Array(items) => {
                items.iter_mut().fold(false, |changed, v| walk(v, names, person, any_name, own) | changed)
            }
            Value::Object(map) => map.iter_mut().fold(false, |changed, (k, v)| {
                let key = k.as_str();
                walk(v, names, PERSON_KEYS.contains(&key), own && key == "full_name", own) | changed
            }),
            _ => false,
        }
    }
    let mut value: Value = serde_json::from_str(text).ok()?;
    walk(&mut value, names, false, false, own).then(|| value.to_string())
}

/// Redact rows: `a` and `b` are JSON (person keys only); `c` is free text about the learner, redacted
/// word by word when `text` is given (rows tied to them), left alone otherwise.
async fn redact_rows(
    conn: &mut AnyConnection,
    rows: Vec<TextRow>,
    update_sql: &str,
    names: &HashMap<String, String>,
    text: Option<&[Needle]>,
) -> Result<(), super::DbError> {
    for row in rows {
        let a = row.a.as_deref().and_then(|t| redact_json(t, names, text.is_some()));
        let b = row.b.as_deref().and_then(|t| redact_json(t, names, text.is_some()));
        let c = text.and_then(|needles| row.c.as_deref().and_then(|t| redact(t, needles)));
        if a.is_none() && b.is_none() && c.is_none() {
            continue;
        }
        sqlx::query(AssertSqlSafe(update_sql.to_owned()))
            .bind(a.or(row.a))
            .bind(b.or(row.b))
            .bind(c.or(row.c))
            .bind(&row.id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The audit entries about or by these learners, and those that name people inside other targets
/// (invitations, groups, issued tokens, ended grants).
async fn redact_audit(conn: &mut AnyConnection, subjects: &[Subject]) -> Result<(), super::DbError> {
    let ids = ids(subjects);
    let names = name_map(subjects);
    let needles: Vec<Needle> = subjects.iter().flat_map(Subject::needles).collect();
    let update = format!(
        "UPDATE audit_log SET before_json = $1, after_json = $2, reason = $3 WHERE id = CAST($4 AS {})",
        int_type(conn)
    );
    let columns = "CAST(id AS TEXT) AS id, before_json AS a, after_json AS b, reason AS c";
    let about: Vec<TextRow> = select_in(
        conn,
        &format!("SELECT {columns} FROM audit_log WHERE target_type IN ('user', 'library_grant') AND target_id IN ({{}})"),
        &ids,
    )
    .await?;
    let by: Vec<TextRow> =
        select_in(conn, &format!("SELECT {columns} FROM audit_log WHERE actor_id IN ({{}})"), &ids).await?;
    // Full names these rows hold (names the learner had before among them) leave the index with
    // the rows' redaction.
    let old_names: Vec<(String, String)> = about
        .iter()
        .chain(&by)
        .flat_map(|r| full_names_in(&[r.a.as_deref(), r.b.as_deref()]).into_iter().map(|n| (n, r.id.clone())))
        .collect();
    redact_rows(conn, about, &update, &names, Some(&needles)).await?;
    redact_rows(conn, by, &update, &names, Some(&needles)).await?;
    mentions::forget_pairs(conn, &old_names).await?;
    // Entries about others that name them (invitations, groups, tokens, grants): found through the
    // mentions index, never by rereading the log.
    let named: Vec<String> = names.keys().cloned().collect();
    let others: Vec<TextRow> = select_in(
        conn,
        &format!(
            "SELECT {columns} FROM audit_log WHERE id IN (SELECT CAST(row_id AS {}) FROM person_mentions \
             WHERE source = 'audit' AND name_key IN ({{}}))",
            int_type(conn)
        ),
        &named,
    )
    .await?;
    redact_rows(conn, others, &update, &names, None).await
}

/// Every other trace: roles and grants, group memberships, the enrollment audit, mail, the audit
/// log's mentions, batch jobs that listed them.
async fn retire_misc(conn: &mut AnyConnection, subjects: &[Subject]) -> Result<(), super::DbError> {
    let ids = ids(subjects);
    exec_in(conn, "DELETE FROM role_assignments WHERE user_id IN ({})", &[], &ids).await?;
    exec_in(conn, "DELETE FROM group_members WHERE user_id IN ({})", &[], &ids).await?;
    exec_in(conn, "DELETE FROM library_grants WHERE user_id IN ({})", &[], &ids).await?;

    // Activation: signatures (with the address they were signed from) and invitations to the
    // learner's address go; the agreements themselves are the platform's.
    exec_in(conn, "DELETE FROM agreement_signatures WHERE user_id IN ({})", &[], &ids).await?;
    exec_in(conn, "DELETE FROM user_invitations WHERE user_id IN ({})", &[], &ids).await?;
    let keys = email_keys(subjects);
    exec_in(conn, "DELETE FROM user_invitations WHERE email_key IN ({})", &[], &keys).await?;

    // Credentials and learner records are the learner's own: deleted, links first (they stop
    // opening), history included; a record sent on someone's behalf forgets who sent it.
    exec_in(conn, "DELETE FROM record_events WHERE user_id IN ({})", &[], &ids).await?;
    exec_in(conn, "UPDATE record_events SET actor_id = NULL WHERE actor_id IN ({})", &[], &ids).await?;
    exec_in(conn, "DELETE FROM record_shares WHERE user_id IN ({})", &[], &ids).await?;
    exec_in(
        conn,
        "DELETE FROM user_credential_attributes WHERE credential_id IN \
         (SELECT id FROM user_credentials WHERE user_id IN ({}))",
        &[],
        &ids,
    )
    .await?;
    exec_in(conn, "DELETE FROM user_credentials WHERE user_id IN ({})", &[], &ids).await?;
    exec_in(conn, "DELETE FROM user_grades WHERE user_id IN ({})", &[], &ids).await?;

    // The enrollment audit stays (it is the course's record) with the learner's address redacted.
    // Addresses match case-folded everywhere: `Ann@X.org` typed by staff is `ann@x.org`'s.
    let emails: Vec<String> = email_keys(subjects);
    exec_in(
        conn,
        "UPDATE enrollment_audit SET email = $1, reason = NULL WHERE user_id IN ({})",
        &[REDACTED],
        &ids,
    )
    .await?;
    exec_in(
        conn,
        "UPDATE enrollment_audit SET email = $1, reason = NULL WHERE lower(email) IN ({})",
        &[REDACTED],
        &emails,
    )
    .await?;
    exec_in(
        conn,
        "UPDATE enrollment_audit SET actor_label = $1 WHERE actor_id IN ({})",
        &[RETIRED_ACTOR_LABEL],
        &ids,
    )
    .await?;

    // Mail to or about them: redacted, then deleted.
    let mut mail_ids: Vec<(String,)> =
        select_in(conn, "SELECT id FROM mail_outbox WHERE user_id IN ({})", &ids).await?;
    mail_ids.extend(
        select_in::<(String,)>(conn, "SELECT id FROM mail_outbox WHERE lower(to_addr) IN ({})", &emails)
            .await?,
    );
    let mail_ids: Vec<String> = mail_ids.into_iter().map(|(id,)| id).collect();
    exec_in(
        conn,
        "UPDATE mail_outbox SET to_addr = $1, subject = $1, body_text = $1, body_html = NULL, last_error = NULL, reply_to = NULL \
         WHERE id IN ({})",
        &[REDACTED],
        &mail_ids,
    )
    .await?;
    exec_in(conn, "DELETE FROM mail_outbox WHERE id IN ({})", &[], &mail_ids).await?;

    // The audit log is append-only except for this: where they acted, and what names them.
    exec_in(
        conn,
        "UPDATE audit_log SET actor_label = $1 WHERE actor_id IN ({})",
        &[RETIRED_ACTOR_LABEL],
        &ids,
    )
    .await?;
    redact_audit(conn, subjects).await?;

    let names = name_map(subjects);
    redact_finished_jobs(conn, &names).await?;
    // Redacted: the index must not name them any more either.
    let named: Vec<String> = names.keys().cloned().collect();
    mentions::forget_redacted(conn, &named).await?;
    Ok(())
}

/// Batch jobs list identifiers in their payload and report. Only finished jobs: a running one still
/// writes its own report (finished by the learner's cleanup, it is redacted then).
async fn redact_finished_jobs(
    conn: &mut AnyConnection,
    names: &HashMap<String, String>,
) -> Result<(), super::DbError> {
    let named: Vec<String> = names.keys().cloned().collect();
    let mentioned = mentions::rows_naming(conn, Source::Job, &named).await?;
    let jobs: Vec<TextRow> = select_in(
        conn,
        "SELECT id, payload AS a, result AS b, error AS c FROM jobs WHERE state IN ('succeeded', 'failed') \
         AND id IN ({})",
        &mentioned,
    )
    .await?;
    redact_rows(
        conn,
        jobs,
        "UPDATE jobs SET payload = $1, result = $2, error = $3 WHERE id = $4",
        names,
        None,
    )
    .await
}

fn int_type(conn: &AnyConnection) -> &'static str {
    if Dialect::of_connection(conn) == Dialect::Postgres {
        "BIGINT"
    } else {
        "INTEGER"
    }
}

/// The user row becomes a tombstone: retired names, no name, no password, no flags.
async fn retire_user_rows(conn: &mut AnyConnection, subjects: &[Subject]) -> Result<(), super::DbError> {
    // The addresses it had were needed by the stages before; the tombstone keeps none.
    exec_in(conn, "DELETE FROM user_past_emails WHERE user_id IN ({})", &[], &ids(subjects)).await?;
    let now = now_ms();
    let dialect = Dialect::of_connection(conn);
    let no = if dialect == Dialect::Postgres { "FALSE" } else { "0" };
    // One statement per 500 learners: each row's retired names joined in from a VALUES list.
    for chunk in subjects.chunks(super::ROWS_PER_STATEMENT) {
        let sql = format!(
            "UPDATE users SET username = v.column2, username_key = v.column3, email = v.column4, \
             email_key = v.column5, full_name = '', password_hash = NULL, is_active = {no}, is_staff = {no}, \
             is_superuser = {no}, last_login = NULL, retired_at = COALESCE(users.retired_at, {now}) \
             FROM (VALUES {}) AS v WHERE users.id = v.column1",
            super::values_placeholders(dialect, chunk.len(), 5)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for s in chunk {
            q = q
                .bind(&s.user_id)
                .bind(&s.retired_username)
                .bind(s.retired_username.to_lowercase())
                .bind(&s.retired_email)
                .bind(s.retired_email.to_lowercase());
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// The retirements' own records after cleanup, for a batch of `(status id, learner)`: originals and
/// event texts redacted, and what was written about the learners since their data was retired (an
/// admin's resume reason, a job that was still running). One pass over jobs for the whole batch.
pub async fn clean_statuses(
    conn: &mut AnyConnection,
    batch: &[(String, Subject)],
) -> Result<(), super::DbError> {
    if batch.is_empty() {
        return Ok(());
    }
    let status_ids: Vec<String> = batch.iter().map(|(id, _)| id.clone()).collect();
    // The write comes first, so SQLite's transaction holds the write lock before it reads.
    let now = now_ms().to_string();
    exec_in(
        conn,
        "UPDATE retirement_statuses SET original_username = $1, original_email = $1, original_name = $1, \
         last_error = NULL, cleaned_at = CAST($2 AS BIGINT) WHERE id IN ({})",
        &[REDACTED, &now],
        &status_ids,
    )
    .await?;
    let events: Vec<(i64, String, String, String)> = select_in(
        conn,
        "SELECT id, status_id, message, actor_label FROM retirement_events WHERE status_id IN ({})",
        &status_ids,
    )
    .await?;
    let needles: HashMap<&str, Vec<Needle>> =
        batch.iter().map(|(id, s)| (id.as_str(), s.needles())).collect();
    for (id, status_id, message, actor) in events {
        let Some(needles) = needles.get(status_id.as_str()) else { continue };
        let (clean_message, clean_actor) = (redact(&message, needles), redact(&actor, needles));
        if clean_message.is_some() || clean_actor.is_some() {
            sqlx::query("UPDATE retirement_events SET message = $1, actor_label = $2 WHERE id = $3")
                .bind(clean_message.unwrap_or(message))
                .bind(clean_actor.unwrap_or(actor))
                .bind(id)
                .execute(&mut *conn)
                .await?;
        }
    }
    let subjects: Vec<Subject> = batch.iter().map(|(_, s)| s.clone()).collect();
    redact_audit(conn, &subjects).await?;
    let names = name_map(&subjects);
    redact_finished_jobs(conn, &names).await?;
    let slices: Vec<(String, i64, String)> =
        sqlx::query_as("SELECT job_id, seq, rows FROM job_slices").fetch_all(&mut *conn).await?;
    for (job_id, seq, rows) in slices {
        if let Some(clean) = redact_json(&rows, &names, false) {
            sqlx::query("UPDATE job_slices SET rows = $1 WHERE job_id = $2 AND seq = $3")
                .bind(clean)
                .bind(&job_id)
                .bind(seq)
                .execute(&mut *conn)
                .await?;
        }
    }
    // Their rows are redacted now: the index must not name them either (a job still running keeps
    // its mentions until it finishes and is redacted in turn).
    let named: Vec<String> = names.keys().cloned().collect();
    mentions::forget_redacted(conn, &named).await?;
    Ok(())
}

/// The groups a user is a member of, as `(group id, group name)`, inside the caller's transaction
/// (`manage-user` syncing a user's groups).
pub async fn group_memberships(
    conn: &mut AnyConnection,
    user_id: &str,
) -> Result<Vec<(String, String)>, super::DbError> {
    Ok(sqlx::query_as(
        "SELECT g.id, g.name FROM group_members m JOIN user_groups g ON g.id = m.group_id WHERE m.user_id = $1",
    )
    .bind(user_id)
    .fetch_all(conn)
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_redaction_touches_only_person_values_that_are_exactly_the_name() {
        let names: HashMap<String, String> =
            [("enroll".to_owned(), "R1".to_owned()), ("ann@x.org".to_owned(), "R2".to_owned())].into();
        let payload = r#"{"action":"enroll","identifiers":["Enroll","bob","ANN@x.org"],"course":"enroll"}"#;
        let out: Value = serde_json::from_str(&redact_json(payload, &names, false).unwrap()).unwrap();
        assert_eq!(out["action"], "enroll", "an enum value that happens to be a username");
        assert_eq!(out["course"], "enroll");
        assert_eq!(out["identifiers"], serde_json::json!(["R1", "bob", "R2"]));
        assert_eq!(redact_json(r#"{"username":"enrolled"}"#, &names, false), None);
        assert_eq!(redact_json("not json", &names, false), None);
        // In the learner's own rows any full name goes, a name they had before included.
        let renamed = redact_json(r#"{"full_name":"Old Name","role":"staff"}"#, &names, true).unwrap();
        assert!(!renamed.contains("Old Name") && renamed.contains("staff"), "{renamed}");
        assert_eq!(
            redact_json(r#"{"full_name":"Old Name"}"#, &names, false),
            None,
            "others' rows keep theirs"
        );
    }
}
