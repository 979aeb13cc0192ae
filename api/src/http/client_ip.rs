//! The address a request comes from, for rate limits and logs. `X-Forwarded-For` is the
//! client's to write, so it is believed only from configured reverse proxies
//! (`GATEHOUSE_TRUSTED_PROXIES`): walking it from the right, the first address that is
//! not one of those proxies is the client. Without trusted proxies it is the peer. The
//! parsing is [`gatehouse_input::forwarded`] (pure, fuzzed).

use std::net::{IpAddr, Ipv4Addr};

use actix_web::{web, HttpRequest};
pub use gatehouse_input::forwarded::{parse_trusted, resolve};

use crate::state::AppState;

/// The address of the client that sent `req`.
pub fn client_address(req: &HttpRequest) -> IpAddr {
    let peer = req
        .peer_addr()
        .map(|addr| addr.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    let Some(state) = req.app_data::<web::Data<AppState>>() else {
        return peer;
    };
    if state.trusted_proxies.is_empty() {
        return peer;
    }
    let headers = req.headers().get_all("x-forwarded-for");
    resolve(
        peer,
        headers.filter_map(|value| value.to_str().ok()),
        &state.trusted_proxies,
    )
}
