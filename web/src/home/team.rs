//! `/team`: the accounts the person belongs to (their personal one and team accounts),
//! creating a team account, and for the account chosen (`/team?account=…`) its members
//! and open invitations. Owners and admins change roles, remove members and invite
//! people; an owner hands the account to another member; anyone may leave. Removing,
//! leaving and handing over ask first.

use gatehouse_shared::teams::{
    AccountSummary, Invitation, Member, NewAccount, NewInvitation, TransferOwnership,
};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api::ApiError;
use crate::auth::{use_auth, Auth};
use crate::billing::format::format_date;
use crate::browser::focus_id;
use crate::form::{
    email_problem, server_errors, Field, FormError, FormStatus, Select, SubmitButton,
};
use crate::guard::RequireSignIn;
use crate::title::Title;

/// The roles an owner or admin gives (ownership moves by transfer): value, label.
pub const ROLES: [(&str, &str); 3] = [
    ("admin", "Admin"),
    ("member", "Member"),
    ("billing", "Billing"),
];

/// The most characters an account's name may have.
const NAME_MAX: usize = 200;

/// The team page, showing one account.
pub fn team_href(account: &str) -> String {
    format!("/team?account={account}")
}

/// A role as a label ("Admin"); a role this page does not know shows as it came.
pub fn role_label(role: &str) -> &str {
    match role {
        "owner" => "Owner",
        _ => ROLES
            .iter()
            .find(|(value, _)| *value == role)
            .map_or(role, |(_, label)| label),
    }
}

/// A role in a sentence: "an admin", "a member".
pub fn role_in_words(role: &str) -> &str {
    match role {
        "owner" => "an owner",
        "admin" => "an admin",
        "member" => "a member",
        "billing" => "a billing contact",
        _ => role,
    }
}

/// Whether a role manages members and invitations.
pub fn manages(role: &str) -> bool {
    matches!(role, "owner" | "admin")
}

/// What someone with `my_role` may do to a member with `their_role` (`is_me`: themselves).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MemberActions {
    pub change_role: bool,
    pub remove: bool,
    pub leave: bool,
    pub make_owner: bool,
}

pub fn member_actions(my_role: &str, is_me: bool, their_role: &str) -> MemberActions {
    let others = !is_me && manages(my_role);
    MemberActions {
        change_role: others && their_role != "owner",
        remove: others && (their_role != "owner" || my_role == "owner"),
        leave: is_me,
        make_owner: !is_me && my_role == "owner" && their_role != "owner",
    }
}

/// Why an account's name cannot be sent as it is, as a sentence.
pub fn account_name_problem(name: &str) -> Option<String> {
    let length = name.trim().chars().count();
    if length == 0 {
        Some("Enter a name for the team account, such as your company's.".into())
    } else if length > NAME_MAX {
        Some(format!(
            "Use at most {NAME_MAX} characters (this name has {length})."
        ))
    } else {
        None
    }
}

#[component]
pub fn TeamRoute() -> impl IntoView {
    view! {
        <Title text="Team" />
        <div class="container account team">
            <RequireSignIn>
                <TeamPage />
            </RequireSignIn>
        </div>
    }
}

type Loaded<T> = Option<Result<Vec<T>, ApiError>>;

/// Moves to another path of the site (the router's `navigate`, kept).
type Navigate = Box<dyn Fn(&str)>;

/// Which step is being confirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ask {
    Remove,
    Leave,
    Transfer,
}

/// The page's state, shared by its parts.
#[derive(Clone, Copy)]
struct Team {
    auth: Auth,
    /// The signed-in user's id.
    me: StoredValue<String>,
    accounts: RwSignal<Loaded<AccountSummary>>,
    /// The account shown (`?account=`), with the user's role in it, once both are known.
    chosen: Memo<Option<AccountSummary>>,
    members: RwSignal<Loaded<Member>>,
    invitations: RwSignal<Loaded<Invitation>>,
    /// What the last action did, announced.
    status: RwSignal<Option<String>>,
    /// A failed role change or withdrawal.
    members_error: RwSignal<Option<String>>,
    /// The step being confirmed, for which member (user id).
    confirming: RwSignal<Option<(Ask, String)>>,
    busy: RwSignal<bool>,
    action_error: RwSignal<Option<String>>,
    navigate: StoredValue<Navigate, LocalStorage>,
}

impl Team {
    fn read_accounts(self) {
        spawn_local(async move {
            let answer = self
                .auth
                .call(|api| async move { api.accounts().await })
                .await;
            _ = self
                .accounts
                .try_set(Some(answer.map(|list| list.accounts)));
        });
    }

    /// Reads the chosen account's members, and its invitations for those who manage it.
    fn read_account(self, account: &AccountSummary) {
        let id = account.id.to_string();
        let invitations = manages(&account.role) && !account.personal;
        spawn_local(async move {
            let members = self
                .auth
                .call(|api| {
                    let id = id.clone();
                    async move { api.members(id).await }
                })
                .await;
            _ = self.members.try_set(Some(members.map(|list| list.members)));
            if invitations {
                self.read_invitations(id).await;
            }
        });
    }

    async fn read_invitations(self, id: String) {
        let answer = self
            .auth
            .call(|api| async move { api.invitations(id).await })
            .await;
        _ = self
            .invitations
            .try_set(Some(answer.map(|list| list.invitations)));
    }

    fn go(self, path: &str) {
        self.navigate.with_value(|navigate| navigate(path));
    }
}

#[component]
fn TeamPage() -> impl IntoView {
    let auth = use_auth();
    let query = use_query_map();
    let accounts = RwSignal::new(None::<Result<Vec<AccountSummary>, ApiError>>);
    let chosen = Memo::new(move |_| {
        let id = query.with(|query| query.get("account"))?;
        accounts.with(|list| {
            list.as_ref()?
                .as_ref()
                .ok()?
                .iter()
                .find(|account| account.id.to_string() == id)
                .cloned()
        })
    });
    let navigate = use_navigate();
    let team = Team {
        auth,
        me: StoredValue::new(auth.me().map(|me| me.id.to_string()).unwrap_or_default()),
        accounts,
        chosen,
        members: RwSignal::new(None),
        invitations: RwSignal::new(None),
        status: RwSignal::new(None),
        members_error: RwSignal::new(None),
        confirming: RwSignal::new(None),
        busy: RwSignal::new(false),
        action_error: RwSignal::new(None),
        navigate: StoredValue::new_local(Box::new(move |path: &str| {
            navigate(path, Default::default())
        })),
    };
    team.read_accounts();
    // A new account (or a new role in it) reads its members again.
    Effect::new(move |_| {
        let Some(account) = chosen.get() else {
            return;
        };
        team.members.set(None);
        team.invitations.set(None);
        team.confirming.set(None);
        team.members_error.set(None);
        team.read_account(&account);
    });

    view! {
        <header class="account__intro">
            <h1>"Team"</h1>
            <p class="lead">"The accounts you belong to, and the people in them."</p>
        </header>
        <FormStatus message=team.status.into() />
        <section class="card account__card dashboard__section" aria-labelledby="accounts-title">
            <h2 id="accounts-title" class="account__title">"Your accounts"</h2>
            {move || team.accounts.with(|list| match list {
                None => loading("Loading your accounts…"),
                Some(Err(error)) => load_failed(
                    "Your accounts could not be loaded",
                    error,
                    Callback::new(move |()| {
                        team.accounts.set(None);
                        team.read_accounts();
                    }),
                ),
                Some(Ok(list)) => view! {
                    <ul class="dashboard__list" role="list">
                        {list.iter().map(|account| account_item(team, account)).collect_view()}
                    </ul>
                }
                .into_any(),
            })}
        </section>
        {move || chosen.get().map(|account| view! { <Chosen team account /> })}
        <CreateAccount team />
    }
}

/// A part of the page being read.
fn loading(text: &'static str) -> AnyView {
    view! {
        <div class="loading" role="status" aria-live="polite" aria-busy="true">
            <span class="spinner" aria-hidden="true"></span>
            {text}
        </div>
    }
    .into_any()
}

/// A part of the page that could not be read, and trying again.
fn load_failed(title: &'static str, error: &ApiError, retry: Callback<()>) -> AnyView {
    view! {
        <div class="notice notice--error" role="alert">
            <h3 class="notice__title">{title}</h3>
            <p>{error.message()}</p>
            <button class="button button--primary" type="button" on:click=move |_| retry.run(())>
                "Retry"
            </button>
        </div>
    }
    .into_any()
}

/// One account in the list: its name, kind and the user's role, and the way to it.
fn account_item(team: Team, account: &AccountSummary) -> impl IntoView {
    let id = account.id.to_string();
    let current = {
        let id = id.clone();
        move || {
            team.chosen
                .with(|chosen| chosen.as_ref().is_some_and(|c| c.id.to_string() == id))
                .then_some("true")
        }
    };
    let kind = if account.personal { "Personal" } else { "Team" };
    view! {
        <li class="team__account">
            <a class="team__account-link" href=team_href(&id) aria-current=current>
                {account.name.clone()}
            </a>
            <span class="team__account-facts">
                <span class="tag">{kind}</span>
                " "
                {role_label(&account.role).to_owned()}
            </span>
        </li>
    }
}

/// The chosen account: its members, and its invitations for those who manage it.
#[component]
fn Chosen(team: Team, account: AccountSummary) -> impl IntoView {
    let account = StoredValue::new(account);
    let name = account.with_value(|a| a.name.clone());
    let (personal, my_role) = account.with_value(|a| (a.personal, a.role.clone()));
    let invite = (manages(&my_role) && !personal).then(|| view! { <Invitations team account /> });
    let personal_note = personal.then(|| {
        view! {
            <section class="card account__card dashboard__section" aria-labelledby="invite-title">
                <h2 id="invite-title" class="account__title">"Invite people"</h2>
                <p class="account__text">
                    "Your personal account has one member: you. To work with others, create a team account and invite them to it."
                </p>
                <div class="account__actions">
                    <button class="button button--secondary" type="button" on:click=move |_| focus_id("team-name")>
                        "Create a team account"
                    </button>
                </div>
            </section>
        }
    });
    view! {
        <section class="card account__card dashboard__section" aria-labelledby="members-title">
            <h2 id="members-title" class="account__title" tabindex="-1">"Members of "{name}</h2>
            <p class="account__text">"You are "{role_in_words(&my_role).to_owned()}" here."</p>
            <FormError message=team.members_error.into() />
            {move || team.members.with(|list| match list {
                None => loading("Loading the members…"),
                Some(Err(error)) => load_failed(
                    "The members could not be loaded",
                    error,
                    Callback::new(move |()| {
                        team.members.set(None);
                        account.with_value(|a| team.read_account(a));
                    }),
                ),
                Some(Ok(list)) => view! {
                    <ul class="dashboard__list" role="list">
                        {list
                            .iter()
                            .map(|member| member_item(team, account, member))
                            .collect_view()}
                    </ul>
                }
                .into_any(),
            })}
        </section>
        {personal_note}
        {invite}
    }
}

/// One member: name, email and role, and what the user may do about them.
fn member_item(team: Team, account: StoredValue<AccountSummary>, member: &Member) -> impl IntoView {
    let user = member.user_id.to_string();
    let is_me = team.me.with_value(|me| *me == user);
    let my_role = account.with_value(|a| a.role.clone());
    let can = member_actions(&my_role, is_me, &member.role);
    let member = StoredValue::new(member.clone());
    let name = member.with_value(|m| m.name.clone());
    let shown_name = if is_me {
        format!("{name} (you)")
    } else {
        name.clone()
    };
    let role = member.with_value(|m| m.role.clone());
    let select_id = format!("role-{user}");

    let role_view = if can.change_role {
        let label_name = name.clone();
        view! {
            <div class="field team__role">
                <label class="field__label" for=select_id.clone()>
                    "Role"<span class="visually-hidden">" of "{label_name}</span>
                </label>
                <select
                    class="field__input"
                    id=select_id.clone()
                    disabled=move || team.busy.get()
                    on:change=move |event| {
                        change_role(team, account, member, event_target_value(&event));
                    }
                >
                    {ROLES
                        .into_iter()
                        .map(|(value, label)| {
                            view! { <option value=value selected=role == value>{label}</option> }
                        })
                        .collect_view()}
                </select>
            </div>
        }
        .into_any()
    } else {
        view! {
            <div class="details__row">
                <dt>"Role"</dt>
                <dd>{role_label(&role).to_owned()}</dd>
            </div>
        }
        .into_any()
    };
    let (role_in_list, role_below) = if can.change_role {
        (None, Some(role_view))
    } else {
        (Some(role_view), None)
    };

    let actions = [
        (
            can.make_owner,
            Ask::Transfer,
            "Make owner",
            "button button--secondary button--small",
        ),
        (
            can.remove,
            Ask::Remove,
            "Remove",
            "button button--danger-outline button--small",
        ),
        (
            can.leave,
            Ask::Leave,
            "Leave",
            "button button--danger-outline button--small",
        ),
    ]
    .into_iter()
    .filter(|(allowed, ..)| *allowed)
    .map(|(_, ask, label, class)| {
        let id = format!("{}-{user}", ask_key(ask));
        let question_id = format!("{id}-question");
        let open = {
            let (user, question_id) = (user.clone(), question_id.clone());
            move |_| {
                team.status.set(None);
                team.action_error.set(None);
                team.confirming.set(Some((ask, user.clone())));
                focus_id(&question_id);
            }
        };
        let hidden_name = (ask != Ask::Leave).then(|| {
            view! { <span class="visually-hidden">" "{name.clone()}</span> }
        });
        view! {
            <button
                id=id
                class=class
                type="button"
                aria-expanded="false"
                aria-controls=question_id
                on:click=open
            >
                {label}
                {hidden_name}
            </button>
        }
    })
    .collect_view();

    let confirming = {
        let user = user.clone();
        move || {
            team.confirming.with(|open| {
                open.as_ref()
                    .filter(|(_, who)| *who == user)
                    .map(|(ask, _)| *ask)
            })
        }
    };
    let confirming_for_hide = confirming.clone();
    let account_name = account.with_value(|a| a.name.clone());

    view! {
        <li class="api-key team__member">
            <div class="account__head">
                <h3 class="card__title api-key__name">{shown_name}</h3>
            </div>
            <dl class="details">
                <div class="details__row">
                    <dt>"Email"</dt>
                    <dd class="details__email">{member.with_value(|m| m.email.clone())}</dd>
                </div>
                {role_in_list}
            </dl>
            {role_below}
            <div class="account__actions" hidden=move || confirming_for_hide().is_some()>
                {actions}
            </div>
            {move || confirming().map(|ask| {
                let question = match ask {
                    Ask::Remove => format!("Remove {name} from {account_name}? They lose access at once."),
                    Ask::Leave => format!("Leave {account_name}? You lose access at once."),
                    Ask::Transfer => format!(
                        "Make {name} the owner of {account_name}? You become an admin."
                    ),
                };
                let (yes, busy, danger) = match ask {
                    Ask::Remove => ("Remove", "Removing…", true),
                    Ask::Leave => ("Leave", "Leaving…", true),
                    Ask::Transfer => ("Make owner", "Handing over…", false),
                };
                confirm_panel(team, ask, member, account, question, yes, busy, danger)
            })}
        </li>
    }
}

fn ask_key(ask: Ask) -> &'static str {
    match ask {
        Ask::Remove => "remove",
        Ask::Leave => "leave",
        Ask::Transfer => "transfer",
    }
}

/// The confirmation step: its question takes focus; Escape or "Cancel" keeps things as
/// they are, focus back on the button that asked.
#[allow(clippy::too_many_arguments)]
fn confirm_panel(
    team: Team,
    ask: Ask,
    member: StoredValue<Member>,
    account: StoredValue<AccountSummary>,
    question: String,
    yes: &'static str,
    busy: &'static str,
    danger: bool,
) -> impl IntoView {
    let user = member.with_value(|m| m.user_id.to_string());
    let button_id = format!("{}-{user}", ask_key(ask));
    let question_id = format!("{button_id}-question");
    let labelled_by = question_id.clone();
    let keep = move || {
        team.action_error.set(None);
        team.confirming.set(None);
        focus_id(&button_id);
    };
    let keep_on_escape = keep.clone();
    view! {
        <div
            class="billing__panel"
            role="group"
            aria-labelledby=labelled_by
            on:keydown=move |event| {
                if event.key() == "Escape" {
                    keep_on_escape();
                }
            }
        >
            <h4 id=question_id class="billing__panel-title" tabindex="-1">{question}</h4>
            <FormError message=team.action_error.into() />
            <div class="account__actions">
                <button
                    class=if danger { "button button--danger" } else { "button button--primary" }
                    type="button"
                    disabled=move || team.busy.get()
                    aria-busy=move || team.busy.get().then_some("true")
                    on:click=move |_| act(team, ask, member, account)
                >
                    {move || if team.busy.get() { busy } else { yes }}
                </button>
                <button class="button button--secondary" type="button" on:click=move |_| keep()>
                    "Cancel"
                </button>
            </div>
        </div>
    }
}

/// Removes, leaves or hands over (confirmed), then reads again what changed.
fn act(team: Team, ask: Ask, member: StoredValue<Member>, account: StoredValue<AccountSummary>) {
    if team.busy.get_untracked() {
        return;
    }
    let (account_id, account_name) = account.with_value(|a| (a.id.to_string(), a.name.clone()));
    let (user_id, user, name) =
        member.with_value(|m| (m.user_id, m.user_id.to_string(), m.name.clone()));
    team.busy.set(true);
    team.action_error.set(None);
    spawn_local(async move {
        let id = account_id.clone();
        let answer = team
            .auth
            .call(|api| async move {
                match ask {
                    Ask::Remove | Ask::Leave => api.remove_member(id, user).await,
                    Ask::Transfer => {
                        api.transfer_ownership(id, &TransferOwnership { user_id })
                            .await
                    }
                }
            })
            .await;
        _ = team.busy.try_set(false);
        if let Err(failure) = answer {
            _ = team.action_error.try_set(Some(failure.message()));
            return;
        }
        _ = team.confirming.try_set(None);
        let done = match ask {
            Ask::Remove => format!("{name} is removed from {account_name}."),
            Ask::Leave => format!("You left {account_name}."),
            Ask::Transfer => {
                format!("{name} is now the owner of {account_name}. You are an admin.")
            }
        };
        _ = team.status.try_set(Some(done));
        match ask {
            Ask::Remove => account.with_value(|a| team.read_account(a)),
            Ask::Leave => {
                team.go("/team");
                focus_id("accounts-title");
            }
            // The user's role changed: the new role reads the members again.
            Ask::Transfer => focus_id("members-title"),
        }
        team.read_accounts();
    });
}

/// Gives a member another role at once, then reads the members again.
fn change_role(
    team: Team,
    account: StoredValue<AccountSummary>,
    member: StoredValue<Member>,
    role: String,
) {
    let account_id = account.with_value(|a| a.id.to_string());
    let (user, name) = member.with_value(|m| (m.user_id.to_string(), m.name.clone()));
    team.busy.set(true);
    team.status.set(None);
    team.members_error.set(None);
    spawn_local(async move {
        let answer = team
            .auth
            .call(|api| {
                let (account_id, role) = (account_id.clone(), role.clone());
                async move { api.change_role(account_id, user, &role).await }
            })
            .await;
        _ = team.busy.try_set(false);
        match answer {
            Ok(()) => {
                _ = team
                    .status
                    .try_set(Some(format!("{name} is now {}.", role_in_words(&role))));
            }
            Err(failure) => {
                _ = team.members_error.try_set(Some(failure.message()));
            }
        }
        // Either way the list shows the role as it is now.
        let members = team
            .auth
            .call(|api| async move { api.members(account_id).await })
            .await;
        _ = team.members.try_set(Some(members.map(|list| list.members)));
    });
}

/// A team account's open invitations, withdrawing one, and inviting someone.
#[component]
fn Invitations(team: Team, account: StoredValue<AccountSummary>) -> impl IntoView {
    let account_id = account.with_value(|a| a.id.to_string());
    let withdraw = move |invitation: Invitation| {
        let account_id = account.with_value(|a| a.id.to_string());
        team.status.set(None);
        team.members_error.set(None);
        spawn_local(async move {
            let id = account_id.clone();
            let answer = team
                .auth
                .call(|api| async move { api.withdraw_invitation(id, invitation.id).await })
                .await;
            match answer {
                Ok(()) => {
                    _ = team.status.try_set(Some(format!(
                        "The invitation for {} is withdrawn.",
                        invitation.email
                    )));
                    focus_id("invite-title");
                }
                Err(failure) => _ = team.members_error.try_set(Some(failure.message())),
            }
            team.read_invitations(account_id).await;
        });
    };

    view! {
        <section class="card account__card dashboard__section" aria-labelledby="invitations-title">
            <h2 id="invitations-title" class="account__title">"Open invitations"</h2>
            {move || team.invitations.with(|list| match list {
                None => loading("Loading the invitations…"),
                Some(Err(error)) => {
                    let account_id = account_id.clone();
                    load_failed(
                        "The invitations could not be loaded",
                        error,
                        Callback::new(move |()| {
                            team.invitations.set(None);
                            let account_id = account_id.clone();
                            spawn_local(async move { team.read_invitations(account_id).await });
                        }),
                    )
                }
                Some(Ok(list)) if list.is_empty() => view! {
                    <p class="account__text">"No invitations are waiting for an answer."</p>
                }
                .into_any(),
                Some(Ok(list)) => view! {
                    <ul class="dashboard__list" role="list">
                        {list
                            .iter()
                            .map(|invitation| {
                                let for_button = invitation.clone();
                                view! {
                                    <li class="api-key">
                                        <h3 class="card__title api-key__name details__email">{invitation.email.clone()}</h3>
                                        <dl class="details">
                                            <div class="details__row">
                                                <dt>"Role"</dt>
                                                <dd>{role_label(&invitation.role).to_owned()}</dd>
                                            </div>
                                            <div class="details__row">
                                                <dt>"Expires"</dt>
                                                <dd>{format_date(&invitation.expires_at)}</dd>
                                            </div>
                                        </dl>
                                        <div class="account__actions">
                                            <button
                                                class="button button--danger-outline button--small"
                                                type="button"
                                                on:click=move |_| withdraw(for_button.clone())
                                            >
                                                "Withdraw"
                                                <span class="visually-hidden">" the invitation for "{invitation.email.clone()}</span>
                                            </button>
                                        </div>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                .into_any(),
            })}
        </section>
        <Invite team account />
    }
}

#[component]
fn Invite(team: Team, account: StoredValue<AccountSummary>) -> impl IntoView {
    let email = RwSignal::new(String::new());
    let role = RwSignal::new("member".to_owned());
    let email_error = RwSignal::new(None::<String>);
    let role_error = RwSignal::new(None::<String>);
    let form_error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);

    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        form_error.set(None);
        role_error.set(None);
        let typed = email.get_untracked();
        let problem = email_problem(&typed);
        email_error.set(problem.clone());
        if problem.is_some() {
            focus_id("invite-email");
            return;
        }
        let account_id = account.with_value(|a| a.id.to_string());
        let body = NewInvitation {
            email: typed.trim().to_owned(),
            role: role.get_untracked(),
        };
        pending.set(true);
        team.status.set(None);
        spawn_local(async move {
            let id = account_id.clone();
            let answer = team
                .auth
                .call(|api| async move { api.invite(id, &body).await })
                .await;
            _ = pending.try_set(false);
            match answer {
                Ok(invitation) => {
                    _ = team.status.try_set(Some(format!(
                        "Invitation sent to {}. The link works once and for 7 days.",
                        invitation.email
                    )));
                    team.invitations.update(|list| {
                        if let Some(Ok(list)) = list {
                            list.insert(0, invitation);
                        }
                    });
                    email.set(String::new());
                    role.set("member".to_owned());
                    email_error.set(None);
                }
                Err(failure) if failure.code() == Some("already_member") => {
                    email_error.set(Some(failure.message()));
                    focus_id("invite-email");
                }
                Err(failure) => {
                    let (mut inline, summary) =
                        server_errors(&failure, &[("email", "Email"), ("role", "Role")]);
                    email_error.set(inline.remove("email"));
                    role_error.set(inline.remove("role"));
                    form_error.set(Some(summary));
                }
            }
        });
    };
    let check_email = move |()| {
        if !email.with_untracked(String::is_empty) {
            email_error.set(email_problem(&email.get_untracked()));
        }
    };
    let recheck_email = move |()| {
        if email_error.with_untracked(Option::is_some) {
            email_error.set(email_problem(&email.get_untracked()));
        }
    };

    view! {
        <section class="card account__card dashboard__section" aria-labelledby="invite-title">
            <h2 id="invite-title" class="account__title" tabindex="-1">"Invite someone"</h2>
            <form class="form" novalidate on:submit=on_submit>
                <FormError message=form_error.into() />
                <Field
                    name="email"
                    id="invite-email"
                    label="Email address"
                    input_type="email"
                    value=email
                    error=email_error
                    on_blur=check_email
                    on_input=recheck_email
                    autocomplete="off"
                    verbatim=true
                    hint="We email them a link that works once and for 7 days."
                />
                <Select
                    id="invite-role"
                    name="role"
                    label="Role"
                    choices=&ROLES
                    value=role
                    error=role_error
                />
                <div class="account__actions">
                    <SubmitButton pending=pending.into() label="Send invitation" busy_label="Sending…" />
                </div>
            </form>
        </section>
    }
}

#[component]
fn CreateAccount(team: Team) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let name_error = RwSignal::new(None::<String>);
    let form_error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);

    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        form_error.set(None);
        let typed = name.get_untracked();
        let problem = account_name_problem(&typed);
        name_error.set(problem.clone());
        if problem.is_some() {
            focus_id("team-name");
            return;
        }
        let body = NewAccount {
            name: typed.trim().to_owned(),
        };
        pending.set(true);
        team.status.set(None);
        spawn_local(async move {
            let answer = team
                .auth
                .call(|api| async move { api.create_account(&body).await })
                .await;
            _ = pending.try_set(false);
            match answer {
                Ok(account) => {
                    let id = account.id.to_string();
                    _ = team.status.try_set(Some(format!(
                        "{} is created, with you as its owner. Invite people to it below.",
                        account.name
                    )));
                    team.accounts.update(|list| {
                        if let Some(Ok(list)) = list {
                            list.push(account);
                        }
                    });
                    name.set(String::new());
                    name_error.set(None);
                    team.go(&team_href(&id));
                    focus_id("members-title");
                }
                Err(failure) => {
                    let (mut inline, summary) = server_errors(&failure, &[("name", "Name")]);
                    name_error.set(inline.remove("name"));
                    form_error.set(Some(summary));
                }
            }
        });
    };
    let check_name = move |()| {
        if !name.with_untracked(String::is_empty) {
            name_error.set(account_name_problem(&name.get_untracked()));
        }
    };
    let recheck_name = move |()| {
        if name_error.with_untracked(Option::is_some) {
            name_error.set(account_name_problem(&name.get_untracked()));
        }
    };

    view! {
        <section class="card account__card dashboard__section" aria-labelledby="create-team-title">
            <h2 id="create-team-title" class="account__title">"Create a team account"</h2>
            <p class="account__text">
                "A team account has its own plan and API keys, and the people you invite. You are its owner."
            </p>
            <form class="form" novalidate on:submit=on_submit>
                <FormError message=form_error.into() />
                <Field
                    name="name"
                    id="team-name"
                    label="Team name"
                    value=name
                    error=name_error
                    on_blur=check_name
                    on_input=recheck_name
                    autocomplete="organization"
                    hint="Such as your company's name. Up to 200 characters."
                />
                <div class="account__actions">
                    <SubmitButton pending=pending.into() label="Create team account" busy_label="Creating…" />
                </div>
            </form>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_read_as_words() {
        assert_eq!(role_label("owner"), "Owner");
        assert_eq!(role_label("admin"), "Admin");
        assert_eq!(role_label("member"), "Member");
        assert_eq!(role_label("billing"), "Billing");
        assert_eq!(role_label("auditor"), "auditor");
        assert_eq!(role_in_words("admin"), "an admin");
        assert_eq!(role_in_words("member"), "a member");
        assert_eq!(role_in_words("owner"), "an owner");
        assert_eq!(role_in_words("billing"), "a billing contact");
    }

    #[test]
    fn owners_and_admins_manage_others() {
        let none = MemberActions::default();
        // Yourself: only leaving.
        for role in ["owner", "admin", "member", "billing"] {
            assert_eq!(
                member_actions(role, true, role),
                MemberActions {
                    leave: true,
                    ..none
                }
            );
        }
        assert_eq!(
            member_actions("owner", false, "member"),
            MemberActions {
                change_role: true,
                remove: true,
                leave: false,
                make_owner: true,
            }
        );
        assert_eq!(
            member_actions("admin", false, "billing"),
            MemberActions {
                change_role: true,
                remove: true,
                ..none
            }
        );
        // Admins leave owners alone; nobody gives or takes "owner" by a role change.
        assert_eq!(member_actions("admin", false, "owner"), none);
        assert_eq!(
            member_actions("owner", false, "owner"),
            MemberActions {
                remove: true,
                ..none
            }
        );
        assert_eq!(member_actions("member", false, "admin"), none);
        assert_eq!(member_actions("billing", false, "member"), none);
    }

    #[test]
    fn team_names_are_needed_and_at_most_200_characters() {
        assert!(account_name_problem(" ").is_some());
        assert_eq!(account_name_problem("Analytical Engines"), None);
        assert_eq!(account_name_problem(&"é".repeat(200)), None);
        assert_eq!(
            account_name_problem(&"a".repeat(201)).unwrap(),
            "Use at most 200 characters (this name has 201)."
        );
        assert_eq!(team_href("abc"), "/team?account=abc");
    }
}
