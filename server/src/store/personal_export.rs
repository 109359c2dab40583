//! "Download my data": every row that names the account, by table, as one JSON document. The
//! sections are the personal-data registry's (`registry::PERSONAL`); what was addressed to the
//! account's email before it proved the address is left out. Read-only: it must not change or
//! retire anything (`personal_data` does).

use super::Flag;
use serde_json::{json, Value};
use sqlx::AnyConnection;

fn rows_json(rows: Vec<sqlx::any::AnyRow>) -> Value {
    use sqlx::{Column, Row, ValueRef};
    Value::Array(
        rows.into_iter()
            .map(|row| {
                let mut object = serde_json::Map::new();
                for (i, column) in row.columns().iter().enumerate() {
                    let raw_null = row.try_get_raw(i).map(|v| v.is_null()).unwrap_or(true);
                    let value = if raw_null {
                        Value::Null
                    } else if let Ok(v) = row.try_get::<i64, _>(i) {
                        json!(v)
                    } else if let Ok(v) = row.try_get::<String, _>(i) {
                        json!(v)
                    } else if let Ok(Flag(v)) = row.try_get::<Flag, _>(i) {
                        json!(v)
                    } else {
                        Value::Null
                    };
                    object.insert(column.name().to_owned(), value);
                }
                Value::Object(object)
            })
            .collect(),
    )
}

/// "Download my data": every row that names the user, by table.
pub async fn export(conn: &mut AnyConnection, user_id: &str) -> Result<Value, super::DbError> {
    // What was addressed to the email before the account existed is theirs only once they proved
    // the address: until then the export shows nothing found by address (a squatter would read
    // the invitations meant for the address's owner).
    let email_key: Option<(String,)> =
        sqlx::query_as("SELECT email_key FROM users WHERE id = $1 AND email_verified_at IS NOT NULL")
            .bind(user_id)
            .fetch_optional(&mut *conn)
            .await?;
    let email_key = email_key.map(|(e,)| e).unwrap_or_default();
    let queries: [(&str, &str, &str); 26] = [
        (
            "past_emails",
            "SELECT email, changed_at FROM user_past_emails WHERE user_id = $1 ORDER BY changed_at",
            user_id,
        ),
        (
            "account",
            "SELECT username, email, full_name, state, is_active, is_staff, is_superuser, date_joined, last_login \
             FROM users WHERE id = $1",
            user_id,
        ),
        ("enrollments", "SELECT course_key, mode, is_active, created_at FROM enrollments WHERE user_id = $1", user_id),
        (
            "roles",
            "SELECT scope, org, course_key, role, created_at, expires_at FROM role_assignments WHERE user_id = $1",
            user_id,
        ),
        (
            "groups",
            "SELECT g.name, m.created_at FROM group_members m JOIN user_groups g ON g.id = m.group_id \
             WHERE m.user_id = $1",
            user_id,
        ),
        (
            "library_access",
            "SELECT library_key, org, access_level, created_at, expires_at FROM library_grants WHERE user_id = $1",
            user_id,
        ),
        ("libraries_created", "SELECT key, title, created_at FROM libraries WHERE created_by = $1", user_id),
        (
            "enrollment_invitations",
            "SELECT email, course_key, auto_enroll, created_at FROM enrollment_invitations WHERE email_key = $1",
            &email_key,
        ),
        (
            "team_invitations",
            "SELECT email, course_key, role, created_at, expires_at FROM team_invitations WHERE email_key = $1",
            &email_key,
        ),
        (
            "sessions",
            "SELECT created_at, last_seen_at, expires_at, ip, user_agent FROM sessions WHERE user_id = $1",
            user_id,
        ),
        (
            "second_factor",
            "SELECT f.created_at, f.confirmed_at, (SELECT COUNT(*) FROM recovery_codes r WHERE r.user_id = f.user_id \
             AND r.used_at IS NULL) AS recovery_codes_left FROM second_factors f WHERE f.user_id = $1",
            user_id,
        ),
        (
            "sign_ins",
            "SELECT at, ip, user_agent, method, success FROM sign_ins WHERE user_id = $1 ORDER BY at DESC",
            user_id,
        ),
        (
            "api_tokens",
            "SELECT name, created_at, expires_at, last_used_at, revoked_at FROM api_tokens WHERE user_id = $1",
            user_id,
        ),
        ("oauth_clients", "SELECT name, client_id, created_at, revoked_at FROM oauth_clients WHERE user_id = $1", user_id),
        (
            "audit_about_you",
            "SELECT at, actor_label, action, scope, before_json, after_json, reason FROM audit_log \
             WHERE target_type IN ('user', 'library_grant') AND target_id = $1 ORDER BY at",
            user_id,
        ),
        (
            "audit_by_you",
            "SELECT at, action, target_type, scope, before_json, after_json, reason FROM audit_log \
             WHERE actor_id = $1 ORDER BY at",
            user_id,
        ),
        (
            "enrollment_history",
            "SELECT at, course_key, email, actor_label, transition, reason FROM enrollment_audit WHERE user_id = $1 \
             ORDER BY at",
            user_id,
        ),
        (
            "mail",
            "SELECT created_at, to_addr, subject, body_text, state, sent_at FROM mail_outbox WHERE user_id = $1 \
             OR (user_id IS NULL AND lower(to_addr) = \
             (SELECT lower(email) FROM users WHERE id = $1 AND email_verified_at IS NOT NULL)) \
             ORDER BY created_at",
            user_id,
        ),
        (
            "retirement",
            "SELECT current_state, created_at, due_at, modified_at FROM retirement_statuses WHERE user_id = $1",
            user_id,
        ),
        (
            "agreements_signed",
            "SELECT v.title, s.version, s.signed_at, s.ip FROM agreement_signatures s JOIN agreement_versions v \
             ON v.agreement_id = s.agreement_id AND v.version = s.version WHERE s.user_id = $1 ORDER BY s.signed_at",
            user_id,
        ),
        (
            "invitations",
            "SELECT email, role, org, course_key, created_at, expires_at, revoked_at, accepted_at FROM user_invitations \
             WHERE user_id = $1 OR email_key = \
             (SELECT email_key FROM users WHERE id = $1 AND email_verified_at IS NOT NULL) ORDER BY created_at",
            user_id,
        ),
        (
            "credentials",
            "SELECT uc.id, uc.status, uc.date_override, uc.created_at, uc.modified_at, cc.course_key, \
             cc.certificate_type, pc.program_id FROM user_credentials uc \
             LEFT JOIN course_certificates cc ON cc.id = uc.course_certificate_id \
             LEFT JOIN program_certificates pc ON pc.id = uc.program_certificate_id WHERE uc.user_id = $1",
            user_id,
        ),
        (
            "credential_attributes",
            "SELECT a.credential_id, a.name, a.value FROM user_credential_attributes a \
             JOIN user_credentials uc ON uc.id = a.credential_id WHERE uc.user_id = $1",
            user_id,
        ),
        (
            "grades",
            "SELECT course_key, letter_grade, percent_e4, verified, source_updated_at, modified_at \
             FROM user_grades WHERE user_id = $1",
            user_id,
        ),
        (
            "record_links",
            "SELECT id, program_id, show_email, created_at, expires_at, revoked_at, views, downloads, \
             last_viewed_at FROM record_shares WHERE user_id = $1",
            user_id,
        ),
        (
            "record_history",
            "SELECT program_id, kind, pathway_id, at FROM record_events WHERE user_id = $1 OR actor_id = $1 \
             ORDER BY at",
            user_id,
        ),
    ];
    let mut out = serde_json::Map::new();
    for (name, sql, arg) in queries {
        let rows = sqlx::query(sql).bind(arg).fetch_all(&mut *conn).await?;
        out.insert(name.to_owned(), rows_json(rows));
    }
    Ok(Value::Object(out))
}
