//! Email templates: a plain-text and an HTML body for every message.

use super::Email;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Wraps paragraphs and one call-to-action link in a small, client-safe HTML layout.
fn html(paragraphs: &[&str], action: Option<(&str, &str)>) -> String {
    let mut body = String::new();
    for paragraph in paragraphs {
        body.push_str(&format!(
            "<p style=\"margin:0 0 16px\">{}</p>",
            escape(paragraph)
        ));
    }
    if let Some((label, link)) = action {
        body.push_str(&format!(
            "<p style=\"margin:24px 0\"><a href=\"{href}\" style=\"background:#4338ca;color:#fff;\
             padding:12px 20px;border-radius:8px;text-decoration:none;font-weight:600\">{label}</a></p>\
             <p style=\"margin:0 0 16px;font-size:13px;color:#555\">Or open this link: {link}</p>",
            href = escape(link),
            label = escape(label),
            link = escape(link),
        ));
    }
    format!(
        "<!doctype html><html><body style=\"font-family:system-ui,sans-serif;color:#1a1a2e;\
         max-width:560px;margin:0 auto;padding:24px\">\
         <p style=\"font-weight:700;font-size:18px\">Gatehouse</p>{body}</body></html>"
    )
}

fn greeting(name: &str) -> String {
    if name.trim().is_empty() {
        "Hello,".to_owned()
    } else {
        format!("Hello {},", name.trim())
    }
}

/// Sent after sign-up: confirm the address.
pub fn verify_email(to: &str, name: &str, link: &str) -> Email {
    let hello = greeting(name);
    let lines = [
        hello.as_str(),
        "Please confirm your email address for Gatehouse. The link works once and for 10 minutes.",
        "If you did not sign up, you can ignore this email.",
    ];
    Email {
        to: to.to_owned(),
        template: "verify_email".to_owned(),
        subject: "Confirm your email address".to_owned(),
        text: format!("{}\n\n{}\n\n{link}\n\n{}\n", lines[0], lines[1], lines[2]),
        html: html(&lines, Some(("Confirm my address", link))),
    }
}

/// Sent on request: a code to sign in without a password.
pub fn login_code(to: &str, name: &str, code: &str) -> Email {
    let hello = greeting(name);
    let intro = "Your Gatehouse sign-in code is below. It works once and for 10 minutes.";
    let ignore =
        "If you did not ask for it, ignore this email; nobody can sign in without the code.";
    Email {
        to: to.to_owned(),
        template: "login_code".to_owned(),
        subject: format!("Your sign-in code: {code}"),
        text: format!("{hello}\n\n{intro}\n\n    {code}\n\n{ignore}\n"),
        html: html(
            &[hello.as_str(), intro, &format!("Code: {code}"), ignore],
            None,
        ),
    }
}

/// Sent on request: a link to choose a new password.
pub fn reset_password(to: &str, name: &str, link: &str) -> Email {
    let hello = greeting(name);
    let lines = [
        hello.as_str(),
        "Someone asked to reset the password of your Gatehouse account. The link works once and for 10 minutes; using it signs you out everywhere.",
        "If you did not ask for this, ignore this email: your password stays as it is.",
    ];
    Email {
        to: to.to_owned(),
        template: "reset_password".to_owned(),
        subject: "Reset your password".to_owned(),
        text: format!("{}\n\n{}\n\n{link}\n\n{}\n", lines[0], lines[1], lines[2]),
        html: html(&lines, Some(("Choose a new password", link))),
    }
}

/// Sent when someone signs up with an address that already has an account: the answer
/// to the sign-up does not say so, this email to the owner does.
pub fn account_exists(to: &str, sign_in_link: &str) -> Email {
    let lines = [
        "Hello,",
        "Someone, maybe you, tried to create a Gatehouse account with this email address. You already have an account.",
        "If it was you, sign in instead. If you forgot your password, you can reset it from the sign-in page. If it was not you, you can ignore this email.",
    ];
    Email {
        to: to.to_owned(),
        template: "account_exists".to_owned(),
        subject: "You already have a Gatehouse account".to_owned(),
        text: format!(
            "{}\n\n{}\n\n{}\n\n{sign_in_link}\n",
            lines[0], lines[1], lines[2]
        ),
        html: html(&lines, Some(("Sign in", sign_in_link))),
    }
}

/// A message of paragraphs after a greeting, with an optional call to action; text and
/// HTML from the same lines.
fn notice(
    to: &str,
    name: &str,
    template: &str,
    subject: &str,
    paragraphs: &[&str],
    action: Option<(&str, &str)>,
) -> Email {
    let hello = greeting(name);
    let mut lines = vec![hello.as_str()];
    lines.extend_from_slice(paragraphs);
    let mut text = lines.join("\n\n");
    if let Some((label, link)) = action {
        text.push_str(&format!("\n\n{label}: {link}"));
    }
    text.push('\n');
    Email {
        to: to.to_owned(),
        template: template.to_owned(),
        subject: subject.to_owned(),
        text,
        html: html(&lines, action),
    }
}

/// Sent when a renewal payment failed and the account is past due.
pub fn payment_failed(to: &str, name: &str, grace_days: u64, billing_link: &str) -> Email {
    let grace = format!(
        "Your subscription stays active for {grace_days} more days while we retry. Please update \
         your payment method before then to keep access."
    );
    notice(
        to,
        name,
        "payment_failed",
        "Your payment did not go through",
        &[
            "We could not collect the latest payment for your Gatehouse subscription.",
            &grace,
        ],
        Some(("Update payment method", billing_link)),
    )
}

/// Sent when a subscription has ended.
pub fn subscription_cancelled(to: &str, name: &str, billing_link: &str) -> Email {
    notice(
        to,
        name,
        "subscription_cancelled",
        "Your subscription has ended",
        &[
            "Your Gatehouse subscription has been cancelled and its products are no longer available.",
            "You can subscribe again at any time.",
        ],
        Some(("See plans", billing_link)),
    )
}

/// Sent a few days before a trial ends (Stripe's `trial_will_end`).
pub fn trial_ending(to: &str, name: &str, ends_on: &str, billing_link: &str) -> Email {
    let when = format!("Your free trial ends on {ends_on}.");
    notice(
        to,
        name,
        "trial_ending",
        "Your trial is ending soon",
        &[
            &when,
            "Add a payment method to keep your products without interruption.",
        ],
        Some(("Manage billing", billing_link)),
    )
}

/// Sent when a free trial ended and nothing pays for the account yet.
pub fn trial_ended(to: &str, name: &str, billing_link: &str) -> Email {
    notice(
        to,
        name,
        "trial_ended",
        "Your free trial has ended",
        &[
            "Your free trial is over, so its products are paused.",
            "Choose a plan to pick up where you left off: your data is kept.",
        ],
        Some(("Choose a plan", billing_link)),
    )
}

/// Sent during sign-up: a code proving the address before payment.
pub fn onboarding_code(to: &str, name: &str, code: &str) -> Email {
    let code_line = format!("Your code: {code}");
    notice(
        to,
        name,
        "onboarding_code",
        &format!("Your Gatehouse sign-up code: {code}"),
        &[
            "Enter this code to confirm your email address and continue to payment. It works once and for 10 minutes.",
            &code_line,
            "If you are not signing up for Gatehouse, ignore this email.",
        ],
        None,
    )
}

/// Sent after a paid sign-up created the account: choose a password.
pub fn set_password(to: &str, name: &str, link: &str) -> Email {
    notice(
        to,
        name,
        "set_password",
        "Welcome to Gatehouse: choose your password",
        &[
            "Thank you for your purchase; your account is ready. Choose a password to sign in. The link works once and for 10 minutes; the sign-up page can send a new one, and so can \"Forgot password\".",
        ],
        Some(("Choose my password", link)),
    )
}

/// An operational alert for staff (capacity running out, say).
pub fn staff_alert(to: &str, name: &str, subject: &str, text: &str) -> Email {
    notice(to, name, "staff_alert", subject, &[text], None)
}

/// Sent when someone joins the waitlist.
pub fn waitlist_joined(to: &str, name: &str) -> Email {
    notice(
        to,
        name,
        "waitlist_joined",
        "You are on the Gatehouse waitlist",
        &[
            "Thank you for your interest. You are on the waitlist; we will email you as soon as there is a place for you.",
            "If you did not ask for this, ignore this email and you will not hear from us again.",
        ],
        None,
    )
}

/// Sent when a member invites someone to an account.
pub fn invitation(to: &str, account: &str, inviter: &str, link: &str) -> Email {
    let text = format!(
        "{inviter} invited you to join {account} on Gatehouse. The link works once and for 7 days; sign in (or sign up) with this address to accept."
    );
    notice(
        to,
        "",
        "invitation",
        &format!("Join {account} on Gatehouse"),
        &[&text, "If you did not expect this, ignore this email."],
        Some(("Accept the invitation", link)),
    )
}

/// Sent when staff invite someone from the waitlist.
pub fn waitlist_invite(to: &str, name: &str, link: &str) -> Email {
    notice(
        to,
        name,
        "waitlist_invite",
        "Your place at Gatehouse is ready",
        &["Thank you for waiting. You can now sign up and choose your plan."],
        Some(("Sign up now", link)),
    )
}

/// Sent on request: a code to recover a cancelled or unpaid account.
pub fn recovery_code(to: &str, name: &str, code: &str) -> Email {
    let code_line = format!("Your code: {code}");
    notice(
        to,
        name,
        "recovery_code",
        &format!("Your Gatehouse recovery code: {code}"),
        &[
            "Someone, probably you, asked to recover your Gatehouse account. Enter this code to continue. It works once and for 10 minutes.",
            &code_line,
            "If it was not you, ignore this email: nothing changes without the code.",
        ],
        None,
    )
}

/// Sent to the customer when staff reply to their ticket.
pub fn ticket_reply(to: &str, name: &str, ticket_subject: &str, link: &str) -> Email {
    notice(
        to,
        name,
        "ticket_reply",
        &format!("New reply to your ticket: {ticket_subject}"),
        &[
            &format!("Our support team replied to your ticket \"{ticket_subject}\"."),
            "Read the reply and answer it on the ticket's page; replying by email does not reach us.",
        ],
        Some(("Open the ticket", link)),
    )
}

/// Sent to support staff when a customer opens a ticket (`opened`) or replies to one,
/// with a link to the ticket's staff page (`/admin/tickets/{id}`).
pub fn ticket_for_staff(
    to: &str,
    name: &str,
    opened: bool,
    ticket_subject: &str,
    priority: &str,
    customer: &str,
    link: &str,
) -> Email {
    let (template, subject, what) = if opened {
        (
            "ticket_opened",
            format!("New {priority} ticket: {ticket_subject}"),
            format!("{customer} opened a ticket \"{ticket_subject}\" ({priority} priority)."),
        )
    } else {
        (
            "ticket_customer_reply",
            format!("Customer reply on ticket: {ticket_subject}"),
            format!("{customer} replied to the ticket \"{ticket_subject}\"."),
        )
    };
    notice(
        to,
        name,
        template,
        &subject,
        &[
            &what,
            "Read it and reply on the ticket's page in the admin area.",
        ],
        Some(("Open the ticket", link)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_links_are_escaped_in_html() {
        let email = verify_email(
            "a@b.c",
            "<script>x</script>",
            "https://g.example/v?token=a&b",
        );
        assert!(!email.html.contains("<script>"));
        assert!(email.html.contains("&lt;script&gt;"));
        assert!(email.html.contains("token=a&amp;b"));
        assert!(email.text.contains("https://g.example/v?token=a&b"));
        assert!(email.text.starts_with("Hello <script>x</script>,"));
    }

    #[test]
    fn billing_notices_carry_the_link_in_both_bodies() {
        let email = payment_failed("a@b.c", "Ada", 7, "https://g.example/billing");
        assert_eq!(email.template, "payment_failed");
        assert!(email.text.contains("7 more days"));
        assert!(email.text.contains("https://g.example/billing"));
        assert!(email.html.contains("href=\"https://g.example/billing\""));
        let email = trial_ending("a@b.c", "", "2026-12-01", "https://g.example/billing");
        assert!(email
            .text
            .starts_with("Hello,\n\nYour free trial ends on 2026-12-01."));
    }

    #[test]
    fn ticket_emails_link_to_each_side_s_page() {
        let email = ticket_reply(
            "a@b.c",
            "Ada",
            "Refund",
            "https://g.example/support/tickets/7",
        );
        assert_eq!(email.template, "ticket_reply");
        assert!(email
            .text
            .contains("Open the ticket: https://g.example/support/tickets/7"));
        let link = "https://g.example/admin/tickets/7";
        let email = ticket_for_staff("s@b.c", "Sue", true, "Refund", "high", "Ada", link);
        assert_eq!(email.template, "ticket_opened");
        assert_eq!(email.subject, "New high ticket: Refund");
        assert!(email
            .text
            .contains("Ada opened a ticket \"Refund\" (high priority)."));
        assert!(email.text.contains(&format!("Open the ticket: {link}")));
        assert!(email.html.contains(&format!("href=\"{link}\"")));
        assert!(!email.text.contains("admin API"));
        let email = ticket_for_staff("s@b.c", "Sue", false, "Refund", "high", "Ada", link);
        assert_eq!(email.template, "ticket_customer_reply");
        assert!(email.text.contains(&format!("Open the ticket: {link}")));
    }
}
