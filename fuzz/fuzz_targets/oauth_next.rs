#![no_main]
//! Property: `gatehouse_input::properties::oauth_next`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| gatehouse_input::properties::oauth_next(data));
