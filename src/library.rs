//! Content library sharing: library keys, access levels, who may do what with a library, the last-admin
//! rule and the explanation of a user's access.
//!
//! Pure. The server loads a user's live library grants (direct, through groups, org-wide) and the
//! library's switches once per request; [`decide_library`] answers from those facts. Grants to groups
//! stay group grants: membership is resolved when the grants are loaded, so a change to a group applies
//! at the next request.

use crate::authz::{AccessSource, Principal};
use crate::error::{DomainError, ErrorCode};
use crate::ids::OrgKey;
use crate::roles::{is_live, Role};
use serde::{Deserialize, Serialize};
use std::fmt;

/// `lib:ORG:SLUG`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LibraryKey {
    org: OrgKey,
    slug: String,
}

impl LibraryKey {
    /// A key from its org and slug; the slug is 1–64 letters, digits, `-` or `_`.
    pub fn new(org: OrgKey, slug: &str) -> Result<Self, DomainError> {
        let slug = slug.trim();
        let valid = !slug.is_empty()
            && slug.len() <= 64
            && slug.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if valid {
            Ok(Self { org, slug: slug.to_owned() })
        } else {
            Err(DomainError::with_message(
                ErrorCode::LibraryKeyInvalid,
                format!(
                    "'{slug}' is not a valid library ID: use 1 to 64 letters, digits, hyphens or underscores."
                ),
            )
            .on_field("slug"))
        }
    }

    /// Parse `lib:ORG:SLUG`.
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let invalid = || {
            DomainError::with_message(
                ErrorCode::LibraryKeyInvalid,
                format!("'{}' is not a library key (lib:ORG:SLUG).", s.trim()),
            )
        };
        let rest = s.trim().strip_prefix("lib:").ok_or_else(invalid)?;
        let (org, slug) = rest.split_once(':').ok_or_else(invalid)?;
        // Both parts as typed: spaces inside the key are refused, not trimmed into another key.
        if org != org.trim() || slug != slug.trim() {
            return Err(invalid());
        }
        let org = OrgKey::parse(org).map_err(|_| invalid())?;
        Self::new(org, slug).map_err(|_| invalid())
    }

    #[must_use]
    pub fn org(&self) -> &OrgKey {
        &self.org
    }

    #[must_use]
    pub fn slug(&self) -> &str {
        &self.slug
    }
}

impl fmt::Display for LibraryKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "lib:{}:{}", self.org, self.slug)
    }
}

/// How much a grant allows; each level implies the ones below it (Admin ⇒ Author ⇒ Read).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum AccessLevel {
    Read,
    Author,
    Admin,
}

impl AccessLevel {
    /// Highest first, as the team page offers them.
    pub const ALL: [AccessLevel; 3] = [AccessLevel::Admin, AccessLevel::Author, AccessLevel::Read];

    /// The stored string (Open edX's).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Author => "author",
            Self::Admin => "admin",
        }
    }

    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::Read => "Read only",
            Self::Author => "Author",
            Self::Admin => "Admin",
        }
    }

    /// What the level is for, in a sentence.
    #[must_use]
    pub const fn describe(self) -> &'static str {
        match self {
            Self::Read => "sees the library, its content and its team.",
            Self::Author => "all of that, and edits the content, title and description.",
            Self::Admin => "all of that, and manages the team and the public switches.",
        }
    }

    /// Parse the stored string or the label.
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let t = s.trim();
        Self::ALL
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(t) || l.label().eq_ignore_ascii_case(t))
            .ok_or_else(|| {
                DomainError::with_message(
                    ErrorCode::RoleUnknown,
                    format!("'{t}' is not a library access level; use admin, author or read."),
                )
                .on_field("access_level")
            })
    }

    /// Whether holding `self` gives at least `needed`.
    #[must_use]
    pub fn implies(self, needed: AccessLevel) -> bool {
        self >= needed
    }
}

/// Who a library grant is given to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Grantee {
    User,
    /// Through membership of this group (its name).
    Group(String),
}

/// What a library grant covers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LibraryScope {
    Library(LibraryKey),
    /// Every library of the org, present and future.
    Org(OrgKey),
}

impl LibraryScope {
    /// Whether the grant applies to `library`.
    #[must_use]
    pub fn covers(&self, library: &LibraryKey) -> bool {
        match self {
            Self::Library(key) => key == library,
            Self::Org(org) => org == library.org(),
        }
    }
}

/// One library grant held by a user, directly or through a group.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LibraryGrant {
    pub level: AccessLevel,
    pub scope: LibraryScope,
    pub grantee: Grantee,
    /// When it stops granting (epoch ms), if ever.
    pub expires_at: Option<i64>,
}

/// A library's own switches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LibrarySwitches {
    /// Anyone with authoring access (course creators) may view and reuse the content.
    pub allow_public_read: bool,
    /// Anyone, even signed out, may learn from the content in courses.
    pub allow_public_learning: bool,
}

/// Something a user may try to do with a library.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LibraryAction {
    /// Learn from its content in a course.
    Learn,
    /// See the library and its content.
    View,
    /// See who has access.
    ViewTeam,
    /// Edit content, title and description.
    Edit,
    /// Give, change and take away access.
    ManageTeam,
    /// Change `allow_public_read` / `allow_public_learning`.
    ChangeSwitches,
}

impl LibraryAction {
    pub const ALL: [LibraryAction; 6] = [
        LibraryAction::Learn,
        LibraryAction::View,
        LibraryAction::ViewTeam,
        LibraryAction::Edit,
        LibraryAction::ManageTeam,
        LibraryAction::ChangeSwitches,
    ];

    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::Learn => "learn from it",
            Self::View => "view it",
            Self::ViewTeam => "see its team",
            Self::Edit => "edit it",
            Self::ManageTeam => "manage its team",
            Self::ChangeSwitches => "change its public switches",
        }
    }

    /// The level a grant must give for this action.
    #[must_use]
    pub const fn needs(self) -> AccessLevel {
        match self {
            Self::Learn | Self::View | Self::ViewTeam => AccessLevel::Read,
            Self::Edit => AccessLevel::Author,
            Self::ManageTeam | Self::ChangeSwitches => AccessLevel::Admin,
        }
    }
}

/// The highest level the live grants covering `library` give.
#[must_use]
pub fn effective_level(grants: &[LibraryGrant], library: &LibraryKey, now: i64) -> Option<AccessLevel> {
    grants.iter().filter(|g| g.scope.covers(library) && is_live(g.expires_at, now)).map(|g| g.level).max()
}

/// Whether the principal may create libraries in `org`: global staff, course creators, and content
/// creators of that org.
#[must_use]
pub fn may_create_library(principal: Option<&Principal>, org: &OrgKey) -> bool {
    principal.is_some_and(|p| {
        p.is_active
            && (p.is_global_staff()
                || p.grants.iter().any(|g| {
                    g.role == Role::CourseCreator
                        || (g.role == Role::OrgContentCreator
                            && g.scope == crate::roles::Scope::Org(org.clone()))
                }))
    })
}

fn is_course_creator(principal: &Principal) -> bool {
    principal.grants.iter().any(|g| matches!(g.role, Role::CourseCreator | Role::OrgContentCreator))
}

/// Decide whether `principal` (None: signed out) may take `action` on `library`, from its switches and
/// the principal's library grants.
#[must_use]
pub fn decide_library(
    principal: Option<&Principal>,
    grants: &[LibraryGrant],
    library: &LibraryKey,
    switches: LibrarySwitches,
    action: LibraryAction,
    now: i64,
) -> bool {
    if action == LibraryAction::Learn && switches.allow_public_learning {
        return true;
    }
    let Some(principal) = principal.filter(|p| p.is_active) else {
        return false;
    };
    if principal.is_global_staff() {
        return true;
    }
    if action == LibraryAction::View && switches.allow_public_read && is_course_creator(principal) {
        return true;
    }
    effective_level(grants, library, now).is_some_and(|level| level.implies(action.needs()))
}

/// Every way `principal` has access to `library`, with what each allows on its own.
#[must_use]
pub fn explain_library(
    principal: &Principal,
    grants: &[LibraryGrant],
    library: &LibraryKey,
    switches: LibrarySwitches,
    now: i64,
) -> Vec<AccessSource> {
    let allows = |level: Option<AccessLevel>| -> Vec<String> {
        LibraryAction::ALL
            .into_iter()
            .filter(|a| level.is_some_and(|l| l.implies(a.needs())))
            .map(|a| a.label().to_owned())
            .collect()
    };
    let mut out = Vec::new();
    if principal.is_global_staff() {
        out.push(AccessSource {
            grant: "Global staff".into(),
            scope: "every library".into(),
            expires_at: None,
            expired: false,
            allows: allows(Some(AccessLevel::Admin)),
        });
    }
    for g in grants.iter().filter(|g| g.scope.covers(library)) {
        let via = match &g.grantee {
            Grantee::User => "directly".to_owned(),
            Grantee::Group(name) => format!("through group {name}"),
        };
        let scope = match &g.scope {
            LibraryScope::Library(_) => "this library".to_owned(),
            LibraryScope::Org(org) => format!("every library of {org}"),
        };
        let live = is_live(g.expires_at, now);
        let mut granted = allows(live.then_some(g.level));
        let implied: Vec<&str> =
            AccessLevel::ALL.iter().filter(|l| **l < g.level).map(|l| l.label()).collect();
        let grant = if implied.is_empty() {
            format!("{}, {via}", g.level.label())
        } else {
            format!("{}, {via} (implies {})", g.level.label(), implied.join(", "))
        };
        if !live {
            granted.clear();
        }
        out.push(AccessSource { grant, scope, expires_at: g.expires_at, expired: !live, allows: granted });
    }
    if switches.allow_public_read && is_course_creator(principal) {
        out.push(AccessSource {
            grant: "Public read, as a course creator".into(),
            scope: "this library".into(),
            expires_at: None,
            expired: false,
            allows: vec![LibraryAction::View.label().to_owned()],
        });
    }
    if switches.allow_public_learning {
        out.push(AccessSource {
            grant: "Public learning".into(),
            scope: "everyone".into(),
            expires_at: None,
            expired: false,
            allows: vec![LibraryAction::Learn.label().to_owned()],
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::UserId;
    use crate::roles::{Grant, Scope};

    fn key(s: &str) -> LibraryKey {
        LibraryKey::parse(s).unwrap()
    }

    fn user(grants: Vec<Grant>) -> Principal {
        Principal {
            user_id: UserId("u".into()),
            username: "u".into(),
            is_active: true,
            is_staff: false,
            is_superuser: false,
            grants,
        }
    }

    fn grant(
        level: AccessLevel,
        scope: LibraryScope,
        grantee: Grantee,
        expires_at: Option<i64>,
    ) -> LibraryGrant {
        LibraryGrant { level, scope, grantee, expires_at }
    }

    #[test]
    fn keys_parse_and_print() {
        let k = key("lib:DemoX:intro-blocks");
        assert_eq!(k.org().as_str(), "DemoX");
        assert_eq!(k.slug(), "intro-blocks");
        assert_eq!(k.to_string(), "lib:DemoX:intro-blocks");
        assert!(LibraryKey::parse("course-v1:DemoX+A+1").is_err());
        assert!(LibraryKey::parse("lib:DemoX:").is_err());
        assert!(LibraryKey::parse("lib:DemoX:has space").is_err());
        let org = OrgKey::parse("DemoX").unwrap();
        assert_eq!(LibraryKey::new(org, "a/b").unwrap_err().code, ErrorCode::LibraryKeyInvalid);
    }

    #[test]
    fn levels_imply_the_ones_below() {
        assert!(AccessLevel::Admin.implies(AccessLevel::Author));
        assert!(AccessLevel::Admin.implies(AccessLevel::Read));
        assert!(AccessLevel::Author.implies(AccessLevel::Read));
        assert!(!AccessLevel::Author.implies(AccessLevel::Admin));
        assert!(!AccessLevel::Read.implies(AccessLevel::Author));
        assert_eq!(AccessLevel::parse("Read only").unwrap(), AccessLevel::Read);
        assert_eq!(AccessLevel::parse("AUTHOR").unwrap(), AccessLevel::Author);
        assert_eq!(AccessLevel::parse("owner").unwrap_err().code, ErrorCode::RoleUnknown);
    }

    #[test]
    fn decisions_by_level_group_org_and_switches() {
        let lib = key("lib:DemoX:intro");
        let other = key("lib:OtherX:intro");
        let here = LibraryScope::Library(lib.clone());
        let closed = LibrarySwitches::default();
        let p = user(vec![]);
        let may = |grants: &[LibraryGrant], action, switches| {
            decide_library(Some(&p), grants, &lib, switches, action, 10)
        };

        // No grant: nothing, unless the switches open it.
        assert!(!may(&[], LibraryAction::View, closed));
        assert!(!decide_library(None, &[], &lib, closed, LibraryAction::Learn, 10));
        let learning = LibrarySwitches { allow_public_learning: true, ..closed };
        assert!(
            decide_library(None, &[], &lib, learning, LibraryAction::Learn, 10),
            "public learning includes signed-out users"
        );
        assert!(!decide_library(None, &[], &lib, learning, LibraryAction::View, 10));

        let reader = [grant(AccessLevel::Read, here.clone(), Grantee::User, None)];
        assert!(may(&reader, LibraryAction::View, closed));
        assert!(may(&reader, LibraryAction::ViewTeam, closed), "readers see the team");
        assert!(!may(&reader, LibraryAction::Edit, closed));

        let group_author = [grant(AccessLevel::Author, here.clone(), Grantee::Group("Authors".into()), None)];
        assert!(may(&group_author, LibraryAction::Edit, closed), "a group grant gives its level");
        assert!(
            !may(&group_author, LibraryAction::ChangeSwitches, closed),
            "authors cannot flip the public switches"
        );

        let org_admin =
            [grant(AccessLevel::Admin, LibraryScope::Org(lib.org().clone()), Grantee::User, None)];
        assert!(may(&org_admin, LibraryAction::ManageTeam, closed));
        assert!(
            !decide_library(Some(&p), &org_admin, &other, closed, LibraryAction::View, 10),
            "org-wide stays in its org"
        );

        // The highest live grant wins; an ended grant gives nothing.
        let mixed = [
            reader[0].clone(),
            grant(AccessLevel::Admin, here.clone(), Grantee::Group("G".into()), Some(10)),
        ];
        assert!(!may(&mixed, LibraryAction::ManageTeam, closed), "expired at 10, checked at 10");
        assert!(decide_library(Some(&p), &mixed, &lib, closed, LibraryAction::ManageTeam, 9));
        assert!(may(&mixed, LibraryAction::View, closed));

        // Public read opens viewing to course creators only.
        let read = LibrarySwitches { allow_public_read: true, ..closed };
        assert!(!may(&[], LibraryAction::View, read));
        let creator = user(vec![Grant { role: Role::CourseCreator, scope: Scope::Global }]);
        assert!(decide_library(Some(&creator), &[], &lib, read, LibraryAction::View, 10));
        assert!(!decide_library(Some(&creator), &[], &lib, read, LibraryAction::Edit, 10));

        // Global staff everything; inactive users nothing.
        let staff = Principal { is_staff: true, ..user(vec![]) };
        assert!(decide_library(Some(&staff), &[], &lib, closed, LibraryAction::ChangeSwitches, 10));
        let inactive = Principal { is_active: false, ..user(vec![]) };
        assert!(!decide_library(Some(&inactive), &org_admin, &lib, closed, LibraryAction::View, 10));
    }

    #[test]
    fn creation_rights() {
        let demo = OrgKey::parse("DemoX").unwrap();
        let other = OrgKey::parse("OtherX").unwrap();
        let org_creator =
            user(vec![Grant { role: Role::OrgContentCreator, scope: Scope::Org(demo.clone()) }]);
        assert!(may_create_library(Some(&org_creator), &demo));
        assert!(!may_create_library(Some(&org_creator), &other));
        assert!(may_create_library(
            Some(&user(vec![Grant { role: Role::CourseCreator, scope: Scope::Global }])),
            &other
        ));
        assert!(!may_create_library(Some(&user(vec![])), &demo));
        assert!(!may_create_library(None, &demo));
    }

    #[test]
    fn explanations_list_every_source_with_what_it_allows() {
        let lib = key("lib:DemoX:intro");
        let grants = [
            grant(
                AccessLevel::Author,
                LibraryScope::Library(lib.clone()),
                Grantee::Group("Writers".into()),
                None,
            ),
            grant(AccessLevel::Read, LibraryScope::Org(lib.org().clone()), Grantee::User, None),
            grant(AccessLevel::Admin, LibraryScope::Library(lib.clone()), Grantee::User, Some(5)),
        ];
        let out = explain_library(&user(vec![]), &grants, &lib, LibrarySwitches::default(), 10);
        assert_eq!(out.len(), 3);
        assert!(out[0].grant.contains("through group Writers") && out[0].grant.contains("implies Read only"));
        assert!(out[0].allows.contains(&"edit it".to_owned()));
        assert_eq!(out[1].scope, "every library of DemoX");
        assert!(!out[1].allows.contains(&"edit it".to_owned()));
        assert!(out[2].expired && out[2].allows.is_empty(), "an ended grant is shown but allows nothing");
    }
}
