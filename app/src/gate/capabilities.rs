//! Capabilities: proofs that the Gate let a caller through, one type per thing a caller may do.
//!
//! Their fields are visible to the Gate (`super`) only, so nothing else can mint one; every port
//! method demands one. This module must not decide anything: deciding is the Gate's, with the rules in
//! the `registrar` crate.

use registrar::authz::Principal;
use registrar::console::{self, ConsoleRole, Permission};
use registrar::ids::{CourseKey, OrgKey};
use registrar::library::LibraryKey;

/// Capability to read the facts the Gate decides from (`crate::ports::facts`): the Gate's own.
pub struct GateAsks(pub(super) ());

/// Capability for endpoints on the public list (sign-in, registration).
pub struct Public(pub(super) ());

/// Capability: a signed-in, active user acting on their own account.
pub struct Me {
    pub(super) principal: Principal,
    pub(super) session_id: Option<String>,
}

impl Me {
    #[must_use]
    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    /// The hashed id of the session this request came with, if it came with one.
    #[must_use]
    pub fn session_id(&self) -> Option<&str> {
        self.session_id.as_deref()
    }
}

/// Capability: global staff (or superuser), with the console permissions their groups give them.
pub struct GlobalStaff {
    pub(super) principal: Principal,
    pub(super) held: Vec<Permission>,
}

impl GlobalStaff {
    /// Whether they may also use `permission` (superusers may use every one).
    #[must_use]
    pub fn may(&self, permission: Permission) -> bool {
        console::may(console_role(&self.principal), &self.held, permission)
    }

    /// The console permissions held through groups (superusers: none needed).
    #[must_use]
    pub fn held(&self) -> &[Permission] {
        &self.held
    }

    /// Who acts, for the audit log.
    #[must_use]
    pub fn actor(&self) -> &str {
        &self.principal.username
    }

    #[must_use]
    pub fn principal(&self) -> &Principal {
        &self.principal
    }
}

/// Capability: an account that may sign agreements: an active user, or an invited one signed in to
/// sign the agreements it must sign before it becomes active.
pub struct Signer {
    pub(super) user_id: registrar::ids::UserId,
    pub(super) username: String,
    pub(super) active: bool,
    pub(super) session_id: Option<String>,
}

impl Signer {
    #[must_use]
    pub fn user_id(&self) -> &registrar::ids::UserId {
        &self.user_id
    }

    #[must_use]
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The hashed id of the session the request came with.
    #[must_use]
    pub fn session_id(&self) -> Option<&str> {
        self.session_id.as_deref()
    }

    /// Whether the account is active already (an invited one is not).
    #[must_use]
    pub fn is_active(&self) -> bool {
        self.active
    }
}

/// Capability: a named system principal (a management command or a job), never a web request.
pub struct System {
    pub(super) actor: String,
}

impl System {
    /// `system:<name>`, for the audit log.
    #[must_use]
    pub fn actor(&self) -> &str {
        &self.actor
    }
}

/// Capability: the retirement service user (or a superuser) driving retirements through the
/// service API.
pub struct RetirementWorker {
    pub(super) principal: Principal,
}

impl RetirementWorker {
    /// Who acts, for the retirement events.
    #[must_use]
    pub fn actor(&self) -> &str {
        &self.principal.username
    }

    #[must_use]
    pub fn principal(&self) -> &Principal {
        &self.principal
    }
}

/// A capability scoped to one course: the principal it was granted to and the course.
macro_rules! course_capability {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        pub struct $name {
            pub(super) principal: Principal,
            pub(super) course: CourseKey,
        }

        impl $name {
            #[must_use]
            pub fn course(&self) -> &CourseKey {
                &self.course
            }

            #[must_use]
            pub fn principal(&self) -> &Principal {
                &self.principal
            }
        }
    };
}

course_capability!(
    /// Capability: may open one course's instructor dashboard (staff, Data Researchers, Discussion
    /// Admins); what the dashboard then offers depends on the other capabilities.
    CourseStaff
);

course_capability!(
    /// Capability: may see and manage one course's discussion roles (course Admin or Discussion Admin;
    /// which roles exactly is `registrar::discussion::check_manage`).
    DiscussionManager
);

course_capability!(
    /// Capability: Admin of one course (course or org instructor, or global staff): manages its team.
    CourseAdmin
);

course_capability!(
    /// Capability: may see one course's Studio team page (Admins and Staff) and leave its team.
    CourseTeamViewer
);

course_capability!(
    /// Capability: may enroll and unenroll learners in one course (course, org or global staff).
    CourseEnroller
);

impl CourseEnroller {
    /// Whether the enroller may also email the learners ("Notify"): not Limited Staff.
    #[must_use]
    pub fn may_email_learners(&self) -> bool {
        registrar::authz::decide(
            &self.principal,
            &registrar::authz::Action::EmailLearners(self.course.clone()),
        )
        .is_allowed()
    }
}

/// A capability scoped to one library: the principal, the library and its switches.
macro_rules! library_capability {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        pub struct $name {
            pub(super) principal: Principal,
            pub(super) library: LibraryKey,
        }

        impl $name {
            #[must_use]
            pub fn library(&self) -> &LibraryKey {
                &self.library
            }

            #[must_use]
            pub fn principal(&self) -> &Principal {
                &self.principal
            }
        }
    };
}

library_capability!(
    /// Capability: may view one library and its team (any grant, global staff, or public read for
    /// course creators).
    LibraryViewer
);

library_capability!(
    /// Capability: may edit one library's content, title and description (Author or Admin).
    LibraryEditor
);

library_capability!(
    /// Capability: may manage one library's team and public switches (Admin, or global staff).
    LibraryAdmin
);

/// Capability: may create libraries in one org (global staff, course creators, that org's content
/// creators).
pub struct LibraryCreator {
    pub(super) principal: Principal,
    pub(super) org: OrgKey,
}

impl LibraryCreator {
    #[must_use]
    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    #[must_use]
    pub fn org(&self) -> &OrgKey {
        &self.org
    }
}

/// The facts the console's permission rules need.
pub(super) fn console_role(principal: &Principal) -> ConsoleRole {
    ConsoleRole {
        is_active: principal.is_active,
        is_staff: principal.is_staff,
        is_superuser: principal.is_superuser,
    }
}
