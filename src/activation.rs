//! User activation (issue 7, first part: the rules), after Arvados with its gaps fixed (spec Part B,
//! B5): an explicit account state instead of one inferred from links; agreements that are versioned,
//! signed idempotently and only when required and current; activation that names every unsigned
//! agreement; and the two rules an admin cannot get around: the active flag is never set alone, and
//! nobody deactivates themselves or removes their own superuser flag. Pure: no IO.

use crate::{DomainError, ErrorCode};
use serde::{Deserialize, Serialize};

/// Where an account stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AccountState {
    /// Registered, not yet set up by an admin (or by auto-setup): cannot activate itself.
    New,
    /// Set up (invited): becomes active once every required agreement is signed.
    Invited,
    Active,
    /// Deactivated by an admin: cannot sign in until set up again.
    Deactivated,
}

impl AccountState {
    pub const ALL: [Self; 4] = [Self::New, Self::Invited, Self::Active, Self::Deactivated];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Invited => "invited",
            Self::Active => "active",
            Self::Deactivated => "deactivated",
        }
    }

    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let input = input.trim();
        Self::ALL.into_iter().find(|s| s.as_str() == input).ok_or_else(|| {
            DomainError::with_message(
                ErrorCode::InputInvalid,
                format!("'{input}' is not an account state; use new, invited, active or deactivated."),
            )
        })
    }

    /// Whether the account may sign in (to sign agreements too, an invited account signs in).
    #[must_use]
    pub fn may_sign_in(self) -> bool {
        matches!(self, Self::Invited | Self::Active)
    }
}

/// How new accounts start (Arvados's `NewUsersAreActive`, `AutoSetupNewUsers`, `AutoAdminFirstUser`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ActivationPolicy {
    pub new_users_active: bool,
    pub auto_setup: bool,
    pub first_user_superuser: bool,
}

/// The state of a new account, and whether it becomes a superuser: the first account when the
/// policy says so (active at once); an invited email starts set up; otherwise the policy decides.
#[must_use]
pub fn initial_state(policy: ActivationPolicy, is_first_user: bool, invited: bool) -> (AccountState, bool) {
    if is_first_user && policy.first_user_superuser {
        return (AccountState::Active, true);
    }
    let state = if policy.new_users_active {
        AccountState::Active
    } else if policy.auto_setup || invited {
        AccountState::Invited
    } else {
        AccountState::New
    };
    (state, false)
}

/// What an account may redeem of the invitations addressed to its email.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redemption {
    /// Nothing: the address is not proven (anyone can register with another person's address),
    /// or the account is deactivated.
    Nothing,
    /// Only a console invitation, which sets the account up; course, team and enrollment
    /// invitations wait until it is active.
    SetUp,
    /// Every invitation to the address.
    Everything,
}

/// Invitations addressed to an email (console, course team, enrollment, beta) are redeemed only for
/// an account that proved it controls that address, by following a link mailed to it: otherwise
/// whoever registers first with another person's address takes the role meant for them.
#[must_use]
pub fn redemption(state: AccountState, address_proven: bool) -> Redemption {
    match state {
        _ if !address_proven => Redemption::Nothing,
        AccountState::Deactivated => Redemption::Nothing,
        AccountState::New | AccountState::Invited => Redemption::SetUp,
        AccountState::Active => Redemption::Everything,
    }
}

/// A published clickthrough agreement at its current version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agreement {
    pub id: String,
    pub title: String,
    pub version: i64,
    pub required: bool,
}

/// A user's signature of one version of an agreement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub agreement_id: String,
    pub version: i64,
}

/// The required agreements whose current version the user has not signed (a new version asks again).
#[must_use]
pub fn unsigned_required<'a>(agreements: &'a [Agreement], signatures: &[Signature]) -> Vec<&'a Agreement> {
    agreements
        .iter()
        .filter(|a| a.required)
        .filter(|a| !signatures.iter().any(|s| s.agreement_id == a.id && s.version == a.version))
        .collect()
}

/// What signing does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignOutcome {
    /// A new signature of the current version.
    Signed,
    /// Already signed at this version: nothing changes.
    AlreadySigned,
}

/// Sign `version` of agreement `id`: it must be a required agreement and the version its current
/// one (Arvados accepts any id, any number of times). Signing twice is one signature.
pub fn sign(
    agreements: &[Agreement],
    signatures: &[Signature],
    id: &str,
    version: i64,
) -> Result<SignOutcome, DomainError> {
    let agreement = agreements.iter().find(|a| a.id == id && a.required).ok_or_else(|| {
        DomainError::with_message(ErrorCode::NotFound, "There is no required agreement with that id.")
    })?;
    if agreement.version != version {
        return Err(DomainError::with_message(
            ErrorCode::AgreementOutdated,
            format!(
                "\"{}\" is at version {} now, not {version}: read the current text and sign that.",
                agreement.title, agreement.version
            ),
        ));
    }
    if signatures.iter().any(|s| s.agreement_id == id && s.version == version) {
        Ok(SignOutcome::AlreadySigned)
    } else {
        Ok(SignOutcome::Signed)
    }
}

/// Activate an account: it must be invited (an active one stays as it is), and every required
/// agreement signed at its current version — the refusal names them. An admin's activation goes
/// through the same check unless it is an explicit, audited bypass.
pub fn activate(
    state: AccountState,
    unsigned: &[&Agreement],
    admin_bypass: bool,
) -> Result<AccountState, DomainError> {
    match state {
        AccountState::Active => Ok(AccountState::Active),
        AccountState::New | AccountState::Deactivated if !admin_bypass => Err(DomainError::with_message(
            ErrorCode::ActivationBlocked,
            "This account has not been set up yet: an administrator must invite it first.",
        )),
        _ if !unsigned.is_empty() && !admin_bypass => {
            let titles: Vec<&str> = unsigned.iter().map(|a| a.title.as_str()).collect();
            Err(DomainError::with_message(
                ErrorCode::ActivationBlocked,
                format!("Sign these agreements first: {}.", titles.join(", ")),
            ))
        }
        _ => Ok(AccountState::Active),
    }
}

/// The changes an admin may make to their own account: never deactivate themselves, never drop
/// their own superuser flag (another superuser must).
pub fn check_self_change(
    actor_id: &str,
    target_id: &str,
    deactivating: bool,
    dropping_superuser: bool,
) -> Result<(), DomainError> {
    if actor_id != target_id {
        return Ok(());
    }
    if deactivating {
        return Err(DomainError::with_message(
            ErrorCode::SelfChangeRefused,
            "You cannot deactivate your own account; ask another administrator.",
        ));
    }
    if dropping_superuser {
        return Err(DomainError::with_message(
            ErrorCode::SelfChangeRefused,
            "You cannot remove your own superuser status; ask another superuser.",
        ));
    }
    Ok(())
}

/// The active flag is never changed on its own: activation goes through [`activate`], deactivation
/// through the deactivate use case (sessions, tokens and grants end with it).
pub fn refuse_bare_active_flag() -> DomainError {
    DomainError::with_message(
        ErrorCode::InputInvalid,
        "The active flag cannot be set on its own: use Activate, or Deactivate (which ends sessions, tokens \
         and grants).",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agreement(id: &str, version: i64, required: bool) -> Agreement {
        Agreement { id: id.into(), title: format!("Terms {id}"), version, required }
    }

    #[test]
    fn new_accounts_start_as_the_policy_says() {
        let private = ActivationPolicy::default();
        assert_eq!(initial_state(private, false, false), (AccountState::New, false));
        assert_eq!(initial_state(private, false, true), (AccountState::Invited, false), "an invited email");
        let open = ActivationPolicy { auto_setup: true, ..private };
        assert_eq!(initial_state(open, false, false), (AccountState::Invited, false));
        let dev = ActivationPolicy { new_users_active: true, ..private };
        assert_eq!(initial_state(dev, false, false), (AccountState::Active, false));
        let bootstrap = ActivationPolicy { first_user_superuser: true, ..private };
        assert_eq!(initial_state(bootstrap, true, false), (AccountState::Active, true));
        assert_eq!(initial_state(bootstrap, false, false), (AccountState::New, false));
        for s in AccountState::ALL {
            assert_eq!(AccountState::parse(s.as_str()).unwrap(), s);
        }
        assert!(AccountState::parse("zombie").is_err());
        assert!(AccountState::Invited.may_sign_in() && !AccountState::Deactivated.may_sign_in());
    }

    #[test]
    fn only_required_current_versions_are_signed_once() {
        let agreements = [agreement("tos", 2, true), agreement("news", 1, false)];
        let signed_v1 = [Signature { agreement_id: "tos".into(), version: 1 }];
        let unsigned = unsigned_required(&agreements, &signed_v1);
        assert_eq!(unsigned.len(), 1, "a new version asks again");
        assert_eq!(sign(&agreements, &signed_v1, "tos", 2).unwrap(), SignOutcome::Signed);
        let e = sign(&agreements, &signed_v1, "tos", 1).unwrap_err();
        assert_eq!(e.code, ErrorCode::AgreementOutdated);
        assert!(e.message.contains("version 2"), "{}", e.message);
        assert_eq!(sign(&agreements, &signed_v1, "news", 1).unwrap_err().code, ErrorCode::NotFound);
        assert_eq!(sign(&agreements, &signed_v1, "nope", 1).unwrap_err().code, ErrorCode::NotFound);
        let signed_v2 = [Signature { agreement_id: "tos".into(), version: 2 }];
        assert_eq!(sign(&agreements, &signed_v2, "tos", 2).unwrap(), SignOutcome::AlreadySigned);
        assert!(unsigned_required(&agreements, &signed_v2).is_empty());
    }

    #[test]
    fn activation_needs_an_invitation_and_every_signature() {
        let agreements = [agreement("tos", 1, true), agreement("aup", 3, true)];
        let unsigned = unsigned_required(&agreements, &[]);
        let e = activate(AccountState::Invited, &unsigned, false).unwrap_err();
        assert!(e.message.contains("Terms tos, Terms aup"), "{}", e.message);
        assert_eq!(activate(AccountState::Invited, &[], false).unwrap(), AccountState::Active);
        assert!(activate(AccountState::New, &[], false).unwrap_err().message.contains("invite"));
        assert!(activate(AccountState::Deactivated, &[], false).is_err());
        assert_eq!(activate(AccountState::Active, &unsigned, false).unwrap(), AccountState::Active);
        assert_eq!(
            activate(AccountState::New, &unsigned, true).unwrap(),
            AccountState::Active,
            "audited bypass"
        );
    }

    #[test]
    fn nobody_deactivates_themselves_or_drops_their_own_superuser_flag() {
        assert!(check_self_change("a", "b", true, true).is_ok());
        assert!(check_self_change("a", "a", true, false).unwrap_err().message.contains("deactivate"));
        assert!(check_self_change("a", "a", false, true).unwrap_err().message.contains("superuser"));
        assert!(check_self_change("a", "a", false, false).is_ok());
        assert_eq!(refuse_bare_active_flag().code, ErrorCode::InputInvalid);
    }

    #[test]
    fn invitations_wait_for_a_proven_address_and_an_active_account() {
        assert_eq!(redemption(AccountState::Active, false), Redemption::Nothing);
        assert_eq!(redemption(AccountState::New, false), Redemption::Nothing);
        assert_eq!(redemption(AccountState::Deactivated, true), Redemption::Nothing);
        assert_eq!(redemption(AccountState::New, true), Redemption::SetUp);
        assert_eq!(redemption(AccountState::Invited, true), Redemption::SetUp);
        assert_eq!(redemption(AccountState::Active, true), Redemption::Everything);
    }
}
