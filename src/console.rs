//! The admin console's permission model, after Django's `auth_permission`: every console section
//! has view / add / change / delete permissions (`view_users`, `change_users`, …) that are given to
//! groups. Superusers hold every permission; global staff hold what their groups give them; nobody
//! else enters the console. Two changes stay with superusers whatever a group gives: making someone a
//! superuser, and changing which permissions a group gives (otherwise a support group could give
//! itself everything). Pure: no IO; the server's Gate asks here, the UI asks to hide what it cannot do.

use crate::{DomainError, ErrorCode};
use serde::{Deserialize, Serialize};

/// A part of the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Section {
    /// Accounts: search, profile, flags, activation, sessions.
    Users,
    /// Groups, their members and the permissions they give.
    Groups,
    /// Role assignments across scopes and org-wide grants; "explain access".
    Roles,
    /// Clickthrough agreements and signatures.
    Agreements,
    /// Invitations by email.
    Invitations,
    /// The audit log.
    Audit,
    /// The mail outbox.
    Outbox,
    /// Background jobs.
    Jobs,
    /// Account deletions.
    Retirements,
    /// Credentials, sites, programs and learner records.
    Credentials,
}

impl Section {
    pub const ALL: [Self; 10] = [
        Self::Users,
        Self::Groups,
        Self::Roles,
        Self::Agreements,
        Self::Invitations,
        Self::Audit,
        Self::Outbox,
        Self::Jobs,
        Self::Retirements,
        Self::Credentials,
    ];

    /// The name in permission codenames (`view_<name>`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Users => "users",
            Self::Groups => "groups",
            Self::Roles => "roles",
            Self::Agreements => "agreements",
            Self::Invitations => "invitations",
            Self::Audit => "audit",
            Self::Outbox => "outbox",
            Self::Jobs => "jobs",
            Self::Retirements => "retirements",
            Self::Credentials => "credentials",
        }
    }

    /// The name people see.
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::Users => "Users",
            Self::Groups => "Groups",
            Self::Roles => "Roles",
            Self::Agreements => "Agreements",
            Self::Invitations => "Invitations",
            Self::Audit => "Audit log",
            Self::Outbox => "Mail outbox",
            Self::Jobs => "Jobs",
            Self::Retirements => "Account deletions",
            Self::Credentials => "Credentials",
        }
    }

    /// The verbs that mean something in this section (the audit log is read only; mail and jobs
    /// are only viewed and retried).
    #[must_use]
    pub const fn verbs(self) -> &'static [Verb] {
        match self {
            Self::Audit => &[Verb::View],
            Self::Outbox | Self::Jobs => &[Verb::View, Verb::Change],
            Self::Retirements => &[Verb::View, Verb::Add, Verb::Change],
            _ => &[Verb::View, Verb::Add, Verb::Change, Verb::Delete],
        }
    }
}

/// What a permission lets its holder do in a section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Verb {
    View,
    Add,
    Change,
    Delete,
}

impl Verb {
    pub const ALL: [Self; 4] = [Self::View, Self::Add, Self::Change, Self::Delete];

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::View => "view",
            Self::Add => "add",
            Self::Change => "change",
            Self::Delete => "delete",
        }
    }
}

/// One console permission: a verb in a section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Permission {
    pub section: Section,
    pub verb: Verb,
}

impl Permission {
    #[must_use]
    pub const fn new(section: Section, verb: Verb) -> Self {
        Self { section, verb }
    }

    /// Every permission there is, section by section.
    #[must_use]
    pub fn all() -> Vec<Self> {
        Section::ALL.iter().flat_map(|s| s.verbs().iter().map(|v| Self::new(*s, *v))).collect()
    }

    /// `view_users`.
    #[must_use]
    pub fn codename(self) -> String {
        format!("{}_{}", self.verb.as_str(), self.section.as_str())
    }

    /// "Users: change".
    #[must_use]
    pub fn label(self) -> String {
        format!("{}: {}", self.section.label(), self.verb.as_str())
    }

    /// Parse a codename; the refusal names it and says where the list is.
    pub fn parse(codename: &str) -> Result<Self, DomainError> {
        let codename = codename.trim();
        Self::all().into_iter().find(|p| p.codename() == codename).ok_or_else(|| {
            DomainError::with_message(
                ErrorCode::InputInvalid,
                format!(
                    "'{codename}' is not a console permission; they are named like view_users or \
                     change_groups."
                ),
            )
        })
    }
}

/// What the console needs to know about who is asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConsoleRole {
    pub is_active: bool,
    pub is_staff: bool,
    pub is_superuser: bool,
}

/// Whether someone may use `permission`, holding `held` through their groups. Superusers may do
/// everything; active global staff what they hold; nobody else anything (a learner in a group that
/// holds permissions still cannot enter the console, as in Django).
#[must_use]
pub fn may(role: ConsoleRole, held: &[Permission], permission: Permission) -> bool {
    if !role.is_active {
        return false;
    }
    role.is_superuser || (role.is_staff && held.contains(&permission))
}

/// The sections someone may open (those they may view), for the console's navigation.
#[must_use]
pub fn visible_sections(role: ConsoleRole, held: &[Permission]) -> Vec<Section> {
    Section::ALL.into_iter().filter(|s| may(role, held, Permission::new(*s, Verb::View))).collect()
}

/// The refusal for a console permission someone lacks, naming it so they know what to ask for.
#[must_use]
pub fn refusal(permission: Permission) -> DomainError {
    DomainError::with_message(
        ErrorCode::Forbidden,
        format!(
            "You need the console permission \"{}\" ({}) for this; ask a superuser to give it to one of \
             your groups.",
            permission.label(),
            permission.codename()
        ),
    )
}

/// Changes only a superuser may make, whatever permissions a group gives: granting or removing the
/// superuser flag, and changing what a group's permissions are.
pub fn require_superuser(is_superuser: bool, what: &str) -> Result<(), DomainError> {
    if is_superuser {
        Ok(())
    } else {
        Err(DomainError::with_message(ErrorCode::Forbidden, format!("Only a superuser may {what}.")))
    }
}

/// Who may change who is in a group, or delete it. A group that gives console permissions makes
/// its staff members holders of them, so changing its membership is changing who holds console
/// permissions: superusers only, like changing the permissions themselves (otherwise `change_groups`
/// would let its holder put themselves into a group that gives everything). Groups that give no
/// console permission (library and org-wide grants) follow `change_groups`/`delete_groups`.
pub fn check_group_membership_change(
    is_superuser: bool,
    group_name: &str,
    permissions_given: usize,
) -> Result<(), DomainError> {
    if permissions_given == 0 || is_superuser {
        return Ok(());
    }
    Err(DomainError::with_message(
        ErrorCode::Forbidden,
        format!(
            "{group_name} gives console permissions: only a superuser may change who is in it or delete \
             it."
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const STAFF: ConsoleRole = ConsoleRole { is_active: true, is_staff: true, is_superuser: false };
    const SUPER: ConsoleRole = ConsoleRole { is_active: true, is_staff: false, is_superuser: true };
    const LEARNER: ConsoleRole = ConsoleRole { is_active: true, is_staff: false, is_superuser: false };

    #[test]
    fn codenames_round_trip_and_are_unique() {
        let all = Permission::all();
        assert_eq!(all.len(), 4 * 6 + 1 + 2 * 2 + 3, "every section's verbs, no more");
        for p in &all {
            assert_eq!(Permission::parse(&p.codename()).unwrap(), *p);
        }
        let mut names: Vec<String> = all.iter().map(|p| p.codename()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), all.len());
        assert!(names.contains(&"view_users".to_owned()) && names.contains(&"change_outbox".to_owned()));
        assert!(!names.contains(&"delete_audit".to_owned()), "the audit log cannot be changed");
    }

    #[test]
    fn unknown_codenames_are_named() {
        let e = Permission::parse(" delete_audit ").unwrap_err();
        assert_eq!(e.code, ErrorCode::InputInvalid);
        assert!(e.message.contains("'delete_audit'"), "{}", e.message);
    }

    #[test]
    fn superusers_hold_everything_staff_what_their_groups_give_others_nothing() {
        let change_users = Permission::new(Section::Users, Verb::Change);
        let view_users = Permission::new(Section::Users, Verb::View);
        let held = [view_users];
        for p in Permission::all() {
            assert!(may(SUPER, &[], p), "{}", p.codename());
            assert!(!may(LEARNER, &Permission::all(), p), "{}", p.codename());
            assert_eq!(may(STAFF, &held, p), p == view_users, "{}", p.codename());
        }
        assert!(!may(STAFF, &held, change_users));
        let inactive = ConsoleRole { is_active: false, ..SUPER };
        assert!(!may(inactive, &[], view_users));
    }

    #[test]
    fn navigation_shows_the_viewable_sections() {
        let held =
            [Permission::new(Section::Audit, Verb::View), Permission::new(Section::Users, Verb::Change)];
        assert_eq!(visible_sections(STAFF, &held), vec![Section::Audit]);
        assert_eq!(visible_sections(SUPER, &[]).len(), Section::ALL.len());
        assert!(visible_sections(LEARNER, &held).is_empty());
    }

    #[test]
    fn refusals_name_the_missing_permission() {
        let e = refusal(Permission::new(Section::Users, Verb::Change));
        assert_eq!(e.code, ErrorCode::Forbidden);
        assert!(e.message.contains("change_users"), "{}", e.message);
        assert!(require_superuser(true, "x").is_ok());
        let e = require_superuser(false, "make someone a superuser").unwrap_err();
        assert!(e.message.contains("Only a superuser may make someone a superuser"), "{}", e.message);
    }

    #[test]
    fn membership_of_a_group_that_gives_console_permissions_is_for_superusers() {
        let refused = check_group_membership_change(false, "Platform admins", 3).unwrap_err();
        assert_eq!(refused.code, ErrorCode::Forbidden);
        assert!(refused.message.contains("Platform admins"), "{}", refused.message);
        assert!(check_group_membership_change(true, "Platform admins", 3).is_ok());
        assert!(check_group_membership_change(false, "Library authors", 0).is_ok());
    }
}
