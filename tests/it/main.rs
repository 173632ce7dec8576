//! mcpscope's integration tests, compiled as one binary (one link instead of many on 2 cores).
//!
//! Each module runs the engine against real peers on loopback: npm server-everything, the
//! built-in rmcp demo server, and a hand-written misbehaving server for faults no real peer
//! produces.

// Helpers outside #[test] functions panic on a broken setup too: that is a test failure.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;
mod test_auth_security;
mod test_cli;
mod test_collections;
mod test_demo_server;
mod test_everything;
mod test_faults;
mod test_gui;
mod test_history;
mod test_installed;
mod test_interact;
mod test_ipc_surface;
mod test_limits;
mod test_lint;
mod test_oauth;
mod test_proxy;
mod test_stateless;
mod test_tidy;
mod test_trust;
