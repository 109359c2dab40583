//! A course's team: the Membership tab's course team and discussion roles
//! (`app::ports::team::CourseRoles`) and, in `studio`, the Studio course team page.
//!
//! Owns granting and revoking course roles in one transaction with the last-Admin rule from
//! `registrar::team` and `registrar::discussion`. It must not enroll or unenroll learners beyond
//! enrolling a new team member.

use crate::services::Core;
use crate::store::lock::{self, Row};
use crate::store::{self, courses, enrollments, roles, users};
use app::gate::{CourseAdmin, DiscussionManager};
use app::model::TeamMember;
use app::ports::team::CourseRoles;
use registrar::authz::Principal;
use registrar::ids::CourseKey;
use registrar::roles::Role;
use registrar::AuditAction;
use registrar::{DomainError, ErrorCode};
use std::sync::Arc;
pub mod studio;

/// A course's team and discussion roles, and the Studio team page.
pub struct TeamService {
    core: Arc<Core>,
}

impl TeamService {
    #[must_use]
    pub fn new(core: Arc<Core>) -> Self {
        Self { core }
    }
}

impl Core {
    /// Everyone holding one of `which` roles in the course.
    pub(crate) async fn team_of(&self, course: &str, which: &[Role]) -> Result<Vec<TeamMember>, DomainError> {
        Ok(roles::course_team(&self.db, course, which)
            .await?
            .into_iter()
            // The rows are those whose stored role is one of `which`, so each finds its role.
            .filter_map(|r| {
                let role = which.iter().copied().find(|w| w.as_str() == r.role)?;
                Some(TeamMember {
                    username: r.username,
                    full_name: r.full_name,
                    email: r.email,
                    role,
                    role_label: role.label().to_owned(),
                    since: r.created_at,
                    granted_by: r.granted_by,
                    expires_at: r.expires_at,
                })
            })
            .collect())
    }
}

impl TeamService {
    /// Give a course-level role (team or discussion) to the active account with this username or
    /// email, until `expires_at` if set, enrolling it if it is not; audited. Refused when the account
    /// already holds `role` or one of `exclusive`. The caller has checked that `actor` may. Returns the
    /// account's username.
    pub(crate) async fn grant_course_role(
        &self,
        actor: &Principal,
        course_key: &CourseKey,
        identifier: &str,
        role: Role,
        expires_at: Option<i64>,
        exclusive: &[Role],
    ) -> Result<String, DomainError> {
        let course = course_key.to_string();
        self.core.ensure_course(&course).await?;
        let user = self.core.grantee(identifier).await?;
        if !user.is_active.0 {
            return Err(DomainError::with_message(
                ErrorCode::UserInactive,
                format!("{}'s account is not active, so it cannot be given a role.", user.username),
            )
            .on_field("identifier"));
        }
        let grant =
            registrar::roles::Grant { role, scope: registrar::roles::Scope::Course(course_key.clone()) };
        let mut tx = self.core.begin().await?;
        lock::row(&mut tx, Row::Course, &course).await?;
        let held = roles::grants_for_user(&mut *tx, &user.id).await?;
        let in_course = registrar::roles::Scope::Course(course_key.clone());
        if let Some(other) =
            held.iter().find(|g| g.scope == in_course && exclusive.contains(&g.role) && g.role != role)
        {
            return Err(DomainError::with_message(
                ErrorCode::TeamRoleHeld,
                format!(
                    "{} is already {} of this course; change their role instead.",
                    user.username,
                    other.role.label()
                ),
            ));
        }
        let added = roles::grant_until(&mut tx, &user.id, &grant, Some(&actor.user_id.0), expires_at).await?;
        if !added {
            return Err(DomainError::with_message(
                ErrorCode::TeamRoleHeld,
                format!("{} is already {} of this course.", user.username, role.label()),
            ));
        }
        if courses::enroll(&mut *tx, &user.id, &course, "audit").await? {
            let writes = enrollments::Writes {
                audit: vec![enrollments::AuditRow {
                    email: user.email.clone(),
                    user_id: Some(user.id.clone()),
                    transition: registrar::enrollment::Transition::UnenrolledToEnrolled.as_str(),
                }],
                ..enrollments::Writes::default()
            };
            let reason = format!("granted the {} role", role.label());
            let actor = enrollments::Actor { id: Some(&actor.user_id.0), label: &actor.username };
            enrollments::apply(&mut tx, &course, &writes, actor, Some(&reason)).await?;
        }
        tx.audit(&store::audit::Entry {
                actor_id: Some(&actor.user_id.0),
                actor_label: &actor.username,
                target_type: "user",
                target_id: &user.id,
                scope: Some(&course),
                after: Some(
                    serde_json::json!({"role": role.as_str(), "username": user.username, "expires_at": expires_at}),
                ),
                ..store::audit::Entry::new(AuditAction::RoleGrant)
            },
        )
        .await
        ?;
        tx.commit().await?;
        Ok(user.username)
    }

    /// Take a course-level role away, inside one transaction that holds the course team's lock: never
    /// the last Admin, never your own Admin role, never a course Admin's Discussion Admin role.
    pub(crate) async fn revoke_course_role(
        &self,
        actor: &Principal,
        course_key: &CourseKey,
        username: &str,
        role: Role,
    ) -> Result<(), DomainError> {
        let course = course_key.to_string();
        let user = users::find_by_username(&self.core.db, username).await?.ok_or_else(|| {
            DomainError::with_message(
                ErrorCode::UserNotFound,
                format!("No account has the username '{}'.", username.trim()),
            )
        })?;
        registrar::team::check_removal(&actor.user_id.0, &user.id, role)?;
        let mut tx = self.core.begin().await?;
        lock::row(&mut tx, Row::Course, &course).await?;
        // Count, remove, count again, inside the lock: concurrent removals see each other.
        let before = roles::count_permanent_course_role(&mut tx, &course, Role::Instructor).await?;
        if !roles::revoke_course_role(&mut tx, &user.id, &course, role).await? {
            return Err(DomainError::with_message(
                ErrorCode::TeamRoleNotHeld,
                format!("{} is not {} of this course.", user.username, role.label()),
            ));
        }
        let after = roles::count_permanent_course_role(&mut tx, &course, Role::Instructor).await?;
        registrar::team::check_admins_kept(before, after, "A course")?;
        let target_grants = roles::grants_for_user(&mut *tx, &user.id).await?;
        let target_is_admin = registrar::authz::grants_course_admin(&target_grants, course_key);
        registrar::discussion::check_removal(role, target_is_admin, &user.username)?;
        tx.audit(&store::audit::Entry {
            actor_id: Some(&actor.user_id.0),
            actor_label: &actor.username,
            target_type: "user",
            target_id: &user.id,
            scope: Some(&course),
            before: Some(serde_json::json!({"role": role.as_str(), "username": user.username})),
            ..store::audit::Entry::new(AuditAction::RoleRevoke)
        })
        .await?;
        tx.commit().await
    }
}

#[async_trait::async_trait]
impl CourseRoles for TeamService {
    async fn course_team(&self, admin: &CourseAdmin) -> Result<Vec<TeamMember>, DomainError> {
        self.core.team_of(&admin.course().to_string(), &registrar::team::TEAM_ROLES).await
    }

    async fn add_team_member(
        &self,
        admin: &CourseAdmin,
        identifier: &str,
        role: Role,
    ) -> Result<(), DomainError> {
        self.grant_course_role(admin.principal(), admin.course(), identifier, role, None, &[]).await.map(drop)
    }

    async fn remove_team_member(
        &self,
        admin: &CourseAdmin,
        username: &str,
        role: Role,
    ) -> Result<(), DomainError> {
        self.revoke_course_role(admin.principal(), admin.course(), username, role).await
    }

    async fn discussion_team(&self, manager: &DiscussionManager) -> Result<Vec<TeamMember>, DomainError> {
        self.core.team_of(&manager.course().to_string(), &registrar::discussion::DISCUSSION_ROLES).await
    }

    async fn add_discussion_role(
        &self,
        manager: &DiscussionManager,
        identifier: &str,
        role: Role,
    ) -> Result<(), DomainError> {
        registrar::discussion::check_manage(manager.principal(), manager.course(), role)?;
        self.grant_course_role(manager.principal(), manager.course(), identifier, role, None, &[])
            .await
            .map(drop)
    }

    async fn remove_discussion_role(
        &self,
        manager: &DiscussionManager,
        username: &str,
        role: Role,
    ) -> Result<(), DomainError> {
        registrar::discussion::check_manage(manager.principal(), manager.course(), role)?;
        self.revoke_course_role(manager.principal(), manager.course(), username, role).await
    }
}
