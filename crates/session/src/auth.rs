//! The engine's OAuth: where tokens are kept, the connection's OAuth client, and what the
//! Auth view asks of it (its steps and tokens, reveal, refresh, log out).

use std::sync::Arc;
use std::time::Duration;

use mcpscope_auth::{OAuth, OAuthOptions, SecretStore};
use mcpscope_proto::{AuthStatus, UiEvent};
use mcpscope_wire::Capture;

use crate::{Engine, Result, SessionError};

/// The OS keyring (or memory, with the reason), probed once per process: every window's
/// engine shares it.
pub(crate) static SECRETS: tokio::sync::OnceCell<Arc<dyn SecretStore>> = tokio::sync::OnceCell::const_new();

/// Where secrets go: the OS keyring when it answers, else memory. The first call probes the
/// keyring (the app starts it early, in the background, so no window waits on it).
pub async fn default_secrets() -> Arc<dyn SecretStore> {
    SECRETS
        .get_or_init(|| async {
            // The keyring probe talks D-Bus synchronously: keep it off the async workers. A
            // locked keyring may wait for an unlock prompt nobody answers: do not wait long.
            let probe = tokio::task::spawn_blocking(mcpscope_auth::default_store);
            match tokio::time::timeout(KEYRING_PROBE_LIMIT, probe).await {
                Ok(Ok(s)) => s,
                Ok(Err(e)) => Arc::new(mcpscope_auth::MemoryStore::new(format!("keyring probe failed: {e}"))),
                Err(_) => Arc::new(mcpscope_auth::MemoryStore::new(format!(
                    "the keyring did not answer within {} s (locked? unlock it and restart mcpscope)",
                    KEYRING_PROBE_LIMIT.as_secs()
                ))),
            }
        })
        .await
        .clone()
}

/// How long the first OAuth connection waits for the OS keyring to answer.
const KEYRING_PROBE_LIMIT: Duration = Duration::from_secs(8);

impl Engine {
    /// Keeps tokens in `store` instead of the process's [`default_secrets`] (tests; a
    /// keyring-less build).
    pub fn set_secret_store(&self, store: Arc<dyn SecretStore>) {
        let _ = self.secrets.set(store);
    }

    pub(crate) async fn secret_store(&self) -> Arc<dyn SecretStore> {
        match self.secrets.get() {
            Some(s) => s.clone(),
            None => default_secrets().await,
        }
    }

    /// A new OAuth client with options `o`, its HTTP exchanges recorded into `capture` (its
    /// steps stream to the sink as they finish).
    pub(crate) async fn new_oauth(&self, o: OAuthOptions, capture: &Arc<Capture>) -> Result<Arc<OAuth>> {
        let http = mcpscope_auth::Http::new(capture.clone())?;
        let sink = self.sink.clone();
        let observer: mcpscope_auth::StepObserver =
            Arc::new(move |step| sink.emit(UiEvent::AuthStep { step: step.clone() }));
        let oauth = OAuth::new(o, http, self.secret_store().await, Some(observer))?;
        Ok(Arc::new(oauth))
    }

    fn current_oauth(&self) -> Result<Arc<OAuth>> {
        self.live_session().and_then(|s| s.oauth().cloned()).ok_or(SessionError::AuthOff)
    }

    /// The OAuth flow's steps and the current tokens, decoded and checked (the JWKS is
    /// fetched now).
    pub async fn auth_status(&self) -> AuthStatus {
        let oauth = self.live_session().and_then(|s| s.oauth().cloned());
        match oauth {
            Some(o) => AuthStatus {
                enabled: true,
                steps: o.steps(),
                tokens: o.inspect().await,
                store: o.store_description(),
            },
            None => AuthStatus::default(),
        }
    }

    /// The access token itself, for a user who asked to see it.
    pub async fn auth_reveal(&self) -> Result<String> {
        let o = self.current_oauth()?;
        o.tokens().await.map(|t| t.access_token).ok_or(SessionError::NoToken)
    }

    /// Refreshes the access token now.
    pub async fn auth_refresh(&self) -> Result<()> {
        self.current_oauth()?.refresh_now().await.map_err(SessionError::Refresh)
    }

    /// Forgets this server's tokens, in memory and in the keyring.
    pub async fn auth_logout(&self) -> Result<()> {
        let o = self.current_oauth()?;
        Ok(o.logout().await?)
    }
}
