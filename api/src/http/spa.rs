//! The SPA: files from Trunk's `dist`, with an app shell (`index.html`) for every other
//! path so deep links work. The SPA is several Wasm bundles, each its own Trunk build:
//! the main app in the directory's root, and each other bundle in a subdirectory named
//! after it, whose `index.html` is the shell for the paths it owns by their first one or
//! two segments ([`gatehouse_shared::spa::BUNDLES`]: `/billing/…` gets
//! `home/index.html`, `/admin/tickets` gets `support/index.html`). Hashed
//! assets (`name-0123456789abcdef.ext`) are cached for a year; `index.html` is
//! revalidated on every load so a deploy takes effect at once.

use std::path::{Path, PathBuf};

use actix_files::NamedFile;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::Method;
use actix_web::{web, HttpRequest, HttpResponse};

use gatehouse_input::web_path::safe_relative;
use gatehouse_shared::spa;

use crate::error::AppError;

/// Where the built SPA lives.
#[derive(Debug, Clone)]
pub struct WebDir(pub PathBuf);

/// Default service: static files and the SPA fallback; the JSON 404 under `/api`.
pub async fn fallback(req: HttpRequest, dir: web::Data<WebDir>) -> Result<HttpResponse, AppError> {
    let path = req.path();
    if path == "/api" || path.starts_with("/api/") {
        return Err(AppError::NotFound);
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return Err(AppError::NotFound);
    }
    let Some(relative) = safe_relative(path) else {
        return Err(AppError::NotFound);
    };
    let candidate = dir.0.join(&relative);
    if !relative.as_os_str().is_empty() && candidate.is_file() {
        let immutable = is_hashed_asset(&relative);
        return serve(&req, &candidate, immutable);
    }
    // A missing file that looks like an asset is a 404, not the app shell.
    if relative.extension().is_some() {
        return Err(AppError::NotFound);
    }
    let index = dir.0.join(shell_for(&relative));
    if !index.is_file() {
        tracing::warn!(shell = %index.display(), "the SPA is not built (no index.html)");
        return Err(AppError::NotFound);
    }
    serve(&req, &index, false)
}

/// The app shell, relative to the web directory, for a path that is not a file.
fn shell_for(relative: &Path) -> PathBuf {
    let path = relative.to_str().unwrap_or_default();
    match spa::bundle_of(path) {
        spa::MAIN => PathBuf::from("index.html"),
        bundle => Path::new(bundle).join("index.html"),
    }
}

fn serve(req: &HttpRequest, file: &Path, immutable: bool) -> Result<HttpResponse, AppError> {
    let named = NamedFile::open(file).map_err(|err| {
        tracing::warn!(file = %file.display(), error = %err, "static file vanished");
        AppError::NotFound
    })?;
    let mut response = named
        .use_etag(true)
        .use_last_modified(true)
        .into_response(req);
    let cache = if immutable {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    Ok(response)
}

/// Trunk names built assets `stem-<hex u64>.ext` (up to 16 digits; `_bg.wasm` variants).
fn is_hashed_asset(relative: &Path) -> bool {
    let Some(stem) = relative.file_stem().and_then(|s| s.to_str()) else {
        return false;
    };
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-').is_some_and(|(_, hash)| {
        (10..=16).contains(&hash.len()) && hash.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_bundle_owns_its_first_path_segment() {
        let shell = |path: &str| shell_for(&safe_relative(path).unwrap());
        assert_eq!(shell("/"), PathBuf::from("index.html"));
        assert_eq!(shell("/pricing/default"), PathBuf::from("index.html"));
        assert_eq!(shell("/onboarding"), PathBuf::from("onboarding/index.html"));
        assert_eq!(
            shell("/onboarding/"),
            PathBuf::from("onboarding/index.html")
        );
        assert_eq!(
            shell("/onboarding/plan"),
            PathBuf::from("onboarding/index.html")
        );
        assert_eq!(shell("/billing"), PathBuf::from("home/index.html"));
        // One bundle may own several segments.
        assert_eq!(shell("/recovery"), PathBuf::from("onboarding/index.html"));
        assert_eq!(
            shell("/recovery/restore"),
            PathBuf::from("onboarding/index.html")
        );
        assert_eq!(shell("/waitlist"), PathBuf::from("onboarding/index.html"));
        // Only the whole segment counts.
        assert_eq!(shell("/onboardings"), PathBuf::from("index.html"));
        assert_eq!(shell("/recovery-codes"), PathBuf::from("index.html"));
        assert_eq!(shell("/account/onboarding"), PathBuf::from("index.html"));
    }

    #[test]
    fn only_hashed_assets_are_immutable() {
        assert!(is_hashed_asset(Path::new(
            "gatehouse-web-0123456789abcdef_bg.wasm"
        )));
        assert!(is_hashed_asset(Path::new("style-89abcdef01234567.css")));
        assert!(!is_hashed_asset(Path::new("index.html")));
        assert!(!is_hashed_asset(Path::new("favicon.ico")));
        assert!(!is_hashed_asset(Path::new("gatehouse-web.js")));
    }
}
