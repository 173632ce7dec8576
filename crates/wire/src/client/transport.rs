//! The two HTTP transports a connection speaks: Streamable HTTP (each message a POST whose
//! answer may be a stream; the standalone GET stream with resumption) and the legacy
//! HTTP+SSE transport (one GET stream, POSTs to the endpoint it announces). A stateless
//! (2026-07-28) connection is Streamable HTTP without a session.

mod legacy;
mod streamable;

pub(super) use legacy::open_legacy;
pub(super) use streamable::*;
