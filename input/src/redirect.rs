//! Where a browser goes after signing in with a provider. `next` is the client's to choose
//! (`auth/oauth/{provider}/start?next=…`) and comes back as the callback's `Location`, so
//! only a path on this site is followed (no open redirect).

use url::Url;

/// `next` when it is a path on this site, else `/account`.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(next)
            if next.starts_with('/')
                && !next.starts_with("//")
                && !next.contains('\\')
                && !next.chars().any(char::is_control)
                && next.len() <= 512 =>
        {
            next.to_owned()
        }
        _ => "/account".to_owned(),
    }
}

/// A path of the SPA (`/billing`, a [`safe_next`]) as an address under `public_url`.
/// Always a relative reference: `http:evil.example` joined as it is would be an absolute
/// address on another site, `./http:evil.example` is a path.
pub fn app_url(public_url: &Url, path: &str) -> Result<Url, url::ParseError> {
    public_url.join(&format!("./{}", path.trim_start_matches('/')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_on_this_site_are_followed() {
        assert_eq!(safe_next(Some("/pricing/main")), "/pricing/main");
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil",
            "account",
        ] {
            assert_eq!(safe_next(Some(bad)), "/account", "{bad}");
        }
        assert_eq!(safe_next(None), "/account");
        let public = Url::parse("https://gatehouse.example/").unwrap();
        assert_eq!(
            app_url(&public, "/pricing/main?x=1#y").unwrap().as_str(),
            "https://gatehouse.example/pricing/main?x=1#y"
        );
        let under = Url::parse("https://example.org/gatehouse/").unwrap();
        assert_eq!(
            app_url(&under, "/billing").unwrap().as_str(),
            "https://example.org/gatehouse/billing"
        );
    }

    #[test]
    fn a_next_with_a_scheme_stays_on_this_site() {
        // Found by fuzzing (oauth_next): `/http:evil.example` passed `safe_next`, and
        // joining `http:evil.example` to the public URL gave http://evil.example/.
        let public = Url::parse("https://gatehouse.example/").unwrap();
        for next in [
            "/http:evil.example",
            "/javascript:alert(1)",
            "/ //evil.example",
        ] {
            let location = app_url(&public, &safe_next(Some(next))).unwrap();
            assert_eq!(location.origin(), public.origin(), "{next} → {location}");
        }
        assert_eq!(
            app_url(&public, "/http:evil.example").unwrap().as_str(),
            "https://gatehouse.example/http:evil.example"
        );
    }
}
