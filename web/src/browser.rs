//! The few browser features the app uses beyond the DOM: saving a file, the clipboard,
//! and the page's colour scheme. Small JavaScript shims, so the app needs no more web-sys
//! features than its libraries already build.

use gatehouse_shared::auth::{plausible_email, Theme};
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
