//! The wording of the mail Registrar sends, one function per message kind. Plain text; course name and
//! links included so the message stands on its own.

use registrar::enrollment::Notice;

/// A composed message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Composed {
    pub subject: String,
    pub body: String,
}

/// The message for an enrollment notice.
#[must_use]
pub fn enrollment(
    notice: Notice,
    course_name: &str,
    site_url: &str,
    email: &str,
    auto_enroll: bool,
) -> Composed {
    let site = site_url.trim_end_matches('/');
    match notice {
        Notice::Enrolled => Composed {
            subject: format!("You have been enrolled in {course_name}"),
            body: format!(
                "Hello,\n\nYou have been enrolled in {course_name}. The course is now on your account:\n{site}/account\n\n\
                 This message was sent by Registrar at the request of the course team."
            ),
        },
        Notice::Invited => {
            let then = if auto_enroll {
                "Once you register with this address, you will be enrolled automatically."
            } else {
                "Once you register with this address, you will be able to enroll."
            };
            Composed {
                subject: format!("You have been invited to register for {course_name}"),
                body: format!(
                    "Hello,\n\nYou have been invited to join {course_name}. {then}\n\nRegister at {site}/register \
                     and use {email} in the Email field.\n\nThis message was sent by Registrar at the request of \
                     the course team."
                ),
            }
        }
        Notice::Unenrolled => Composed {
            subject: format!("You have been unenrolled from {course_name}"),
            body: format!(
                "Hello,\n\nYou have been unenrolled from {course_name}. It no longer appears on your account.\n\n\
                 This message was sent by Registrar at the request of the course team."
            ),
        },
        Notice::BetaAdded => Composed {
            subject: format!("You are a beta tester of {course_name}"),
            body: format!(
                "Hello,\n\nThe course team added you as a beta tester of {course_name}: you will see its content \
                 before other learners. Your courses are on your account:\n{site}/account\n\n\
                 This message was sent by Registrar at the request of the course team."
            ),
        },
        Notice::BetaRemoved => Composed {
            subject: format!("You are no longer a beta tester of {course_name}"),
            body: format!(
                "Hello,\n\nThe course team removed you from the beta testers of {course_name}.\n\n\
                 This message was sent by Registrar at the request of the course team."
            ),
        },
        Notice::InvitationCancelled => Composed {
            subject: format!("Your invitation to {course_name} was withdrawn"),
            body: format!(
                "Hello,\n\nYour invitation to register for {course_name} was withdrawn by the course team.\n\n\
                 This message was sent by Registrar."
            ),
        },
    }
}

/// The message to the person who started a background batch, once it has finished.
#[must_use]
pub fn batch_finished(
    course_name: &str,
    course_key: &str,
    site_url: &str,
    batch_id: &str,
    counts: &[(&str, usize)],
) -> Composed {
    let site = site_url.trim_end_matches('/');
    let key = course_key.replace('+', "%2B");
    let lines: Vec<String> = counts.iter().map(|(what, n)| format!("  {what}: {n}")).collect();
    Composed {
        subject: format!("Your batch enrollment in {course_name} has finished"),
        body: format!(
            "Hello,\n\nThe batch you started in {course_name} has finished:\n{}\n\n\
             See every entry on the Membership tab:\n{site}/courses/{key}?tab=membership&batch={batch_id}\n\n\
             Or download the per-entry report as CSV:\n{site}/api/membership/batch_report.csv?course={key}&id={batch_id}\n\n\
             This message was sent by Registrar.",
            lines.join("\n")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invitations_say_how_to_register_and_whether_enrollment_is_automatic() {
        let m = enrollment(
            Notice::Invited,
            "Biology Basics",
            "https://reg.example.org/",
            "ada@example.org",
            true,
        );
        assert_eq!(m.subject, "You have been invited to register for Biology Basics");
        assert!(m.body.contains("https://reg.example.org/register"));
        assert!(m.body.contains("use ada@example.org"));
        assert!(m.body.contains("enrolled automatically"));
        let manual =
            enrollment(Notice::Invited, "Biology Basics", "https://reg.example.org", "a@b.org", false);
        assert!(manual.body.contains("able to enroll"));
    }

    #[test]
    fn batch_finished_links_to_the_report_and_its_csv() {
        let m = batch_finished(
            "Linear Algebra",
            "course-v1:MathX+ALG200+2026",
            "http://localhost:3000",
            "b-1",
            &[("Enrolled", 12), ("Invited", 3)],
        );
        assert!(m.subject.contains("Linear Algebra"));
        assert!(m.body.contains("Enrolled: 12"));
        assert!(m.body.contains("/courses/course-v1:MathX%2BALG200%2B2026?tab=membership&batch=b-1"));
        assert!(m.body.contains("batch_report.csv?course=course-v1:MathX%2BALG200%2B2026&id=b-1"));
    }
}
