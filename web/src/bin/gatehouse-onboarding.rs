//! The onboarding bundle (`web/onboarding.html`): everything under `/onboarding/`. Its
//! code lives in the `gatehouse_web` library's `onboarding` module.

fn main() {
    leptos::mount::mount_to_body(gatehouse_web::onboarding::OnboardingApp);
}
