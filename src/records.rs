//! Learner records (issue 6, first part: the rules): which grade a program record shows for each
//! course, when a pushed grade is stale, how a record's progress reads, how a CSV cell is made safe
//! and how the LMS's ISO 8601 times are read and written (calendar by `time`, through `roles`).
//! Pure: no IO, no clock. The spec is Open edX Credentials (`records/api.py`) with its gaps fixed: the
//! grade shown is paired with the run whose certificate was awarded, and a certificate without a
//! grade still reads Earned.

use crate::{DomainError, ErrorCode};
use serde::{Deserialize, Serialize};

/// A certificate's status, as the credentials service keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CredentialStatus {
    Awarded,
    Revoked,
}

/// A learner's course certificate in one course run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunCredential {
    pub course: String,
    pub run: String,
    pub status: CredentialStatus,
    /// When it was earned (epoch ms): the date override if any, else the visible date.
    pub issued_at: i64,
}

/// A grade the LMS pushed for one course run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunGrade {
    pub course: String,
    pub run: String,
    /// 0.0 ..= 1.0
    pub percent: f64,
    pub letter: Option<String>,
    pub verified: bool,
}

/// One course's row of a program record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CourseRow {
    pub course: String,
    /// The run the row speaks for: the awarded one, if any.
    pub run: Option<String>,
    /// Verified grades pushed for this course's runs that have a certificate.
    pub attempts: u32,
    pub percent: Option<f64>,
    pub letter: Option<String>,
    pub earned_at: Option<i64>,
}

impl CourseRow {
    /// Earned when an awarded certificate exists, with or without a grade.
    #[must_use]
    pub fn earned(&self) -> bool {
        self.earned_at.is_some()
    }
}

/// The rows of a program record, one per course in `courses` order: the highest verified grade
/// among the runs whose certificate is awarded (the first of equals), with that run's certificate
/// date; Earned without a grade when the LMS push was missed; nothing earned otherwise (a grade
/// without an awarded certificate is not shown).
#[must_use]
pub fn program_rows(
    courses: &[String],
    credentials: &[RunCredential],
    grades: &[RunGrade],
) -> Vec<CourseRow> {
    courses
        .iter()
        .map(|course| {
            let awarded: Vec<&RunCredential> = credentials
                .iter()
                .filter(|c| &c.course == course && c.status == CredentialStatus::Awarded)
                .collect();
            let with_certificate =
                |g: &&RunGrade| credentials.iter().any(|c| c.course == g.course && c.run == g.run);
            let verified: Vec<&RunGrade> = grades
                .iter()
                .filter(|g| &g.course == course && g.verified)
                .filter(with_certificate)
                .collect();
            let attempts = u32::try_from(verified.len()).unwrap_or(u32::MAX);
            let best = verified.iter().filter(|g| awarded.iter().any(|c| c.run == g.run)).fold(
                None::<&RunGrade>,
                |best, g| match best {
                    Some(b) if b.percent >= g.percent => Some(b),
                    _ => Some(g),
                },
            );
            match (best, awarded.first()) {
                (Some(grade), _) => {
                    let credential = awarded.iter().find(|c| c.run == grade.run);
                    CourseRow {
                        course: course.clone(),
                        run: Some(grade.run.clone()),
                        attempts,
                        percent: Some(grade.percent),
                        letter: grade.letter.clone(),
                        earned_at: credential.map(|c| c.issued_at),
                    }
                }
                (None, Some(credential)) => CourseRow {
                    course: course.clone(),
                    run: Some(credential.run.clone()),
                    attempts,
                    percent: None,
                    letter: None,
                    earned_at: Some(credential.issued_at),
                },
                // Nothing earned: no grade and no attempts are shown (every view says the same).
                (None, None) => CourseRow {
                    course: course.clone(),
                    run: None,
                    attempts: 0,
                    percent: None,
                    letter: None,
                    earned_at: None,
                },
            }
        })
        .collect()
}

/// How far a learner is in a program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Progress {
    Completed,
    InProgress,
    NotStarted,
}

impl Progress {
    /// Completed when the program certificate is awarded; in progress with any earned course.
    #[must_use]
    pub fn of(program_certificate_awarded: bool, rows: &[CourseRow]) -> Self {
        if program_certificate_awarded {
            Self::Completed
        } else if rows.iter().any(CourseRow::earned) {
            Self::InProgress
        } else {
            Self::NotStarted
        }
    }

    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Completed => "Completed",
            Self::InProgress => "In progress",
            Self::NotStarted => "Not started",
        }
    }
}

/// What to do with a grade the LMS pushes, given the one stored for that learner and run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum GradePush {
    /// New, or newer than the stored one: store it.
    Apply,
    /// The same push again (same source time and values): one effect, nothing changes.
    Unchanged,
    /// Older than the stored grade (or as old with other values): rejected, never applied.
    Stale,
}

/// A grade as the LMS sends it and the store keeps it: percent in ten-thousandths (the source's
/// `Decimal(5,4)`, kept exact), the letter, verified, and the source's last update (epoch ms).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushedGrade {
    pub percent_e4: i64,
    pub letter: String,
    pub verified: bool,
    pub source_updated_at: Option<i64>,
}

/// Open edX lets the last write win, so a delayed retry overwrites a newer grade; here a push older
/// than the stored grade's source time is stale. A push without a source time is applied only when
/// nothing newer with a source time is stored.
#[must_use]
pub fn grade_push(incoming: &PushedGrade, stored: Option<&PushedGrade>) -> GradePush {
    let Some(stored) = stored else { return GradePush::Apply };
    if incoming == stored {
        return GradePush::Unchanged;
    }
    match (incoming.source_updated_at, stored.source_updated_at) {
        (Some(new), Some(old)) if new <= old => GradePush::Stale,
        (None, Some(_)) => GradePush::Stale,
        _ => GradePush::Apply,
    }
}

/// A percent grade (a fraction 0–1, as the LMS sends it) in ten-thousandths, or why it is refused.
pub fn percent_e4(percent: f64) -> Result<i64, DomainError> {
    if !percent.is_finite() || !(0.0..=1.0).contains(&percent) {
        return Err(DomainError::with_message(
            ErrorCode::GradeInvalid,
            format!("percent_grade {percent} is outside 0–1 (a fraction: 0.85 is 85%)."),
        ));
    }
    // In range, so the cast cannot truncate.
    #[allow(clippy::cast_possible_truncation)]
    Ok((percent * 10_000.0).round() as i64)
}

/// A grade as the record shows it: `round(percent × 100)%`, like the LMS progress page.
#[must_use]
pub fn percent_text(percent: f64) -> String {
    format!("{:.0}%", (percent * 100.0).round())
}

/// A CSV cell that a spreadsheet will not run as a formula: a cell whose first character (after
/// any spaces or line breaks, which some spreadsheets skip) starts a formula — `=`, `+`, `-`, `@`,
/// their full-width forms, a tab or a carriage return — gets a leading apostrophe (OWASP's CSV
/// injection advice).
#[must_use]
pub fn csv_safe(value: &str) -> String {
    const STARTS_FORMULA: [char; 10] =
        ['=', '+', '-', '@', '\t', '\r', '\u{FF1D}', '\u{FF0B}', '\u{FF0D}', '\u{FF20}'];
    let first = value.trim_start_matches([' ', '\n', '\u{3000}']);
    if value.starts_with(STARTS_FORMULA) || first.starts_with(STARTS_FORMULA) {
        format!("'{value}")
    } else {
        value.to_owned()
    }
}

/// The certificate types a course certificate configuration may have (Open edX's modes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CertificateType {
    Honor,
    Verified,
    Professional,
    NoIdProfessional,
    Masters,
}

impl CertificateType {
    pub const ALL: [Self; 5] =
        [Self::Honor, Self::Verified, Self::Professional, Self::NoIdProfessional, Self::Masters];

    /// The slug Open edX uses (`no-id-professional`…).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Honor => "honor",
            Self::Verified => "verified",
            Self::Professional => "professional",
            Self::NoIdProfessional => "no-id-professional",
            Self::Masters => "masters",
        }
    }

    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Honor => "Honor",
            Self::Verified => "Verified",
            Self::Professional => "Professional",
            Self::NoIdProfessional => "Professional (no ID)",
            Self::Masters => "Master's",
        }
    }

    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let input = input.trim();
        Self::ALL.into_iter().find(|t| t.as_str() == input).ok_or_else(|| {
            DomainError::with_message(
                ErrorCode::InputInvalid,
                format!(
                    "'{input}' is not a certificate type; use one of {}.",
                    Self::ALL.map(Self::as_str).join(", ")
                ),
            )
        })
    }
}

/// The course a run belongs to: `course-v1:Org+Number+Run` → `Org+Number` (grades are compared
/// across the runs of one course).
#[must_use]
pub fn course_of_run(run_key: &str) -> String {
    let rest = run_key.strip_prefix("course-v1:").unwrap_or(run_key);
    match rest.rsplit_once('+') {
        Some((course, _run)) => course.to_owned(),
        None => rest.to_owned(),
    }
}

/// Whether a public record link still opens: not unshared, not past its expiry.
#[must_use]
pub fn share_is_live(revoked_at: Option<i64>, expires_at: Option<i64>, now: i64) -> bool {
    revoked_at.is_none() && expires_at.is_none_or(|end| now < end)
}

/// A pathway a learner may send a program record to: credit (industry pathways take no records),
/// published, with an email to send to, and including the program.
#[must_use]
pub fn pathway_offerable(pathway_type: &str, status: &str, email: &str, includes_program: bool) -> bool {
    pathway_type == "credit" && status == "published" && !email.trim().is_empty() && includes_program
}

/// The largest signatory image accepted.
pub const MAX_IMAGE_BYTES: usize = 250 * 1024;

/// The media type of an uploaded signatory image, judged by its content (never its file name):
/// PNG and JPEG by their magic numbers, SVG as UTF-8 text whose root is `<svg` and that carries no
/// script. Anything else, or anything over 250 KB, is refused with the limit.
pub fn image_type(bytes: &[u8]) -> Result<&'static str, DomainError> {
    let refuse = |why: &str| {
        Err(DomainError::with_message(
            ErrorCode::ImageInvalid,
            format!("{why} Upload a PNG, JPEG or SVG image of at most 250 KB."),
        ))
    };
    if bytes.is_empty() {
        return refuse("The file is empty.");
    }
    if bytes.len() > MAX_IMAGE_BYTES {
        return refuse(&format!("The file is {} KB.", bytes.len().div_ceil(1024)));
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Ok("image/png");
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok("image/jpeg");
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        let lower = text.to_lowercase();
        let body = lower.trim_start_matches('\u{feff}').trim_start();
        let mut rest = body;
        // Skip an XML declaration, comments and a doctype before the root element.
        loop {
            rest = rest.trim_start();
            if rest.starts_with("<?") || rest.starts_with("<!") {
                match rest.find('>') {
                    Some(end) => rest = &rest[end + 1..],
                    None => break,
                }
            } else {
                break;
            }
        }
        if rest.starts_with("<svg") {
            if svg_may_run_script(&lower) {
                return refuse("The SVG contains script or embedded content.");
            }
            return Ok("image/svg+xml");
        }
    }
    refuse("The file is not a PNG, JPEG or SVG image.")
}

/// Whether lower-cased SVG markup could run script or pull in other documents: script elements,
/// `javascript:` or `data:` URLs, `foreignObject`, character references (which can hide either), or
/// an `on…=` event attribute after any whitespace, `/` or quote. Stricter than needed for a
/// signature; the image is also served under a sandboxing CSP.
fn svg_may_run_script(lower: &str) -> bool {
    const MARKERS: [&str; 6] = ["<script", "javascript:", "data:", "foreignobject", "&#", "<iframe"];
    if MARKERS.iter().any(|m| lower.contains(m)) {
        return true;
    }
    let bytes = lower.as_bytes();
    lower.match_indices("on").any(|(i, _)| {
        let before = i.checked_sub(1).and_then(|b| bytes.get(b)).copied();
        let separated =
            before.is_some_and(|b| b.is_ascii_whitespace() || b == b'/' || b == b'"' || b == b'\'');
        let rest = &lower[i + 2..];
        let name_len = rest.chars().take_while(char::is_ascii_alphabetic).count();
        separated && name_len > 0 && rest[name_len..].trim_start().starts_with('=')
    })
}

/// The CSV file name of a record, as Open edX names it: `<username>_<program>_grades.csv`,
/// lower-cased, spaces as `_`, and only characters safe in a file name.
#[must_use]
pub fn csv_file_name(username: &str, program: &str) -> String {
    let raw = format!("{username}_{program}_grades").to_lowercase().replace(' ', "_");
    let safe: String =
        raw.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')).collect();
    format!("{safe}.csv")
}

/// An ISO 8601 time as the LMS sends it (`2024-01-01T00:00:00Z`, with optional fraction and
/// `±HH:MM` offset, or a bare date) in epoch milliseconds; `None` when it is not one.
#[must_use]
pub fn parse_timestamp(text: &str) -> Option<i64> {
    let text = text.trim();
    let (date, time) = match text.find(['T', ' ']) {
        Some(i) => (&text[..i], &text[i + 1..]),
        None => return crate::roles::day_start(text),
    };
    let day = crate::roles::day_start(date)?;
    let (clock, offset_ms) = if let Some(clock) = time.strip_suffix('Z').or_else(|| time.strip_suffix('z')) {
        (clock, 0)
    } else if let Some(i) = time.rfind(['+', '-']).filter(|&i| i >= 8) {
        let (h, m) = time[i + 1..].split_once(':').unwrap_or((&time[i + 1..], "0"));
        let (h, m) = (h.parse::<i64>().ok()?, m.parse::<i64>().ok()?);
        if !(0..=23).contains(&h) || !(0..=59).contains(&m) {
            return None;
        }
        let sign = if time[i..].starts_with('-') { -1 } else { 1 };
        (&time[..i], sign * (h * 3_600_000 + m * 60_000))
    } else {
        (time, 0)
    };
    let (hms, fraction) = clock.split_once('.').unwrap_or((clock, ""));
    let parts: Vec<&str> = hms.split(':').collect();
    let [h, m, s] = parts.as_slice() else { return None };
    let (h, m, s) = (h.parse::<i64>().ok()?, m.parse::<i64>().ok()?, s.parse::<i64>().ok()?);
    // Negative fields are no time of day; huge ones would overflow the sum below.
    let in_range = (0..=23).contains(&h) && (0..=59).contains(&m) && (0..=60).contains(&s);
    if !in_range || !fraction.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let millis = format!("{fraction:0<3}").get(..3)?.parse::<i64>().ok()?;
    let clock_ms =
        h.checked_mul(3_600_000)?.checked_add(m.checked_mul(60_000)?)?.checked_add(s.checked_mul(1000)?)?;
    day.checked_add(clock_ms)?.checked_add(millis)?.checked_sub(offset_ms)
}

/// Epoch milliseconds as `2024-01-01T00:00:00Z` (what the service API answers), milliseconds
/// dropped; for any `i64` (the year is written with at least four digits, `-` before year 0).
#[must_use]
pub fn iso_timestamp(epoch_ms: i64) -> String {
    let (year, at) = crate::roles::utc(epoch_ms);
    format!(
        "{year:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cred(course: &str, run: &str, status: CredentialStatus, at: i64) -> RunCredential {
        RunCredential { course: course.into(), run: run.into(), status, issued_at: at }
    }

    fn grade(course: &str, run: &str, percent: f64, verified: bool) -> RunGrade {
        RunGrade { course: course.into(), run: run.into(), percent, letter: Some("B".into()), verified }
    }

    #[test]
    fn the_best_verified_grade_of_an_awarded_run_is_shown_with_that_runs_date() {
        let courses = vec!["C1".to_owned()];
        let credentials = vec![
            cred("C1", "r1", CredentialStatus::Awarded, 10),
            cred("C1", "r2", CredentialStatus::Awarded, 20),
            cred("C1", "r3", CredentialStatus::Revoked, 30),
        ];
        let grades = vec![
            grade("C1", "r1", 0.71, true),
            grade("C1", "r2", 0.93, true),
            // Higher, but its certificate is revoked: counted as an attempt, not shown.
            grade("C1", "r3", 0.99, true),
            // Unverified grades are not records.
            grade("C1", "r1", 1.0, false),
        ];
        let rows = program_rows(&courses, &credentials, &grades);
        assert_eq!(rows[0].percent, Some(0.93));
        assert_eq!(rows[0].run.as_deref(), Some("r2"));
        assert_eq!(rows[0].earned_at, Some(20), "the date of the run the grade came from");
        assert_eq!(rows[0].attempts, 3);
    }

    #[test]
    fn a_certificate_without_a_grade_is_earned_and_a_grade_without_one_is_not() {
        let courses = vec!["C1".to_owned(), "C2".to_owned(), "C3".to_owned()];
        let credentials = vec![cred("C1", "r1", CredentialStatus::Awarded, 5)];
        let grades = vec![grade("C2", "x", 0.9, true)];
        let rows = program_rows(&courses, &credentials, &grades);
        assert!(rows[0].earned() && rows[0].percent.is_none(), "the anchor showed Not earned here");
        assert!(!rows[1].earned() && rows[1].percent.is_none(), "no certificate: the grade is not shown");
        assert!(!rows[2].earned());
        assert_eq!(Progress::of(false, &rows), Progress::InProgress);
        assert_eq!(Progress::of(true, &rows), Progress::Completed);
        assert_eq!(Progress::of(false, &rows[1..]), Progress::NotStarted);
    }

    #[test]
    fn ties_keep_the_first_grade() {
        let courses = vec!["C1".to_owned()];
        let credentials = vec![
            cred("C1", "a", CredentialStatus::Awarded, 1),
            cred("C1", "b", CredentialStatus::Awarded, 2),
        ];
        let grades = vec![grade("C1", "a", 0.8, true), grade("C1", "b", 0.8, true)];
        assert_eq!(program_rows(&courses, &credentials, &grades)[0].run.as_deref(), Some("a"));
    }

    #[test]
    fn stale_and_repeated_grade_pushes_are_rejected() {}

    #[test]
    fn display_and_csv_rules() {
        assert_eq!(percent_text(0.875), "88%");
        assert_eq!(percent_text(0.0), "0%");
        for dangerous in ["=SUM(A1)", "+1", "-2", "@cmd", "\tx", "\rx", " =1+1", "\n=cmd", "\u{FF1D}1+1"] {
            assert!(csv_safe(dangerous).starts_with('\''), "{dangerous:?}");
        }
        assert_eq!(csv_safe("Intro to CS"), "Intro to CS");
        assert_eq!(csv_safe(""), "");
    }
    #[test]
    fn grade_pushes_apply_newer_repeat_once_and_refuse_older() {
        let g = |pct, at| PushedGrade {
            percent_e4: pct,
            letter: "B".into(),
            verified: true,
            source_updated_at: at,
        };
        assert_eq!(grade_push(&g(8000, Some(10)), None), GradePush::Apply);
        assert_eq!(grade_push(&g(8000, Some(10)), Some(&g(8000, Some(10)))), GradePush::Unchanged);
        assert_eq!(grade_push(&g(9000, Some(11)), Some(&g(8000, Some(10)))), GradePush::Apply);
        assert_eq!(grade_push(&g(7000, Some(9)), Some(&g(8000, Some(10)))), GradePush::Stale);
        assert_eq!(grade_push(&g(7000, Some(10)), Some(&g(8000, Some(10)))), GradePush::Stale);
        assert_eq!(grade_push(&g(7000, None), Some(&g(8000, Some(10)))), GradePush::Stale);
        assert_eq!(grade_push(&g(7000, None), Some(&g(8000, None))), GradePush::Apply);
        assert_eq!(percent_e4(0.8567).unwrap(), 8567);
        assert_eq!(percent_e4(1.0).unwrap(), 10_000);
        for bad in [-0.01, 1.01, f64::NAN, 85.0] {
            assert_eq!(percent_e4(bad).unwrap_err().code, ErrorCode::GradeInvalid, "{bad}");
        }
    }

    #[test]
    fn certificate_types_courses_shares_and_pathways() {
        assert_eq!(
            CertificateType::parse(" no-id-professional ").unwrap(),
            CertificateType::NoIdProfessional
        );
        let e = CertificateType::parse("gold").unwrap_err();
        assert!(e.message.contains("honor, verified"), "{}", e.message);
        assert_eq!(course_of_run("course-v1:MITx+6.00x+2024_T1"), "MITx+6.00x");
        assert!(share_is_live(None, None, 5));
        assert!(share_is_live(None, Some(6), 5));
        assert!(!share_is_live(None, Some(5), 5), "ends at its expiry");
        assert!(!share_is_live(Some(1), None, 5));
        assert!(pathway_offerable("credit", "published", "credit@uni.edu", true));
        assert!(!pathway_offerable("industry", "published", "x@y.z", true));
        assert!(!pathway_offerable("credit", "unpublished", "x@y.z", true));
        assert!(!pathway_offerable("credit", "published", " ", true));
        assert!(!pathway_offerable("credit", "published", "x@y.z", false));
        assert_eq!(csv_file_name("Ada", "Data Science / AI"), "ada_data_science__ai_grades.csv");
    }

    #[test]
    fn images_are_judged_by_content() {
        assert_eq!(image_type(b"\x89PNG\r\n\x1a\nrest").unwrap(), "image/png");
        assert_eq!(image_type(&[0xFF, 0xD8, 0xFF, 0xE0, 0]).unwrap(), "image/jpeg");
        let svg = br#"<?xml version="1.0"?><!-- logo --><svg xmlns="http://www.w3.org/2000/svg"></svg>"#;
        assert_eq!(image_type(svg).unwrap(), "image/svg+xml");
        for bad in [
            &b"GIF89a"[..],
            b"<html><svg></svg></html>",
            b"<svg><script>alert(1)</script></svg>",
            b"<svg onload = \"alert(1)\"></svg>",
            b"<svg\nonload=alert(1)></svg>",
            b"<svg/onload=alert(1)></svg>",
            b"<svg><foreignObject><body/></foreignObject></svg>",
            b"<svg><a href=\"&#106;avascript:alert(1)\">x</a></svg>",
            b"",
        ] {
            let e = image_type(bad).unwrap_err();
            assert_eq!(e.code, ErrorCode::ImageInvalid);
            assert!(e.message.contains("250 KB"), "{}", e.message);
        }
        let big = [&b"\x89PNG\r\n\x1a\n"[..], &vec![0u8; MAX_IMAGE_BYTES]].concat();
        assert!(image_type(&big).unwrap_err().message.contains("The file is 251 KB"));
    }
    #[test]
    fn timestamps_round_trip_and_offsets_apply() {
        let t = parse_timestamp("2024-01-01T00:00:00Z").unwrap();
        assert_eq!(iso_timestamp(t), "2024-01-01T00:00:00Z");
        assert_eq!(parse_timestamp("2024-01-01T01:30:00+01:30"), Some(t));
        assert_eq!(parse_timestamp("2023-12-31T23:00:00-01:00"), Some(t));
        assert_eq!(parse_timestamp("2024-01-01T00:00:00.250Z"), Some(t + 250));
        assert_eq!(parse_timestamp("2024-01-01"), Some(t));
        assert_eq!(parse_timestamp("2024-01-01 00:00:01"), Some(t + 1000));
        for bad in ["", "yesterday", "2024-13-01T00:00:00Z", "2024-01-01T25:00:00Z", "2024-01-01T00:00Z"] {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
    }

    /// The hand-written `iso_timestamp` used before `time` (with its civil-from-days): the oracle.
    fn old_iso_timestamp(epoch_ms: i64) -> String {
        let (year, month, day) = crate::roles::tests::old_civil_date(epoch_ms);
        let in_day = epoch_ms.rem_euclid(86_400_000) / 1000;
        format!(
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
            in_day / 3600,
            (in_day / 60) % 60,
            in_day % 60
        )
    }

    #[test]
    fn timestamps_are_written_as_before_for_any_instant() {
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let spread = (0..20_000).map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            i64::from_ne_bytes(x.to_ne_bytes())
        });
        // Every second of two days around the epoch, every hour of 800 years around it, anywhere.
        let seconds = (-86_400..86_400).map(|s| s * 1000 + 999);
        let hours = (-3_506_328..3_506_328).step_by(7).map(|h: i64| h * 3_600_000 + 1);
        let ends = [i64::MIN, i64::MIN + 1, i64::MAX, -1, 0, 1, 253_402_300_799_999, 253_402_300_800_000];
        for ms in seconds.chain(hours).chain(spread).chain(ends) {
            assert_eq!(iso_timestamp(ms), old_iso_timestamp(ms), "{ms}");
        }
    }

    #[test]
    fn timestamp_edges() {
        assert_eq!(iso_timestamp(-1), "1969-12-31T23:59:59Z", "before the epoch, the second before");
        assert_eq!(iso_timestamp(-1000), "1969-12-31T23:59:59Z");
        assert_eq!(iso_timestamp(-1001), "1969-12-31T23:59:58Z");
        let leap = parse_timestamp("2024-02-29T23:59:59.999Z").unwrap();
        assert_eq!(iso_timestamp(leap), "2024-02-29T23:59:59Z");
        assert_eq!(iso_timestamp(leap + 1), "2024-03-01T00:00:00Z");
        let last = parse_timestamp("9999-12-31T23:59:59Z").unwrap();
        assert_eq!(last, 253_402_300_799_000);
        assert_eq!(iso_timestamp(last + 1000), "10000-01-01T00:00:00Z");
        assert_eq!(parse_timestamp("1969-12-31T23:59:59Z"), Some(-1000));
        assert_eq!(parse_timestamp("2024-1-5T00:00:00Z"), parse_timestamp("2024-01-05"));
        assert_eq!(parse_timestamp("2024-12-31T23:59:60Z"), parse_timestamp("2025-01-01"), "a leap second");
        assert_eq!(parse_timestamp("2024-01-01t00:00:00z"), None, "a lower-case T is not a separator");
        for bad in ["2023-02-29T00:00:00Z", "1900-02-29", "2024-01-01T00:00:61Z", "2024-01-01T00:60:00Z"] {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
        for bad in
            ["2024-01-01T00:00:00+24:00", "2024-01-01T00:00:00.5x", "99999-01-01", "2024-01-32T00:00:00Z"]
        {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
    }
}
