//! Retirement (account deletion): the configured state list and its rules, the legal transitions,
//! retired names (the Open edX hash, so identities retired there still match here), the re-use
//! policy for retired names, and (in `redact`) redaction of free text that names a learner.
//!
//! Pure: no IO. The server's pipeline and service API ask these functions before every change.

use crate::{DomainError, ErrorCode};
use serde::{Deserialize, Serialize};
use sha1::{Digest, Sha1};
use std::fmt;

mod redact;

pub use redact::{redact, Needle};

/// The first state of every retirement.
pub const PENDING: &str = "PENDING";
/// A stage failed; an admin resumes or aborts.
pub const ERRORED: &str = "ERRORED";
/// Stopped for good by an admin.
pub const ABORTED: &str = "ABORTED";
/// Every stage done.
pub const COMPLETE: &str = "COMPLETE";
/// The three final states, in the order the list must end with.
pub const DEAD_END_STATES: [&str; 3] = [ERRORED, ABORTED, COMPLETE];
/// States every list must hold.
pub const REQUIRED_STATES: [&str; 4] = [PENDING, ERRORED, ABORTED, COMPLETE];

/// Registrar's own stages. Each must be in the list, or some of Registrar's data about a learner
/// would never be retired.
pub const BUILTIN_STAGES: [&str; 5] =
    ["LOCKING_ACCOUNT", "RETIRING_FORUMS", "RETIRING_ENROLLMENTS", "RETIRING_LMS_MISC", "RETIRING_LMS"];

/// The default list: Open edX's names, with Registrar's stages.
pub const DEFAULT_STATES: [&str; 14] = [
    PENDING,
    "LOCKING_ACCOUNT",
    "LOCKING_COMPLETE",
    "RETIRING_FORUMS",
    "FORUMS_COMPLETE",
    "RETIRING_ENROLLMENTS",
    "ENROLLMENTS_COMPLETE",
    "RETIRING_LMS_MISC",
    "LMS_MISC_COMPLETE",
    "RETIRING_LMS",
    "LMS_COMPLETE",
    ERRORED,
    ABORTED,
    COMPLETE,
];

const WORKING_PREFIX: &str = "RETIRING_";
const COMPLETE_SUFFIX: &str = "_COMPLETE";
/// `LOCKING_ACCOUNT` is Open edX's one working state without the `RETIRING_` prefix.
const LOCKING: (&str, &str) = ("LOCKING_ACCOUNT", "LOCKING_COMPLETE");

/// Why a state list is refused: each names the rule that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateListError {
    Empty,
    BadName(String),
    Duplicate(String),
    MissingRequired(Vec<String>),
    PendingNotFirst,
    WrongEnd(Vec<String>),
    Unpaired { start: String, expected: String },
    CompleteWithoutStart(String),
    MissingBuiltin(String),
}

impl fmt::Display for StateListError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("RETIREMENT_STATES is empty."),
            Self::BadName(name) => write!(
                f,
                "'{name}' is not a state name: use 1 to 30 capital letters, digits and '_' (like RETIRING_LMS)."
            ),
            Self::Duplicate(name) => write!(f, "'{name}' appears more than once."),
            Self::MissingRequired(missing) => write!(
                f,
                "RETIREMENT_STATES does not contain all required states (PENDING, ERRORED, ABORTED, COMPLETE): \
                 missing {}.",
                missing.join(", ")
            ),
            Self::PendingNotFirst => f.write_str("PENDING must be the first state."),
            Self::WrongEnd(found) => write!(
                f,
                "The last 3 states must be ERRORED, ABORTED, COMPLETE (in this order); found {}.",
                found.join(", ")
            ),
            Self::Unpaired { start, expected } => {
                write!(f, "{start} must be followed directly by {expected}.")
            }
            Self::CompleteWithoutStart(name) => {
                write!(f, "{name} has no working state before it (every X_COMPLETE follows its RETIRING_X).")
            }
            Self::MissingBuiltin(name) => write!(
                f,
                "{name} is missing: it is one of Registrar's own stages, and without it part of a learner's \
                 data would never be retired."
            ),
        }
    }
}

/// A validated list of retirement states, in execution order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateList {
    names: Vec<String>,
}

/// One working stage: its working state and the state that records it done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    pub start: String,
    pub end: String,
}

/// The `_COMPLETE` state a working state must be followed by.
fn complete_of(start: &str) -> Option<String> {
    if start == LOCKING.0 {
        return Some(LOCKING.1.to_owned());
    }
    start
        .strip_prefix(WORKING_PREFIX)
        .filter(|rest| !rest.is_empty())
        .map(|rest| format!("{rest}{COMPLETE_SUFFIX}"))
}

fn valid_name(name: &str) -> bool {
    (1..=30).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        && name.starts_with(|c: char| c.is_ascii_uppercase())
}

impl StateList {
    /// Parse a comma- (or whitespace-) separated list and check every rule.
    pub fn parse(text: &str) -> Result<Self, StateListError> {
        let names: Vec<String> = text
            .split(|c: char| c == ',' || c.is_whitespace())
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        Self::from_names(names)
    }

    /// The default list.
    #[must_use]
    pub fn default_list() -> Self {
        Self { names: DEFAULT_STATES.iter().map(|s| (*s).to_owned()).collect() }
    }

    /// Check every rule, in the order an operator fixes them.
    pub fn from_names(names: Vec<String>) -> Result<Self, StateListError> {
        if names.is_empty() {
            return Err(StateListError::Empty);
        }
        let mut seen = std::collections::HashSet::new();
        for name in &names {
            if !valid_name(name) {
                return Err(StateListError::BadName(name.clone()));
            }
            if !seen.insert(name.as_str()) {
                return Err(StateListError::Duplicate(name.clone()));
            }
        }
        let missing: Vec<String> =
            REQUIRED_STATES.iter().filter(|r| !seen.contains(**r)).map(|r| (*r).to_owned()).collect();
        if !missing.is_empty() {
            return Err(StateListError::MissingRequired(missing));
        }
        if names[0] != PENDING {
            return Err(StateListError::PendingNotFirst);
        }
        let tail = &names[names.len().saturating_sub(3)..];
        if tail != DEAD_END_STATES {
            return Err(StateListError::WrongEnd(tail.to_vec()));
        }
        let middle = &names[1..names.len() - 3];
        let mut i = 0;
        while i < middle.len() {
            let name = &middle[i];
            match complete_of(name) {
                Some(expected) => {
                    if middle.get(i + 1) != Some(&expected) {
                        return Err(StateListError::Unpaired { start: name.clone(), expected });
                    }
                    i += 2;
                }
                None => return Err(StateListError::CompleteWithoutStart(name.clone())),
            }
        }
        for builtin in BUILTIN_STAGES {
            if !seen.contains(builtin) {
                return Err(StateListError::MissingBuiltin(builtin.to_owned()));
            }
        }
        Ok(Self { names })
    }

    #[must_use]
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Position in the list, if the state exists.
    #[must_use]
    pub fn index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// The state's step as `populate-retirement-states` numbers them: 1, 11, 21, …
    #[must_use]
    pub fn step(&self, name: &str) -> Option<i64> {
        self.index(name).and_then(|i| i64::try_from(i).ok()).map(|i| 1 + 10 * i)
    }

    /// The working stages, in order.
    #[must_use]
    pub fn stages(&self) -> Vec<Stage> {
        let middle = &self.names[1..self.names.len() - 3];
        middle
            .chunks(2)
            .filter_map(|pair| Some(Stage { start: pair.first()?.clone(), end: pair.get(1)?.clone() }))
            .collect()
    }

    /// The stages still to run for a learner in `current` (a resting state: PENDING or an X_COMPLETE).
    #[must_use]
    pub fn remaining_stages(&self, current: &str) -> Vec<Stage> {
        let Some(at) = self.index(current) else { return Vec::new() };
        self.stages().into_iter().filter(|s| self.index(&s.start).is_some_and(|i| i > at)).collect()
    }

    /// The states a learner rests in between stages: PENDING and every stage's `_COMPLETE`.
    #[must_use]
    pub fn resting_states(&self) -> Vec<String> {
        std::iter::once(PENDING.to_owned()).chain(self.stages().into_iter().map(|s| s.end)).collect()
    }
}

/// A final state: nothing moves a learner out of it except an admin's resume or abort.
#[must_use]
pub fn is_dead_end(name: &str) -> bool {
    DEAD_END_STATES.contains(&name)
}

/// A state every list must hold.
#[must_use]
pub fn is_required(name: &str) -> bool {
    REQUIRED_STATES.contains(&name)
}

/// A state in which a stage is running.
#[must_use]
pub fn is_working(name: &str) -> bool {
    complete_of(name).is_some()
}

/// Who may drive retirements through the service API: a superuser, or the configured service user
/// (exactly that username) when it is also staff. Registration cannot make staff, so nobody gets
/// the role by registering the name first (the name is reserved at registration too).
#[must_use]
pub fn may_drive_retirement(
    is_superuser: bool,
    is_staff: bool,
    username: &str,
    service_username: &str,
) -> bool {
    is_superuser || (is_staff && !service_username.is_empty() && username == service_username)
}

/// The service user's name is reserved: that account is made with `manage-user`, never registered.
#[must_use]
pub fn is_reserved_username(username: &str, service_username: &str) -> bool {
    !service_username.is_empty() && username.eq_ignore_ascii_case(service_username)
}

/// Who may queue someone else's account for deletion (global staff already): a staff or superuser
/// account only by a superuser.
#[must_use]
pub fn may_queue_for_deletion(actor_is_superuser: bool, target_is_staff: bool) -> bool {
    actor_is_superuser || !target_is_staff
}

/// Whether an account may be reactivated while it has a deletion in `retirement_state`: not unless
/// the deletion was aborted (cancel it first, in its cool-off; later it is gone). Otherwise a deletion
/// deactivated after the request would run on an account its owner signs in to again.
pub fn check_reactivation(retirement_state: Option<&str>, username: &str) -> Result<(), DomainError> {
    match retirement_state {
        None | Some(ABORTED) => Ok(()),
        Some(PENDING) => Err(DomainError::with_message(
            ErrorCode::RetirementPending,
            format!("{username} is queued for deletion: cancel the deletion to give the account back."),
        )),
        Some(state) => Err(DomainError::with_message(
            ErrorCode::RetirementPending,
            format!("{username}'s account is being deleted ({state}); it cannot be reactivated."),
        )),
    }
}

/// Who may read the tokens of cancel and confirmation links in mail (they act for the learner).
#[must_use]
pub fn may_read_link_tokens(is_superuser: bool) -> bool {
    is_superuser
}

/// Who asks for a state change, which decides the rules that apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TransitionKind {
    /// The pipeline (built-in worker or external driver): strictly forward, never out of a final state.
    Advance,
    /// An admin resumes a failed or stuck learner from a resting state before the failure.
    Resume,
    /// An admin stops a retirement for good.
    Abort,
}

/// A refused transition, with what was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransitionError {
    pub from: String,
    pub to: String,
    pub reason: String,
}

impl fmt::Display for TransitionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cannot move from {} to {}: {}", self.from, self.to, self.reason)
    }
}

/// Whether a learner in `from` (who was in `last` before it) may move to `to`.
pub fn check_transition(
    list: &StateList,
    from: &str,
    last: &str,
    to: &str,
    kind: TransitionKind,
) -> Result<(), TransitionError> {
    let refuse = |reason: &str| {
        Err(TransitionError { from: from.to_owned(), to: to.to_owned(), reason: reason.to_owned() })
    };
    let (Some(from_at), Some(to_at)) = (list.index(from), list.index(to)) else {
        return refuse("that state is not in the configured list.");
    };
    if from == COMPLETE {
        return refuse("COMPLETE is final.");
    }
    match kind {
        TransitionKind::Advance => {
            if is_dead_end(from) {
                return refuse(&format!("{from} is final; an admin can resume or abort it."));
            }
            if to_at <= from_at {
                return refuse("retirement only moves forward.");
            }
            Ok(())
        }
        TransitionKind::Resume => {
            if !(from == ERRORED || is_working(from)) {
                return refuse(
                    "only a failed or stuck retirement (ERRORED or a RETIRING_ state) can be resumed.",
                );
            }
            if !list.resting_states().iter().any(|s| s == to) {
                return refuse("resume from PENDING or a stage's _COMPLETE state.");
            }
            // Never past the stage that did not finish: every stage after `to` runs again.
            let reached = if from == ERRORED { last } else { from };
            if list.index(reached).is_some_and(|r| to_at > r) {
                return refuse(&format!(
                    "{to} is after {reached}, where it stopped; resume from there or earlier."
                ));
            }
            Ok(())
        }
        TransitionKind::Abort => {
            if from == ABORTED {
                return refuse("it is already aborted.");
            }
            if to != ABORTED {
                return refuse("an abort moves to ABORTED.");
            }
            Ok(())
        }
    }
}

/// Why the retired-name settings are refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NamesError {
    NoSalts,
    EmptySalt,
    Format(&'static str),
}

impl fmt::Display for NamesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoSalts => {
                f.write_str("RETIRED_USER_SALTS is empty: give at least one salt (the newest last).")
            }
            Self::EmptySalt => f.write_str("RETIRED_USER_SALTS contains an empty salt."),
            Self::Format(which) => {
                write!(f, "{which} must contain '{{}}' exactly once (where the hash goes).")
            }
        }
    }
}

/// Open edX's retired-name settings: formats with one `{}` and every salt ever used, newest last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetiredNames {
    username_fmt: String,
    email_fmt: String,
    salts: Vec<String>,
}

/// Open edX's default salts, which must be replaced outside development.
pub const DEFAULT_SALTS: [&str; 2] = ["abc", "123"];

impl RetiredNames {
    pub fn new(username_fmt: &str, email_fmt: &str, salts: Vec<String>) -> Result<Self, NamesError> {
        if username_fmt.matches("{}").count() != 1 {
            return Err(NamesError::Format("RETIRED_USERNAME_FMT"));
        }
        if email_fmt.matches("{}").count() != 1 {
            return Err(NamesError::Format("RETIRED_EMAIL_FMT"));
        }
        if salts.is_empty() {
            return Err(NamesError::NoSalts);
        }
        if salts.iter().any(String::is_empty) {
            return Err(NamesError::EmptySalt);
        }
        Ok(Self { username_fmt: username_fmt.to_owned(), email_fmt: email_fmt.to_owned(), salts })
    }

    /// Formats from Open edX's prefixes and domain.
    #[must_use]
    pub fn username_fmt(prefix: &str) -> String {
        format!("{prefix}{{}}")
    }

    #[must_use]
    pub fn email_fmt(prefix: &str, domain: &str) -> String {
        format!("{prefix}{{}}@{domain}")
    }

    /// Open edX's defaults (`retired__user_{}`, `retired__user_{}@retired.invalid`, salts abc, 123).
    #[must_use]
    pub fn open_edx_defaults() -> Self {
        Self {
            username_fmt: Self::username_fmt("retired__user_"),
            email_fmt: Self::email_fmt("retired__user_", "retired.invalid"),
            salts: DEFAULT_SALTS.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    /// Whether the salts are Open edX's published defaults (refused outside development).
    #[must_use]
    pub fn uses_default_salts(&self) -> bool {
        self.salts.iter().any(|s| DEFAULT_SALTS.contains(&s.as_str()))
    }

    /// How many salts are configured.
    #[must_use]
    pub fn salt_count(&self) -> usize {
        self.salts.len()
    }

    fn newest(&self) -> &str {
        self.salts.last().map_or("", String::as_str)
    }

    /// The retired username, hashed with the newest salt.
    #[must_use]
    pub fn username(&self, username: &str) -> String {
        self.username_fmt.replacen("{}", &hash(&username.to_lowercase(), self.newest()), 1)
    }

    /// The retired email, hashed with the newest salt.
    #[must_use]
    pub fn email(&self, email: &str) -> String {
        self.email_fmt.replacen("{}", &hash(&email.to_lowercase(), self.newest()), 1)
    }

    /// The retired username under every salt, oldest first ("was this ever retired?").
    #[must_use]
    pub fn all_usernames(&self, username: &str) -> Vec<String> {
        let lower = username.to_lowercase();
        self.salts.iter().map(|s| self.username_fmt.replacen("{}", &hash(&lower, s), 1)).collect()
    }

    /// The retired email under every salt, oldest first.
    #[must_use]
    pub fn all_emails(&self, email: &str) -> Vec<String> {
        let lower = email.to_lowercase();
        self.salts.iter().map(|s| self.email_fmt.replacen("{}", &hash(&lower, s), 1)).collect()
    }
}

/// Open edX's `_compute_retired_hash`: hex(SHA1(salt ‖ value)), the salt prepended.
#[must_use]
pub fn hash(value: &str, salt: &str) -> String {
    let mut sha = Sha1::new();
    sha.update(salt.as_bytes());
    sha.update(value.as_bytes());
    hex::encode(sha.finalize())
}

/// How long a retired username or email stays unavailable for new accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReusePolicy {
    Forever,
    Days(u32),
}

impl ReusePolicy {
    /// `forever` or a number of days.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("forever") {
            return Ok(Self::Forever);
        }
        text.parse::<u32>().map(Self::Days).map_err(|_| {
            format!("'{text}' is not a re-use policy: write 'forever' or a number of days (like 365).")
        })
    }

    /// Whether a name retired at `retired_at_ms` is still blocked at `now_ms`.
    #[must_use]
    pub fn blocks(self, retired_at_ms: i64, now_ms: i64) -> bool {
        match self {
            Self::Forever => true,
            Self::Days(days) => now_ms < retired_at_ms.saturating_add(i64::from(days) * 86_400_000),
        }
    }
}

/// When a learner who asks now is retired, with a cool-off of `cool_off_days`.
#[must_use]
pub fn due_at(requested_at_ms: i64, cool_off_days: u32) -> i64 {
    requested_at_ms.saturating_add(i64::from(cool_off_days) * 86_400_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn the_default_list_is_valid_and_steps_by_ten() {
        let list = StateList::default_list();
        assert_eq!(StateList::from_names(list.names().to_vec()), Ok(list.clone()));
        assert_eq!(list.step(PENDING), Some(1));
        assert_eq!(list.step("LOCKING_ACCOUNT"), Some(11));
        assert_eq!(list.step(COMPLETE), Some(131));
        assert_eq!(list.stages().len(), 5);
        assert_eq!(
            list.stages()[0],
            Stage { start: "LOCKING_ACCOUNT".into(), end: "LOCKING_COMPLETE".into() }
        );
    }

    #[test]
    fn each_rule_of_the_state_list_says_what_failed() {
        let ok = StateList::default_list().names().to_vec();
        assert_eq!(StateList::parse("  , "), Err(StateListError::Empty));
        assert_eq!(StateList::parse("PENDING,bad name"), Err(StateListError::BadName("bad".into())));
        let mut dup = ok.clone();
        dup.insert(1, "ERRORED".into());
        assert_eq!(StateList::from_names(dup), Err(StateListError::Duplicate("ERRORED".into())));
        let no_aborted: Vec<String> = ok.iter().filter(|s| *s != ABORTED).cloned().collect();
        assert_eq!(
            StateList::from_names(no_aborted),
            Err(StateListError::MissingRequired(names(&["ABORTED"])))
        );
        let mut pending_late = ok.clone();
        pending_late.swap(0, 1);
        assert_eq!(StateList::from_names(pending_late), Err(StateListError::PendingNotFirst));
        let mut wrong_end = ok.clone();
        let n = wrong_end.len();
        wrong_end.swap(n - 1, n - 2);
        assert_eq!(
            StateList::from_names(wrong_end),
            Err(StateListError::WrongEnd(names(&["ERRORED", "COMPLETE", "ABORTED"])))
        );
        let mut unpaired = ok.clone();
        unpaired.remove(4); // FORUMS_COMPLETE
        assert_eq!(
            StateList::from_names(unpaired),
            Err(StateListError::Unpaired {
                start: "RETIRING_FORUMS".into(),
                expected: "FORUMS_COMPLETE".into()
            })
        );
        let mut orphan = ok.clone();
        orphan.insert(1, "NOTES_COMPLETE".into());
        assert_eq!(
            StateList::from_names(orphan),
            Err(StateListError::CompleteWithoutStart("NOTES_COMPLETE".into()))
        );
        let without_lms: Vec<String> =
            ok.iter().filter(|s| *s != "RETIRING_LMS" && *s != "LMS_COMPLETE").cloned().collect();
        assert_eq!(
            StateList::from_names(without_lms),
            Err(StateListError::MissingBuiltin("RETIRING_LMS".into()))
        );
        // Every error explains itself in words.
        assert!(StateListError::PendingNotFirst.to_string().contains("PENDING must be the first"));
    }

    #[test]
    fn extra_external_stages_are_allowed() {
        let text = "PENDING, LOCKING_ACCOUNT, LOCKING_COMPLETE, RETIRING_FORUMS, FORUMS_COMPLETE, \
                    RETIRING_ENROLLMENTS, ENROLLMENTS_COMPLETE, RETIRING_NOTES, NOTES_COMPLETE, RETIRING_LMS_MISC, \
                    LMS_MISC_COMPLETE, RETIRING_LMS, LMS_COMPLETE, ERRORED, ABORTED, COMPLETE";
        let list = StateList::parse(text).unwrap();
        assert_eq!(list.remaining_stages("ENROLLMENTS_COMPLETE")[0].start, "RETIRING_NOTES");
        assert_eq!(list.remaining_stages(PENDING).len(), 6);
        assert!(list.remaining_stages("LMS_COMPLETE").is_empty());
    }

    #[test]
    fn every_transition_of_the_default_list_follows_the_rules() {
        let list = StateList::default_list();
        let all = list.names().to_vec();
        for from in &all {
            for last in &all {
                for to in &all {
                    let (fi, ti) = (list.index(from).unwrap(), list.index(to).unwrap());
                    let advance = check_transition(&list, from, last, to, TransitionKind::Advance).is_ok();
                    assert_eq!(advance, !is_dead_end(from) && ti > fi, "advance {from} -> {to}");
                    let resume = check_transition(&list, from, last, to, TransitionKind::Resume).is_ok();
                    let resting = list.resting_states().contains(to);
                    let reached = list.index(if from == ERRORED { last } else { from }).unwrap();
                    assert_eq!(
                        resume,
                        (from == ERRORED || is_working(from)) && resting && ti <= reached,
                        "resume {from} (after {last}) -> {to}"
                    );
                    let abort = check_transition(&list, from, last, to, TransitionKind::Abort).is_ok();
                    assert_eq!(
                        abort,
                        to == ABORTED && from != ABORTED && from != COMPLETE,
                        "abort {from} -> {to}"
                    );
                }
            }
        }
        // The anchor's guard never fired: ERRORED could move on to COMPLETE. Ours refuses.
        let e =
            check_transition(&list, ERRORED, "LMS_COMPLETE", COMPLETE, TransitionKind::Advance).unwrap_err();
        assert!(e.to_string().contains("ERRORED is final"), "{e}");
        assert!(check_transition(&list, PENDING, PENDING, "NOPE", TransitionKind::Advance).is_err());
        // A learner who failed after FORUMS_COMPLETE cannot be resumed past the stages not run.
        let skip =
            check_transition(&list, ERRORED, "FORUMS_COMPLETE", "LMS_COMPLETE", TransitionKind::Resume);
        assert!(skip.unwrap_err().to_string().contains("after FORUMS_COMPLETE"));
        assert!(check_transition(
            &list,
            ERRORED,
            "FORUMS_COMPLETE",
            "FORUMS_COMPLETE",
            TransitionKind::Resume
        )
        .is_ok());
    }

    #[test]
    fn reserved_names_and_who_queues_whom() {
        assert!(is_reserved_username("retirement_service_user", "RETIREMENT_SERVICE_USER"));
        assert!(!is_reserved_username("someone", "RETIREMENT_SERVICE_USER"));
        assert!(!is_reserved_username("", ""));
        assert!(may_queue_for_deletion(false, false));
        assert!(!may_queue_for_deletion(false, true));
        assert!(may_queue_for_deletion(true, true));
        assert!(may_read_link_tokens(true) && !may_read_link_tokens(false));
    }

    #[test]
    fn only_staff_service_users_and_superusers_drive_retirement() {
        assert!(may_drive_retirement(false, true, "svc", "svc"));
        assert!(!may_drive_retirement(false, false, "svc", "svc"), "a registered look-alike");
        assert!(!may_drive_retirement(false, true, "other", "svc"));
        assert!(!may_drive_retirement(false, true, "", ""));
        assert!(may_drive_retirement(true, false, "root", "svc"));
    }

    #[test]
    fn the_hash_matches_open_edx_published_vectors() {
        let names = RetiredNames::open_edx_defaults();
        assert_eq!(names.username("testuser"), "retired__user_c84b2046338e5b3c73eabcc9017aa43f61b024ff");
        assert_eq!(names.username("TestUser"), "retired__user_c84b2046338e5b3c73eabcc9017aa43f61b024ff");
        assert_eq!(
            names.all_usernames("testuser"),
            vec![
                "retired__user_902314d9a081970d3623aab6c60ca3b84b165801".to_owned(),
                "retired__user_c84b2046338e5b3c73eabcc9017aa43f61b024ff".to_owned()
            ]
        );
        assert_eq!(
            names.email("Test@Example.com"),
            "retired__user_31c84211358ef30a1c962720dc572055efd956f6@retired.invalid"
        );
        assert!(names.uses_default_salts());
    }

    #[test]
    fn retired_name_settings_are_checked() {
        let fmt = RetiredNames::username_fmt("gone_");
        let efmt = RetiredNames::email_fmt("gone_", "example.invalid");
        assert_eq!(RetiredNames::new(&fmt, &efmt, vec![]), Err(NamesError::NoSalts));
        assert_eq!(RetiredNames::new(&fmt, &efmt, vec![String::new()]), Err(NamesError::EmptySalt));
        assert_eq!(
            RetiredNames::new("gone", &efmt, vec!["s".into()]),
            Err(NamesError::Format("RETIRED_USERNAME_FMT"))
        );
        let ok = RetiredNames::new(&fmt, &efmt, vec!["old".into(), "new".into()]).unwrap();
        assert!(!ok.uses_default_salts());
        assert_eq!(ok.username("Ann"), format!("gone_{}", hash("ann", "new")));
        assert_eq!(ok.email("A@B.org"), format!("gone_{}@example.invalid", hash("a@b.org", "new")));
    }

    #[test]
    fn reuse_policy() {
        assert_eq!(ReusePolicy::parse("forever"), Ok(ReusePolicy::Forever));
        assert_eq!(ReusePolicy::parse("30"), Ok(ReusePolicy::Days(30)));
        assert!(ReusePolicy::parse("soon").unwrap_err().contains("forever"));
        let day = 86_400_000;
        assert!(ReusePolicy::Forever.blocks(0, i64::MAX / 2));
        assert!(ReusePolicy::Days(30).blocks(0, 29 * day));
        assert!(!ReusePolicy::Days(30).blocks(0, 30 * day));
    }

    #[test]
    fn redaction_replaces_whole_names_only() {
        let needles = vec![
            ("ann".to_owned(), "R_USER".to_owned()),
            ("ann@example.org".to_owned(), "R_MAIL".to_owned()),
            ("Ann Lee".to_owned(), "R_NAME".to_owned()),
        ];
        assert_eq!(
            redact(r#"{"username":"Ann","email":"ANN@example.org","note":"Hello Ann Lee."}"#, &needles)
                .unwrap(),
            r#"{"username":"R_USER","email":"R_MAIL","note":"Hello R_NAME."}"#
        );
        // Longer words that contain the name are other people's data.
        assert_eq!(redact("joanna, ann_b, anne, ann2@example.org, x.ann", &needles), None);
        assert_eq!(redact("to ann, cc ann.", &needles).unwrap(), "to R_USER, cc R_USER.");
        assert_eq!(redact("", &needles), None);
    }
}
