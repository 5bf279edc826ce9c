//! Property-based fuzzing of integrators' payload parsers.
//!
//! - [`r#gen`](gen/index.html): proptest strategies of what each vendor really sends, public so a
//!   Rust integrator can use them in their own property tests without HTTP.
//! - [`target`]: every payload `fakedesk fuzz` can send, with the vendor's request
//!   around it (headers and signature computed over the exact bytes).
//! - [`case`]: valid and hostile cases, rendered to exact bytes.
//! - [`expect`]: what a receiver's reply must be.
//! - [`run`]: a bounded run against a live receiver, shrinking the first failure.
//! - [`replay`]: the shrunk failure written as a scenario.
//! - [`command`]: `fakedesk fuzz` itself.

//!
//! # The generators in your own property tests
//!
//! The payloads `fakedesk fuzz` sends are proptest strategies, so a Rust
//! integrator can feed them straight to the parser, without HTTP. `proptest` is
//! re-exported ([`proptest`]) so the versions match:
//!
//! ```
//! use fakedesk::fuzz::proptest::prelude::*;
//! use fakedesk::fuzz::proptest::test_runner::{Config, TestRunner};
//! use fakedesk::fuzz::r#gen::freshchat;
//!
//! /// The integrator's parser: the text of a message's first part, if any.
//! fn first_text(event: &serde_json::Value) -> Option<&str> {
//!     let parts = event["data"]["message"]["message_parts"].as_array()?;
//!     parts.first()?["text"]["content"].as_str()
//! }
//!
//! let mut runner = TestRunner::new(Config { cases: 64, ..Config::default() });
//! runner
//!     .run(&freshchat::message_create(), |event| {
//!         // Freshchat may send a message without parts, or whose first part is
//!         // not text: the parser must answer None, not panic.
//!         let has_text = event["data"]["message"]["message_parts"][0]["text"].is_object();
//!         prop_assert_eq!(first_text(&event).is_some(), has_text);
//!         Ok(())
//!     })
//!     .unwrap();
//! ```
//!
//! In a test module, `proptest! { #[test] fn parses(e in freshchat::webhook()) { ... } }`
//! does the same with shrinking reported by the test harness.

pub use proptest;

pub mod case;
pub mod command;
pub mod expect;
pub mod r#gen;
pub mod replay;
pub mod run;
pub mod target;
