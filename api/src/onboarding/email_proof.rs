//! Proving a sign-up's address with an emailed 6-digit code (the identity code rules:
//! 10 minutes, 5 wrong tries, one new code a minute, bound to the address). A right code
//! stores the sign-up and hands back a bearer token for checkout.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::Utc;
use diesel_async::AsyncConnection;
use gatehouse_shared::auth::{normalize_email, username_problem, NAME_MAX};
use gatehouse_shared::onboarding::{EmailCodeVerifyRequest, EmailProved};

use super::availability::username_free;
use super::{Fields, PROOF_LIFETIME};
use crate::db::onboarding::{self as q, NewOnboarding};
use crate::db::{identity as users, Conn};
use crate::error::{AppError, AppResult};
use crate::identity::one_time::{self, Purpose};
use crate::identity::sessions::hash_token;
use crate::jobs::enqueue;
use crate::mail::{templates, SendEmail};

fn bad_email() -> AppError {
    AppError::validation([(
        "email".to_owned(),
        "is not a valid email address".to_owned(),
    )])
}

/// Emails a code to the address unless one went there in the last minute (the answer
/// is the same either way).
pub async fn send_code(conn: &mut Conn, raw_email: &str) -> AppResult<()> {
    let email = normalize_email(raw_email).ok_or_else(bad_email)?;
    conn.transaction::<_, AppError, _>(async |tx| {
        if !one_time::may_resend(tx, Purpose::OnboardingEmail, &email).await? {
            return Ok(());
        }
        let code = one_time::issue_code(tx, Purpose::OnboardingEmail, None, &email).await?;
        enqueue(
            tx,
            &SendEmail(templates::onboarding_code(&email, "", &code)),
        )
        .await?;
        Ok(())
    })
    .await
}

/// Every field problem at once; the normalised address.
async fn validate(conn: &mut Conn, request: &EmailCodeVerifyRequest) -> AppResult<String> {
    let mut fields = Fields::new();
    let email = normalize_email(&request.email);
    if email.is_none() {
        fields.insert("email".into(), "is not a valid email address".into());
    }
    if let Some(problem) = username_problem(&request.username) {
        fields.insert("username".into(), problem.into());
    } else if !username_free(
        conn,
        &request.username,
        email.as_deref().unwrap_or_default(),
    )
    .await?
    {
        fields.insert("username".into(), "is taken".into());
    }
    let first = request.first_name.trim().chars().count();
    if !(1..=NAME_MAX).contains(&first) {
        fields.insert("first_name".into(), "must be 1 to 100 characters".into());
    }
    if request.last_name.trim().chars().count() > NAME_MAX {
        fields.insert("last_name".into(), "must be at most 100 characters".into());
    }
    let code = request.code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        fields.insert("code".into(), "must be the 6 digits we emailed".into());
    }
    match email {
        Some(email) if fields.is_empty() => Ok(email),
        _ => Err(AppError::Validation { fields }),
    }
}

/// Checks the code; stores the sign-up and returns its checkout token.
pub async fn verify(conn: &mut Conn, request: &EmailCodeVerifyRequest) -> AppResult<EmailProved> {
    let email = validate(conn, request).await?;
    // Its own transaction: a wrong try counts even though the answer is an error.
    let token = conn
        .transaction::<_, AppError, _>(async |tx| {
            Ok(one_time::consume_code(tx, Purpose::OnboardingEmail, &email, &request.code).await?)
        })
        .await?;
    if token.is_none() {
        return Err(AppError::validation([(
            "code".to_owned(),
            "is not the code we sent, or it has expired: ask for a new one".to_owned(),
        )]));
    }
    // A closed account's address cannot be signed up again.
    if let Some(user) = users::find_user_by_login(conn, &email).await? {
        if user.email == email && user.deactivated_at.is_some() {
            return Err(AppError::validation([(
                "email".to_owned(),
                "belongs to a closed account; contact support to reopen it".to_owned(),
            )]));
        }
    }
    let secret = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
    let expires_at = Utc::now() + PROOF_LIFETIME;
    q::insert(
        conn,
        &NewOnboarding {
            email: &email,
            username: &request.username,
            first_name: request.first_name.trim(),
            last_name: request.last_name.trim(),
            token_hash: &hash_token(&secret),
            expires_at,
        },
    )
    .await?;
    Ok(EmailProved {
        onboarding_token: secret,
        expires_at: expires_at.to_rfc3339(),
    })
}
