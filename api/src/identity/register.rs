//! Sign-up. The answer never says whether the address was already registered: a new
//! address gets an account and a verification email; a known one gets an email telling
//! its owner, and the same answer.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::AsyncConnection;
use gatehouse_shared::auth::{
    normalize_email, password_length_problem, username_problem, RegisterRequest, NAME_MAX,
};

use super::one_time::{self, Purpose};
use super::password;
use crate::db::identity::{self as q, NewUser};
use crate::db::Conn;
use crate::error::{AppError, AppResult};
use crate::jobs::enqueue;
use crate::mail::{templates, SendEmail};

fn common_passwords() -> &'static std::collections::HashSet<&'static str> {
    static LIST: OnceLock<std::collections::HashSet<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| {
        include_str!("common_passwords.txt")
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .collect()
    })
}

/// Why `password` may not be used, if it may not.
pub fn password_problem(password: &str, email: &str, username: &str) -> Option<&'static str> {
    if let Some(problem) = password_length_problem(password) {
        return Some(problem);
    }
    let lowered = password.to_lowercase();
    if common_passwords().contains(lowered.as_str()) {
        return Some("is too common; choose another");
    }
    let local = email.split('@').next().unwrap_or_default();
    if lowered == username.to_lowercase()
        || (!local.is_empty() && lowered == local)
        || lowered == email
    {
        return Some("must not be your email address or username");
    }
    None
}

/// Checks every field; all problems at once.
fn validate(request: &RegisterRequest) -> Result<String, AppError> {
    let mut fields = BTreeMap::new();
    let email = normalize_email(&request.email);
    if email.is_none() {
        fields.insert("email".to_owned(), "must be an email address".to_owned());
    }
    if let Some(problem) = username_problem(&request.username) {
        fields.insert("username".to_owned(), problem.to_owned());
    }
    let email_or_blank = email.clone().unwrap_or_default();
    if let Some(problem) = password_problem(&request.password, &email_or_blank, &request.username) {
        fields.insert("password".to_owned(), problem.to_owned());
    }
    for (field, value) in [
        ("first_name", &request.first_name),
        ("last_name", &request.last_name),
    ] {
        if value.trim().chars().count() > NAME_MAX {
            fields.insert(
                field.to_owned(),
                "must be at most 100 characters".to_owned(),
            );
        }
    }
    match email {
        Some(email) if fields.is_empty() => Ok(email),
        _ => Err(AppError::Validation { fields }),
    }
}

fn username_taken() -> AppError {
    AppError::validation([("username".to_owned(), "is already taken".to_owned())])
}

/// Registers, or tells the owner of a known address; commits the user, their personal
/// account, the verification secret and the email job together.
pub async fn register(
    conn: &mut Conn,
    public_url: &url::Url,
    request: RegisterRequest,
) -> AppResult<()> {
    let email = validate(&request)?;
    // Hash before deciding anything, so both outcomes take the same time.
    let hash = password::hash(request.password.clone()).await?;
    let first_name = request.first_name.trim().to_owned();
    let last_name = request.last_name.trim().to_owned();
    let username = request.username.clone();
    let result = conn
        .transaction::<_, AppError, _>(async |tx| {
            if q::username_taken(tx, &username).await? {
                return Err(username_taken());
            }
            if q::email_taken(tx, &email).await? {
                let sign_in = public_url.join("sign-in").map_err(AppError::internal)?;
                enqueue(
                    tx,
                    &SendEmail(templates::account_exists(&email, sign_in.as_str())),
                )
                .await?;
                return Ok(());
            }
            let user = q::insert_user(
                tx,
                &NewUser {
                    email: &email,
                    username: &username,
                    password_hash: Some(&hash),
                    first_name: &first_name,
                    last_name: &last_name,
                },
            )
            .await?;
            let account_name = personal_account_name(&first_name, &last_name, &username);
            q::insert_account_with_owner(tx, &account_name, true, user.id).await?;
            let secret =
                one_time::issue_link(tx, Purpose::VerifyEmail, Some(user.id), &email).await?;
            let link = verify_link(public_url, &secret)?;
            enqueue(
                tx,
                &SendEmail(templates::verify_email(&email, &first_name, &link)),
            )
            .await?;
            tracing::info!(user.id = %user.id, "registered");
            Ok(())
        })
        .await;
    match result {
        // Two sign-ups raced for the same username or address.
        Err(AppError::Internal(err)) if is_unique_violation(&err) => {
            if q::username_taken(conn, &username).await? {
                Err(username_taken())
            } else {
                Ok(())
            }
        }
        other => other,
    }
}

/// The name of a person's own account: their name, else their username.
pub fn personal_account_name(first_name: &str, last_name: &str, username: &str) -> String {
    match format!("{first_name} {last_name}").trim() {
        "" => username.to_owned(),
        name => name.to_owned(),
    }
}

pub fn is_unique_violation(err: &anyhow::Error) -> bool {
    matches!(
        err.downcast_ref::<DieselError>(),
        Some(DieselError::DatabaseError(
            DatabaseErrorKind::UniqueViolation,
            _
        ))
    )
}

pub fn verify_link(public_url: &url::Url, secret: &str) -> AppResult<String> {
    let mut link = public_url
        .join("verify-email")
        .map_err(AppError::internal)?;
    link.query_pairs_mut().append_pair("token", secret);
    Ok(link.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_and_personal_passwords_are_refused() {
        assert_eq!(
            password_problem("Password1", "a@b.co", "ada"),
            Some("is too common; choose another")
        );
        assert_eq!(password_problem("hunter2hunter2x", "a@b.co", "ada"), None);
        assert!(password_problem("ada.lovelace", "ada.lovelace@b.co", "x").is_some());
        assert!(password_problem("ADA_LOVELACE", "a@b.co", "ada_lovelace").is_some());
        assert!(password_problem("short", "a@b.co", "ada").is_some());
        assert!(common_passwords().len() > 15_000);
        assert_eq!(
            password_problem("Trustno1!x", "a@b.co", "ada"),
            None,
            "near misses pass"
        );
        assert!(password_problem("sunshine", "a@b.co", "ada").is_some());
        assert!(password_problem("1qaz2wsx", "a@b.co", "ada").is_some());
    }
}
