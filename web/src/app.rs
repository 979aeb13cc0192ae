//! The main app (`gatehouse-web`): pricing, sign-up and sign-in, the account settings.
//! Its route table; the frame around it is [`crate::shell`].

use gatehouse_shared::spa::MAIN;
use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::account::AccountRoute;
use crate::forgot_password::ForgotPasswordRoute;
use crate::pricing::PricingRoute;
use crate::reset_password::ResetPasswordRoute;
use crate::shell::{provide_site, NotFound, Site};
use crate::sign_in::SignInRoute;
use crate::sign_up::SignUpRoute;
use crate::verify_email::VerifyEmailRoute;

/// The product's name, used in the header and in every document title.
pub const PRODUCT_NAME: &str = "Gatehouse";

#[component]
pub fn App() -> impl IntoView {
    provide_site();
    view! {
        <Router>
            <Site>
                <Routes fallback=|| view! { <NotFound bundle=MAIN /> }>
                    <Route path=path!("/") view=PricingRoute />
                    <Route path=path!("/pricing/:page?") view=PricingRoute />
                    <Route path=path!("/sign-up") view=SignUpRoute />
                    <Route path=path!("/sign-in") view=SignInRoute />
                    <Route path=path!("/account") view=AccountRoute />
                    <Route path=path!("/verify-email") view=VerifyEmailRoute />
                    <Route path=path!("/forgot-password") view=ForgotPasswordRoute />
                    <Route path=path!("/reset-password") view=ResetPasswordRoute />
                </Routes>
            </Site>
        </Router>
    }
}
