//! `onboarding/validate`: the live check the wizard runs as people type. It is the one
//! answer that says whether an address has an account (DESIGN.md allows it here only,
//! behind a rate limit).

use gatehouse_shared::auth::{normalize_email, username_problem};
use gatehouse_shared::onboarding::{FieldCheck, ValidateRequest, Validation};

use crate::db::{identity as users, onboarding as q, Conn};
use crate::error::AppResult;

fn no(message: &str) -> FieldCheck {
    FieldCheck {
        ok: false,
        message: Some(message.to_owned()),
    }
}

const YES: FieldCheck = FieldCheck {
    ok: true,
    message: None,
};

/// Whether someone signing up as `email` (if known) may take `username`: no user has
/// it and no one else's unfinished sign-up holds it.
pub async fn username_free(conn: &mut Conn, username: &str, email: &str) -> AppResult<bool> {
    Ok(!users::username_taken(conn, username).await?
        && !q::username_held(conn, username, email).await?)
}

pub async fn check(conn: &mut Conn, request: &ValidateRequest) -> AppResult<Validation> {
    let email = request.email.as_deref().map(normalize_email);
    let username = match request.username.as_deref() {
        None => None,
        Some(name) => Some(match username_problem(name) {
            Some(problem) => no(problem),
            None => {
                let as_email = email.clone().flatten().unwrap_or_default();
                if username_free(conn, name, &as_email).await? {
                    YES
                } else {
                    no("is taken")
                }
            }
        }),
    };
    let email = match email {
        None => None,
        Some(None) => Some(no("is not a valid email address")),
        Some(Some(email)) => Some(if users::email_taken(conn, &email).await? {
            FieldCheck {
                ok: true,
                message: Some(
                    "already has an account: sign in to add a plan to it, or go on and this purchase joins that account"
                        .to_owned(),
                ),
            }
        } else {
            YES
        }),
    };
    Ok(Validation { username, email })
}
