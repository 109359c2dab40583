//! The wording of the mail Registrar sends, one function per message kind: enrollment notices,
//! finished batches, account deletion (confirm and cancel links), password links, invitations, and
//! a learner record sent to a credit pathway. Plain text; names and links included so the message
//! stands on its own. It must not decide who gets mail or queue it: the use cases do.

use registrar::enrollment::Notice;

/// A composed message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Composed {
    pub subject: String,
    pub body: String,
}

/// The message for an enrollment notice.
#[must_use]
/// `register_link`: where an invited address registers (the invitation's own link, which proves
/// the address); other notices do not use it.
pub fn enrollment(
    notice: Notice,
    course_name: &str,
    site_url: &str,
    register_link: &str,
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
                    "Hello,\n\nYou have been invited to join {course_name}. {then}\n\nRegister with this link \
                     (it fills in this address and confirms it):\n{register_link}\n\nThis message was sent by \
                     Registrar at the request of the course team."
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

/// The link that confirms a deletion asked for by an account without a password (valid an hour).
#[must_use]
pub fn confirm_deletion(full_name: &str, username: &str, link: &str) -> Composed {
    Composed {
        subject: "Confirm the deletion of your account".to_owned(),
        body: format!(
            "Hello {full_name},\n\nSomeone signed in as {username} asked to delete this account on Registrar. To \
             confirm, open this link within an hour:\n{link}\n\nIf it was not you, ignore this mail: nothing \
             happens without the link.\n"
        ),
    }
}

/// The deletion is queued: when it happens, and the link that cancels it during the cool-off.
#[must_use]
pub fn deletion_queued(full_name: &str, username: &str, due_date: &str, link: &str) -> Composed {
    Composed {
        subject: "Your account is queued for deletion".to_owned(),
        body: format!(
            "Hello {full_name},\n\nWe received a request to delete your account {username} on Registrar. It will \
             be deleted on {due_date} (UTC).\n\nChanged your mind? Cancel the deletion before then:\n{link}\n\n\
             If you did not ask for this, cancel it with the link above and change your password.\n"
        ),
    }
}

/// A single-use link to choose a password, mailed by an administrator.
#[must_use]
pub fn password_link(full_name: &str, username: &str, until_date: &str, link: &str) -> Composed {
    Composed {
        subject: "Choose your Registrar password".to_owned(),
        body: format!(
            "Hello {full_name},\n\nAn administrator asked Registrar to send you a link to choose a password for \
             the account {username}. It works once, until {until_date}:\n\n{link}\n\nIf you did not expect \
             this, you can ignore it: your password stays as it is.\n"
        ),
    }
}

/// The link asked for on the sign-in page by whoever forgot the password (valid an hour).
#[must_use]
pub fn forgotten_password(full_name: &str, username: &str, until_date: &str, link: &str) -> Composed {
    Composed {
        subject: "Choose a new Registrar password".to_owned(),
        body: format!(
            "Hello {full_name},\n\nSomeone asked on the sign-in page for a link to choose a new password for \
             your Registrar account {username}. It works once, until {until_date}:\n\n{link}\n\nIf it was not \
             you, ignore this message: your password stays as it is.\n"
        ),
    }
}

/// Told to the address of an account whose password its owner just changed.
#[must_use]
pub fn password_changed(full_name: &str, username: &str) -> Composed {
    Composed {
        subject: "Your Registrar password was changed".to_owned(),
        body: format!(
            "Hello {full_name},\n\nThe password of your Registrar account {username} was just changed, and \
             every other session and API token of the account ended.\n\nIf it was not you, choose a new \
             password with \"Forgot password?\" on the sign-in page at once.\n"
        ),
    }
}

/// The link, mailed to the new address, that changes an account's address to it.
#[must_use]
pub fn email_change_link(username: &str, new_email: &str, until_date: &str, link: &str) -> Composed {
    Composed {
        subject: "Confirm your new email address for Registrar".to_owned(),
        body: format!(
            "Hello,\n\nThe Registrar account {username} asked to use {new_email} as its address. If that is \
             your account, follow this link while signed in to it (it works once, until {until_date}) and the \
             change is made:\n\n{link}\n\nIf it is not your account, ignore this message: nothing changes.\n"
        ),
    }
}

/// Told to the old address when an account asks to change its address.
#[must_use]
pub fn email_change_requested(full_name: &str, username: &str, new_email: &str) -> Composed {
    Composed {
        subject: "Your Registrar account asked to change its email address".to_owned(),
        body: format!(
            "Hello {full_name},\n\nSomeone signed in as {username} asked to change the account's address to \
             {new_email}. The change happens only when the link mailed there is followed.\n\nIf it was not \
             you, change your password with \"Forgot password?\" on the sign-in page: the request dies with it.\n"
        ),
    }
}

/// Told to an account whose owner turned two-step sign-in on or off.
#[must_use]
pub fn second_factor_changed(full_name: &str, username: &str, on: bool) -> Composed {
    let (subject, what) = if on {
        (
            "Two-step sign-in is on for your Registrar account",
            "turned on two-step sign-in with an authenticator app",
        )
    } else {
        ("Two-step sign-in is off for your Registrar account", "turned off two-step sign-in")
    };
    Composed {
        subject: subject.to_owned(),
        body: format!(
            "Hello {full_name},\n\nSomeone signed in as {username} {what}, giving the account's password.\n\n\
             If it was not you, choose a new password with \"Forgot password?\" on the sign-in page and tell your \
             administrator.\n"
        ),
    }
}

/// Told to an account whose second factor an administrator took away.
#[must_use]
pub fn second_factor_reset(full_name: &str, username: &str) -> Composed {
    Composed {
        subject: "Two-step sign-in was turned off for your Registrar account".to_owned(),
        body: format!(
            "Hello {full_name},\n\nAn administrator turned off two-step sign-in for your Registrar account \
             {username}, as asked when a phone and its recovery codes are lost. Your password alone signs you \
             in now; set up an authenticator app again on My account.\n\nIf you did not ask for this, tell \
             your administrator and change your password.\n"
        ),
    }
}

/// Told to those who set up accounts, at most once a day, when people registered under the private
/// policy and wait. It names nobody (a mail to an admin is not retired with the registrant).
#[must_use]
pub fn accounts_waiting(full_name: &str, link: &str) -> Composed {
    Composed {
        subject: "New Registrar accounts wait to be set up".to_owned(),
        body: format!(
            "Hello {full_name},\n\nPeople registered on Registrar and wait for an administrator to set up their \
             accounts. See who waits:\n\n{link}\n\nYou get this at most once a day.\n"
        ),
    }
}

/// The link that unlocks an account that was guessed at from several places.
#[must_use]
pub fn unlock_link(full_name: &str, username: &str, link: &str) -> Composed {
    Composed {
        subject: "Your Registrar account was locked after failed sign-ins".to_owned(),
        body: format!(
            "Hello {full_name},\n\nSomeone tried many wrong passwords for your Registrar account {username} from \
             several places, so it takes no password for a while. If it was you, or to sign in now, unlock it \
             with this link:\n\n{link}\n\nIf it was not you, your password held; consider choosing a longer one.\n"
        ),
    }
}

/// The link that proves a new account controls its address (invitations to it are redeemed then).
#[must_use]
pub fn confirm_address(
    full_name: &str,
    username: &str,
    email: &str,
    until_date: &str,
    link: &str,
) -> Composed {
    Composed {
        subject: "Confirm your email address for Registrar".to_owned(),
        body: format!(
            "Hello {full_name},\n\nPlease confirm that {email} is the address of your Registrar account \
             {username}. Follow this link (it works until {until_date}); anything you were invited to with \
             this address is added to your account then:\n\n{link}\n\nIf you did not create this account, \
             ignore this message: nothing addressed to you is given to it.\n"
        ),
    }
}

/// An invitation to create an account with this address (`valid_until`: a date, or none).
#[must_use]
pub fn invitation(link: &str, valid_until: Option<&str>) -> Composed {
    let until = valid_until.map(|d| format!(" It is valid until {d}.")).unwrap_or_default();
    Composed {
        subject: "You are invited to Registrar".to_owned(),
        body: format!("Hello,\n\nYou are invited to Registrar.{until} Create your account with this email address:\n\n{link}\n"),
    }
}

/// What a learner sends a credit pathway: who, which program record, and the links to it.
pub struct PathwayRequest<'a> {
    pub org_name: &'a str,
    pub pathway_name: &'a str,
    pub learner_name: &'a str,
    pub learner_email: &'a str,
    pub program_title: &'a str,
    pub completed: bool,
    pub platform_name: &'a str,
    pub from: &'a str,
    pub link: &'a str,
    /// Sent before: the subject says it is an update.
    pub again: bool,
}

/// The mail a credit pathway's organisation receives (answered to the learner).
#[must_use]
pub fn pathway_request(r: &PathwayRequest<'_>) -> Composed {
    let progress = if r.completed { "completed" } else { "partially completed" };
    Composed {
        subject: format!(
            "{}{} Credit Request for {}",
            if r.again { "Updated: " } else { "" },
            r.program_title,
            r.learner_name
        ),
        body: format!(
            "Dear {org},\n\n{name} would like to apply for credit in the {pathway}. {name} has sent their \
             {progress} program record for {program} from {platform}.\n\nView the program record: {link}\n\
             Download the record as CSV: {link}/csv\n\nReplying to this mail reaches {name} ({email}).\n\n\
             Sent by {platform} ({from}) on behalf of {name}.",
            org = r.org_name,
            name = r.learner_name,
            pathway = r.pathway_name,
            program = r.program_title,
            platform = r.platform_name,
            email = r.learner_email,
            link = r.link,
            from = r.from,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invitations_say_how_to_register_and_whether_enrollment_is_automatic() {
        let link = "https://reg.example.org/register?email=ada%40example.org&invitation=t.1.ab";
        let m = enrollment(Notice::Invited, "Biology Basics", "https://reg.example.org/", link, true);
        assert_eq!(m.subject, "You have been invited to register for Biology Basics");
        assert!(m.body.contains(&format!("\n{link}\n")), "the link whole, on a line of its own");
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

    #[test]
    fn account_mails_name_the_account_and_carry_the_link_whole() {
        let m = confirm_deletion("Ada Lovelace", "ada", "https://r.example/account/confirm-deletion?token=t");
        assert_eq!(m.subject, "Confirm the deletion of your account");
        assert!(m.body.starts_with("Hello Ada Lovelace,\n\nSomeone signed in as ada asked to delete"));
        assert!(m.body.contains("To confirm, open this link within an hour:\nhttps://r.example/account/confirm-deletion?token=t\n"));
        let m = deletion_queued("Ada Lovelace", "ada", "2027-01-15", "https://r.example/cancel");
        assert!(m.body.contains("It will be deleted on 2027-01-15 (UTC)."));
        assert!(m.body.contains("before then:\nhttps://r.example/cancel\n\nIf you did not ask for this"));
        let m = password_link("Ada Lovelace", "ada", "2027-01-15", "https://r.example/reset");
        assert_eq!(m.subject, "Choose your Registrar password");
        assert!(m
            .body
            .contains("for the account ada. It works once, until 2027-01-15:\n\nhttps://r.example/reset\n"));
    }

    #[test]
    fn invitations_mention_an_end_only_when_there_is_one() {
        let open = invitation("https://r.example/register?email=a%40b.org", None);
        assert_eq!(
            open.body,
            "Hello,\n\nYou are invited to Registrar. Create your account with this email address:\n\nhttps://r.example/register?email=a%40b.org\n"
        );
        let dated = invitation("https://r.example/register", Some("2027-02-01"));
        assert!(dated.body.contains("You are invited to Registrar. It is valid until 2027-02-01. Create"));
    }

    #[test]
    fn pathway_requests_say_who_sends_what_and_mark_updates() {
        let request = PathwayRequest {
            org_name: "State University",
            pathway_name: "Credit Pathway",
            learner_name: "Ada Lovelace",
            learner_email: "ada@example.org",
            program_title: "Data Science",
            completed: false,
            platform_name: "Registrar",
            from: "partners@example.org",
            link: "https://r.example/records/shared/s1",
            again: false,
        };
        let m = pathway_request(&request);
        assert_eq!(m.subject, "Data Science Credit Request for Ada Lovelace");
        assert!(m
            .body
            .contains("has sent their partially completed program record for Data Science from Registrar."));
        assert!(m.body.contains("Download the record as CSV: https://r.example/records/shared/s1/csv"));
        assert!(m.body.contains("Replying to this mail reaches Ada Lovelace (ada@example.org)."));
        let again = pathway_request(&PathwayRequest { again: true, completed: true, ..request });
        assert!(again.subject.starts_with("Updated: "));
        assert!(again.body.contains("their completed program record"));
    }
}
