//! The sharing use cases behind the Gate (`app::ports::Sharing`): the Studio course team page,
//! libraries and their teams, groups, org-wide grants and "explain access".
//!
//! Every change runs in one transaction that locks the team it changes, counts the team's permanent
//! Admins before and after, and asks `registrar::team::check_admins_kept`; every change is audited
//! with the course or library as its scope, which is what the team pages' history reads.

use crate::backend::{internal, ServerBackend};
use crate::store::{audit, courses, enrollments, groups, libraries, roles, team_invitations, users};
use app::gate::{
    now_ms, CourseAdmin, CourseTeamViewer, GlobalStaff, LibraryAdmin, LibraryCreator, LibraryEditor,
    LibraryViewer, Me,
};
use app::model::{
    AccessExplanation, GroupGrant, GroupMember, GroupPage, GroupSummary, HistoryEntry, Holder,
    InheritedAccess, LibraryList, LibraryMember, LibraryPage, LibrarySummary, OrgGrant, OrgGrantRequest,
    StudioTeam, TeamChange, TeamInvitation,
};
use app::ports::Sharing;
use registrar::authz::{course_abilities, decide, explain_course, Action, Principal};
use registrar::ids::{CourseKey, OrgKey, UserId};
use registrar::library::{
    decide_library, effective_level, explain_library, may_create_library, AccessLevel, LibraryAction,
    LibraryGrant, LibraryKey, LibrarySwitches,
};
use registrar::roles::{is_live, Grant, Role, Scope};
use registrar::team::{check_admins_kept, STUDIO_ROLES};
use registrar::{DomainError, ErrorCode};
use sqlx::AnyConnection;

/// How long a Studio team invitation waits for its email to register.
pub const INVITATION_TTL_MS: i64 = 30 * 86_400_000;

/// How many history lines a team page shows.
const HISTORY_LINES: i64 = 50;

/// How many global staff a team page names (it counts them all).
const GLOBAL_STAFF_SHOWN: i64 = 10;

fn changed(message: impl Into<String>) -> TeamChange {
    TeamChange { message: message.into() }
}

fn until(expires_at: Option<i64>) -> String {
    expires_at.map_or_else(String::new, |at| format!(" until {}", app::model::format_date(at - 1)))
}

fn input(code: ErrorCode, field: &str, message: impl Into<String>) -> DomainError {
    DomainError::with_message(code, message).on_field(field)
}

/// A title or name: trimmed, 1 to `max` characters.
fn text(value: &str, field: &str, what: &str, max: usize, code: ErrorCode) -> Result<String, DomainError> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > max {
        return Err(input(code, field, format!("{what} must be 1 to {max} characters.")));
    }
    Ok(value.to_owned())
}

/// A history line for a changed role or level: a new role, or only a new end (or none).
fn change_line(who: &str, from: &str, to: &str, expires_at: Option<i64>) -> String {
    match expires_at {
        _ if from != to => format!("changed {who} from {from} to {to}{}", until(expires_at)),
        Some(at) => format!("set the end of {who}'s {to} to {}", app::model::format_date(at - 1)),
        None => format!("made {who}'s {to} permanent"),
    }
}

/// The line a history list shows for one audit entry.
fn history_line(row: audit::HistoryRow) -> HistoryEntry {
    let json = |s: &Option<String>| -> serde_json::Value {
        s.as_deref().and_then(|s| serde_json::from_str(s).ok()).unwrap_or(serde_json::Value::Null)
    };
    let (before, after) = (json(&row.before_json), json(&row.after_json));
    let field = |v: &serde_json::Value, k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_owned();
    let role = |v: &serde_json::Value| {
        let raw = field(v, "role");
        Role::parse(&raw).map_or(raw, |r| r.label().to_owned())
    };
    let level = |v: &serde_json::Value| {
        let raw = field(v, "access_level");
        AccessLevel::parse(&raw).map_or(raw, |l| l.label().to_owned())
    };
    let expires = |v: &serde_json::Value| v.get("expires_at").and_then(serde_json::Value::as_i64);
    let ends = |v: &serde_json::Value| until(expires(v));
    let summary = match row.action.as_str() {
        "role.grant" => format!("gave {} to {}{}", role(&after), field(&after, "username"), ends(&after)),
        "role.revoke" => format!("took {} away from {}", role(&before), field(&before, "username")),
        "role.change" => {
            change_line(&field(&after, "username"), &role(&before), &role(&after), expires(&after))
        }
        "role.expired" => format!("{} of {} ended", role(&before), field(&before, "holder")),
        "team.invite" => {
            format!("invited {} as {}{}", field(&after, "email"), role(&after), ends(&after))
        }
        "team.invitation_revoked" => format!("withdrew the invitation of {}", field(&before, "email")),
        "team.invitation_accepted" => {
            format!("{} registered and became {}", field(&after, "username"), role(&after))
        }
        "library.create" => format!("created the library \"{}\"", field(&after, "title")),
        "library.update" => format!("renamed the library to \"{}\"", field(&after, "title")),
        "library.switches" => {
            let on = |k: &str| {
                if after.get(k).and_then(serde_json::Value::as_bool) == Some(true) {
                    "on"
                } else {
                    "off"
                }
            };
            format!(
                "set public read {} and public learning {}",
                on("allow_public_read"),
                on("allow_public_learning")
            )
        }
        "library.grant" => format!("gave {} to {}{}", level(&after), field(&after, "holder"), ends(&after)),
        "library.change" => {
            change_line(&field(&after, "holder"), &level(&before), &level(&after), expires(&after))
        }
        "library.revoke" => format!("took {} away from {}", level(&before), field(&before, "holder")),
        "library.grant_expired" => format!("{} of {} ended", level(&before), field(&before, "holder")),
        other => other.to_owned(),
    };
    HistoryEntry { at: row.at, actor: row.actor_label, summary, reason: row.reason }
}

/// Turn a course's pending Studio invitations for `email` into roles, enrolling the new account;
/// inside the registration transaction.
pub async fn redeem_team_invitations(
    conn: &mut AnyConnection,
    user_id: &str,
    username: &str,
    email: &str,
) -> Result<(), sqlx::Error> {
    for invitation in team_invitations::take_for_email(conn, email, now_ms()).await? {
        let (Ok(course), Ok(role)) =
            (CourseKey::parse(&invitation.course_key), Role::parse(&invitation.role))
        else {
            continue;
        };
        let grant = Grant { role, scope: Scope::Course(course) };
        let inviter = invitation.invited_by.as_deref();
        roles::grant_until(&mut *conn, user_id, &grant, inviter, invitation.grant_expires_at).await?;
        if courses::enroll(&mut *conn, user_id, &invitation.course_key, "audit").await? {
            let writes = enrollments::Writes {
                audit: vec![enrollments::AuditRow {
                    email: email.to_owned(),
                    user_id: Some(user_id.to_owned()),
                    transition: registrar::enrollment::Transition::UnenrolledToEnrolled.as_str(),
                }],
                ..enrollments::Writes::default()
            };
            let actor = enrollments::Actor { id: Some(user_id), label: username };
            enrollments::apply(
                conn,
                &invitation.course_key,
                &writes,
                actor,
                Some("accepted a team invitation"),
            )
            .await?;
        }
        audit::append(
            conn,
            &audit::Entry {
                actor_id: Some(user_id),
                actor_label: username,
                action: "team.invitation_accepted",
                target_type: "user",
                target_id: user_id,
                scope: Some(&invitation.course_key),
                after: Some(serde_json::json!({"role": role.as_str(), "username": username, "email": email})),
                ..Default::default()
            },
        )
        .await?;
    }
    Ok(())
}

/// Append an audit entry by `actor`, inside the caller's transaction.
async fn record(
    conn: &mut AnyConnection,
    actor: &Principal,
    entry: audit::Entry<'_>,
) -> Result<(), DomainError> {
    let entry = audit::Entry { actor_id: Some(&actor.user_id.0), actor_label: &actor.username, ..entry };
    audit::append(conn, &entry).await.map_err(internal)
}

impl ServerBackend {
    async fn history(&self, scope: &str) -> Result<Vec<HistoryEntry>, DomainError> {
        Ok(audit::for_scope(self.db(), scope, HISTORY_LINES)
            .await
            .map_err(internal)?
            .into_iter()
            .map(history_line)
            .collect())
    }

    /// The account with this username or email, in any state, or `USER_NOT_FOUND` naming it.
    async fn account(&self, identifier: &str) -> Result<users::UserRow, DomainError> {
        users::find_by_login(self.db(), identifier).await.map_err(internal)?.ok_or_else(|| {
            input(
                ErrorCode::UserNotFound,
                "identifier",
                format!("No account has the username or email '{}'.", identifier.trim()),
            )
        })
    }

    /// The account, refusing inactive ones (they cannot be given access).
    async fn active_account(&self, identifier: &str) -> Result<users::UserRow, DomainError> {
        let user = self.account(identifier).await?;
        if user.is_active.0 {
            Ok(user)
        } else {
            Err(input(
                ErrorCode::UserInactive,
                "identifier",
                format!("{}'s account is not active, so it cannot be given access.", user.username),
            ))
        }
    }

    async fn group_by_name(&self, name: &str) -> Result<groups::GroupRow, DomainError> {
        groups::find_by_name(self.db(), name).await.map_err(internal)?.ok_or_else(|| {
            input(ErrorCode::NotFound, "name", format!("There is no group named '{}'.", name.trim()))
        })
    }

    async fn group_by_id(&self, id: &str) -> Result<groups::GroupRow, DomainError> {
        groups::get(self.db(), id)
            .await
            .map_err(internal)?
            .ok_or_else(|| DomainError::with_message(ErrorCode::NotFound, "There is no such group."))
    }

    async fn existing_org(&self, org: &str) -> Result<OrgKey, DomainError> {
        let key = OrgKey::parse(org).map_err(|e| e.on_field("org"))?;
        let found: Option<String> = sqlx::query_scalar("SELECT key FROM orgs WHERE key = $1")
            .bind(key.as_str())
            .fetch_optional(&self.db().pool)
            .await
            .map_err(internal)?;
        found.map(|_| key).ok_or_else(|| {
            input(ErrorCode::NotFound, "org", format!("There is no organization '{}'.", org.trim()))
        })
    }

    /// A library grant's holder as stored (user or group id) and as messages name it; granting needs
    /// an active user.
    async fn holder(
        &self,
        holder: &Holder,
        granting: bool,
    ) -> Result<(libraries::Holder, String), DomainError> {
        match holder {
            Holder::User(identifier) => {
                let user = if granting {
                    self.active_account(identifier).await?
                } else {
                    self.account(identifier).await?
                };
                Ok((libraries::Holder::User(user.id), user.username))
            }
            Holder::Group(name) => {
                let group = self.group_by_name(name).await?;
                Ok((libraries::Holder::Group(group.id), format!("group {}", group.name)))
            }
        }
    }

    /// The rule of `registrar::team::check_not_own_admin` for a library's team.
    async fn check_own_admin(
        &self,
        admin: &LibraryAdmin,
        stored: &libraries::Holder,
    ) -> Result<(), DomainError> {
        let libraries::Holder::User(target) = stored else {
            return Ok(());
        };
        let library = libraries::Target::Library(admin.library().to_string());
        let mut conn = self.db().pool.acquire().await.map_err(internal)?;
        let current = libraries::level_of(&mut conn, &library, stored).await.map_err(internal)?;
        let holds_admin = current.is_some_and(|(level, _)| level == AccessLevel::Admin.as_str());
        registrar::team::check_not_own_admin(&admin.principal().user_id.0, target, holds_admin)
    }

    async fn library_row(&self, key: &LibraryKey) -> Result<libraries::LibraryRow, DomainError> {
        libraries::get(self.db(), &key.to_string()).await.map_err(internal)?.ok_or_else(|| {
            DomainError::with_message(ErrorCode::NotFound, format!("There is no library {key}."))
        })
    }

    async fn explain_course_for(
        &self,
        identifier: &str,
        course: &CourseKey,
    ) -> Result<AccessExplanation, DomainError> {
        let user = self.account(identifier).await?;
        let (full_name, is_active) = (user.full_name.clone(), user.is_active.0);
        let dated = roles::dated_grants_for_user(&self.db().pool, &user.id).await.map_err(internal)?;
        let principal = users::principal(self.db(), user).await.map_err(internal)?;
        Ok(AccessExplanation {
            username: principal.username.clone(),
            full_name,
            is_active,
            target: course.to_string(),
            sources: explain_course(&principal, &dated, course, now_ms()),
            allowed: course_abilities(&principal, course),
        })
    }

    async fn explain_library_for(
        &self,
        identifier: &str,
        key: &LibraryKey,
    ) -> Result<AccessExplanation, DomainError> {
        let library = self.library_row(key).await?;
        let user = self.account(identifier).await?;
        let (full_name, is_active) = (user.full_name.clone(), user.is_active.0);
        let grants = libraries::grants_on(&self.db().pool, &user.id, key).await.map_err(internal)?;
        let principal = users::principal(self.db(), user).await.map_err(internal)?;
        let (switches, now) = (library.switches(), now_ms());
        let allowed = LibraryAction::ALL
            .into_iter()
            .filter(|a| decide_library(Some(&principal), &grants, key, switches, *a, now))
            .map(|a| a.label().to_owned())
            .collect();
        Ok(AccessExplanation {
            username: principal.username.clone(),
            full_name,
            is_active,
            target: key.to_string(),
            sources: explain_library(&principal, &grants, key, switches, now),
            allowed,
        })
    }

    /// Which Studio role the user holds in the course (the highest, if both rows exist).
    async fn studio_role_of(
        &self,
        conn: &mut AnyConnection,
        user_id: &str,
        course: &CourseKey,
    ) -> Result<Option<(Role, Option<i64>)>, DomainError> {
        let dated = roles::dated_grants_for_user(&mut *conn, user_id).await.map_err(internal)?;
        let in_course = Scope::Course(course.clone());
        Ok(STUDIO_ROLES.into_iter().find_map(|role| {
            dated
                .iter()
                .find(|d| d.grant.scope == in_course && d.grant.role == role)
                .map(|d| (role, d.expires_at))
        }))
    }

    async fn permanent_admins(&self, conn: &mut AnyConnection, course: &str) -> Result<i64, DomainError> {
        roles::count_permanent_course_role(conn, course, Role::Instructor).await.map_err(internal)
    }

    /// Take every Studio role away from a user inside `conn`, auditing each; returns what was held.
    async fn drop_studio_roles(
        &self,
        conn: &mut AnyConnection,
        actor: &Principal,
        user: &users::UserRow,
        course: &str,
    ) -> Result<Vec<Role>, DomainError> {
        let mut dropped = Vec::new();
        for role in STUDIO_ROLES {
            if roles::revoke_course_role(conn, &user.id, course, role).await.map_err(internal)? {
                dropped.push(role);
            }
        }
        let entries: Vec<audit::Entry<'_>> = dropped
            .iter()
            .map(|role| audit::Entry {
                actor_id: Some(&actor.user_id.0),
                actor_label: &actor.username,
                action: "role.revoke",
                target_type: "user",
                target_id: &user.id,
                scope: Some(course),
                before: Some(serde_json::json!({"role": role.as_str(), "username": user.username})),
                ..Default::default()
            })
            .collect();
        audit::append_many(conn, &entries).await.map_err(internal)?;
        Ok(dropped)
    }

    /// Grant, change or revoke on a library's team inside one locked transaction, refusing a change
    /// that leaves it without a permanent Admin. `change` returns the audit entry's action and JSON.
    async fn change_library_team(
        &self,
        admin: &LibraryAdmin,
        target: &libraries::Target,
        change: impl AsyncFnOnce(&mut AnyConnection) -> Result<LibraryAudit, DomainError>,
    ) -> Result<(), DomainError> {
        let scope = target.scope();
        let mut tx = self.db().pool.begin().await.map_err(internal)?;
        if let libraries::Target::Library(key) = target {
            libraries::lock(&mut tx, self.db().dialect, key).await.map_err(internal)?;
        }
        let count = async |tx: &mut AnyConnection| match target {
            libraries::Target::Library(key) => {
                libraries::count_permanent_admins(tx, key).await.map_err(internal)
            }
            libraries::Target::Org(_) => Ok(0),
        };
        let before = count(&mut tx).await?;
        let entry = change(&mut tx).await?;
        let after = count(&mut tx).await?;
        check_admins_kept(before, after, "This library")?;
        let actor = admin.principal();
        record(
            &mut tx,
            actor,
            audit::Entry {
                action: entry.action,
                target_type: "library_grant",
                target_id: &entry.holder_id,
                scope: Some(&scope),
                before: entry.before,
                after: entry.after,
                ..Default::default()
            },
        )
        .await?;
        tx.commit().await.map_err(internal)
    }

    fn inherited_course(rows: Vec<roles::TeamRow>, org: &str) -> Vec<InheritedAccess> {
        rows.into_iter()
            .map(|r| {
                let label =
                    Role::parse(&r.role).map_or_else(|_| r.role.clone(), |role| role.label().to_owned());
                InheritedAccess {
                    username: r.username,
                    full_name: r.full_name,
                    source: format!("Org {label} of {org}: every course of the organization"),
                    access: label,
                    expires_at: r.expires_at,
                }
            })
            .collect()
    }

    async fn global_staff_access(&self, access: &str) -> Result<(Vec<InheritedAccess>, i64), DomainError> {
        let (rows, count) = users::global_staff(self.db(), GLOBAL_STAFF_SHOWN).await.map_err(internal)?;
        let listed = rows
            .into_iter()
            .map(|u| InheritedAccess {
                source: if u.is_superuser.0 { "Superuser".into() } else { "Global staff".into() },
                username: u.username,
                full_name: u.full_name,
                access: access.to_owned(),
                expires_at: None,
            })
            .collect();
        Ok((listed, count))
    }
}

/// What a library team change writes to the audit log.
struct LibraryAudit {
    action: &'static str,
    holder_id: String,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
}

fn library_member(row: libraries::TeamRow) -> LibraryMember {
    let level_label = AccessLevel::parse(&row.access_level)
        .map_or_else(|_| row.access_level.clone(), |l| l.label().to_owned());
    let (kind, name, detail) = match (&row.username, &row.group_name) {
        (Some(username), _) => ("user", username.clone(), row.full_name.clone().unwrap_or_default()),
        (None, Some(group)) => {
            let n = row.group_members.unwrap_or(0);
            ("group", group.clone(), format!("Group of {n} {}", if n == 1 { "member" } else { "members" }))
        }
        (None, None) => ("user", String::new(), String::new()),
    };
    LibraryMember {
        kind: kind.to_owned(),
        name,
        detail,
        email: row.email,
        group_id: row.group_id,
        level: row.access_level,
        level_label,
        since: row.created_at,
        granted_by: row.granted_by,
        expires_at: row.expires_at,
    }
}

fn summary_of(row: &libraries::LibraryRow, my_level: Option<AccessLevel>) -> LibrarySummary {
    LibrarySummary {
        key: row.key.clone(),
        org: row.org.clone(),
        slug: row.slug.clone(),
        title: row.title.clone(),
        description: row.description.clone(),
        allow_public_read: row.allow_public_read.0,
        allow_public_learning: row.allow_public_learning.0,
        my_level: my_level.map(|l| l.label().to_owned()),
    }
}

#[async_trait::async_trait]
impl Sharing for ServerBackend {
    async fn library_facts(
        &self,
        user: &UserId,
        key: &LibraryKey,
    ) -> Result<Option<(LibrarySwitches, Vec<LibraryGrant>)>, DomainError> {
        let Some(library) = libraries::get(self.db(), &key.to_string()).await.map_err(internal)? else {
            return Ok(None);
        };
        let grants = libraries::grants_on(&self.db().pool, &user.0, key).await.map_err(internal)?;
        Ok(Some((library.switches(), grants)))
    }

    async fn studio_team(&self, viewer: &CourseTeamViewer) -> Result<StudioTeam, DomainError> {
        let course = viewer.course();
        let key = course.to_string();
        let row = courses::get(self.db(), &key).await.map_err(internal)?.ok_or_else(|| {
            DomainError::with_message(ErrorCode::NotFound, format!("There is no course {key}."))
        })?;
        let mut members = self.team_of(&key, &STUDIO_ROLES).await?;
        // Studio shows one role per person: the highest, when the Membership tab gave both.
        let admins: std::collections::HashSet<String> = members
            .iter()
            .filter(|m| m.role == Role::Instructor.as_str())
            .map(|m| m.username.clone())
            .collect();
        members.retain(|m| m.role == Role::Instructor.as_str() || !admins.contains(&m.username));
        members.sort_by_key(|m| m.role != Role::Instructor.as_str());
        let org = course.org().as_str();
        let mut inherited = Self::inherited_course(
            roles::org_team(self.db(), org, &STUDIO_ROLES).await.map_err(internal)?,
            org,
        );
        let (staff, global_staff) = self.global_staff_access("Admin").await?;
        inherited.extend(staff);
        let now = now_ms();
        let invitations = team_invitations::for_course(self.db(), &key)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|i| TeamInvitation {
                role_label: Role::parse(&i.role).map_or_else(|_| i.role.clone(), |r| r.label().to_owned()),
                expired: !is_live(Some(i.expires_at), now),
                id: i.id,
                email: i.email,
                invited_by: i.invited_by,
                created_at: i.created_at,
                expires_at: i.expires_at,
            })
            .collect();
        Ok(StudioTeam {
            course: app::model::CourseLink { key: key.clone(), name: row.display_name },
            members,
            inherited,
            global_staff,
            invitations,
            history: self.history(&key).await?,
            can_manage: decide(viewer.principal(), &Action::EditCourseAccess(course.clone())).is_allowed(),
            viewer: viewer.principal().username.clone(),
        })
    }

    async fn studio_add(
        &self,
        admin: &CourseAdmin,
        identifier: &str,
        role: Role,
        expires_at: Option<i64>,
    ) -> Result<TeamChange, DomainError> {
        let course = admin.course().to_string();
        let identifier = identifier.trim();
        if identifier.is_empty() {
            return Err(input(ErrorCode::InputInvalid, "identifier", "Enter an email or username."));
        }
        if users::find_by_login(self.db(), identifier).await.map_err(internal)?.is_some() {
            let username = self
                .grant_course_role(
                    admin.principal(),
                    admin.course(),
                    identifier,
                    role,
                    expires_at,
                    &STUDIO_ROLES,
                )
                .await?;
            return Ok(changed(format!(
                "{username} is now {} of this course{}.",
                role.label(),
                until(expires_at)
            )));
        }
        let Ok(email) = registrar::account::Email::parse(identifier) else {
            return Err(input(
                ErrorCode::UserNotFound,
                "identifier",
                format!("No account has the username '{identifier}'. To invite someone without an account, enter their email."),
            ));
        };
        if courses::get(self.db(), &course).await.map_err(internal)?.is_none() {
            return Err(DomainError::with_message(
                ErrorCode::NotFound,
                format!("There is no course {course}."),
            ));
        }
        let actor = admin.principal();
        let invitation_ends = now_ms() + INVITATION_TTL_MS;
        let mut tx = self.db().pool.begin().await.map_err(internal)?;
        let created = team_invitations::create(
            &mut tx,
            &course,
            email.as_str(),
            role.as_str(),
            &actor.user_id.0,
            invitation_ends,
            expires_at,
        )
        .await
        .map_err(internal)?;
        let Some(id) = created else {
            return Err(input(
                ErrorCode::InvitationExists,
                "identifier",
                format!(
                    "{} already has a pending invitation to this course; withdraw it to invite again.",
                    email.as_str()
                ),
            ));
        };
        record(&mut tx, actor, audit::Entry {
                action: "team.invite",
                target_type: "team_invitation",
                target_id: &id,
                scope: Some(&course),
                after: Some(serde_json::json!({"email": email.as_str(), "role": role.as_str(), "expires_at": expires_at})),
                ..Default::default()
})
.await?;
        tx.commit().await.map_err(internal)?;
        Ok(changed(format!(
            "No account uses {} yet, so they are invited as {}: the role is theirs when they register with that email (the invitation lasts until {}).",
            email.as_str(),
            role.label(),
            app::model::format_date(invitation_ends)
        )))
    }

    async fn studio_set_role(
        &self,
        admin: &CourseAdmin,
        username: &str,
        role: Role,
        expires_at: Option<i64>,
    ) -> Result<TeamChange, DomainError> {
        let course = admin.course().to_string();
        let actor = admin.principal();
        let user = self.account(username).await?;
        let mut tx = self.db().pool.begin().await.map_err(internal)?;
        roles::lock_course_team(&mut tx, self.db().dialect, &course).await.map_err(internal)?;
        let Some((held, held_until)) = self.studio_role_of(&mut tx, &user.id, admin.course()).await? else {
            return Err(DomainError::with_message(
                ErrorCode::TeamRoleNotHeld,
                format!("{} is not on this course's team; add them first.", user.username),
            ));
        };
        if held == role && held_until == expires_at {
            return Ok(changed(format!("Nothing changed: {} is already {}.", user.username, role.label())));
        }
        registrar::team::check_removal(&actor.user_id.0, &user.id, held)?;
        if role == Role::Instructor && !user.is_active.0 {
            return Err(DomainError::with_message(
                ErrorCode::UserInactive,
                format!("{}'s account is not active, so it cannot be made Admin.", user.username),
            ));
        }
        let before = self.permanent_admins(&mut tx, &course).await?;
        for old in STUDIO_ROLES {
            roles::revoke_course_role(&mut tx, &user.id, &course, old).await.map_err(internal)?;
        }
        let grant = Grant { role, scope: Scope::Course(admin.course().clone()) };
        roles::grant_until(&mut tx, &user.id, &grant, Some(&actor.user_id.0), expires_at)
            .await
            .map_err(internal)?;
        let after = self.permanent_admins(&mut tx, &course).await?;
        check_admins_kept(before, after, "A course")?;
        record(&mut tx, actor, audit::Entry {
                action: "role.change",
                target_type: "user",
                target_id: &user.id,
                scope: Some(&course),
                before: Some(serde_json::json!({"role": held.as_str(), "expires_at": held_until})),
                after: Some(serde_json::json!({"role": role.as_str(), "username": user.username, "expires_at": expires_at})),
                ..Default::default()
})
.await?;
        tx.commit().await.map_err(internal)?;
        Ok(changed(format!("{} is now {}{}.", user.username, role.label(), until(expires_at))))
    }

    async fn studio_remove(&self, admin: &CourseAdmin, username: &str) -> Result<TeamChange, DomainError> {
        let course = admin.course().to_string();
        let actor = admin.principal();
        let user = self.account(username).await?;
        let mut tx = self.db().pool.begin().await.map_err(internal)?;
        roles::lock_course_team(&mut tx, self.db().dialect, &course).await.map_err(internal)?;
        let before = self.permanent_admins(&mut tx, &course).await?;
        let dropped = self.drop_studio_roles(&mut tx, actor, &user, &course).await?;
        if dropped.is_empty() {
            return Err(DomainError::with_message(
                ErrorCode::TeamRoleNotHeld,
                format!("{} is not on this course's team.", user.username),
            ));
        }
        registrar::team::check_not_own_admin(
            &actor.user_id.0,
            &user.id,
            dropped.contains(&Role::Instructor),
        )?;
        let after = self.permanent_admins(&mut tx, &course).await?;
        check_admins_kept(before, after, "A course")?;
        tx.commit().await.map_err(internal)?;
        Ok(changed(format!("{} is no longer on the course team (still enrolled).", user.username)))
    }

    async fn studio_leave(&self, viewer: &CourseTeamViewer) -> Result<TeamChange, DomainError> {
        let course = viewer.course().to_string();
        let me = viewer.principal();
        let user =
            users::get(self.db(), &me.user_id.0).await.map_err(internal)?.ok_or(ErrorCode::AuthRequired)?;
        let mut tx = self.db().pool.begin().await.map_err(internal)?;
        roles::lock_course_team(&mut tx, self.db().dialect, &course).await.map_err(internal)?;
        match self.studio_role_of(&mut tx, &user.id, viewer.course()).await? {
            Some((Role::Instructor, _)) => {
                return Err(DomainError::with_message(
                    ErrorCode::TeamSelfDemotion,
                    "Admins cannot leave by themselves; ask another Admin to remove you.",
                ))
            }
            None => {
                return Err(DomainError::with_message(
                    ErrorCode::TeamRoleNotHeld,
                    "You are not on this course's team yourself; your access comes from elsewhere.",
                ))
            }
            Some(_) => {}
        }
        self.drop_studio_roles(&mut tx, me, &user, &course).await?;
        tx.commit().await.map_err(internal)?;
        Ok(changed("You left the course team."))
    }

    async fn studio_revoke_invitation(
        &self,
        admin: &CourseAdmin,
        id: &str,
    ) -> Result<TeamChange, DomainError> {
        let course = admin.course().to_string();
        let actor = admin.principal();
        let mut tx = self.db().pool.begin().await.map_err(internal)?;
        let Some(invitation) = team_invitations::revoke(&mut tx, &course, id).await.map_err(internal)? else {
            return Err(DomainError::with_message(ErrorCode::NotFound, "That invitation no longer exists."));
        };
        record(
            &mut tx,
            actor,
            audit::Entry {
                action: "team.invitation_revoked",
                target_type: "team_invitation",
                target_id: id,
                scope: Some(&course),
                before: Some(serde_json::json!({"email": invitation.email, "role": invitation.role})),
                ..Default::default()
            },
        )
        .await?;
        tx.commit().await.map_err(internal)?;
        Ok(changed(format!("The invitation of {} was withdrawn.", invitation.email)))
    }

    async fn explain_course_access(
        &self,
        admin: &CourseAdmin,
        identifier: &str,
    ) -> Result<AccessExplanation, DomainError> {
        only_with_access(identifier, "course", self.explain_course_for(identifier, admin.course()).await)
    }

    async fn libraries(&self, me: &Me, search: &str) -> Result<LibraryList, DomainError> {
        let p = me.principal();
        let creator =
            p.grants.iter().any(|g| matches!(g.role, Role::CourseCreator | Role::OrgContentCreator));
        let rows = libraries::visible_to(self.db(), &p.user_id.0, p.is_global_staff(), creator, search)
            .await
            .map_err(internal)?;
        let grants = libraries::all_grants_of(&self.db().pool, &p.user_id.0).await.map_err(internal)?;
        let now = now_ms();
        let libraries = rows
            .iter()
            .map(|row| {
                let level = LibraryKey::parse(&row.key).ok().and_then(|k| effective_level(&grants, &k, now));
                summary_of(row, level)
            })
            .collect();
        let orgs: Vec<String> = sqlx::query_scalar("SELECT key FROM orgs ORDER BY key")
            .fetch_all(&self.db().pool)
            .await
            .map_err(internal)?;
        let can_create_in = orgs
            .into_iter()
            .filter(|o| OrgKey::parse(o).is_ok_and(|org| may_create_library(Some(p), &org)))
            .collect();
        Ok(LibraryList { libraries, can_create_in })
    }

    async fn create_library(
        &self,
        creator: &LibraryCreator,
        slug: &str,
        title: &str,
        description: &str,
    ) -> Result<String, DomainError> {
        let org = self.existing_org(creator.org().as_str()).await?;
        let key = LibraryKey::new(org, slug)?;
        let title = text(title, "title", "A title", 200, ErrorCode::InputInvalid)?;
        let description = description.trim();
        let actor = creator.principal();
        let mut tx = self.db().pool.begin().await.map_err(internal)?;
        if !libraries::create(&mut tx, &key, &title, description, &actor.user_id.0).await.map_err(internal)? {
            return Err(input(
                ErrorCode::LibraryExists,
                "slug",
                format!("{} already has a library with the ID '{}'.", key.org(), key.slug()),
            ));
        }
        let scope = key.to_string();
        record(
            &mut tx,
            actor,
            audit::Entry {
                action: "library.create",
                target_type: "library",
                target_id: &scope,
                scope: Some(&scope),
                after: Some(serde_json::json!({"title": title, "admin": actor.username})),
                ..Default::default()
            },
        )
        .await?;
        tx.commit().await.map_err(internal)?;
        Ok(scope)
    }

    async fn library_page(&self, viewer: &LibraryViewer) -> Result<LibraryPage, DomainError> {
        let key = viewer.library();
        let row = self.library_row(key).await?;
        let p = viewer.principal();
        let grants = libraries::grants_on(&self.db().pool, &p.user_id.0, key).await.map_err(internal)?;
        let (switches, now) = (row.switches(), now_ms());
        let may = |a| decide_library(Some(p), &grants, key, switches, a, now);
        let can_view_team = may(LibraryAction::ViewTeam);
        let (mut members, mut inherited, mut history) = (Vec::new(), Vec::new(), Vec::new());
        let mut global_staff = 0;
        if can_view_team {
            members = libraries::team(self.db(), &row.key)
                .await
                .map_err(internal)?
                .into_iter()
                .map(library_member)
                .collect();
            inherited = libraries::org_grants(self.db(), Some(&row.org))
                .await
                .map_err(internal)?
                .into_iter()
                .map(library_member)
                .map(|m| InheritedAccess {
                    username: if m.kind == "group" { format!("group:{}", m.name) } else { m.name },
                    full_name: m.detail,
                    access: m.level_label,
                    source: format!("Every library of {}", row.org),
                    expires_at: m.expires_at,
                })
                .collect();
            let (staff, count) = self.global_staff_access("Admin").await?;
            inherited.extend(staff);
            global_staff = count;
            history = self.history(&row.key).await?;
        }
        Ok(LibraryPage {
            library: summary_of(&row, effective_level(&grants, key, now)),
            created_at: row.created_at,
            can_edit: may(LibraryAction::Edit),
            can_manage: may(LibraryAction::ManageTeam),
            can_view_team,
            members,
            inherited,
            global_staff,
            history,
            viewer: p.username.clone(),
        })
    }

    async fn update_library(
        &self,
        editor: &LibraryEditor,
        title: &str,
        description: &str,
    ) -> Result<(), DomainError> {
        let key = editor.library().to_string();
        let title = text(title, "title", "A title", 200, ErrorCode::InputInvalid)?;
        let before = self.library_row(editor.library()).await?;
        let actor = editor.principal();
        let mut tx = self.db().pool.begin().await.map_err(internal)?;
        libraries::update_details(&mut tx, &key, &title, description.trim()).await.map_err(internal)?;
        record(
            &mut tx,
            actor,
            audit::Entry {
                action: "library.update",
                target_type: "library",
                target_id: &key,
                scope: Some(&key),
                before: Some(serde_json::json!({"title": before.title, "description": before.description})),
                after: Some(serde_json::json!({"title": title, "description": description.trim()})),
                ..Default::default()
            },
        )
        .await?;
        tx.commit().await.map_err(internal)
    }

    async fn set_library_switches(
        &self,
        admin: &LibraryAdmin,
        switches: LibrarySwitches,
    ) -> Result<(), DomainError> {
        let key = admin.library().to_string();
        let before = self.library_row(admin.library()).await?.switches();
        if before == switches {
            return Ok(());
        }
        let actor = admin.principal();
        let mut tx = self.db().pool.begin().await.map_err(internal)?;
        libraries::set_switches(&mut tx, &key, switches).await.map_err(internal)?;
        record(
            &mut tx,
            actor,
            audit::Entry {
                action: "library.switches",
                target_type: "library",
                target_id: &key,
                scope: Some(&key),
                before: serde_json::to_value(before).ok(),
                after: serde_json::to_value(switches).ok(),
                ..Default::default()
            },
        )
        .await?;
        tx.commit().await.map_err(internal)
    }

    async fn library_grant(
        &self,
        admin: &LibraryAdmin,
        holder: &Holder,
        level: AccessLevel,
        expires_at: Option<i64>,
    ) -> Result<TeamChange, DomainError> {
        let (stored, name) = self.holder(holder, true).await?;
        let target = libraries::Target::Library(admin.library().to_string());
        let granted_by = admin.principal().user_id.0.clone();
        self.change_library_team(admin, &target, async |tx: &mut AnyConnection| {
            if let Some((current, _)) = libraries::level_of(tx, &target, &stored).await.map_err(internal)? {
                let current = AccessLevel::parse(&current).map_or(current, |l| l.label().to_owned());
                return Err(input(
                    ErrorCode::TeamRoleHeld,
                    "name",
                    format!("{name} already has access to this library ({current}); change their level instead."),
                ));
            }
            libraries::grant(tx, &target, &stored, level, Some(&granted_by), expires_at).await.map_err(internal)?;
            Ok(LibraryAudit {
                action: "library.grant",
                holder_id: holder_id(&stored),
                before: None,
                after: Some(serde_json::json!({"holder": name, "access_level": level.as_str(), "expires_at": expires_at})),
            })
        })
        .await?;
        Ok(changed(format!("{name} now has {} access{}.", level.label(), until(expires_at))))
    }

    async fn library_set_level(
        &self,
        admin: &LibraryAdmin,
        holder: &Holder,
        level: AccessLevel,
        expires_at: Option<i64>,
    ) -> Result<TeamChange, DomainError> {
        let (stored, name) = self.holder(holder, false).await?;
        self.check_own_admin(admin, &stored).await?;
        if level == AccessLevel::Admin {
            // Making someone Admin needs an active account, as any grant does.
            self.holder(holder, true).await?;
        }
        let target = libraries::Target::Library(admin.library().to_string());
        let mut unchanged = false;
        self.change_library_team(admin, &target, async |tx: &mut AnyConnection| {
            let Some((current, ends)) = libraries::level_of(tx, &target, &stored).await.map_err(internal)? else {
                return Err(DomainError::with_message(
                    ErrorCode::TeamRoleNotHeld,
                    format!("{name} has no access of its own to this library; add it first."),
                ));
            };
            unchanged = current == level.as_str() && ends == expires_at;
            libraries::set_level(tx, &target, &stored, level, expires_at).await.map_err(internal)?;
            Ok(LibraryAudit {
                action: "library.change",
                holder_id: holder_id(&stored),
                before: Some(serde_json::json!({"access_level": current})),
                after: Some(serde_json::json!({"holder": name, "access_level": level.as_str(), "expires_at": expires_at})),
            })
        })
        .await?;
        if unchanged {
            return Ok(changed(format!("{name} keeps {} access.", level.label())));
        }
        Ok(changed(format!("{name} now has {} access{}.", level.label(), until(expires_at))))
    }

    async fn library_revoke(&self, admin: &LibraryAdmin, holder: &Holder) -> Result<TeamChange, DomainError> {
        let (stored, name) = self.holder(holder, false).await?;
        self.check_own_admin(admin, &stored).await?;
        let target = libraries::Target::Library(admin.library().to_string());
        self.change_library_team(admin, &target, async |tx: &mut AnyConnection| {
            let Some((current, _)) = libraries::level_of(tx, &target, &stored).await.map_err(internal)?
            else {
                return Err(DomainError::with_message(
                    ErrorCode::TeamRoleNotHeld,
                    format!("{name} has no access of its own to this library."),
                ));
            };
            libraries::revoke(tx, &target, &stored).await.map_err(internal)?;
            Ok(LibraryAudit {
                action: "library.revoke",
                holder_id: holder_id(&stored),
                before: Some(serde_json::json!({"holder": name, "access_level": current})),
                after: None,
            })
        })
        .await?;
        Ok(changed(format!("{name} no longer has access of its own to this library.")))
    }

    async fn explain_library_access(
        &self,
        admin: &LibraryAdmin,
        identifier: &str,
    ) -> Result<AccessExplanation, DomainError> {
        only_with_access(identifier, "library", self.explain_library_for(identifier, admin.library()).await)
    }

    async fn groups(&self, _staff: &GlobalStaff) -> Result<Vec<GroupSummary>, DomainError> {
        Ok(groups::list(self.db()).await.map_err(internal)?.into_iter().map(group_summary).collect())
    }

    async fn create_group(
        &self,
        staff: &GlobalStaff,
        name: &str,
        description: &str,
    ) -> Result<String, DomainError> {
        let name = text(name, "name", "A group name", 100, ErrorCode::GroupNameInvalid)?;
        let actor = staff.principal();
        let mut tx = self.db().pool.begin().await.map_err(internal)?;
        let Some(id) =
            groups::create(&mut tx, &name, description.trim(), &actor.user_id.0).await.map_err(internal)?
        else {
            return Err(input(
                ErrorCode::GroupExists,
                "name",
                format!("A group named '{name}' already exists."),
            ));
        };
        self.audit_group(&mut tx, staff, "group.create", &id, None, Some(serde_json::json!({"name": name})))
            .await?;
        tx.commit().await.map_err(internal)?;
        Ok(id)
    }

    async fn group_page(&self, _staff: &GlobalStaff, id: &str) -> Result<GroupPage, DomainError> {
        let group = self.group_by_id(id).await?;
        let members = groups::members(self.db(), id)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|m| GroupMember {
                username: m.username,
                full_name: m.full_name,
                email: m.email,
                since: m.created_at,
                added_by: m.added_by,
            })
            .collect();
        let grants = libraries::for_group(self.db(), id)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|g| GroupGrant {
                target: if g.target.starts_with("lib:") { g.target } else { format!("org:{}", g.target) },
                level_label: AccessLevel::parse(&g.access_level)
                    .map_or(g.access_level, |l| l.label().to_owned()),
                expires_at: g.expires_at,
            })
            .collect();
        let permissions = crate::store::console::group_permissions(self.db(), id).await.map_err(internal)?;
        Ok(GroupPage { group: group_summary(group), members, grants, permissions })
    }

    async fn rename_group(
        &self,
        staff: &GlobalStaff,
        id: &str,
        name: &str,
        description: &str,
    ) -> Result<(), DomainError> {
        let before = self.group_by_id(id).await?;
        let name = text(name, "name", "A group name", 100, ErrorCode::GroupNameInvalid)?;
        let mut tx = self.db().pool.begin().await.map_err(internal)?;
        if !groups::rename(&mut tx, id, &name, description.trim()).await.map_err(internal)? {
            return Err(input(
                ErrorCode::GroupExists,
                "name",
                format!("A group named '{name}' already exists."),
            ));
        }
        let (was, now) = (serde_json::json!({"name": before.name}), serde_json::json!({"name": name}));
        self.audit_group(&mut tx, staff, "group.rename", id, Some(was), Some(now)).await?;
        tx.commit().await.map_err(internal)
    }

    async fn delete_group(&self, staff: &GlobalStaff, id: &str) -> Result<(), DomainError> {
        let group = self.group_by_id(id).await?;
        let mut tx = self.db().pool.begin().await.map_err(internal)?;
        groups::delete(&mut tx, id).await.map_err(internal)?;
        let was = serde_json::json!({"name": group.name, "members": group.members});
        self.audit_group(&mut tx, staff, "group.delete", id, Some(was), None).await?;
        tx.commit().await.map_err(internal)
    }

    async fn add_group_member(
        &self,
        staff: &GlobalStaff,
        id: &str,
        identifier: &str,
    ) -> Result<(), DomainError> {
        let group = self.group_by_id(id).await?;
        let user = self.active_account(identifier).await?;
        let mut tx = self.db().pool.begin().await.map_err(internal)?;
        if !groups::add_member(&mut tx, id, &user.id, &staff.principal().user_id.0).await.map_err(internal)? {
            return Err(input(
                ErrorCode::TeamRoleHeld,
                "identifier",
                format!("{} is already in {}.", user.username, group.name),
            ));
        }
        let now = serde_json::json!({"member": user.username});
        self.audit_group(&mut tx, staff, "group.add_member", id, None, Some(now)).await?;
        tx.commit().await.map_err(internal)
    }

    async fn remove_group_member(
        &self,
        staff: &GlobalStaff,
        id: &str,
        username: &str,
    ) -> Result<(), DomainError> {
        let group = self.group_by_id(id).await?;
        let user = self.account(username).await?;
        let mut tx = self.db().pool.begin().await.map_err(internal)?;
        if !groups::remove_member(&mut tx, id, &user.id).await.map_err(internal)? {
            return Err(DomainError::with_message(
                ErrorCode::TeamRoleNotHeld,
                format!("{} is not in {}.", user.username, group.name),
            ));
        }
        let was = serde_json::json!({"member": user.username});
        self.audit_group(&mut tx, staff, "group.remove_member", id, Some(was), None).await?;
        tx.commit().await.map_err(internal)
    }

    async fn explain_access(
        &self,
        _staff: &GlobalStaff,
        identifier: &str,
        target: &str,
    ) -> Result<AccessExplanation, DomainError> {
        let target = target.trim();
        if target.starts_with("lib:") {
            let key = LibraryKey::parse(target).map_err(|e| e.on_field("target"))?;
            self.explain_library_for(identifier, &key).await
        } else {
            let course = CourseKey::parse(target).map_err(|_| {
                input(
                    ErrorCode::InputInvalid,
                    "target",
                    format!("'{target}' is neither a course key (course-v1:…) nor a library key (lib:…)."),
                )
            })?;
            if courses::get(self.db(), target).await.map_err(internal)?.is_none() {
                return Err(input(ErrorCode::NotFound, "target", format!("There is no course {target}.")));
            }
            self.explain_course_for(identifier, &course).await
        }
    }

    async fn org_grants(&self, _staff: &GlobalStaff, org: &str) -> Result<Vec<OrgGrant>, DomainError> {
        let org = org.trim();
        let org = (!org.is_empty()).then_some(org);
        let mut out: Vec<OrgGrant> = roles::org_grants(self.db(), org)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|(org, r)| OrgGrant {
                org,
                kind: "course".into(),
                holder: r.username,
                role_label: Role::parse(&r.role)
                    .map_or_else(|_| r.role.clone(), |role| role.label().to_owned()),
                role: r.role,
                since: r.created_at,
                granted_by: r.granted_by,
                expires_at: r.expires_at,
            })
            .collect();
        out.extend(libraries::org_grants(self.db(), org).await.map_err(internal)?.into_iter().map(|r| {
            let m = library_member(r.clone());
            OrgGrant {
                org: r.target,
                kind: "library".into(),
                holder: if m.kind == "group" { format!("group:{}", m.name) } else { m.name },
                role: m.level,
                role_label: m.level_label,
                since: m.since,
                granted_by: m.granted_by,
                expires_at: m.expires_at,
            }
        }));
        Ok(out)
    }

    async fn grant_org(
        &self,
        staff: &GlobalStaff,
        request: &OrgGrantRequest,
    ) -> Result<TeamChange, DomainError> {
        self.change_org(staff, request, true).await
    }

    async fn revoke_org(
        &self,
        staff: &GlobalStaff,
        request: &OrgGrantRequest,
    ) -> Result<TeamChange, DomainError> {
        self.change_org(staff, request, false).await
    }
}

/// On a team page, explain only people who have some access there: anyone else, and names that match
/// no account, get the same answer, so a course or library Admin cannot look up arbitrary accounts
/// (global staff can, in the console).
fn only_with_access(
    identifier: &str,
    what: &str,
    explained: Result<AccessExplanation, DomainError>,
) -> Result<AccessExplanation, DomainError> {
    let nobody = || {
        input(
            ErrorCode::UserNotFound,
            "identifier",
            format!("Nobody named '{}' has access to this {what}.", identifier.trim()),
        )
    };
    match explained {
        Ok(e) if e.sources.iter().any(|s| !s.expired) => Ok(e),
        Ok(_) => Err(nobody()),
        Err(e) if e.code == ErrorCode::UserNotFound => Err(nobody()),
        Err(e) => Err(e),
    }
}

fn holder_id(holder: &libraries::Holder) -> String {
    match holder {
        libraries::Holder::User(id) | libraries::Holder::Group(id) => id.clone(),
    }
}

fn group_summary(g: groups::GroupRow) -> GroupSummary {
    GroupSummary {
        id: g.id,
        name: g.name,
        description: g.description,
        members: g.members,
        created_at: g.created_at,
    }
}

/// The org-wide course roles the console gives.
const ORG_COURSE_ROLES: [Role; 4] =
    [Role::Instructor, Role::Staff, Role::DataResearcher, Role::OrgContentCreator];

impl ServerBackend {
    async fn audit_group(
        &self,
        tx: &mut AnyConnection,
        staff: &GlobalStaff,
        action: &str,
        id: &str,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
    ) -> Result<(), DomainError> {
        let actor = staff.principal();
        let scope = format!("group:{id}");
        record(
            tx,
            actor,
            audit::Entry {
                action,
                target_type: "group",
                target_id: id,
                scope: Some(&scope),
                before,
                after,
                ..Default::default()
            },
        )
        .await
        .map_err(internal)
    }

    /// Give (`grant`) or take away an org-wide course role or library level.
    async fn change_org(
        &self,
        staff: &GlobalStaff,
        request: &OrgGrantRequest,
        grant: bool,
    ) -> Result<TeamChange, DomainError> {
        let org = self.existing_org(&request.org).await?;
        let actor = staff.principal();
        let scope = format!("org:{org}");
        match request.kind.trim() {
            "course" => {
                let role = Role::parse(&request.role).map_err(|e| e.on_field("role"))?;
                if !ORG_COURSE_ROLES.contains(&role) {
                    return Err(input(
                        ErrorCode::RoleUnknown,
                        "role",
                        format!("{} cannot be given org-wide; use Admin, Staff, Data Researcher or Org Content Creator.", role.label()),
                    ));
                }
                let Holder::User(identifier) = &request.holder else {
                    return Err(input(
                        ErrorCode::InputInvalid,
                        "holder",
                        "Org-wide course roles go to users; groups get library access.",
                    ));
                };
                let user = if grant {
                    self.active_account(identifier).await?
                } else {
                    self.account(identifier).await?
                };
                let g = Grant { role, scope: Scope::Org(org.clone()) };
                let mut tx = self.db().pool.begin().await.map_err(internal)?;
                let done = if grant {
                    roles::grant_until(&mut tx, &user.id, &g, Some(&actor.user_id.0), request.expires_at)
                        .await
                        .map_err(internal)?
                } else {
                    roles::revoke(&mut tx, &user.id, &g).await.map_err(internal)?
                };
                if !done {
                    let code = if grant { ErrorCode::TeamRoleHeld } else { ErrorCode::TeamRoleNotHeld };
                    let verb = if grant { "already" } else { "not" };
                    return Err(DomainError::with_message(
                        code,
                        format!("{} is {verb} {} of every course of {org}.", user.username, role.label()),
                    ));
                }
                let json = serde_json::json!({"role": role.as_str(), "username": user.username, "expires_at": request.expires_at});
                let (action, before, after) =
                    if grant { ("role.grant", None, Some(json)) } else { ("role.revoke", Some(json), None) };
                record(
                    &mut tx,
                    actor,
                    audit::Entry {
                        action,
                        target_type: "user",
                        target_id: &user.id,
                        scope: Some(&scope),
                        before,
                        after,
                        ..Default::default()
                    },
                )
                .await?;
                tx.commit().await.map_err(internal)?;
                let what = format!("{} of every course of {org}", role.label());
                Ok(changed(if grant {
                    format!("{} is now {what}{}.", user.username, until(request.expires_at))
                } else {
                    format!("{} is no longer {what}.", user.username)
                }))
            }
            "library" => {
                let level = AccessLevel::parse(&request.role).map_err(|e| e.on_field("role"))?;
                let (stored, name) = self.holder(&request.holder, grant).await?;
                let target = libraries::Target::Org(org.to_string());
                let mut tx = self.db().pool.begin().await.map_err(internal)?;
                let done = if grant {
                    libraries::grant(
                        &mut tx,
                        &target,
                        &stored,
                        level,
                        Some(&actor.user_id.0),
                        request.expires_at,
                    )
                    .await
                    .map_err(internal)?
                } else {
                    libraries::revoke(&mut tx, &target, &stored).await.map_err(internal)?
                };
                if !done {
                    let code = if grant { ErrorCode::TeamRoleHeld } else { ErrorCode::TeamRoleNotHeld };
                    let what = if grant { "already has" } else { "has no" };
                    return Err(DomainError::with_message(
                        code,
                        format!("{name} {what} access to every library of {org}."),
                    ));
                }
                let json = serde_json::json!({"holder": name, "access_level": level.as_str(), "expires_at": request.expires_at});
                let (action, before, after) = if grant {
                    ("library.grant", None, Some(json))
                } else {
                    ("library.revoke", Some(json), None)
                };
                record(
                    &mut tx,
                    actor,
                    audit::Entry {
                        action,
                        target_type: "library_grant",
                        target_id: &holder_id(&stored),
                        scope: Some(&scope),
                        before,
                        after,
                        ..Default::default()
                    },
                )
                .await?;
                tx.commit().await.map_err(internal)?;
                Ok(changed(if grant {
                    format!(
                        "{name} now has {} access to every library of {org}{}.",
                        level.label(),
                        until(request.expires_at)
                    )
                } else {
                    format!("{name} no longer has access to every library of {org}.")
                }))
            }
            other => Err(input(
                ErrorCode::InputInvalid,
                "kind",
                format!("'{other}' is neither course nor library."),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(action: &str, before: Option<&str>, after: Option<&str>) -> audit::HistoryRow {
        audit::HistoryRow {
            at: 0,
            actor_label: "ada".into(),
            action: action.into(),
            target_id: "x".into(),
            before_json: before.map(str::to_owned),
            after_json: after.map(str::to_owned),
            reason: None,
        }
    }

    #[test]
    fn history_lines_read_as_sentences() {
        let line = history_line(row("role.grant", None, Some(r#"{"role":"staff","username":"bob"}"#)));
        assert_eq!(line.summary, "gave Staff to bob");
        let line = history_line(row(
            "role.change",
            Some(r#"{"role":"staff"}"#),
            Some(r#"{"role":"instructor","username":"bob","expires_at":86400000}"#),
        ));
        assert_eq!(line.summary, "changed bob from Staff to Admin until 1970-01-01");
        let line = history_line(row(
            "library.revoke",
            Some(r#"{"holder":"group Writers","access_level":"author"}"#),
            None,
        ));
        assert_eq!(line.summary, "took Author away from group Writers");
    }
}
