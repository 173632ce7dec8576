//! Integration and end-to-end tests for mcpscope, and the fixtures they share.
//!
//! The library part holds fixtures only: [`FaultyServer`], a loopback MCP server that
//! misbehaves on demand, and [`everything`], which runs npm server-everything. The tests
//! themselves are `[[test]]` targets of this package.

pub mod everything;
pub mod faulty;

pub use faulty::{FaultyServer, SeenRequest, flood_sse};
