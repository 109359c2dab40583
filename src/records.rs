//! Learner records (issue 6, first part: the rules): which grade a program record shows for each
//! course, when a pushed grade is stale, how a record's progress reads, and how a CSV cell is made
//! safe. Pure: no IO. The spec is Open edX Credentials (`records/api.py`) with its gaps fixed: the
//! grade shown is paired with the run whose certificate was awarded, and a certificate without a
//! grade still reads Earned.

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
                (None, None) => CourseRow {
                    course: course.clone(),
                    run: None,
                    attempts,
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

/// Whether a grade pushed with the LMS's `lms_last_updated_at` must be rejected because the stored one
/// is newer (or as new: the same push twice is one effect).
#[must_use]
pub fn is_stale(incoming_updated_at: i64, stored_updated_at: Option<i64>) -> bool {
    stored_updated_at.is_some_and(|stored| incoming_updated_at <= stored)
}

/// A grade as the record shows it: `round(percent × 100)%`, like the LMS progress page.
#[must_use]
pub fn percent_text(percent: f64) -> String {
    format!("{:.0}%", (percent * 100.0).round())
}

/// A CSV cell that a spreadsheet will not run as a formula: cells starting with `=`, `+`, `-`, `@`,
/// a tab or a carriage return get a leading apostrophe (OWASP's CSV injection advice).
#[must_use]
pub fn csv_safe(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    }
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
    fn stale_and_repeated_grade_pushes_are_rejected() {
        assert!(!is_stale(100, None));
        assert!(!is_stale(101, Some(100)));
        assert!(is_stale(100, Some(100)), "the same push twice is one effect");
        assert!(is_stale(99, Some(100)));
    }

    #[test]
    fn display_and_csv_rules() {
        assert_eq!(percent_text(0.875), "88%");
        assert_eq!(percent_text(0.0), "0%");
        for dangerous in ["=SUM(A1)", "+1", "-2", "@cmd", "\tx", "\rx"] {
            assert!(csv_safe(dangerous).starts_with('\''), "{dangerous:?}");
        }
        assert_eq!(csv_safe("Intro to CS"), "Intro to CS");
        assert_eq!(csv_safe(""), "");
    }
}
