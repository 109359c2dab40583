//! The coded error every layer speaks.
//!
//! Owns the catalogue of error codes, their user-facing messages and their kind (which the server maps
//! to an HTTP status in one table). It must never carry database or transport text: callers that hit an
//! internal failure log it and return [`ErrorCode::Internal`] with an operation id.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What kind of failure a code is; the server maps each kind to one HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ErrorKind {
    /// The caller is not signed in (401).
    Unauthenticated,
    /// The caller is signed in but may not do this (403).
    Forbidden,
    /// The thing does not exist, or the caller may not know it exists (404).
    NotFound,
    /// The request conflicts with the current state (409).
    Conflict,
    /// The input is malformed or breaks a rule (422).
    Invalid,
    /// Too many attempts; try again later (429).
    Throttled,
    /// Our fault; the message carries an operation id found in the server log (500).
    Internal,
}

/// Every error the product can show, with a stable code (serialized as the code string).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    AuthRequired,
    AuthBadCredentials,
    AuthLocked,
    AuthThrottled,
    AuthInactive,
    AuthBadOrigin,
    Forbidden,
    NotFound,
    UsernameInvalid,
    UsernameTaken,
    EmailInvalid,
    EmailTaken,
    FullNameInvalid,
    PasswordWeak,
    PasswordMismatch,
    CourseKeyInvalid,
    OrgKeyInvalid,
    RoleUnknown,
    InputInvalid,
    UserNotFound,
    UserInactive,
    TeamLastAdmin,
    TeamSelfDemotion,
    TeamRoleHeld,
    TeamRoleNotHeld,
    DiscussionAdminOfAdmin,
    LibraryKeyInvalid,
    LibraryExists,
    GroupNameInvalid,
    GroupExists,
    InvitationExists,
    ExpiryInvalid,
    PasswordIncorrect,
    SecondFactorRequired,
    RetirementPending,
    RetirementBadTransition,
    RetirementNotFound,
    RetirementStatesInvalid,
    LinkInvalid,
    OAuthInvalidClient,
    GradeInvalid,
    GradeStale,
    CertificateExists,
    ImageInvalid,
    RateLimited,
    AgreementOutdated,
    ActivationBlocked,
    SelfChangeRefused,
    Internal,
}

impl ErrorCode {
    /// The stable, documented code string (as in `TEAM_LAST_ADMIN`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::AuthRequired => "AUTH_REQUIRED",
            Self::AuthBadCredentials => "AUTH_BAD_CREDENTIALS",
            Self::AuthLocked => "AUTH_LOCKED",
            Self::AuthThrottled => "AUTH_THROTTLED",
            Self::AuthInactive => "AUTH_INACTIVE",
            Self::AuthBadOrigin => "AUTH_BAD_ORIGIN",
            Self::Forbidden => "FORBIDDEN",
            Self::NotFound => "NOT_FOUND",
            Self::UsernameInvalid => "USERNAME_INVALID",
            Self::UsernameTaken => "USERNAME_TAKEN",
            Self::EmailInvalid => "EMAIL_INVALID",
            Self::EmailTaken => "EMAIL_TAKEN",
            Self::FullNameInvalid => "FULL_NAME_INVALID",
            Self::PasswordWeak => "PASSWORD_WEAK",
            Self::PasswordMismatch => "PASSWORD_MISMATCH",
            Self::CourseKeyInvalid => "COURSE_KEY_INVALID",
            Self::OrgKeyInvalid => "ORG_KEY_INVALID",
            Self::RoleUnknown => "ROLE_UNKNOWN",
            Self::InputInvalid => "INPUT_INVALID",
            Self::UserNotFound => "USER_NOT_FOUND",
            Self::UserInactive => "USER_INACTIVE",
            Self::TeamLastAdmin => "TEAM_LAST_ADMIN",
            Self::TeamSelfDemotion => "TEAM_SELF_DEMOTION",
            Self::TeamRoleHeld => "TEAM_ROLE_HELD",
            Self::TeamRoleNotHeld => "TEAM_ROLE_NOT_HELD",
            Self::DiscussionAdminOfAdmin => "DISCUSSION_ADMIN_OF_ADMIN",
            Self::LibraryKeyInvalid => "LIBRARY_KEY_INVALID",
            Self::LibraryExists => "LIBRARY_EXISTS",
            Self::GroupNameInvalid => "GROUP_NAME_INVALID",
            Self::GroupExists => "GROUP_EXISTS",
            Self::InvitationExists => "INVITATION_EXISTS",
            Self::ExpiryInvalid => "EXPIRY_INVALID",
            Self::PasswordIncorrect => "PASSWORD_INCORRECT",
            Self::SecondFactorRequired => "SECOND_FACTOR_REQUIRED",
            Self::RetirementPending => "RETIREMENT_PENDING",
            Self::RetirementBadTransition => "RETIREMENT_BAD_TRANSITION",
            Self::RetirementNotFound => "RETIREMENT_NOT_FOUND",
            Self::RetirementStatesInvalid => "RETIREMENT_STATES_INVALID",
            Self::LinkInvalid => "LINK_INVALID",
            Self::OAuthInvalidClient => "OAUTH_INVALID_CLIENT",
            Self::GradeInvalid => "GRADE_INVALID",
            Self::GradeStale => "GRADE_STALE",
            Self::CertificateExists => "CERTIFICATE_EXISTS",
            Self::ImageInvalid => "IMAGE_INVALID",
            Self::RateLimited => "RATE_LIMITED",
            Self::AgreementOutdated => "AGREEMENT_OUTDATED",
            Self::ActivationBlocked => "ACTIVATION_BLOCKED",
            Self::SelfChangeRefused => "SELF_CHANGE_REFUSED",
            Self::Internal => "INTERNAL",
        }
    }

    /// The kind of failure, which decides the HTTP status.
    #[must_use]
    pub const fn kind(self) -> ErrorKind {
        match self {
            Self::AuthRequired => ErrorKind::Unauthenticated,
            Self::AuthBadCredentials | Self::AuthInactive => ErrorKind::Unauthenticated,
            Self::AuthLocked | Self::AuthThrottled => ErrorKind::Throttled,
            Self::AuthBadOrigin | Self::Forbidden => ErrorKind::Forbidden,
            Self::NotFound | Self::UserNotFound => ErrorKind::NotFound,
            Self::TeamLastAdmin
            | Self::TeamSelfDemotion
            | Self::TeamRoleHeld
            | Self::TeamRoleNotHeld
            | Self::DiscussionAdminOfAdmin
            | Self::LibraryExists
            | Self::GroupExists
            | Self::InvitationExists => ErrorKind::Conflict,
            Self::UserInactive => ErrorKind::Invalid,
            Self::UsernameTaken | Self::EmailTaken => ErrorKind::Conflict,
            Self::UsernameInvalid
            | Self::EmailInvalid
            | Self::FullNameInvalid
            | Self::PasswordWeak
            | Self::PasswordMismatch
            | Self::CourseKeyInvalid
            | Self::OrgKeyInvalid
            | Self::RoleUnknown
            | Self::InputInvalid
            | Self::LibraryKeyInvalid
            | Self::GroupNameInvalid
            | Self::ExpiryInvalid => ErrorKind::Invalid,
            Self::PasswordIncorrect | Self::SecondFactorRequired => ErrorKind::Forbidden,
            Self::RetirementPending => ErrorKind::Conflict,
            Self::RetirementBadTransition => ErrorKind::Conflict,
            Self::RetirementNotFound => ErrorKind::NotFound,
            Self::RetirementStatesInvalid => ErrorKind::Invalid,
            Self::LinkInvalid => ErrorKind::Invalid,
            Self::OAuthInvalidClient => ErrorKind::Unauthenticated,
            Self::GradeInvalid => ErrorKind::Invalid,
            Self::GradeStale => ErrorKind::Conflict,
            Self::CertificateExists => ErrorKind::Conflict,
            Self::ImageInvalid => ErrorKind::Invalid,
            Self::RateLimited => ErrorKind::Throttled,
            Self::AgreementOutdated => ErrorKind::Conflict,
            Self::ActivationBlocked => ErrorKind::Forbidden,
            Self::SelfChangeRefused => ErrorKind::Conflict,
            Self::Internal => ErrorKind::Internal,
        }
    }

    /// The default message a user sees for this code.
    #[must_use]
    pub const fn default_message(self) -> &'static str {
        match self {
            Self::AuthRequired => "Please sign in to continue.",
            Self::AuthBadCredentials => {
                "That sign-in did not work. Check your username or email and password."
            }
            Self::AuthLocked => {
                "Too many failed sign-ins. This account is locked for a few minutes; try again later."
            }
            Self::AuthThrottled => "Too many failed sign-ins from your network. Wait a minute and try again.",
            Self::AuthInactive => "This account is not active. Contact your administrator.",
            Self::AuthBadOrigin => "This request did not come from a Registrar page and was refused.",
            Self::Forbidden => "You do not have permission to do that.",
            Self::NotFound => "We could not find that.",
            Self::UsernameInvalid => "Usernames are 2 to 30 characters: letters, digits, '_', '-' and '.'.",
            Self::UsernameTaken => "That username is already taken.",
            Self::EmailInvalid => "Enter an email address like name@example.org.",
            Self::EmailTaken => "An account with that email already exists.",
            Self::FullNameInvalid => "Enter your full name (at most 255 characters).",
            Self::PasswordWeak => {
                "Passwords need at least 10 characters and must not be your username or email."
            }
            Self::PasswordMismatch => "The two passwords do not match.",
            Self::CourseKeyInvalid => "Course keys look like course-v1:Org+Number+Run.",
            Self::OrgKeyInvalid => "Organization keys are 2 to 64 letters, digits, '_', '-' or '.'.",
            Self::RoleUnknown => "That role does not exist here.",
            Self::InputInvalid => "Some of the input is not valid.",
            Self::UserNotFound => "No account has that username or email.",
            Self::UserInactive => "That account is not active, so it cannot be given a role.",
            Self::TeamLastAdmin => {
                "A course needs at least one Admin: add another Admin before removing this one."
            }
            Self::TeamSelfDemotion => "You cannot remove your own Admin role; ask another Admin to do it.",
            Self::TeamRoleHeld => "That person already has this role.",
            Self::TeamRoleNotHeld => "That person does not have this role.",
            Self::DiscussionAdminOfAdmin => {
                "A course Admin keeps the Discussion Admin role; remove their Admin role first."
            }
            Self::LibraryKeyInvalid => "Library keys look like lib:Org:slug.",
            Self::LibraryExists => "A library with that ID already exists in this organization.",
            Self::GroupNameInvalid => "Group names are 1 to 100 characters.",
            Self::GroupExists => "A group with that name already exists.",
            Self::InvitationExists => "That email already has a pending invitation.",
            Self::ExpiryInvalid => {
                "An end date is the last day of access: today or later, written YYYY-MM-DD."
            }
            Self::PasswordIncorrect => "That password is not correct.",
            Self::SecondFactorRequired => {
                "Staff accounts here must use two-step sign-in: set it up on My account first."
            }
            Self::RetirementPending => "Your account is already queued for deletion.",
            Self::RetirementBadTransition => "That retirement state change is not allowed.",
            Self::RetirementNotFound => "There is no retirement for that learner.",
            Self::RetirementStatesInvalid => "The retirement state list is not valid.",
            Self::LinkInvalid => "This link is not valid or has expired. Ask for a new one.",
            Self::OAuthInvalidClient => "Unknown client or wrong client secret.",
            Self::GradeInvalid => "That grade is not valid: a percent is a fraction from 0 to 1.",
            Self::GradeStale => "A newer grade is already recorded for this learner and course run.",
            Self::CertificateExists => "That certificate configuration exists already.",
            Self::ImageInvalid => "The image must be a PNG, JPEG or SVG file of at most 250 KB.",
            Self::RateLimited => "Too many requests from your address. Wait a minute and try again.",
            Self::AgreementOutdated => "That agreement has a newer version: read it and sign that.",
            Self::ActivationBlocked => "This account cannot be activated yet.",
            Self::SelfChangeRefused => "You cannot make this change to your own account.",
            Self::Internal => "Something went wrong on our side.",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A domain error: a code, a specific message, and optionally the form field it concerns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct DomainError {
    pub code: ErrorCode,
    pub message: String,
    /// The form field the error concerns, so the page can show it next to that field.
    pub field: Option<String>,
}

impl DomainError {
    /// An error with the code's default message.
    #[must_use]
    pub fn new(code: ErrorCode) -> Self {
        Self { code, message: code.default_message().to_owned(), field: None }
    }

    /// An error with a specific message.
    #[must_use]
    pub fn with_message(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), field: None }
    }

    /// Attach the form field this error concerns.
    #[must_use]
    pub fn on_field(mut self, field: &str) -> Self {
        self.field = Some(field.to_owned());
        self
    }

    /// An internal error that names the operation id logged on the server.
    #[must_use]
    pub fn internal(operation_id: &str) -> Self {
        Self::with_message(
            ErrorCode::Internal,
            format!("Something went wrong on our side (operation {operation_id}). It has been logged."),
        )
    }

    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        self.code.kind()
    }
}

impl From<ErrorCode> for DomainError {
    fn from(code: ErrorCode) -> Self {
        Self::new(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_screaming_snake_case_and_unique() {
        let all = [
            ErrorCode::AuthRequired,
            ErrorCode::AuthBadCredentials,
            ErrorCode::AuthLocked,
            ErrorCode::AuthThrottled,
            ErrorCode::AuthInactive,
            ErrorCode::AuthBadOrigin,
            ErrorCode::Forbidden,
            ErrorCode::NotFound,
            ErrorCode::UsernameInvalid,
            ErrorCode::UsernameTaken,
            ErrorCode::EmailInvalid,
            ErrorCode::EmailTaken,
            ErrorCode::FullNameInvalid,
            ErrorCode::PasswordWeak,
            ErrorCode::PasswordMismatch,
            ErrorCode::CourseKeyInvalid,
            ErrorCode::OrgKeyInvalid,
            ErrorCode::RoleUnknown,
            ErrorCode::InputInvalid,
            ErrorCode::UserNotFound,
            ErrorCode::UserInactive,
            ErrorCode::TeamLastAdmin,
            ErrorCode::TeamSelfDemotion,
            ErrorCode::TeamRoleHeld,
            ErrorCode::TeamRoleNotHeld,
            ErrorCode::DiscussionAdminOfAdmin,
            ErrorCode::LibraryKeyInvalid,
            ErrorCode::LibraryExists,
            ErrorCode::GroupNameInvalid,
            ErrorCode::GroupExists,
            ErrorCode::InvitationExists,
            ErrorCode::ExpiryInvalid,
            ErrorCode::PasswordIncorrect,
            ErrorCode::SecondFactorRequired,
            ErrorCode::RetirementPending,
            ErrorCode::RetirementBadTransition,
            ErrorCode::RetirementNotFound,
            ErrorCode::RetirementStatesInvalid,
            ErrorCode::LinkInvalid,
            ErrorCode::OAuthInvalidClient,
            ErrorCode::GradeInvalid,
            ErrorCode::GradeStale,
            ErrorCode::CertificateExists,
            ErrorCode::ImageInvalid,
            ErrorCode::RateLimited,
            ErrorCode::AgreementOutdated,
            ErrorCode::ActivationBlocked,
            ErrorCode::SelfChangeRefused,
            ErrorCode::Internal,
        ];
        let mut seen = std::collections::HashSet::new();
        for code in all {
            let s = code.as_str();
            assert!(s.chars().all(|c| c.is_ascii_uppercase() || c == '_'), "{s}");
            assert!(seen.insert(s), "duplicate code {s}");
            assert!(!code.default_message().is_empty());
        }
    }

    #[test]
    fn codes_serialize_as_their_code_string() {
        for code in [ErrorCode::AuthRequired, ErrorCode::CourseKeyInvalid, ErrorCode::Internal] {
            assert_eq!(serde_json::to_string(&code).unwrap(), format!("\"{}\"", code.as_str()));
        }
    }

    #[test]
    fn bad_credentials_message_does_not_say_which_part_was_wrong() {
        let msg = ErrorCode::AuthBadCredentials.default_message().to_lowercase();
        assert!(!msg.contains("unknown user"));
        assert!(!msg.contains("incorrect password"));
        assert!(!msg.contains("no such"));
    }

    #[test]
    fn internal_error_names_the_operation() {
        let e = DomainError::internal("op-123");
        assert_eq!(e.kind(), ErrorKind::Internal);
        assert!(e.message.contains("op-123"));
    }
}
