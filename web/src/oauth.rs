//! "Continue with Google / GitHub" on the sign-in and sign-up pages, for the providers
//! this installation has configured.
//!
//! Each is a plain link to the API, which sends the browser to the provider: a full-page
//! navigation the router must leave alone (`rel="external"`). The provider's callback
//! comes back to `next` signed in (the start-up refresh resumes the session), to
//! `/sign-in#mfa_token=…` when a second factor is needed, or to `/sign-in?oauth_error=…`.

use gatehouse_shared::oauth::{oauth_error_message, provider_label};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::UnauthorizedApi;
use crate::guard::{after_sign_in, encode_query_value};

/// Where the link for `provider` points: the API's start, with where to go afterwards.
pub fn start_href(provider: &str, next: Option<&str>) -> String {
    format!(
        "/api/v1/auth/oauth/{}/start?next={}",
        encode_query_value(provider),
        encode_query_value(&after_sign_in(next))
    )
}

/// The sentence for the `oauth_error` an OAuth callback sent the browser back with.
pub fn error_message(code: Option<&str>) -> Option<&'static str> {
    code.filter(|code| !code.is_empty())
        .map(oauth_error_message)
}

/// One button per configured provider, then a divider. Nothing at all while the list
/// loads, when it is empty, or when it cannot be read: the forms work without it.
#[component]
pub fn OAuthButtons(#[prop(into)] next: Signal<Option<String>>) -> impl IntoView {
    // A plain signal rather than a resource: nothing waits on it, and it keeps the Wasm small.
    let providers = RwSignal::new(Vec::<String>::new());
    spawn_local(async move {
        if let Ok(answer) = UnauthorizedApi.oauth_providers().await {
            _ = providers.try_set(answer.providers);
        }
    });
    move || {
        let providers = providers.get();
        (!providers.is_empty()).then(|| {
            view! {
                <div class="oauth">
                    <ul class="oauth__list" role="list">
                        {providers
                            .into_iter()
                            .map(|provider| {
                                let label = format!("Continue with {}", provider_label(&provider));
                                let href = move || start_href(&provider, next.get().as_deref());
                                view! {
                                    <li>
                                        <a class="button button--secondary oauth__button" rel="external" href=href>
                                            {label}
                                        </a>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                    <p class="oauth__or" aria-hidden="true">
                        <span>"or"</span>
                    </p>
                </div>
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_links_carry_where_to_go_next_on_this_site() {
        assert_eq!(
            start_href("google", Some("/pricing/team?a=1")),
            "/api/v1/auth/oauth/google/start?next=/pricing/team%3Fa%3D1"
        );
        assert_eq!(
            start_href("github", None),
            "/api/v1/auth/oauth/github/start?next=/dashboard"
        );
        assert_eq!(
            start_href("github", Some("https://evil.example")),
            "/api/v1/auth/oauth/github/start?next=/dashboard"
        );
    }

    #[test]
    fn oauth_errors_are_told_in_words() {
        assert_eq!(
            error_message(Some("oauth_cancelled")),
            Some("Sign-in was cancelled at the provider.")
        );
        assert_eq!(
            error_message(Some("something_new")),
            Some("Signing in with the provider did not work. Please try again.")
        );
        assert_eq!(error_message(Some("")), None);
        assert_eq!(error_message(None), None);
    }
}
