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

/// Parse a role the Membership tab manages: a team role by its stored name, or a discussion role by
/// its stored name or label.
pub fn parse_course_role(s: &str) -> Result<Role, DomainError> {
    if let Ok(role) = crate::discussion::parse_discussion_role(s) {
        return Ok(role);
    }
    parse_team_role(s).map_err(|_| {
        let known: Vec<&str> =
            TEAM_ROLES.iter().chain(crate::discussion::DISCUSSION_ROLES.iter()).map(|r| r.label()).collect();
        DomainError::with_message(
            ErrorCode::RoleUnknown,
            format!("'{}' is not a course role; use one of {}.", s.trim(), known.join(", ")),
        )
    })
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
        assert!(parse_team_role("Moderator").is_err(), "discussion roles are not team roles");
    }

    #[test]
    fn course_roles_are_team_or_discussion_roles() {
        assert_eq!(parse_course_role("staff").unwrap(), Role::Staff);
        assert_eq!(parse_course_role("Community TA").unwrap(), Role::CommunityTa);
        let err = parse_course_role("support").unwrap_err();
        assert_eq!(err.code, ErrorCode::RoleUnknown);
        assert!(err.message.contains("Discussion Moderator"), "{}", err.message);
    }
}
