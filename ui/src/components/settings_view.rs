//! The Settings view: the limits on what a server may send, saved in the history database
//! (the CLI reads the same setting; its `--max-…` flags override it for one command) and
//! applied from the next connection; the Record box, the same choice as the connection bar's.

use mcpscope_proto::Limits;
use mcpscope_proto::limits::{format_size, parse_size};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::hooks::use_record_choice::RecordChoice;
use crate::ipc;

/// What the last Save or Reset said.
#[derive(Clone, PartialEq)]
enum Note {
    None,
    Ok(String),
    Failed(String),
}

/// A limit as its field shows it: sizes with their unit, counts as numbers.
fn shown(i: usize, limits: &Limits) -> String {
    let value = limits.get(i);
    if Limits::INFO[i].bytes { format_size(value) } else { value.to_string() }
}

fn texts_of(limits: &Limits) -> Vec<String> {
    (0..Limits::INFO.len()).map(|i| shown(i, limits)).collect()
}

/// The fields read back into limits; the first that does not read, or is under its minimum,
/// named.
fn read(texts: &[String]) -> Result<Limits, String> {
    let mut limits = Limits::default();
    for (i, info) in Limits::INFO.iter().enumerate() {
        let text = texts.get(i).map(String::as_str).unwrap_or_default();
        let value = if info.bytes {
            parse_size(text)
        } else {
            text.trim().replace('_', "").parse::<u64>().map_err(|_| format!("{text:?} is not a whole number"))
        };
        let value = value.map_err(|e| format!("{}: {e}", info.label))?;
        limits.set(i, value).map_err(|_| {
            let min = if info.bytes { format_size(info.min) } else { info.min.to_string() };
            format!("{}: at least {min}", info.label)
        })?;
    }
    Ok(limits)
}

/// Version, commit, protocols and the data folder (where history, settings, exports and the
/// log live).
#[component]
fn AboutPanel() -> Html {
    let about = use_state(|| None::<mcpscope_proto::About>);
    {
        let about = about.clone();
        use_effect_with((), move |()| {
            spawn_local(async move {
                if let Ok(a) = ipc::about().await {
                    about.set(Some(a));
                }
            });
        });
    }
    let Some(a) = &*about else { return Html::default() };
    html! {
        <section class="settings-page" id="about" aria-label="About mcpscope">
            <div class="toolbar">
                <span class="col-title">{"About"}</span>
                <span class="hint">{"mcpscope, an inspector for MCP servers over HTTP"}</span>
            </div>
            <dl class="meta about-meta">
                <dt>{"version"}</dt><dd id="about-version" class="mono">{a.version.clone()}</dd>
                <dt>{"commit"}</dt><dd id="about-commit" class="mono">{a.commit.clone()}</dd>
                <dt>{"protocols"}</dt><dd id="about-protocols" class="mono">{a.protocols.join("  ")}</dd>
                <dt>{"data"}</dt>
                <dd id="about-data" class="mono" title="history (mcpscope.db), settings, exports/, mcpscope.log">{a.data_dir.clone()}</dd>
            </dl>
        </section>
    }
}

#[derive(Properties, PartialEq)]
pub struct Props {
    /// The Record box (shared with the connection bar).
    pub record: RecordChoice,
}

/// Whether new connections are written to the history: the connection bar's Record box,
/// where people look for a setting that outlives a run.
#[component]
fn HistoryPanel(props: &Props) -> Html {
    let on_change = props.record.set.reform(|e: Event| crate::components::field_checked(&e));
    html! {
        <section class="settings-page" id="settings-history" aria-label="History">
            <div class="toolbar">
                <span class="col-title">{"History"}</span>
                <span class="hint">{"what is kept of each connection"}</span>
            </div>
            <div class="settings-body">
                <label class="check-field">
                    <input id="settings-record-history" type="checkbox" checked={props.record.on} onchange={on_change} />
                    {"Record connections in the history"}
                </label>
                <p class="settings-help">
                    { match &props.record.problem {
                        Some(e) => html! { <span class="error">{e.clone()}</span> },
                        None => html! {
                            {"Every record of a connection is written to the history database, for search, replay \
                              and export. Unticked, connections are shown live only, and records past the newest in \
                              memory are gone for good. The same choice as under Headers · Roots; it applies from \
                              the next connection and is kept when mcpscope restarts."}
                        },
                    } }
                </p>
            </div>
        </section>
    }
}

#[component]
pub fn SettingsView(props: &Props) -> Html {
    let texts = use_state(Vec::<String>::new);
    let saved = use_state(|| None::<Limits>);
    let note = use_state(|| Note::None);

    {
        let (texts, saved, note) = (texts.clone(), saved.clone(), note.clone());
        use_effect_with((), move |()| {
            spawn_local(async move {
                match ipc::limits().await {
                    Ok(l) => {
                        texts.set(texts_of(&l));
                        saved.set(Some(l));
                    }
                    Err(e) => note.set(Note::Failed(e.message)),
                }
            });
        });
    }

    let store = {
        let (texts, saved, note) = (texts.clone(), saved.clone(), note.clone());
        Callback::from(move |chosen: Option<Limits>| {
            let (texts, saved, note) = (texts.clone(), saved.clone(), note.clone());
            spawn_local(async move {
                match ipc::set_limits(chosen.as_ref()).await {
                    Ok(l) => {
                        texts.set(texts_of(&l));
                        saved.set(Some(l));
                        let what = if chosen.is_some() { "Saved" } else { "Back to the defaults" };
                        note.set(Note::Ok(format!("{what}: they apply from the next connection")));
                    }
                    Err(e) => note.set(Note::Failed(e.message)),
                }
            });
        })
    };
    let save = {
        let (texts, note, store) = (texts.clone(), note.clone(), store.clone());
        Callback::from(move |()| match read(&texts) {
            Ok(l) => store.emit(Some(l)),
            Err(e) => note.set(Note::Failed(e)),
        })
    };
    let on_key = {
        let save = save.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" {
                save.emit(());
            }
        })
    };
    let changed = saved.as_ref().is_some_and(|l| *texts != texts_of(l));
    let defaults = Limits::default();

    let rows = Limits::INFO.iter().enumerate().map(|(i, info)| {
        let on_input = {
            let texts = texts.clone();
            Callback::from(move |e: InputEvent| {
                let mut next = (*texts).clone();
                if let Some(t) = next.get_mut(i) {
                    *t = crate::components::field_value(&e);
                }
                texts.set(next);
            })
        };
        let id = format!("limit-{}", info.flag);
        html! {
            <div class="limit-row">
                <label for={id.clone()}>{info.label}</label>
                <input id={id} class="mono" type="text" spellcheck="false" autocomplete="off"
                    value={texts.get(i).cloned().unwrap_or_default()} oninput={on_input} onkeydown={on_key.clone()}
                    disabled={saved.is_none()} />
                <span class="hint">
                    {format!("default {} · CLI ", shown(i, &defaults))}<code>{format!("--{}", info.flag)}</code>
                </span>
            </div>
        }
    });

    html! {
        <main class="workspace settings" id="settings-view">
            <section class="settings-page">
                <div class="toolbar">
                    <span class="col-title">{"Limits"}</span>
                    <span class="hint">{"what a server may send before mcpscope stops reading"}</span>
                </div>
                <p class="settings-help">
                    {"A hostile or broken server must not exhaust memory. Past a size limit the record is kept cut and \
                      flagged too_large, and the request or stream ends with the reason; past a count, the oldest \
                      records leave memory (the history keeps them) or the server is refused. Sizes take KiB, MiB \
                      or GiB. Saved in the history database: the CLI uses them too, and its flags override them \
                      for one command."}
                </p>
                <div class="limits" role="group" aria-label="Limits">
                    { for rows }
                </div>
                <div class="editor-actions">
                    <button id="limits-save" class="btn small primary" disabled={saved.is_none() || !changed}
                        onclick={save.reform(|_: MouseEvent| ())} title="Save (Enter in a field)">{"Save"}</button>
                    <button id="limits-reset" class="btn small ghost" disabled={saved.is_none()}
                        onclick={store.reform(|_: MouseEvent| None)}>{"Reset to defaults"}</button>
                    <span class="spacer" />
                </div>
                { match &*note {
                    Note::None => Html::default(),
                    Note::Ok(text) => html! {
                        <div id="limits-note" class="save-result" data-ok="true" aria-live="polite">
                            <span class="verdict-mark">{"✓"}</span><span>{text.clone()}</span>
                        </div>
                    },
                    Note::Failed(text) => html! {
                        <div id="limits-note" class="save-result" data-ok="false" role="alert">{text.clone()}</div>
                    },
                } }
            </section>
            <HistoryPanel record={props.record.clone()} />
            <AboutPanel />
        </main>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_read_back_and_a_bad_one_is_named() {
        let l = Limits { body_bytes: 3 << 20, pending_requests: 5, ..Limits::default() };
        assert_eq!(read(&texts_of(&l)), Ok(l));
        let mut texts = texts_of(&l);
        texts[0] = "lots".into();
        assert!(read(&texts).unwrap_err().starts_with("Response body:"));
        texts[0] = "10".into();
        assert_eq!(read(&texts).unwrap_err(), "Response body: at least 1 KiB");
    }
}
