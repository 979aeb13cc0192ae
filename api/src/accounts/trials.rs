//! Free trials: an account that has never paid may try a plan whose terms offer a trial
//! (`plan_terms.trial_days`), once. The trial is a plan period of that length: the
//! account moves to `trial`, gets the plan's entitlements and seats and the trial's
//! credits. Converting is an ordinary Checkout (`POST billing/checkout`): the paid
//! subscription takes over and the trial's leftover credits expire with the first
//! invoice's grant. A trial that ends unpaid is settled by the periods sweep.

use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use gatehouse_shared::plans::{StartTrial, Trial, TrialOffer, TrialPlan};
use uuid::Uuid;

use super::status::{self, Actor};
use crate::admin::audit::Audit;
use crate::db::plans::{self as q, NewPeriod, Period};
use crate::db::{billing, catalog, Conn};
use crate::error::{AppError, AppResult};

fn unavailable(message: &str) -> AppError {
    AppError::Conflict {
        code: "trial_unavailable",
        message: message.to_owned(),
    }
}

async fn view(conn: &mut Conn, period: &Period, now: DateTime<Utc>) -> AppResult<Trial> {
    let plan = catalog::find_product(conn, period.product_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Trial {
        plan_slug: plan.slug,
        plan_name: plan.name,
        started_at: period.starts_at.to_rfc3339(),
        ends_at: period.ends_at.to_rfc3339(),
        ended: period.ends_at <= now,
    })
}

/// Why the account may not start a trial, if it may not.
async fn refusal(conn: &mut Conn, account_id: Uuid) -> AppResult<Option<&'static str>> {
    if q::trial_of(conn, account_id).await?.is_some() {
        return Ok(Some("This account has had its free trial."));
    }
    if !billing::subscription_statuses(conn, account_id)
        .await?
        .is_empty()
    {
        return Ok(Some(
            "Free trials are for accounts that have never subscribed.",
        ));
    }
    let status = billing::account_billing(conn, account_id)
        .await?
        .map(|account| account.status)
        .ok_or(AppError::NotFound)?;
    if !status::allowed(&status, "trial") {
        return Ok(Some("This account cannot start a trial now."));
    }
    Ok(None)
}

pub async fn offer(conn: &mut Conn, account_id: Uuid) -> AppResult<TrialOffer> {
    let now = Utc::now();
    let plans: Vec<TrialPlan> = q::trial_plans(conn)
        .await?
        .into_iter()
        .map(|(_, slug, name, terms)| TrialPlan {
            slug,
            name,
            days: terms.trial_days,
            credits: terms.trial_credits,
        })
        .collect();
    let trial = match q::trial_of(conn, account_id).await? {
        Some(period) => Some(view(conn, &period, now).await?),
        None => None,
    };
    let eligible = !plans.is_empty() && refusal(conn, account_id).await?.is_none();
    Ok(TrialOffer {
        eligible,
        plans,
        trial,
    })
}

/// Starts the account's free trial of `request.plan` (or the first plan offering one).
/// 409 `trial_unavailable` when the account had one, ever paid, or no plan offers one.
pub async fn start(
    conn: &mut Conn,
    account_id: Uuid,
    audit: &Audit,
    request: &StartTrial,
) -> AppResult<Trial> {
    let plans = q::trial_plans(conn).await?;
    let chosen = match request.plan.as_deref() {
        None => plans.first(),
        Some(slug) => {
            let found = plans.iter().find(|(_, s, _, _)| s == slug);
            if found.is_none() {
                return Err(AppError::Validation {
                    fields: [(
                        "plan".to_owned(),
                        "is not a plan with a free trial".to_owned(),
                    )]
                    .into(),
                });
            }
            found
        }
    };
    let Some((plan_id, _, plan_name, terms)) = chosen.cloned() else {
        return Err(unavailable("No plan offers a free trial."));
    };
    let now = Utc::now();
    let period = conn
        .transaction::<_, AppError, _>(async |tx| {
            let account = billing::account_for_update(tx, account_id)
                .await?
                .ok_or(AppError::NotFound)?;
            if let Some(why) = refusal(tx, account_id).await? {
                return Err(unavailable(why));
            }
            let period = q::insert_period(
                tx,
                &NewPeriod {
                    account_id,
                    product_id: plan_id,
                    source: "trial",
                    starts_at: now,
                    ends_at: now + chrono::Duration::days(i64::from(terms.trial_days)),
                    created_by: audit.user_id(),
                },
            )
            .await?;
            let actor = audit.user_id().map_or(Actor::System, Actor::User);
            let reason = format!("a free trial of {plan_name} started");
            status::change(tx, account_id, &account.status, "trial", actor, &reason).await?;
            super::credits::renew_plan_grant(
                tx,
                account_id,
                &format!("plan:trial:{}", period.id),
                terms.trial_credits,
                &format!("Free trial of {plan_name}"),
                super::credits::Leftover::Expires,
            )
            .await?;
            crate::instances::orders::request(tx, account_id, "plan_period", None).await?;
            audit
                .record(
                    tx,
                    "account.trial_started",
                    ("account", &account_id.to_string()),
                    Some(&serde_json::json!({ "status": account.status })),
                    Some(&serde_json::json!({
                        "status": "trial",
                        "plan": plan_name,
                        "ends_at": period.ends_at,
                    })),
                )
                .await?;
            Ok(period)
        })
        .await?;
    view(conn, &period, now).await
}
