//! `/api-keys`: the account's API keys, for its own apps and scripts. The list (never a
//! secret), a form to create a key (name, what it may do, when it expires), the new
//! key's secret shown this once, and revoking a key after a confirmation step. Only the
//! account's owners and admins may manage keys: everyone else reads why.

use gatehouse_shared::api_keys::{ApiKeyView, CreatedApiKey, NewApiKey};
use gatehouse_shared::ids::AccountId;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::ApiError;
use crate::auth::{use_auth, Auth};
use crate::billing::format::{date_or, format_date};
use crate::browser::{copy_text, focus_id};
use crate::form::{server_errors, Field, FormError, FormStatus, Select, SubmitButton};
use crate::guard::RequireSignIn;
use crate::title::Title;

/// The areas a key can be limited to: scope, label.
pub const AREAS: [(&str, &str); 4] = [
    ("billing", "Billing"),
    ("orders", "Orders"),
    ("entitlements", "Entitlements"),
    ("credits", "Credits"),
];

/// The expiry choices, in the order shown: value, label.
pub const EXPIRY_CHOICES: [(&str, &str); 4] = [
    ("never", "Never"),
    ("30", "In 30 days"),
    ("90", "In 90 days"),
    ("365", "In 365 days"),
];

/// The expiry a new key starts with: keys that never expire are a choice, not a default.
const DEFAULT_EXPIRY: &str = "90";

/// The most characters a key's name may have.
const NAME_MAX: usize = 100;

/// A scope in words.
pub fn scope_label(scope: &str) -> Option<&'static str> {
    Some(match scope {
        "full" => "Full access",
        "read" => "Read only",
        _ => {
            return AREAS
                .iter()
                .find(|(area, _)| *area == scope)
                .map(|(_, label)| *label)
        }
    })
}

/// A key's scopes in words ("Billing, Orders"); a scope this page does not know shows as
/// it came.
pub fn scopes_text(scopes: &[String]) -> String {
    scopes
        .iter()
        .map(|scope| scope_label(scope).unwrap_or(scope))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The expiry choice as the API's `expires_in_days` (`None`: never expires).
pub fn expires_in_days(choice: &str) -> Option<u32> {
    choice.parse().ok().filter(|days| *days > 0)
}

/// Why a key's name cannot be sent as it is, as a sentence.
pub fn name_problem(name: &str) -> Option<String> {
    let length = name.trim().chars().count();
    if length == 0 {
        Some("Enter a name for the key, such as the app that will use it.".into())
    } else if length > NAME_MAX {
        Some(format!(
            "Use at most {NAME_MAX} characters (this name has {length})."
        ))
    } else {
        None
    }
}

/// The scopes to ask for: `access` is `full`, `read` or `areas` (then the areas ticked).
pub fn chosen_scopes(access: &str, areas: &[&str]) -> Result<Vec<String>, String> {
    match access {
        "full" | "read" => Ok(vec![access.to_owned()]),
        _ if areas.is_empty() => Err("Choose at least one area.".into()),
        _ => Ok(areas.iter().map(|area| (*area).to_owned()).collect()),
    }
}

#[component]
pub fn ApiKeysRoute() -> impl IntoView {
    view! {
        <Title text="API keys" />
        <div class="container account api-keys">
            <RequireSignIn>
                <ApiKeys />
            </RequireSignIn>
        </div>
    }
}

type Loaded = Result<Vec<ApiKeyView>, ApiError>;

/// The page's state, shared by its parts.
#[derive(Clone, Copy)]
struct Keys {
    auth: Auth,
    account: Option<AccountId>,
    /// The keys as last read; `None` while reading.
    list: RwSignal<Option<Loaded>>,
    /// What the last action did, announced.
    status: RwSignal<Option<String>>,
    /// The key whose revocation is being confirmed (its id).
    confirming: RwSignal<Option<String>>,
    revoking: RwSignal<bool>,
    revoke_error: RwSignal<Option<String>>,
    /// The key just created, with its secret, until "Done".
    created: RwSignal<Option<CreatedApiKey>>,
}

impl Keys {
    /// Reads the keys; the list says so meanwhile.
    fn read(self) {
        self.list.set(None);
        let Some(account) = self.account else {
            return;
        };
        spawn_local(async move {
            let answer = self
                .auth
                .call(|api| async move { api.api_keys(account).await })
                .await;
            _ = self.list.try_set(Some(answer.map(|list| list.keys)));
        });
    }

    fn loaded(self) -> bool {
        self.list.with(|list| matches!(list, Some(Ok(_))))
    }
}

#[component]
fn ApiKeys() -> impl IntoView {
    let auth = use_auth();
    let keys = Keys {
        auth,
        account: auth.me().map(|me| me.account_id),
        list: RwSignal::new(None),
        status: RwSignal::new(None),
        confirming: RwSignal::new(None),
        revoking: RwSignal::new(false),
        revoke_error: RwSignal::new(None),
        created: RwSignal::new(None),
    };
    keys.read();

    view! {
        <header class="account__intro">
            <h1>"API keys"</h1>
            <p class="lead">
                "Keys let your own apps and scripts use the Gatehouse API as your account. "
                <a href="/api/docs" rel="external">"Read the API documentation"</a>
                "."
            </p>
        </header>
        <FormStatus message=keys.status.into() />
        {move || keys.created.get().map(|created| secret_panel(keys, created))}
        <section class="card account__card dashboard__section" aria-labelledby="keys-title">
            <h2 id="keys-title" class="account__title" tabindex="-1">"Your keys"</h2>
            {move || keys.list.with(|list| match list {
                None => view! {
                    <div class="loading" role="status" aria-live="polite" aria-busy="true">
                        <span class="spinner" aria-hidden="true"></span>
                        "Loading your API keys…"
                    </div>
                }
                .into_any(),
                Some(Err(error)) if error.code() == Some("forbidden") => view! {
                    <div class="notice notice--warning" role="alert">
                        <h3 class="notice__title">"Only owners and admins manage API keys"</h3>
                        <p>"Ask an owner or admin of your account to create a key for you."</p>
                    </div>
                }
                .into_any(),
                Some(Err(error)) => view! {
                    <div class="notice notice--error" role="alert">
                        <h3 class="notice__title">"Your API keys could not be loaded"</h3>
                        <p>{error.message()}</p>
                        <button class="button button--primary" type="button" on:click=move |_| keys.read()>
                            "Retry"
                        </button>
                    </div>
                }
                .into_any(),
                Some(Ok(list)) if list.is_empty() => view! {
                    <p class="account__text">
                        "You have no API keys yet. Create one below for each app or script that should use your account."
                    </p>
                }
                .into_any(),
                Some(Ok(list)) => view! {
                    <ul class="dashboard__list" role="list">
                        {list.iter().map(|key| key_item(keys, key)).collect_view()}
                    </ul>
                }
                .into_any(),
            })}
        </section>
        <CreateKey keys />
    }
}

/// One key: its name, prefix, access and dates, and revoking it.
fn key_item(keys: Keys, key: &ApiKeyView) -> impl IntoView {
    let revoked = key.revoked_at.is_some();
    let id = key.id.to_string();
    let name = key.name.clone();
    let button_id = format!("revoke-{id}");
    let question_id = format!("revoke-title-{id}");
    let confirming = {
        let id = id.clone();
        move || {
            keys.confirming
                .with(|open| open.as_deref() == Some(id.as_str()))
        }
    };
    let revoked_row = key.revoked_at.as_deref().map(|at| {
        view! {
            <div class="details__row">
                <dt>"Revoked"</dt>
                <dd>{format_date(at)}</dd>
            </div>
        }
    });
    let actions = (!revoked).then(|| {
        let open = {
            let (id, question_id) = (id.clone(), question_id.clone());
            move |_| {
                keys.status.set(None);
                keys.revoke_error.set(None);
                keys.confirming.set(Some(id.clone()));
                focus_id(&question_id);
            }
        };
        let keep = {
            let button_id = button_id.clone();
            move || {
                keys.revoke_error.set(None);
                keys.confirming.set(None);
                focus_id(&button_id);
            }
        };
        let keep_on_escape = keep.clone();
        let revoke = {
            let (id, name) = (id.clone(), name.clone());
            move |_| revoke(keys, id.clone(), name.clone())
        };
        let confirming_too = confirming.clone();
        let name_too = name.clone();
        view! {
            <div class="account__actions" hidden=confirming.clone()>
                <button
                    id=button_id.clone()
                    class="button button--danger-outline button--small"
                    type="button"
                    aria-expanded="false"
                    aria-controls=question_id.clone()
                    on:click=open
                >
                    "Revoke"
                    <span class="visually-hidden">" "{name.clone()}</span>
                </button>
            </div>
            {move || confirming_too().then(|| {
                let keep = keep.clone();
                let keep_on_escape = keep_on_escape.clone();
                let revoke = revoke.clone();
                view! {
                    // The confirmation step: its question takes focus; Escape keeps the key.
                    <div
                        class="billing__panel"
                        role="group"
                        aria-labelledby=question_id.clone()
                        on:keydown=move |event| {
                            if event.key() == "Escape" {
                                keep_on_escape();
                            }
                        }
                    >
                        <h4 id=question_id.clone() class="billing__panel-title" tabindex="-1">
                            "Revoke "{name_too.clone()}"? Apps using it stop working at once."
                        </h4>
                        <FormError message=keys.revoke_error.into() />
                        <div class="account__actions">
                            <button
                                class="button button--danger"
                                type="button"
                                disabled=move || keys.revoking.get()
                                aria-busy=move || keys.revoking.get().then_some("true")
                                on:click=revoke
                            >
                                {move || if keys.revoking.get() { "Revoking…" } else { "Revoke" }}
                            </button>
                            <button class="button button--secondary" type="button" on:click=move |_| keep()>
                                "Keep"
                            </button>
                        </div>
                    </div>
                }
            })}
        }
    });

    view! {
        <li class="api-key" class:api-key--revoked=revoked>
            <div class="account__head">
                <h3 class="card__title api-key__name">{name.clone()}</h3>
                {revoked.then(|| view! { <span class="tag">"Revoked"</span> })}
            </div>
            <dl class="details">
                <div class="details__row">
                    <dt>"Key"</dt>
                    <dd><code class="api-key__prefix">{key.prefix.clone()}"…"</code></dd>
                </div>
                <div class="details__row">
                    <dt>"Access"</dt>
                    <dd>{scopes_text(&key.scopes)}</dd>
                </div>
                <div class="details__row">
                    <dt>"Created"</dt>
                    <dd>{format_date(&key.created_at)}</dd>
                </div>
                <div class="details__row">
                    <dt>"Expires"</dt>
                    <dd>{date_or(key.expires_at.as_deref(), "Never")}</dd>
                </div>
                <div class="details__row">
                    <dt>"Last used"</dt>
                    <dd>{date_or(key.last_used_at.as_deref(), "Never used")}</dd>
                </div>
                {revoked_row}
            </dl>
            {actions}
        </li>
    }
}

/// Revokes a key (confirmed), then reads the list again (which shows it revoked, with no
/// button), and only then closes the question.
fn revoke(keys: Keys, id: String, name: String) {
    let Some(account) = keys.account else {
        return;
    };
    if keys.revoking.get_untracked() {
        return;
    }
    keys.revoking.set(true);
    keys.revoke_error.set(None);
    spawn_local(async move {
        let answer = keys
            .auth
            .call(|api| async move { api.revoke_api_key(account, id).await })
            .await;
        if let Err(failure) = answer {
            _ = keys.revoking.try_set(false);
            _ = keys.revoke_error.try_set(Some(failure.message()));
            return;
        }
        let list = keys
            .auth
            .call(|api| async move { api.api_keys(account).await })
            .await;
        if keys
            .list
            .try_set(Some(list.map(|list| list.keys)))
            .is_some()
        {
            return; // the page is gone
        }
        keys.revoking.set(false);
        keys.confirming.set(None);
        keys.status.set(Some(format!(
            "{name} is revoked. Apps using it can no longer reach your account."
        )));
        focus_id("keys-title");
    });
}

/// The new key's secret, shown this once, with a way to copy it.
fn secret_panel(keys: Keys, created: CreatedApiKey) -> impl IntoView {
    let copied = RwSignal::new(None::<String>);
    let secret = StoredValue::new(created.secret.clone());
    let copy = move |_| {
        copy_text(&secret.get_value(), move |worked| {
            _ = copied.try_set(Some(if worked {
                "Copied. Paste it where your app keeps its secrets.".into()
            } else {
                "Your browser did not allow copying. Select the key and copy it yourself.".into()
            }));
        });
    };
    let done = move |_| {
        keys.created.set(None);
        focus_id("create-title");
    };
    view! {
        <section class="card account__card recovery" aria-labelledby="secret-title">
            <div class="notice notice--warning">
                <h2 id="secret-title" class="notice__title" tabindex="-1">
                    "Copy your new key now"
                </h2>
                <p>
                    "Your key “"{created.key.name.clone()}"” is ready. "
                    <strong>"This is the only time it is shown."</strong>
                    " Gatehouse keeps only a fingerprint of it, so it cannot show it again. Store it somewhere safe, such as a password manager."
                </p>
            </div>
            <div class="field">
                <label class="field__label" for="new-key-secret">"Your new API key"</label>
                <input
                    class="field__input api-key__secret"
                    id="new-key-secret"
                    type="text"
                    readonly
                    autocomplete="off"
                    spellcheck="false"
                    prop:value=created.secret
                    on:focus=move |event| {
                        event_target::<leptos::web_sys::HtmlInputElement>(&event).select();
                    }
                />
                <p class="field__hint">"Send it as "<code>"Authorization: Bearer <key>"</code>"."</p>
            </div>
            <FormStatus message=copied.into() />
            <div class="account__actions">
                <button class="button button--secondary" type="button" on:click=copy>"Copy"</button>
                <button class="button button--primary" type="button" on:click=done>"Done"</button>
            </div>
        </section>
    }
}

#[component]
fn CreateKey(keys: Keys) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let access = RwSignal::new("full");
    let areas = AREAS.map(|_| RwSignal::new(false));
    let expiry = RwSignal::new(DEFAULT_EXPIRY.to_owned());
    let name_error = RwSignal::new(None::<String>);
    let scopes_error = RwSignal::new(None::<String>);
    let expiry_error = RwSignal::new(None::<String>);
    let form_error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);

    let picked = move || {
        AREAS
            .iter()
            .zip(areas)
            .filter(|(_, ticked)| ticked.get_untracked())
            .map(|((area, _), _)| *area)
            .collect::<Vec<_>>()
    };
    let reset = move || {
        name.set(String::new());
        access.set("full");
        for ticked in areas {
            ticked.set(false);
        }
        expiry.set(DEFAULT_EXPIRY.to_owned());
    };

    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        form_error.set(None);
        expiry_error.set(None);
        let typed = name.get_untracked();
        let name_problem = name_problem(&typed);
        let scopes = chosen_scopes(access.get_untracked(), &picked());
        name_error.set(name_problem.clone());
        scopes_error.set(scopes.as_ref().err().cloned());
        if name_problem.is_some() {
            focus_id("key-name");
            return;
        }
        let Ok(scopes) = scopes else {
            focus_id("area-billing");
            return;
        };
        let Some(account) = keys.account else {
            return;
        };
        let body = NewApiKey {
            name: typed.trim().to_owned(),
            scopes,
            expires_in_days: expires_in_days(&expiry.get_untracked()),
        };
        pending.set(true);
        keys.status.set(None);
        spawn_local(async move {
            let answer = keys
                .auth
                .call(|api| async move { api.create_api_key(account, &body).await })
                .await;
            _ = pending.try_set(false);
            match answer {
                Ok(created) => {
                    let key = created.key.clone();
                    keys.list.update(|list| {
                        if let Some(Ok(list)) = list {
                            list.insert(0, key);
                        }
                    });
                    keys.created.set(Some(created));
                    reset();
                    name_error.set(None);
                    focus_id("secret-title");
                }
                Err(failure) => {
                    let (mut inline, summary) = server_errors(
                        &failure,
                        &[
                            ("name", "Name"),
                            ("scopes", "Access"),
                            ("expires_in_days", "Expiry"),
                        ],
                    );
                    name_error.set(inline.remove("name"));
                    scopes_error.set(inline.remove("scopes"));
                    expiry_error.set(inline.remove("expires_in_days"));
                    form_error.set(Some(summary));
                }
            }
        });
    };
    // Not while the form steps aside for the new key: its emptied name field loses focus.
    let check_name = move |()| {
        if keys.created.with_untracked(Option::is_none) {
            name_error.set(name_problem(&name.get_untracked()));
        }
    };
    let recheck_name = move |()| {
        if name_error.with_untracked(Option::is_some) {
            check_name(());
        }
    };
    let hidden = move || keys.created.with(Option::is_some) || !keys.loaded();

    view! {
        <section class="card account__card" aria-labelledby="create-title" hidden=hidden>
            <h2 id="create-title" class="account__title" tabindex="-1">"Create a key"</h2>
            <form class="form" novalidate on:submit=on_submit>
                <FormError message=form_error.into() />
                <Field
                    name="name"
                    id="key-name"
                    label="Name"
                    value=name
                    error=name_error
                    on_blur=check_name
                    on_input=recheck_name
                    autocomplete="off"
                    hint="So you can tell your keys apart, such as the app that will use it. Up to 100 characters."
                />
                <fieldset
                    class="choices"
                    aria-describedby=move || scopes_error.with(Option::is_some).then_some("scopes-error")
                >
                    <legend class="field__label">"Access"</legend>
                    {[("full", "Full access", "Everything your account may do through the API."),
                      ("read", "Read only", "Reads only: nothing can be changed with it."),
                      ("areas", "Only some areas", "Full access within the areas you choose.")]
                        .into_iter()
                        .map(|(value, label, hint)| {
                            let id = format!("access-{value}");
                            let hint_id = format!("{id}-hint");
                            view! {
                                <div class="field--check">
                                    <div class="check">
                                        <input
                                            class="check__input"
                                            type="radio"
                                            name="access"
                                            id=id.clone()
                                            aria-describedby=hint_id.clone()
                                            prop:checked=move || access.get() == value
                                            on:change=move |_| {
                                                access.set(value);
                                                scopes_error.set(None);
                                            }
                                        />
                                        <label class="check__label" for=id>{label}</label>
                                    </div>
                                    <p class="field__hint" id=hint_id>{hint}</p>
                                </div>
                            }
                        })
                        .collect_view()}
                    <fieldset class="choices api-keys__areas" hidden=move || access.get() != "areas">
                        <legend class="visually-hidden">"Areas"</legend>
                        {AREAS
                            .into_iter()
                            .zip(areas)
                            .map(|((area, label), checked)| {
                                let id = format!("area-{area}");
                                view! {
                                    <div class="check">
                                        <input
                                            class="check__input"
                                            type="checkbox"
                                            name="scopes"
                                            value=area
                                            id=id.clone()
                                            prop:checked=move || checked.get()
                                            on:change=move |event| {
                                                checked.set(event_target_checked(&event));
                                                scopes_error.set(None);
                                            }
                                        />
                                        <label class="check__label" for=id>{label}</label>
                                    </div>
                                }
                            })
                            .collect_view()}
                    </fieldset>
                    <p class="field__error" id="scopes-error" hidden=move || scopes_error.with(Option::is_none)>
                        {move || scopes_error.get()}
                    </p>
                </fieldset>
                <Select
                    id="key-expiry"
                    name="expires_in_days"
                    label="Expires"
                    choices=&EXPIRY_CHOICES
                    value=expiry
                    error=expiry_error
                />
                <div class="account__actions">
                    <SubmitButton pending=pending.into() label="Create key" busy_label="Creating…" />
                </div>
            </form>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_read_as_words() {
        assert_eq!(scope_label("full"), Some("Full access"));
        assert_eq!(scope_label("read"), Some("Read only"));
        assert_eq!(scope_label("billing"), Some("Billing"));
        assert_eq!(scope_label("orders"), Some("Orders"));
        assert_eq!(scope_label("entitlements"), Some("Entitlements"));
        assert_eq!(scope_label("credits"), Some("Credits"));
        assert_eq!(scope_label("something_new"), None);
        let scopes = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(scopes_text(&scopes(&["read"])), "Read only");
        assert_eq!(
            scopes_text(&scopes(&["billing", "orders"])),
            "Billing, Orders"
        );
        assert_eq!(scopes_text(&scopes(&["admin"])), "admin");
        // Every scope the API knows has words.
        for scope in gatehouse_shared::api_keys::SCOPES {
            assert!(scope_label(scope).is_some(), "{scope}");
        }
    }

    #[test]
    fn expiry_choices_become_days() {
        assert_eq!(expires_in_days("never"), None);
        assert_eq!(expires_in_days("30"), Some(30));
        assert_eq!(expires_in_days("90"), Some(90));
        assert_eq!(expires_in_days("365"), Some(365));
        assert_eq!(expires_in_days(""), None);
        for (value, _) in EXPIRY_CHOICES {
            let days = expires_in_days(value);
            assert!(days.is_none_or(|days| days <= gatehouse_shared::api_keys::MAX_EXPIRY_DAYS));
        }
        assert!(EXPIRY_CHOICES
            .iter()
            .any(|(value, _)| *value == DEFAULT_EXPIRY));
    }

    #[test]
    fn names_are_needed_and_at_most_100_characters() {
        assert!(name_problem("  ").is_some());
        assert_eq!(name_problem("Accounting export"), None);
        assert_eq!(name_problem(&"é".repeat(100)), None);
        assert_eq!(
            name_problem(&"a".repeat(101)).unwrap(),
            "Use at most 100 characters (this name has 101)."
        );
    }

    #[test]
    fn access_becomes_scopes() {
        assert_eq!(chosen_scopes("full", &["orders"]).unwrap(), ["full"]);
        assert_eq!(chosen_scopes("read", &[]).unwrap(), ["read"]);
        assert_eq!(
            chosen_scopes("areas", &["billing", "entitlements"]).unwrap(),
            ["billing", "entitlements"]
        );
        assert!(chosen_scopes("areas", &[]).is_err());
    }
}
