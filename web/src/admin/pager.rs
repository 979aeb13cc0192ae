//! Previous and next page of a list the API pages (the audit log, accounts, tickets):
//! where the list is and how much it holds, announced as it changes.

use leptos::prelude::*;

/// How many pages `total` records fill (at least one, so "page 1 of 1" when empty).
pub fn page_count(total: i64, per_page: i64) -> i64 {
    if per_page <= 0 {
        return 1;
    }
    ((total + per_page - 1) / per_page).max(1)
}

/// `(page, pages, total)` of a page the API answered, for [`Pager`].
pub fn position(page: i64, per_page: i64, total: i64) -> (i64, i64, i64) {
    (page, page_count(total, per_page), total)
}

/// The pager: nothing before the list's first answer; both buttons off while a page
/// loads, and at either end.
#[component]
pub fn Pager(
    /// `(page, pages, total)` of the list shown.
    #[prop(into)]
    shown: Signal<Option<(i64, i64, i64)>>,
    /// Names the navigation ("Account pages").
    label: &'static str,
    /// What the list holds, one and many: `("account", "accounts")`.
    noun: (&'static str, &'static str),
    #[prop(into)] loading: Signal<bool>,
    /// Reads page `n`.
    #[prop(into)]
    go: Callback<i64>,
) -> impl IntoView {
    move || {
        shown.get().map(|(page, pages, total)| {
            view! {
                <nav class="pager" aria-label=label>
                    <button
                        class="button button--secondary button--small"
                        type="button"
                        disabled=move || { page <= 1 || loading.get() }
                        on:click=move |_| go.run(page - 1)
                    >
                        "Previous"
                        <span class="visually-hidden">" page"</span>
                    </button>
                    <p class="pager__where" aria-live="polite">
                        "Page "{page}" of "{pages}" · "{total}" "
                        {if total == 1 { noun.0 } else { noun.1 }}
                    </p>
                    <button
                        class="button button--secondary button--small"
                        type="button"
                        // Braced: a bare `>` would end the tag.
                        disabled=move || { page >= pages || loading.get() }
                        on:click=move |_| go.run(page + 1)
                    >
                        "Next"
                        <span class="visually-hidden">" page"</span>
                    </button>
                </nav>
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_hold_every_record_and_there_is_always_one() {
        assert_eq!(page_count(0, 25), 1);
        assert_eq!(page_count(25, 25), 1);
        assert_eq!(page_count(26, 25), 2);
        assert_eq!(page_count(3, 0), 1);
        assert_eq!(position(2, 25, 26), (2, 2, 26));
    }
}
