//! Role assignments at every scope and the console permissions groups give
//! (`app::ports::console::RoleAssignments`).

use super::*;
use crate::store::{self, console as cs};
use app::gate::ConsoleActor;
use app::model::console::RoleAssignmentLine;
use app::ports::console::RoleAssignments;
use registrar::console::{require_superuser, Permission};
use registrar::roles::{Grant, Role, Scope};
use registrar::AuditAction;
use registrar::{DomainError, ErrorCode};
use serde_json::json;

pub(crate) fn scope_text(scope: &str, org: Option<&str>, course: Option<&str>) -> String {
    match scope {
        "course" => course.unwrap_or_default().to_owned(),
        "org" => org.unwrap_or_default().to_owned(),
        _ => "global".to_owned(),
    }
}

/// A role and scope as typed, checked: the role exists, fits the scope, and the org or course is
/// known.
pub(crate) async fn checked_grant(db: &store::Db, role: &str, scope: &str) -> Result<Grant, DomainError> {
    let role = Role::parse(role)?;
    let scope = Scope::parse_text(scope)?;
    role.check_scope(&scope)?;
    let known: i64 = match &scope {
        Scope::Global => 1,
        Scope::Org(org) => store::roles::count_orgs(db, &org.to_string()).await?,
        Scope::Course(course) => store::roles::count_courses(db, &course.to_string()).await?,
    };
    if known == 0 {
        return Err(DomainError::with_message(ErrorCode::NotFound, format!("There is no {}.", scope)));
    }
    Ok(Grant { role, scope })
}

#[async_trait::async_trait]
impl RoleAssignments for ConsoleService {
    async fn role_assignments(
        &self,
        _actor: &ConsoleActor<'_, ViewRoles>,
        search: &str,
    ) -> Result<Vec<RoleAssignmentLine>, DomainError> {
        let like = store::like_contains(search);
        let rows = store::roles::search_assignments(self.core.db(), &like).await?;
        Ok(rows
            .into_iter()
            .map(|r| RoleAssignmentLine {
                id: r.id,
                username: r.username,
                email: r.email,
                role_label: Role::parse(&r.role)
                    .map_or_else(|_| r.role.clone(), |role| role.label().to_owned()),
                role: r.role,
                scope: scope_text(&r.scope, r.org.as_deref(), r.course_key.as_deref()),
                expires_at: r.expires_at,
                created_at: r.created_at,
            })
            .collect())
    }

    async fn grant_role(
        &self,
        actor: &ConsoleActor<'_, AddRoles>,
        identifier: &str,
        role: &str,
        scope: &str,
        expires_at: Option<i64>,
    ) -> Result<(), DomainError> {
        let user = self.core.grantee(identifier).await?;
        if !user.is_active.0 {
            return Err(DomainError::with_message(
                ErrorCode::UserInactive,
                format!("{} is not active; roles go to active accounts.", user.username),
            ));
        }
        let grant = checked_grant(self.core.db(), role, scope).await?;
        let mut tx = self.core.begin().await?;
        if !store::roles::grant_until(&mut tx, &user.id, &grant, actor.user_id(), expires_at).await? {
            return Err(DomainError::with_message(
                ErrorCode::TeamRoleHeld,
                format!("Duplicate: {} is {} at {} already.", user.username, grant.role.label(), grant.scope),
            ));
        }
        audit(
            &mut tx,
            actor,
            AuditAction::RoleGrant,
            ("user", &user.id),
            None,
            Some(json!({ "role": grant.role.as_str(), "scope": grant.scope.to_text(), "expires_at": expires_at })),
            None,
        )
        .await?;
        tx.commit().await
    }

    async fn revoke_role(
        &self,
        actor: &ConsoleActor<'_, DeleteRoles>,
        identifier: &str,
        role: &str,
        scope: &str,
    ) -> Result<(), DomainError> {
        let user = self.account_named(identifier).await?;
        let grant = checked_grant(self.core.db(), role, scope).await?;
        let mut tx = self.core.begin().await?;
        if !store::roles::revoke_at_scope(&mut tx, &user.id, &grant).await? {
            return Err(DomainError::with_message(
                ErrorCode::TeamRoleNotHeld,
                format!("{} is not {} at {}.", user.username, grant.role.label(), grant.scope),
            ));
        }
        audit(
            &mut tx,
            actor,
            AuditAction::RoleRevoke,
            ("user", &user.id),
            Some(json!({ "role": grant.role.as_str(), "scope": grant.scope.to_text() })),
            None,
            None,
        )
        .await?;
        tx.commit().await
    }

    async fn set_group_permissions(
        &self,
        actor: &ConsoleActor<'_, ChangeGroups>,
        group_id: &str,
        codenames: &[String],
    ) -> Result<(), DomainError> {
        require_superuser(actor.is_superuser(), "change which console permissions a group gives")?;
        let mut permissions =
            codenames.iter().map(|c| Permission::parse(c)).collect::<Result<Vec<_>, _>>()?;
        permissions.sort();
        permissions.dedup();
        let group = store::groups::get(self.core.db(), group_id.trim())
            .await?
            .ok_or_else(|| DomainError::with_message(ErrorCode::NotFound, "There is no such group."))?;
        let before = cs::group_permissions(self.core.db(), &group.id).await?;
        let names: Vec<String> = permissions.iter().map(|p| p.codename()).collect();
        let mut tx = self.core.begin().await?;
        cs::set_group_permissions(&mut tx, &group.id, &names).await?;
        audit(
            &mut tx,
            actor,
            AuditAction::GroupPermissions,
            ("group", &group.id),
            Some(json!(before)),
            Some(json!(names)),
            None,
        )
        .await?;
        tx.commit().await
    }
}
