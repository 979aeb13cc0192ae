//! Turning a paid sign-up into a user and an account. Runs inside the transaction that
//! stores the subscription (billing's processing of Stripe's events), so the account, its
//! subscription and the welcome email commit together or not at all, however often and
//! in whatever order the events arrive.

use uuid::Uuid;

use crate::db::identity::{self as users, NewUser};
use crate::db::onboarding as q;
use crate::db::{billing as accounts, Conn};
use crate::error::AppResult;
use crate::identity::one_time::{self, Purpose};
use crate::identity::passwords::password_link;
use crate::identity::register::personal_account_name;
use crate::jobs::enqueue;
use crate::mail::{templates, SendEmail};

/// The account a paid sign-up pays for, made on first sight: the user is created
/// (verified: the code proved the address; sent a "set your password" link), or an
/// existing user with that address is reused. `None` when no such sign-up exists.
pub async fn provision(
    tx: &mut Conn,
    public_url: &url::Url,
    onboarding_id: Uuid,
) -> AppResult<Option<Uuid>> {
    let Some(onboarding) = q::find_for_update(tx, onboarding_id).await? else {
        return Ok(None);
    };
    if let Some(account) = onboarding.account_id {
        return Ok(Some(account));
    }
    let existing = users::find_user_by_login(tx, &onboarding.email)
        .await?
        .filter(|user| user.email == onboarding.email);
    let (user_id, new_user) = match existing {
        Some(user) => (user.id, false),
        None => {
            let username = free_username(tx, &onboarding.username).await?;
            let user = users::insert_user(
                tx,
                &NewUser {
                    email: &onboarding.email,
                    username: &username,
                    password_hash: None,
                    first_name: &onboarding.first_name,
                    last_name: &onboarding.last_name,
                },
            )
            .await?;
            (user.id, true)
        }
    };
    users::mark_email_verified(tx, user_id).await?;
    let account = match reusable_account(tx, user_id, new_user).await? {
        Some(account) => account,
        None => {
            let name = personal_account_name(
                &onboarding.first_name,
                &onboarding.last_name,
                &onboarding.username,
            );
            users::insert_account_with_owner(tx, &name, new_user, user_id).await?
        }
    };
    q::mark_provisioned(tx, onboarding.id, user_id, account, new_user).await?;
    if new_user {
        let secret =
            one_time::issue_link(tx, Purpose::ResetPassword, Some(user_id), &onboarding.email)
                .await?;
        let link = password_link(public_url, &secret)?;
        enqueue(
            tx,
            &SendEmail(templates::set_password(
                &onboarding.email,
                &onboarding.first_name,
                &link,
            )),
        )
        .await?;
    }
    tracing::info!(onboarding.id = %onboarding.id, user.id = %user_id, account.id = %account, new_user, "sign-up provisioned");
    Ok(Some(account))
}

/// An existing user's personal account when it has never paid through Stripe (so this
/// subscription's new customer can be its customer); otherwise a new account is made.
async fn reusable_account(tx: &mut Conn, user_id: Uuid, new_user: bool) -> AppResult<Option<Uuid>> {
    if new_user {
        return Ok(None);
    }
    let Some(account) = users::default_account(tx, user_id).await? else {
        return Ok(None);
    };
    let billing = accounts::account_for_update(tx, account).await?;
    Ok(billing
        .filter(|a| a.stripe_customer_id.is_none() && a.personal)
        .map(|a| a.id))
}

/// The username asked for, or (if someone took it meanwhile) it with a number added.
async fn free_username(tx: &mut Conn, wanted: &str) -> AppResult<String> {
    if !users::username_taken(tx, wanted).await? {
        return Ok(wanted.to_owned());
    }
    let stem: String = wanted.chars().take(27).collect();
    loop {
        let candidate = format!("{stem}-{}", rand::random_range(1000..10_000u32));
        if !users::username_taken(tx, &candidate).await? {
            tracing::info!(
                wanted,
                candidate,
                "the username was taken before payment arrived"
            );
            return Ok(candidate);
        }
    }
}
