//! Where the window's time goes: running totals per stage, kept on `window.__mcpscopeTiming`
//! as `{stage: [total ms, count, max ms]}`. The GUI benchmark reads them to print its
//! breakdown; they cost a `performance.now()` or two per batch.

use std::cell::RefCell;
use std::collections::BTreeMap;

use wasm_bindgen::JsValue;

thread_local! {
    static TOTALS: RefCell<BTreeMap<&'static str, (f64, u32, f64)>> = const { RefCell::new(BTreeMap::new()) };
}

/// Milliseconds since the page loaded.
pub fn now() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

/// Adds `ms` to `stage`'s totals.
pub fn record(stage: &'static str, ms: f64) {
    TOTALS.with(|t| {
        let mut t = t.borrow_mut();
        let e = t.entry(stage).or_insert((0.0, 0, 0.0));
        e.0 += ms;
        e.1 += 1;
        e.2 = e.2.max(ms);
        publish(stage, *e);
    });
}

/// Runs `f`, adding its duration to `stage`.
pub fn timed<R>(stage: &'static str, f: impl FnOnce() -> R) -> R {
    let start = now();
    let out = f();
    record(stage, now() - start);
    out
}

fn publish(stage: &str, (total, count, max): (f64, u32, f64)) {
    let Some(window) = web_sys::window() else { return };
    let key = JsValue::from_str("__mcpscopeTiming");
    let obj = match js_sys::Reflect::get(&window, &key) {
        Ok(v) if v.is_object() => v,
        _ => {
            let o: JsValue = js_sys::Object::new().into();
            let _ = js_sys::Reflect::set(&window, &key, &o);
            o
        }
    };
    let entry = js_sys::Array::of3(&total.into(), &count.into(), &max.into());
    let _ = js_sys::Reflect::set(&obj, &JsValue::from_str(stage), &entry);
}
