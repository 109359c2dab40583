//! Discussion (forum) roles: which exist, what each may do, and who may manage them.
//!
//! Permissions come from one role→permission table walked at check time ([`permissions`]), so a change
//! to the table applies to everyone at once (the anchor copies permission rows when it seeds a course,
//! and later changes never reach existing courses). Every enrolled learner holds the implicit Student
//! role; global staff also see every cohort.
//!
//! Management rules: a course Admin, or a Discussion Admin of the course, manages the roles; only a
//! course Admin manages Discussion Admins; a course Admin's Discussion Admin role cannot be removed
//! (documented upstream, enforced here).

use crate::authz::{decide, Action, Principal};
use crate::error::{DomainError, ErrorCode};
use crate::ids::CourseKey;
use crate::roles::{Role, Scope};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The roles the Discussion roles section manages, in the order the page lists them.
pub const DISCUSSION_ROLES: [Role; 4] =
    [Role::DiscussionAdmin, Role::DiscussionModerator, Role::GroupModerator, Role::CommunityTa];

/// Something a discussion participant may do (the anchor's permission names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    Vote,
    Unvote,
    UpdateThread,
    FollowThread,
    UnfollowThread,
    UpdateComment,
    CreateSubComment,
    CreateThread,
    FollowCommentable,
    UnfollowCommentable,
    CreateComment,
    EditContent,
    DeleteThread,
    OpencloseThread,
    EndorseComment,
    DeleteComment,
    SeeAllCohorts,
    GroupEditContent,
    GroupDeleteThread,
    GroupOpencloseThread,
    GroupEndorseComment,
    GroupDeleteComment,
    ManageModerator,
}

impl Permission {
    /// The anchor's name for the permission.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Vote => "vote",
            Self::Unvote => "unvote",
            Self::UpdateThread => "update_thread",
            Self::FollowThread => "follow_thread",
            Self::UnfollowThread => "unfollow_thread",
            Self::UpdateComment => "update_comment",
            Self::CreateSubComment => "create_sub_comment",
            Self::CreateThread => "create_thread",
            Self::FollowCommentable => "follow_commentable",
            Self::UnfollowCommentable => "unfollow_commentable",
            Self::CreateComment => "create_comment",
            Self::EditContent => "edit_content",
            Self::DeleteThread => "delete_thread",
            Self::OpencloseThread => "openclose_thread",
            Self::EndorseComment => "endorse_comment",
            Self::DeleteComment => "delete_comment",
            Self::SeeAllCohorts => "see_all_cohorts",
            Self::GroupEditContent => "group_edit_content",
            Self::GroupDeleteThread => "group_delete_thread",
            Self::GroupOpencloseThread => "group_openclose_thread",
            Self::GroupEndorseComment => "group_endorse_comment",
            Self::GroupDeleteComment => "group_delete_comment",
            Self::ManageModerator => "manage_moderator",
        }
    }
}

/// A role in the permission table: the implicit Student role or one of [`DISCUSSION_ROLES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TableRole {
    Student,
    Held(Role),
}

/// One row of the table: a role, the role it extends, and what it adds.
struct Row {
    role: TableRole,
    extends: Option<TableRole>,
    adds: &'static [Permission],
}

const STUDENT: &[Permission] = &[
    Permission::Vote,
    Permission::Unvote,
    Permission::UpdateThread,
    Permission::FollowThread,
    Permission::UnfollowThread,
    Permission::UpdateComment,
    Permission::CreateSubComment,
    Permission::CreateThread,
    Permission::FollowCommentable,
    Permission::UnfollowCommentable,
    Permission::CreateComment,
];

const MODERATION: &[Permission] = &[
    Permission::EditContent,
    Permission::DeleteThread,
    Permission::OpencloseThread,
    Permission::EndorseComment,
    Permission::DeleteComment,
    Permission::SeeAllCohorts,
];

const GROUP_MODERATION: &[Permission] = &[
    Permission::GroupEditContent,
    Permission::GroupDeleteThread,
    Permission::GroupOpencloseThread,
    Permission::GroupEndorseComment,
    Permission::GroupDeleteComment,
];

/// The role→permission table (the anchor's `seed_permissions_roles`).
const TABLE: &[Row] = &[
    Row { role: TableRole::Student, extends: None, adds: STUDENT },
    Row {
        role: TableRole::Held(Role::DiscussionModerator),
        extends: Some(TableRole::Student),
        adds: MODERATION,
    },
    Row {
        role: TableRole::Held(Role::GroupModerator),
        extends: Some(TableRole::Student),
        adds: GROUP_MODERATION,
    },
    // "For now, Community TA == Moderator, except for the styling."
    Row {
        role: TableRole::Held(Role::CommunityTa),
        extends: Some(TableRole::Held(Role::DiscussionModerator)),
        adds: &[],
    },
    Row {
        role: TableRole::Held(Role::DiscussionAdmin),
        extends: Some(TableRole::Held(Role::DiscussionModerator)),
        adds: &[Permission::ManageModerator],
    },
];

fn table_permissions(role: TableRole, out: &mut BTreeSet<Permission>) {
    // The table is a short chain; the depth bound keeps a future cycle from looping forever.
    let mut next = Some(role);
    for _ in 0..TABLE.len() {
        let Some(current) = next else { return };
        let Some(row) = TABLE.iter().find(|r| r.role == current) else { return };
        out.extend(row.adds.iter().copied());
        next = row.extends;
    }
}

/// What a discussion role allows, its own permissions and those of the roles it extends. Roles that
/// are not discussion roles allow nothing here.
#[must_use]
pub fn permissions(role: Role) -> BTreeSet<Permission> {
    let mut out = BTreeSet::new();
    if DISCUSSION_ROLES.contains(&role) {
        table_permissions(TableRole::Held(role), &mut out);
    }
    out
}

/// What the implicit Student role allows (every enrolled learner).
#[must_use]
pub fn student_permissions() -> BTreeSet<Permission> {
    let mut out = BTreeSet::new();
    table_permissions(TableRole::Student, &mut out);
    out
}

/// Everything `principal` may do in `course`'s discussions, computed now from the roles they hold.
#[must_use]
pub fn permissions_of(principal: &Principal, course: &CourseKey, enrolled: bool) -> BTreeSet<Permission> {
    if !principal.is_active {
        return BTreeSet::new();
    }
    let scope = Scope::Course(course.clone());
    let mut out = if enrolled { student_permissions() } else { BTreeSet::new() };
    for grant in principal.grants.iter().filter(|g| g.scope == scope) {
        out.extend(permissions(grant.role));
    }
    if principal.is_global_staff() {
        out.insert(Permission::SeeAllCohorts);
    }
    out
}

/// Parse a discussion role from its stored name, its label, or the anchor's API name.
pub fn parse_discussion_role(s: &str) -> Result<Role, DomainError> {
    let s = s.trim();
    DISCUSSION_ROLES
        .into_iter()
        .find(|r| r.as_str().eq_ignore_ascii_case(s) || r.label().eq_ignore_ascii_case(s))
        .ok_or_else(|| {
            DomainError::with_message(
                ErrorCode::RoleUnknown,
                format!(
                    "'{s}' is not a discussion role; use one of {}.",
                    DISCUSSION_ROLES.map(Role::label).join(", ")
                ),
            )
            .on_field("role")
        })
}

/// Whether `principal` may grant or remove `role` in `course`: Discussion Admins manage the other
/// discussion roles; only a course Admin manages Discussion Admins.
pub fn check_manage(principal: &Principal, course: &CourseKey, role: Role) -> Result<(), DomainError> {
    if role == Role::DiscussionAdmin && !principal.has_instructor_access(course) {
        return Err(DomainError::with_message(
            ErrorCode::Forbidden,
            "Only a course Admin can add or remove Discussion Admins.",
        ));
    }
    if decide(principal, &Action::ManageDiscussionRoles(course.clone())).is_allowed() {
        Ok(())
    } else {
        Err(DomainError::with_message(
            ErrorCode::Forbidden,
            "Only a course Admin or a Discussion Admin can manage discussion roles.",
        ))
    }
}

/// Whether `role` may be taken from someone who is (or is not) a course Admin.
pub fn check_removal(role: Role, target_is_course_admin: bool, target: &str) -> Result<(), DomainError> {
    if role == Role::DiscussionAdmin && target_is_course_admin {
        return Err(DomainError::with_message(
            ErrorCode::DiscussionAdminOfAdmin,
            format!(
                "{target} is an Admin of this course, and a course Admin keeps the Discussion Admin role. \
                 Remove their Admin role first."
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{OrgKey, UserId};
    use crate::roles::Grant;

    fn course() -> CourseKey {
        CourseKey::parse("course-v1:DemoX+CS101+2026").unwrap()
    }

    fn principal(roles: &[Role]) -> Principal {
        Principal {
            user_id: UserId("u".into()),
            username: "u".into(),
            is_active: true,
            is_staff: false,
            is_superuser: false,
            grants: roles.iter().map(|&role| Grant { role, scope: Scope::Course(course()) }).collect(),
        }
    }

    #[test]
    fn the_table_matches_the_anchor() {
        let student = student_permissions();
        assert_eq!(student.len(), 11);
        let moderator = permissions(Role::DiscussionModerator);
        assert!(student.is_subset(&moderator));
        assert!(moderator.contains(&Permission::DeleteThread));
        assert!(moderator.contains(&Permission::SeeAllCohorts));
        assert!(!moderator.contains(&Permission::ManageModerator));
        assert_eq!(permissions(Role::CommunityTa), moderator, "Community TA == Moderator");
        let admin = permissions(Role::DiscussionAdmin);
        assert!(moderator.is_subset(&admin));
        assert!(admin.contains(&Permission::ManageModerator));
        let group = permissions(Role::GroupModerator);
        assert!(group.contains(&Permission::GroupDeleteThread));
        assert!(!group.contains(&Permission::DeleteThread), "group moderators act in their group only");
        assert!(!group.contains(&Permission::SeeAllCohorts));
        assert!(permissions(Role::Staff).is_empty(), "course roles grant nothing in discussions");
    }

    #[test]
    fn permissions_are_computed_from_held_roles_at_check_time() {
        let learner = principal(&[]);
        assert_eq!(permissions_of(&learner, &course(), true), student_permissions());
        assert!(permissions_of(&learner, &course(), false).is_empty());
        let ta = principal(&[Role::CommunityTa]);
        assert!(permissions_of(&ta, &course(), true).contains(&Permission::EndorseComment));
        let elsewhere = CourseKey::parse("course-v1:DemoX+OTHER+2026").unwrap();
        assert!(!permissions_of(&ta, &elsewhere, true).contains(&Permission::EndorseComment));
        let mut staff = principal(&[]);
        staff.is_staff = true;
        assert!(permissions_of(&staff, &course(), true).contains(&Permission::SeeAllCohorts));
        let mut inactive = principal(&[Role::DiscussionAdmin]);
        inactive.is_active = false;
        assert!(permissions_of(&inactive, &course(), true).is_empty());
    }

    #[test]
    fn who_manages_which_role() {
        let admin = principal(&[Role::Instructor]);
        let discussion_admin = principal(&[Role::DiscussionAdmin]);
        let staff = principal(&[Role::Staff]);
        for role in DISCUSSION_ROLES {
            assert!(check_manage(&admin, &course(), role).is_ok());
            assert_eq!(check_manage(&staff, &course(), role).unwrap_err().code, ErrorCode::Forbidden);
        }
        assert!(check_manage(&discussion_admin, &course(), Role::CommunityTa).is_ok());
        assert!(check_manage(&discussion_admin, &course(), Role::DiscussionAdmin).is_err());
        let mut org_admin = principal(&[]);
        org_admin.grants =
            vec![Grant { role: Role::Instructor, scope: Scope::Org(OrgKey::parse("DemoX").unwrap()) }];
        assert!(check_manage(&org_admin, &course(), Role::DiscussionAdmin).is_ok());
    }

    #[test]
    fn a_course_admin_keeps_discussion_admin() {
        let err = check_removal(Role::DiscussionAdmin, true, "instructor").unwrap_err();
        assert_eq!(err.code, ErrorCode::DiscussionAdminOfAdmin);
        assert!(err.message.contains("instructor"));
        assert!(check_removal(Role::DiscussionAdmin, false, "ta").is_ok());
        assert!(check_removal(Role::DiscussionModerator, true, "instructor").is_ok());
    }

    #[test]
    fn roles_parse_by_stored_name_or_label() {
        assert_eq!(parse_discussion_role("Administrator").unwrap(), Role::DiscussionAdmin);
        assert_eq!(parse_discussion_role("community ta").unwrap(), Role::CommunityTa);
        assert_eq!(parse_discussion_role("Group Community TA").unwrap(), Role::GroupModerator);
        let err = parse_discussion_role("staff").unwrap_err();
        assert_eq!(err.code, ErrorCode::RoleUnknown);
        assert!(err.message.contains("Discussion Admin"));
    }
}
