//! The admin console's sharing sections (global staff): groups, org-wide grants and "explain access".

use crate::error::ApiError;
use crate::model::{AccessExplanation, GroupPage, GroupSummary, OrgGrant, TeamChange};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::gate::console::*;
#[cfg(feature = "ssr")]
use crate::gate::{now_ms, Gate};

/// Every group, with member counts.
#[server(prefix = "/api", endpoint = "console/groups")]
pub async fn list_groups() -> Result<Vec<GroupSummary>, ApiError> {
    let gate = Gate::for_request()?;
    let staff = gate.console_for::<ViewGroups>().await?;
    Ok(gate.backend().libraries.groups(&staff).await?)
}

/// Create a group; browsers go to its page.
#[server(prefix = "/api", endpoint = "console/group_create")]
pub async fn create_group(name: String, description: Option<String>) -> Result<String, ApiError> {
    let gate = Gate::for_request()?;
    let staff = gate.console_for::<AddGroups>().await?;
    let id = gate
        .backend()
        .libraries
        .create_group(&staff, &name, description.as_deref().unwrap_or_default())
        .await?;
    leptos_axum::redirect(&format!("/admin/groups/{id}"));
    Ok(id)
}

/// A group's members and grants.
#[server(prefix = "/api", endpoint = "console/group")]
pub async fn get_group(id: String) -> Result<GroupPage, ApiError> {
    let gate = Gate::for_request()?;
    let staff = gate.console_for::<ViewGroups>().await?;
    Ok(gate.backend().libraries.group_page(&staff, &id).await?)
}

/// Rename and describe a group.
#[server(prefix = "/api", endpoint = "console/group_rename")]
pub async fn rename_group(id: String, name: String, description: Option<String>) -> Result<(), ApiError> {
    let gate = Gate::for_request()?;
    let staff = gate.console_for::<ChangeGroups>().await?;
    Ok(gate
        .backend()
        .libraries
        .rename_group(&staff, &id, &name, description.as_deref().unwrap_or_default())
        .await?)
}

/// Delete a group with its memberships and grants; browsers go back to the list.
#[server(prefix = "/api", endpoint = "console/group_delete")]
pub async fn delete_group(id: String) -> Result<(), ApiError> {
    let gate = Gate::for_request()?;
    let staff = gate.console_for::<DeleteGroups>().await?;
    gate.backend().libraries.delete_group(&staff, &id).await?;
    leptos_axum::redirect("/admin/groups");
    Ok(())
}

/// Add a member by username or email.
#[server(prefix = "/api", endpoint = "console/group_add_member")]
pub async fn add_group_member(id: String, identifier: String) -> Result<(), ApiError> {
    let gate = Gate::for_request()?;
    let staff = gate.console_for::<ChangeGroups>().await?;
    Ok(gate.backend().libraries.add_group_member(&staff, &id, &identifier).await?)
}

/// Remove a member.
#[server(prefix = "/api", endpoint = "console/group_remove_member")]
pub async fn remove_group_member(id: String, username: String) -> Result<(), ApiError> {
    let gate = Gate::for_request()?;
    let staff = gate.console_for::<ChangeGroups>().await?;
    Ok(gate.backend().libraries.remove_group_member(&staff, &id, &username).await?)
}

/// Every source of a user's access to a course (`course-v1:…`) or library (`lib:…`).
#[server(prefix = "/api", endpoint = "console/explain")]
pub async fn explain_access(identifier: String, target: String) -> Result<AccessExplanation, ApiError> {
    let gate = Gate::for_request()?;
    let staff = gate.console_for::<ViewRoles>().await?;
    Ok(gate.backend().libraries.explain_access(&staff, &identifier, &target).await?)
}

/// Org-wide grants, for one org (or every org when empty).
#[server(prefix = "/api", endpoint = "console/org_grants")]
pub async fn list_org_grants(org: Option<String>) -> Result<Vec<OrgGrant>, ApiError> {
    let gate = Gate::for_request()?;
    let staff = gate.console_for::<ViewRoles>().await?;
    Ok(gate.backend().libraries.org_grants(&staff, org.as_deref().unwrap_or_default()).await?)
}

/// Give an org-wide grant: `kind=course` with a course role (`instructor`, `staff`, `data_researcher`)
/// for a user, or `kind=library` with a level (`admin`, `author`, `read`) for a user or `group:<name>`.
#[server(prefix = "/api", endpoint = "console/org_grant")]
pub async fn grant_org(
    org: String,
    kind: String,
    holder: String,
    role: String,
    expires: Option<String>,
) -> Result<TeamChange, ApiError> {
    let gate = Gate::for_request()?;
    let staff = gate.console_for::<AddRoles>().await?;
    let expires_at = registrar::roles::parse_end_date(expires.as_deref().unwrap_or_default(), now_ms())?;
    let request = org_request(org, kind, &holder, role, expires_at)?;
    Ok(gate.backend().libraries.grant_org(&staff, &request).await?)
}

/// Take an org-wide grant away.
#[server(prefix = "/api", endpoint = "console/org_revoke")]
pub async fn revoke_org(
    org: String,
    kind: String,
    holder: String,
    role: String,
) -> Result<TeamChange, ApiError> {
    let gate = Gate::for_request()?;
    let staff = gate.console_for::<DeleteRoles>().await?;
    let request = org_request(org, kind, &holder, role, None)?;
    Ok(gate.backend().libraries.revoke_org(&staff, &request).await?)
}

#[cfg(feature = "ssr")]
fn org_request(
    org: String,
    kind: String,
    holder: &str,
    role: String,
    expires_at: Option<i64>,
) -> Result<crate::model::OrgGrantRequest, ApiError> {
    let holder = match holder.trim().strip_prefix("group:") {
        Some(group) => crate::model::Holder::parse("group", group)?,
        None => crate::model::Holder::parse("user", holder)?,
    };
    Ok(crate::model::OrgGrantRequest { org, kind, holder, role, expires_at })
}
