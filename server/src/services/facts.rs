//! The facts the Gate decides from (`app::ports::facts::GateFacts`): a library's switches and the
//! grants that apply to it, the console permissions a user's groups give, the retirement service
//! user. It must not decide: the Gate does.

use crate::services::Core;
use crate::store::libraries;
use app::gate::GateAsks;
use app::ports::facts::GateFacts;
use registrar::console::Permission;
use registrar::ids::UserId;
use registrar::library::{LibraryGrant, LibraryKey, LibrarySwitches};
use registrar::DomainError;
use std::sync::Arc;

/// The facts the Gate reads before it decides.
pub struct FactService {
    core: Arc<Core>,
}

impl FactService {
    #[must_use]
    pub fn new(core: Arc<Core>) -> Self {
        Self { core }
    }
}

#[async_trait::async_trait]
impl GateFacts for FactService {
    async fn library_facts(
        &self,
        _asks: &GateAsks,
        user: &UserId,
        key: &LibraryKey,
    ) -> Result<Option<(LibrarySwitches, Vec<LibraryGrant>)>, DomainError> {
        let Some(library) = libraries::get(self.core.db(), &key.to_string()).await? else {
            return Ok(None);
        };
        let grants = libraries::grants_on(&self.core.db().pool, &user.0, key).await?;
        Ok(Some((library.switches(), grants)))
    }

    async fn console_permissions(
        &self,
        _asks: &GateAsks,
        user_id: &UserId,
    ) -> Result<Vec<Permission>, DomainError> {
        self.core.console_permissions_of(user_id).await
    }

    fn retirement_service_username(&self, _asks: &GateAsks) -> String {
        self.core.settings().service_username.clone()
    }
}
