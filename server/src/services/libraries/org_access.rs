//! Groups and org-wide grants (`app::ports::libraries::Groups`): the console's groups with their
//! members, org-wide course roles and library levels, and "explain access" for any course or library.
//!
//! Every change is audited; it must not give console permissions (the console's role assignments do).

use super::LibraryService;
use super::{holder_id, library_member};
use crate::services::access::*;
use crate::store::{audit, courses, groups, libraries, roles, Conn};
use app::gate::console::*;
use app::model::{
    AccessExplanation, GroupGrant, GroupMember, GroupPage, GroupSummary, Holder, OrgGrant, OrgGrantRequest,
    TeamChange,
};
use app::ports::libraries::Groups;
use registrar::ids::CourseKey;
use registrar::library::{AccessLevel, LibraryKey};
use registrar::roles::{Grant, Role, Scope};
use registrar::AuditAction;
use registrar::{DomainError, ErrorCode};

#[async_trait::async_trait]
impl Groups for LibraryService {
    async fn groups(&self, _staff: &Console<ViewGroups>) -> Result<Vec<GroupSummary>, DomainError> {
        Ok(groups::list(self.core.db()).await?.into_iter().map(group_summary).collect())
    }

    async fn create_group(
        &self,
        staff: &Console<AddGroups>,
        name: &str,
        description: &str,
    ) -> Result<String, DomainError> {
        let name = text(name, "name", "A group name", 100, ErrorCode::GroupNameInvalid)?;
        let actor = staff.principal();
        let mut tx = self.core.begin().await?;
        let Some(id) = groups::create(&mut tx, &name, description.trim(), &actor.user_id.0).await? else {
            return Err(input(
                ErrorCode::GroupExists,
                "name",
                format!("A group named '{name}' already exists."),
            ));
        };
        self.audit_group(
            &mut tx,
            staff,
            AuditAction::GroupCreate,
            &id,
            None,
            Some(serde_json::json!({"name": name})),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn group_page(&self, _staff: &Console<ViewGroups>, id: &str) -> Result<GroupPage, DomainError> {
        let group = self.group_by_id(id).await?;
        let members = groups::members(self.core.db(), id)
            .await?
            .into_iter()
            .map(|m| GroupMember {
                username: m.username,
                full_name: m.full_name,
                email: m.email,
                since: m.created_at,
                added_by: m.added_by,
            })
            .collect();
        let grants = libraries::for_group(self.core.db(), id)
            .await?
            .into_iter()
            .map(|g| GroupGrant {
                target: if g.target.starts_with("lib:") { g.target } else { format!("org:{}", g.target) },
                level_label: AccessLevel::parse(&g.access_level)
                    .map_or(g.access_level, |l| l.label().to_owned()),
                expires_at: g.expires_at,
            })
            .collect();
        let permissions = crate::store::console::group_permissions(self.core.db(), id).await?;
        Ok(GroupPage { group: group_summary(group), members, grants, permissions })
    }

    async fn rename_group(
        &self,
        staff: &Console<ChangeGroups>,
        id: &str,
        name: &str,
        description: &str,
    ) -> Result<(), DomainError> {
        let before = self.group_by_id(id).await?;
        let name = text(name, "name", "A group name", 100, ErrorCode::GroupNameInvalid)?;
        let mut tx = self.core.begin().await?;
        if !groups::rename(&mut tx, id, &name, description.trim()).await? {
            return Err(input(
                ErrorCode::GroupExists,
                "name",
                format!("A group named '{name}' already exists."),
            ));
        }
        let (was, now) = (serde_json::json!({"name": before.name}), serde_json::json!({"name": name}));
        self.audit_group(&mut tx, staff, AuditAction::GroupRename, id, Some(was), Some(now)).await?;
        tx.commit().await
    }

    async fn delete_group(&self, staff: &Console<DeleteGroups>, id: &str) -> Result<(), DomainError> {
        let group = self.group_by_id(id).await?;
        self.check_membership_change(staff, &group).await?;
        let mut tx = self.core.begin().await?;
        groups::delete(&mut tx, id).await?;
        let was = serde_json::json!({"name": group.name, "members": group.members});
        self.audit_group(&mut tx, staff, AuditAction::GroupDelete, id, Some(was), None).await?;
        tx.commit().await
    }

    async fn add_group_member(
        &self,
        staff: &Console<ChangeGroups>,
        id: &str,
        identifier: &str,
    ) -> Result<(), DomainError> {
        let group = self.group_by_id(id).await?;
        self.check_membership_change(staff, &group).await?;
        let user = self.core.active_grantee(identifier).await?;
        let mut tx = self.core.begin().await?;
        if !groups::add_member(&mut tx, id, &user.id, &staff.principal().user_id.0).await? {
            return Err(input(
                ErrorCode::TeamRoleHeld,
                "identifier",
                format!("{} is already in {}.", user.username, group.name),
            ));
        }
        let now = serde_json::json!({"member": user.username});
        self.audit_group(&mut tx, staff, AuditAction::GroupAddMember, id, None, Some(now)).await?;
        tx.commit().await
    }

    async fn remove_group_member(
        &self,
        staff: &Console<ChangeGroups>,
        id: &str,
        username: &str,
    ) -> Result<(), DomainError> {
        let group = self.group_by_id(id).await?;
        self.check_membership_change(staff, &group).await?;
        let user = self.core.account(username).await?;
        let mut tx = self.core.begin().await?;
        if !groups::remove_member(&mut tx, id, &user.id).await? {
            return Err(DomainError::with_message(
                ErrorCode::TeamRoleNotHeld,
                format!("{} is not in {}.", user.username, group.name),
            ));
        }
        let was = serde_json::json!({"member": user.username});
        self.audit_group(&mut tx, staff, AuditAction::GroupRemoveMember, id, Some(was), None).await?;
        tx.commit().await
    }

    async fn explain_access(
        &self,
        _staff: &Console<ViewRoles>,
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
            if courses::get(self.core.db(), target).await?.is_none() {
                return Err(input(ErrorCode::NotFound, "target", format!("There is no course {target}.")));
            }
            self.core.explain_course_for(identifier, &course).await
        }
    }

    async fn org_grants(&self, _staff: &Console<ViewRoles>, org: &str) -> Result<Vec<OrgGrant>, DomainError> {
        let org = org.trim();
        let org = (!org.is_empty()).then_some(org);
        let mut out: Vec<OrgGrant> = roles::org_grants(self.core.db(), org)
            .await?
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
        for r in libraries::org_grants(self.core.db(), org).await? {
            let m = library_member(r.clone())?;
            out.push(OrgGrant {
                org: r.target,
                kind: "library".into(),
                holder: if m.kind == "group" { format!("group:{}", m.name) } else { m.name },
                role: m.level.as_str().to_owned(),
                role_label: m.level_label,
                since: m.since,
                granted_by: m.granted_by,
                expires_at: m.expires_at,
            });
        }
        Ok(out)
    }

    async fn grant_org(
        &self,
        staff: &Console<AddRoles>,
        request: &OrgGrantRequest,
    ) -> Result<TeamChange, DomainError> {
        self.change_org(staff, request, true).await
    }

    async fn revoke_org(
        &self,
        staff: &Console<DeleteRoles>,
        request: &OrgGrantRequest,
    ) -> Result<TeamChange, DomainError> {
        self.change_org(staff, request, false).await
    }
}

pub(crate) fn group_summary(g: groups::GroupRow) -> GroupSummary {
    GroupSummary {
        id: g.id,
        name: g.name,
        description: g.description,
        members: g.members,
        created_at: g.created_at,
    }
}

/// The org-wide course roles the console gives.
pub(crate) const ORG_COURSE_ROLES: [Role; 4] =
    [Role::Instructor, Role::Staff, Role::DataResearcher, Role::OrgContentCreator];

impl LibraryService {
    /// Membership of a group that gives console permissions is a superuser's to change
    /// (`registrar::console::check_group_membership_change`).
    async fn check_membership_change<P: ConsolePermission>(
        &self,
        staff: &Console<P>,
        group: &groups::GroupRow,
    ) -> Result<(), DomainError> {
        let given = crate::store::console::group_permissions(self.core.db(), &group.id).await?;
        registrar::console::check_group_membership_change(
            staff.principal().is_superuser,
            &group.name,
            given.len(),
        )
    }

    pub(crate) async fn audit_group<P: ConsolePermission>(
        &self,
        tx: &mut Conn,
        staff: &Console<P>,
        action: AuditAction,
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
                target_type: "group",
                target_id: id,
                scope: Some(&scope),
                before,
                after,
                ..audit::Entry::new(action)
            },
        )
        .await
    }

    /// Give (`grant`) or take away an org-wide course role or library level.
    pub(crate) async fn change_org<P: ConsolePermission>(
        &self,
        staff: &Console<P>,
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
                    self.core.active_grantee(identifier).await?
                } else {
                    self.core.account(identifier).await?
                };
                let g = Grant { role, scope: Scope::Org(org.clone()) };
                let mut tx = self.core.begin().await?;
                let done = if grant {
                    roles::grant_until(&mut tx, &user.id, &g, Some(&actor.user_id.0), request.expires_at)
                        .await?
                } else {
                    roles::revoke(&mut tx, &user.id, &g).await?
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
                let (action, before, after) = if grant {
                    (AuditAction::RoleGrant, None, Some(json))
                } else {
                    (AuditAction::RoleRevoke, Some(json), None)
                };
                record(
                    &mut tx,
                    actor,
                    audit::Entry {
                        target_type: "user",
                        target_id: &user.id,
                        scope: Some(&scope),
                        before,
                        after,
                        ..audit::Entry::new(action)
                    },
                )
                .await?;
                tx.commit().await?;
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
                let mut tx = self.core.begin().await?;
                let done = if grant {
                    libraries::grant(
                        &mut tx,
                        &target,
                        &stored,
                        level,
                        Some(&actor.user_id.0),
                        request.expires_at,
                    )
                    .await?
                } else {
                    libraries::revoke(&mut tx, &target, &stored).await?
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
                    (AuditAction::LibraryGrant, None, Some(json))
                } else {
                    (AuditAction::LibraryRevoke, Some(json), None)
                };
                record(
                    &mut tx,
                    actor,
                    audit::Entry {
                        target_type: "library_grant",
                        target_id: &holder_id(&stored),
                        scope: Some(&scope),
                        before,
                        after,
                        ..audit::Entry::new(action)
                    },
                )
                .await?;
                tx.commit().await?;
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
