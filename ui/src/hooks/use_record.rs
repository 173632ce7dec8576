//! Loads the full [`Record`] for a selection, for the detail pane.
//!
//! The live timeline and the history each pass their own key and loader (`ipc::get_record`,
//! `ipc::history_record`); the detail pane only renders the [`Loaded`] this returns.

use std::fmt::Display;
use std::future::Future;
use std::rc::Rc;

use mcpscope_proto::{IpcError, Record};
use yew::platform::spawn_local;
use yew::prelude::*;

/// A record of the live session, by seq (`#12`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Seq(pub u64);

impl Display for Seq {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// Where loading the selected record stands. `label` names the record (`#12`, `#12 of session
/// …`) for the messages.
#[derive(Debug, Clone)]
pub enum Loaded {
    Nothing,
    Loading,
    Record(Rc<Record>),
    Missing { label: String },
    Failed { label: String, message: String },
}

/// Identity for the record itself: a record can be megabytes, and the live view re-renders
/// on every batch.
impl PartialEq for Loaded {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Loaded::Nothing, Loaded::Nothing) | (Loaded::Loading, Loaded::Loading) => true,
            (Loaded::Record(a), Loaded::Record(b)) => Rc::ptr_eq(a, b),
            (Loaded::Missing { label: a }, Loaded::Missing { label: b }) => a == b,
            (Loaded::Failed { label: a, message: m }, Loaded::Failed { label: b, message: n }) => {
                a == b && m == n
            }
            _ => false,
        }
    }
}

/// Loads the record `key` names with `load` whenever `key` changes. A newer selection wins:
/// replies that arrive after the selection moved on are dropped.
#[hook]
pub fn use_record<K, F, Fut>(key: Option<K>, load: F) -> Loaded
where
    K: Clone + PartialEq + Display + 'static,
    F: FnOnce(K) -> Fut + 'static,
    Fut: Future<Output = Result<Option<Record>, IpcError>> + 'static,
{
    let loaded = use_state(|| Loaded::Nothing);
    let current = use_mut_ref(|| None::<K>);
    {
        let loaded = loaded.clone();
        use_effect_with(key, move |key| {
            current.borrow_mut().clone_from(key);
            match key.clone() {
                None => loaded.set(Loaded::Nothing),
                Some(key) => {
                    loaded.set(Loaded::Loading);
                    spawn_local(async move {
                        let result = load(key.clone()).await;
                        if current.borrow().as_ref() != Some(&key) {
                            return;
                        }
                        let label = key.to_string();
                        loaded.set(match result {
                            Ok(Some(r)) => Loaded::Record(Rc::new(r)),
                            Ok(None) => Loaded::Missing { label },
                            Err(e) => Loaded::Failed { label, message: e.message },
                        });
                    });
                }
            }
        });
    }
    (*loaded).clone()
}
