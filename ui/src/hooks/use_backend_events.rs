use yew::platform::spawn_local;
use yew::prelude::*;

use crate::ipc;
use crate::state::{Action, State};

/// Subscribes to the backend's event stream once, then fetches the current connection state.
/// Every [`mcpscope_proto::UiEvent`] becomes one [`Action::Event`].
#[hook]
pub fn use_backend_events(dispatch: UseReducerDispatcher<State>) {
    let subscription = use_mut_ref(|| None::<ipc::Subscription>);
    use_effect_with((), move |_| {
        let held = subscription.clone();
        spawn_local(async move {
            let forward = dispatch.clone();
            match ipc::subscribe(move |event| forward.dispatch(Action::Event(event))).await {
                Ok(sub) => *held.borrow_mut() = Some(sub),
                Err(e) => {
                    dispatch.dispatch(Action::Failed(format!("Live traffic is unavailable: {}", e.message)));
                    return;
                }
            }
            match ipc::state().await {
                Ok(state) => dispatch.dispatch(Action::Conn(state)),
                Err(e) => dispatch.dispatch(Action::Failed(e.message)),
            }
        });
        move || drop(subscription.borrow_mut().take())
    });
}
