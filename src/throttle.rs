//! How failed password attempts slow a guesser without letting a stranger lock the owner out. Pure
//! rules: the server counts, these decide.
//!
//! - One account from one address: the first few failures are free, then each further try must
//!   wait twice as long as the last (2 s, 4 s, 8 s … at most the cap). Only that address waits: the
//!   owner elsewhere signs in as usual, and one address cannot guess fast.
//! - One account from every address together (many addresses guessing): past the alarm the account
//!   stops taking passwords for the window, and its owner is mailed a link that unlocks it at once.
//! - One address across every account: past its limit that address is slowed down.

/// The limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Failures of one account from one address before each try must wait.
    pub free_failures: i64,
    /// The longest wait between tries, in milliseconds.
    pub max_wait_ms: i64,
    /// Failures of one account from every address together that raise the alarm.
    pub account_alarm: i64,
    /// Failures from one address across every account before it is slowed down.
    pub address_failures: i64,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self { free_failures: 3, max_wait_ms: 15 * 60_000, account_alarm: 20, address_failures: 30 }
    }
}

/// What the counts say, before the password is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Check the password.
    Go,
    /// This address must wait this many more seconds before trying this account again.
    Wait { seconds: i64 },
    /// The account has been guessed at from many addresses: it takes no password now, and its
    /// owner is mailed an unlock link (`newly`: this attempt raised the alarm, so mail it now).
    AccountAlarm { newly: bool },
    /// This address has failed too often across accounts.
    AddressSlowed,
}

/// How long this address must wait after `failures` failed tries of one account.
#[must_use]
pub fn wait_after(policy: ThrottlePolicy, failures: i64) -> i64 {
    if failures < policy.free_failures {
        return 0;
    }
    let doublings = u32::try_from((failures - policy.free_failures).min(30)).unwrap_or(30);
    2_000_i64.saturating_mul(1_i64 << doublings).min(policy.max_wait_ms)
}

/// The counts an attempt is judged on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Failures of this account from this address so far (this attempt not included).
    pub pair_failures: i64,
    /// When the last of them was, epoch milliseconds.
    pub pair_last_at: Option<i64>,
    /// Failures of this account from every address, this attempt included.
    pub account_failures: i64,
    /// Failures from this address across accounts, this attempt included.
    pub address_failures: i64,
}

/// Judge an attempt at `now`: the address's wait first (it is not counted while waiting), then the
/// account's alarm, then the address's limit.
#[must_use]
pub fn judge(policy: ThrottlePolicy, counts: Counts, now: i64) -> Verdict {
    let wait = wait_after(policy, counts.pair_failures);
    if let Some(last) = counts.pair_last_at {
        let left = last.saturating_add(wait).saturating_sub(now);
        if wait > 0 && left > 0 {
            return Verdict::Wait { seconds: (left + 999) / 1000 };
        }
    }
    if counts.account_failures > policy.account_alarm {
        return Verdict::AccountAlarm { newly: counts.account_failures == policy.account_alarm + 1 };
    }
    if counts.address_failures > policy.address_failures {
        return Verdict::AddressSlowed;
    }
    Verdict::Go
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: ThrottlePolicy =
        ThrottlePolicy { free_failures: 3, max_wait_ms: 60_000, account_alarm: 20, address_failures: 30 };

    fn counts(pair: i64, last: Option<i64>, account: i64) -> Counts {
        Counts { pair_failures: pair, pair_last_at: last, account_failures: account, address_failures: 1 }
    }

    #[test]
    fn one_address_waits_longer_and_longer_and_nobody_else_does() {
        assert_eq!(wait_after(P, 2), 0);
        assert_eq!(wait_after(P, 3), 2_000);
        assert_eq!(wait_after(P, 4), 4_000);
        assert_eq!(wait_after(P, 40), 60_000, "capped");
        assert_eq!(judge(P, counts(2, Some(1_000), 3), 1_000), Verdict::Go);
        assert_eq!(judge(P, counts(4, Some(10_000), 5), 11_000), Verdict::Wait { seconds: 3 });
        assert_eq!(judge(P, counts(4, Some(10_000), 5), 14_000), Verdict::Go, "after the wait");
        // The owner at another address has no failures of their own.
        assert_eq!(judge(P, counts(0, None, 12), 11_000), Verdict::Go);
    }

    #[test]
    fn many_addresses_raise_the_alarm_once() {
        assert_eq!(judge(P, counts(0, None, 21), 0), Verdict::AccountAlarm { newly: true });
        assert_eq!(judge(P, counts(0, None, 22), 0), Verdict::AccountAlarm { newly: false });
        let busy = Counts { address_failures: 31, ..counts(0, None, 1) };
        assert_eq!(judge(P, busy, 0), Verdict::AddressSlowed);
    }
}
