//! Content libraries: the list, creation, the library page, its switches and its team (users and
//! groups at admin / author / read), and "explain access".

use crate::error::ApiError;
use crate::model::{AccessExplanation, LibraryList, LibraryPage, TeamChange};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::gate::Gate;

#[cfg(feature = "ssr")]
fn library_key(key: &str) -> Result<registrar::library::LibraryKey, ApiError> {
    Ok(registrar::library::LibraryKey::parse(key)?)
}

#[cfg(feature = "ssr")]
use super::end_date;

/// The libraries the signed-in user may view (`search` matches title, ID or org).
#[server(prefix = "/api", endpoint = "libraries/list")]
pub async fn list_libraries(search: Option<String>) -> Result<LibraryList, ApiError> {
    let gate = Gate::for_request()?;
    let me = gate.me()?;
    Ok(gate.backend().libraries.libraries(&me, search.as_deref().unwrap_or_default()).await?)
}

/// Create a library in `org` with an ID (`slug`) that never changes; the creator becomes its Admin.
#[server(prefix = "/api", endpoint = "libraries/create")]
pub async fn create_library(
    org: String,
    slug: String,
    title: String,
    description: Option<String>,
) -> Result<String, ApiError> {
    let gate = Gate::for_request()?;
    let org = registrar::ids::OrgKey::parse(&org).map_err(|e| e.on_field("org"))?;
    let creator = gate.library_creator(&org)?;
    let key = gate
        .backend()
        .libraries
        .create_library(&creator, &slug, &title, description.as_deref().unwrap_or_default())
        .await?;
    leptos_axum::redirect(&format!("/libraries/{key}"));
    Ok(key)
}

/// The library page (anyone who may view the library; its team, history and inherited access only
/// for those with a grant on it).
#[server(prefix = "/api", endpoint = "libraries/get")]
pub async fn get_library(key: String) -> Result<LibraryPage, ApiError> {
    let gate = Gate::for_request()?;
    let viewer = gate.library_viewer(&library_key(&key)?).await?;
    Ok(gate.backend().libraries.library_page(&viewer).await?)
}

/// Change the title and description (Authors and Admins).
#[server(prefix = "/api", endpoint = "libraries/update")]
pub async fn update_library(key: String, title: String, description: Option<String>) -> Result<(), ApiError> {
    let gate = Gate::for_request()?;
    let editor = gate.library_editor(&library_key(&key)?).await?;
    Ok(gate
        .backend()
        .libraries
        .update_library(&editor, &title, description.as_deref().unwrap_or_default())
        .await?)
}

/// Set `allow_public_read` and `allow_public_learning` (checkboxes: on when present). Admins only.
#[server(prefix = "/api", endpoint = "libraries/switches")]
pub async fn set_library_switches(
    key: String,
    allow_public_read: Option<String>,
    allow_public_learning: Option<String>,
) -> Result<(), ApiError> {
    let gate = Gate::for_request()?;
    let admin = gate
        .library_admin_for(&library_key(&key)?, registrar::library::LibraryAction::ChangeSwitches)
        .await?;
    let switches = registrar::library::LibrarySwitches {
        allow_public_read: allow_public_read.is_some(),
        allow_public_learning: allow_public_learning.is_some(),
    };
    Ok(gate.backend().libraries.set_library_switches(&admin, switches).await?)
}

/// Give a user (`kind=user`, username or email) or a group (`kind=group`, its name) a level
/// (`admin`, `author`, `read`), optionally until `expires` (YYYY-MM-DD). Admins only.
#[server(prefix = "/api", endpoint = "libraries/grant")]
pub async fn library_grant(
    key: String,
    kind: Option<String>,
    name: String,
    level: String,
    expires: Option<String>,
) -> Result<TeamChange, ApiError> {
    let gate = Gate::for_request()?;
    let admin = gate.library_admin(&library_key(&key)?).await?;
    let holder = crate::model::Holder::parse(kind.as_deref().unwrap_or_default(), &name)?;
    let level = registrar::library::AccessLevel::parse(&level)?;
    Ok(gate.backend().libraries.library_grant(&admin, &holder, level, end_date(expires)?).await?)
}

/// Change a user's or group's level (and when it ends). Admins only.
#[server(prefix = "/api", endpoint = "libraries/set_level")]
pub async fn library_set_level(
    key: String,
    kind: Option<String>,
    name: String,
    level: String,
    expires: Option<String>,
) -> Result<TeamChange, ApiError> {
    let gate = Gate::for_request()?;
    let admin = gate.library_admin(&library_key(&key)?).await?;
    let holder = crate::model::Holder::parse(kind.as_deref().unwrap_or_default(), &name)?;
    let level = registrar::library::AccessLevel::parse(&level)?;
    Ok(gate.backend().libraries.library_set_level(&admin, &holder, level, end_date(expires)?).await?)
}

/// Take a user's or group's access away. Admins only.
#[server(prefix = "/api", endpoint = "libraries/revoke")]
pub async fn library_revoke(key: String, kind: Option<String>, name: String) -> Result<TeamChange, ApiError> {
    let gate = Gate::for_request()?;
    let admin = gate.library_admin(&library_key(&key)?).await?;
    let holder = crate::model::Holder::parse(kind.as_deref().unwrap_or_default(), &name)?;
    Ok(gate.backend().libraries.library_revoke(&admin, &holder).await?)
}

/// Every grant that gives a user access to the library, and what each allows. Admins only.
#[server(prefix = "/api", endpoint = "libraries/explain")]
pub async fn explain_library_access(key: String, identifier: String) -> Result<AccessExplanation, ApiError> {
    let gate = Gate::for_request()?;
    let admin = gate.library_admin(&library_key(&key)?).await?;
    Ok(gate.backend().libraries.explain_library_access(&admin, &identifier).await?)
}
