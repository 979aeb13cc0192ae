//! The few browser features the app uses beyond the DOM: saving a file, the clipboard,
//! the page's colour scheme, leaving for another site, timers and focus. Small JavaScript
//! shims, so the app needs no more web-sys features than its libraries already build.

use std::time::Duration;

use gatehouse_shared::auth::{plausible_email, Theme};
use leptos::prelude::*;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = r#"
export function save_file(name, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

export function copy_text(text, done) {
  if (!navigator.clipboard) { done(false); return; }
  navigator.clipboard.writeText(text).then(() => done(true), () => done(false));
}

export function go_to(url) {
  window.location.assign(url);
}

export function replace_page(url) {
  window.location.replace(url);
}

export function reload_page() {
  window.location.reload();
}

export function sleep_ms(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function focus_id(id) {
  requestAnimationFrame(() => document.getElementById(id)?.focus());
}

export function lower_case(text) {
  return text.toLowerCase();
}

export function set_theme(theme) {
  if (theme) document.documentElement.dataset.theme = theme;
  else delete document.documentElement.dataset.theme;
}
"#)]
extern "C" {
    /// Offers `text` as a download named `name`.
    #[wasm_bindgen(js_name = save_file)]
    pub fn save_file(name: &str, mime: &str, text: &str);

    #[wasm_bindgen(js_name = copy_text)]
    fn copy_text_then(text: &str, done: &JsValue);

    /// Leaves the app for `url` (Stripe's checkout page or Customer Portal).
    #[wasm_bindgen(js_name = go_to)]
    pub fn go_to(url: &str);

    /// Loads `url` as a new page in place of the current history entry (another bundle's
    /// page the router has already put in the address bar).
    #[wasm_bindgen(js_name = replace_page)]
    pub fn replace_page(url: &str);

    /// Loads the current page again (after the session changed under it: another
    /// account, a new trial), so every read starts over with the new access token.
    #[wasm_bindgen(js_name = reload_page)]
    pub fn reload_page();

    #[wasm_bindgen(js_name = sleep_ms)]
    fn sleep_ms(ms: u32) -> js_sys::Promise;

    /// Focuses the element with id `id` once the browser has drawn the latest changes
    /// (an element that was just added or shown can only take focus then).
    #[wasm_bindgen(js_name = focus_id)]
    pub fn focus_id(id: &str);

    /// Unicode lower case, by the browser's tables (Rust's would add kilobytes to the app).
    #[wasm_bindgen(js_name = lower_case)]
    fn browser_lower_case(text: &str) -> String;

    #[wasm_bindgen(js_name = set_theme)]
    fn set_theme_attribute(theme: Option<&str>);
}

/// Puts `text` on the clipboard; `done` learns whether that worked (browsers refuse
/// without a secure context or permission).
pub fn copy_text(text: &str, done: impl FnOnce(bool) + 'static) {
    copy_text_then(text, &Closure::once_into_js(done));
}

/// Applies a colour scheme to the page (`data-theme` on `<html>`; the device's without).
pub fn apply_theme(theme: Theme) {
    set_theme_attribute(match theme {
        Theme::System => None,
        Theme::Light => Some("light"),
        Theme::Dark => Some("dark"),
    });
}

/// Unicode lower case: the browser's in the app, Rust's in unit tests (which run natively).
fn lower_case(text: &str) -> String {
    #[cfg(target_arch = "wasm32")]
    return browser_lower_case(text);
    #[cfg(not(target_arch = "wasm32"))]
    return text.to_lowercase();
}

/// The shared rule for email addresses (trimmed, lower-cased, `local@domain.tld`), with
/// the browser lower-casing. `None` when it does not look like an address.
pub fn normalize_email(raw: &str) -> Option<String> {
    plausible_email(lower_case(raw.trim()))
}

/// Waits `duration` (a browser timer), without blocking anything else.
pub async fn sleep(duration: Duration) {
    let ms = u32::try_from(duration.as_millis()).unwrap_or(u32::MAX);
    _ = wasm_bindgen_futures::JsFuture::from(sleep_ms(ms)).await;
}

/// Focuses `node` once the browser has drawn the latest changes (an element that was
/// hidden a moment ago can only take focus once it shows).
pub fn focus_soon<E>(node: NodeRef<E>)
where
    E: leptos::html::ElementType,
    E::Output: wasm_bindgen::JsCast + AsRef<leptos::web_sys::HtmlElement> + Clone + 'static,
{
    request_animation_frame(move || {
        if let Some(element) = node.get_untracked() {
            _ = AsRef::<leptos::web_sys::HtmlElement>::as_ref(&element).focus();
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_addresses_follow_the_shared_rule() {
        assert_eq!(
            normalize_email("  Ada@Example.ORG "),
            Some("ada@example.org".to_owned())
        );
        assert_eq!(normalize_email("ada@example"), None);
    }
}
