//! Course team rules: which roles the Membership tab manages and the invariants of removing one.
//!
//! Pure; the server calls [`check_removal`] inside the write transaction, after locking the course's
//! team, so two admins acting at once cannot leave a course without an Admin.

use crate::error::{DomainError, ErrorCode};
use crate::roles::Role;

/// The course roles managed on the Membership tab, in the order the page lists them.
pub const TEAM_ROLES: [Role; 5] =
    [Role::Staff, Role::Instructor, Role::LimitedStaff, Role::DataResearcher, Role::BetaTester];

/// Parse a team role from its stored name, refusing roles the tab does not manage.
pub fn parse_team_role(s: &str) -> Result<Role, DomainError> {
    let role = Role::parse(s)?;
    if TEAM_ROLES.contains(&role) {
        Ok(role)
    } else {
        Err(DomainError::with_message(
            ErrorCode::RoleUnknown,
            format!("{} is not a course team role.", role.label()),
        ))
    }
}

/// Whether `actor` may remove `role` from `target` when `admins` people hold Admin in the course.
pub fn check_removal(actor: &str, target: &str, role: Role, admins: i64) -> Result<(), DomainError> {
    if role != Role::Instructor {
        return Ok(());
    }
    if actor == target {
        return Err(ErrorCode::TeamSelfDemotion.into());
    }
    if admins <= 1 {
        return Err(ErrorCode::TeamLastAdmin.into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removal_rules() {
        assert!(check_removal("a", "b", Role::Staff, 0).is_ok());
        assert!(check_removal("a", "a", Role::Staff, 1).is_ok(), "anyone may leave a non-Admin role");
        assert_eq!(
            check_removal("a", "a", Role::Instructor, 3).unwrap_err().code,
            ErrorCode::TeamSelfDemotion
        );
        assert_eq!(check_removal("a", "b", Role::Instructor, 1).unwrap_err().code, ErrorCode::TeamLastAdmin);
        assert!(check_removal("a", "b", Role::Instructor, 2).is_ok());
    }

    #[test]
    fn only_team_roles_parse() {
        assert_eq!(parse_team_role("beta").unwrap(), Role::BetaTester);
        assert_eq!(parse_team_role("support").unwrap_err().code, ErrorCode::RoleUnknown);
        assert!(parse_team_role("nonsense").is_err());
    }
}
