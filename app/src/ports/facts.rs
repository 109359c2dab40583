//! Port: the facts the Gate decides from. Each method takes [`GateAsks`], which only the Gate can
//! mint, so no server function reads these facts itself. It must not grant anything: the Gate
//! decides with `registrar::authz` and the library and console rules.

use crate::gate::capabilities::GateAsks;
use registrar::console::Permission;
use registrar::ids::UserId;
use registrar::library::{LibraryGrant, LibraryKey, LibrarySwitches};
use registrar::DomainError;

/// What the Gate reads before it decides.
#[async_trait::async_trait]
pub trait GateFacts: Send + Sync {
    /// Facts the Gate decides library access from: the library's switches and every library grant the
    /// user holds in its org (direct, group, org-wide; ended ones included). `None`: no such library.
    async fn library_facts(
        &self,
        asks: &GateAsks,
        user: &UserId,
        key: &LibraryKey,
    ) -> Result<Option<(LibrarySwitches, Vec<LibraryGrant>)>, DomainError>;

    /// The console permissions a user holds through their groups (facts for the Gate).
    async fn console_permissions(
        &self,
        asks: &GateAsks,
        user_id: &UserId,
    ) -> Result<Vec<Permission>, DomainError>;

    /// The username allowed to drive retirements through the service API.
    fn retirement_service_username(&self, asks: &GateAsks) -> String;
}
