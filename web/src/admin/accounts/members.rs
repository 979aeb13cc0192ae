//! The account page's members: who each person is to Gatehouse (role, verified address,
//! two-factor, sign-ins, seats) and what staff may do for them: end every sign-in (after
//! a confirmation), resend the verification email (while the address is unverified),
//! send a password reset, and view the account as them. Each person's outcome is
//! announced beside them; the account is read again after a change.

use gatehouse_shared::admin_accounts::{AdminMember, ViewAs};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::detail::Desk;
use crate::browser::focus_id;
use crate::form::{FormError, FormStatus};

/// What staff may do for a person, through `POST admin/users/{id}/…`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PersonAction {
    EndSessions,
    ResendVerification,
    PasswordReset,
}

impl PersonAction {
    /// The API's path after the user's id.
    pub fn path(self) -> &'static str {
        match self {
            PersonAction::EndSessions => "sessions/revoke",
            PersonAction::ResendVerification => "verification-email",
            PersonAction::PasswordReset => "password-reset",
        }
    }

    /// What it did, as a sentence about `email`.
    pub fn done(self, email: &str, sessions_ended: usize) -> String {
        match self {
            PersonAction::EndSessions => match sessions_ended {
                0 => format!("{email} had no sign-ins to end."),
                1 => format!("1 sign-in of {email} ended."),
                n => format!("{n} sign-ins of {email} ended."),
            },
            PersonAction::ResendVerification => {
                format!("A new verification link is on its way to {email}.")
            }
            PersonAction::PasswordReset => {
                format!("A link to choose a new password is on its way to {email}.")
            }
        }
    }
}

/// A person's active sign-ins in words.
pub fn sessions_text(count: i64) -> String {
    match count {
        0 => "None".to_owned(),
        1 => "1 active sign-in".to_owned(),
        n => format!("{n} active sign-ins"),
    }
}

#[component]
pub(super) fn Members(desk: Desk) -> impl IntoView {
    let ids = Memo::new(move |_| {
        desk.with(|d| {
            d.members
                .iter()
                .map(|m| m.user_id.to_string())
                .collect::<Vec<_>>()
        })
        .unwrap_or_default()
    });
    view! {
        <section class="card account__card" aria-labelledby="members-title">
            <h2 id="members-title" class="account__title">"Members"</h2>
            {move || ids.with(Vec::is_empty).then(|| view! {
                <p class="account__text">"The account has no members."</p>
            })}
            <ul class="admin-list" role="list">
                <For each=move || ids.get() key=|id| id.clone() let:id>
                    <MemberItem desk id />
                </For>
            </ul>
        </section>
    }
}

/// One person; kept on the page (with its announcements) while the account is read again.
#[component]
fn MemberItem(desk: Desk, id: String) -> impl IntoView {
    let member = {
        let id = id.clone();
        Memo::new(move |_| {
            desk.with(|d| {
                d.members
                    .iter()
                    .find(|m| m.user_id.to_string() == id)
                    .cloned()
            })
            .flatten()
        })
    };
    let said = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(None::<PersonAction>);
    let confirming = RwSignal::new(false);
    let end_id = format!("end-sessions-{id}");
    let question_id = format!("end-sessions-question-{id}");

    let act = move |action: PersonAction| {
        let Some((user, email)) =
            member.with_untracked(|m| m.as_ref().map(|m| (m.user_id.to_string(), m.email.clone())))
        else {
            return;
        };
        if busy.get_untracked().is_some() {
            return;
        }
        busy.set(Some(action));
        said.set(None);
        error.set(None);
        spawn_local(async move {
            let answer = desk
                .auth
                .call(|api| async move { api.act_on_user(&user, action.path()).await })
                .await;
            if busy.try_set(None).is_some() {
                return;
            }
            match answer {
                Ok(done) => {
                    confirming.set(false);
                    let message = action.done(&email, done.sessions_ended);
                    desk.read(move || _ = said.try_set(Some(message)));
                }
                Err(failure) => error.set(Some(failure.message())),
            }
        });
    };
    let view_as = move |_| {
        if let Some(user_id) = member.with_untracked(|m| m.as_ref().map(|m| m.user_id)) {
            desk.view_as(
                ViewAs {
                    user_id: Some(user_id),
                },
                said,
                error,
            );
        }
    };
    let open_confirm = {
        let question_id = question_id.clone();
        move |_| {
            said.set(None);
            error.set(None);
            confirming.set(true);
            focus_id(&question_id);
        }
    };
    let keep = {
        let end_id = end_id.clone();
        move || {
            confirming.set(false);
            focus_id(&end_id);
        }
    };
    let keep_on_escape = keep.clone();
    let name = move || member.with(|m| m.as_ref().map(shown_name).unwrap_or_default());
    let unverified = move || member.with(|m| m.as_ref().is_some_and(|m| !m.email_verified));
    let labelled_by = question_id.clone();

    view! {
        <li class="admin-list__item">
            <h3 class="card__title admin-list__title">{name}</h3>
            {move || member.with(|m| m.as_ref().map(facts))}
            <div class="account__actions" hidden=move || confirming.get()>
                <button
                    id=end_id
                    class="button button--danger-outline button--small"
                    type="button"
                    aria-expanded="false"
                    aria-controls=question_id.clone()
                    on:click=open_confirm
                >
                    "End sessions"<span class="visually-hidden">" of "{name}</span>
                </button>
                {move || unverified().then(|| view! {
                    <button
                        class="button button--secondary button--small"
                        type="button"
                        disabled=move || busy.get().is_some()
                        aria-busy=move || (busy.get() == Some(PersonAction::ResendVerification)).then_some("true")
                        on:click=move |_| act(PersonAction::ResendVerification)
                    >
                        "Resend verification"<span class="visually-hidden">" to "{name}</span>
                    </button>
                })}
                <button
                    class="button button--secondary button--small"
                    type="button"
                    disabled=move || busy.get().is_some()
                    aria-busy=move || (busy.get() == Some(PersonAction::PasswordReset)).then_some("true")
                    on:click=move |_| act(PersonAction::PasswordReset)
                >
                    "Send password reset"<span class="visually-hidden">" to "{name}</span>
                </button>
                <button class="button button--secondary button--small" type="button" on:click=view_as>
                    "View as "{name}
                </button>
            </div>
            {move || confirming.get().then(|| {
                let keep = keep.clone();
                let keep_on_escape = keep_on_escape.clone();
                view! {
                    <div
                        class="billing__panel"
                        role="group"
                        aria-labelledby=labelled_by.clone()
                        on:keydown=move |event| {
                            if event.key() == "Escape" {
                                keep_on_escape();
                            }
                        }
                    >
                        <h4 id=labelled_by.clone() class="billing__panel-title" tabindex="-1">
                            "End every sign-in of "{name}"? They must sign in again on every device."
                        </h4>
                        <div class="account__actions">
                            <button
                                class="button button--danger"
                                type="button"
                                disabled=move || busy.get().is_some()
                                aria-busy=move || busy.get().is_some().then_some("true")
                                on:click=move |_| act(PersonAction::EndSessions)
                            >
                                {move || if busy.get().is_some() { "Ending…" } else { "End sessions" }}
                            </button>
                            <button class="button button--secondary" type="button" on:click=move |_| keep()>
                                "Cancel"
                            </button>
                        </div>
                    </div>
                }
            })}
            <FormError message=error.into() />
            <FormStatus message=said.into() />
        </li>
    }
}

/// The person's name, else their username.
fn shown_name(member: &AdminMember) -> String {
    if member.name.trim().is_empty() {
        member.username.clone()
    } else {
        member.name.clone()
    }
}

fn facts(member: &AdminMember) -> impl IntoView {
    let row = |term: &'static str, value: AnyView| {
        view! {
            <div class="details__row">
                <dt>{term}</dt>
                <dd class="details__value">{value}</dd>
            </div>
        }
    };
    let tag = |on: bool, yes: &'static str, no: &'static str| {
        view! { <span class="tag" class:tag--warning=!on>{if on { yes } else { no }}</span> }
            .into_any()
    };
    let seats = if member.seats.is_empty() {
        "None".to_owned()
    } else {
        member.seats.join(", ")
    };
    view! {
        <dl class="details">
            {row("Email", view! {
                <span class="details__email">
                    {member.email.clone()}
                    {tag(member.email_verified, "Verified", "Not verified")}
                </span>
            }.into_any())}
            {row("Username", member.username.clone().into_any())}
            {row("Role", member.role.clone().into_any())}
            {row("Two-factor", tag(member.mfa_enabled, "On", "Off"))}
            {row("Sign-ins", sessions_text(member.active_sessions).into_any())}
            {row("Seats", seats.into_any())}
            {member.deactivated.then(|| row("Account", tag(false, "", "Deactivated")))}
        </dl>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_read_as_sentences() {
        let email = "ada@example.org";
        assert_eq!(
            PersonAction::EndSessions.done(email, 2),
            "2 sign-ins of ada@example.org ended."
        );
        assert_eq!(
            PersonAction::EndSessions.done(email, 1),
            "1 sign-in of ada@example.org ended."
        );
        assert_eq!(
            PersonAction::EndSessions.done(email, 0),
            "ada@example.org had no sign-ins to end."
        );
        assert!(PersonAction::PasswordReset
            .done(email, 0)
            .contains("new password"));
        assert_eq!(
            PersonAction::ResendVerification.path(),
            "verification-email"
        );
        assert_eq!(sessions_text(0), "None");
        assert_eq!(sessions_text(3), "3 active sign-ins");
    }
}
