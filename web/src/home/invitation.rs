//! `/invitations/accept?token=…`, the link in an invitation email: signed in (a visitor
//! signs in or up first and comes back here), the person accepts and joins the account.
//! The API names the account only once accepted, so the page explains, then asks.

use gatehouse_shared::teams::AccountSummary;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_query_map;

use crate::auth::use_auth;
use crate::browser::focus_id;
use crate::form::FormError;
use crate::guard::RequireSignIn;
use crate::home::team::{role_in_words, team_href};
use crate::title::Title;

/// What the page shows.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    /// The explanation and the button.
    Ask,
    Joined(AccountSummary),
    /// The link was used, withdrawn, expired or never was one.
    NotValid,
    /// The invitation is for another address (the API's message names it).
    OtherAddress(String),
}

/// The token in the link, if it has one.
pub fn token_of(query: Option<String>) -> Option<String> {
    query
        .map(|token| token.trim().to_owned())
        .filter(|token| !token.is_empty())
}

#[component]
pub fn AcceptInvitationRoute() -> impl IntoView {
    view! {
        <Title text="Accept an invitation" />
        <div class="container account invitation">
            <RequireSignIn>
                <AcceptInvitation />
            </RequireSignIn>
        </div>
    }
}

#[component]
fn AcceptInvitation() -> impl IntoView {
    let auth = use_auth();
    let query = use_query_map();
    let token = token_of(query.with_untracked(|query| query.get("token")));
    let step = RwSignal::new(if token.is_some() {
        Step::Ask
    } else {
        Step::NotValid
    });
    let pending = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let token = StoredValue::new(token.unwrap_or_default());

    let accept = move |_| {
        if pending.get_untracked() {
            return;
        }
        pending.set(true);
        error.set(None);
        spawn_local(async move {
            let token = token.get_value();
            let answer = auth
                .call(|api| async move { api.accept_invitation(&token).await })
                .await;
            _ = pending.try_set(false);
            let next = match answer {
                Ok(account) => Step::Joined(account),
                Err(failure) => match failure.code() {
                    Some("invalid_or_expired_invitation") => Step::NotValid,
                    Some("invitation_for_another_address") => Step::OtherAddress(failure.message()),
                    _ => {
                        _ = error.try_set(Some(failure.message()));
                        return;
                    }
                },
            };
            _ = step.try_set(next);
            focus_id("invitation-result");
        });
    };
    let sign_out = move |_| {
        spawn_local(async move {
            // Signed out, the guard sends the person to sign in, and back here after.
            if let Err(failure) = auth.sign_out(false).await {
                _ = error.try_set(Some(failure.message()));
            }
        });
    };

    view! {
        <header class="account__intro">
            <h1>"Join a team"</h1>
        </header>
        <section class="card account__card" aria-live="polite">
            {move || match step.get() {
                Step::Ask => view! {
                    <h2 class="account__title">"You are invited to a team account"</h2>
                    <p class="account__text">
                        "Someone invited you to work with them on Gatehouse. Accept to join their account with the role they chose for you; you keep your own account too, and you can leave the team whenever you like."
                    </p>
                    <FormError message=error.into() />
                    <div class="account__actions">
                        <button
                            class="button button--primary"
                            type="button"
                            disabled=move || pending.get()
                            aria-busy=move || pending.get().then_some("true")
                            on:click=accept
                        >
                            {move || if pending.get() { "Accepting…" } else { "Accept the invitation" }}
                        </button>
                    </div>
                }
                .into_any(),
                Step::Joined(account) => view! {
                    <div class="notice notice--success">
                        <h2 id="invitation-result" class="notice__title" tabindex="-1">
                            "You joined "{account.name.clone()}" as "
                            {role_in_words(&account.role).to_owned()}
                        </h2>
                        <p>"Its members and your role are on the team page."</p>
                    </div>
                    <div class="account__actions">
                        <a class="button button--primary" href=team_href(&account.id.to_string())>
                            "See the team"
                        </a>
                    </div>
                }
                .into_any(),
                Step::NotValid => view! {
                    <div class="notice notice--warning" role="alert">
                        <h2 id="invitation-result" class="notice__title" tabindex="-1">
                            "This link is not valid any more: ask for a new invitation"
                        </h2>
                        <p>
                            "Invitation links work once and for 7 days. Ask an owner or admin of the team to invite you again."
                        </p>
                    </div>
                    <div class="account__actions">
                        <a class="button button--secondary" href="/team">"Your teams"</a>
                    </div>
                }
                .into_any(),
                Step::OtherAddress(message) => view! {
                    <div class="notice notice--warning" role="alert">
                        <h2 id="invitation-result" class="notice__title" tabindex="-1">
                            "This invitation is for another address"
                        </h2>
                        <p>{message}</p>
                        <p>"Sign out and use that address: sign in (or sign up) with it, and you come back here."</p>
                    </div>
                    <FormError message=error.into() />
                    <div class="account__actions">
                        <button class="button button--secondary" type="button" on:click=sign_out>
                            "Sign out"
                        </button>
                    </div>
                }
                .into_any(),
            }}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_without_a_token_has_none() {
        assert_eq!(token_of(None), None);
        assert_eq!(token_of(Some("  ".into())), None);
        assert_eq!(token_of(Some(" abc ".into())), Some("abc".into()));
    }
}
