//! The document's title: `{page} · Gatehouse`, set by the page on show.
//!
//! A page (or a part of one that stands for the whole, like "no such pricing page") sets
//! it when it is drawn; the latest one drawn wins. Smaller than `leptos_meta`, which the
//! app needed for nothing else.

use leptos::prelude::*;

use crate::app::PRODUCT_NAME;

/// The title of a page, as the browser shows it.
pub fn title_text(page: &str) -> String {
    if page.is_empty() {
        PRODUCT_NAME.to_owned()
    } else {
        format!("{page} · {PRODUCT_NAME}")
    }
}

/// Sets the document's title to `{text} · Gatehouse`.
#[component]
pub fn Title(text: &'static str) -> impl IntoView {
    document().set_title(&title_text(text));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_named_before_the_product() {
        assert_eq!(title_text("Pricing"), "Pricing · Gatehouse");
        assert_eq!(title_text(""), "Gatehouse");
    }
}
