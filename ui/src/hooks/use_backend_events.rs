use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use mcpscope_proto::UiEvent;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::components::timeline::PAGE;
use crate::state::{Action, State};
use crate::{ipc, timing};

/// Events queued without an animation frame (a hidden window draws none) before they are
/// applied anyway, so the queue stays small.
const MAX_QUEUED: usize = 256;
/// How long queued events wait for an animation frame before they are applied without one
/// (ms): a hidden or stalled page draws no frames, and the last events of a burst (a call's
/// end, the count) must still reach the state.
const FRAME_WAIT_MS: i32 = 250;

/// Subscribes to the backend's event stream once, then fetches the current connection state
/// and the session's newest rows.
/// Events wait in a [`FrameQueue`] for the next animation frame and reach the state together,
/// as one [`Action::Events`]: the window renders at most once a frame however fast the
/// backend sends.
#[hook]
pub fn use_backend_events(dispatch: UseReducerDispatcher<State>) {
    let subscription = use_mut_ref(|| None::<ipc::Subscription>);
    use_effect_with((), move |_| {
        let held = subscription.clone();
        let queue = FrameQueue::new(dispatch.clone());
        spawn_local(async move {
            let q = queue.clone();
            match ipc::subscribe(move |event| q.push(event)).await {
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
            // A window reloaded mid-session shows what was captured, not an empty list (none
            // yet, or no session: nothing to show, and nothing to say).
            if let Ok(page) = ipc::timeline_page(u64::MAX, PAGE).await {
                dispatch.dispatch(Action::Restore(page));
            }
        });
        move || drop(subscription.borrow_mut().take())
    });
}

type FrameCallback = Closure<dyn FnMut(f64)>;
type TimeoutCallback = Closure<dyn FnMut()>;

/// Backend events waiting for the next animation frame.
#[derive(Clone)]
struct FrameQueue(Rc<Inner>);

struct Inner {
    events: RefCell<Vec<UiEvent>>,
    /// A frame callback is pending.
    scheduled: Cell<bool>,
    /// When it was requested (ms, `timing::now`).
    scheduled_at: Cell<f64>,
    dispatch: UseReducerDispatcher<State>,
    on_frame: RefCell<Option<FrameCallback>>,
    /// Applies the queue when no frame came within [`FRAME_WAIT_MS`].
    on_timeout: RefCell<Option<TimeoutCallback>>,
    /// The pending fallback timeout's handle: one at a time (arming clears the one before).
    timeout: Cell<Option<i32>>,
}

impl FrameQueue {
    fn new(dispatch: UseReducerDispatcher<State>) -> FrameQueue {
        let inner = Rc::new(Inner {
            events: RefCell::new(Vec::new()),
            scheduled: Cell::new(false),
            scheduled_at: Cell::new(0.0),
            dispatch,
            on_frame: RefCell::new(None),
            on_timeout: RefCell::new(None),
            timeout: Cell::new(None),
        });
        // The callback holds the queue weakly: no cycle keeps it alive after the app is gone.
        let weak: Weak<Inner> = Rc::downgrade(&inner);
        let on_frame = FrameCallback::new(move |_t: f64| {
            if let Some(inner) = weak.upgrade() {
                FrameQueue(inner).flush();
            }
        });
        *inner.on_frame.borrow_mut() = Some(on_frame);
        let weak: Weak<Inner> = Rc::downgrade(&inner);
        let on_timeout = TimeoutCallback::new(move || {
            let Some(inner) = weak.upgrade() else { return };
            inner.timeout.set(None);
            if !inner.scheduled.get() {
                return;
            }
            let waited = timing::now() - inner.scheduled_at.get();
            let rest = f64::from(FRAME_WAIT_MS) - waited;
            if rest <= 1.0 {
                FrameQueue(inner).flush();
                return;
            }
            // Fired early by the page's coarse clock (`scheduled_at` is also read after the
            // timeout is set): waiting on for the rest, never dropping the wait, or a page
            // without frames would keep its last events queued for good (CI saw a count stop
            // 969 records short).
            let queue = FrameQueue(inner);
            if !queue.arm_timeout(rest.ceil() as i32) {
                queue.flush();
            }
        });
        *inner.on_timeout.borrow_mut() = Some(on_timeout);
        FrameQueue(inner)
    }

    fn push(&self, event: UiEvent) {
        let queued = {
            let mut events = self.0.events.borrow_mut();
            events.push(event);
            events.len()
        };
        if queued >= MAX_QUEUED {
            self.flush();
        } else if !self.0.scheduled.get() {
            let window = web_sys::window();
            let requested = window
                .as_ref()
                .zip(self.0.on_frame.borrow().as_ref())
                .and_then(|(w, f)| w.request_animation_frame(f.as_ref().unchecked_ref()).ok());
            match (requested, self.arm_timeout(FRAME_WAIT_MS)) {
                (Some(_), true) => {
                    self.0.scheduled.set(true);
                    self.0.scheduled_at.set(timing::now());
                }
                _ => self.flush(),
            }
        }
    }

    /// Sets the fallback timeout to fire in `ms`, in place of any still pending (so timeouts
    /// do not pile up while frames keep flushing the queue); `false` when it could not be set.
    fn arm_timeout(&self, ms: i32) -> bool {
        let Some(window) = web_sys::window() else { return false };
        if let Some(pending) = self.0.timeout.take() {
            window.clear_timeout_with_handle(pending);
        }
        let on_timeout = self.0.on_timeout.borrow();
        let set = on_timeout.as_ref().map(|f| {
            window.set_timeout_with_callback_and_timeout_and_arguments_0(f.as_ref().unchecked_ref(), ms)
        });
        match set {
            Some(Ok(handle)) => {
                self.0.timeout.set(Some(handle));
                true
            }
            _ => false,
        }
    }

    fn flush(&self) {
        self.0.scheduled.set(false);
        let events = std::mem::take(&mut *self.0.events.borrow_mut());
        if !events.is_empty() {
            let start = timing::now();
            timing::timed("reduce", || self.0.dispatch.dispatch(Action::Events(events)));
            // Yew renders in a microtask queued by the dispatch: this one runs after it.
            spawn_local(async move { timing::record("frame", timing::now() - start) });
        }
    }
}
