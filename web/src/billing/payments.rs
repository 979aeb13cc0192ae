//! The account's payments: a table on wide screens, a block of labelled lines per payment
//! on a phone (the CSS does that from each cell's `data-label`).

use gatehouse_shared::billing::PaymentView;
use gatehouse_shared::catalog::format_amount;
use leptos::prelude::*;

use super::format::{format_date, payment_status};
use super::Billing;

/// The period an invoice covers: `1 January 2027 – 1 February 2027`.
pub fn covered_period(payment: &PaymentView) -> String {
    match (&payment.period_start, &payment.period_end) {
        (Some(start), Some(end)) if start != end => {
            format!("{} – {}", format_date(start), format_date(end))
        }
        (Some(day), _) | (None, Some(day)) => format_date(day),
        (None, None) => "—".to_owned(),
    }
}

/// What the invoice asks, or what was paid once it is paid.
pub fn payment_amount(payment: &PaymentView) -> String {
    let amount = if payment.status == "paid" {
        payment.amount_paid_minor
    } else {
        payment.amount_due_minor
    };
    format_amount(amount, &payment.currency)
}

fn row(payment: &PaymentView) -> impl IntoView {
    let date = format_date(&payment.created);
    let invoice = payment.hosted_invoice_url.clone().map(|url| {
        // The visible words first in the name (speech input users say what they see).
        let of = format!(" of {date}");
        view! {
            <a href=url rel="noopener">
                "View invoice"<span class="visually-hidden">{of}</span>
            </a>
        }
    });
    view! {
        <tr>
            <td data-label="Date">{date}</td>
            <td data-label="Period">{covered_period(payment)}</td>
            <td data-label="Amount" class="payments__amount">{payment_amount(payment)}</td>
            <td data-label="Status">{payment_status(&payment.status).to_owned()}</td>
            <td data-label="Invoice">{invoice}</td>
        </tr>
    }
}

pub fn payments(billing: Billing) -> impl IntoView {
    view! {
        <section class="card account__card" aria-labelledby="payments-title">
            <h2 id="payments-title" class="account__title">"Payments"</h2>
            {move || billing.payments.with(|answer| match answer {
                None => view! {
                    <p class="billing__waiting">
                        <span class="spinner" aria-hidden="true"></span>
                        "Loading payments…"
                    </p>
                }
                .into_any(),
                Some(Err(error)) => view! { <div class="form-error" role="alert">{error.message()}</div> }.into_any(),
                Some(Ok(answer)) if answer.payments.is_empty() => {
                    view! { <p class="details__empty">"No payments yet."</p> }.into_any()
                }
                Some(Ok(answer)) => view! {
                    <table class="payments">
                        <caption class="visually-hidden">"Your payments, newest first"</caption>
                        <thead>
                            <tr>
                                <th scope="col">"Date"</th>
                                <th scope="col">"Period"</th>
                                <th scope="col" class="payments__amount">"Amount"</th>
                                <th scope="col">"Status"</th>
                                <th scope="col">"Invoice"</th>
                            </tr>
                        </thead>
                        <tbody>{answer.payments.iter().map(row).collect_view()}</tbody>
                    </table>
                }
                .into_any(),
            })}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payment(status: &str) -> PaymentView {
        PaymentView {
            invoice_id: "in_1".into(),
            status: status.into(),
            amount_due_minor: 2900,
            amount_paid_minor: if status == "paid" { 2900 } else { 0 },
            currency: "eur".into(),
            hosted_invoice_url: None,
            period_start: Some("2027-01-01T00:00:00Z".into()),
            period_end: Some("2027-02-01T00:00:00Z".into()),
            created: "2027-01-01T00:00:05Z".into(),
        }
    }

    #[test]
    fn payments_show_their_period_and_amount() {
        let paid = payment("paid");
        assert_eq!(covered_period(&paid), "1 January 2027 – 1 February 2027");
        assert_eq!(payment_amount(&paid), "29.00 EUR");
        let open = payment("open");
        assert_eq!(payment_amount(&open), "29.00 EUR");
        let mut instant = payment("paid");
        instant.period_end = instant.period_start.clone();
        assert_eq!(covered_period(&instant), "1 January 2027");
        instant.period_start = None;
        instant.period_end = None;
        assert_eq!(covered_period(&instant), "—");
    }
}
