//! The Record box ("Record connections in the history"), one choice shown in two places: the
//! connection bar's panel and the Settings view. It is a preference kept in the history
//! database: read once when the window starts (unless the box was changed before the answer
//! came), saved whenever it changes.

use yew::platform::spawn_local;
use yew::prelude::*;

use crate::ipc;

/// The choice, what saving it last said, and how to change it.
#[derive(Clone, PartialEq)]
pub struct RecordChoice {
    /// New connections are written to the history.
    pub on: bool,
    /// Why the last change was not saved, if it was not.
    pub problem: Option<String>,
    /// Changes the choice and saves it.
    pub set: Callback<bool>,
}

#[hook]
pub fn use_record_choice() -> RecordChoice {
    let on = use_state(|| true);
    let problem = use_state(|| None::<String>);
    let touched = use_mut_ref(|| false);
    {
        let (on, touched) = (on.setter(), touched.clone());
        use_effect_with((), move |()| {
            spawn_local(async move {
                if let Ok(p) = ipc::preferences().await
                    && !*touched.borrow()
                {
                    on.set(p.record_history);
                }
            });
        });
    }
    let set = use_callback((on.setter(), problem.setter()), move |choice: bool, (on, problem)| {
        *touched.borrow_mut() = true;
        on.set(choice);
        let problem = problem.clone();
        spawn_local(async move {
            // The whole row is saved: a field added to `Preferences` is carried here too.
            let saved = ipc::set_preferences(mcpscope_proto::Preferences { record_history: choice }).await;
            problem.set(saved.err().map(|e| format!("Not kept for the next start: {}", e.message)));
        });
    });
    RecordChoice { on: *on, problem: (*problem).clone(), set }
}
