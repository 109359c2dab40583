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
}
