//! community.toml parsing and validation on arbitrary text: a config is accepted or refused
//! with a message, never a panic.
#![no_main]

use community::config::Config;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Config::parse(text, std::path::Path::new("fuzz.toml")) {
        Ok(config) => {
            // An accepted config has what every command relies on.
            assert!(!config.tiers.is_empty());
            let _ = config.default_tier();
        }
        Err(err) => {
            let _ = format!("{err:#}");
        }
    }
});
