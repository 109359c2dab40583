//! Batch enrollment rules: what enrolling or unenrolling one identifier does, given what is known
//! about it, and how the outcome is named, audited and reported.
//!
//! Pure: the server loads the facts for a whole batch in a few set-based queries, asks `plan_enroll`
//! or `plan_unenroll` per row, and applies the plans in one transaction. Every transition has its own
//! audit name (the anchor stored two different transitions under one string).

use serde::{Deserialize, Serialize};

/// The state the anchor reports before and after each row: `{user, enrollment, allowed, auto_enroll}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollmentState {
    /// An account with this identifier exists.
    pub user: bool,
    /// That account has an active enrollment in the course.
    pub enrollment: bool,
    /// An enrollment invitation (allowed-to-enroll) exists for this email and course.
    pub allowed: bool,
    /// The invitation enrolls on registration.
    pub auto_enroll: bool,
}

/// What is known about one identifier before the batch touches it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Facts {
    /// `Some(is_active)` when an account matches.
    pub account_active: Option<bool>,
    pub enrolled: bool,
    /// `Some(auto_enroll)` when an invitation exists.
    pub invitation: Option<bool>,
}

impl Facts {
    #[must_use]
    pub fn state(&self) -> EnrollmentState {
        EnrollmentState {
            user: self.account_active.is_some(),
            enrollment: self.enrolled,
            allowed: self.invitation.is_some(),
            auto_enroll: self.invitation.unwrap_or(false),
        }
    }
}

/// The audited transition of one row. Each has a distinct stored name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Transition {
    UnenrolledToAllowed,
    AllowedToEnrolled,
    EnrolledToEnrolled,
    EnrolledToUnenrolled,
    UnenrolledToEnrolled,
    AllowedToUnenrolled,
    UnenrolledToUnenrolled,
    AllowedToAllowed,
}

impl Transition {
    /// The stored name (Open edX's strings, with its duplicate fixed).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::UnenrolledToAllowed => "from unenrolled to allowed to enroll",
            Self::AllowedToEnrolled => "from allowed to enroll to enrolled",
            Self::EnrolledToEnrolled => "from enrolled to enrolled",
            Self::EnrolledToUnenrolled => "from enrolled to unenrolled",
            Self::UnenrolledToEnrolled => "from unenrolled to enrolled",
            Self::AllowedToUnenrolled => "from allowed to enroll to unenrolled",
            Self::UnenrolledToUnenrolled => "from unenrolled to unenrolled",
            Self::AllowedToAllowed => "from allowed to enroll to allowed to enroll",
        }
    }
}

/// The mail a row sends when the instructor asked to notify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Notice {
    Enrolled,
    Invited,
    Unenrolled,
    InvitationCancelled,
    BetaAdded,
    BetaRemoved,
}

/// What to write for one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// Create or reactivate the enrollment.
    pub enroll: bool,
    /// Deactivate the enrollment (its data is kept).
    pub unenroll: bool,
    /// Create or update the invitation with this auto-enroll flag.
    pub invite: Option<bool>,
    /// Delete the invitation.
    pub cancel_invitation: bool,
    pub before: EnrollmentState,
    pub after: EnrollmentState,
    pub transition: Transition,
    pub notice: Option<Notice>,
}

/// Plan enrolling one identifier. Active accounts are enrolled; inactive accounts and unknown emails
/// get an invitation (which enrolls on registration or activation when `auto_enroll` is set).
#[must_use]
pub fn plan_enroll(facts: Facts, auto_enroll: bool) -> Plan {
    let before = facts.state();
    match facts.account_active {
        Some(true) => Plan {
            enroll: !facts.enrolled,
            unenroll: false,
            invite: None,
            cancel_invitation: false,
            before,
            after: EnrollmentState { enrollment: true, ..before },
            transition: if facts.enrolled {
                Transition::EnrolledToEnrolled
            } else if facts.invitation.is_some() {
                Transition::AllowedToEnrolled
            } else {
                Transition::UnenrolledToEnrolled
            },
            notice: (!facts.enrolled).then_some(Notice::Enrolled),
        },
        _ => Plan {
            enroll: false,
            unenroll: false,
            invite: Some(auto_enroll),
            cancel_invitation: false,
            before,
            after: EnrollmentState { allowed: true, auto_enroll, ..before },
            transition: if facts.invitation.is_some() {
                Transition::AllowedToAllowed
            } else {
                Transition::UnenrolledToAllowed
            },
            notice: facts.invitation.is_none().then_some(Notice::Invited),
        },
    }
}

/// Plan unenrolling one identifier: deactivate the enrollment and cancel any invitation.
#[must_use]
pub fn plan_unenroll(facts: Facts) -> Plan {
    let before = facts.state();
    let after = EnrollmentState { enrollment: false, allowed: false, auto_enroll: false, ..before };
    let (transition, notice) = if facts.enrolled {
        (Transition::EnrolledToUnenrolled, Some(Notice::Unenrolled))
    } else if facts.invitation.is_some() {
        (Transition::AllowedToUnenrolled, Some(Notice::InvitationCancelled))
    } else {
        (Transition::UnenrolledToUnenrolled, None)
    };
    Plan {
        enroll: false,
        unenroll: facts.enrolled,
        invite: None,
        cancel_invitation: facts.invitation.is_some(),
        before,
        after,
        transition,
        notice,
    }
}

/// The enrollment modes a course may offer (the anchor's course modes), for filters and validation.
pub const MODES: [&str; 6] = ["audit", "honor", "verified", "professional", "no-id-professional", "masters"];

/// How a row is grouped on the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Category {
    Enrolled,
    AlreadyEnrolled,
    Invited,
    Unenrolled,
    InvitationCancelled,
    NotAffiliated,
    BetaAdded,
    AlreadyBeta,
    BetaRemoved,
    NotBeta,
    Invalid,
    Error,
}

impl Category {
    /// Every group, in the order pages and mail list them.
    pub const ALL: [Category; 12] = [
        Self::Enrolled,
        Self::AlreadyEnrolled,
        Self::Invited,
        Self::Unenrolled,
        Self::InvitationCancelled,
        Self::NotAffiliated,
        Self::BetaAdded,
        Self::AlreadyBeta,
        Self::BetaRemoved,
        Self::NotBeta,
        Self::Invalid,
        Self::Error,
    ];

    /// The group's heading, for people.
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::Enrolled => "Enrolled",
            Self::AlreadyEnrolled => "Already enrolled",
            Self::Invited => "Invited",
            Self::Unenrolled => "Unenrolled",
            Self::InvitationCancelled => "Invitation withdrawn",
            Self::NotAffiliated => "Not in this course",
            Self::BetaAdded => "Added as beta testers",
            Self::AlreadyBeta => "Already beta testers",
            Self::BetaRemoved => "Removed from beta testers",
            Self::NotBeta => "Not beta testers",
            Self::Invalid => "Not processed",
            Self::Error => "Errors",
        }
    }
}

/// Plan adding or removing one account as beta tester: `(category, change the role, notice)`.
/// Unknown and inactive accounts never reach here: they are reported as not processed.
#[must_use]
pub fn plan_beta(add: bool, holds_role: bool) -> (Category, bool, Option<Notice>) {
    match (add, holds_role) {
        (true, false) => (Category::BetaAdded, true, Some(Notice::BetaAdded)),
        (true, true) => (Category::AlreadyBeta, false, None),
        (false, true) => (Category::BetaRemoved, true, Some(Notice::BetaRemoved)),
        (false, false) => (Category::NotBeta, false, None),
    }
}

impl Plan {
    /// The group this row is reported in.
    #[must_use]
    pub fn category(&self) -> Category {
        match self.transition {
            Transition::UnenrolledToEnrolled | Transition::AllowedToEnrolled => Category::Enrolled,
            Transition::EnrolledToEnrolled => Category::AlreadyEnrolled,
            Transition::UnenrolledToAllowed | Transition::AllowedToAllowed => Category::Invited,
            Transition::EnrolledToUnenrolled => Category::Unenrolled,
            Transition::AllowedToUnenrolled => Category::InvitationCancelled,
            Transition::UnenrolledToUnenrolled => Category::NotAffiliated,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(account_active: Option<bool>, enrolled: bool, invitation: Option<bool>) -> Facts {
        Facts { account_active, enrolled, invitation }
    }

    #[test]
    fn enroll_table() {
        // (facts, auto_enroll) -> (enroll, invite, transition, notice, category)
        let rows = [
            (
                facts(Some(true), false, None),
                false,
                (true, None, Transition::UnenrolledToEnrolled, Some(Notice::Enrolled), Category::Enrolled),
            ),
            (
                facts(Some(true), true, None),
                false,
                (false, None, Transition::EnrolledToEnrolled, None, Category::AlreadyEnrolled),
            ),
            (
                facts(Some(true), false, Some(true)),
                false,
                (true, None, Transition::AllowedToEnrolled, Some(Notice::Enrolled), Category::Enrolled),
            ),
            (
                facts(Some(false), false, None),
                true,
                (
                    false,
                    Some(true),
                    Transition::UnenrolledToAllowed,
                    Some(Notice::Invited),
                    Category::Invited,
                ),
            ),
            (
                facts(None, false, None),
                true,
                (
                    false,
                    Some(true),
                    Transition::UnenrolledToAllowed,
                    Some(Notice::Invited),
                    Category::Invited,
                ),
            ),
            (
                facts(None, false, Some(false)),
                true,
                (false, Some(true), Transition::AllowedToAllowed, None, Category::Invited),
            ),
        ];
        for (f, auto, (enroll, invite, transition, notice, category)) in rows {
            let plan = plan_enroll(f, auto);
            assert_eq!(
                (plan.enroll, plan.invite, plan.transition, plan.notice, plan.category()),
                (enroll, invite, transition, notice, category),
                "{f:?}"
            );
        }
    }

    #[test]
    fn unenroll_table() {
        let both = plan_unenroll(facts(Some(true), true, Some(true)));
        assert!(both.unenroll && both.cancel_invitation);
        assert_eq!(both.transition, Transition::EnrolledToUnenrolled);
        assert_eq!(both.after, EnrollmentState { user: true, ..EnrollmentState::default() });
        let invited = plan_unenroll(facts(None, false, Some(true)));
        assert_eq!(
            (invited.transition, invited.notice),
            (Transition::AllowedToUnenrolled, Some(Notice::InvitationCancelled))
        );
        let stranger = plan_unenroll(facts(None, false, None));
        assert_eq!(
            (stranger.category(), stranger.notice, stranger.unenroll),
            (Category::NotAffiliated, None, false)
        );
    }

    #[test]
    fn beta_plans() {
        assert_eq!(plan_beta(true, false), (Category::BetaAdded, true, Some(Notice::BetaAdded)));
        assert_eq!(plan_beta(true, true), (Category::AlreadyBeta, false, None));
        assert_eq!(plan_beta(false, true), (Category::BetaRemoved, true, Some(Notice::BetaRemoved)));
        assert_eq!(plan_beta(false, false), (Category::NotBeta, false, None));
    }

    #[test]
    fn every_transition_has_its_own_name() {
        let all = [
            Transition::UnenrolledToAllowed,
            Transition::AllowedToEnrolled,
            Transition::EnrolledToEnrolled,
            Transition::EnrolledToUnenrolled,
            Transition::UnenrolledToEnrolled,
            Transition::AllowedToUnenrolled,
            Transition::UnenrolledToUnenrolled,
            Transition::AllowedToAllowed,
        ];
        let names: std::collections::HashSet<_> = all.iter().map(|t| t.as_str()).collect();
        assert_eq!(names.len(), all.len());
    }
}
