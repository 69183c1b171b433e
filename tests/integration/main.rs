//! Integration tests: one binary (see the README's test command).

// clippy.toml exempts `#[test]` functions, not the helpers and strategies
// around them; this whole crate is test code.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed expectation must stop the test loudly"
)]

mod central;
mod central_util;
mod cli_devices;
mod cli_ident;
mod cli_llrp;
mod config_errors;
mod daemon_run;
mod dates;
mod deploy_files;
mod error_kinds;
mod fake_scanner;
mod fuzz_corpus;
mod ident_props;
mod image_decode;
mod journald;
mod kiosk_api;
mod kiosk_browser;
mod kiosk_util;
mod layering;
mod llrp_fake;
mod llrp_interop;
mod llrp_portal;
mod llrp_session;
mod sd_notify;
mod serial_fixtures;
mod serial_pty;
mod sync;
mod sync_auth;
mod sync_staleness;
mod usb_hid_reports;
mod usb_hid_source;
mod util;
