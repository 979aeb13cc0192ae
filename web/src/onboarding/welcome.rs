//! Step 1, `/onboarding`: "Welcome: your first name".

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};

use super::store::update_wizard;
use super::{first_name, set_first_name, StepHeading, StepIndicator};
use crate::form::{Field, SubmitButton};
use crate::title::Title;

/// The problem with a first name as typed, if any.
pub fn first_name_problem(name: &str) -> Option<&'static str> {
    let name = name.trim();
    if name.is_empty() {
        Some("Enter your first name.")
    } else if name.chars().count() > 100 {
        Some("Use at most 100 characters.")
    } else {
        None
    }
}

#[component]
pub fn WelcomeStep() -> impl IntoView {
    // A waitlist invitation: `?email=…&product=…` fills in the address and the plan.
    use_query_map().with_untracked(|query| {
        let email = query.get("email").filter(|email| !email.trim().is_empty());
        let product = query.get("product").filter(|slug| !slug.trim().is_empty());
        if email.is_some() || product.is_some() {
            update_wizard(|state| {
                if let Some(email) = email {
                    state.email = email.trim().to_owned();
                }
                if let Some(product) = product {
                    state.choose_plan(product.trim());
                }
            });
        }
    });
    let name = RwSignal::new(first_name().unwrap_or_default());
    let error = RwSignal::new(None::<String>);
    let input = NodeRef::<leptos::html::Input>::new();
    let navigate = use_navigate();
    let recheck = move || {
        if error.with_untracked(Option::is_some) {
            error.set(first_name_problem(&name.get_untracked()).map(str::to_owned));
        }
    };
    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        let value = name.get_untracked();
        if let Some(problem) = first_name_problem(&value) {
            error.set(Some(problem.to_owned()));
            if let Some(input) = input.get_untracked() {
                _ = input.focus();
            }
            return;
        }
        set_first_name(&value);
        navigate("/onboarding/plan", Default::default());
    };

    view! {
        <Title text="Welcome" />
        <div class="container auth-page">
            <section class="card auth-card" aria-labelledby="welcome-title">
                <header class="auth-card__head">
                    <StepIndicator step=1 />
                    <StepHeading id="welcome-title">"Welcome to Gatehouse"</StepHeading>
                    <p class="auth-card__lead">"Let’s set up your account. First, what should we call you?"</p>
                </header>
                <form class="form" novalidate on:submit=on_submit>
                    <Field
                        name="first_name"
                        label="Your first name"
                        value=name
                        error=error
                        on_input=recheck
                        autocomplete="given-name"
                        node_ref=input
                    />
                    <SubmitButton pending=Signal::from(false) label="Continue" busy_label="Continuing…" />
                </form>
                <p class="auth-card__switch">
                    "Already have an account? "<a href="/sign-in" rel="external">"Sign in"</a>
                </p>
                <p class="auth-card__switch">
                    "Lost access after a cancellation or a failed payment? "
                    <a href="/recovery">"Recover your account"</a>
                </p>
            </section>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_first_name_is_required_and_bounded() {
        assert_eq!(first_name_problem("  "), Some("Enter your first name."));
        assert_eq!(first_name_problem(" Ada "), None);
        assert!(first_name_problem(&"a".repeat(101)).is_some());
    }
}
