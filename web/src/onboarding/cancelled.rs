//! `/onboarding/cancelled`: Stripe's way back when the person cancels the payment.

use leptos::prelude::*;

use super::wizard::Step;
use super::StepHeading;
use crate::title::Title;

#[component]
pub fn CancelledPage() -> impl IntoView {
    view! {
        <Title text="Payment cancelled" />
        <div class="container auth-page">
            <section class="card auth-card" aria-labelledby="cancelled-title">
                <StepHeading id="cancelled-title">"Payment cancelled — nothing was charged"</StepHeading>
                <p>"Your choices are kept. You can change them or try again."</p>
                <p>
                    <a class="button button--primary" href=Step::Plan.path()>
                        "Back to your plan"
                    </a>
                </p>
            </section>
        </div>
    }
}
