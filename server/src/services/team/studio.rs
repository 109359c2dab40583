//! The Studio course team page (`app::ports::team::StudioTeam`): Admins and Staff by email or
//! username with end dates, invitations (redeemed when the invitee proves the address), leaving, inherited
//! access and the team's history, "explain access" for a course.
//!
//! Every change locks the team, counts its permanent Admins before and after and asks
//! `registrar::team::check_admins_kept`; every change is audited with the course as its scope.

use super::TeamService;
use crate::services::access::*;
use crate::services::{internal, Core};
use crate::store::lock::{self, Row};
use crate::store::{audit, courses, enrollments, roles, team_invitations, users, Conn, DbError};
use app::gate::{now_ms, CourseAdmin, CourseTeamViewer};
use app::model::{AccessExplanation, InheritedAccess, StudioTeam, TeamChange, TeamInvitation};
use app::ports::team::StudioTeamPage;
use registrar::authz::{course_abilities, decide, explain_course, Action, Principal};
use registrar::ids::CourseKey;
use registrar::roles::{is_live, Grant, Role, Scope};
use registrar::team::{check_admins_kept, STUDIO_ROLES};
use registrar::AuditAction;
use registrar::{DomainError, ErrorCode};

/// How long a Studio team invitation waits for its email to register.
pub const INVITATION_TTL_MS: i64 = 30 * 86_400_000;

/// How many global staff a team page names (it counts them all).
pub(crate) const GLOBAL_STAFF_SHOWN: i64 = 10;

/// Turn a course's pending Studio invitations for `email` into roles, enrolling the new account;
/// inside the registration transaction.
pub async fn redeem_team_invitations(
    conn: &mut Conn,
    user_id: &str,
    username: &str,
    email: &str,
) -> Result<(), DbError> {
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
                target_type: "user",
                target_id: user_id,
                scope: Some(&invitation.course_key),
                after: Some(serde_json::json!({"role": role.as_str(), "username": username, "email": email})),
                ..audit::Entry::new(AuditAction::TeamInvitationAccepted)
            },
        )
        .await?;
    }
    Ok(())
}

impl Core {
    pub(crate) async fn explain_course_for(
        &self,
        identifier: &str,
        course: &CourseKey,
    ) -> Result<AccessExplanation, DomainError> {
        let user = self.account(identifier).await?;
        let (full_name, is_active) = (user.full_name.clone(), user.is_active.0);
        let dated = roles::dated_grants_for_user(&self.db().pool, &user.id).await?;
        let principal = users::principal(self.db(), user).await?;
        Ok(AccessExplanation {
            username: principal.username.clone(),
            full_name,
            is_active,
            target: course.to_string(),
            sources: explain_course(&principal, &dated, course, now_ms()),
            allowed: course_abilities(&principal, course),
        })
    }

    pub(crate) async fn global_staff_access(
        &self,
        access: &str,
    ) -> Result<(Vec<InheritedAccess>, i64), DomainError> {
        let (rows, count) = users::global_staff(self.db(), GLOBAL_STAFF_SHOWN).await?;
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

impl TeamService {
    /// Which Studio role the user holds in the course (the highest, if both rows exist).
    pub(crate) async fn studio_role_of(
        &self,
        conn: &mut Conn,
        user_id: &str,
        course: &CourseKey,
    ) -> Result<Option<(Role, Option<i64>)>, DomainError> {
        let dated = roles::dated_grants_for_user(&mut *conn, user_id).await?;
        let in_course = Scope::Course(course.clone());
        Ok(STUDIO_ROLES.into_iter().find_map(|role| {
            dated
                .iter()
                .find(|d| d.grant.scope == in_course && d.grant.role == role)
                .map(|d| (role, d.expires_at))
        }))
    }

    pub(crate) async fn permanent_admins(&self, conn: &mut Conn, course: &str) -> Result<i64, DomainError> {
        roles::count_permanent_course_role(conn, course, Role::Instructor).await.map_err(internal)
    }

    /// Take every Studio role away from a user inside `conn`, auditing each; returns what was held.
    pub(crate) async fn drop_studio_roles(
        &self,
        conn: &mut Conn,
        actor: &Principal,
        user: &users::UserRow,
        course: &str,
    ) -> Result<Vec<Role>, DomainError> {
        let mut dropped = Vec::new();
        for role in STUDIO_ROLES {
            if roles::revoke_course_role(conn, &user.id, course, role).await? {
                dropped.push(role);
            }
        }
        let entries: Vec<audit::Entry<'_>> = dropped
            .iter()
            .map(|role| audit::Entry {
                actor_id: Some(&actor.user_id.0),
                actor_label: &actor.username,
                target_type: "user",
                target_id: &user.id,
                scope: Some(course),
                before: Some(serde_json::json!({"role": role.as_str(), "username": user.username})),
                ..audit::Entry::new(AuditAction::RoleRevoke)
            })
            .collect();
        audit::append_many(conn, &entries).await?;
        Ok(dropped)
    }

    pub(crate) fn inherited_course(rows: Vec<roles::TeamRow>, org: &str) -> Vec<InheritedAccess> {
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
}

#[async_trait::async_trait]
impl StudioTeamPage for TeamService {
    async fn studio_team(&self, viewer: &CourseTeamViewer) -> Result<StudioTeam, DomainError> {
        let course = viewer.course();
        let key = course.to_string();
        let row = courses::get(self.core.db(), &key).await?.ok_or_else(|| {
            DomainError::with_message(ErrorCode::NotFound, format!("There is no course {key}."))
        })?;
        let mut members = self.core.team_of(&key, &STUDIO_ROLES).await?;
        // Studio shows one role per person: the highest, when the Membership tab gave both.
        let admins: std::collections::HashSet<String> =
            members.iter().filter(|m| m.role == Role::Instructor).map(|m| m.username.clone()).collect();
        members.retain(|m| m.role == Role::Instructor || !admins.contains(&m.username));
        members.sort_by_key(|m| m.role != Role::Instructor);
        let org = course.org().as_str();
        let mut inherited =
            Self::inherited_course(roles::org_team(self.core.db(), org, &STUDIO_ROLES).await?, org);
        let (staff, global_staff) = self.core.global_staff_access("Admin").await?;
        inherited.extend(staff);
        let now = now_ms();
        let can_manage = decide(viewer.principal(), &Action::EditCourseAccess(course.clone())).is_allowed();
        // Pending invitations name people who have no account yet: only those who may manage the
        // team see them (to revoke or resend).
        let pending =
            if can_manage { team_invitations::for_course(self.core.db(), &key).await? } else { Vec::new() };
        let invitations = pending
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
            history: self.core.history(&key).await?,
            can_manage,
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
        // An account that owns this name or proven address gets the role now; an address nobody has
        // proven gets an invitation, redeemed when its owner proves it.
        if users::find_grantee(self.core.db(), identifier).await?.is_some() {
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
        if courses::get(self.core.db(), &course).await?.is_none() {
            return Err(DomainError::with_message(
                ErrorCode::NotFound,
                format!("There is no course {course}."),
            ));
        }
        let actor = admin.principal();
        let invitation_ends = now_ms() + INVITATION_TTL_MS;
        let mut tx = self.core.begin().await?;
        let created = team_invitations::create(
            &mut tx,
            &course,
            email.as_str(),
            role.as_str(),
            &actor.user_id.0,
            invitation_ends,
            expires_at,
        )
        .await?;
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
                target_type: "team_invitation",
                target_id: &id,
                scope: Some(&course),
                after: Some(serde_json::json!({"email": email.as_str(), "role": role.as_str(), "expires_at": expires_at})),
                ..audit::Entry::new(AuditAction::TeamInvite)
})
.await?;
        tx.commit().await?;
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
        let user = self.core.account(username).await?;
        let mut tx = self.core.begin().await?;
        lock::row(&mut tx, Row::Course, &course).await?;
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
            roles::revoke_course_role(&mut tx, &user.id, &course, old).await?;
        }
        let grant = Grant { role, scope: Scope::Course(admin.course().clone()) };
        roles::grant_until(&mut tx, &user.id, &grant, Some(&actor.user_id.0), expires_at).await?;
        let after = self.permanent_admins(&mut tx, &course).await?;
        check_admins_kept(before, after, "A course")?;
        record(&mut tx, actor, audit::Entry {
                target_type: "user",
                target_id: &user.id,
                scope: Some(&course),
                before: Some(serde_json::json!({"role": held.as_str(), "expires_at": held_until})),
                after: Some(serde_json::json!({"role": role.as_str(), "username": user.username, "expires_at": expires_at})),
                ..audit::Entry::new(AuditAction::RoleChange)
})
.await?;
        tx.commit().await?;
        Ok(changed(format!("{} is now {}{}.", user.username, role.label(), until(expires_at))))
    }

    async fn studio_remove(&self, admin: &CourseAdmin, username: &str) -> Result<TeamChange, DomainError> {
        let course = admin.course().to_string();
        let actor = admin.principal();
        let user = self.core.account(username).await?;
        let mut tx = self.core.begin().await?;
        lock::row(&mut tx, Row::Course, &course).await?;
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
        tx.commit().await?;
        Ok(changed(format!("{} is no longer on the course team (still enrolled).", user.username)))
    }

    async fn studio_leave(&self, viewer: &CourseTeamViewer) -> Result<TeamChange, DomainError> {
        let course = viewer.course().to_string();
        let me = viewer.principal();
        let user = users::get(self.core.db(), &me.user_id.0).await?.ok_or(ErrorCode::AuthRequired)?;
        let mut tx = self.core.begin().await?;
        lock::row(&mut tx, Row::Course, &course).await?;
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
        tx.commit().await?;
        Ok(changed("You left the course team."))
    }

    async fn studio_revoke_invitation(
        &self,
        admin: &CourseAdmin,
        id: &str,
    ) -> Result<TeamChange, DomainError> {
        let course = admin.course().to_string();
        let actor = admin.principal();
        let mut tx = self.core.begin().await?;
        let Some(invitation) = team_invitations::revoke(&mut tx, &course, id).await? else {
            return Err(DomainError::with_message(ErrorCode::NotFound, "That invitation no longer exists."));
        };
        record(
            &mut tx,
            actor,
            audit::Entry {
                target_type: "team_invitation",
                target_id: id,
                scope: Some(&course),
                before: Some(serde_json::json!({"email": invitation.email, "role": invitation.role})),
                ..audit::Entry::new(AuditAction::TeamInvitationRevoked)
            },
        )
        .await?;
        tx.commit().await?;
        Ok(changed(format!("The invitation of {} was withdrawn.", invitation.email)))
    }

    async fn explain_course_access(
        &self,
        admin: &CourseAdmin,
        identifier: &str,
    ) -> Result<AccessExplanation, DomainError> {
        only_with_access(identifier, "course", self.core.explain_course_for(identifier, admin.course()).await)
    }
}
