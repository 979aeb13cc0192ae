//! Logging: readable lines by default, JSON when `GATEHOUSE_LOG_FORMAT=json`.

use tracing_subscriber::{fmt, EnvFilter};

use crate::config::{LogConfig, LogFormat};

/// Installs the global subscriber. Safe to call more than once (later calls are no-ops),
/// which keeps tests that start several apps in one process simple.
pub fn init(config: &LogConfig) {
    let filter = EnvFilter::try_new(&config.filter).unwrap_or_else(|err| {
        eprintln!(
            "GATEHOUSE_LOG: invalid filter '{}' ({err}); using 'info'",
            config.filter
        );
        EnvFilter::new("info")
    });
    let builder = fmt().with_env_filter(filter).with_target(true);
    let _ = match config.format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
    };
}
