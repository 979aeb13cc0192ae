//! A message for the page the app goes to next: "Your account is deactivated" on the home
//! page, say. It shows at the top of that page and goes away when the person leaves it.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

/// A message and the path it belongs on.
#[derive(Clone, Copy)]
pub struct Notice(RwSignal<Option<(String, String)>>);

/// Creates the notice slot and provides it to the whole app.
pub fn provide_notice() {
    provide_context(Notice(RwSignal::new(None)));
}

/// The notice slot provided by the app shell.
pub fn use_notice() -> Notice {
    expect_context::<Notice>()
}

impl Notice {
    /// Shows `message` on `path` (the next page the app goes to).
    pub fn show_on(self, path: &str, message: impl Into<String>) {
        self.0.set(Some((path.to_owned(), message.into())));
    }
}

/// Where the notice shows: a status message, announced when it appears.
#[component]
pub fn NoticeBanner() -> impl IntoView {
    let notice = use_notice().0;
    let pathname = use_location().pathname;
    // Leaving the page the notice was for ends it.
    Effect::new(move |previous: Option<String>| {
        let path = pathname.get();
        if let Some(previous) = previous.filter(|previous| *previous != path) {
            if notice.with_untracked(|n| n.as_ref().is_some_and(|(on, _)| *on == previous)) {
                notice.set(None);
            }
        }
        path
    });
    let message = move || {
        notice.with(|notice| {
            notice
                .as_ref()
                .filter(|(on, _)| *on == pathname.get())
                .map(|(_, message)| message.clone())
        })
    };

    // Drawn with its message: an empty live region would be one more "status" on every page.
    move || {
        message().map(|message| {
            view! {
                <div class="container flash" role="status">
                    <div class="flash__message">
                        <p>{message}</p>
                        <button
                            class="button button--secondary flash__close"
                            type="button"
                            on:click=move |_| notice.set(None)
                        >
                            "Dismiss"
                        </button>
                    </div>
                </div>
            }
        })
    }
}
