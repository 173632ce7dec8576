//! Property-based tests of every parser that reads what a server or a user wrote: each runs
//! a budget of generated cases (a short pass in every test run; `cargo xtask fuzz` for the
//! long one) and must not panic, hang or grow memory. See `runner.rs` for the knobs.

mod auth;
mod rpc;
mod runner;
mod sse;
mod text;
