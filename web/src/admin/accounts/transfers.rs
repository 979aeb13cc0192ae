//! The account page's bank transfers: those staff confirmed (each pays for one period of
//! a plan), and "Confirm bank transfer": the bank's reference, what arrived (typed in
//! major units, sent in minor ones), its currency, who sent it, and the plan and period
//! it pays for (the plans of the public catalog). Checked here before sending, then by
//! the API, whose refusals show beside their fields; a reference confirmed before is
//! refused (`409`).

use gatehouse_shared::catalog::{format_amount, BillingPeriod, CatalogResponse, ProductKind};
use gatehouse_shared::plans::{BankTransfer, ConfirmBankTransfer};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::detail::{stacked_table, Desk};
use crate::admin::{time_text, InputField};
use crate::api::ApiError;
use crate::billing::format::format_date;
use crate::browser::focus_id;
use crate::form::{server_errors, FieldErrors, FormError, FormStatus, Select, SubmitButton};

/// An amount typed in major units (`29`, `29.5`, `29.00`, `29,00`) in minor units
/// (`2900`); `None` unless it is a positive number with at most two decimals.
pub fn minor_units(typed: &str) -> Option<i64> {
    let typed = typed.trim();
    let (whole, fraction) = match typed.split_once(['.', ',']) {
        Some((whole, fraction)) => (whole, fraction),
        None => (typed, ""),
    };
    let digits = |text: &str| text.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || fraction.len() > 2 || !digits(whole) || !digits(fraction) {
        return None;
    }
    let cents = match fraction.len() {
        0 => 0,
        1 => fraction.parse::<i64>().ok()? * 10,
        _ => fraction.parse::<i64>().ok()?,
    };
    let minor = whole
        .parse::<i64>()
        .ok()?
        .checked_mul(100)?
        .checked_add(cents)?;
    (minor > 0).then_some(minor)
}

/// The catalog's plans (slug, name), each once, and the currencies their prices are in.
pub fn plans_of(catalog: &CatalogResponse) -> (Vec<(String, String)>, Vec<String>) {
    let mut plans: Vec<(String, String)> = Vec::new();
    let mut currencies: Vec<String> = Vec::new();
    for product in catalog.pages.iter().flat_map(|page| &page.products) {
        if product.kind != ProductKind::Plan || plans.iter().any(|(slug, _)| *slug == product.slug)
        {
            continue;
        }
        plans.push((product.slug.clone(), product.name.clone()));
        for price in &product.prices {
            if !currencies.contains(&price.currency) {
                currencies.push(price.currency.clone());
            }
        }
    }
    (plans, currencies)
}

/// The transfer as typed, checked: the request, or errors by the API's field names.
pub fn check_transfer(
    reference: &str,
    amount: &str,
    currency: &str,
    payer: &str,
    plan: &str,
    period: &str,
) -> Result<ConfirmBankTransfer, FieldErrors> {
    let mut errors = FieldErrors::new();
    let (reference, currency, payer) = (reference.trim(), currency.trim(), payer.trim());
    match reference.chars().count() {
        0 => {
            _ = errors.insert(
                "reference",
                "Enter the bank’s reference for the transfer.".into(),
            )
        }
        1..=100 => {}
        _ => _ = errors.insert("reference", "Keep the reference to 100 characters.".into()),
    }
    let amount_minor = minor_units(amount);
    if amount_minor.is_none() {
        errors.insert(
            "amount_minor",
            "Enter the amount that arrived, such as 29.00 (at most two decimals).".into(),
        );
    }
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_alphabetic()) {
        errors.insert(
            "currency",
            "Enter a three-letter currency code, such as EUR.".into(),
        );
    }
    match payer.chars().count() {
        0 => _ = errors.insert("payer", "Enter who sent the transfer.".into()),
        1..=200 => {}
        _ => _ = errors.insert("payer", "Keep the payer to 200 characters.".into()),
    }
    if plan.trim().is_empty() {
        errors.insert("plan", "Choose the plan the transfer pays for.".into());
    }
    let period = BillingPeriod::parse(period);
    if period.is_none() {
        errors.insert("period", "Choose the period the transfer pays for.".into());
    }
    match (amount_minor, period) {
        (Some(amount_minor), Some(period)) if errors.is_empty() => Ok(ConfirmBankTransfer {
            reference: reference.to_owned(),
            amount_minor,
            currency: currency.to_ascii_lowercase(),
            payer: payer.to_owned(),
            plan: plan.trim().to_owned(),
            period,
        }),
        _ => Err(errors),
    }
}

/// The form's fields, in its order, labelled for [`server_errors`].
const FIELDS: [(&str, &str); 6] = [
    ("reference", "Reference"),
    ("payer", "Payer"),
    ("plan", "Plan"),
    ("period", "Period"),
    ("amount_minor", "Amount"),
    ("currency", "Currency"),
];

/// The period's choices.
const PERIODS: [(&str, &str); 2] = [("month", "A month"), ("year", "A year")];

const COLUMNS: [&str; 6] = [
    "Confirmed",
    "Reference",
    "Amount",
    "Payer",
    "Plan",
    "Pays for",
];

/// The confirmed transfers, newest first.
#[component]
pub(super) fn TransfersTable(desk: Desk) -> impl IntoView {
    move || {
        desk.with(|d| {
            if d.bank_transfers.is_empty() {
                return view! { <p class="account__text">"No bank transfers confirmed."</p> }
                    .into_any();
            }
            let rows = d.bank_transfers.iter().map(transfer_row).collect_view();
            stacked_table(
                "transfers-caption",
                "Confirmed bank transfers, newest first",
                &COLUMNS,
                rows,
            )
            .into_any()
        })
    }
}

fn transfer_row(transfer: &BankTransfer) -> impl IntoView {
    view! {
        <tr role="row">
            <td class="admin-table__nowrap" role="cell" data-label=COLUMNS[0]>{time_text(&transfer.confirmed_at)}</td>
            <td class="admin-table__wrap" role="cell" data-label=COLUMNS[1]><code>{transfer.reference.clone()}</code></td>
            <td class="admin-table__nowrap" role="cell" data-label=COLUMNS[2]>
                {format_amount(transfer.amount_minor, &transfer.currency)}
            </td>
            <td class="admin-table__wrap" role="cell" data-label=COLUMNS[3]>{transfer.payer.clone()}</td>
            <td role="cell" data-label=COLUMNS[4]>{transfer.plan_name.clone()}</td>
            <td role="cell" data-label=COLUMNS[5]>
                {format_date(&transfer.starts_at)}" – "{format_date(&transfer.ends_at)}
            </td>
        </tr>
    }
}

/// "Confirm bank transfer".
#[component]
pub(super) fn TransferForm(desk: Desk) -> impl IntoView {
    let plans = RwSignal::new(None::<Result<(Vec<(String, String)>, Vec<String>), ApiError>>);
    let read_plans = move || {
        plans.set(None);
        spawn_local(async move {
            let answer = crate::api::catalog().await;
            _ = plans.try_set(Some(answer.map(|catalog| plans_of(&catalog))));
        });
    };
    read_plans();

    let values = FIELDS.map(|_| RwSignal::new(String::new()));
    let [reference, payer, plan, period, amount, currency] = values;
    period.set("month".into());
    currency.set("eur".into());
    let errors = FIELDS.map(|_| RwSignal::new(None::<String>));
    let [reference_error, payer_error, plan_error, period_error, amount_error, currency_error] =
        errors;
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
            focus_id(&format!("transfer-{field}"));
        }
    };

    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        form_error.set(None);
        said.set(None);
        let checked = check_transfer(
            &reference.get_untracked(),
            &amount.get_untracked(),
            &currency.get_untracked(),
            &payer.get_untracked(),
            &plan.get_untracked(),
            &period.get_untracked(),
        );
        let body = match checked {
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
                .call(|api| async move { api.confirm_bank_transfer(&id, &body).await })
                .await;
            if pending.try_set(false).is_some() {
                return;
            }
            match answer {
                Ok(transfer) => {
                    let message = format!(
                        "Transfer {} of {} confirmed: {} is paid from {} to {}.",
                        transfer.reference,
                        format_amount(transfer.amount_minor, &transfer.currency),
                        transfer.plan_name,
                        format_date(&transfer.starts_at),
                        format_date(&transfer.ends_at)
                    );
                    for value in [reference, payer, amount] {
                        value.set(String::new());
                    }
                    desk.read(move || {
                        _ = said.try_set(Some(message));
                        focus_id("transfers-title");
                    });
                }
                Err(failure) if failure.code() == Some("transfer_already_confirmed") => {
                    reference_error.set(Some(failure.message()));
                    form_error.set(Some("Please correct the highlighted fields.".into()));
                    focus_id("transfer-reference");
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
        <FormStatus message=said.into() />
        <form class="form billing__panel" novalidate aria-labelledby="transfer-form-title" on:submit=on_submit>
            <h3 id="transfer-form-title" class="billing__panel-title">"Confirm bank transfer"</h3>
            <p class="field__hint">
                "A transfer that arrived pays for one period of a plan: the account is active for it and gets the plan’s credits."
            </p>
            <FormError message=form_error.into() />
            <div class="audit__fields">
                <InputField id="transfer-reference" label="Reference" value=reference error=reference_error />
                <InputField id="transfer-payer" label="Payer" hint="Who sent it, as the bank shows." value=payer error=payer_error />
                {move || plans.with(|plans| match plans {
                    None => view! {
                        <div class="loading" role="status" aria-live="polite" aria-busy="true">
                            <span class="spinner" aria-hidden="true"></span>
                            "Loading the plans…"
                        </div>
                    }
                    .into_any(),
                    Some(Err(failure)) => view! {
                        <div class="field">
                            <FormError message=Signal::derive({
                                let message = format!("The plans could not be loaded: {}", failure.message());
                                move || Some(message.clone())
                            }) />
                            <button class="button button--secondary button--small" type="button" on:click=move |_| read_plans()>
                                "Retry"
                            </button>
                        </div>
                    }
                    .into_any(),
                    Some(Ok((choices, _))) => view! {
                        <PlanSelect choices=choices.clone() value=plan error=plan_error />
                    }
                    .into_any(),
                })}
                <Select
                    id="transfer-period"
                    name="period"
                    label="Period"
                    choices=&PERIODS
                    value=period
                    error=period_error
                />
                <InputField
                    id="transfer-amount_minor"
                    label="Amount"
                    hint="What arrived, such as 29.00."
                    inputmode="decimal"
                    value=amount
                    error=amount_error
                />
                // Drawn again once the catalog's currencies arrive (its value and error
                // live outside, so nothing typed is lost).
                {move || {
                    let suggestions = plans.with(|plans| match plans {
                        Some(Ok((_, currencies))) => currencies.clone(),
                        _ => Vec::new(),
                    });
                    view! {
                        <InputField
                            id="transfer-currency"
                            label="Currency"
                            hint="Three letters, such as EUR."
                            suggestions=suggestions
                            value=currency
                            error=currency_error
                        />
                    }
                }}
            </div>
            <div class="account__actions">
                <SubmitButton pending=pending.into() label="Confirm bank transfer" busy_label="Confirming…" />
            </div>
        </form>
    }
}

/// The plan's `<select>`, of the catalog's plans (loaded, so not [`Select`]'s fixed
/// choices), wired the same way.
#[component]
fn PlanSelect(
    choices: Vec<(String, String)>,
    value: RwSignal<String>,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    view! {
        <div class="field" class:field--invalid=move || error.with(Option::is_some)>
            <label class="field__label" for="transfer-plan">"Plan"</label>
            <select
                class="field__input"
                id="transfer-plan"
                name="plan"
                aria-required="true"
                aria-invalid=move || error.with(Option::is_some).then_some("true")
                aria-describedby=move || error.with(Option::is_some).then_some("transfer-plan-error")
                on:change=move |event| {
                    error.set(None);
                    value.set(event_target_value(&event));
                }
            >
                <option value="" prop:selected=move || value.with(String::is_empty)>"Choose a plan"</option>
                {choices
                    .into_iter()
                    .map(|(slug, name)| {
                        let selected = slug.clone();
                        view! {
                            <option value=slug prop:selected=move || value.with(|v| *v == selected)>{name}</option>
                        }
                    })
                    .collect_view()}
            </select>
            <p class="field__error" id="transfer-plan-error" hidden=move || error.with(Option::is_none)>
                {move || error.get()}
            </p>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_in_major_units_become_minor_units() {
        assert_eq!(minor_units("29"), Some(2900));
        assert_eq!(minor_units(" 29.5 "), Some(2950));
        assert_eq!(minor_units("29,05"), Some(2905));
        assert_eq!(minor_units("0.01"), Some(1));
        assert_eq!(minor_units("0"), None);
        assert_eq!(minor_units("12.345"), None);
        assert_eq!(minor_units("-5"), None);
        assert_eq!(minor_units("twelve"), None);
        assert_eq!(minor_units(".50"), None);
        assert_eq!(minor_units("1.2.3"), None);
        assert_eq!(minor_units("99999999999999999999"), None);
    }

    #[test]
    fn transfers_are_checked_before_sending() {
        let body =
            check_transfer(" BANK-1 ", "29", "EUR", "Ada Lovelace", "team", "month").unwrap();
        assert_eq!(body.reference, "BANK-1");
        assert_eq!(body.amount_minor, 2900);
        assert_eq!(body.currency, "eur");
        assert_eq!(body.period, BillingPeriod::Month);
        let errors = check_transfer("", "1.234", "euro", " ", "", "week").unwrap_err();
        assert_eq!(
            errors.keys().copied().collect::<Vec<_>>(),
            [
                "amount_minor",
                "currency",
                "payer",
                "period",
                "plan",
                "reference"
            ]
        );
    }

    #[test]
    fn plans_come_from_the_catalog_once_each() {
        let catalog: CatalogResponse = serde_json::from_value(serde_json::json!({"pages": [
            {"slug": "a", "products": [
                {"id": "00000000-0000-0000-0000-000000000001", "slug": "team", "name": "Team",
                 "description": "", "kind": "plan", "parent_slug": null, "needs_instance": false,
                 "entitlements": [], "yearly_savings_percent": null,
                 "prices": [{"id": "00000000-0000-0000-0000-000000000002", "period": "month", "amount_minor": 2900, "currency": "eur"}]},
                {"id": "00000000-0000-0000-0000-000000000003", "slug": "storage-100gb", "name": "Storage",
                 "description": "", "kind": "storage_add_on", "parent_slug": "team", "needs_instance": false,
                 "entitlements": [], "yearly_savings_percent": null, "prices": []}
            ]},
            {"slug": "b", "products": [
                {"id": "00000000-0000-0000-0000-000000000001", "slug": "team", "name": "Team",
                 "description": "", "kind": "plan", "parent_slug": null, "needs_instance": false,
                 "entitlements": [], "yearly_savings_percent": null, "prices": []}
            ]}
        ]}))
        .unwrap();
        let (plans, currencies) = plans_of(&catalog);
        assert_eq!(plans, [("team".to_owned(), "Team".to_owned())]);
        assert_eq!(currencies, ["eur"]);
    }
}
