//! The account page's "Adjust credits": staff grant credits (a positive amount) or adjust
//! the balance either way (never below zero), with a description the ledger keeps.
//! Checked here before sending, then by the API, whose refusals show beside their fields
//! (`409 insufficient_credits` beside the amount).

use gatehouse_shared::credits::AdjustCredits;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::detail::{reason_problem, Desk};
use crate::admin::InputField;
use crate::browser::focus_id;
use crate::form::{server_errors, FieldErrors, FormError, FormStatus, Select, SubmitButton};
use crate::home::credits::{format_credits, signed_credits};

/// The kinds of change staff make.
const KINDS: [(&str, &str); 2] = [
    ("grant", "Grant (adds credits)"),
    ("adjustment", "Adjustment (adds or takes away)"),
];

/// The form's fields, labelled for [`server_errors`].
const FIELDS: [(&str, &str); 3] = [
    ("kind", "Kind"),
    ("amount", "Amount"),
    ("description", "Description"),
];

/// The change as typed, checked: a grant adds a whole number of credits, an adjustment
/// adds (`40`) or takes away (`-40`) some; the description says why.
pub fn check_credits(
    kind: &str,
    amount: &str,
    description: &str,
) -> Result<AdjustCredits, FieldErrors> {
    let mut errors = FieldErrors::new();
    let parsed = amount.trim().trim_start_matches('+').parse::<i64>().ok();
    match (kind, parsed) {
        ("grant", Some(amount)) if amount > 0 => {}
        ("grant", _) => {
            errors.insert(
                "amount",
                "Enter how many credits to grant, a whole number above 0.".into(),
            );
        }
        ("adjustment", Some(amount)) if amount != 0 => {}
        ("adjustment", _) => {
            errors.insert(
                "amount",
                "Enter a whole number of credits other than 0: 40 adds, -40 takes away.".into(),
            );
        }
        _ => {
            errors.insert("kind", "Choose a grant or an adjustment.".into());
        }
    }
    if let Some(problem) = reason_problem(description) {
        errors.insert("description", problem);
    }
    match parsed {
        Some(amount) if errors.is_empty() => Ok(AdjustCredits {
            kind: kind.to_owned(),
            amount,
            description: description.trim().to_owned(),
        }),
        _ => Err(errors),
    }
}

#[component]
pub(super) fn CreditsForm(desk: Desk) -> impl IntoView {
    let kind = RwSignal::new("grant".to_owned());
    let amount = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let errors = FIELDS.map(|_| RwSignal::new(None::<String>));
    let [kind_error, amount_error, description_error] = errors;
    let form_error = RwSignal::new(None::<String>);
    let said = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let show = move |found: &FieldErrors| {
        for ((field, _), error) in FIELDS.iter().zip(errors) {
            error.set(found.get(field).cloned());
        }
    };
    let focus_first = move |found: &FieldErrors| {
        if let Some((field, _)) = FIELDS.iter().find(|(f, _)| found.contains_key(f)) {
            focus_id(&format!("credits-{field}"));
        }
    };

    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        form_error.set(None);
        said.set(None);
        let body = match check_credits(
            &kind.get_untracked(),
            &amount.get_untracked(),
            &description.get_untracked(),
        ) {
            Ok(body) => body,
            Err(found) => {
                show(&found);
                focus_first(&found);
                return;
            }
        };
        show(&FieldErrors::new());
        let id = desk.id.get_value();
        pending.set(true);
        spawn_local(async move {
            let answer = desk
                .auth
                .call(|api| async move { api.adjust_credits(&id, &body).await })
                .await;
            if pending.try_set(false).is_some() {
                return;
            }
            match answer {
                Ok(recorded) => {
                    let message = format!(
                        "{} credits recorded; the balance is {} credits now.",
                        signed_credits(recorded.amount),
                        format_credits(recorded.balance_after)
                    );
                    amount.set(String::new());
                    description.set(String::new());
                    desk.read(move || _ = said.try_set(Some(message)));
                }
                Err(failure) if failure.code() == Some("insufficient_credits") => {
                    amount_error.set(Some(failure.message()));
                    form_error.set(Some("Please correct the highlighted fields.".into()));
                    focus_id("credits-amount");
                }
                Err(failure) => {
                    let (inline, summary) = server_errors(&failure, &FIELDS);
                    show(&inline);
                    form_error.set(Some(summary));
                    focus_first(&inline);
                }
            }
        });
    };

    view! {
        <section class="card account__card" aria-labelledby="credits-title">
            <h2 id="credits-title" class="account__title">"Credits"</h2>
            <p class="account__text">
                "Balance: "
                {move || desk.with(|d| format_credits(d.credits_balance)).unwrap_or_default()}
                " credits."
            </p>
            <FormStatus message=said.into() />
            <form class="form billing__panel" novalidate aria-labelledby="credits-form-title" on:submit=on_submit>
                <h3 id="credits-form-title" class="billing__panel-title">"Adjust credits"</h3>
                <FormError message=form_error.into() />
                <div class="audit__fields">
                    <Select id="credits-kind" name="kind" label="Kind" choices=&KINDS value=kind error=kind_error />
                    <InputField
                        id="credits-amount"
                        label="Amount"
                        hint="Whole credits; an adjustment may be negative."
                        inputmode="numeric"
                        value=amount
                        error=amount_error
                    />
                </div>
                <InputField
                    id="credits-description"
                    label="Description"
                    hint="Why; the account’s ledger keeps it."
                    value=description
                    error=description_error
                />
                <div class="account__actions">
                    <SubmitButton pending=pending.into() label="Record credits" busy_label="Recording…" />
                </div>
            </form>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grants_add_and_adjustments_go_either_way() {
        let grant = check_credits("grant", " +250 ", "Goodwill after the outage").unwrap();
        assert_eq!((grant.kind.as_str(), grant.amount), ("grant", 250));
        assert!(check_credits("grant", "-5", "x")
            .unwrap_err()
            .contains_key("amount"));
        assert_eq!(
            check_credits("adjustment", "-40", "Refunded usage")
                .unwrap()
                .amount,
            -40
        );
        let errors = check_credits("adjustment", "0", " ").unwrap_err();
        assert!(errors.contains_key("amount"));
        assert!(errors.contains_key("description"));
        assert!(check_credits("bonus", "5", "x")
            .unwrap_err()
            .contains_key("kind"));
    }
}
