//! How billing shows dates and money: pure functions, tested without a browser.

use gatehouse_shared::catalog::{format_amount, BillingPeriod};

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The day of an RFC 3339 time as people read it, e.g. `2027-03-05T10:00:00+00:00` →
/// `5 March 2027`. The API speaks UTC, and a day is all billing needs. Anything that is
/// not such a time is shown as it came.
pub fn format_date(rfc3339: &str) -> String {
    let day = rfc3339.get(..10).unwrap_or(rfc3339);
    let mut parts = day.split('-');
    let (Some(year), Some(month), Some(day_of_month), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return rfc3339.to_owned();
    };
    let month = month
        .parse::<usize>()
        .ok()
        .and_then(|month| MONTHS.get(month.wrapping_sub(1)));
    match (month, day_of_month.parse::<u8>()) {
        (Some(month), Ok(day)) if year.len() == 4 && (1..=31).contains(&day) => {
            format!("{day} {month} {year}")
        }
        _ => rfc3339.to_owned(),
    }
}

/// [`format_date`] of an optional time; `fallback` when there is none.
pub fn date_or(rfc3339: Option<&str>, fallback: &str) -> String {
    rfc3339.map_or_else(|| fallback.to_owned(), format_date)
}

/// `29.00 EUR / month`.
pub fn price_per_period(
    amount_minor: i64,
    currency: &str,
    period: Option<BillingPeriod>,
) -> String {
    let amount = format_amount(amount_minor, currency);
    match period {
        Some(period) => format!("{amount} / {}", period.as_str()),
        None => amount,
    }
}

/// `Monthly` or `Yearly`.
pub fn period_name(period: BillingPeriod) -> &'static str {
    match period {
        BillingPeriod::Month => "Monthly",
        BillingPeriod::Year => "Yearly",
    }
}

/// What an invoice's status means to the customer.
pub fn payment_status(status: &str) -> &str {
    match status {
        "paid" => "Paid",
        "open" => "Due",
        "void" => "Void",
        "uncollectible" => "Failed",
        "draft" => "Draft",
        other => other,
    }
}

/// The sum a plan change charges now, as a label and an amount: Stripe's total when it
/// is positive, or the credit the account keeps when the new plan costs less.
pub fn due_now(amount_due_minor: i64, currency: &str) -> (&'static str, String) {
    if amount_due_minor < 0 {
        (
            "Credit to your account",
            format_amount(-amount_due_minor, currency),
        )
    } else {
        ("Total due now", format_amount(amount_due_minor, currency))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_as_day_month_year() {
        assert_eq!(format_date("2027-03-05T10:00:00+00:00"), "5 March 2027");
        assert_eq!(format_date("2026-12-31T23:59:59Z"), "31 December 2026");
        assert_eq!(format_date("2026-01-01"), "1 January 2026");
        // Not a time: shown as it came, never a panic.
        assert_eq!(format_date("soon"), "soon");
        assert_eq!(format_date("2026-13-01T00:00:00Z"), "2026-13-01T00:00:00Z");
        assert_eq!(format_date("2026-00-01"), "2026-00-01");
        assert_eq!(format_date(""), "");
        assert_eq!(
            date_or(None, "the end of the period"),
            "the end of the period"
        );
    }

    #[test]
    fn prices_name_their_period() {
        assert_eq!(
            price_per_period(2900, "eur", Some(BillingPeriod::Month)),
            "29.00 EUR / month"
        );
        assert_eq!(
            price_per_period(79000, "usd", Some(BillingPeriod::Year)),
            "790.00 USD / year"
        );
        assert_eq!(price_per_period(5, "eur", None), "0.05 EUR");
    }

    #[test]
    fn invoice_statuses_read_as_words() {
        assert_eq!(payment_status("paid"), "Paid");
        assert_eq!(payment_status("open"), "Due");
        assert_eq!(payment_status("uncollectible"), "Failed");
        assert_eq!(payment_status("something_new"), "something_new");
    }

    #[test]
    fn a_cheaper_plan_leaves_credit_instead_of_a_negative_charge() {
        assert_eq!(due_now(2000, "eur"), ("Total due now", "20.00 EUR".into()));
        assert_eq!(due_now(0, "eur"), ("Total due now", "0.00 EUR".into()));
        assert_eq!(
            due_now(-1250, "eur"),
            ("Credit to your account", "12.50 EUR".into())
        );
    }
}
