//! Course team rules: which roles the Membership tab manages and the invariants of removing one.
//!
//! Pure; the server calls [`check_admins_kept`] inside the write transaction, after locking the
//! team, so two admins acting at once cannot leave a course (or library) without an Admin.

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

/// The roles the Studio course team page manages; a member holds exactly one of them.
pub const STUDIO_ROLES: [Role; 2] = [Role::Instructor, Role::Staff];

/// Parse a Studio role (`instructor`/`admin` or `staff`).
pub fn parse_studio_role(s: &str) -> Result<Role, DomainError> {
    match s.trim().to_ascii_lowercase().as_str() {
        "instructor" | "admin" => Ok(Role::Instructor),
        "staff" => Ok(Role::Staff),
        other => Err(DomainError::with_message(
            ErrorCode::RoleUnknown,
            format!("'{other}' is not a course team role here; use Admin or Staff."),
        )
        .on_field("role")),
    }
}

/// After a change to a team (a course's or a library's, `what` names it): refuse it when the team
/// had an Admin with no end date and would have none. Expiring Admins do not count, as they leave on
/// their own; a team that had no such Admin (managed by org Admins or global staff) may still change.
pub fn check_admins_kept(before: i64, after: i64, what: &str) -> Result<(), DomainError> {
    if before > 0 && after == 0 {
        Err(DomainError::with_message(
            ErrorCode::TeamLastAdmin,
            format!("{what} needs at least one Admin without an end date: make someone else Admin first."),
        ))
    } else {
        Ok(())
    }
}

/// Whether `actor` may take `role` away from `target`: anyone may leave a non-Admin role, nobody
/// removes their own Admin role (another Admin must, so a team cannot lose its Admin by a slip). The
/// last-Admin rule is [`check_admins_kept`], checked inside the write transaction.
pub fn check_removal(actor: &str, target: &str, role: Role) -> Result<(), DomainError> {
    check_not_own_admin(actor, target, role == Role::Instructor)
}

/// Nobody changes or removes their own Admin role or access, on a course or a library: another Admin
/// must. `holds_admin` is whether `target` is an Admin there now.
pub fn check_not_own_admin(actor: &str, target: &str, holds_admin: bool) -> Result<(), DomainError> {
    if holds_admin && actor == target {
        return Err(ErrorCode::TeamSelfDemotion.into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removal_rules() {
        assert!(check_removal("a", "b", Role::Staff).is_ok());
        assert!(check_removal("a", "a", Role::Staff).is_ok(), "anyone may leave a non-Admin role");
        assert_eq!(check_removal("a", "a", Role::Instructor).unwrap_err().code, ErrorCode::TeamSelfDemotion);
        assert!(check_removal("a", "b", Role::Instructor).is_ok());
    }

    #[test]
    fn the_last_permanent_admin_stays() {
        assert!(check_admins_kept(2, 1, "A course").is_ok());
        let err = check_admins_kept(1, 0, "This library").unwrap_err();
        assert_eq!(err.code, ErrorCode::TeamLastAdmin);
        assert!(err.message.starts_with("This library needs"));
        assert!(check_admins_kept(0, 0, "A course").is_ok(), "a team without an Admin may still change");
        assert!(check_admins_kept(1, 2, "A course").is_ok());
    }

    #[test]
    fn studio_roles() {
        assert_eq!(parse_studio_role("Admin").unwrap(), Role::Instructor);
        assert_eq!(parse_studio_role("staff").unwrap(), Role::Staff);
        assert_eq!(parse_studio_role("limited_staff").unwrap_err().code, ErrorCode::RoleUnknown);
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
