//! Who is signed in: the session every page reads, and the only code that changes it.
//!
//! The access token lives in memory, inside the [`AuthorizedApi`] held here (never in
//! `localStorage` or `sessionStorage`); the refresh token is an httpOnly cookie the page
//! never sees. At start-up the app tries one silent refresh to resume the cookie's
//! session, and while signed in it refreshes the access token a little before it expires.

use std::future::Future;
use std::time::Duration;

use gatehouse_shared::auth::{Me, Theme};
use gatehouse_shared::mfa::MfaChallenge;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{ApiError, AuthorizedApi, SignIn, UnauthorizedApi};

/// How long to wait before trying again when a scheduled refresh could not reach the API.
const RETRY_AFTER_NETWORK_ERROR: Duration = Duration::from_secs(30);

/// Browsers keep timer delays in an `i32` of milliseconds; stay far below that.
const LONGEST_TIMER: Duration = Duration::from_secs(24 * 60 * 60);

/// Where the app stands with the API.
#[derive(Clone)]
pub enum AuthState {
    /// Start-up: asking the API whether the refresh cookie holds a session.
    Restoring,
    SignedOut,
    SignedIn {
        api: AuthorizedApi,
        me: Me,
    },
}

/// How a first sign-in step (password, or emailed code) ended, when it worked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInStep {
    /// Signed in.
    Done,
    /// A code from the authenticator app (or a recovery code) is needed too:
    /// [`Auth::complete_sign_in`] with this challenge's token.
    SecondFactor(MfaChallenge),
}

/// The session context: `Copy`, so views and actions can move it around freely.
#[derive(Clone, Copy)]
pub struct Auth {
    state: RwSignal<AuthState, LocalStorage>,
    refresh_timer: StoredValue<Option<TimeoutHandle>>,
}

/// Creates the session context, provides it to the whole app, and starts resuming the
/// session the refresh cookie may hold.
pub fn provide_auth() -> Auth {
    let auth = Auth {
        state: RwSignal::new_local(AuthState::Restoring),
        refresh_timer: StoredValue::new(None),
    };
    provide_context(auth);
    spawn_local(async move {
        // A tab a staff member opened to view as a customer uses that token alone.
        if let Some(token) = crate::view_as::token() {
            let api = AuthorizedApi::viewing(token);
            match api.me().await {
                Ok(me) => return auth.begin(api, me),
                Err(_) => crate::view_as::forget(),
            }
        }
        let resumed = async {
            let api = UnauthorizedApi.resume().await?;
            let me = api.me().await?;
            Ok::<_, ApiError>((api, me))
        }
        .await;
        // Someone who signed in with the form meanwhile keeps that session.
        if auth
            .state
            .with_untracked(|state| matches!(state, AuthState::Restoring))
        {
            match resumed {
                Ok((api, me)) => auth.begin(api, me),
                Err(_) => auth.state.set(AuthState::SignedOut),
            }
        }
    });
    auth
}

/// The session context provided by the app shell.
pub fn use_auth() -> Auth {
    expect_context::<Auth>()
}

impl Auth {
    /// `None` while the session is being restored, then whether someone is signed in.
    pub fn signed_in(self) -> Option<bool> {
        self.state.with(|state| match state {
            AuthState::Restoring => None,
            AuthState::SignedOut => Some(false),
            AuthState::SignedIn { .. } => Some(true),
        })
    }

    /// Whether this tab is a staff member's read-only view as the signed-in customer
    /// ([`crate::view_as`]).
    pub fn viewing_as(self) -> bool {
        self.state.with(|state| match state {
            AuthState::SignedIn { api, .. } => api.read_only(),
            _ => false,
        })
    }

    /// Ends this tab's view as a customer and closes the tab.
    pub fn end_view_as(self) {
        if let Some(api) = self.api() {
            self.end(&api);
        }
        crate::view_as::forget();
        crate::view_as::close_tab();
    }

    /// The signed-in user, if any.
    pub fn me(self) -> Option<Me> {
        self.state.with(|state| match state {
            AuthState::SignedIn { me, .. } => Some(me.clone()),
            _ => None,
        })
    }

    /// Signs in with an email address or username and a password.
    pub async fn sign_in(self, login: &str, password: &str) -> Result<SignInStep, ApiError> {
        let answer = UnauthorizedApi.login(login, password).await?;
        self.step(answer).await
    }

    /// Signs in with an email address and the 6-digit code emailed to it.
    pub async fn sign_in_with_code(self, email: &str, code: &str) -> Result<SignInStep, ApiError> {
        let answer = UnauthorizedApi.verify_code(email, code).await?;
        self.step(answer).await
    }

    /// Completes a sign-in that needed a second factor: an authenticator code or a
    /// recovery code, for the challenge `mfa_token` (from [`SignInStep::SecondFactor`], or
    /// from the address an OAuth provider sent the browser back to).
    pub async fn complete_sign_in(self, mfa_token: &str, code: &str) -> Result<(), ApiError> {
        let api = UnauthorizedApi.verify_mfa(mfa_token, code).await?;
        self.start(api).await
    }

    async fn step(self, answer: SignIn) -> Result<SignInStep, ApiError> {
        match answer {
            SignIn::Session(api) => self.start(api).await.map(|()| SignInStep::Done),
            SignIn::SecondFactor(challenge) => Ok(SignInStep::SecondFactor(challenge)),
        }
    }

    /// Ends this session, or every session of the user. When the API cannot be reached
    /// the app stays signed in (the cookie would resume the session on the next visit).
    pub async fn sign_out(self, everywhere: bool) -> Result<(), ApiError> {
        let Some(api) = self.api() else {
            return Ok(());
        };
        api.clone().logout(everywhere).await?;
        self.end(&api);
        Ok(())
    }

    /// Runs one authenticated call. A `401` that survives the call's own refresh and retry
    /// means the session is gone (expired, revoked, signed out elsewhere): the app signs out.
    pub async fn call<T, F, Fut>(self, call: F) -> Result<T, ApiError>
    where
        F: FnOnce(AuthorizedApi) -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        let Some(api) = self.api() else {
            return Err(signed_out_error());
        };
        let result = call(api.clone()).await;
        if result.as_ref().is_err_and(ApiError::is_unauthorized) {
            self.end(&api);
        }
        result
    }

    /// Reads the signed-in user again (after it may have changed elsewhere).
    pub async fn reload_me(self) -> Result<(), ApiError> {
        let me = self.call(|api| async move { api.me().await }).await?;
        self.set_me(me);
        Ok(())
    }

    /// Keeps `me` as the signed-in user (an answer of the API that changed it).
    pub fn set_me(self, me: Me) {
        self.state.update(|state| {
            if let AuthState::SignedIn { me: current, .. } = state {
                *current = me;
            }
        });
    }

    /// The colour scheme the signed-in user chose (the device's for everyone else).
    pub fn theme(self) -> Theme {
        self.state.with(|state| match state {
            AuthState::SignedIn { me, .. } => me.preferences.theme,
            _ => Theme::System,
        })
    }

    /// Signs out locally after the API ended every session by itself (deactivation).
    pub fn forget(self) {
        if let Some(api) = self.api() {
            self.end(&api);
        }
    }

    fn api(self) -> Option<AuthorizedApi> {
        self.state.with_untracked(|state| match state {
            AuthState::SignedIn { api, .. } => Some(api.clone()),
            _ => None,
        })
    }

    fn is_current(self, api: &AuthorizedApi) -> bool {
        self.api().is_some_and(|current| current.same_session(api))
    }

    /// Loads the user and makes `api` the app's session.
    async fn start(self, api: AuthorizedApi) -> Result<(), ApiError> {
        let me = api.me().await?;
        self.begin(api, me);
        Ok(())
    }

    /// Makes `api` the app's session.
    fn begin(self, api: AuthorizedApi, me: Me) {
        if api.read_only() {
            // Never refreshed: its first `401` ends it (Auth::call).
            self.state.set(AuthState::SignedIn { api, me });
            return;
        }
        // Every new token (from the timer, or from a call that met a `401`) sets the timer
        // for the next refresh.
        api.on_new_token(move |refresh_after| self.schedule_refresh(refresh_after));
        self.schedule_refresh(api.refresh_after());
        self.state.set(AuthState::SignedIn { api, me });
    }

    /// Signs out locally, if `api` is still the app's session.
    fn end(self, api: &AuthorizedApi) {
        if self.is_current(api) {
            if api.read_only() {
                crate::view_as::forget();
            }
            self.cancel_refresh();
            self.state.set(AuthState::SignedOut);
        }
    }

    /// Refreshes the session's access token after `delay` (replacing any earlier timer).
    fn schedule_refresh(self, delay: Duration) {
        self.cancel_refresh();
        let handle = set_timeout_with_handle(
            move || spawn_local(self.refresh_now()),
            delay.min(LONGEST_TIMER),
        );
        self.refresh_timer.set_value(handle.ok());
    }

    fn cancel_refresh(self) {
        if let Some(handle) = self.refresh_timer.try_update_value(Option::take).flatten() {
            handle.clear();
        }
    }

    /// The timer's work. A new token schedules the next refresh by itself.
    async fn refresh_now(self) {
        let Some(api) = self.api() else {
            return;
        };
        match api.refresh().await {
            Ok(()) => {}
            Err(error) if error.is_unauthorized() => self.end(&api),
            // Offline for now: the token may still be good for a while; try again soon.
            Err(_) => {
                if self.is_current(&api) {
                    self.schedule_refresh(RETRY_AFTER_NETWORK_ERROR);
                }
            }
        }
    }
}

/// What an authenticated call answers when nobody is signed in.
fn signed_out_error() -> ApiError {
    ApiError::Api {
        status: 401,
        code: "unauthorized".to_owned(),
        message: "Please sign in again.".to_owned(),
        fields: Default::default(),
    }
}

/// How the app names a person: their name, else their username.
pub fn display_name(me: &Me) -> String {
    let name = format!("{} {}", me.first_name.trim(), me.last_name.trim());
    let name = name.trim();
    if name.is_empty() {
        me.username.clone()
    } else {
        name.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use gatehouse_shared::ids::{AccountId, UserId};

    use super::*;

    fn me(first: &str, last: &str) -> Me {
        Me {
            id: UserId(Default::default()),
            email: "ada@example.org".into(),
            username: "ada_l".into(),
            first_name: first.into(),
            last_name: last.into(),
            email_verified: false,
            account_id: AccountId(Default::default()),
            has_password: true,
            mfa_enabled: false,
            staff: false,
            staff_role: None,
            mfa_required: false,
            linked_providers: Vec::new(),
            preferences: Default::default(),
        }
    }

    #[test]
    fn people_are_named_by_name_else_username() {
        assert_eq!(display_name(&me("Ada", "Lovelace")), "Ada Lovelace");
        assert_eq!(display_name(&me("Ada", "")), "Ada");
        assert_eq!(display_name(&me(" ", "Lovelace ")), "Lovelace");
        assert_eq!(display_name(&me("", "")), "ada_l");
    }
}
