#![no_main]
//! Property: `gatehouse_input::properties::web_path`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| gatehouse_input::properties::web_path(data));
