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
    /// Email learners about their enrollment ("Notify"): course Admins and Staff, not Limited Staff
    /// (who may enroll but must not be able to mail thousands of addresses in the course's name).
    EmailLearners(CourseKey),
    /// Change who holds course-team roles.
    EditCourseAccess(CourseKey),
    /// See and change who holds discussion roles (which ones: `discussion::check_manage`).
    ManageDiscussionRoles(CourseKey),
    /// See a course's Studio team page (Admins and Staff; not Limited Staff) and leave its team.
    ViewCourseTeam(CourseKey),
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
        Action::ViewCourseTeam(course) | Action::EmailLearners(course) => {
            principal.has_instructor_access(course)
                || principal.holds(Role::Staff, &Scope::Course(course.clone()))
                || principal.holds(Role::Staff, &Scope::Org(course.org().clone()))
        }
        Action::EditCourseAccess(course) => principal.has_instructor_access(course),
    })
}

/// A grant with its end date, as "explain access" shows it (expired ones included).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatedGrant {
    pub grant: Grant,
    pub expires_at: Option<i64>,
}

/// One way a user has access to a course or library, for "explain access".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessSource {
    /// What grants it, e.g. "Admin (implies Staff)" or "Author, through group Writers".
    pub grant: String,
    /// Where it comes from: "this course", "every course of DemoX", "every library", …
    pub scope: String,
    /// When it ends, if ever.
    pub expires_at: Option<i64>,
    /// Whether it has already ended (listed so the answer explains why access stopped).
    pub expired: bool,
    /// What this source alone allows.
    pub allows: Vec<String>,
}

/// The course actions "explain access" reports, with how they read.
fn course_actions(course: &CourseKey) -> [(Action, &'static str); 6] {
    [
        (Action::ViewInstructorDashboard(course.clone()), "open the instructor dashboard"),
        (Action::EnrollLearners(course.clone()), "enroll learners"),
        (Action::ViewCourseTeam(course.clone()), "see the course team"),
        (Action::EditCourseAccess(course.clone()), "manage the course team"),
        (Action::ManageDiscussionRoles(course.clone()), "manage discussion roles"),
        (Action::UseAdminConsole, "use the admin console"),
    ]
}

/// What `principal` may do in `course`, in words, all sources together.
#[must_use]
pub fn course_abilities(principal: &Principal, course: &CourseKey) -> Vec<String> {
    course_actions(course)
        .into_iter()
        .filter(|(action, _)| decide(principal, action).is_allowed())
        .map(|(_, label)| label.to_owned())
        .collect()
}

/// Every way `principal` has access to `course`: the global staff flag and each grant on the course
/// or its org (ended ones too, marked), with what each allows on its own, decided by [`decide`].
#[must_use]
pub fn explain_course(
    principal: &Principal,
    grants: &[DatedGrant],
    course: &CourseKey,
    now: i64,
) -> Vec<AccessSource> {
    let alone = |is_staff: bool, is_superuser: bool, grants: Vec<Grant>| Principal {
        is_staff,
        is_superuser,
        grants,
        ..principal.clone()
    };
    let allows = |p: &Principal| course_abilities(p, course);
    let mut out = Vec::new();
    if principal.is_global_staff() {
        let flag = if principal.is_superuser { "Superuser" } else { "Global staff" };
        out.push(AccessSource {
            grant: flag.to_owned(),
            scope: "every course".into(),
            expires_at: None,
            expired: false,
            allows: allows(&alone(principal.is_staff, principal.is_superuser, Vec::new())),
        });
    }
    let in_course = Scope::Course(course.clone());
    let in_org = Scope::Org(course.org().clone());
    for dated in grants.iter().filter(|d| d.grant.scope == in_course || d.grant.scope == in_org) {
        let live = crate::roles::is_live(dated.expires_at, now);
        let role = dated.grant.role;
        let grant = if role == Role::Instructor {
            format!("{} (implies Staff)", role.label())
        } else {
            role.label().to_owned()
        };
        let scope = match &dated.grant.scope {
            Scope::Org(org) => format!("every course of {org} (inherited)"),
            _ => "this course".to_owned(),
        };
        let granted = if live { allows(&alone(false, false, vec![dated.grant.clone()])) } else { Vec::new() };
        out.push(AccessSource {
            grant,
            scope,
            expires_at: dated.expires_at,
            expired: !live,
            allows: granted,
        });
    }
    out
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
    fn explanations_name_each_source_and_what_it_allows() {
        let c = course();
        let org = Scope::Org(OrgKey::parse("DemoX").unwrap());
        let dated = |role, scope, expires_at| DatedGrant { grant: grant(role, scope), expires_at };
        let grants = [
            dated(Role::Instructor, org.clone(), None),
            dated(Role::Staff, Scope::Course(c.clone()), Some(5)),
            dated(Role::Staff, Scope::Course(CourseKey::parse("course-v1:DemoX+Other+1").unwrap()), None),
        ];
        let p = principal(vec![grants[0].grant.clone()]);
        let out = explain_course(&p, &grants, &c, 10);
        assert_eq!(out.len(), 2, "the grant on another course is not a source");
        assert_eq!(out[0].grant, "Admin (implies Staff)");
        assert!(out[0].scope.contains("inherited"));
        assert!(out[0].allows.contains(&"manage the course team".to_owned()));
        assert!(!out[0].allows.contains(&"use the admin console".to_owned()));
        assert!(out[1].expired && out[1].allows.is_empty());

        let staff = Principal { is_staff: true, ..principal(vec![]) };
        let out = explain_course(&staff, &[], &c, 10);
        assert_eq!(out[0].grant, "Global staff");
        assert!(out[0].allows.contains(&"use the admin console".to_owned()));
    }

    #[test]
    fn limited_staff_do_not_see_the_studio_team() {
        let c = course();
        let limited = principal(vec![grant(Role::LimitedStaff, Scope::Course(c.clone()))]);
        assert!(!decide(&limited, &Action::ViewCourseTeam(c.clone())).is_allowed());
        let staff = principal(vec![grant(Role::Staff, Scope::Course(c.clone()))]);
        assert!(decide(&staff, &Action::ViewCourseTeam(c.clone())).is_allowed());
        assert!(!decide(&staff, &Action::EditCourseAccess(c)).is_allowed());
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
