//! `X-Forwarded-For` and the trusted proxies (`GATEHOUSE_TRUSTED_PROXIES`). The header is
//! the client's to write, so it is believed only from configured reverse proxies: walking
//! it from the right, the first address that is not one of those proxies is the client.
//! Without trusted proxies it is the peer.

use std::net::IpAddr;

use ipnet::IpNet;

/// Parses `10.0.0.0/8, 192.168.1.10, ::1` (addresses or CIDR blocks).
pub fn parse_trusted(list: &str) -> Result<Vec<IpNet>, String> {
    list.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            item.parse::<IpNet>()
                .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("'{item}' is not an IP address or CIDR block"))
        })
        .collect()
}

/// The client's address given the peer, the `X-Forwarded-For` values and the trusted
/// proxies.
pub fn resolve<'a>(
    peer: IpAddr,
    forwarded_for: impl Iterator<Item = &'a str>,
    trusted: &[IpNet],
) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops: Vec<IpAddr> = forwarded_for
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .map(|hop| hop.parse::<IpAddr>())
        .collect::<Result<_, _>>()
        // A garbled header is not believed at all.
        .unwrap_or_default();
    hops.into_iter()
        .rev()
        .find(|hop| !is_trusted(hop))
        .unwrap_or(peer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let trusted = parse_trusted("10.0.0.0/8, 192.168.1.10").unwrap();
        // From the proxy: the rightmost address that is not a proxy.
        assert_eq!(
            resolve(
                ip("10.0.0.5"),
                ["198.51.100.7, 10.0.0.9"].into_iter(),
                &trusted
            ),
            ip("198.51.100.7")
        );
        // A client cannot pick its address by writing the header itself: the proxy
        // appends the real one, which is the rightmost untrusted.
        assert_eq!(
            resolve(
                ip("10.0.0.5"),
                ["1.2.3.4", "203.0.113.9"].into_iter(),
                &trusted
            ),
            ip("203.0.113.9")
        );
        // Straight from the internet: the header is ignored.
        assert_eq!(
            resolve(ip("203.0.113.9"), ["1.2.3.4"].into_iter(), &trusted),
            ip("203.0.113.9")
        );
        // Garbled or only proxies: the peer.
        assert_eq!(
            resolve(ip("192.168.1.10"), ["not an ip"].into_iter(), &trusted),
            ip("192.168.1.10")
        );
        assert_eq!(
            resolve(ip("10.0.0.5"), ["10.1.1.1"].into_iter(), &trusted),
            ip("10.0.0.5")
        );
        // Nothing trusted: the peer, always.
        assert_eq!(
            resolve(ip("10.0.0.5"), ["1.2.3.4"].into_iter(), &[]),
            ip("10.0.0.5")
        );
        assert!(parse_trusted("10.0.0.0/33").is_err());
        assert!(parse_trusted("proxy.local").is_err());
        assert_eq!(parse_trusted(" ").unwrap(), vec![]);
    }
}
