//! Content libraries (`app::ports::libraries::Libraries`): the list, creation, the library page,
//! its switches and its team (users and groups, with end dates), "explain access" for a library;
//! groups and org-wide grants live in `groups`.
//!
//! Every team change locks the library's team and keeps a permanent Admin
//! (`registrar::team::check_admins_kept`); every change is audited with the library as its scope.

use crate::services::access::*;
use crate::services::Core;
use crate::store::lock::{self, Row};
use crate::store::{audit, groups, libraries, orgs, users, Conn};
use app::gate::{now_ms, LibraryAdmin, LibraryCreator, LibraryEditor, LibraryViewer, Me};
use app::model::{
    AccessExplanation, Holder, InheritedAccess, LibraryList, LibraryMember, LibraryPage, LibrarySummary,
    TeamChange,
};
use app::ports::libraries::Libraries;
use registrar::ids::OrgKey;
use registrar::library::{
    decide_library, effective_level, explain_library, may_create_library, AccessLevel, LibraryAction,
    LibraryKey, LibrarySwitches,
};
use registrar::roles::Role;
use registrar::team::check_admins_kept;
use registrar::AuditAction;
use registrar::{DomainError, ErrorCode};
use std::sync::Arc;
pub mod org_access;

/// Libraries and their teams, groups and org-wide grants.
pub struct LibraryService {
    core: Arc<Core>,
}

impl LibraryService {
    #[must_use]
    pub fn new(core: Arc<Core>) -> Self {
        Self { core }
    }
}

impl LibraryService {
    pub(crate) async fn group_by_name(&self, name: &str) -> Result<groups::GroupRow, DomainError> {
        groups::find_by_name(self.core.db(), name).await?.ok_or_else(|| {
            input(ErrorCode::NotFound, "name", format!("There is no group named '{}'.", name.trim()))
        })
    }

    pub(crate) async fn group_by_id(&self, id: &str) -> Result<groups::GroupRow, DomainError> {
        groups::get(self.core.db(), id)
            .await?
            .ok_or_else(|| DomainError::with_message(ErrorCode::NotFound, "There is no such group."))
    }

    pub(crate) async fn existing_org(&self, org: &str) -> Result<OrgKey, DomainError> {
        let key = OrgKey::parse(org).map_err(|e| e.on_field("org"))?;
        let found = orgs::find_key(&self.core.db().pool, key.as_str()).await?;
        found.map(|_| key).ok_or_else(|| {
            input(ErrorCode::NotFound, "org", format!("There is no organization '{}'.", org.trim()))
        })
    }

    /// A library grant's holder as stored (user or group id) and as messages name it; granting needs
    /// an active user.
    pub(crate) async fn holder(
        &self,
        holder: &Holder,
        granting: bool,
    ) -> Result<(libraries::Holder, String), DomainError> {
        match holder {
            Holder::User(identifier) => {
                let user = if granting {
                    self.core.active_grantee(identifier).await?
                } else {
                    self.core.account(identifier).await?
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
    pub(crate) async fn check_own_admin(
        &self,
        admin: &LibraryAdmin,
        stored: &libraries::Holder,
    ) -> Result<(), DomainError> {
        let libraries::Holder::User(target) = stored else {
            return Ok(());
        };
        let library = libraries::Target::Library(admin.library().to_string());
        let mut conn = self.core.db().connection().await?;
        let current = libraries::level_of(&mut conn, &library, stored).await?;
        let holds_admin = current.is_some_and(|(level, _)| level == AccessLevel::Admin.as_str());
        registrar::team::check_not_own_admin(&admin.principal().user_id.0, target, holds_admin)
    }

    pub(crate) async fn library_row(&self, key: &LibraryKey) -> Result<libraries::LibraryRow, DomainError> {
        libraries::get(self.core.db(), &key.to_string()).await?.ok_or_else(|| {
            DomainError::with_message(ErrorCode::NotFound, format!("There is no library {key}."))
        })
    }

    pub(crate) async fn explain_library_for(
        &self,
        identifier: &str,
        key: &LibraryKey,
    ) -> Result<AccessExplanation, DomainError> {
        let library = self.library_row(key).await?;
        let user = self.core.account(identifier).await?;
        let (full_name, is_active) = (user.full_name.clone(), user.is_active.0);
        let grants = libraries::grants_on(&self.core.db().pool, &user.id, key).await?;
        let principal = users::principal(self.core.db(), user).await?;
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

    /// Grant, change or revoke on a library's team inside one locked transaction, refusing a change
    /// that leaves it without a permanent Admin. `change` returns the audit entry's action and JSON.
    pub(crate) async fn change_library_team(
        &self,
        admin: &LibraryAdmin,
        target: &libraries::Target,
        change: impl AsyncFnOnce(&mut Conn) -> Result<LibraryAudit, DomainError>,
    ) -> Result<(), DomainError> {
        let scope = target.scope();
        let mut tx = self.core.begin().await?;
        if let libraries::Target::Library(key) = target {
            lock::row(&mut tx, Row::Library, key).await?;
        }
        let count = async |tx: &mut Conn| match target {
            libraries::Target::Library(key) => libraries::count_permanent_admins(tx, key).await,
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
                target_type: "library_grant",
                target_id: &entry.holder_id,
                scope: Some(&scope),
                before: entry.before,
                after: entry.after,
                ..audit::Entry::new(entry.action)
            },
        )
        .await?;
        tx.commit().await
    }
}

/// What a library team change writes to the audit log.
pub(crate) struct LibraryAudit {
    action: AuditAction,
    holder_id: String,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
}

/// A library team row as the page lists it; a stored level outside the schema's list is a data error.
pub(crate) fn library_member(row: libraries::TeamRow) -> Result<LibraryMember, DomainError> {
    let level = AccessLevel::parse(&row.access_level).map_err(crate::services::internal)?;
    let (kind, name, detail) = match (&row.username, &row.group_name) {
        (Some(username), _) => ("user", username.clone(), row.full_name.clone().unwrap_or_default()),
        (None, Some(group)) => {
            let n = row.group_members.unwrap_or(0);
            ("group", group.clone(), format!("Group of {n} {}", if n == 1 { "member" } else { "members" }))
        }
        (None, None) => ("user", String::new(), String::new()),
    };
    Ok(LibraryMember {
        kind: kind.to_owned(),
        name,
        detail,
        email: row.email,
        group_id: row.group_id,
        level,
        level_label: level.label().to_owned(),
        since: row.created_at,
        granted_by: row.granted_by,
        expires_at: row.expires_at,
    })
}

pub(crate) fn summary_of(row: &libraries::LibraryRow, my_level: Option<AccessLevel>) -> LibrarySummary {
    LibrarySummary {
        key: row.key.clone(),
        org: row.org.clone(),
        slug: row.slug.clone(),
        title: row.title.clone(),
        description: row.description.clone(),
        allow_public_read: row.allow_public_read.0,
        allow_public_learning: row.allow_public_learning.0,
        my_level,
    }
}

#[async_trait::async_trait]
impl Libraries for LibraryService {
    async fn libraries(&self, me: &Me, search: &str) -> Result<LibraryList, DomainError> {
        let p = me.principal();
        let creator =
            p.grants.iter().any(|g| matches!(g.role, Role::CourseCreator | Role::OrgContentCreator));
        let rows =
            libraries::visible_to(self.core.db(), &p.user_id.0, p.is_global_staff(), creator, search).await?;
        let grants = libraries::all_grants_of(&self.core.db().pool, &p.user_id.0).await?;
        let now = now_ms();
        let libraries = rows
            .iter()
            .map(|row| {
                let level = LibraryKey::parse(&row.key).ok().and_then(|k| effective_level(&grants, &k, now));
                summary_of(row, level)
            })
            .collect();
        let org_keys = orgs::keys(&self.core.db().pool).await?;
        let can_create_in = org_keys
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
        let mut tx = self.core.begin().await?;
        if !libraries::create(&mut tx, &key, &title, description, &actor.user_id.0).await? {
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
                target_type: "library",
                target_id: &scope,
                scope: Some(&scope),
                after: Some(serde_json::json!({"title": title, "admin": actor.username})),
                ..audit::Entry::new(AuditAction::LibraryCreate)
            },
        )
        .await?;
        tx.commit().await?;
        Ok(scope)
    }

    async fn library_page(&self, viewer: &LibraryViewer) -> Result<LibraryPage, DomainError> {
        let key = viewer.library();
        let row = self.library_row(key).await?;
        let p = viewer.principal();
        let grants = libraries::grants_on(&self.core.db().pool, &p.user_id.0, key).await?;
        let (switches, now) = (row.switches(), now_ms());
        let may = |a| decide_library(Some(p), &grants, key, switches, a, now);
        let can_view_team = may(LibraryAction::ViewTeam);
        let (mut members, mut inherited, mut history) = (Vec::new(), Vec::new(), Vec::new());
        let mut global_staff = 0;
        if can_view_team {
            members = libraries::team(self.core.db(), &row.key)
                .await?
                .into_iter()
                .map(library_member)
                .collect::<Result<_, _>>()?;
            inherited = libraries::org_grants(self.core.db(), Some(&row.org))
                .await?
                .into_iter()
                .map(|r| {
                    library_member(r).map(|m| InheritedAccess {
                        username: if m.kind == "group" { format!("group:{}", m.name) } else { m.name },
                        full_name: m.detail,
                        access: m.level_label,
                        source: format!("Every library of {}", row.org),
                        expires_at: m.expires_at,
                    })
                })
                .collect::<Result<_, _>>()?;
            let (staff, count) = self.core.global_staff_access("Admin").await?;
            inherited.extend(staff);
            global_staff = count;
            history = self.core.history(&row.key).await?;
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
        let mut tx = self.core.begin().await?;
        libraries::update_details(&mut tx, &key, &title, description.trim()).await?;
        record(
            &mut tx,
            actor,
            audit::Entry {
                target_type: "library",
                target_id: &key,
                scope: Some(&key),
                before: Some(serde_json::json!({"title": before.title, "description": before.description})),
                after: Some(serde_json::json!({"title": title, "description": description.trim()})),
                ..audit::Entry::new(AuditAction::LibraryUpdate)
            },
        )
        .await?;
        tx.commit().await
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
        let mut tx = self.core.begin().await?;
        libraries::set_switches(&mut tx, &key, switches).await?;
        record(
            &mut tx,
            actor,
            audit::Entry {
                target_type: "library",
                target_id: &key,
                scope: Some(&key),
                before: serde_json::to_value(before).ok(),
                after: serde_json::to_value(switches).ok(),
                ..audit::Entry::new(AuditAction::LibrarySwitches)
            },
        )
        .await?;
        tx.commit().await
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
        self.change_library_team(admin, &target, async |tx: &mut Conn| {
            if let Some((current, _)) = libraries::level_of(tx, &target, &stored).await? {
                let current = AccessLevel::parse(&current).map_or(current, |l| l.label().to_owned());
                return Err(input(
                    ErrorCode::TeamRoleHeld,
                    "name",
                    format!("{name} already has access to this library ({current}); change their level instead."),
                ));
            }
            libraries::grant(tx, &target, &stored, level, Some(&granted_by), expires_at).await?;
            Ok(LibraryAudit {
                action: AuditAction::LibraryGrant,
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
        self.change_library_team(admin, &target, async |tx: &mut Conn| {
            let Some((current, ends)) = libraries::level_of(tx, &target, &stored).await? else {
                return Err(DomainError::with_message(
                    ErrorCode::TeamRoleNotHeld,
                    format!("{name} has no access of its own to this library; add it first."),
                ));
            };
            unchanged = current == level.as_str() && ends == expires_at;
            libraries::set_level(tx, &target, &stored, level, expires_at).await?;
            Ok(LibraryAudit {
                action: AuditAction::LibraryChange,
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
        self.change_library_team(admin, &target, async |tx: &mut Conn| {
            let Some((current, _)) = libraries::level_of(tx, &target, &stored).await? else {
                return Err(DomainError::with_message(
                    ErrorCode::TeamRoleNotHeld,
                    format!("{name} has no access of its own to this library."),
                ));
            };
            libraries::revoke(tx, &target, &stored).await?;
            Ok(LibraryAudit {
                action: AuditAction::LibraryRevoke,
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
}

pub(crate) fn holder_id(holder: &libraries::Holder) -> String {
    match holder {
        libraries::Holder::User(id) | libraries::Holder::Group(id) => id.clone(),
    }
}
