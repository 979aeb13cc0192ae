#![no_main]
//! Property: `gatehouse_input::properties::forwarded_for`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| gatehouse_input::properties::forwarded_for(data));
