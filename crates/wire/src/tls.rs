//! The TLS settings every HTTP client of the engine shares (MCP connections, the OAuth
//! client), built once per process.
//!
//! Building them reads and parses the system's CA bundle, twice with native-tls on OpenSSL:
//! about 45 ms here, which per client was most of a CLI call's time and a stall on every
//! connect in the window. [`warm_up`] starts building them on a thread of its own when a
//! shell starts, so they are ready by the first connect.

use std::sync::OnceLock;

static CONNECTOR: OnceLock<Option<native_tls::TlsConnector>> = OnceLock::new();

/// The shared connector; `None` when it cannot be built (each client then builds its own and
/// reports the error itself).
fn connector() -> Option<native_tls::TlsConnector> {
    CONNECTOR
        .get_or_init(|| match native_tls::TlsConnector::new() {
            Ok(c) => Some(c),
            Err(e) => {
                tracing::warn!(error = %e, "could not build the shared TLS connector");
                None
            }
        })
        .clone()
}

/// Starts building the shared connector in the background (idempotent, never blocks).
pub fn warm_up() {
    if CONNECTOR.get().is_none() {
        // A thread of its own: it blocks on file reads and parsing, off every async worker.
        let _ = std::thread::Builder::new().name("tls-warm-up".into()).spawn(|| {
            connector();
        });
    }
}

/// A reqwest client builder on the shared TLS connector.
pub fn client_builder() -> reqwest::ClientBuilder {
    let builder = reqwest::Client::builder();
    match connector() {
        Some(c) => builder.tls_backend_preconfigured(c),
        None => builder,
    }
}

#[cfg(test)]
mod tests {
    /// The preconfigured connector is the one reqwest's native-tls backend takes (the same
    /// crate version): a mismatch would make `build` fail with "Unknown TLS backend".
    #[test]
    fn the_shared_connector_builds_clients() {
        super::warm_up();
        let a = super::client_builder().build();
        let b = super::client_builder().build();
        assert!(a.is_ok() && b.is_ok(), "{:?} {:?}", a.err(), b.err());
        assert!(super::CONNECTOR.get().is_some_and(Option::is_some), "built once, kept");
    }
}
