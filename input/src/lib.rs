//! Parsers and checks of untrusted input: what a client, a proxy or Stripe sends, read
//! before anything else looks at it. Pure functions over text and bytes with light
//! dependencies (no actix, no diesel), so that the fuzz targets in `fuzz/` build in
//! seconds; the API (`gatehouse`) wraps them in its extractors and middleware.
//!
//! [`properties`] (compiled only for tests and fuzzing) holds what must hold for any
//! input; the fuzz targets call it, and a unit test replays the committed corpus
//! (`fuzz/corpus/<target>/`) through it on stable.

pub mod constant_time;
pub mod csv;
pub mod forwarded;
pub mod json;
pub mod nul;
pub mod redirect;
pub mod signature;
pub mod web_path;

#[cfg(any(test, fuzzing))]
pub mod properties;
