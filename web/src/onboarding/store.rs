//! The wizard's answers in `sessionStorage`: per tab, kept across reloads.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = r#"
export function session_get(key) {
  try { return window.sessionStorage.getItem(key); } catch (_) { return null; }
}

export function session_set(key, value) {
  try { window.sessionStorage.setItem(key, value); } catch (_) {}
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = session_get)]
    fn session_get(key: &str) -> Option<String>;

    #[wasm_bindgen(js_name = session_set)]
    fn session_set(key: &str, value: &str);
}

const FIRST_NAME: &str = "gatehouse.onboarding.first_name";

/// The first name given in step 1, if any.
pub fn first_name() -> Option<String> {
    session_get(FIRST_NAME)
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
}

/// Keeps the first name for the rest of the wizard.
pub fn set_first_name(name: &str) {
    session_set(FIRST_NAME, name.trim());
}
