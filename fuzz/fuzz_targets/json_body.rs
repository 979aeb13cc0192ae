#![no_main]
//! Property: `gatehouse_input::properties::json_body`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| gatehouse_input::properties::json_body(data));
