#![no_main]
//! Property: `gatehouse_input::properties::csv_export`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| gatehouse_input::properties::csv_export(data));
