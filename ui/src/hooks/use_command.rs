//! A command the user starts from a button: where it stands, and how it is started.

use std::future::Future;

use mcpscope_proto::IpcError;
use yew::platform::spawn_local;
use yew::prelude::*;

/// Where a command the user started stands.
#[derive(Clone, PartialEq)]
pub enum Pending<T> {
    /// Not started (or reset).
    Idle,
    /// Started; its answer has not come.
    Running,
    Done(T),
    Failed(IpcError),
}

impl<T> Pending<T> {
    pub fn is_running(&self) -> bool {
        matches!(self, Pending::Running)
    }
}

/// The state of a command and the way to start it: [`UseCommand::run`] shows `Running`, then
/// what the future answered. The handle is cheap to clone into callbacks.
pub struct UseCommand<T> {
    state: UseStateHandle<Pending<T>>,
}

impl<T> Clone for UseCommand<T> {
    fn clone(&self) -> Self {
        UseCommand { state: self.state.clone() }
    }
}

impl<T: 'static> UseCommand<T> {
    /// Starts `command`: the state is `Running` until it answers, then `Done` or `Failed`.
    pub fn run(&self, command: impl Future<Output = Result<T, IpcError>> + 'static) {
        self.state.set(Pending::Running);
        let state = self.state.clone();
        spawn_local(async move {
            state.set(match command.await {
                Ok(v) => Pending::Done(v),
                Err(e) => Pending::Failed(e),
            });
        });
    }

    /// Where the command stands now.
    pub fn state(&self) -> &Pending<T> {
        &self.state
    }
}

#[hook]
pub fn use_command<T: 'static>() -> UseCommand<T> {
    UseCommand { state: use_state(|| Pending::Idle) }
}
