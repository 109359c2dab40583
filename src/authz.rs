//! Permission decisions: `decide(principal, action)` over the facts the server loaded.
//!
//! Pure and table-tested. The server's Gate loads a [`Principal`] (flags and grants) once per request
//! and asks here; the UI asks the same functions to decide which controls to show (cosmetic only: the
//! server always re-checks). Inactive users are never allowed anything.

use crate::ids::{CourseKey, UserId};
use crate::roles::{Grant, Role, Scope};
use serde::{Deserialize, Serialize};

/// Who is asking, with everything a decision needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    pub user_id: UserId,
    pub username: String,
    pub is_active: bool,
    pub is_staff: bool,
    pub is_superuser: bool,
    pub grants: Vec<Grant>,
}

/// Something a principal may try to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Read and change their own account.
    ManageOwnAccount,
    /// See the list of every course.
    ListAllCourses,
    /// Open a course's instructor dashboard.
    ViewInstructorDashboard(CourseKey),
    /// Enroll and unenroll learners in a course.
    EnrollLearners(CourseKey),
    /// Change who holds course-team roles.
    EditCourseAccess(CourseKey),
    /// See and change who holds discussion roles (which ones: `discussion::check_manage`).
    ManageDiscussionRoles(CourseKey),
    /// Open the admin console.
    UseAdminConsole,
}

/// The outcome of a decision.
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    Deny,
}

impl Decision {
    #[must_use]
    pub fn is_allowed(self) -> bool {
        self == Self::Allow
    }

    const fn from_bool(allowed: bool) -> Self {
        if allowed {
            Self::Allow
        } else {
            Self::Deny
        }
    }
}

impl Principal {
    /// Global staff: the `is_staff` flag, or a superuser.
    #[must_use]
    pub fn is_global_staff(&self) -> bool {
        self.is_active && (self.is_staff || self.is_superuser)
    }

    fn holds(&self, role: Role, scope: &Scope) -> bool {
        self.grants.iter().any(|g| g.role == role && &g.scope == scope)
    }

    /// Instructor ("Admin") access: course instructor, or org instructor of the course's org.
    #[must_use]
    pub fn has_instructor_access(&self, course: &CourseKey) -> bool {
        self.is_global_staff() || (self.is_active && grants_course_admin(&self.grants, course))
    }

    /// Staff access: staff or limited staff of the course, org staff, or instructor access.
    #[must_use]
    pub fn has_staff_access(&self, course: &CourseKey) -> bool {
        let scope = Scope::Course(course.clone());
        self.has_instructor_access(course)
            || (self.is_active
                && (self.holds(Role::Staff, &scope)
                    || self.holds(Role::LimitedStaff, &scope)
                    || self.holds(Role::Staff, &Scope::Org(course.org().clone()))))
    }

    /// Courses whose instructor dashboard this principal opens through a course-level role (for
    /// navigation).
    #[must_use]
    pub fn taught_courses(&self) -> Vec<CourseKey> {
        let mut out: Vec<CourseKey> = self
            .grants
            .iter()
            .filter_map(|g| match (&g.scope, g.role) {
                (
                    Scope::Course(c),
                    Role::Instructor
                    | Role::Staff
                    | Role::LimitedStaff
                    | Role::DataResearcher
                    | Role::DiscussionAdmin,
                ) => Some(c.clone()),
                _ => None,
            })
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

/// Whether these grants make their holder an Admin of the course: its instructor, or an instructor of
/// its org (global staff, a flag rather than a grant, aside).
#[must_use]
pub fn grants_course_admin(grants: &[Grant], course: &CourseKey) -> bool {
    let (in_course, in_org) = (Scope::Course(course.clone()), Scope::Org(course.org().clone()));
    grants.iter().any(|g| g.role == Role::Instructor && (g.scope == in_course || g.scope == in_org))
}

/// Decide whether `principal` may perform `action`.
pub fn decide(principal: &Principal, action: &Action) -> Decision {
    if !principal.is_active {
        return Decision::Deny;
    }
    Decision::from_bool(match action {
        Action::ManageOwnAccount => true,
        Action::ListAllCourses | Action::UseAdminConsole => principal.is_global_staff(),
        Action::ViewInstructorDashboard(course) => {
            principal.has_staff_access(course)
                || principal.holds(Role::DataResearcher, &Scope::Course(course.clone()))
                || principal.holds(Role::DataResearcher, &Scope::Org(course.org().clone()))
                || principal.holds(Role::DiscussionAdmin, &Scope::Course(course.clone()))
        }
        Action::ManageDiscussionRoles(course) => {
            principal.has_instructor_access(course)
                || principal.holds(Role::DiscussionAdmin, &Scope::Course(course.clone()))
        }
        Action::EnrollLearners(course) => principal.has_staff_access(course),
        Action::EditCourseAccess(course) => principal.has_instructor_access(course),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::OrgKey;

    fn course() -> CourseKey {
        CourseKey::parse("course-v1:DemoX+CS101+2026").unwrap()
    }

    fn principal(grants: Vec<Grant>) -> Principal {
        Principal {
            user_id: UserId("u".into()),
            username: "u".into(),
            is_active: true,
            is_staff: false,
            is_superuser: false,
            grants,
        }
    }

    fn grant(role: Role, scope: Scope) -> Grant {
        Grant { role, scope }
    }

    #[test]
    fn decision_table() {
        let c = course();
        let other = CourseKey::parse("course-v1:OtherX+CS101+2026").unwrap();
        let org = Scope::Org(OrgKey::parse("DemoX").unwrap());
        let cs = Scope::Course(c.clone());
        let mut staff_flag = principal(vec![]);
        staff_flag.is_staff = true;
        // (who, action, expected)
        let rows: Vec<(&str, Principal, Action, Decision)> = vec![
            (
                "learner dashboard",
                principal(vec![]),
                Action::ViewInstructorDashboard(c.clone()),
                Decision::Deny,
            ),
            ("learner own account", principal(vec![]), Action::ManageOwnAccount, Decision::Allow),
            (
                "course staff dashboard",
                principal(vec![grant(Role::Staff, cs.clone())]),
                Action::ViewInstructorDashboard(c.clone()),
                Decision::Allow,
            ),
            (
                "course staff enroll",
                principal(vec![grant(Role::Staff, cs.clone())]),
                Action::EnrollLearners(c.clone()),
                Decision::Allow,
            ),
            (
                "course staff edit access",
                principal(vec![grant(Role::Staff, cs.clone())]),
                Action::EditCourseAccess(c.clone()),
                Decision::Deny,
            ),
            (
                "limited staff enroll",
                principal(vec![grant(Role::LimitedStaff, cs.clone())]),
                Action::EnrollLearners(c.clone()),
                Decision::Allow,
            ),
            (
                "instructor edit access",
                principal(vec![grant(Role::Instructor, cs.clone())]),
                Action::EditCourseAccess(c.clone()),
                Decision::Allow,
            ),
            (
                "instructor elsewhere",
                principal(vec![grant(Role::Instructor, cs.clone())]),
                Action::EditCourseAccess(other.clone()),
                Decision::Deny,
            ),
            (
                "org instructor",
                principal(vec![grant(Role::Instructor, org.clone())]),
                Action::EditCourseAccess(c.clone()),
                Decision::Allow,
            ),
            (
                "org instructor other org",
                principal(vec![grant(Role::Instructor, org.clone())]),
                Action::EditCourseAccess(other.clone()),
                Decision::Deny,
            ),
            (
                "org staff enroll",
                principal(vec![grant(Role::Staff, org.clone())]),
                Action::EnrollLearners(c.clone()),
                Decision::Allow,
            ),
            (
                "data researcher dashboard",
                principal(vec![grant(Role::DataResearcher, cs.clone())]),
                Action::ViewInstructorDashboard(c.clone()),
                Decision::Allow,
            ),
            (
                "data researcher enroll",
                principal(vec![grant(Role::DataResearcher, cs.clone())]),
                Action::EnrollLearners(c.clone()),
                Decision::Deny,
            ),
            (
                "beta tester dashboard",
                principal(vec![grant(Role::BetaTester, cs.clone())]),
                Action::ViewInstructorDashboard(c.clone()),
                Decision::Deny,
            ),
            (
                "global staff anything",
                staff_flag.clone(),
                Action::EditCourseAccess(other.clone()),
                Decision::Allow,
            ),
            (
                "discussion admin dashboard",
                principal(vec![grant(Role::DiscussionAdmin, cs.clone())]),
                Action::ViewInstructorDashboard(c.clone()),
                Decision::Allow,
            ),
            (
                "discussion admin discussion roles",
                principal(vec![grant(Role::DiscussionAdmin, cs.clone())]),
                Action::ManageDiscussionRoles(c.clone()),
                Decision::Allow,
            ),
            (
                "discussion admin enroll",
                principal(vec![grant(Role::DiscussionAdmin, cs.clone())]),
                Action::EnrollLearners(c.clone()),
                Decision::Deny,
            ),
            (
                "moderator dashboard",
                principal(vec![grant(Role::DiscussionModerator, cs.clone())]),
                Action::ViewInstructorDashboard(c.clone()),
                Decision::Deny,
            ),
            (
                "staff discussion roles",
                principal(vec![grant(Role::Staff, cs.clone())]),
                Action::ManageDiscussionRoles(c.clone()),
                Decision::Deny,
            ),
            (
                "instructor discussion roles",
                principal(vec![grant(Role::Instructor, cs.clone())]),
                Action::ManageDiscussionRoles(c.clone()),
                Decision::Allow,
            ),
            ("global staff console", staff_flag.clone(), Action::UseAdminConsole, Decision::Allow),
            ("learner console", principal(vec![]), Action::UseAdminConsole, Decision::Deny),
            ("learner course list", principal(vec![]), Action::ListAllCourses, Decision::Deny),
        ];
        for (name, who, action, expected) in rows {
            assert_eq!(decide(&who, &action), expected, "{name}");
        }
    }

    #[test]
    fn inactive_users_are_denied_everything() {
        let mut p = principal(vec![grant(Role::Instructor, Scope::Course(course()))]);
        p.is_superuser = true;
        p.is_active = false;
        assert_eq!(decide(&p, &Action::ManageOwnAccount), Decision::Deny);
        assert_eq!(decide(&p, &Action::EditCourseAccess(course())), Decision::Deny);
        assert!(!p.is_global_staff());
    }

    #[test]
    fn taught_courses_lists_each_course_once() {
        let cs = Scope::Course(course());
        let p = principal(vec![
            grant(Role::Staff, cs.clone()),
            grant(Role::Instructor, cs),
            grant(Role::BetaTester, Scope::Course(CourseKey::parse("course-v1:DemoX+B+1").unwrap())),
        ]);
        assert_eq!(p.taught_courses(), vec![course()]);
    }
}
