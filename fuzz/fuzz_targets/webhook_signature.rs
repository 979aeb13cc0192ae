#![no_main]
//! Property: `gatehouse_input::properties::webhook_signature`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| gatehouse_input::properties::webhook_signature(data));
