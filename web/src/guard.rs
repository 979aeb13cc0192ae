//! Route guards: pages only signed-in people see, and pages signed-in people skip.
//! Both redirect with `replace`, so the back button never lands on a redirect again.

use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate, use_query_map};
use leptos_router::NavigateOptions;

use crate::auth::use_auth;

/// The query parameter that says where to go after signing in.
pub const NEXT: &str = "next";

fn replace() -> NavigateOptions {
    NavigateOptions {
        replace: true,
        ..NavigateOptions::default()
    }
}

/// Shows `children` to signed-in people. Everyone else goes to `/sign-in?next=…` and comes
/// back here after signing in. While the session is being restored, says so.
#[component]
pub fn RequireSignIn(children: ChildrenFn) -> impl IntoView {
    let auth = use_auth();
    let signed_in = Memo::new(move |_| auth.signed_in());
    let location = use_location();
    let navigate = use_navigate();
    // The page this guard stands in front of. When the app has moved on by itself (to the
    // home page after deactivating the account, say), signing out sends nobody anywhere.
    let guarded = location.pathname.get_untracked();
    Effect::new(move || {
        if signed_in.get() == Some(false) {
            let path = location.pathname.get_untracked();
            if path != guarded {
                return;
            }
            let search = location.search.get_untracked();
            let here = if search.is_empty() {
                path
            } else {
                format!("{path}?{search}")
            };
            navigate(&with_next("/sign-in", Some(here)), replace());
        }
    });

    move || match signed_in.get() {
        Some(true) => children().into_any(),
        Some(false) => ().into_any(),
        None => view! {
            <div class="loading" role="status" aria-live="polite" aria-busy="true">
                <span class="spinner" aria-hidden="true"></span>
                "Loading your account…"
            </div>
        }
        .into_any(),
    }
}

/// On the sign-in and sign-up pages: once someone is signed in (just now, or already when
/// the page opened), moves on to `next`.
#[component]
pub fn RedirectWhenSignedIn() -> impl IntoView {
    let auth = use_auth();
    let signed_in = Memo::new(move |_| auth.signed_in());
    let query = use_query_map();
    let navigate = use_navigate();
    Effect::new(move || {
        if signed_in.get() == Some(true) {
            let next = query.with_untracked(|query| query.get(NEXT));
            navigate(&after_sign_in(next.as_deref()), replace());
        }
    });
}

/// Where to go after signing in: the `next` query parameter when it is a path on this
/// site (never another origin, never back to a sign-in page), else the dashboard.
pub fn after_sign_in(next: Option<&str>) -> String {
    const DEFAULT: &str = "/dashboard";
    let Some(next) = next else {
        return DEFAULT.to_owned();
    };
    let on_this_site = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control);
    let path = next.split(['?', '#']).next().unwrap_or_default();
    let loops = matches!(path, "/sign-in" | "/sign-up");
    if on_this_site && !loops {
        next.to_owned()
    } else {
        DEFAULT.to_owned()
    }
}

/// `path`, keeping the `next` parameter so the person ends up where they were going.
pub fn with_next(path: &str, next: Option<String>) -> String {
    match next {
        Some(next) => format!("{path}?{NEXT}={}", encode_query_value(&next)),
        None => path.to_owned(),
    }
}

/// Percent-encodes everything but unreserved characters and `/`.
pub fn encode_query_value(value: &str) -> String {
    let mut encoded = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~' | b'/') {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_in_returns_only_to_paths_on_this_site() {
        assert_eq!(after_sign_in(None), "/dashboard");
        assert_eq!(after_sign_in(Some("/account")), "/account");
        assert_eq!(
            after_sign_in(Some("/pricing/team?x=1")),
            "/pricing/team?x=1"
        );
        for elsewhere in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "javascript:alert(1)",
            "",
            "/sign-in",
            "/sign-up?next=/account",
            "/\nx",
        ] {
            assert_eq!(
                after_sign_in(Some(elsewhere)),
                "/dashboard",
                "{elsewhere:?}"
            );
        }
    }

    #[test]
    fn next_survives_the_switch_between_sign_in_and_sign_up() {
        assert_eq!(with_next("/sign-in", None), "/sign-in");
        assert_eq!(
            with_next("/sign-in", Some("/account".into())),
            "/sign-in?next=/account"
        );
        assert_eq!(
            with_next("/sign-up", Some("/pricing/team?a=1&b".into())),
            "/sign-up?next=/pricing/team%3Fa%3D1%26b"
        );
    }
}
