//! Viewing the app as a customer sees it, for staff: the admin area asks the API for a
//! read-only token (`POST admin/accounts/{id}/view-as`) and [`open`]s the customer's
//! dashboard with it in a new tab. That tab signs in with the token alone (never the
//! refresh cookie, which is the staff member's own session), shows who it is viewing as
//! on every page, and forgets the token when the view ends or the token expires. The
//! API refuses every change made with it (`403 read_only_session`).
//!
//! The token travels in the address's fragment, which browsers never send to a server,
//! and is moved at once into the tab's `sessionStorage`, so pages of other bundles
//! (loaded as new pages) keep viewing; other tabs never see it.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = r#"
const KEY = 'gatehouse.view_as';
const MARK = '#view-as=';

export function open_view_as(token) {
  window.open('/dashboard' + MARK + encodeURIComponent(token), '_blank', 'noopener');
}

export function view_as_token() {
  const hash = window.location.hash;
  if (hash.startsWith(MARK)) {
    const token = decodeURIComponent(hash.slice(MARK.length));
    window.history.replaceState(window.history.state, '', window.location.pathname + window.location.search);
    try { window.sessionStorage.setItem(KEY, token); } catch (_) {}
    return token;
  }
  try { return window.sessionStorage.getItem(KEY); } catch (_) { return null; }
}

export function forget_view_as() {
  try { window.sessionStorage.removeItem(KEY); } catch (_) {}
}

export function close_view_as_tab() {
  window.close();
  // A tab the browser will not close (opened by hand) goes to the front page instead.
  setTimeout(() => window.location.assign('/'), 300);
}
"#)]
extern "C" {
    /// Opens the customer's dashboard in a new tab, viewing as them with `access_token`
    /// (a view-as token from the API).
    #[wasm_bindgen(js_name = open_view_as)]
    pub fn open(access_token: &str);

    /// The view-as token of this tab, if it views as a customer: taken from the address
    /// (and removed from it) when the tab was just opened, else from this tab's storage.
    #[wasm_bindgen(js_name = view_as_token)]
    pub fn token() -> Option<String>;

    /// This tab stops viewing as a customer (the next page load signs in as usual).
    #[wasm_bindgen(js_name = forget_view_as)]
    pub fn forget();

    /// Closes the viewing tab (it was opened for the view), or leaves for the front page.
    #[wasm_bindgen(js_name = close_view_as_tab)]
    pub fn close_tab();
}
