//! Account recovery (`/recovery/…`), for people who lost access after a cancellation or a
//! failed payment. Three pages, like the wizard one step per page:
//!
//! 1. `/recovery` (`ask.rs`): the email address or username; `recovery/code` emails a code
//!    (the API answers the same whether or not the account exists);
//! 2. `/recovery/code` (`verify.rs`): the code (and a resend), `recovery/code/verify`
//!    answers with a token and what the account had — or that the account is active;
//! 3. `/recovery/restore` (`restore.rs`): what will be restored and until when, then
//!    `recovery/checkout` and off to Stripe, which returns to the main app's `/billing`.
//!
//! The login and the verified answer (token included) live in `sessionStorage`
//! ([`super::store::recovery`]), so a reload keeps the step; a page opened before its
//! step's answer exists goes back to the first page.

mod ask;
mod restore;
mod verify;

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;

pub use ask::AskStep;
pub use restore::RestoreStep;
pub use verify::VerifyStep;

/// Step 1: who needs their account back.
pub const START: &str = "/recovery";
/// Step 2: the emailed code.
pub const CODE: &str = "/recovery/code";
/// Step 3: what will be restored, and paying for it.
pub const RESTORE: &str = "/recovery/restore";

/// Sends the person to `path` instead of the page being drawn (its answer is missing).
fn redirect(path: &'static str) {
    let navigate = use_navigate();
    request_animation_frame(move || {
        navigate(
            path,
            NavigateOptions {
                replace: true,
                ..Default::default()
            },
        );
    });
}

/// Why an email address or username cannot be sent as it is, if it cannot.
pub fn login_problem(login: &str) -> Option<String> {
    let login = login.trim();
    if login.is_empty() {
        Some("Enter your email address or username.".to_owned())
    } else if login.chars().count() > 254 {
        Some("Use at most 254 characters.".to_owned())
    } else {
        None
    }
}

/// The account is active: nothing to recover, sign in as usual (the main app's page).
#[component]
fn AlreadyActive(message: String) -> impl IntoView {
    view! {
        <div class="notice" style="margin:0;padding:1.25rem">
            <h2 class="notice__title">"Your account is active"</h2>
            <p>{message}</p>
            <p>
                <a class="button button--primary" href="/sign-in" rel="external">
                    "Sign in"
                </a>
            </p>
        </div>
    }
}

/// The account ended too long ago to come back: sign up again.
#[component]
fn BeyondRetention(message: String) -> impl IntoView {
    view! {
        <div class="notice notice--warning">
            <h2 class="notice__title">"This account can no longer be restored"</h2>
            <p>{message}</p>
            <p>
                <a class="button button--primary" href=super::BASE>
                    "Sign up again"
                </a>
            </p>
        </div>
    }
}

/// What a refused verify or checkout means for the page: a notice instead of the form.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Refusal {
    AlreadyActive(String),
    BeyondRetention(String),
}

impl Refusal {
    fn of(error: &crate::api::ApiError) -> Option<Self> {
        match error.code() {
            Some("already_active") => Some(Self::AlreadyActive(error.message())),
            Some("beyond_retention") => Some(Self::BeyondRetention(error.message())),
            _ => None,
        }
    }
}

/// A refusal as its notice, in a polite live region that is always on the page.
#[component]
fn RefusalNotice(refusal: RwSignal<Option<Refusal>>) -> impl IntoView {
    view! {
        <div role="status" aria-live="polite" class="form-status-region">
            {move || refusal.get().map(|refusal| match refusal {
                Refusal::AlreadyActive(message) => view! { <AlreadyActive message /> }.into_any(),
                Refusal::BeyondRetention(message) => {
                    view! { <BeyondRetention message /> }.into_any()
                }
            })}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::ApiError;

    #[test]
    fn a_login_is_needed() {
        assert!(login_problem("  ").is_some());
        assert_eq!(login_problem("ada"), None);
        assert!(login_problem(&"a".repeat(255)).is_some());
    }

    #[test]
    fn active_and_expired_accounts_are_refusals_and_the_rest_is_not() {
        let conflict = |code: &str| ApiError::Api {
            status: 409,
            code: code.to_owned(),
            message: "This account is active: sign in as usual.".to_owned(),
            fields: Default::default(),
        };
        assert_eq!(
            Refusal::of(&conflict("already_active")),
            Some(Refusal::AlreadyActive(
                "This account is active: sign in as usual.".to_owned()
            ))
        );
        assert!(matches!(
            Refusal::of(&conflict("beyond_retention")),
            Some(Refusal::BeyondRetention(_))
        ));
        assert_eq!(Refusal::of(&conflict("plan_unavailable")), None);
        assert_eq!(Refusal::of(&ApiError::Network), None);
    }
}
