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

#[wasm_bindgen(inline_js = r#"
export function session_remove(key) {
  try { window.sessionStorage.removeItem(key); } catch (_) {}
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = session_remove)]
    fn session_remove(key: &str);
}

const WIZARD: &str = "gatehouse.onboarding.wizard";
const TOKEN: &str = "gatehouse.onboarding.token";

/// The wizard's choices so far (empty when none, or unreadable).
pub fn wizard() -> super::wizard::Wizard {
    session_get(WIZARD)
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

/// Keeps the wizard's choices for the rest of the tab's life.
pub fn save_wizard(wizard: &super::wizard::Wizard) {
    if let Ok(text) = serde_json::to_string(wizard) {
        session_set(WIZARD, &text);
    }
}

/// Changes the kept choices in place.
pub fn update_wizard(change: impl FnOnce(&mut super::wizard::Wizard)) {
    let mut state = wizard();
    change(&mut state);
    save_wizard(&state);
}

/// The token `onboarding/email-code/verify` gave, if any.
pub fn token() -> Option<String> {
    session_get(TOKEN).filter(|token| !token.is_empty())
}

pub fn set_token(token: &str) {
    session_set(TOKEN, token);
}

/// Forgets the token (a changed address needs proving again).
pub fn forget_token() {
    session_remove(TOKEN);
}

/// Forgets everything the wizard kept (once the account exists).
pub fn clear() {
    for key in [FIRST_NAME, WIZARD, TOKEN] {
        session_remove(key);
    }
}

/// Account recovery's progress (`/recovery/…`), kept apart from the wizard's.
pub mod recovery {
    use gatehouse_shared::recovery::RecoveryGranted;

    use super::{session_get, session_remove, session_set};

    const LOGIN: &str = "gatehouse.recovery.login";
    const GRANTED: &str = "gatehouse.recovery.granted";
    const SENT_AT: &str = "gatehouse.recovery.sent_at";

    /// The email address or username a code was asked for.
    pub fn login() -> Option<String> {
        session_get(LOGIN).filter(|login| !login.trim().is_empty())
    }

    pub fn set_login(login: &str) {
        session_set(LOGIN, login.trim());
    }

    /// Now, in whole seconds since 1970 (integers: formatting and parsing floats would
    /// add kilobytes to the bundle).
    fn now_secs() -> u64 {
        (js_sys::Date::now() / 1000.0) as u64
    }

    /// Notes that a code went out just now (for the resend countdown).
    pub fn set_sent_now() {
        session_set(SENT_AT, &now_secs().to_string());
    }

    /// Seconds until another code may be asked for: 0 when none went out lately.
    pub fn resend_wait() -> u32 {
        let Some(sent) = session_get(SENT_AT).and_then(|at| at.parse::<u64>().ok()) else {
            return 0;
        };
        let elapsed = now_secs().saturating_sub(sent);
        let after = u64::from(crate::onboarding::email_code::RESEND_AFTER);
        u32::try_from(after.saturating_sub(elapsed)).unwrap_or(0)
    }

    /// What the verified code gave: the token to pay with and what will be restored.
    pub fn granted() -> Option<RecoveryGranted> {
        session_get(GRANTED).and_then(|text| serde_json::from_str(&text).ok())
    }

    pub fn set_granted(granted: &RecoveryGranted) {
        if let Ok(text) = serde_json::to_string(granted) {
            session_set(GRANTED, &text);
        }
    }

    /// Forgets the token (expired, or used up once the account is active again).
    pub fn forget_granted() {
        session_remove(GRANTED);
    }

    /// Forgets everything (starting over with another login).
    pub fn clear() {
        for key in [LOGIN, GRANTED, SENT_AT] {
            session_remove(key);
        }
    }
}
