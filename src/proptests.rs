//! Property tests of every parser of user input in the domain crate.
//!
//! This file owns three kinds of property, over generated input:
//! - no parser panics on any input (arbitrary Unicode, printable junk, and near-misses of valid text);
//! - every refusal is a [`DomainError`] with the parser's specific [`ErrorCode`] and a message that names
//!   what was refused (the input itself, or the kind of thing: "username", "email"…); the two settings
//!   parsers of `retirement`, which answer with their own error types, name what they refuse too;
//! - round-trips where a value has a canonical text form (`parse(display(x)) == x`), acceptance of any
//!   casing by the case-insensitive parsers, and the documented acceptance rules on generated valid input.
//!
//! Unit tests of single cases stay beside each parser; this file holds only properties.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::account::{validate_full_name, validate_password, Email, RegistrationForm, Username};
use crate::activation::AccountState;
use crate::console::Permission;
use crate::discussion::{parse_discussion_role, DISCUSSION_ROLES};
use crate::identifiers::{parse_identifiers, Identifier};
use crate::ids::{CourseKey, OrgKey};
use crate::library::{AccessLevel, LibraryKey};
use crate::records::{
    image_type, iso_timestamp, parse_timestamp, percent_e4, CertificateType, MAX_IMAGE_BYTES,
};
use crate::retirement::{redact, ReusePolicy, StateList, StateListError, DEFAULT_STATES};
use crate::roles::{civil_date, day_start, parse_end_date, Role, Scope};
use crate::team::{parse_course_role, parse_studio_role, parse_team_role, TEAM_ROLES};
use crate::token_scope::TokenScope;
use crate::{DomainError, ErrorCode};
use proptest::prelude::*;
use proptest::sample::select;

const DAY_MS: i64 = 86_400_000;

/// 256 cases a property, and no regression files written outside `src/`.
fn config() -> ProptestConfig {
    ProptestConfig { failure_persistence: None, ..ProptestConfig::with_cases(256) }
}

// ---------------------------------------------------------------------------------------------------
// Strategies and checks shared by the properties.

/// Any text: arbitrary Unicode, printable ASCII, and the characters keys and lists are made of.
fn junk() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ -~]{0,60}",
        "[ \t\n,;@:+._a-zA-Z0-9-]{0,60}",
        "(course-v1:|lib:|global|GLOBAL)?[ :+_a-zA-Z0-9.-]{0,40}",
        // Near misses of keys: parts with spaces around them, too few or too many parts.
        "(course-v1:|lib:)( ?[A-Za-z0-9]{1,4} ?[+:]){1,3} ?[a-z0-9]{1,4} ?",
    ]
}

/// Up to two whitespace characters, to surround valid input with.
fn pad() -> impl Strategy<Value = String> {
    "[ \t\n]{0,2}"
}

/// `s` with the ASCII case of each character chosen by `bits`.
fn with_case(s: &str, bits: u64) -> String {
    let upper = |i: usize| (bits >> (i % 64)) & 1 == 1;
    s.chars()
        .enumerate()
        .map(|(i, c)| if upper(i) { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() })
        .collect()
}

/// One of `names` and that name in some casing.
fn any_case_of(names: Vec<&'static str>) -> impl Strategy<Value = (&'static str, String)> {
    (select(names), any::<u64>()).prop_map(|(n, bits)| (n, with_case(n, bits)))
}

/// A refusal with `code` whose message repeats `input` exactly.
fn echoes(err: &DomainError, code: ErrorCode, input: &str) -> Result<(), TestCaseError> {
    prop_assert_eq!(err.code, code, "{}", err.message);
    prop_assert!(!err.message.trim().is_empty());
    prop_assert!(err.message.contains(input), "message {:?} does not name {:?}", err.message, input);
    Ok(())
}

/// A refusal with `code` whose message names the kind of thing refused (`word`, any case).
fn names(err: &DomainError, code: ErrorCode, word: &str) -> Result<(), TestCaseError> {
    prop_assert_eq!(err.code, code, "{}", err.message);
    let lower = err.message.to_ascii_lowercase();
    prop_assert!(lower.contains(&word.to_ascii_lowercase()), "{:?} does not name {word:?}", err.message);
    Ok(())
}

fn field_is(err: &DomainError, field: &str) -> Result<(), TestCaseError> {
    prop_assert_eq!(err.field.as_deref(), Some(field), "{:?}", err);
    Ok(())
}

fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')
}

/// A valid `(year, month, day)` with a four-digit year.
fn date() -> impl Strategy<Value = (i32, u8, u8)> {
    (0..=9999i32, 1..=12u8).prop_flat_map(|(y, m)| {
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        let days: u8 = match m {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        (Just(y), Just(m), 1..=days)
    })
}

fn date_text((y, m, d): (i32, u8, u8)) -> String {
    format!("{y:04}-{m:02}-{d:02}")
}

/// An org key part: 2 to 64 key characters.
fn org_text() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_.-]{2,64}"
}

// ---------------------------------------------------------------------------------------------------
// Accounts: usernames, emails, full names, passwords and the registration form.

proptest! {
    #![proptest_config(config())]

    #[test]
    fn usernames(s in junk(), a in pad(), u in "[A-Za-z0-9_.-]{2,30}", b in pad()) {
        let t = s.trim();
        let valid = (2..=30).contains(&t.chars().count()) && t.chars().all(is_key_char);
        match Username::parse(&s) {
            Ok(u) => {
                prop_assert!(valid, "{s:?} was accepted");
                prop_assert_eq!(u.as_str(), t);
                prop_assert_eq!(Username::parse(u.as_str()), Ok(u.clone()));
            }
            Err(e) => {
                prop_assert!(!valid, "{s:?} was refused");
                names(&e, ErrorCode::UsernameInvalid, "username")?;
                field_is(&e, "username")?;
            }
        }
        let parsed = Username::parse(&format!("{a}{u}{b}")).unwrap();
        prop_assert_eq!(parsed.as_str(), u.as_str());
        prop_assert_eq!(parsed.folded(), u.to_lowercase());
    }

    #[test]
    fn emails(
        s in junk(), a in pad(), b in pad(),
        local in "[A-Za-z0-9._+-]{1,20}", domain in "[A-Za-z0-9-]{1,10}(\\.[A-Za-z0-9-]{1,10}){1,3}",
    ) {
        match Email::parse(&s) {
            Ok(e) => {
                let t = s.trim();
                prop_assert_eq!(e.as_str(), t);
                prop_assert_eq!(t.matches('@').count(), 1);
                prop_assert!(t.len() <= 254 && !t.chars().any(char::is_whitespace));
                prop_assert_eq!(Email::parse(e.as_str()), Ok(e.clone()));
            }
            Err(e) => {
                names(&e, ErrorCode::EmailInvalid, "email")?;
                field_is(&e, "email")?;
            }
        }
        let text = format!("{local}@{domain}");
        let parsed = Email::parse(&format!("{a}{text}{b}")).unwrap();
        prop_assert_eq!(parsed.as_str(), text.as_str());
        prop_assert_eq!(parsed.folded(), text.to_lowercase());
    }

    #[test]
    fn full_names_are_trimmed_or_refused(s in junk()) {
        match validate_full_name(&s) {
            Ok(name) => {
                prop_assert_eq!(name.as_str(), s.trim());
                prop_assert!(!name.is_empty() && name.chars().count() <= 255);
                prop_assert!(!name.chars().any(char::is_control));
            }
            Err(e) => {
                names(&e, ErrorCode::FullNameInvalid, "name")?;
                field_is(&e, "full_name")?;
            }
        }
    }

    #[test]
    fn password_refusals_say_why(p in junk(), u in junk(), e in junk()) {
        match validate_password(&p, &u, &e) {
            Ok(()) => prop_assert!((10..=256).contains(&p.chars().count())),
            Err(err) => {
                names(&err, ErrorCode::PasswordWeak, "password")?;
                field_is(&err, "password")?;
            }
        }
    }

    #[test]
    fn registration_reports_every_bad_field_beside_it(
        username in junk(), email in junk(), full_name in junk(), password in junk(), confirm in junk(),
    ) {
        let form = RegistrationForm { username, email, full_name, password, password_confirm: confirm };
        match form.validate() {
            Ok(valid) => {
                prop_assert_eq!(valid.username, Username::parse(&form.username).unwrap());
                prop_assert_eq!(valid.email, Email::parse(&form.email).unwrap());
                prop_assert_eq!(form.password, form.password_confirm);
            }
            Err(errors) => {
                prop_assert!(!errors.is_empty());
                for e in errors {
                    let field = e.field.clone().unwrap_or_default();
                    let known = ["username", "email", "full_name", "password", "password_confirm"];
                    prop_assert!(known.contains(&field.as_str()), "{e:?}");
                    prop_assert!(!e.message.trim().is_empty());
                }
            }
        }
    }

    #[test]
    fn a_valid_registration_passes(
        username in "[A-Za-z0-9_.-]{2,30}",
        email in "[a-z0-9]{1,10}@[a-z0-9]{1,10}\\.org",
        full_name in "[A-Za-z][A-Za-z '-]{0,40}",
        password in "ab[ -~]{8,60}",
    ) {
        let password_confirm = password.clone();
        let username_typed = username.clone();
        let form = RegistrationForm { username, email, full_name, password, password_confirm };
        let valid = form.validate();
        prop_assert!(valid.is_ok(), "{:?}", valid);
        prop_assert_eq!(valid.unwrap().username, Username::parse(&username_typed).unwrap());
    }
}

// ---------------------------------------------------------------------------------------------------
// Closed vocabularies: account states, console permissions, roles, access levels, certificate types.
// A property named after a vocabulary checks both: its names (padded, in any case where the parser
// ignores case) parse to their value, and any text `s` is parsed or refused by name.

proptest! {
    #![proptest_config(config())]

    #[test]
    fn account_states(state in select(AccountState::ALL.to_vec()), a in pad(), b in pad(), s in junk()) {
        prop_assert_eq!(AccountState::parse(&format!("{a}{}{b}", state.as_str())), Ok(state));
        match AccountState::parse(&s) {
            Ok(state) => prop_assert_eq!(state.as_str(), s.trim()),
            Err(e) => echoes(&e, ErrorCode::InputInvalid, s.trim())?,
        }
    }

    #[test]
    fn console_permissions(p in select(Permission::all()), a in pad(), b in pad(), s in junk()) {
        prop_assert_eq!(Permission::parse(&format!("{a}{}{b}", p.codename())), Ok(p));
        match Permission::parse(&s) {
            Ok(p) => prop_assert_eq!(p.codename(), s.trim()),
            Err(e) => echoes(&e, ErrorCode::InputInvalid, s.trim())?,
        }
    }

    #[test]
    fn roles(role in select(Role::ALL.to_vec()), a in pad(), b in pad(), s in junk()) {
        prop_assert_eq!(Role::parse(&format!("{a}{role}{b}")), Ok(role));
        prop_assert_eq!(Role::parse(&format!("{a}beta{b}")), Ok(Role::BetaTester));
        match Role::parse(&s) {
            Ok(role) => prop_assert!(role.as_str() == s.trim() || s.trim() == "beta"),
            Err(e) => echoes(&e, ErrorCode::RoleUnknown, s.trim())?,
        }
    }

    #[test]
    fn discussion_roles(
        role in select(DISCUSSION_ROLES.to_vec()), by_label: bool, bits: u64, s in junk(),
        a in pad(), b in pad(),
    ) {
        let name = if by_label { role.label() } else { role.as_str() };
        let text = format!("{a}{}{b}", with_case(name, bits));
        prop_assert_eq!(parse_discussion_role(&text), Ok(role));
        prop_assert_eq!(parse_course_role(&text), Ok(role));
        match parse_discussion_role(&s) {
            Ok(role) => prop_assert!(DISCUSSION_ROLES.contains(&role)),
            Err(e) => {
                echoes(&e, ErrorCode::RoleUnknown, s.trim())?;
                field_is(&e, "role")?;
            }
        }
    }

    #[test]
    fn team_and_course_roles(role in select(Role::ALL.to_vec()), a in pad(), b in pad(), s in junk()) {
        let text = format!("{a}{role}{b}");
        match parse_team_role(&text) {
            Ok(parsed) => {
                prop_assert_eq!(parsed, role);
                prop_assert!(TEAM_ROLES.contains(&role));
                prop_assert_eq!(parse_course_role(&text), Ok(role));
            }
            Err(e) => {
                prop_assert!(!TEAM_ROLES.contains(&role));
                names(&e, ErrorCode::RoleUnknown, role.label())?;
            }
        }
        if let Err(e) = parse_team_role(&s) {
            prop_assert_eq!(e.code, ErrorCode::RoleUnknown);
            prop_assert!(!e.message.trim().is_empty());
        }
        match parse_course_role(&s) {
            Ok(role) => prop_assert!(TEAM_ROLES.contains(&role) || DISCUSSION_ROLES.contains(&role)),
            Err(e) => echoes(&e, ErrorCode::RoleUnknown, s.trim())?,
        }
    }

    #[test]
    fn studio_roles(
        (name, cased) in any_case_of(vec!["instructor", "admin", "staff"]), s in junk(),
        a in pad(), b in pad(),
    ) {
        let want = if name == "staff" { Role::Staff } else { Role::Instructor };
        prop_assert_eq!(parse_studio_role(&format!("{a}{cased}{b}")), Ok(want));
        match parse_studio_role(&s) {
            Ok(role) => prop_assert!(role == Role::Instructor || role == Role::Staff),
            Err(e) => {
                echoes(&e, ErrorCode::RoleUnknown, &s.trim().to_ascii_lowercase())?;
                field_is(&e, "role")?;
            }
        }
    }

    #[test]
    fn access_levels(
        level in select(AccessLevel::ALL.to_vec()), by_label: bool, bits: u64, s in junk(),
        a in pad(), b in pad(),
    ) {
        let name = if by_label { level.label() } else { level.as_str() };
        prop_assert_eq!(AccessLevel::parse(&format!("{a}{}{b}", with_case(name, bits))), Ok(level));
        if let Err(e) = AccessLevel::parse(&s) {
            echoes(&e, ErrorCode::RoleUnknown, s.trim())?;
            field_is(&e, "access_level")?;
        }
    }

    #[test]
    fn certificate_types(t in select(CertificateType::ALL.to_vec()), a in pad(), b in pad(), s in junk()) {
        prop_assert_eq!(CertificateType::parse(&format!("{a}{}{b}", t.as_str())), Ok(t));
        match CertificateType::parse(&s) {
            Ok(t) => prop_assert_eq!(t.as_str(), s.trim()),
            Err(e) => echoes(&e, ErrorCode::InputInvalid, s.trim())?,
        }
    }

    #[test]
    fn token_scope_lists_read_in_any_case_and_order(
        picks in prop::collection::vec((select(TokenScope::ALL.to_vec()), any::<u64>(), "[ ,]{1,3}"), 1..6),
        lead in "[ ,]{0,2}",
    ) {
        let text: String =
            picks.iter().map(|(s, bits, sep)| format!("{}{sep}", with_case(s.as_str(), *bits))).collect();
        let mut want: Vec<TokenScope> = picks.iter().map(|(s, _, _)| *s).collect();
        want.sort();
        want.dedup();
        let parsed = TokenScope::parse_list(&format!("{lead}{text}")).unwrap();
        prop_assert_eq!(&parsed, &want);
        prop_assert_eq!(TokenScope::parse_list(&TokenScope::join(&parsed)), Ok(parsed));
    }

    #[test]
    fn token_scope_refusals_list_the_scopes(s in junk()) {
        match TokenScope::parse_list(&s) {
            Ok(scopes) => prop_assert!(!scopes.is_empty() && scopes.windows(2).all(|w| w[0] < w[1])),
            Err(e) => names(&e, ErrorCode::InputInvalid, "retirement, credentials, grades")?,
        }
    }

    #[test]
    fn grades_in_range_or_refused(p in prop_oneof![any::<f64>(), -0.5f64..1.5]) {
        match percent_e4(p) {
            Ok(e4) => prop_assert!((0..=10_000).contains(&e4) && (0.0..=1.0).contains(&p)),
            Err(e) => names(&e, ErrorCode::GradeInvalid, "percent")?,
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// Keys and scopes: org keys, course keys, library keys, role scopes.

/// A course key's three parts.
fn course_parts() -> impl Strategy<Value = (String, String, String)> {
    (org_text(), "[A-Za-z0-9_.-]{1,64}", "[A-Za-z0-9_.-]{1,64}")
}

/// Any scope but an org named "global" (any case): that reads back as the global scope, which
/// `Scope::parse_text` cannot tell from it.
fn scope() -> impl Strategy<Value = Scope> {
    let org = org_text().prop_filter("global is the global scope", |o| !o.eq_ignore_ascii_case("global"));
    let course = course_parts().prop_map(|(o, n, r)| format!("course-v1:{o}+{n}+{r}"));
    prop_oneof![
        Just(Scope::Global),
        org.prop_map(|o| Scope::Org(OrgKey::parse(&o).unwrap())),
        course.prop_map(|c| Scope::Course(CourseKey::parse(&c).unwrap())),
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn org_keys(org in org_text(), a in pad(), b in pad(), s in junk()) {
        let key = OrgKey::parse(&format!("{a}{org}{b}")).unwrap();
        prop_assert_eq!(key.as_str(), org.as_str());
        prop_assert_eq!(OrgKey::parse(&key.to_string()), Ok(key));
        match OrgKey::parse(&s) {
            Ok(key) => {
                prop_assert_eq!(key.as_str(), s.trim());
                prop_assert!((2..=64).contains(&key.as_str().len()) && key.as_str().chars().all(is_key_char));
            }
            Err(e) => names(&e, ErrorCode::OrgKeyInvalid, "organization")?,
        }
    }

    #[test]
    fn course_keys((org, number, run) in course_parts(), a in pad(), b in pad(), s in junk()) {
        let text = format!("course-v1:{org}+{number}+{run}");
        let key = CourseKey::parse(&format!("{a}{text}{b}")).unwrap();
        prop_assert_eq!((key.org().as_str(), key.number(), key.run()), (&*org, &*number, &*run));
        prop_assert_eq!(key.to_string(), text);
        prop_assert_eq!(CourseKey::parse(&key.to_string()), Ok(key.clone()));
        let json = serde_json::to_string(&key).unwrap();
        prop_assert_eq!(serde_json::from_str::<CourseKey>(&json).unwrap(), key);
        match CourseKey::parse(&s) {
            Ok(key) => prop_assert_eq!(key.to_string(), s.trim()),
            Err(e) => echoes(&e, ErrorCode::CourseKeyInvalid, s.trim())?,
        }
    }

    #[test]
    fn library_keys(org in org_text(), slug in "[A-Za-z0-9_-]{1,64}", a in pad(), b in pad(), s in junk()) {
        let text = format!("lib:{org}:{slug}");
        let key = LibraryKey::parse(&format!("{a}{text}{b}")).unwrap();
        prop_assert_eq!((key.org().as_str(), key.slug()), (org.as_str(), slug.as_str()));
        prop_assert_eq!(key.to_string(), text);
        prop_assert_eq!(LibraryKey::parse(&key.to_string()), Ok(key));
        match LibraryKey::parse(&s) {
            Ok(key) => prop_assert_eq!(key.to_string(), s.trim()),
            Err(e) => echoes(&e, ErrorCode::LibraryKeyInvalid, s.trim())?,
        }
    }

    #[test]
    fn scopes(scope in scope(), (_, global) in any_case_of(vec!["global"]), a in pad(), b in pad()) {
        prop_assert_eq!(Scope::parse_text(&format!("{a}{}{b}", scope.to_text())), Ok(scope));
        prop_assert_eq!(Scope::parse_text(&format!("{a}{global}{b}")), Ok(Scope::Global));
    }

    #[test]
    fn scope_refusals_are_key_refusals(s in junk()) {
        match Scope::parse_text(&s) {
            Ok(Scope::Global) => prop_assert!(s.trim().is_empty() || s.trim().eq_ignore_ascii_case("global")),
            Ok(scope) => prop_assert_eq!(scope.to_text(), s.trim()),
            Err(e) if s.trim().starts_with("course-v1:") => {
                echoes(&e, ErrorCode::CourseKeyInvalid, s.trim())?;
            }
            Err(e) => names(&e, ErrorCode::OrgKeyInvalid, "organization")?,
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// Dates and times: grant end dates, LMS timestamps.

fn clock_field() -> impl Strategy<Value = i64> {
    prop_oneof![any::<i64>(), -100i64..100, Just(i64::MIN), Just(i64::MAX)]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn end_dates_end_at_the_next_midnight(
        d in date(), far: i64, offset in -2 * DAY_MS..2 * DAY_MS, near: bool, a in pad(), b in pad(),
    ) {
        let start = day_start(&date_text(d)).unwrap();
        prop_assert_eq!(civil_date(start), (i64::from(d.0), i64::from(d.1), i64::from(d.2)));
        // Half the time, `now` lies within a day of the end, where the boundary is.
        let now = if near { start + DAY_MS + offset } else { far };
        match parse_end_date(&format!("{a}{}{b}", date_text(d)), now) {
            Ok(end) => prop_assert!(end == Some(start + DAY_MS) && now < start + DAY_MS),
            Err(e) => {
                prop_assert!(now >= start + DAY_MS, "{e:?}");
                echoes(&e, ErrorCode::ExpiryInvalid, &date_text(d))?;
                field_is(&e, "expires")?;
            }
        }
    }

    #[test]
    fn end_date_refusals_name_the_input(s in junk(), now: i64) {
        match parse_end_date(&s, now) {
            Ok(None) => prop_assert!(s.trim().is_empty()),
            Ok(Some(end)) => prop_assert!(end > now && (end - DAY_MS) % DAY_MS == 0),
            Err(e) => {
                echoes(&e, ErrorCode::ExpiryInvalid, s.trim())?;
                field_is(&e, "expires")?;
            }
        }
    }

    #[test]
    fn timestamps_never_panic(s in junk()) {
        let _ = parse_timestamp(&s);
    }

    /// Clock fields of any size (the sums used to overflow) read only when they are a time of day.
    #[test]
    fn huge_or_negative_clock_fields_are_refused(
        d in date(), h in clock_field(), m in clock_field(), s in clock_field(),
        zone in prop_oneof![Just(String::new()), Just("Z".to_owned()), "[+-][01][0-9]:[0-5][0-9]"],
    ) {
        let text = format!("{}T{h:02}:{m:02}:{s:02}{zone}", date_text(d));
        let in_range = (0..=23).contains(&h) && (0..=59).contains(&m) && (0..=60).contains(&s);
        prop_assert_eq!(parse_timestamp(&text).is_some(), in_range, "{}", text);
    }

    #[test]
    fn huge_offsets_are_refused(d in date(), oh in clock_field(), om in clock_field(), plus: bool) {
        let sign = if plus { '+' } else { '-' };
        let text = format!("{}T12:00:00{sign}{oh}:{om}", date_text(d));
        let in_range = (0..=23).contains(&oh) && (0..=59).contains(&om);
        prop_assert_eq!(parse_timestamp(&text).is_some(), in_range, "{}", text);
    }

    /// Any instant of the years 0000 to 9999 (the four-digit years the LMS writes).
    #[test]
    fn iso_timestamps_round_trip(ms in -62_167_219_200_000i64..253_402_300_800_000) {
        prop_assert_eq!(parse_timestamp(&iso_timestamp(ms)), Some(ms - ms.rem_euclid(1000)));
    }

    #[test]
    fn fractions_and_offsets_move_the_instant(
        d in date(), h in 0..24i64, m in 0..60i64, s in 0..60i64, frac in "[0-9]{0,6}",
        oh in 0..24i64, om in 0..60i64, plus: bool, sep in select(vec!['T', ' ']),
    ) {
        let base = format!("{}{sep}{h:02}:{m:02}:{s:02}", date_text(d));
        let utc = parse_timestamp(&format!("{base}Z")).unwrap();
        prop_assert_eq!(utc, day_start(&date_text(d)).unwrap() + ((h * 60 + m) * 60 + s) * 1000);
        let millis: i64 = format!("{frac:0<3}")[..3].parse().unwrap();
        let dot = if frac.is_empty() { String::new() } else { format!(".{frac}") };
        let offset = (oh * 60 + om) * 60_000 * if plus { 1 } else { -1 };
        let sign = if plus { '+' } else { '-' };
        let text = format!("{base}{dot}{sign}{oh:02}:{om:02}");
        prop_assert_eq!(parse_timestamp(&text), Some(utc + millis - offset));
    }
}

// ---------------------------------------------------------------------------------------------------
// Identifier lists and signatory images.

proptest! {
    #![proptest_config(config())]

    #[test]
    fn identifier_lists_classify_every_entry_once(s in junk()) {
        let is_sep = |c: char| c == ',' || c == ';' || c.is_whitespace();
        let got = parse_identifiers(&s);
        let mut seen = std::collections::HashSet::new();
        for entry in &got {
            let text = entry.text();
            prop_assert!(!text.is_empty() && !text.contains(is_sep), "{entry:?}");
            prop_assert!(seen.insert(text.to_lowercase()), "duplicate {entry:?}");
            match entry {
                Identifier::Email(t) => prop_assert!(t.contains('@') && Email::parse(t).is_ok()),
                Identifier::Username(t) => prop_assert!(!t.contains('@') && Username::parse(t).is_ok()),
                Identifier::Invalid(t) if t.contains('@') => prop_assert!(Email::parse(t).is_err()),
                Identifier::Invalid(t) => prop_assert!(Username::parse(t).is_err()),
            }
        }
        // Nothing is dropped: every piece of the input is one of the entries.
        for piece in s.split(is_sep).filter(|p| !p.is_empty()) {
            prop_assert!(seen.contains(&piece.to_lowercase()), "{piece:?} was dropped");
        }
        // The entries, written one per line, read back as themselves.
        let written: Vec<&str> = got.iter().map(Identifier::text).collect();
        prop_assert_eq!(parse_identifiers(&written.join("\n")), got);
    }

    #[test]
    fn image_refusals_are_coded(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        match image_type(&bytes) {
            Ok("image/png") => prop_assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n")),
            Ok("image/jpeg") => prop_assert!(bytes.starts_with(&[0xFF, 0xD8, 0xFF])),
            Ok(other) => prop_assert_eq!(other, "image/svg+xml"),
            Err(e) => names(&e, ErrorCode::ImageInvalid, "PNG, JPEG or SVG")?,
        }
    }

    #[test]
    fn svg_text_never_panics_and_accepted_svg_is_inert(
        s in junk(), prolog in "(<\\?xml[^>]{0,10}\\?>|<!--[^>]{0,10}-->| |\u{feff})?",
    ) {
        if let Ok(kind) = image_type(format!("{prolog}<svg{s}").as_bytes()) {
            prop_assert_eq!(kind, "image/svg+xml");
            let lower = s.to_lowercase();
            for marker in ["<script", "javascript:", "data:", "foreignobject", "&#", "<iframe"] {
                prop_assert!(!lower.contains(marker), "{s:?} holds {marker}");
            }
        }
    }

    #[test]
    fn svg_with_script_is_refused(
        before in "[ -~]{0,30}", after in "[ -~]{0,30}", bits: u64,
        marker in select(vec![
            "<script>", "javascript:", "data:", "<foreignObject>", "&#106;", "<iframe",
            " onload=", "/onclick =", "\"onmouseover\t=",
        ]),
    ) {
        let marker = with_case(marker, bits);
        let svg = format!("<svg xmlns=\"http://www.w3.org/2000/svg\">{before}{marker}{after}</svg>");
        let e = image_type(svg.as_bytes()).unwrap_err();
        names(&e, ErrorCode::ImageInvalid, "script")?;
    }

    #[test]
    fn oversized_images_are_refused_with_their_size(extra in 1usize..4096, png: bool) {
        let mut bytes = if png { b"\x89PNG\r\n\x1a\n".to_vec() } else { b"<svg>".to_vec() };
        bytes.resize(MAX_IMAGE_BYTES + extra, b' ');
        let e = image_type(&bytes).unwrap_err();
        names(&e, ErrorCode::ImageInvalid, &format!("{} KB", bytes.len().div_ceil(1024)))?;
    }
}

// ---------------------------------------------------------------------------------------------------
// Retirement settings (state list, re-use policy) and redaction.

/// The default state list with extra external stages (`RETIRING_X`, `X_COMPLETE`) before the end.
fn state_list() -> impl Strategy<Value = Vec<String>> {
    proptest::collection::vec("[A-Z][A-Z0-9]{0,8}", 0..4).prop_map(|extras| {
        let mut names: Vec<String> = DEFAULT_STATES.iter().map(|s| (*s).to_owned()).collect();
        for x in extras {
            let pair = [format!("RETIRING_{x}"), format!("{x}_COMPLETE")];
            if !pair.iter().any(|p| names.contains(p)) {
                let at = names.len() - 3;
                names.splice(at..at, pair);
            }
        }
        names
    })
}

/// Lists of state names, good and bad, that get past the first rules more often than junk does.
const STATE_WORDS: &str =
    "((PENDING|ERRORED|ABORTED|COMPLETE|LOCKING_ACCOUNT|RETIRING_[A-Z]{1,2}|[A-Z]{1,2}_COMPLETE\
                           |[a-z]+)[ ,]{1,2}){0,10}";

proptest! {
    #![proptest_config(config())]

    #[test]
    fn state_lists_round_trip(names in state_list(), seps in proptest::collection::vec("[ ,\n\t]{1,3}", 40)) {
        let text: String = names.iter().zip(seps.iter().cycle()).map(|(n, s)| format!("{n}{s}")).collect();
        let list = StateList::parse(&text).unwrap();
        prop_assert_eq!(list.names(), names.as_slice());
        prop_assert_eq!(StateList::parse(&list.names().join(", ")), Ok(list));
    }

    #[test]
    fn every_default_state_is_needed(names in state_list(), drop in any::<prop::sample::Index>()) {
        let mut names = names;
        let gone = names.remove(drop.index(names.len()));
        prop_assert!(StateList::from_names(names).is_err(), "{gone} was not needed");
    }

    #[test]
    fn state_list_refusals_name_what_failed(s in prop_oneof![junk(), STATE_WORDS]) {
        if let Err(e) = StateList::parse(&s) {
            let message = e.to_string();
            prop_assert!(!message.trim().is_empty());
            let named: Vec<String> = match e {
                StateListError::BadName(n)
                | StateListError::Duplicate(n)
                | StateListError::CompleteWithoutStart(n)
                | StateListError::MissingBuiltin(n) => vec![n],
                StateListError::Unpaired { start, expected } => vec![start, expected],
                StateListError::MissingRequired(v) | StateListError::WrongEnd(v) => v,
                StateListError::Empty | StateListError::PendingNotFirst => vec!["PENDING".into()],
            };
            for n in named {
                let named = message.contains(&n) || message.contains("RETIREMENT_STATES");
                prop_assert!(named, "{message} misses {n}");
            }
        }
    }

    #[test]
    fn reuse_policies(
        days: u32, (_, ever) in any_case_of(vec!["forever"]), s in junk(), a in pad(), b in pad(),
    ) {
        prop_assert_eq!(ReusePolicy::parse(&format!("{a}{days}{b}")), Ok(ReusePolicy::Days(days)));
        prop_assert_eq!(ReusePolicy::parse(&format!("{a}{ever}{b}")), Ok(ReusePolicy::Forever));
        if let Err(message) = ReusePolicy::parse(&s) {
            prop_assert!(message.contains(s.trim()) && message.contains("forever"), "{message}");
        }
    }
}

/// Characters usernames and emails are made of (as `redact` reads them).
fn is_token(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '@' | '+' | '.')
}

/// Whether the single-word `needle` stands alone in `text`: it is a whole run of name characters,
/// less some or none of the run's trailing dots (which end sentences).
fn has_word(text: &str, needle: &str) -> bool {
    text.split(|c: char| !is_token(c)).any(|run| {
        let word = run.trim_end_matches('.');
        (word.len()..=run.len()).any(|k| run[..k].eq_ignore_ascii_case(needle))
    })
}

/// Whether the `needle` with spaces stands alone in `text`, at any position: no name character
/// before it, and after it none, nor a `.` that a letter or digit follows.
fn has_phrase(text: &str, needle: &str) -> bool {
    (0..text.len()).filter(|&i| text.is_char_boundary(i)).any(|i| {
        let Some(found) = text.get(i..i + needle.len()) else { return false };
        let mut after = text[i + needle.len()..].chars();
        let after_continues = match after.next() {
            Some('.') => after.next().is_some_and(char::is_alphanumeric),
            Some(c) => is_token(c),
            None => false,
        };
        found.eq_ignore_ascii_case(needle)
            && !text[..i].chars().next_back().is_some_and(is_token)
            && !after_continues
    })
}

/// Needles made of few letters (so they meet often), each a word or a phrase of words, and a text
/// made of them (in any case) and of separators.
fn needles_and_text() -> impl Strategy<Value = (Vec<String>, String)> {
    let word = "[ab][ab._@-]{0,3}";
    let needle = prop_oneof![word, "[ab]{1,2}( [ab]{1,2}){1,2}\\.?"];
    proptest::collection::vec(needle, 1..4).prop_flat_map(|needles| {
        let chunk = prop_oneof![
            (select(needles.clone()), any::<u64>()).prop_map(|(n, bits)| with_case(&n, bits)),
            "[ab .,;@_\n-]{0,3}",
        ];
        (Just(needles), proptest::collection::vec(chunk, 0..10).prop_map(|c| c.concat()))
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn redaction_never_panics(text in junk(), needles in proptest::collection::vec((junk(), junk()), 0..4)) {
        let lower = text.to_ascii_lowercase();
        let absent = needles.iter().all(|(n, _)| n.is_empty() || !lower.contains(&n.to_ascii_lowercase()));
        let out = redact(&text, &needles);
        prop_assert!(!absent || out.is_none(), "{:?} changed into {:?}", text, out);
    }

    #[test]
    fn no_needle_is_left_standing((needles, text) in needles_and_text()) {
        let pairs: Vec<(String, String)> = needles.iter().map(|n| (n.clone(), "***".to_owned())).collect();
        let out = redact(&text, &pairs);
        let result = out.clone().unwrap_or_else(|| text.clone());
        for n in &needles {
            let left = if n.chars().all(is_token) { has_word(&result, n) } else { has_phrase(&result, n) };
            prop_assert!(!left, "{n:?} is still in {result:?} (from {text:?})");
        }
    }

    /// A phrase whose first word repeats (`Jo Jo`) is found after a near miss that overlaps it.
    #[test]
    fn overlapping_phrases_are_found(w in "[A-Za-z]{1,5}", glue in "[-_.a-z]", bits: u64) {
        let needle = format!("{w} {w}");
        let text = format!("{glue}{} {w} {w}", with_case(&w, bits));
        let out = redact(&text, &[(needle.clone(), "***".to_owned())]);
        prop_assert_eq!(out, Some(format!("{glue}{} ***", with_case(&w, bits))), "{}", text);
    }

    #[test]
    fn names_inside_longer_words_are_kept(
        (needles, _) in needles_and_text(), left in "[xz0-9]{1,2}", right in "[xz0-9_]{1,2}",
    ) {
        for n in &needles {
            let text = format!("{left}{n}{right} ; {left}{n} ; {n}{right}");
            prop_assert_eq!(redact(&text, &[(n.clone(), "***".to_owned())]), None, "{}", text);
        }
    }
}
