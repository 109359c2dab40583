//! Roles and scopes: which roles exist, at which scope each may be granted, and how they are stored.
//!
//! A role assignment is `(role, scope)` where the scope is global, one organization or one course
//! (NULL columns in the database instead of the anchor's empty strings). "Global staff" is not a role
//! row: it is the user's `is_staff` flag.
//!
//! Also owns the UTC calendar days grants end on ([`day_start`], [`civil_date`]), computed with the
//! `time` crate. It must not read the clock (callers pass `now`) nor do any IO.

use crate::error::{DomainError, ErrorCode};
use crate::ids::{CourseKey, OrgKey};
use serde::{Deserialize, Serialize};
use std::fmt;
use time::{Date, Month, UtcDateTime};

/// Where a role applies.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Scope {
    Global,
    Org(OrgKey),
    Course(CourseKey),
}

impl Scope {
    /// Read a scope as the console and the commands write it: `global`, an org key, or a course key
    /// (`course-v1:Org+Number+Run`).
    pub fn parse_text(input: &str) -> Result<Self, DomainError> {
        let text = input.trim();
        if text.is_empty() || text.eq_ignore_ascii_case("global") {
            Ok(Self::Global)
        } else if text.starts_with("course-v1:") {
            Ok(Self::Course(CourseKey::parse(text)?))
        } else {
            Ok(Self::Org(OrgKey::parse(text)?))
        }
    }

    /// The scope as [`Self::parse_text`] reads it.
    #[must_use]
    pub fn to_text(&self) -> String {
        match self {
            Self::Global => "global".to_owned(),
            Self::Org(org) => org.to_string(),
            Self::Course(course) => course.to_string(),
        }
    }

    #[must_use]
    pub fn kind(&self) -> ScopeKind {
        match self {
            Self::Global => ScopeKind::Global,
            Self::Org(_) => ScopeKind::Org,
            Self::Course(_) => ScopeKind::Course,
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Global => f.write_str("everywhere"),
            Self::Org(org) => write!(f, "organization {org}"),
            Self::Course(course) => write!(f, "course {course}"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ScopeKind {
    Global,
    Org,
    Course,
}

impl ScopeKind {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Global => "global",
            Self::Org => "org",
            Self::Course => "course",
        }
    }
}

/// Roles stored as role-assignment rows. The stored strings are Open edX's (its course access roles and
/// its forum role names), so data migrates as is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Role {
    /// "Admin" in the UI (`instructor`).
    Instructor,
    /// "Staff".
    Staff,
    /// "Limited Staff": counts as staff in the LMS, no Studio access.
    LimitedStaff,
    /// "Beta Testers".
    BetaTester,
    /// "Data Researcher".
    DataResearcher,
    /// May create courses and libraries everywhere (`course_creator_group`).
    CourseCreator,
    /// May create courses and libraries in one org (`org_course_creator_group`).
    OrgContentCreator,
    /// Support staff (global).
    Support,
    /// "Discussion Admin" (the forum's `Administrator`): moderates and manages moderators.
    DiscussionAdmin,
    /// "Discussion Moderator" (`Moderator`).
    DiscussionModerator,
    /// "Group Community TA" (`Group Moderator`): moderates within their own group.
    GroupModerator,
    /// "Community TA" (`Community TA`): moderates like a Moderator, posts marked Community TA.
    CommunityTa,
}

impl Role {
    pub const ALL: [Role; 12] = [
        Role::Instructor,
        Role::Staff,
        Role::LimitedStaff,
        Role::BetaTester,
        Role::DataResearcher,
        Role::CourseCreator,
        Role::OrgContentCreator,
        Role::Support,
        Role::DiscussionAdmin,
        Role::DiscussionModerator,
        Role::GroupModerator,
        Role::CommunityTa,
    ];

    /// The stored string.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Instructor => "instructor",
            Self::Staff => "staff",
            Self::LimitedStaff => "limited_staff",
            Self::BetaTester => "beta_testers",
            Self::DataResearcher => "data_researcher",
            Self::CourseCreator => "course_creator_group",
            Self::OrgContentCreator => "org_course_creator_group",
            Self::Support => "support",
            Self::DiscussionAdmin => "Administrator",
            Self::DiscussionModerator => "Moderator",
            Self::GroupModerator => "Group Moderator",
            Self::CommunityTa => "Community TA",
        }
    }

    /// The name people see.
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::Instructor => "Admin",
            Self::Staff => "Staff",
            Self::LimitedStaff => "Limited Staff",
            Self::BetaTester => "Beta Tester",
            Self::DataResearcher => "Data Researcher",
            Self::CourseCreator => "Course Creator",
            Self::OrgContentCreator => "Org Content Creator",
            Self::Support => "Support",
            Self::DiscussionAdmin => "Discussion Admin",
            Self::DiscussionModerator => "Discussion Moderator",
            Self::GroupModerator => "Group Community TA",
            Self::CommunityTa => "Community TA",
        }
    }

    /// Parse a stored string (or the LMS API alias `beta`).
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let s = s.trim();
        if s == "beta" {
            return Ok(Self::BetaTester);
        }
        Self::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| {
            DomainError::with_message(ErrorCode::RoleUnknown, format!("'{s}' is not a role Registrar knows."))
        })
    }

    /// Whether this role may be granted at that kind of scope.
    #[must_use]
    pub const fn allowed_at(self, kind: ScopeKind) -> bool {
        match self {
            Self::Instructor | Self::Staff | Self::DataResearcher => {
                matches!(kind, ScopeKind::Course | ScopeKind::Org)
            }
            Self::LimitedStaff
            | Self::BetaTester
            | Self::DiscussionAdmin
            | Self::DiscussionModerator
            | Self::GroupModerator
            | Self::CommunityTa => matches!(kind, ScopeKind::Course),
            Self::OrgContentCreator => matches!(kind, ScopeKind::Org),
            Self::CourseCreator | Self::Support => matches!(kind, ScopeKind::Global),
        }
    }

    /// Validate a role for a scope, with a message that names both.
    pub fn check_scope(self, scope: &Scope) -> Result<(), DomainError> {
        if self.allowed_at(scope.kind()) {
            Ok(())
        } else {
            Err(DomainError::with_message(
                ErrorCode::RoleUnknown,
                format!("{} cannot be granted at {} scope.", self.label(), scope.kind().as_str()),
            ))
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a grant that ends at `expires_at` (epoch ms) still grants at `now`: the moment it ends,
/// it stops granting.
#[must_use]
pub fn is_live(expires_at: Option<i64>, now: i64) -> bool {
    expires_at.is_none_or(|end| now < end)
}

/// Milliseconds in a day.
const DAY_MS: i64 = 86_400_000;
/// Milliseconds in 400 Gregorian years (146,097 days): the calendar repeats exactly after them.
const CYCLE_MS: i64 = 146_097 * DAY_MS;

/// Midnight UTC at the start of a `YYYY-MM-DD` day (epoch ms), or `None` if it is not such a date.
/// The year is four characters; month and day are integers naming a real day (`2024-1-5` reads).
#[must_use]
pub fn day_start(text: &str) -> Option<i64> {
    let parts: Vec<&str> = text.trim().split('-').collect();
    let [y, m, d] = parts.as_slice() else { return None };
    if y.len() != 4 {
        return None;
    }
    let number = |part: &str| part.parse::<i64>().ok();
    let year = i32::try_from(number(y)?).ok()?;
    let month = Month::try_from(u8::try_from(number(m)?).ok()?).ok()?;
    let day = u8::try_from(number(d)?).ok()?;
    let date = Date::from_calendar_date(year, month, day).ok()?;
    Some(date.midnight().as_utc().unix_timestamp() * 1000)
}

/// The UTC calendar date (year, month, day) of epoch milliseconds, the inverse of [`day_start`],
/// for any `i64` (years beyond 9999 and before year 1 included).
#[must_use]
pub fn civil_date(epoch_ms: i64) -> (i64, i64, i64) {
    let (year, at) = utc(epoch_ms);
    (year, i64::from(u8::from(at.month())), i64::from(at.day()))
}

/// Epoch milliseconds as `time` reads them, for any `i64`: the year, and the instant moved by whole
/// 400-year cycles into 1970–2369 (inside `time`'s range) for the month, day and time of day, which
/// those cycles do not change.
pub(crate) fn utc(epoch_ms: i64) -> (i64, UtcDateTime) {
    let cycles = epoch_ms.div_euclid(CYCLE_MS);
    let seconds = epoch_ms.rem_euclid(CYCLE_MS) / 1000;
    // `seconds` is within 1970-01-01 ..= 2369-12-31, so `time` always has it: the fallback is never used.
    let at = UtcDateTime::from_unix_timestamp(seconds).unwrap_or(UtcDateTime::UNIX_EPOCH);
    (i64::from(at.year()) + 400 * cycles, at)
}

/// Parse the last day of an expiring grant (`YYYY-MM-DD`, UTC; empty for "never") into the moment it
/// ends: midnight UTC after that day. The day must be today or later.
pub fn parse_end_date(input: &str, now: i64) -> Result<Option<i64>, DomainError> {
    let text = input.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let invalid = |why: &str| {
        DomainError::with_message(ErrorCode::ExpiryInvalid, format!("'{text}' {why}")).on_field("expires")
    };
    let Some(start) = day_start(text) else {
        return Err(invalid("is not a date; write it as YYYY-MM-DD."));
    };
    let ends = start + DAY_MS;
    if ends <= now {
        return Err(invalid("is in the past; access would end before it starts."));
    }
    Ok(Some(ends))
}

/// One role assignment held by a user.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Grant {
    pub role: Role,
    pub scope: Scope,
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn scopes_read_as_written() {
        for text in ["global", "MITx", "course-v1:MITx+6.00x+2026"] {
            assert_eq!(Scope::parse_text(text).unwrap().to_text(), text);
        }
        assert_eq!(Scope::parse_text("  ").unwrap(), Scope::Global);
        assert!(Scope::parse_text("course-v1:broken").is_err());
        assert!(Scope::parse_text("no spaces allowed").is_err());
    }

    #[test]
    fn stored_strings_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()).unwrap(), role);
        }
        assert_eq!(Role::parse("beta").unwrap(), Role::BetaTester);
        let err = Role::parse("wizard").unwrap_err();
        assert!(err.message.contains("wizard"));
    }

    #[test]
    fn end_dates_end_at_the_following_midnight() {
        // 2026-11-22 00:00 UTC is 1_795_305_600_000.
        let now = 1_795_305_600_000 + 3_600_000;
        assert_eq!(parse_end_date("", now).unwrap(), None);
        assert_eq!(parse_end_date("2026-11-22", now).unwrap(), Some(1_795_305_600_000 + 86_400_000));
        assert_eq!(parse_end_date(" 2028-02-29 ", now).unwrap(), Some(1_835_395_200_000 + 86_400_000));
        assert_eq!(parse_end_date("2026-11-21", now).unwrap_err().code, ErrorCode::ExpiryInvalid);
        assert!(parse_end_date("2027-02-29", now).is_err());
        assert!(parse_end_date("22/11/2026", now).is_err());
        assert!(parse_end_date("2026-13-01", now).is_err());
    }

    /// The hand-written days-from-civil (Howard Hinnant) `day_start` used before `time`: the oracle.
    fn old_day_start(text: &str) -> Option<i64> {
        let parts: Vec<&str> = text.trim().split('-').collect();
        let [y, m, d] = parts.as_slice() else { return None };
        let (Ok(year), Ok(month), Ok(day)) = (y.parse::<i64>(), m.parse::<i64>(), d.parse::<i64>()) else {
            return None;
        };
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days_in_month = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => 0,
        };
        if y.len() != 4 || !(1..=days_in_month).contains(&day) {
            return None;
        }
        let yy = if month <= 2 { year - 1 } else { year };
        let era = yy.div_euclid(400);
        let yoe = yy - era * 400;
        let mp = (month + 9) % 12;
        let doy = (153 * mp + 2) / 5 + day - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        Some((era * 146_097 + doe - 719_468) * 86_400_000)
    }

    /// The hand-written civil-from-days `civil_date` used before `time`: the oracle (records' tests
    /// use it too).
    pub(crate) fn old_civil_date(epoch_ms: i64) -> (i64, i64, i64) {
        let days = epoch_ms.div_euclid(86_400_000);
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        (yoe + era * 400 + i64::from(month <= 2), month, day)
    }

    /// Instants spread over the whole `i64` range, and the ends of it.
    fn spread_instants() -> Vec<i64> {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut out: Vec<i64> = (0..20_000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                i64::from_ne_bytes(x.to_ne_bytes())
            })
            .collect();
        out.extend([i64::MIN, i64::MIN + 1, i64::MAX, i64::MAX - 1, -1, 0, 1]);
        out
    }

    #[test]
    fn calendar_days_match_the_hand_written_arithmetic() {
        // Every day of three 400-year cycles around 1970, at the start and the end of the day.
        for day in -146_097..2 * 146_097 {
            for ms in [day * 86_400_000, day * 86_400_000 + 86_399_999] {
                assert_eq!(civil_date(ms), old_civil_date(ms), "{ms}");
            }
        }
        for ms in spread_instants() {
            assert_eq!(civil_date(ms), old_civil_date(ms), "{ms}");
        }
        // Every four-character year, at the days that matter, written as people write them.
        for year in 0..=9999 {
            let days = [(0, 1), (1, 0), (1, 1), (2, 28), (2, 29), (2, 30), (4, 31), (12, 32), (13, 1)];
            for (month, day) in days {
                for text in [format!("{year:04}-{month:02}-{day:02}"), format!("{year:04}-{month}-{day}")] {
                    assert_eq!(day_start(&text), old_day_start(&text), "{text}");
                }
            }
        }
        for text in
            ["+999-01-01", "0000-02-29", "2024-+1-05", "2024-0001-01", "2024--1-01", "-001-01-01", "2024-01"]
        {
            assert_eq!(day_start(text), old_day_start(text), "{text}");
        }
    }

    #[test]
    fn calendar_edges() {
        assert_eq!(civil_date(-1), (1969, 12, 31), "before the epoch is the day before");
        assert_eq!(civil_date(0), (1970, 1, 1));
        assert_eq!(day_start("2024-02-29").map(civil_date), Some((2024, 2, 29)));
        assert_eq!(day_start("2000-02-29").map(civil_date), Some((2000, 2, 29)));
        assert_eq!(day_start("1900-02-29"), None, "1900 is not a leap year");
        assert_eq!(day_start("2100-02-29"), None);
        assert_eq!(day_start("0000-03-01"), Some(-62_162_035_200_000));
        assert_eq!(civil_date(-62_162_035_200_001), (0, 2, 29), "year 0 is a leap year");
        let last = day_start("9999-12-31");
        assert_eq!(last, Some(253_402_214_400_000));
        assert_eq!(last.map(civil_date), Some((9999, 12, 31)));
        assert_eq!(last.map(|t| civil_date(t + 86_400_000)), Some((10_000, 1, 1)), "beyond time's range");
        assert_eq!(civil_date(i64::MAX), (292_278_994, 8, 17));
        assert_eq!(civil_date(i64::MIN), (-292_275_055, 5, 16));
        for bad in
            ["", "2024", "2024-02-30", "24-01-01", "20240-01-01", "2024-01-01T00", "2024-1.5-01", "x-y-z"]
        {
            assert_eq!(day_start(bad), None, "{bad}");
        }
    }

    #[test]
    fn an_end_date_on_the_last_day_of_9999_ends_in_10000() {
        let ends = parse_end_date("9999-12-31", 0).unwrap().unwrap();
        assert_eq!(civil_date(ends), (10_000, 1, 1));
        assert_eq!(civil_date(ends - 1), (9999, 12, 31));
        assert_eq!(parse_end_date("2024-02-29", 0).unwrap(), Some(1_709_251_200_000));
        assert_eq!(parse_end_date("2023-02-29", 0).unwrap_err().code, ErrorCode::ExpiryInvalid);
    }

    #[test]
    fn a_grant_stops_at_its_end() {
        assert!(is_live(None, i64::MAX));
        assert!(is_live(Some(10), 9));
        assert!(!is_live(Some(10), 10));
    }

    #[test]
    fn scope_rules() {
        let course = Scope::Course(CourseKey::parse("course-v1:DemoX+A+1").unwrap());
        let org = Scope::Org(OrgKey::parse("DemoX").unwrap());
        assert!(Role::Instructor.check_scope(&course).is_ok());
        assert!(Role::Instructor.check_scope(&org).is_ok());
        assert!(Role::Instructor.check_scope(&Scope::Global).is_err());
        assert!(Role::BetaTester.check_scope(&org).is_err());
        assert!(Role::CourseCreator.check_scope(&Scope::Global).is_ok());
        assert!(Role::CourseCreator.check_scope(&course).is_err());
    }
}
