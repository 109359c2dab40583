//! The signed-in user's own account.

use crate::error::ApiError;
use crate::model::AccountView;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::gate::Gate;

/// The account page's data.
#[server(prefix = "/api", endpoint = "account/get")]
pub async fn get_account() -> Result<AccountView, ApiError> {
    let gate = Gate::for_request()?;
    let me = gate.me()?;
    Ok(gate.backend().accounts.account(&me).await?)
}
