//! Where the account stands, as the billing page's banner says it: one pure function of
//! the API's overview, tested without a browser.

use gatehouse_shared::billing::BillingOverview;

use super::format::date_or;

/// The banner's colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Good,
    Neutral,
    Warning,
    Danger,
}

impl Tone {
    /// The banner's CSS modifier.
    pub fn class(self) -> &'static str {
        match self {
            Self::Good => "standing standing--good",
            Self::Neutral => "standing standing--neutral",
            Self::Warning => "standing standing--warning",
            Self::Danger => "standing standing--danger",
        }
    }
}

/// What the banner says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Banner {
    pub tone: Tone,
    pub title: &'static str,
    pub text: String,
    /// Payment failed: the banner offers the way out, a new payment method (the Customer
    /// Portal).
    pub fix_payment: bool,
}

impl Banner {
    fn new(tone: Tone, title: &'static str, text: String) -> Self {
        Self {
            tone,
            title,
            text,
            fix_payment: false,
        }
    }
}

/// The banner for an account, or `None` when it never subscribed (the page shows how to
/// start instead).
pub fn banner(overview: &BillingOverview) -> Option<Banner> {
    let subscription = overview.subscription.as_ref();
    let period_end = subscription.and_then(|sub| sub.current_period_end.as_deref());
    let ending = subscription.is_some_and(|sub| sub.cancel_at_period_end);
    let end = || date_or(period_end, "the end of the period");
    let banner = match overview.account_status.as_str() {
        "suspended" if subscription.is_none() => Banner::new(
            Tone::Danger,
            "Suspended",
            "Access to this account is suspended. Please contact support.".to_owned(),
        ),
        _ if subscription.is_none() => return None,
        "trial" => {
            let trial_end = subscription.and_then(|sub| sub.trial_end.as_deref());
            let trial_end = date_or(trial_end.or(period_end), "the end of the trial");
            let text = if ending {
                format!("Your trial ends on {trial_end}, and your subscription ends with it.")
            } else {
                format!("Your trial ends on {trial_end}; your plan continues after it.")
            };
            Banner::new(Tone::Good, "Free trial", text)
        }
        "active" if ending => Banner::new(
            Tone::Warning,
            "Cancels at the end of the period",
            format!(
                "Your subscription ends on {}. Everything keeps working until then; resume it to keep your plan.",
                end()
            ),
        ),
        "active" => Banner::new(
            Tone::Good,
            "Active",
            format!("Your plan renews on {}.", end()),
        ),
        "past_due" => {
            let grace = date_or(overview.grace_ends_at.as_deref(), "the grace period ends");
            Banner {
                fix_payment: true,
                ..Banner::new(
                    Tone::Danger,
                    "Payment failed",
                    format!(
                        "We could not take your last payment. Update your payment method to keep your plan: access continues until {grace}."
                    ),
                )
            }
        }
        "pending_payment" => Banner::new(
            Tone::Warning,
            "Payment pending",
            "Your payment has not arrived yet. Your plan starts as soon as it does.".to_owned(),
        ),
        "suspended" => Banner {
            fix_payment: true,
            ..Banner::new(
                Tone::Danger,
                "Suspended",
                "Access is suspended because payment failed. Update your payment method to restore it.".to_owned(),
            )
        },
        _ => Banner::new(
            Tone::Neutral,
            "Cancelled",
            format!(
                "Your subscription ended on {}. Choose a plan to subscribe again.",
                end()
            ),
        ),
    };
    Some(banner)
}

/// Whether there is anything to say about the account's standing ([`banner`] is `Some`).
pub fn has_standing(overview: &BillingOverview) -> bool {
    overview.subscription.is_some() || overview.account_status == "suspended"
}

/// Whether the subscription is running (so it can be changed, cancelled or resumed).
pub fn is_running(overview: &BillingOverview) -> bool {
    overview
        .subscription
        .as_ref()
        .is_some_and(|sub| matches!(sub.status.as_str(), "active" | "trialing" | "past_due"))
}

#[cfg(test)]
mod tests {
    use gatehouse_shared::billing::SubscriptionView;

    use super::*;

    fn overview(account_status: &str, status: &str, ending: bool) -> BillingOverview {
        BillingOverview {
            account_status: account_status.to_owned(),
            grace_ends_at: None,
            subscription: Some(SubscriptionView {
                status: status.to_owned(),
                current_period_end: Some("2027-01-15T09:30:00+00:00".to_owned()),
                cancel_at_period_end: ending,
                trial_end: None,
                items: Vec::new(),
            }),
            entitlements: Vec::new(),
        }
    }

    #[test]
    fn active_subscriptions_renew_or_end_on_their_period_end() {
        let active = banner(&overview("active", "active", false)).unwrap();
        assert_eq!(active.title, "Active");
        assert_eq!(active.text, "Your plan renews on 15 January 2027.");
        assert_eq!(active.tone, Tone::Good);

        let ending = banner(&overview("active", "active", true)).unwrap();
        assert_eq!(ending.title, "Cancels at the end of the period");
        assert!(ending
            .text
            .starts_with("Your subscription ends on 15 January 2027."));
        assert_eq!(ending.tone, Tone::Warning);
    }

    #[test]
    fn trials_announce_their_end() {
        let mut trial = overview("trial", "trialing", false);
        trial.subscription.as_mut().unwrap().trial_end = Some("2026-12-24T00:00:00Z".into());
        let shown = banner(&trial).unwrap();
        assert_eq!(shown.title, "Free trial");
        assert!(shown.text.contains("Your trial ends on 24 December 2026"));
    }

    #[test]
    fn a_failed_payment_points_at_the_payment_method_and_the_grace_period() {
        let mut past_due = overview("past_due", "past_due", false);
        past_due.grace_ends_at = Some("2027-01-22T09:30:00+00:00".into());
        let shown = banner(&past_due).unwrap();
        assert_eq!(shown.title, "Payment failed");
        assert_eq!(shown.tone, Tone::Danger);
        assert!(shown.fix_payment);
        assert!(shown
            .text
            .ends_with("access continues until 22 January 2027."));

        let suspended = banner(&overview("suspended", "unpaid", false)).unwrap();
        assert_eq!(suspended.title, "Suspended");
        assert!(suspended.fix_payment);
    }

    #[test]
    fn ended_subscriptions_and_accounts_that_never_subscribed() {
        let cancelled = banner(&overview("cancelled", "canceled", false)).unwrap();
        assert_eq!(cancelled.title, "Cancelled");
        assert!(cancelled.text.contains("ended on 15 January 2027"));
        assert!(!is_running(&overview("cancelled", "canceled", false)));
        assert!(is_running(&overview("past_due", "past_due", false)));

        let mut never = overview("active", "active", false);
        never.subscription = None;
        assert_eq!(banner(&never), None);
        assert!(!has_standing(&never));
        assert!(!is_running(&never));
        never.account_status = "suspended".into();
        assert_eq!(banner(&never).unwrap().title, "Suspended");
        assert!(has_standing(&never));
    }

    #[test]
    fn pending_payments_wait_for_the_money() {
        let pending = banner(&overview("pending_payment", "incomplete", false)).unwrap();
        assert_eq!(pending.title, "Payment pending");
    }
}
