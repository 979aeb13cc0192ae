//! Credits: an append-only ledger per account whose sum is the balance. Every write takes
//! the account's ledger lock, reads the balance, refuses to go below zero (409
//! `insufficient_credits`) and appends one row with the balance after it, in one
//! transaction; usage with an idempotency key already recorded answers that entry (the
//! same amount) or 409 `idempotency_key_reused` (another amount).

use diesel_async::AsyncConnection;
use gatehouse_shared::credits::{AdjustCredits, CreditTransaction, Credits, RecordUsage};
use uuid::Uuid;

use crate::db::credits::{self as q, CreditRow, NewCredit};
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

/// Appends an entry of `amount` under the ledger lock; refuses a balance below zero.
/// With `key`: the entry recorded before under it, when there is one (`false`: not new).
async fn append(
    conn: &mut Conn,
    account_id: Uuid,
    kind: &str,
    amount: i64,
    key: Option<&str>,
    description: &str,
    by: Option<Uuid>,
) -> AppResult<(CreditRow, bool)> {
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
        if after < 0 {
            return Err(AppError::Conflict {
                code: "insufficient_credits",
                message: format!("The account has {balance} credits; this needs {}.", -amount),
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
        "usage",
        -request.amount,
        Some(key),
        request.description.trim(),
        None,
    )
    .await?;
    Ok((view(&row), new))
}

/// Staff grant credits or adjust the balance.
pub async fn adjust(
    conn: &mut Conn,
    account_id: Uuid,
    staff: Uuid,
    request: &AdjustCredits,
) -> AppResult<CreditTransaction> {
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
    let (row, _) = append(
        conn,
        account_id,
        &request.kind,
        request.amount,
        None,
        description,
        Some(staff),
    )
    .await?;
    tracing::info!(account.id = %account_id, staff.id = %staff, kind = %request.kind, amount = request.amount, "credits adjusted by staff");
    Ok(view(&row))
}
