//! The admin console's sections as links: which exist, what each is called, and the first one a
//! user may open (the header's "Admin console" link). Data only: no component, no decision.

/// The console's pages: (section that must be viewable, address, label).
pub const CONSOLE_LINKS: [(&str, &str, &str); 12] = [
    ("users", "/admin/users", "Users"),
    ("groups", "/admin/groups", "Groups"),
    ("roles", "/admin/roles", "Roles"),
    ("roles", "/admin/access", "Access"),
    ("agreements", "/admin/agreements", "Agreements"),
    ("invitations", "/admin/invitations", "Invitations"),
    ("audit", "/admin/audit", "Audit log"),
    ("outbox", "/admin/outbox", "Outbox"),
    ("jobs", "/admin/jobs", "Jobs"),
    ("retirements", "/admin/retirements", "Retirements"),
    ("credentials", "/admin/credentials", "Credentials"),
    ("credentials", "/admin/records", "Learner records"),
];

/// The first console page someone may open (the header's "Admin console" link).
#[must_use]
pub fn console_home(sections: &[String]) -> Option<&'static str> {
    CONSOLE_LINKS.iter().find(|(s, _, _)| sections.iter().any(|x| x == s)).map(|(_, href, _)| *href)
}
