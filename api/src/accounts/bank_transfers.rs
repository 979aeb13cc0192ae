//! Manual payments: staff confirm a bank transfer that arrived (reference, amount, payer)
//! for one period of a plan. In one transaction: the transfer is kept (each reference
//! once), a plan period starts (where the last paid one ends, when that is still ahead),
//! the account becomes `active`, the plan's credits for the period are granted (a ledger
//! row), seats follow by an order, and an audit record is written.

use chrono::Utc;
use diesel_async::AsyncConnection;
use gatehouse_shared::catalog::BillingPeriod;
use gatehouse_shared::plans::{BankTransfer, BankTransfers, ConfirmBankTransfer};
use std::collections::BTreeMap;
use uuid::Uuid;

use super::periods;
use super::status::{self, Actor};
use crate::admin::audit::Audit;
use crate::db::plans::{self as q, NewPeriod, NewTransfer, Period, Transfer};
use crate::db::{billing, catalog, Conn};
use crate::error::{AppError, AppResult};

fn view(transfer: &Transfer, period: &Period, plan_name: String) -> BankTransfer {
    BankTransfer {
        id: transfer.id,
        account_id: transfer.account_id,
        reference: transfer.reference.clone(),
        amount_minor: transfer.amount_minor,
        currency: transfer.currency.clone(),
        payer: transfer.payer.clone(),
        plan_name,
        starts_at: period.starts_at.to_rfc3339(),
        ends_at: period.ends_at.to_rfc3339(),
        confirmed_at: transfer.confirmed_at.to_rfc3339(),
    }
}

pub async fn list(conn: &mut Conn, account_id: Uuid) -> AppResult<BankTransfers> {
    let mut transfers = Vec::new();
    for (transfer, period) in q::transfers_of(conn, account_id).await? {
        let name = catalog::product_name(conn, period.product_id)
            .await?
            .unwrap_or_default();
        transfers.push(view(&transfer, &period, name));
    }
    Ok(BankTransfers { transfers })
}

pub async fn confirm(
    conn: &mut Conn,
    account_id: Uuid,
    audit: &Audit,
    request: &ConfirmBankTransfer,
) -> AppResult<BankTransfer> {
    let staff = audit
        .user_id()
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("a transfer needs a staff member")))?;
    let reference = request.reference.trim();
    let payer = request.payer.trim();
    let currency = request.currency.trim().to_ascii_lowercase();
    let mut fields = BTreeMap::new();
    if reference.is_empty() || reference.chars().count() > 100 {
        fields.insert(
            "reference".to_owned(),
            "must be 1–100 characters".to_owned(),
        );
    }
    if payer.is_empty() || payer.chars().count() > 200 {
        fields.insert("payer".to_owned(), "must be 1–200 characters".to_owned());
    }
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_lowercase()) {
        fields.insert(
            "currency".to_owned(),
            "must be a three-letter currency code".to_owned(),
        );
    }
    if request.amount_minor <= 0 {
        fields.insert("amount_minor".to_owned(), "must be more than 0".to_owned());
    }
    let plan = catalog::find_product_by_slug(conn, request.plan.trim())
        .await?
        .filter(|product| product.kind == "plan");
    let Some(plan) = plan else {
        fields.insert("plan".to_owned(), "is not a plan".to_owned());
        return Err(AppError::Validation { fields });
    };
    if !fields.contains_key("currency") {
        let price = catalog::active_prices(conn, &[plan.id])
            .await?
            .into_iter()
            .find(|price| {
                price.billing_period == request.period.as_str() && price.currency == currency
            });
        match price {
            None => {
                fields.insert(
                    "currency".to_owned(),
                    format!(
                        "{} has no {} price in {}",
                        plan.name,
                        request.period.as_str(),
                        currency.to_uppercase()
                    ),
                );
            }
            Some(price)
                if request.amount_minor > 0 && request.amount_minor < price.amount_minor =>
            {
                fields.insert(
                    "amount_minor".to_owned(),
                    format!(
                        "is less than the {} price ({} {})",
                        request.period.as_str(),
                        price.amount_minor,
                        currency.to_uppercase()
                    ),
                );
            }
            Some(_) => {}
        }
    }
    if !fields.is_empty() {
        return Err(AppError::Validation { fields });
    }
    let terms = q::terms(conn, plan.id).await?;
    let now = Utc::now();
    let (transfer, period) = conn
        .transaction::<_, AppError, _>(async |tx| {
            let account = billing::account_for_update(tx, account_id)
                .await?
                .ok_or(AppError::NotFound)?;
            let starts_at = q::last_transfer_end(tx, account_id)
                .await?
                .filter(|end| *end > now)
                .unwrap_or(now);
            let months = match request.period {
                BillingPeriod::Month => 1,
                BillingPeriod::Year => 12,
            };
            let period = q::insert_period(
                tx,
                &NewPeriod {
                    account_id,
                    product_id: plan.id,
                    source: "bank_transfer",
                    starts_at,
                    ends_at: periods::period_end(starts_at, months),
                    created_by: Some(staff),
                },
            )
            .await?;
            let transfer = q::insert_transfer(
                tx,
                &NewTransfer {
                    account_id,
                    reference,
                    amount_minor: request.amount_minor,
                    currency: &currency,
                    payer,
                    plan_period_id: period.id,
                    confirmed_by: staff,
                },
            )
            .await?
            .ok_or_else(|| AppError::Conflict {
                code: "transfer_already_confirmed",
                message: format!("The transfer {reference} was confirmed before."),
            })?;
            // A staff hold (suspension) outlasts the payment; reactivating settles it.
            if account.held_at.is_none() {
                let reason = format!("bank transfer {reference} confirmed");
                status::change(
                    tx,
                    account_id,
                    &account.status,
                    "active",
                    Actor::Staff(staff),
                    &reason,
                )
                .await?;
            }
            super::credits::renew_plan_grant(
                tx,
                account_id,
                &format!("plan:transfer:{}", transfer.id),
                terms.monthly_credits * i64::from(months),
                &format!("{} credits, paid by bank transfer {reference}", plan.name),
                if starts_at > now {
                    super::credits::Leftover::Stays
                } else {
                    super::credits::Leftover::Expires
                },
            )
            .await?;
            crate::instances::orders::request(tx, account_id, "plan_period", None).await?;
            audit
                .record(
                    tx,
                    "account.bank_transfer_confirmed",
                    ("account", &account_id.to_string()),
                    Some(&serde_json::json!({ "status": account.status })),
                    Some(&serde_json::json!({
                        "status": "active",
                        "transfer_id": transfer.id,
                        "reference": reference,
                        "amount_minor": request.amount_minor,
                        "currency": currency,
                        "payer": payer,
                        "plan": plan.slug,
                        "period_starts_at": period.starts_at,
                        "period_ends_at": period.ends_at,
                    })),
                )
                .await?;
            Ok((transfer, period))
        })
        .await?;
    tracing::info!(account.id = %account_id, staff.id = %staff, reference, "bank transfer confirmed");
    Ok(view(&transfer, &period, plan.name))
}
