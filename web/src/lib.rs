//! Gatehouse's single-page apps: client-side rendered Leptos, built by Trunk and served
//! by the API with an `index.html` fallback for deep links.
//!
//! This library holds every module; each binary mounts one app and links only what that
//! app reaches (fat LTO and the linker drop the rest), so each Wasm bundle keeps its own
//! size budget:
//! - `gatehouse-web` (`src/main.rs`, `web/index.html`): the main app, [`app::App`];
//! - `gatehouse-onboarding` (`src/bin/gatehouse-onboarding.rs`, `web/onboarding.html`):
//!   everything under `/onboarding/`, [`onboarding::OnboardingApp`];
//! - `gatehouse-home` (`src/bin/gatehouse-home.rs`, `web/home.html`): the signed-in home,
//!   `/dashboard`, `/billing` and `/api-keys`, [`home::HomeApp`];
//! - `gatehouse-admin` (`src/bin/gatehouse-admin.rs`, `web/admin.html`): the staff's admin
//!   area, `/admin` and below, [`admin::AdminApp`];
//! - `gatehouse-support` (`src/bin/gatehouse-support.rs`, `web/support.html`): support
//!   tickets under `/support`, and the admin area's tickets, [`support::SupportApp`];
//! - `gatehouse-catalog` (`src/bin/gatehouse-catalog.rs`, `web/catalog.html`): the admin
//!   area's catalog and instances, `/admin/catalog` and `/admin/instances`,
//!   [`admin::catalog::CatalogApp`];
//! - `gatehouse-accounts` (`src/bin/gatehouse-accounts.rs`, `web/accounts.html`): the
//!   admin area's customer accounts, `/admin/accounts`, [`admin::accounts::AccountsApp`];
//! - `gatehouse-team` (`src/bin/gatehouse-team.rs`, `web/team.html`): `/team` and
//!   `/invitations`, [`home::TeamApp`].
//!
//! Which bundle owns which path is one table, [`gatehouse_shared::spa::BUNDLES`]: the
//! server sends each bundle's app shell for its paths, and a bundle hands a path it does
//! not own to its owner ([`shell::NotFound`]).

pub mod account;
pub mod admin;
pub mod api;
pub mod app;
pub mod auth;
pub mod billing;
pub mod browser;
pub mod code_sign_in;
pub mod forgot_password;
pub mod form;
pub mod guard;
pub mod home;
pub mod notice;
pub mod oauth;
pub mod onboarding;
pub mod pricing;
pub mod reset_password;
pub mod second_factor;
pub mod shell;
pub mod sign_in;
pub mod sign_up;
pub mod subscribe;
pub mod support;
pub mod title;
pub mod verify_email;
pub mod view_as;
