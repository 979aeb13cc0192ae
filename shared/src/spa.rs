//! Which of the SPA's Wasm bundles owns a page. The server sends a bundle's app shell for
//! its pages, and each bundle hands a page it does not own to the one that does (a full
//! page load), so links between bundles need nothing special. One table for both sides.
//! A bundle owns paths by their first segment or, where one area is split over two
//! bundles (the admin area), by their first two segments; the longer prefix wins.

/// The main app's name: it owns every path no other bundle claims.
pub const MAIN: &str = "main";

/// The bundles besides the main app, as (path prefix of whole segments, bundle): a path
/// starting with a listed prefix belongs to that bundle (the longest listed prefix wins),
/// whose files (and app shell, `index.html`) live in the web directory's subdirectory
/// named after the bundle.
pub const BUNDLES: &[(&str, &str)] = &[
    ("onboarding", "onboarding"),
    ("recovery", "onboarding"),
    ("waitlist", "onboarding"),
    ("dashboard", "home"),
    ("billing", "home"),
    ("api-keys", "home"),
    ("team", "team"),
    ("invitations", "team"),
    ("credits", "home"),
    ("admin", "admin"),
    ("admin/accounts", "accounts"),
    ("admin/tickets", "support"),
    ("admin/catalog", "catalog"),
    ("admin/instances", "catalog"),
    ("support", "support"),
];

/// The bundle that owns `path` (an absolute path, query and fragment allowed).
pub fn bundle_of(path: &str) -> &'static str {
    let path = path
        .trim_start_matches('/')
        .split(['?', '#'])
        .next()
        .unwrap_or_default();
    BUNDLES
        .iter()
        .filter(|(prefix, _)| {
            let mut segments = path.split('/');
            prefix.split('/').all(|part| segments.next() == Some(part))
        })
        .max_by_key(|(prefix, _)| prefix.len())
        .map_or(MAIN, |(_, bundle)| bundle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_bundle_owns_its_first_path_segment() {
        assert_eq!(bundle_of("/"), MAIN);
        assert_eq!(bundle_of("/pricing/team"), MAIN);
        assert_eq!(bundle_of("/account"), MAIN);
        assert_eq!(bundle_of("/onboarding"), "onboarding");
        assert_eq!(bundle_of("/onboarding/plan?x=1"), "onboarding");
        assert_eq!(bundle_of("/recovery/restore"), "onboarding");
        assert_eq!(bundle_of("/waitlist?product=team"), "onboarding");
        assert_eq!(bundle_of("/dashboard"), "home");
        assert_eq!(bundle_of("/billing?checkout=cs_1"), "home");
        assert_eq!(bundle_of("/billing#payments"), "home");
        assert_eq!(bundle_of("/api-keys"), "home");
        assert_eq!(bundle_of("/api-keys?new=1"), "home");
        assert_eq!(bundle_of("/team"), "team");
        assert_eq!(bundle_of("/team?account=1"), "team");
        assert_eq!(bundle_of("/invitations/accept?token=abc"), "team");
        assert_eq!(bundle_of("/credits"), "home");
        assert_eq!(bundle_of("/admin"), "admin");
        assert_eq!(bundle_of("/admin/audit?action=instances"), "admin");
        // The admin area's accounts are the accounts bundle's, its tickets the support
        // bundle's, by two segments.
        assert_eq!(bundle_of("/admin/accounts"), "accounts");
        assert_eq!(bundle_of("/admin/accounts/01J?tab=members"), "accounts");
        assert_eq!(bundle_of("/admin/tickets?status=open"), "support");
        assert_eq!(bundle_of("/admin/tickets#reply"), "support");
        assert_eq!(bundle_of("/support/tickets/new"), "support");
        assert_eq!(bundle_of("/admin/accountsx"), "admin");
        // The catalog is its own bundle's, by two segments.
        assert_eq!(bundle_of("/admin/catalog"), "catalog");
        // With the instances the products run on.
        assert_eq!(bundle_of("/admin/instances?product=team"), "catalog");
        assert_eq!(bundle_of("/admin/catalogs"), "admin");
        assert_eq!(bundle_of("/accounts/admin"), MAIN);
        // Only the whole segment counts.
        assert_eq!(bundle_of("/onboardings"), MAIN);
        assert_eq!(bundle_of("/account/billing"), MAIN);
        assert_eq!(bundle_of("/api"), MAIN);
        assert_eq!(bundle_of("/api/docs"), MAIN);
        assert_eq!(bundle_of("/teams"), MAIN);
        assert_eq!(bundle_of("/account/credits"), MAIN);
        assert_eq!(bundle_of("/administrator"), MAIN);
        assert_eq!(bundle_of("/supports"), MAIN);
    }
}
