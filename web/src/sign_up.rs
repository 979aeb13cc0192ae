//! `/sign-up`: create an account, then carry on signed in.

use gatehouse_shared::auth::{
    password_length_problem, username_problem, RegisterRequest, NAME_MAX,
};
use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_query_map;

use crate::api::{ApiError, UnauthorizedApi};
use crate::auth::{use_auth, Auth, SignInStep};
use crate::browser::normalize_email;
use crate::form::{sentence, server_errors, Field, FieldErrors, FormError, SubmitButton};
use crate::guard::{with_next, RedirectWhenSignedIn, NEXT};
use crate::oauth::OAuthButtons;
use crate::title::Title;

/// The form's fields in order: API name and label.
const FIELDS: [(&str, &str); 5] = [
    ("first_name", "First name"),
    ("last_name", "Last name"),
    ("email", "Email"),
    ("username", "Username"),
    ("password", "Password"),
];

/// What the person typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignUpForm {
    pub email: String,
    pub username: String,
    pub password: String,
    pub first_name: String,
    pub last_name: String,
}

impl SignUpForm {
    fn value(&self, field: &str) -> &str {
        match field {
            "email" => &self.email,
            "username" => &self.username,
            "password" => &self.password,
            "first_name" => &self.first_name,
            _ => &self.last_name,
        }
    }

    /// Why `field` cannot be sent as it is, as a sentence; the same rules the API applies
    /// (except that it also turns away common passwords and taken usernames).
    pub fn problem(&self, field: &str) -> Option<String> {
        let value = self.value(field);
        match field {
            "email" if value.trim().is_empty() => Some("Enter your email address.".into()),
            "email" => normalize_email(value)
                .is_none()
                .then(|| "Enter an email address like name@example.com.".into()),
            "username" if value.is_empty() => Some("Choose a username.".into()),
            "username" => username_problem(value).map(|problem| sentence("Username", problem)),
            "password" if value.is_empty() => Some("Choose a password.".into()),
            "password" => {
                password_length_problem(value).map(|problem| sentence("Password", problem))
            }
            _ => (value.trim().chars().count() > NAME_MAX).then(|| {
                let label = label(field);
                sentence(label, &format!("must be at most {NAME_MAX} characters"))
            }),
        }
    }

    /// Every field's problem, by field name.
    pub fn problems(&self) -> FieldErrors {
        let mut problems = FieldErrors::new();
        for (field, _) in FIELDS {
            if let Some(problem) = self.problem(field) {
                problems.insert(field, problem);
            }
        }
        problems
    }

    fn request(&self) -> RegisterRequest {
        RegisterRequest {
            email: normalize_email(&self.email).unwrap_or_else(|| self.email.trim().to_owned()),
            username: self.username.clone(),
            password: self.password.clone(),
            first_name: self.first_name.trim().to_owned(),
            last_name: self.last_name.trim().to_owned(),
        }
    }
}

fn label(field: &str) -> &'static str {
    FIELDS
        .iter()
        .find(|(name, _)| *name == field)
        .map_or("This field", |(_, label)| label)
}

/// How a sign-up that the API accepted ended.
#[derive(Debug, Clone, PartialEq, Eq)]
enum SignedUp {
    /// Signed in with the new account; the page moves on.
    SignedIn,
    /// The address may have belonged to someone already (the API never says): the owner
    /// finishes from the email we sent.
    CheckInbox { email: String },
}

/// Registers, then signs in with the same credentials. (A second factor can only be
/// asked for when the address and password were someone's already: they get an email.)
async fn sign_up(auth: Auth, form: SignUpForm) -> Result<SignedUp, ApiError> {
    let request = form.request();
    UnauthorizedApi.register(&request).await?;
    match auth.sign_in(&request.email, &request.password).await {
        Ok(SignInStep::Done) => Ok(SignedUp::SignedIn),
        Ok(SignInStep::SecondFactor(_)) | Err(_) => Ok(SignedUp::CheckInbox {
            email: request.email,
        }),
    }
}

#[component]
pub fn SignUpRoute() -> impl IntoView {
    let auth = use_auth();
    let query = use_query_map();
    let next = move || query.read().get(NEXT);

    let form = FIELDS.map(|_| RwSignal::new(String::new()));
    let [first_name, last_name, email, username, password] = form;
    let inputs = FIELDS.map(|_| NodeRef::<Input>::new());
    let errors = RwSignal::new(FieldErrors::new());
    let form_error = RwSignal::new(None::<String>);

    let current = move || SignUpForm {
        email: email.get_untracked(),
        username: username.get_untracked(),
        password: password.get_untracked(),
        first_name: first_name.get_untracked(),
        last_name: last_name.get_untracked(),
    };
    // On blur: check what was typed (an untouched empty field waits for submit).
    let check = move |field: &'static str| {
        let form = current();
        if form.value(field).is_empty() && !errors.with_untracked(|e| e.contains_key(field)) {
            return;
        }
        errors.update(|errors| match form.problem(field) {
            Some(problem) => {
                errors.insert(field, problem);
            }
            None => {
                errors.remove(field);
            }
        });
    };
    // While typing: only clear an error once the value is fixed.
    let recheck = move |field: &'static str| {
        if errors.with_untracked(|e| e.contains_key(field)) && current().problem(field).is_none() {
            errors.update(|errors| {
                errors.remove(field);
            });
        }
    };

    let pending = RwSignal::new(false);
    let check_inbox = RwSignal::new(None::<String>);
    let on_submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let form = current();
        let problems = form.problems();
        form_error.set(None);
        focus_first(&problems, &inputs);
        let valid = problems.is_empty();
        errors.set(problems);
        if !valid {
            return;
        }
        pending.set(true);
        spawn_local(async move {
            match sign_up(auth, form).await {
                // Signed in: the redirect takes over; the button stays busy until then.
                Ok(SignedUp::SignedIn) => {}
                Ok(SignedUp::CheckInbox { email }) => {
                    pending.set(false);
                    check_inbox.set(Some(email));
                }
                Err(error) => {
                    pending.set(false);
                    let (inline, summary) = server_errors(&error, &FIELDS);
                    focus_first(&inline, &inputs);
                    errors.set(inline);
                    form_error.set(Some(summary));
                }
            }
        });
    };

    let field_error =
        move |field: &'static str| Signal::derive(move || errors.read().get(field).cloned());

    view! {
        <Title text="Create your account" />
        <RedirectWhenSignedIn />
        <div class="container auth-page auth-page--wide">
            {move || check_inbox.get().map(|email| view! { <CheckInbox email /> })}
            <div hidden=move || check_inbox.with(Option::is_some)>
                <section class="card auth-card" aria-labelledby="sign-up-title">
                    <header class="auth-card__head">
                        <h1 id="sign-up-title">"Create your account"</h1>
                        <p class="auth-card__lead">"One account for every Gatehouse product."</p>
                    </header>
                    <OAuthButtons next=Signal::derive(next) />
                    <form class="form" novalidate on:submit=on_submit>
                        <FormError message=form_error.into() />
                        <div class="form__row">
                            <Field
                                name="first_name"
                                label="First name"
                                value=first_name
                                error=field_error("first_name")
                                on_blur=move |()| check("first_name")
                                on_input=move |()| recheck("first_name")
                                autocomplete="given-name"
                                optional=true
                                node_ref=inputs[0]
                            />
                            <Field
                                name="last_name"
                                label="Last name"
                                value=last_name
                                error=field_error("last_name")
                                on_blur=move |()| check("last_name")
                                on_input=move |()| recheck("last_name")
                                autocomplete="family-name"
                                optional=true
                                node_ref=inputs[1]
                            />
                        </div>
                        <Field
                            name="email"
                            label="Email"
                            value=email
                            error=field_error("email")
                            on_blur=move |()| check("email")
                            on_input=move |()| recheck("email")
                            input_type="email"
                            autocomplete="email"
                            verbatim=true
                            node_ref=inputs[2]
                        />
                        <Field
                            name="username"
                            label="Username"
                            value=username
                            error=field_error("username")
                            on_blur=move |()| check("username")
                            on_input=move |()| recheck("username")
                            autocomplete="username"
                            hint="3 to 32 letters, digits, '_', '.' or '-'. You can sign in with it."
                            verbatim=true
                            node_ref=inputs[3]
                        />
                        <Field
                            name="password"
                            label="Password"
                            value=password
                            error=field_error("password")
                            on_blur=move |()| check("password")
                            on_input=move |()| recheck("password")
                            input_type="password"
                            autocomplete="new-password"
                            hint="At least 8 characters. A few unrelated words make a strong one."
                            node_ref=inputs[4]
                        />
                        <SubmitButton pending=pending.into() label="Create account" busy_label="Creating your account…" />
                    </form>
                    <p class="auth-card__switch">
                        "Already have an account? "
                        <a href=move || with_next("/sign-in", next())>"Sign in"</a>
                    </p>
                </section>
            </div>
        </div>
    }
}

/// After a sign-up whose sign-in did not go through.
#[component]
fn CheckInbox(email: String) -> impl IntoView {
    // The form this replaces had focus; hand it to the news.
    let heading = NodeRef::<leptos::html::H1>::new();
    heading.on_load(|heading| _ = heading.focus());
    view! {
        <section class="card auth-card" aria-labelledby="check-inbox-title">
            <div role="status" class="auth-card__head">
                <h1 id="check-inbox-title" tabindex="-1" node_ref=heading>"Check your inbox to finish signing up"</h1>
                <p class="auth-card__lead">
                    "We sent a message to "<strong>{email}</strong>
                    ". Follow the link in it to finish. It may take a minute to arrive; check your spam folder too."
                </p>
            </div>
            <p class="auth-card__switch">"Done already? "<a href="/sign-in">"Sign in"</a></p>
        </section>
    }
}

/// Moves focus to the first field (in form order) that has a problem.
fn focus_first(problems: &FieldErrors, inputs: &[NodeRef<Input>; 5]) {
    let first = FIELDS
        .iter()
        .position(|(field, _)| problems.contains_key(field));
    if let Some(input) = first.and_then(|index| inputs[index].get_untracked()) {
        _ = input.focus();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> SignUpForm {
        SignUpForm {
            email: " Ada@Example.org ".into(),
            username: "ada_l".into(),
            password: "correct horse".into(),
            first_name: " Ada ".into(),
            last_name: "".into(),
        }
    }

    #[test]
    fn a_valid_form_has_no_problems_and_is_sent_normalised() {
        assert_eq!(valid().problems(), FieldErrors::new());
        let request = valid().request();
        assert_eq!(request.email, "ada@example.org");
        assert_eq!(request.first_name, "Ada");
    }

    #[test]
    fn problems_use_the_shared_rules_as_sentences() {
        let form = SignUpForm {
            password: "short".into(),
            username: "_ada".into(),
            email: "ada@example".into(),
            last_name: "x".repeat(NAME_MAX + 1),
            ..valid()
        };
        let problems = form.problems();
        assert_eq!(
            problems["password"],
            "Password must be at least 8 characters."
        );
        assert_eq!(
            problems["username"],
            "Username must start with a letter or digit."
        );
        assert_eq!(
            problems["email"],
            "Enter an email address like name@example.com."
        );
        assert_eq!(
            problems["last_name"],
            "Last name must be at most 100 characters."
        );
        assert!(!problems.contains_key("first_name"));

        let empty = SignUpForm::default().problems();
        assert_eq!(empty["email"], "Enter your email address.");
        assert_eq!(empty["username"], "Choose a username.");
        assert_eq!(empty["password"], "Choose a password.");
        assert_eq!(empty.len(), 3, "names are optional");
    }
}
