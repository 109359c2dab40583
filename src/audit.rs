//! Audit actions: every kind of change the audit log records, named once.
//!
//! The server writes these into `audit_log.action` (as [`AuditAction::as_str`]); history sentences,
//! the console's filters and redaction match on the enum, never on strings. The stored names are
//! stable: a variant's string must not change once entries carry it. Pure: no IO.

use std::fmt;

macro_rules! audit_actions {
    ($($(#[$doc:meta])* $variant:ident => $name:literal,)+) => {
        /// One kind of change the audit log records.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum AuditAction {
            $($(#[$doc])* $variant,)+
        }

        impl AuditAction {
            /// Every action, in declaration order.
            pub const ALL: &'static [AuditAction] = &[$(AuditAction::$variant,)+];

            /// The name stored in the audit log (`area.verb`).
            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(AuditAction::$variant => $name,)+
                }
            }
        }
    };
}

audit_actions! {
    /// A course, org or global role given.
    RoleGrant => "role.grant",
    /// A course, org or global role taken away.
    RoleRevoke => "role.revoke",
    /// A team member switched between roles or given another end date.
    RoleChange => "role.change",
    /// A role reached its end date (recorded by the sweep).
    RoleExpired => "role.expired",
    /// A library created.
    LibraryCreate => "library.create",
    /// A library's title or description changed.
    LibraryUpdate => "library.update",
    /// Who outside the team may read or learn from a library changed.
    LibrarySwitches => "library.switches",
    /// A user or group given a level on a library (or org-wide).
    LibraryGrant => "library.grant",
    /// A user's or group's library level changed.
    LibraryChange => "library.change",
    /// A user's or group's library access taken away.
    LibraryRevoke => "library.revoke",
    /// A library grant reached its end date (recorded by the sweep).
    LibraryGrantExpired => "library.grant_expired",
    /// An email invited to a course team.
    TeamInvite => "team.invite",
    /// A course team invitation taken up by the account that registered with its address.
    TeamInvitationAccepted => "team.invitation_accepted",
    /// A course team invitation withdrawn.
    TeamInvitationRevoked => "team.invitation_revoked",
    /// An account registered itself.
    UserRegister => "user.register",
    /// How a new account started (the activation policy's decision).
    UserStart => "user.start",
    /// An account created in the console or by a command.
    UserCreate => "user.create",
    /// An account's name or email changed.
    UserUpdate => "user.update",
    /// An account's staff or superuser status changed.
    UserFlags => "user.flags",
    /// Every session of an account ended.
    UserEndSessions => "user.end_sessions",
    /// An account deactivated.
    UserDeactivate => "user.deactivate",
    /// A deactivated or new account set up again.
    UserReactivate => "user.reactivate",
    /// An invited account became active with its last required signature.
    UserActivate => "user.activate",
    /// An account made active without its agreements (an audited bypass).
    UserActivateBypassingAgreements => "user.activate_bypassing_agreements",
    /// A password chosen through a mailed link.
    UserPasswordReset => "user.password_reset",
    /// A link to choose a password mailed.
    UserPasswordResetLink => "user.password_reset_link",
    /// A password link asked for on the sign-in page ("Forgot password?") and mailed.
    UserPasswordForgotten => "user.password_forgotten",
    /// An account's owner changed its password (the current one given).
    UserPasswordChange => "user.password_change",
    /// An account's owner changed its full name.
    UserNameChange => "user.name_change",
    /// An account's owner asked to change its address (a link mailed to the new one).
    UserEmailChangeRequest => "user.email_change_request",
    /// An account's address changed when its owner followed the link mailed to the new one.
    UserEmailChange => "user.email_change",
    /// An account's owner set up an authenticator app as a second factor.
    SecondFactorOn => "user.second_factor_on",
    /// An account's owner turned its second factor off.
    SecondFactorOff => "user.second_factor_off",
    /// An administrator took an account's second factor away (lost phone and codes).
    SecondFactorReset => "user.second_factor_reset",
    /// An account's owner ended one or all other of its sessions.
    UserEndOwnSessions => "user.end_own_sessions",
    /// A bearer token issued.
    TokenIssue => "token.issue",
    /// An OAuth client created (client-credentials grant).
    OauthClientCreate => "oauth_client.create",
    /// An OAuth client revoked, with the tokens it was issued.
    OauthClientRevoke => "oauth_client.revoke",
    /// An agreement (or a new version of one) published.
    AgreementPublish => "agreement.publish",
    /// An agreement signed.
    AgreementSign => "agreement.sign",
    /// An email invited from the console.
    InvitationCreate => "invitation.create",
    /// A console invitation revoked.
    InvitationRevoke => "invitation.revoke",
    /// A console invitation redeemed by the account that proved the invited address.
    InvitationAccept => "invitation.accept",
    /// An account proved it controls its address (followed the mailed link).
    EmailVerified => "user.email_verified",
    /// A group created.
    GroupCreate => "group.create",
    /// A group renamed or described again.
    GroupRename => "group.rename",
    /// A group deleted with its memberships and grants.
    GroupDelete => "group.delete",
    /// A member added to a group.
    GroupAddMember => "group.add_member",
    /// A member removed from a group.
    GroupRemoveMember => "group.remove_member",
    /// The console permissions a group gives changed.
    GroupPermissions => "group.permissions",
    /// A failed background job queued again.
    JobRetry => "job.retry",
    /// A message sent again.
    MailRetry => "mail.retry",
    /// An account queued for deletion.
    RetirementRequest => "retirement.request",
    /// A deletion cancelled during its cool-off.
    RetirementCancel => "retirement.cancel",
    /// A failed or stuck retirement resumed.
    RetirementResume => "retirement.resume",
    /// A retirement stopped for good.
    RetirementAbort => "retirement.abort",
    /// A site created.
    SiteCreate => "site.create",
    /// A site's configuration changed.
    SiteUpdate => "site.update",
    /// A signatory added.
    SignatoryCreate => "signatory.create",
    /// A program saved.
    ProgramSave => "program.save",
    /// A course certificate configuration saved.
    CourseCertificateSave => "course_certificate.save",
    /// A program certificate configuration saved.
    ProgramCertificateSave => "program_certificate.save",
    /// A pathway saved.
    PathwaySave => "pathway.save",
    /// A credential issued (created or changed through the service API).
    CredentialIssue => "credential.issue",
    /// A credential awarded.
    CredentialAward => "credential.award",
    /// A credential revoked.
    CredentialRevoke => "credential.revoke",
}

impl AuditAction {
    /// The action stored under `name`, if it is one of ours.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|a| a.as_str() == name)
    }
}

impl fmt::Display for AuditAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_reads_back_from_its_stored_name() {
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.as_str()), Some(*action));
        }
    }

    #[test]
    fn stored_names_are_unique_and_shaped_area_dot_verb() {
        let mut names: Vec<&str> = AuditAction::ALL.iter().map(|a| a.as_str()).collect();
        for name in &names {
            let (area, verb) = name.split_once('.').unwrap();
            assert!(!area.is_empty() && !verb.is_empty(), "{name}");
            assert!(name.chars().all(|c| c.is_ascii_lowercase() || c == '_' || c == '.'), "{name}");
        }
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count, "two actions share a stored name");
    }

    #[test]
    fn unknown_names_are_not_actions() {
        assert_eq!(AuditAction::parse("role.grants"), None);
        assert_eq!(AuditAction::parse(""), None);
        assert_eq!(AuditAction::parse("ROLE.GRANT"), None);
    }
}
