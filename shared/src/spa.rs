//! Which of the SPA's Wasm bundles owns a page. The server sends a bundle's app shell for
//! its pages, and each bundle hands a page it does not own to the one that does (a full
//! page load), so links between bundles need nothing special. One table for both sides.

/// The main app's name: it owns every path no other bundle claims.
pub const MAIN: &str = "main";

/// The bundles besides the main app, as (first path segment, bundle): a path whose first
/// segment is listed belongs to that bundle, whose files (and app shell, `index.html`)
/// live in the web directory's subdirectory named after the bundle.
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
];

/// The bundle that owns `path` (an absolute path, query and fragment allowed).
pub fn bundle_of(path: &str) -> &'static str {
    let first = path
        .trim_start_matches('/')
        .split(['/', '?', '#'])
        .next()
        .unwrap_or_default();
    BUNDLES
        .iter()
        .find(|(segment, _)| *segment == first)
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
        // Only the whole segment counts.
        assert_eq!(bundle_of("/onboardings"), MAIN);
        assert_eq!(bundle_of("/account/billing"), MAIN);
        assert_eq!(bundle_of("/api"), MAIN);
        assert_eq!(bundle_of("/api/docs"), MAIN);
        assert_eq!(bundle_of("/teams"), MAIN);
        assert_eq!(bundle_of("/account/credits"), MAIN);
        assert_eq!(bundle_of("/administrator"), MAIN);
    }
}
