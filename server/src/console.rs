//! The admin console's use cases (the `Console` port): users (search, page, create, edit, flags,
//! password-reset links, sessions), activation (deactivate / reactivate, invitations, agreements and
//! signing), role assignments across scopes, the permissions groups give, the audit log (search and
//! CSV), jobs and mail retries, and bulk actions with a preview. Every change is one transaction with
//! its audit entry. The rules themselves live in `registrar::activation` and `registrar::console`;
//! this module loads facts, asks them, and writes.

use crate::backend::{internal, ServerBackend};
use crate::store::{self, console as cs, new_id, now_ms, sessions, tokens, users};
use app::gate::{ConsoleActor, Public, Signer};
use app::model::console::{
    AgreementView, AuditLine, AuditPage, AuditQuery, BulkLine, BulkOutcome, EnrollmentLine, GrantLine,
    InvitationLine, InvitationRequest, JobLine, MyAgreements, NewAccount, RoleAssignmentLine, SessionLine,
    SignResult, SignatureLine, TokenLine, UserDetail, UserList, UserListRow, UserQuery, BULK_ACTIONS,
    CONSOLE_PAGE_SIZE,
};
use app::model::format_date;
use app::ports::{ClientMeta, Console, Download};
use registrar::account::{validate_full_name, validate_password, Email, Username};
use registrar::activation::{self, AccountState, Agreement, SignOutcome, Signature};
use registrar::console::{refusal, require_superuser, Permission, Section, Verb};
use registrar::ids::UserId;
use registrar::roles::{Grant, Role, Scope};
use registrar::{DomainError, ErrorCode};
use serde_json::json;
use sqlx::AnyConnection;

/// How long a password-reset link lives.
const RESET_LINK_MS: i64 = 3_600_000;

/// Rows a CSV export of the audit log holds at most (a narrower search gets the rest).
const AUDIT_EXPORT_MAX: i64 = 1_000_000;

/// How a new account starts: its state, whether it is a superuser, and the invitation it uses.
pub(crate) struct AccountStart {
    pub state: AccountState,
    pub superuser: bool,
    invitation: Option<cs::InvitationRow>,
}

fn need(actor: &ConsoleActor<'_>, section: Section, verb: Verb) -> Result<(), DomainError> {
    let permission = Permission::new(section, verb);
    if actor.may(permission) {
        Ok(())
    } else {
        Err(refusal(permission))
    }
}

/// Accounts with staff or superuser status are changed by superusers only: otherwise anyone who may
/// change users could take over a more privileged account (change its email, then mail it a
/// password link) or lock it out.
fn check_privileged_target(actor: &ConsoleActor<'_>, user: &users::UserRow) -> Result<(), DomainError> {
    if (user.is_staff.0 || user.is_superuser.0) && !actor.is_superuser() {
        return Err(DomainError::with_message(
            ErrorCode::Forbidden,
            format!(
                "{} has staff or superuser status: only a superuser may change that account.",
                user.username
            ),
        ));
    }
    Ok(())
}

fn user_line(u: &users::UserRow) -> UserListRow {
    UserListRow {
        id: u.id.clone(),
        username: u.username.clone(),
        email: u.email.clone(),
        full_name: u.full_name.clone(),
        state: u.state.clone(),
        is_active: u.is_active.0,
        is_staff: u.is_staff.0,
        is_superuser: u.is_superuser.0,
        date_joined: u.date_joined,
        last_login: u.last_login,
    }
}

fn audit_line(r: cs::AuditRow) -> AuditLine {
    AuditLine {
        id: r.id,
        at: r.at,
        actor: r.actor_label,
        action: r.action,
        target_type: r.target_type,
        target_id: r.target_id,
        scope: r.scope,
        before: r.before_json,
        after: r.after_json,
        reason: r.reason,
    }
}

fn domain_agreements(rows: &[cs::AgreementRow]) -> Vec<Agreement> {
    rows.iter()
        .map(|a| Agreement {
            id: a.id.clone(),
            title: a.title.clone(),
            version: a.version,
            required: a.required.0,
        })
        .collect()
}

fn domain_signatures(rows: &[cs::SignatureRow]) -> Vec<Signature> {
    rows.iter().map(|s| Signature { agreement_id: s.agreement_id.clone(), version: s.version }).collect()
}

fn signature_line(s: &cs::SignatureRow) -> SignatureLine {
    SignatureLine {
        agreement_id: s.agreement_id.clone(),
        title: s.title.clone(),
        version: s.version,
        signed_at: s.signed_at,
        current: s.version == s.current_version,
    }
}

fn invitation_line(i: cs::InvitationRow, now: i64) -> InvitationLine {
    let status = if i.accepted_at.is_some() {
        "accepted"
    } else if i.revoked_at.is_some() {
        "revoked"
    } else if i.expires_at.is_some_and(|end| now >= end) {
        "expired"
    } else {
        "open"
    };
    let role_label =
        i.role.as_deref().map(|r| Role::parse(r).map_or_else(|_| r.to_owned(), |r| r.label().to_owned()));
    let scope = i
        .role
        .as_ref()
        .map(|_| i.course_key.clone().or(i.org.clone()).unwrap_or_else(|| "global".to_owned()));
    InvitationLine {
        id: i.id,
        email: i.email,
        role_label,
        scope,
        created_at: i.created_at,
        expires_at: i.expires_at,
        status: status.to_owned(),
        username: i.username,
    }
}

fn scope_text(scope: &str, org: Option<&str>, course: Option<&str>) -> String {
    match scope {
        "course" => course.unwrap_or_default().to_owned(),
        "org" => org.unwrap_or_default().to_owned(),
        _ => "global".to_owned(),
    }
}

/// The audit entry of a console change, inside its transaction.
async fn audit(
    conn: &mut AnyConnection,
    actor: &ConsoleActor<'_>,
    action: &str,
    target: (&str, &str),
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
    reason: Option<&str>,
) -> Result<(), DomainError> {
    store::audit::append(
        conn,
        &store::audit::Entry {
            actor_id: actor.user_id(),
            actor_label: actor.label(),
            action,
            target_type: target.0,
            target_id: target.1,
            before,
            after,
            reason,
            ..Default::default()
        },
    )
    .await
    .map_err(internal)
}

fn flags_json(u: &users::UserRow) -> serde_json::Value {
    json!({ "state": u.state, "is_active": u.is_active.0, "is_staff": u.is_staff.0, "is_superuser": u.is_superuser.0 })
}

/// A role and scope as typed, checked: the role exists, fits the scope, and the org or course is
/// known.
async fn checked_grant(db: &store::Db, role: &str, scope: &str) -> Result<Grant, DomainError> {
    let role = Role::parse(role)?;
    let scope = Scope::parse_text(scope)?;
    role.check_scope(&scope)?;
    let known: i64 = match &scope {
        Scope::Global => 1,
        Scope::Org(org) => sqlx::query_scalar("SELECT COUNT(*) FROM orgs WHERE key = $1")
            .bind(org.to_string())
            .fetch_one(&db.pool)
            .await
            .map_err(internal)?,
        Scope::Course(course) => sqlx::query_scalar("SELECT COUNT(*) FROM courses WHERE key = $1")
            .bind(course.to_string())
            .fetch_one(&db.pool)
            .await
            .map_err(internal)?,
    };
    if known == 0 {
        return Err(DomainError::with_message(ErrorCode::NotFound, format!("There is no {}.", scope)));
    }
    Ok(Grant { role, scope })
}

impl ServerBackend {
    /// The account named by a username or email, or `NOT_FOUND` naming what was typed.
    async fn account_named(&self, identifier: &str) -> Result<users::UserRow, DomainError> {
        let typed = identifier.trim();
        if typed.is_empty() {
            return Err(DomainError::with_message(ErrorCode::InputInvalid, "Enter a username or email.")
                .on_field("identifier"));
        }
        users::find_by_login(self.db(), typed).await.map_err(internal)?.ok_or_else(|| {
            DomainError::with_message(ErrorCode::UserNotFound, format!("There is no account '{typed}'."))
        })
    }

    /// How an account registering with `email` starts: an open, unexpired invitation sets it up;
    /// otherwise the activation policy decides (the first account may become a superuser). An
    /// account that is set up and has no agreement to sign is active at once.
    pub(crate) async fn account_start(&self, email: &str) -> Result<AccountStart, DomainError> {
        let now = now_ms();
        let invitation = cs::open_invitation(&self.db().pool, email)
            .await
            .map_err(internal)?
            .filter(|i| i.expires_at.is_none_or(|end| now < end));
        let first = if self.policy().activation.first_user_superuser {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM users")
                .fetch_one(&self.db().pool)
                .await
                .map_err(internal)?
                == 0
        } else {
            false
        };
        let (mut state, superuser) =
            activation::initial_state(self.policy().activation, first, invitation.is_some());
        if state == AccountState::Invited {
            let agreements = cs::agreements(&self.db().pool).await.map_err(internal)?;
            let agreements = domain_agreements(&agreements);
            if activation::unsigned_required(&agreements, &[]).is_empty() {
                state = AccountState::Active;
            }
        }
        Ok(AccountStart { state, superuser, invitation })
    }

    /// Inside the registration transaction: use the invitation (and give its role), audit the start.
    pub(crate) async fn settle_new_account(
        &self,
        conn: &mut AnyConnection,
        user_id: &str,
        username: &str,
        start: &AccountStart,
    ) -> Result<(), DomainError> {
        if let Some(invitation) = &start.invitation {
            if cs::accept_invitation(conn, &invitation.id, user_id).await.map_err(internal)? {
                if let Some(role) = &invitation.role {
                    let scope =
                        invitation.course_key.as_deref().or(invitation.org.as_deref()).unwrap_or("global");
                    if let Ok(grant) = Role::parse(role)
                        .and_then(|r| Ok(Grant { role: r, scope: Scope::parse_text(scope)? }))
                    {
                        store::roles::grant(conn, user_id, &grant, None).await.map_err(internal)?;
                    }
                }
            }
        }
        let actor = "system:activation";
        store::audit::append(
            conn,
            &store::audit::Entry {
                actor_label: actor,
                action: "user.start",
                target_type: "user",
                target_id: user_id,
                after: Some(json!({
                    "username": username,
                    "state": start.state.as_str(),
                    "is_superuser": start.superuser,
                    "invitation": start.invitation.as_ref().map(|i| i.id.clone()),
                })),
                ..Default::default()
            },
        )
        .await
        .map_err(internal)
    }

    /// Whether the user must sign a required agreement's current version (for the page header).
    pub(crate) async fn agreements_due(&self, user_id: &str) -> Result<bool, DomainError> {
        cs::has_unsigned_required(self.db(), user_id).await.map_err(internal)
    }

    /// The console sections a user may open, for navigation.
    pub(crate) async fn console_sections_of(
        &self,
        user: &users::UserRow,
    ) -> Result<Vec<String>, DomainError> {
        if !(user.is_staff.0 || user.is_superuser.0) {
            return Ok(Vec::new());
        }
        let held = self.console_permissions(&UserId(user.id.clone())).await?;
        let role = registrar::console::ConsoleRole {
            is_active: user.is_active.0,
            is_staff: user.is_staff.0,
            is_superuser: user.is_superuser.0,
        };
        Ok(registrar::console::visible_sections(role, &held)
            .into_iter()
            .map(|s| s.as_str().to_owned())
            .collect())
    }

    /// The password-reset link's purpose for an account: tied to its current password, so the link
    /// dies once a password is chosen with it.
    fn reset_purpose(user: &users::UserRow) -> String {
        let stamp = crate::auth::secret::digest(user.password_hash.as_deref().unwrap_or("none"));
        format!("password-reset:{}", stamp.get(..16).unwrap_or(&stamp))
    }

    /// The account a reset link names, if the link is ours, current and unused.
    async fn reset_target(&self, token: &str) -> Result<users::UserRow, DomainError> {
        let id = token.split('.').next().unwrap_or_default();
        let user = users::get(self.db(), id).await.map_err(internal)?.ok_or(ErrorCode::LinkInvalid)?;
        self.verify_link(&Self::reset_purpose(&user), token).await?;
        if !user.is_active.0 {
            return Err(DomainError::new(ErrorCode::LinkInvalid));
        }
        Ok(user)
    }

    /// Queue the reset mail for `user` inside the caller's transaction.
    /// `key` is [`Self::link_key`], read before the transaction (SQLite has one writer).
    async fn queue_reset_mail(
        &self,
        conn: &mut AnyConnection,
        key: &[u8],
        user: &users::UserRow,
    ) -> Result<(), DomainError> {
        let until = now_ms() + RESET_LINK_MS;
        let token = Self::sign(key, &Self::reset_purpose(user), &user.id, until)?;
        let link = format!("{}/account/reset-password?token={token}", self.site_url());
        let body = format!(
            "Hello {name},\n\nAn administrator asked Registrar to send you a link to choose a password for the \
             account {username}. It works once, until {until}:\n\n{link}\n\nIf you did not expect this, you \
             can ignore it: your password stays as it is.\n",
            name = user.full_name,
            username = user.username,
            until = format_date(until),
        );
        store::outbox::enqueue(
            &mut *conn,
            &store::outbox::NewMail {
                user_id: Some(&user.id),
                to: &user.email,
                subject: "Choose your Registrar password",
                body_text: &body,
                ..Default::default()
            },
        )
        .await
        .map_err(internal)?;
        Ok(())
    }

    /// The active superusers other than `except`.
    async fn other_superusers(&self, except: &str) -> Result<i64, DomainError> {
        sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE is_superuser AND is_active AND id <> $1")
            .bind(except)
            .fetch_one(&self.db().pool)
            .await
            .map_err(internal)
    }

    /// The checks before deactivating `user`: never oneself, never the last superuser.
    async fn check_deactivation(
        &self,
        actor: &ConsoleActor<'_>,
        user: &users::UserRow,
    ) -> Result<(), DomainError> {
        activation::check_self_change(actor.user_id().unwrap_or_default(), &user.id, true, false)?;
        if user.state == AccountState::Deactivated.as_str() {
            return Err(DomainError::with_message(
                ErrorCode::InputInvalid,
                format!("{} is deactivated already.", user.username),
            ));
        }
        if user.is_superuser.0 && self.other_superusers(&user.id).await? == 0 {
            return Err(DomainError::with_message(
                ErrorCode::SelfChangeRefused,
                format!(
                    "{} is the last active superuser; make someone else a superuser first.",
                    user.username
                ),
            ));
        }
        Ok(())
    }

    /// Deactivate inside the caller's transaction (checked already).
    async fn deactivate_in(
        &self,
        conn: &mut AnyConnection,
        actor: &ConsoleActor<'_>,
        user: &users::UserRow,
        reason: &str,
    ) -> Result<(), DomainError> {
        sqlx::query(
            "UPDATE users SET state = 'deactivated', is_active = $2, is_staff = $2, is_superuser = $2 WHERE id = $1",
        )
        .bind(&user.id)
        .bind(false)
        .execute(&mut *conn)
        .await
        .map_err(internal)?;
        let ended_sessions = sessions::delete_for_user(&mut *conn, &user.id).await.map_err(internal)?;
        let revoked_tokens = tokens::revoke_for_user(&mut *conn, &user.id).await.map_err(internal)?;
        let clients =
            sqlx::query("UPDATE oauth_clients SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL")
                .bind(&user.id)
                .bind(now_ms())
                .execute(&mut *conn)
                .await
                .map_err(internal)?
                .rows_affected();
        let mut dropped = 0;
        for sql in [
            "DELETE FROM role_assignments WHERE user_id = $1",
            "DELETE FROM library_grants WHERE user_id = $1",
            "DELETE FROM group_members WHERE user_id = $1",
        ] {
            dropped +=
                sqlx::query(sql).bind(&user.id).execute(&mut *conn).await.map_err(internal)?.rows_affected();
        }
        audit(
            conn,
            actor,
            "user.deactivate",
            ("user", &user.id),
            Some(flags_json(user)),
            Some(json!({
                "state": "deactivated", "is_active": false, "is_staff": false, "is_superuser": false,
                "sessions_ended": ended_sessions, "tokens_revoked": revoked_tokens, "oauth_clients_revoked": clients,
                "grants_and_memberships_dropped": dropped,
            })),
            Some(reason).filter(|r| !r.trim().is_empty()),
        )
        .await
    }

    /// Set `user` up again inside the caller's transaction; returns the new state.
    async fn reactivate_in(
        &self,
        conn: &mut AnyConnection,
        actor: &ConsoleActor<'_>,
        user: &users::UserRow,
        bypass: bool,
    ) -> Result<AccountState, DomainError> {
        let current = AccountState::parse(&user.state)?;
        if current == AccountState::Active {
            return Err(DomainError::with_message(
                ErrorCode::InputInvalid,
                format!("{} is active already.", user.username),
            ));
        }
        let agreements = cs::agreements(&mut *conn).await.map_err(internal)?;
        let signatures = cs::signatures_of(&mut *conn, &user.id).await.map_err(internal)?;
        let agreements = domain_agreements(&agreements);
        let signatures = domain_signatures(&signatures);
        let unsigned = activation::unsigned_required(&agreements, &signatures);
        // Set up (invited) first; active at once when nothing is left to sign, or when bypassed.
        let next =
            activation::activate(AccountState::Invited, &unsigned, bypass).unwrap_or(AccountState::Invited);
        sqlx::query("UPDATE users SET state = $2, is_active = $3 WHERE id = $1")
            .bind(&user.id)
            .bind(next.as_str())
            .bind(next == AccountState::Active)
            .execute(&mut *conn)
            .await
            .map_err(internal)?;
        let unsigned_titles: Vec<&str> = unsigned.iter().map(|a| a.title.as_str()).collect();
        audit(
            conn,
            actor,
            if bypass { "user.activate_bypassing_agreements" } else { "user.reactivate" },
            ("user", &user.id),
            Some(flags_json(user)),
            Some(json!({ "state": next.as_str(), "unsigned_agreements": unsigned_titles })),
            None,
        )
        .await?;
        Ok(next)
    }

    /// The users named in a bulk action, in the order given, with those not found.
    async fn bulk_targets(
        &self,
        usernames: &[String],
    ) -> Result<Vec<(String, Option<users::UserRow>)>, DomainError> {
        let mut keys: Vec<String> =
            usernames.iter().map(|u| u.trim().to_lowercase()).filter(|u| !u.is_empty()).collect();
        keys.dedup();
        if keys.is_empty() {
            return Err(DomainError::with_message(ErrorCode::InputInvalid, "Tick at least one account."));
        }
        if keys.len() > 1_000 {
            return Err(DomainError::with_message(
                ErrorCode::InputInvalid,
                "A bulk action takes at most 1,000 accounts.",
            ));
        }
        let sql = format!(
            "SELECT {} FROM users WHERE username_key IN ({})",
            users::COLUMNS,
            store::list_placeholders(1, keys.len())
        );
        let mut q = sqlx::query_as::<_, users::UserRow>(sqlx::AssertSqlSafe(sql));
        for k in &keys {
            q = q.bind(k);
        }
        let found = q.fetch_all(&self.db().pool).await.map_err(internal)?;
        Ok(keys
            .into_iter()
            .map(|k| {
                let row = found.iter().find(|u| u.username.to_lowercase() == k).cloned();
                (k, row)
            })
            .collect())
    }

    /// The audit filter a query means; names a bad day or unknown account.
    async fn audit_filter(&self, q: &AuditQuery) -> Result<cs::AuditFilter, DomainError> {
        let text = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let day = |s: &str, field: &'static str| -> Result<Option<i64>, DomainError> {
            match text(s) {
                None => Ok(None),
                Some(d) => registrar::roles::day_start(&d).map(Some).ok_or_else(|| {
                    DomainError::with_message(
                        ErrorCode::InputInvalid,
                        format!("'{d}' is not a date like 2026-11-23."),
                    )
                    .on_field(field)
                }),
            }
        };
        let mut f = cs::AuditFilter {
            action: text(&q.action),
            scope: text(&q.scope),
            from: day(&q.from, "from")?,
            until: day(&q.to, "to")?.map(|d| d + 86_400_000),
            before_id: q.before,
            ..Default::default()
        };
        if let (Some(from), Some(until)) = (f.from, f.until) {
            if from >= until {
                return Err(DomainError::with_message(
                    ErrorCode::InputInvalid,
                    "The first day is after the last.",
                )
                .on_field("from"));
            }
        }
        if let Some(actor) = text(&q.actor) {
            if actor.starts_with("system:") {
                f.actor_label = Some(actor);
            } else {
                let user =
                    users::find_by_login(self.db(), &actor).await.map_err(internal)?.ok_or_else(|| {
                        DomainError::with_message(
                            ErrorCode::UserNotFound,
                            format!("There is no account '{actor}'."),
                        )
                        .on_field("actor")
                    })?;
                f.actor_id = Some(user.id);
            }
        }
        if let Some(target) = text(&q.target) {
            if let Some(user) = users::find_by_login(self.db(), &target).await.map_err(internal)? {
                f.target_type = Some("user".to_owned());
                f.target_id = Some(user.id);
            } else if let Some((kind, id)) = target
                .split_once(':')
                .filter(|(k, _)| !k.contains('-') && !k.is_empty() && *k != "course-v1" && *k != "lib")
            {
                f.target_type = Some(kind.to_owned());
                f.target_id = Some(id.to_owned());
            } else {
                f.target_id = Some(target);
            }
        }
        Ok(f)
    }
}

#[async_trait::async_trait]
impl Console for ServerBackend {
    async fn console_permissions(&self, user_id: &UserId) -> Result<Vec<Permission>, DomainError> {
        let names = cs::permissions_of(self.db(), &user_id.0).await.map_err(internal)?;
        Ok(names.iter().filter_map(|n| Permission::parse(n).ok()).collect())
    }

    async fn search_users(
        &self,
        actor: &ConsoleActor<'_>,
        query: &UserQuery,
    ) -> Result<UserList, DomainError> {
        need(actor, Section::Users, Verb::View)?;
        let filter = cs::user_filter(query.filter.trim()).ok_or_else(|| {
            DomainError::with_message(
                ErrorCode::InputInvalid,
                format!("'{}' is not a users filter.", query.filter.trim()),
            )
            .on_field("filter")
        })?;
        let page = query.page.max(1);
        let per_page = CONSOLE_PAGE_SIZE;
        let offset = i64::from(page - 1) * i64::from(per_page);
        let (rows, total) =
            cs::search_users(self.db(), &query.q, filter, i64::from(per_page), offset, UserList::COUNT_CAP)
                .await
                .map_err(internal)?;
        Ok(UserList {
            rows: rows.iter().map(user_line).collect(),
            total: total.min(UserList::COUNT_CAP),
            capped: total > UserList::COUNT_CAP,
            page,
            per_page,
        })
    }

    async fn user_detail(
        &self,
        actor: &ConsoleActor<'_>,
        identifier: &str,
    ) -> Result<UserDetail, DomainError> {
        need(actor, Section::Users, Verb::View)?;
        let user = self.account_named(identifier).await?;
        let pool = &self.db().pool;
        let id = user.id.as_str();
        let enrollments: Vec<(String, String, String, store::Flag)> = sqlx::query_as(
            "SELECT e.course_key, c.display_name, e.mode, e.is_active FROM enrollments e \
             JOIN courses c ON c.key = e.course_key WHERE e.user_id = $1 ORDER BY e.created_at DESC LIMIT 200",
        )
        .bind(id)
        .fetch_all(pool)
        .await
        .map_err(internal)?;
        let grants: Vec<(String, String, String, Option<String>, Option<String>, Option<i64>)> = sqlx::query_as(
            "SELECT id, role, scope, org, course_key, expires_at FROM role_assignments WHERE user_id = $1 \
             ORDER BY scope, org, course_key, role",
        )
        .bind(id)
        .fetch_all(pool)
        .await
        .map_err(internal)?;
        let groups: Vec<String> = sqlx::query_scalar(
            "SELECT g.name FROM group_members m JOIN user_groups g ON g.id = m.group_id WHERE m.user_id = $1 ORDER BY g.name_key",
        )
        .bind(id)
        .fetch_all(pool)
        .await
        .map_err(internal)?;
        let session_rows: Vec<(i64, i64, String, String)> = sqlx::query_as(
            "SELECT created_at, last_seen_at, ip, user_agent FROM sessions WHERE user_id = $1 AND expires_at > $2 \
             ORDER BY last_seen_at DESC",
        )
        .bind(id)
        .bind(now_ms())
        .fetch_all(pool)
        .await
        .map_err(internal)?;
        let token_rows: Vec<(String, i64, Option<i64>, Option<i64>, Option<i64>)> = sqlx::query_as(
            "SELECT name, created_at, last_used_at, expires_at, revoked_at FROM api_tokens WHERE user_id = $1 \
             ORDER BY created_at DESC LIMIT 100",
        )
        .bind(id)
        .fetch_all(pool)
        .await
        .map_err(internal)?;
        let agreements = cs::agreements(pool).await.map_err(internal)?;
        let signatures = cs::signatures_of(pool, id).await.map_err(internal)?;
        let (domain_a, domain_s) = (domain_agreements(&agreements), domain_signatures(&signatures));
        let unsigned = activation::unsigned_required(&domain_a, &domain_s)
            .into_iter()
            .map(|a| a.title.clone())
            .collect();
        let retirement: Option<String> =
            sqlx::query_scalar("SELECT current_state FROM retirement_statuses WHERE user_id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await
                .map_err(internal)?;
        let record_programs: i64 = sqlx::query_scalar(
            "SELECT COUNT(DISTINCT pc.program_id) FROM user_credentials uc \
             JOIN course_certificates cc ON cc.id = uc.course_certificate_id \
             JOIN program_courses pc ON pc.course_key = cc.course_key \
             WHERE uc.user_id = $1 AND uc.status = 'awarded'",
        )
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap_or(0);
        let audit = cs::audit(
            self.db(),
            &cs::AuditFilter {
                target_type: Some("user".into()),
                target_id: Some(user.id.clone()),
                ..Default::default()
            },
            50,
        )
        .await
        .map_err(internal)?
        .into_iter()
        .map(audit_line)
        .collect();
        Ok(UserDetail {
            user: user_line(&user),
            enrollments: enrollments
                .into_iter()
                .map(|(course_key, course_name, mode, active)| EnrollmentLine {
                    course_key,
                    course_name,
                    mode,
                    is_active: active.0,
                })
                .collect(),
            grants: grants
                .into_iter()
                .map(|(id, role, scope, org, course, expires_at)| GrantLine {
                    id,
                    role_label: Role::parse(&role).map_or_else(|_| role.clone(), |r| r.label().to_owned()),
                    role,
                    scope: scope_text(&scope, org.as_deref(), course.as_deref()),
                    expires_at,
                })
                .collect(),
            groups,
            sessions: session_rows
                .into_iter()
                .map(|(created_at, last_seen_at, ip, user_agent)| SessionLine {
                    created_at,
                    last_seen_at,
                    ip,
                    user_agent,
                })
                .collect(),
            tokens: token_rows
                .into_iter()
                .map(|(name, created_at, last_used_at, expires_at, revoked_at)| TokenLine {
                    name,
                    created_at,
                    last_used_at,
                    expires_at,
                    revoked_at,
                })
                .collect(),
            signatures: signatures.iter().map(signature_line).collect(),
            unsigned,
            retirement,
            record_programs,
            audit,
        })
    }

    async fn create_account(
        &self,
        actor: &ConsoleActor<'_>,
        account: NewAccount,
    ) -> Result<String, DomainError> {
        // As in Django: adding needs change too, so "add" alone cannot make privileged accounts.
        need(actor, Section::Users, Verb::Add)?;
        need(actor, Section::Users, Verb::Change)?;
        if account.is_superuser {
            require_superuser(actor.is_superuser(), "create a superuser")?;
        }
        let username = Username::parse(&account.username).map_err(|e| e.on_field("username"))?;
        let email = Email::parse(&account.email).map_err(|e| e.on_field("email"))?;
        let full_name = validate_full_name(&account.full_name).map_err(|e| e.on_field("full_name"))?;
        self.check_not_retired(username.as_str(), email.as_str()).await?;
        let key = self.link_key().await?;
        let mut tx = self.db().pool.begin().await.map_err(internal)?;
        let id = users::insert(
            &mut *tx,
            &users::NewUser {
                username: username.as_str(),
                email: email.as_str(),
                full_name: &full_name,
                password_hash: None,
                is_active: true,
                is_staff: account.is_staff,
                is_superuser: account.is_superuser,
                state: AccountState::Active,
            },
        )
        .await
        .map_err(|e| match e {
            users::WriteError::UsernameTaken => {
                DomainError::new(ErrorCode::UsernameTaken).on_field("username")
            }
            users::WriteError::EmailTaken => DomainError::new(ErrorCode::EmailTaken).on_field("email"),
            users::WriteError::Db(e) => internal(e),
        })?;
        let user = users::UserRow {
            id: id.clone(),
            username: username.as_str().to_owned(),
            email: email.as_str().to_owned(),
            full_name: full_name.clone(),
            password_hash: None,
            is_active: store::Flag(true),
            is_staff: store::Flag(account.is_staff),
            is_superuser: store::Flag(account.is_superuser),
            date_joined: now_ms(),
            last_login: None,
            state: AccountState::Active.as_str().to_owned(),
        };
        audit(
            &mut tx,
            actor,
            "user.create",
            ("user", &id),
            None,
            Some(json!({
                "username": user.username, "email": user.email, "full_name": user.full_name,
                "is_staff": account.is_staff, "is_superuser": account.is_superuser,
            })),
            None,
        )
        .await?;
        if account.send_reset {
            self.queue_reset_mail(&mut tx, &key, &user).await?;
        }
        tx.commit().await.map_err(internal)?;
        Ok(user.username)
    }

    async fn update_profile(
        &self,
        actor: &ConsoleActor<'_>,
        username: &str,
        full_name: &str,
        email: &str,
    ) -> Result<(), DomainError> {
        need(actor, Section::Users, Verb::Change)?;
        let user = self.account_named(username).await?;
        check_privileged_target(actor, &user)?;
        let email = Email::parse(email).map_err(|e| e.on_field("email"))?;
        let full_name = validate_full_name(full_name).map_err(|e| e.on_field("full_name"))?;
        if email.as_str() == user.email && full_name == user.full_name {
            return Ok(());
        }
        let mut tx = self.db().pool.begin().await.map_err(internal)?;
        sqlx::query("UPDATE users SET email = $2, email_key = $3, full_name = $4 WHERE id = $1")
            .bind(&user.id)
            .bind(email.as_str())
            .bind(email.folded())
            .bind(&full_name)
            .execute(&mut *tx)
            .await
            .map_err(|e| match e {
                sqlx::Error::Database(d) if d.is_unique_violation() => {
                    DomainError::new(ErrorCode::EmailTaken).on_field("email")
                }
                e => internal(e),
            })?;
        audit(
            &mut tx,
            actor,
            "user.update",
            ("user", &user.id),
            Some(json!({ "email": user.email, "full_name": user.full_name })),
            Some(json!({ "email": email.as_str(), "full_name": full_name })),
            None,
        )
        .await?;
        tx.commit().await.map_err(internal)
    }

    async fn set_flags(
        &self,
        actor: &ConsoleActor<'_>,
        username: &str,
        is_staff: bool,
        is_superuser: bool,
    ) -> Result<(), DomainError> {
        need(actor, Section::Users, Verb::Change)?;
        let user = self.account_named(username).await?;
        check_privileged_target(actor, &user)?;
        if is_superuser != user.is_superuser.0 {
            require_superuser(actor.is_superuser(), "grant or remove superuser status")?;
        }
        activation::check_self_change(
            actor.user_id().unwrap_or_default(),
            &user.id,
            false,
            user.is_superuser.0 && !is_superuser,
        )?;
        if (is_staff || is_superuser) && !user.is_active.0 {
            return Err(DomainError::with_message(
                ErrorCode::UserInactive,
                format!(
                    "{} is not active; reactivate the account before giving it staff or superuser status.",
                    user.username
                ),
            ));
        }
        if user.is_superuser.0 && !is_superuser && self.other_superusers(&user.id).await? == 0 {
            return Err(DomainError::with_message(
                ErrorCode::SelfChangeRefused,
                format!("{} is the last active superuser.", user.username),
            ));
        }
        if is_staff == user.is_staff.0 && is_superuser == user.is_superuser.0 {
            return Ok(());
        }
        let mut tx = self.db().pool.begin().await.map_err(internal)?;
        sqlx::query("UPDATE users SET is_staff = $2, is_superuser = $3 WHERE id = $1")
            .bind(&user.id)
            .bind(is_staff)
            .bind(is_superuser)
            .execute(&mut *tx)
            .await
            .map_err(internal)?;
        audit(
            &mut tx,
            actor,
            "user.flags",
            ("user", &user.id),
            Some(json!({ "is_staff": user.is_staff.0, "is_superuser": user.is_superuser.0 })),
            Some(json!({ "is_staff": is_staff, "is_superuser": is_superuser })),
            None,
        )
        .await?;
        tx.commit().await.map_err(internal)
    }

    async fn send_password_reset(&self, actor: &ConsoleActor<'_>, username: &str) -> Result<(), DomainError> {
        need(actor, Section::Users, Verb::Change)?;
        let user = self.account_named(username).await?;
        check_privileged_target(actor, &user)?;
        if !user.is_active.0 {
            return Err(DomainError::with_message(
                ErrorCode::UserInactive,
                format!("{} is not active: a reset link would not let them sign in.", user.username),
            ));
        }
        let key = self.link_key().await?;
        let mut tx = self.db().pool.begin().await.map_err(internal)?;
        audit(&mut tx, actor, "user.password_reset_link", ("user", &user.id), None, None, None).await?;
        self.queue_reset_mail(&mut tx, &key, &user).await?;
        tx.commit().await.map_err(internal)
    }

    async fn end_sessions(&self, actor: &ConsoleActor<'_>, username: &str) -> Result<u64, DomainError> {
        need(actor, Section::Users, Verb::Change)?;
        let user = self.account_named(username).await?;
        let mut tx = self.db().pool.begin().await.map_err(internal)?;
        let ended = sessions::delete_for_user(&mut *tx, &user.id).await.map_err(internal)?;
        audit(
            &mut tx,
            actor,
            "user.end_sessions",
            ("user", &user.id),
            None,
            Some(json!({ "sessions_ended": ended })),
            None,
        )
        .await?;
        tx.commit().await.map_err(internal)?;
        Ok(ended)
    }

    async fn deactivate(
        &self,
        actor: &ConsoleActor<'_>,
        username: &str,
        reason: &str,
    ) -> Result<(), DomainError> {
        need(actor, Section::Users, Verb::Change)?;
        let user = self.account_named(username).await?;
        check_privileged_target(actor, &user)?;
        self.check_deactivation(actor, &user).await?;
        let mut tx = self.db().pool.begin().await.map_err(internal)?;
        self.deactivate_in(&mut tx, actor, &user, reason).await?;
        tx.commit().await.map_err(internal)
    }

    async fn reactivate(
        &self,
        actor: &ConsoleActor<'_>,
        username: &str,
        bypass_agreements: bool,
    ) -> Result<String, DomainError> {
        need(actor, Section::Users, Verb::Change)?;
        let user = self.account_named(username).await?;
        check_privileged_target(actor, &user)?;
        let mut tx = self.db().pool.begin().await.map_err(internal)?;
        // Write first (SQLite takes its write lock here, not at the first read).
        sqlx::query("UPDATE users SET state = state WHERE id = $1")
            .bind(&user.id)
            .execute(&mut *tx)
            .await
            .map_err(internal)?;
        let state = self.reactivate_in(&mut tx, actor, &user, bypass_agreements).await?;
        tx.commit().await.map_err(internal)?;
        Ok(state.as_str().to_owned())
    }

    async fn bulk_users(
        &self,
        actor: &ConsoleActor<'_>,
        action: &str,
        usernames: &[String],
        reason: &str,
        run: bool,
    ) -> Result<BulkOutcome, DomainError> {
        let reason = if reason.trim().is_empty() { "bulk action" } else { reason.trim() };
        need(actor, Section::Users, Verb::Change)?;
        if !BULK_ACTIONS.iter().any(|(a, _)| *a == action) {
            return Err(DomainError::with_message(
                ErrorCode::InputInvalid,
                format!("'{action}' is not a bulk action."),
            )
            .on_field("action"));
        }
        let targets = self.bulk_targets(usernames).await?;
        let mut lines = Vec::with_capacity(targets.len());
        let mut tx = self.db().pool.begin().await.map_err(internal)?;
        if run {
            sqlx::query("UPDATE users SET state = state WHERE id = ''")
                .execute(&mut *tx)
                .await
                .map_err(internal)?;
        }
        for (typed, user) in targets {
            let Some(user) = user else {
                lines.push(BulkLine {
                    username: typed.clone(),
                    change: String::new(),
                    refused: Some(format!("There is no account '{typed}'.")),
                });
                continue;
            };
            let privileged =
                if action == "end_sessions" { Ok(()) } else { check_privileged_target(actor, &user) };
            let check: Result<String, DomainError> = match action {
                _ if privileged.is_err() => privileged.map(|()| String::new()),
                "deactivate" => self.check_deactivation(actor, &user).await.map(|()| {
                    "Deactivate: end sessions, revoke tokens, drop staff/superuser, every grant and group"
                        .to_owned()
                }),
                "reactivate" if user.state == "active" => {
                    Err(DomainError::with_message(ErrorCode::InputInvalid, "Active already."))
                }
                "reactivate" => {
                    Ok("Set up again (active once the required agreements are signed)".to_owned())
                }
                "end_sessions" => {
                    let n = sessions::count_live(self.db(), &user.id).await.map_err(internal)?;
                    Ok(format!("End {n} session{}", if n == 1 { "" } else { "s" }))
                }
                _ if !user.is_staff.0 => {
                    Err(DomainError::with_message(ErrorCode::InputInvalid, "Not staff."))
                }
                _ => Ok("Remove staff status".to_owned()),
            };
            match check {
                Err(e) => lines.push(BulkLine {
                    username: user.username.clone(),
                    change: String::new(),
                    refused: Some(e.message),
                }),
                Ok(change) => {
                    if run {
                        match action {
                            "deactivate" => self.deactivate_in(&mut tx, actor, &user, reason).await?,
                            "reactivate" => {
                                self.reactivate_in(&mut tx, actor, &user, false).await?;
                            }
                            "end_sessions" => {
                                let ended =
                                    sessions::delete_for_user(&mut *tx, &user.id).await.map_err(internal)?;
                                audit(
                                    &mut tx,
                                    actor,
                                    "user.end_sessions",
                                    ("user", &user.id),
                                    None,
                                    Some(json!({ "sessions_ended": ended })),
                                    Some(reason),
                                )
                                .await?;
                            }
                            _ => {
                                sqlx::query("UPDATE users SET is_staff = $2 WHERE id = $1")
                                    .bind(&user.id)
                                    .bind(false)
                                    .execute(&mut *tx)
                                    .await
                                    .map_err(internal)?;
                                audit(
                                    &mut tx,
                                    actor,
                                    "user.flags",
                                    ("user", &user.id),
                                    Some(json!({ "is_staff": true })),
                                    Some(json!({ "is_staff": false })),
                                    Some(reason),
                                )
                                .await?;
                            }
                        }
                    }
                    lines.push(BulkLine { username: user.username.clone(), change, refused: None });
                }
            }
        }
        if run {
            tx.commit().await.map_err(internal)?;
        }
        Ok(BulkOutcome { action: action.to_owned(), done: run, lines })
    }

    async fn agreements(&self, actor: &ConsoleActor<'_>) -> Result<Vec<AgreementView>, DomainError> {
        need(actor, Section::Agreements, Verb::View)?;
        let rows = cs::agreements(&self.db().pool).await.map_err(internal)?;
        let counts = cs::current_signature_counts(self.db()).await.map_err(internal)?;
        Ok(rows
            .into_iter()
            .map(|a| AgreementView {
                signed_current: counts.iter().find(|(id, _)| *id == a.id).map_or(0, |(_, n)| *n),
                id: a.id,
                title: a.title,
                body: a.body,
                version: a.version,
                required: a.required.0,
                published_at: a.published_at,
            })
            .collect())
    }

    async fn publish_agreement(
        &self,
        actor: &ConsoleActor<'_>,
        id: &str,
        title: &str,
        body: &str,
        required: bool,
    ) -> Result<String, DomainError> {
        let new = id.trim().is_empty();
        need(actor, Section::Agreements, if new { Verb::Add } else { Verb::Change })?;
        let title = title.trim();
        if title.is_empty() || title.chars().count() > 200 {
            return Err(DomainError::with_message(
                ErrorCode::InputInvalid,
                "Give the agreement a title of at most 200 characters.",
            )
            .on_field("title"));
        }
        let body = body.trim();
        if body.is_empty() || body.len() > 100_000 {
            return Err(DomainError::with_message(
                ErrorCode::InputInvalid,
                "Write the agreement's text (at most 100,000 characters).",
            )
            .on_field("body"));
        }
        let now = now_ms();
        let mut tx = self.db().pool.begin().await.map_err(internal)?;
        let (id, version) = if new {
            let id = new_id();
            sqlx::query("INSERT INTO agreements (id, title, version, required, created_at, published_at) VALUES ($1, $2, 1, $3, $4, $4)")
                .bind(&id)
                .bind(title)
                .bind(required)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(internal)?;
            (id, 1_i64)
        } else {
            let version: Option<i64> = sqlx::query_scalar(
                "UPDATE agreements SET version = version + 1, title = $2, required = $3, published_at = $4 WHERE id = $1 RETURNING version",
            )
            .bind(id.trim())
            .bind(title)
            .bind(required)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await
            .map_err(internal)?;
            let version = version.ok_or_else(|| {
                DomainError::with_message(ErrorCode::NotFound, "There is no such agreement.")
            })?;
            (id.trim().to_owned(), version)
        };
        sqlx::query("INSERT INTO agreement_versions (agreement_id, version, title, body, published_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(&id)
            .bind(version)
            .bind(title)
            .bind(body)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(internal)?;
        audit(
            &mut tx,
            actor,
            "agreement.publish",
            ("agreement", &id),
            None,
            Some(json!({ "title": title, "version": version, "required": required })),
            None,
        )
        .await?;
        tx.commit().await.map_err(internal)?;
        Ok(id)
    }

    async fn my_agreements(&self, signer: &Signer) -> Result<MyAgreements, DomainError> {
        let pool = &self.db().pool;
        let rows = cs::agreements(pool).await.map_err(internal)?;
        let signatures = cs::signatures_of(pool, signer.user_id().0.as_str()).await.map_err(internal)?;
        let unsigned: Vec<String> =
            activation::unsigned_required(&domain_agreements(&rows), &domain_signatures(&signatures))
                .into_iter()
                .map(|a| a.id.clone())
                .collect();
        Ok(MyAgreements {
            username: signer.username().to_owned(),
            active: signer.is_active(),
            to_sign: rows
                .into_iter()
                .filter(|a| unsigned.contains(&a.id))
                .map(|a| AgreementView {
                    id: a.id,
                    title: a.title,
                    body: a.body,
                    version: a.version,
                    required: a.required.0,
                    published_at: a.published_at,
                    signed_current: 0,
                })
                .collect(),
            signed: signatures.iter().map(signature_line).collect(),
        })
    }

    async fn sign_agreement(
        &self,
        signer: &Signer,
        id: &str,
        version: i64,
        client: &ClientMeta,
    ) -> Result<SignResult, DomainError> {
        let user_id = signer.user_id().0.as_str();
        let mut tx = self.db().pool.begin().await.map_err(internal)?;
        sqlx::query("UPDATE users SET state = state WHERE id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await
            .map_err(internal)?;
        let agreements = domain_agreements(&cs::agreements(&mut *tx).await.map_err(internal)?);
        let signatures = domain_signatures(&cs::signatures_of(&mut *tx, user_id).await.map_err(internal)?);
        let outcome = activation::sign(&agreements, &signatures, id.trim(), version)?;
        let signed = outcome == SignOutcome::Signed
            && cs::sign(&mut tx, user_id, id.trim(), version, &client.ip).await.map_err(internal)?;
        let actor_label = signer.username().to_owned();
        if signed {
            store::audit::append(
                &mut tx,
                &store::audit::Entry {
                    actor_id: Some(user_id),
                    actor_label: &actor_label,
                    action: "agreement.sign",
                    target_type: "user",
                    target_id: user_id,
                    after: Some(json!({ "agreement": id.trim(), "version": version })),
                    ..Default::default()
                },
            )
            .await
            .map_err(internal)?;
        }
        let mut all = signatures;
        all.push(Signature { agreement_id: id.trim().to_owned(), version });
        let remaining = activation::unsigned_required(&agreements, &all).len();
        let mut activated = false;
        if !signer.is_active() && remaining == 0 {
            let state: String = sqlx::query_scalar("SELECT state FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_one(&mut *tx)
                .await
                .map_err(internal)?;
            let next = activation::activate(AccountState::parse(&state)?, &[], false)?;
            sqlx::query("UPDATE users SET state = $2, is_active = $3 WHERE id = $1 AND state = 'invited'")
                .bind(user_id)
                .bind(next.as_str())
                .bind(true)
                .execute(&mut *tx)
                .await
                .map_err(internal)?;
            store::audit::append(
                &mut tx,
                &store::audit::Entry {
                    actor_id: Some(user_id),
                    actor_label: &actor_label,
                    action: "user.activate",
                    target_type: "user",
                    target_id: user_id,
                    before: Some(json!({ "state": state })),
                    after: Some(json!({ "state": next.as_str() })),
                    ..Default::default()
                },
            )
            .await
            .map_err(internal)?;
            activated = true;
        }
        tx.commit().await.map_err(internal)?;
        Ok(SignResult { signed, activated, remaining })
    }

    async fn end_signer_session(&self, signer: &Signer) -> Result<(), DomainError> {
        if let Some(session) = signer.session_id() {
            sessions::delete(self.db(), session).await.map_err(internal)?;
        }
        Ok(())
    }

    async fn invitations(&self, actor: &ConsoleActor<'_>) -> Result<Vec<InvitationLine>, DomainError> {
        need(actor, Section::Invitations, Verb::View)?;
        let now = now_ms();
        Ok(cs::invitations(self.db(), 500)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|i| invitation_line(i, now))
            .collect())
    }

    async fn invite(
        &self,
        actor: &ConsoleActor<'_>,
        request: InvitationRequest,
    ) -> Result<String, DomainError> {
        need(actor, Section::Invitations, Verb::Add)?;
        let email = Email::parse(&request.email).map_err(|e| e.on_field("email"))?;
        let grant = if request.role.trim().is_empty() {
            None
        } else {
            need(actor, Section::Roles, Verb::Add)?;
            Some(
                checked_grant(self.db(), &request.role, &request.scope)
                    .await
                    .map_err(|e| e.on_field("role"))?,
            )
        };
        let expires_at = registrar::roles::parse_end_date(&request.expires, now_ms())
            .map_err(|e| e.on_field("expires"))?;
        let existing = users::find_by_login(self.db(), email.as_str()).await.map_err(internal)?;
        let existing = existing.filter(|u| u.email.to_lowercase() == email.folded());
        if let Some(user) = existing.as_ref().filter(|u| u.state != "new") {
            return Err(DomainError::with_message(
                ErrorCode::InvitationExists,
                format!(
                    "{} already has an account ({}, {}); give it roles on the Roles page, or reactivate it on its page.",
                    email.as_str(),
                    user.username,
                    app::model::console::state_label(&user.state, user.is_active.0)
                ),
            )
            .on_field("email"));
        }
        let id = new_id();
        let (role, org, course) = match &grant {
            Some(g) => {
                let (_, org, course) = store::roles::scope_columns(&g.scope);
                (Some(g.role.as_str().to_owned()), org, course)
            }
            None => (None, None, None),
        };
        let mut tx = self.db().pool.begin().await.map_err(internal)?;
        let stored = cs::insert_invitation(
            &mut tx,
            &cs::NewInvitation {
                id: &id,
                email: email.as_str(),
                role: role.as_deref(),
                org: org.as_deref(),
                course_key: course.as_deref(),
                expires_at,
            },
        )
        .await
        .map_err(internal)?;
        if !stored {
            return Err(DomainError::with_message(
                ErrorCode::InvitationExists,
                format!("{} has an open invitation already; revoke it to send a new one.", email.as_str()),
            )
            .on_field("email"));
        }
        audit(
            &mut tx,
            actor,
            "invitation.create",
            ("invitation", &id),
            None,
            Some(json!({ "email": email.as_str(), "role": role, "org": org, "course": course, "expires_at": expires_at })),
            None,
        )
        .await?;
        // An account with this email that is not set up yet is set up now.
        if let Some(user) = existing.filter(|u| u.state == "new") {
            cs::accept_invitation(&mut tx, &id, &user.id).await.map_err(internal)?;
            if let Some(g) = &grant {
                store::roles::grant(&mut tx, &user.id, g, actor.user_id()).await.map_err(internal)?;
            }
            self.reactivate_in(&mut tx, actor, &user, false).await?;
        } else {
            let link = format!(
                "{}/register?email={}",
                self.site_url(),
                app::components::error_view::urlencode(email.as_str())
            );
            let until =
                expires_at.map(|t| format!(" It is valid until {}.", format_date(t - 1))).unwrap_or_default();
            let body = format!(
                "Hello,\n\nYou are invited to Registrar.{until} Create your account with this email address:\n\n{link}\n"
            );
            store::outbox::enqueue(
                &mut *tx,
                &store::outbox::NewMail {
                    to: email.as_str(),
                    subject: "You are invited to Registrar",
                    body_text: &body,
                    ..Default::default()
                },
            )
            .await
            .map_err(internal)?;
        }
        tx.commit().await.map_err(internal)?;
        Ok(id)
    }

    async fn revoke_invitation(&self, actor: &ConsoleActor<'_>, id: &str) -> Result<(), DomainError> {
        need(actor, Section::Invitations, Verb::Delete)?;
        let invitation = cs::invitation(self.db(), id.trim())
            .await
            .map_err(internal)?
            .ok_or_else(|| DomainError::with_message(ErrorCode::NotFound, "There is no such invitation."))?;
        let mut tx = self.db().pool.begin().await.map_err(internal)?;
        if !cs::revoke_invitation(&mut tx, &invitation.id).await.map_err(internal)? {
            return Err(DomainError::with_message(
                ErrorCode::InputInvalid,
                format!("The invitation of {} was used or revoked already.", invitation.email),
            ));
        }
        audit(
            &mut tx,
            actor,
            "invitation.revoke",
            ("invitation", &invitation.id),
            None,
            Some(json!({ "email": invitation.email })),
            None,
        )
        .await?;
        tx.commit().await.map_err(internal)
    }

    async fn role_assignments(
        &self,
        actor: &ConsoleActor<'_>,
        search: &str,
    ) -> Result<Vec<RoleAssignmentLine>, DomainError> {
        need(actor, Section::Roles, Verb::View)?;
        let like = store::like_contains(search);
        let rows: Vec<(String, String, String, String, String, Option<String>, Option<String>, Option<i64>, i64)> = sqlx::query_as(
            "SELECT r.id, u.username, u.email, r.role, r.scope, r.org, r.course_key, r.expires_at, r.created_at \
             FROM role_assignments r JOIN users u ON u.id = r.user_id \
             WHERE ($1 = '%%' OR u.username_key LIKE $1 ESCAPE '\\' OR u.email_key LIKE $1 ESCAPE '\\' \
                OR LOWER(r.role) LIKE $1 ESCAPE '\\' OR LOWER(COALESCE(r.course_key, r.org, 'global')) LIKE $1 ESCAPE '\\') \
             ORDER BY r.created_at DESC LIMIT 500",
        )
        .bind(&like)
        .fetch_all(&self.db().pool)
        .await
        .map_err(internal)?;
        Ok(rows
            .into_iter()
            .map(|(id, username, email, role, scope, org, course, expires_at, created_at)| {
                RoleAssignmentLine {
                    id,
                    username,
                    email,
                    role_label: Role::parse(&role).map_or_else(|_| role.clone(), |r| r.label().to_owned()),
                    role,
                    scope: scope_text(&scope, org.as_deref(), course.as_deref()),
                    expires_at,
                    created_at,
                }
            })
            .collect())
    }

    async fn grant_role(
        &self,
        actor: &ConsoleActor<'_>,
        identifier: &str,
        role: &str,
        scope: &str,
        expires_at: Option<i64>,
    ) -> Result<(), DomainError> {
        need(actor, Section::Roles, Verb::Add)?;
        let user = self.account_named(identifier).await?;
        if !user.is_active.0 {
            return Err(DomainError::with_message(
                ErrorCode::UserInactive,
                format!("{} is not active; roles go to active accounts.", user.username),
            ));
        }
        let grant = checked_grant(self.db(), role, scope).await?;
        let mut tx = self.db().pool.begin().await.map_err(internal)?;
        if !store::roles::grant_until(&mut tx, &user.id, &grant, actor.user_id(), expires_at)
            .await
            .map_err(internal)?
        {
            return Err(DomainError::with_message(
                ErrorCode::TeamRoleHeld,
                format!("Duplicate: {} is {} at {} already.", user.username, grant.role.label(), grant.scope),
            ));
        }
        audit(
            &mut tx,
            actor,
            "role.grant",
            ("user", &user.id),
            None,
            Some(json!({ "role": grant.role.as_str(), "scope": grant.scope.to_text(), "expires_at": expires_at })),
            None,
        )
        .await?;
        tx.commit().await.map_err(internal)
    }

    async fn revoke_role(
        &self,
        actor: &ConsoleActor<'_>,
        identifier: &str,
        role: &str,
        scope: &str,
    ) -> Result<(), DomainError> {
        need(actor, Section::Roles, Verb::Delete)?;
        let user = self.account_named(identifier).await?;
        let grant = checked_grant(self.db(), role, scope).await?;
        let (kind, org, course) = store::roles::scope_columns(&grant.scope);
        let mut tx = self.db().pool.begin().await.map_err(internal)?;
        let removed = sqlx::query(
            "DELETE FROM role_assignments WHERE user_id = $1 AND scope = $2 AND role = $3 \
             AND COALESCE(org, '') = COALESCE($4, '') AND COALESCE(course_key, '') = COALESCE($5, '')",
        )
        .bind(&user.id)
        .bind(kind)
        .bind(grant.role.as_str())
        .bind(org)
        .bind(course)
        .execute(&mut *tx)
        .await
        .map_err(internal)?
        .rows_affected();
        if removed == 0 {
            return Err(DomainError::with_message(
                ErrorCode::TeamRoleNotHeld,
                format!("{} is not {} at {}.", user.username, grant.role.label(), grant.scope),
            ));
        }
        audit(
            &mut tx,
            actor,
            "role.revoke",
            ("user", &user.id),
            Some(json!({ "role": grant.role.as_str(), "scope": grant.scope.to_text() })),
            None,
            None,
        )
        .await?;
        tx.commit().await.map_err(internal)
    }

    async fn set_group_permissions(
        &self,
        actor: &ConsoleActor<'_>,
        group_id: &str,
        codenames: &[String],
    ) -> Result<(), DomainError> {
        need(actor, Section::Groups, Verb::Change)?;
        require_superuser(actor.is_superuser(), "change which console permissions a group gives")?;
        let mut permissions =
            codenames.iter().map(|c| Permission::parse(c)).collect::<Result<Vec<_>, _>>()?;
        permissions.sort();
        permissions.dedup();
        let group = store::groups::get(self.db(), group_id.trim())
            .await
            .map_err(internal)?
            .ok_or_else(|| DomainError::with_message(ErrorCode::NotFound, "There is no such group."))?;
        let before = cs::group_permissions(self.db(), &group.id).await.map_err(internal)?;
        let names: Vec<String> = permissions.iter().map(|p| p.codename()).collect();
        let mut tx = self.db().pool.begin().await.map_err(internal)?;
        cs::set_group_permissions(&mut tx, &group.id, &names).await.map_err(internal)?;
        audit(
            &mut tx,
            actor,
            "group.permissions",
            ("group", &group.id),
            Some(json!(before)),
            Some(json!(names)),
            None,
        )
        .await?;
        tx.commit().await.map_err(internal)
    }

    async fn audit(
        &self,
        actor: &ConsoleActor<'_>,
        query: &AuditQuery,
        limit: u32,
    ) -> Result<AuditPage, DomainError> {
        need(actor, Section::Audit, Verb::View)?;
        let filter = self.audit_filter(query).await?;
        let limit = i64::from(limit.clamp(1, 500));
        let mut rows = cs::audit(self.db(), &filter, limit + 1).await.map_err(internal)?;
        let more = rows.len() > usize::try_from(limit).unwrap_or(usize::MAX);
        rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        let next = if more { rows.last().map(|r| r.id) } else { None };
        Ok(AuditPage { rows: rows.into_iter().map(audit_line).collect(), next })
    }

    async fn audit_csv(&self, actor: &ConsoleActor<'_>, query: &AuditQuery) -> Result<Download, DomainError> {
        need(actor, Section::Audit, Verb::View)?;
        let filter = self.audit_filter(query).await?;
        let rows = cs::audit(self.db(), &filter, AUDIT_EXPORT_MAX).await.map_err(internal)?;
        let mut out = csv::WriterBuilder::new().from_writer(Vec::new());
        out.write_record([
            "id",
            "at",
            "actor",
            "action",
            "target_type",
            "target_id",
            "scope",
            "before",
            "after",
            "reason",
        ])
        .map_err(internal)?;
        for r in rows {
            let at = registrar::records::iso_timestamp(r.at);
            let id = r.id.to_string();
            let cells = [
                id.as_str(),
                at.as_str(),
                &r.actor_label,
                &r.action,
                &r.target_type,
                &r.target_id,
                r.scope.as_deref().unwrap_or_default(),
                r.before_json.as_deref().unwrap_or_default(),
                r.after_json.as_deref().unwrap_or_default(),
                r.reason.as_deref().unwrap_or_default(),
            ];
            out.write_record(cells.iter().map(|c| registrar::records::csv_safe(c))).map_err(internal)?;
        }
        let bytes = out.into_inner().map_err(internal)?;
        Ok(Download { file_name: "audit-log.csv".to_owned(), content_type: "text/csv; charset=utf-8", bytes })
    }

    async fn jobs(&self, actor: &ConsoleActor<'_>, state: &str) -> Result<Vec<JobLine>, DomainError> {
        need(actor, Section::Jobs, Verb::View)?;
        let state = state.trim();
        if !["", "queued", "running", "succeeded", "failed"].contains(&state) {
            return Err(DomainError::with_message(
                ErrorCode::InputInvalid,
                format!("'{state}' is not a job state."),
            ));
        }
        Ok(cs::jobs(self.db(), state, 200)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|j| JobLine {
                id: j.id,
                kind: j.kind,
                state: j.state,
                progress_done: j.progress_done,
                progress_total: j.progress_total,
                attempts: j.attempts,
                max_attempts: j.max_attempts,
                error: j.error,
                created_by: j.username,
                created_at: j.created_at,
                updated_at: j.updated_at,
            })
            .collect())
    }

    async fn retry_job(&self, actor: &ConsoleActor<'_>, id: &str) -> Result<(), DomainError> {
        need(actor, Section::Jobs, Verb::Change)?;
        let mut tx = self.db().pool.begin().await.map_err(internal)?;
        if !cs::requeue_failed_job(&mut tx, id.trim()).await.map_err(internal)? {
            return Err(DomainError::with_message(
                ErrorCode::InputInvalid,
                "Only a failed job can be retried; this one has not failed.",
            ));
        }
        audit(&mut tx, actor, "job.retry", ("job", id.trim()), None, None, None).await?;
        tx.commit().await.map_err(internal)
    }

    async fn retry_mail(&self, actor: &ConsoleActor<'_>, id: &str) -> Result<(), DomainError> {
        need(actor, Section::Outbox, Verb::Change)?;
        let mut tx = self.db().pool.begin().await.map_err(internal)?;
        if !cs::retry_mail(&mut tx, id.trim()).await.map_err(internal)? {
            return Err(DomainError::with_message(
                ErrorCode::InputInvalid,
                "This message was sent already (or does not exist).",
            ));
        }
        audit(&mut tx, actor, "mail.retry", ("mail", id.trim()), None, None, None).await?;
        tx.commit().await.map_err(internal)
    }

    async fn reset_link_info(&self, _public: &Public, token: &str) -> Result<String, DomainError> {
        Ok(self.reset_target(token).await?.username)
    }

    async fn reset_password(
        &self,
        _public: &Public,
        token: &str,
        password: &str,
        confirm: &str,
    ) -> Result<(), DomainError> {
        let user = self.reset_target(token).await?;
        if password != confirm {
            return Err(DomainError::new(ErrorCode::PasswordMismatch).on_field("password_confirm"));
        }
        validate_password(password, &user.username, &user.email).map_err(|e| e.on_field("password"))?;
        let hash = crate::auth::password::hash(password).await.map_err(internal)?;
        let mut tx = self.db().pool.begin().await.map_err(internal)?;
        // The link is tied to the old password: if it changed meanwhile, this link is used up.
        let done = sqlx::query(
            "UPDATE users SET password_hash = $2 WHERE id = $1 AND COALESCE(password_hash, '') = $3",
        )
        .bind(&user.id)
        .bind(&hash)
        .bind(user.password_hash.clone().unwrap_or_default())
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
        if done.rows_affected() == 0 {
            return Err(DomainError::new(ErrorCode::LinkInvalid));
        }
        sessions::delete_for_user(&mut *tx, &user.id).await.map_err(internal)?;
        store::audit::append(
            &mut tx,
            &store::audit::Entry {
                actor_id: Some(&user.id),
                actor_label: &user.username,
                action: "user.password_reset",
                target_type: "user",
                target_id: &user.id,
                ..Default::default()
            },
        )
        .await
        .map_err(internal)?;
        tx.commit().await.map_err(internal)
    }
}
