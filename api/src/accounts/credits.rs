//! Credits: an append-only ledger per account whose sum is the balance. Every write takes
//! the account's ledger lock, reads the balance, refuses to go below zero (409
//! `insufficient_credits`) and appends one row with the balance after it, in one
//! transaction; usage with an idempotency key already recorded answers that entry (the
//! same amount) or 409 `idempotency_key_reused` (another amount).

use diesel_async::AsyncConnection;
use gatehouse_shared::credits::{AdjustCredits, CreditTransaction, Credits, RecordUsage};
use uuid::Uuid;

use chrono::Utc;

use crate::admin::audit::Audit;
use crate::db::credits::{self as q, CreditRow, NewCredit};
use crate::db::plans;
use crate::db::Conn;
use crate::error::{AppError, AppResult};

/// Largest amount one entry may move.
const MAX_AMOUNT: i64 = 1_000_000;

pub fn view(row: &CreditRow) -> CreditTransaction {
    CreditTransaction {
        id: row.id,
        kind: row.kind.clone(),
        amount: row.amount,
        balance_after: row.balance_after,
        idempotency_key: row.idempotency_key.clone(),
        description: row.description.clone(),
        created_at: row.created_at.to_rfc3339(),
    }
}

/// The balance and the newest entries.
pub async fn credits(conn: &mut Conn, account_id: Uuid) -> AppResult<Credits> {
    Ok(Credits {
        balance: q::balance(conn, account_id).await?,
        transactions: q::history(conn, account_id, 100)
            .await?
            .iter()
            .map(view)
            .collect(),
    })
}

/// One ledger entry to append.
struct Entry<'a> {
    kind: &'a str,
    amount: i64,
    key: Option<&'a str>,
    description: &'a str,
    by: Option<Uuid>,
    /// Usage may take the balance below zero as far as the account's plans allow.
    overage: bool,
}

/// Appends an entry under the ledger lock; refuses a balance below zero (below the
/// plan's overage limit for usage). With a key: the entry recorded before under it, when
/// there is one (`false`: not new).
async fn append(
    conn: &mut Conn,
    account_id: Uuid,
    entry: Entry<'_>,
) -> AppResult<(CreditRow, bool)> {
    let Entry {
        kind,
        amount,
        key,
        description,
        by,
        overage,
    } = entry;
    conn.transaction::<_, AppError, _>(async |tx| {
        q::lock_ledger(tx, account_id).await?;
        if let Some(key) = key {
            if let Some(earlier) = q::by_key(tx, account_id, key).await? {
                return if earlier.amount == amount && earlier.kind == kind {
                    Ok((earlier, false))
                } else {
                    Err(AppError::Conflict {
                        code: "idempotency_key_reused",
                        message: "This idempotency key recorded another amount.".to_owned(),
                    })
                };
            }
        }
        let balance = q::balance(tx, account_id).await?;
        let after = balance + amount;
        let floor = if overage {
            -plans::overage_limit(tx, account_id, Utc::now()).await?
        } else {
            0
        };
        if after < floor.min(balance) {
            return Err(AppError::Conflict {
                code: "insufficient_credits",
                message: if floor < 0 {
                    format!(
                        "The account has {balance} credits and may go {} below zero; this needs {}.",
                        -floor, -amount
                    )
                } else {
                    format!("The account has {balance} credits; this needs {}.", -amount)
                },
            });
        }
        let row = q::insert(
            tx,
            &NewCredit {
                account_id,
                kind,
                amount,
                balance_after: after,
                idempotency_key: key,
                description,
                created_by: by,
            },
        )
        .await?;
        Ok((row, true))
    })
    .await
}

/// Integrators record usage (idempotently); `true` when this request recorded it.
pub async fn record_usage(
    conn: &mut Conn,
    account_id: Uuid,
    request: &RecordUsage,
) -> AppResult<(CreditTransaction, bool)> {
    let mut fields = std::collections::BTreeMap::new();
    if !(1..=MAX_AMOUNT).contains(&request.amount) {
        fields.insert("amount".to_owned(), format!("must be 1–{MAX_AMOUNT}"));
    }
    let key = request.idempotency_key.trim();
    if key.is_empty() || key.chars().count() > 200 {
        fields.insert(
            "idempotency_key".to_owned(),
            "must be 1–200 characters".to_owned(),
        );
    }
    if request.description.chars().count() > 500 {
        fields.insert(
            "description".to_owned(),
            "must be at most 500 characters".to_owned(),
        );
    }
    if !fields.is_empty() {
        return Err(AppError::Validation { fields });
    }
    let (row, new) = append(
        conn,
        account_id,
        Entry {
            kind: "usage",
            amount: -request.amount,
            key: Some(key),
            description: request.description.trim(),
            by: None,
            overage: true,
        },
    )
    .await?;
    Ok((view(&row), new))
}

/// Staff grant credits or adjust the balance; the entry and its audit record commit
/// together.
pub async fn adjust(
    conn: &mut Conn,
    account_id: Uuid,
    audit: &Audit,
    request: &AdjustCredits,
) -> AppResult<CreditTransaction> {
    let staff = audit
        .user_id()
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("credits adjusted by no one")))?;
    let mut fields = std::collections::BTreeMap::new();
    let amount_ok = match request.kind.as_str() {
        "grant" => (1..=MAX_AMOUNT).contains(&request.amount),
        "adjustment" => request.amount != 0 && request.amount.abs() <= MAX_AMOUNT,
        _ => {
            fields.insert("kind".to_owned(), "must be grant or adjustment".to_owned());
            true
        }
    };
    if !amount_ok {
        fields.insert(
            "amount".to_owned(),
            format!("must be 1–{MAX_AMOUNT} for a grant, or not 0 and within ±{MAX_AMOUNT} for an adjustment"),
        );
    }
    let description = request.description.trim();
    if description.is_empty() || description.chars().count() > 500 {
        fields.insert(
            "description".to_owned(),
            "must say why, in 1–500 characters".to_owned(),
        );
    }
    if !fields.is_empty() {
        return Err(AppError::Validation { fields });
    }
    let row = conn
        .transaction::<_, AppError, _>(async |tx| {
            let before = q::balance(tx, account_id).await?;
            let (row, _) = append(
                tx,
                account_id,
                Entry {
                    kind: &request.kind,
                    amount: request.amount,
                    key: None,
                    description,
                    by: Some(staff),
                    overage: false,
                },
            )
            .await?;
            audit
                .record(
                    tx,
                    "account.credits_adjusted",
                    ("account", &account_id.to_string()),
                    Some(&serde_json::json!({ "balance": before })),
                    Some(&serde_json::json!({
                        "balance": row.balance_after,
                        "kind": row.kind,
                        "amount": row.amount,
                        "description": row.description,
                        "transaction_id": row.id,
                    })),
                )
                .await?;
            Ok(row)
        })
        .await?;
    tracing::info!(account.id = %account_id, staff.id = %staff, kind = %request.kind, amount = request.amount, "credits adjusted by staff");
    Ok(view(&row))
}

/// How a new grant of plan credits treats what is left of the previous one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leftover {
    /// A new period began: unused plan credits do not roll over.
    Expires,
    /// Paid ahead (the period starts later): the current period's credits stay.
    Stays,
}

/// Grants a period's plan credits under `key` (`plan:…`, once per key); with
/// [`Leftover::Expires`] what is left of the previous plan grant expires first (credits
/// staff granted stay). Runs in the caller's transaction.
pub async fn renew_plan_grant(
    tx: &mut Conn,
    account_id: Uuid,
    key: &str,
    amount: i64,
    description: &str,
    leftover: Leftover,
) -> AppResult<bool> {
    debug_assert!(key.starts_with("plan:"));
    q::lock_ledger(tx, account_id).await?;
    if q::by_key(tx, account_id, key).await?.is_some() {
        return Ok(false);
    }
    if leftover == Leftover::Expires {
        if let Some(previous) = q::last_plan_grant(tx, account_id).await? {
            expire_rest(tx, account_id, &previous).await?;
        }
    }
    if amount > 0 {
        let balance = q::balance(tx, account_id).await?;
        q::insert(
            tx,
            &NewCredit {
                account_id,
                kind: "grant",
                amount,
                balance_after: balance + amount,
                idempotency_key: Some(key),
                description,
                created_by: None,
            },
        )
        .await?;
    }
    Ok(true)
}

/// What is left of the account's newest plan grant expires (a trial or a paid period
/// ended without another). Runs in the caller's transaction.
pub async fn expire_plan_grant(tx: &mut Conn, account_id: Uuid) -> AppResult<()> {
    q::lock_ledger(tx, account_id).await?;
    if let Some(previous) = q::last_plan_grant(tx, account_id).await? {
        expire_rest(tx, account_id, &previous).await?;
    }
    Ok(())
}

/// Expires what is left of `grant` (at most its amount, at most the balance), once.
async fn expire_rest(tx: &mut Conn, account_id: Uuid, grant: &CreditRow) -> AppResult<()> {
    let Some(grant_key) = grant.idempotency_key.as_deref() else {
        return Ok(());
    };
    let key = format!("expire:{grant_key}");
    if q::by_key(tx, account_id, &key).await?.is_some() {
        return Ok(());
    }
    let balance = q::balance(tx, account_id).await?;
    let left = grant.amount.min(balance);
    if left > 0 {
        q::insert(
            tx,
            &NewCredit {
                account_id,
                kind: "expiry",
                amount: -left,
                balance_after: balance - left,
                idempotency_key: Some(&key),
                description: "Unused plan credits of the last period",
                created_by: None,
            },
        )
        .await?;
    }
    Ok(())
}
