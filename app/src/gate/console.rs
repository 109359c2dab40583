//! Console capabilities: one type per console permission (or set of them) a use case needs.
//!
//! A port method names the permission it needs in its signature (`&ConsoleActor<'_, ChangeUsers>`,
//! `&Console<ViewCredentials>`); only the Gate mints a [`Console`] (`Gate::console_for`), after
//! checking every permission the marker lists, so a use case that holds one never checks again and
//! two doors to the same act cannot ask different questions. Management commands act as
//! [`ConsoleActor::System`], which holds every permission. This module must not decide: the rules
//! are `registrar::console`'s, applied by the Gate.

use super::capabilities::{GlobalStaff, System};
use registrar::authz::Principal;
use registrar::console::{Permission, Section, Verb};
use std::marker::PhantomData;

/// A console permission as a type: what a [`Console`] of it proves its holder may do.
pub trait ConsolePermission: Send + Sync + 'static {
    /// Every permission the holder must hold.
    const NEEDS: &'static [Permission];
}

macro_rules! console_permissions {
    ($($(#[$doc:meta])* $name:ident => [$(($section:ident, $verb:ident)),+];)+) => {
        $(
            $(#[$doc])*
            pub struct $name;

            impl ConsolePermission for $name {
                const NEEDS: &'static [Permission] =
                    &[$(Permission { section: Section::$section, verb: Verb::$verb }),+];
            }
        )+
    };
}

console_permissions! {
    /// Search accounts and open one.
    ViewUsers => [(Users, View)];
    /// Create accounts (which sets their profile too: adding needs changing).
    CreateUsers => [(Users, Add), (Users, Change)];
    /// Change accounts: profile, flags, sessions, password links, deactivation.
    ChangeUsers => [(Users, Change)];
    /// See groups and their members.
    ViewGroups => [(Groups, View)];
    /// Create groups.
    AddGroups => [(Groups, Add)];
    /// Rename groups, change their members and the permissions they give.
    ChangeGroups => [(Groups, Change)];
    /// Delete groups.
    DeleteGroups => [(Groups, Delete)];
    /// See role assignments, org-wide grants and "explain access".
    ViewRoles => [(Roles, View)];
    /// Give roles and org-wide grants.
    AddRoles => [(Roles, Add)];
    /// Take roles and org-wide grants away.
    DeleteRoles => [(Roles, Delete)];
    /// See agreements and how many signed them.
    ViewAgreements => [(Agreements, View)];
    /// Publish a new agreement.
    AddAgreements => [(Agreements, Add)];
    /// Publish a new version of an agreement.
    ChangeAgreements => [(Agreements, Change)];
    /// See invitations.
    ViewInvitations => [(Invitations, View)];
    /// Invite by email.
    AddInvitations => [(Invitations, Add)];
    /// Invite by email with a role to give when the invitation is taken up.
    InviteWithRole => [(Invitations, Add), (Roles, Add)];
    /// Revoke invitations.
    DeleteInvitations => [(Invitations, Delete)];
    /// Search the audit log and export it.
    ViewAudit => [(Audit, View)];
    /// Read the outbox.
    ViewOutbox => [(Outbox, View)];
    /// Send a message again.
    ChangeOutbox => [(Outbox, Change)];
    /// See background jobs.
    ViewJobs => [(Jobs, View)];
    /// Queue a failed job again.
    ChangeJobs => [(Jobs, Change)];
    /// See account deletions.
    ViewRetirements => [(Retirements, View)];
    /// Queue an account for deletion on a learner's behalf.
    AddRetirements => [(Retirements, Add)];
    /// Resume, abort or cancel account deletions.
    ChangeRetirements => [(Retirements, Change)];
    /// See credentials, sites, programs and learner records.
    ViewCredentials => [(Credentials, View)];
    /// Award credentials and add signatories.
    AddCredentials => [(Credentials, Add)];
    /// Change credentials, sites, programs, certificate configurations and pathways.
    ChangeCredentials => [(Credentials, Change)];
    /// Push grades (the LMS's grade service): changing credentials, for a token scoped to grades.
    PushGrades => [(Credentials, Change)];
}

/// Capability: global staff (or a superuser) holding every permission `P` lists.
pub struct Console<P: ConsolePermission> {
    pub(super) staff: GlobalStaff,
    pub(super) permission: PhantomData<P>,
}

impl<P: ConsolePermission> Console<P> {
    /// Who acts, for the audit log.
    #[must_use]
    pub fn actor(&self) -> &str {
        self.staff.actor()
    }

    #[must_use]
    pub fn principal(&self) -> &Principal {
        self.staff.principal()
    }
}

/// Who acts in a console use case that needs `P`: staff through the Gate, or a management command.
pub enum ConsoleActor<'a, P: ConsolePermission> {
    Staff(&'a Console<P>),
    System(&'a System),
}

impl<P: ConsolePermission> ConsoleActor<'_, P> {
    /// The label for the audit log.
    #[must_use]
    pub fn label(&self) -> &str {
        match self {
            Self::Staff(s) => s.actor(),
            Self::System(s) => s.actor(),
        }
    }

    /// The acting account's id (none for a system principal).
    #[must_use]
    pub fn user_id(&self) -> Option<&str> {
        match self {
            Self::Staff(s) => Some(s.principal().user_id.0.as_str()),
            Self::System(_) => None,
        }
    }

    /// Superuser powers: superusers, and management commands (run by the operator).
    #[must_use]
    pub fn is_superuser(&self) -> bool {
        match self {
            Self::Staff(s) => s.principal().is_superuser,
            Self::System(_) => true,
        }
    }
}

impl<'a, P: ConsolePermission> From<&'a Console<P>> for ConsoleActor<'a, P> {
    fn from(staff: &'a Console<P>) -> Self {
        Self::Staff(staff)
    }
}

impl<'a, P: ConsolePermission> From<&'a System> for ConsoleActor<'a, P> {
    fn from(system: &'a System) -> Self {
        Self::System(system)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creating_accounts_needs_adding_and_changing_them() {
        assert_eq!(
            CreateUsers::NEEDS,
            &[Permission::new(Section::Users, Verb::Add), Permission::new(Section::Users, Verb::Change)]
        );
        assert_eq!(ViewCredentials::NEEDS, &[Permission::new(Section::Credentials, Verb::View)]);
    }
}
