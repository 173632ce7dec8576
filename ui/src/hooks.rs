//! Custom hooks: effects that live as long as the app.

pub mod use_backend_events;
pub mod use_command;
pub mod use_record;
pub mod use_record_choice;
pub mod use_redraw_later;
pub mod use_shortcuts;
pub mod use_theme;
pub mod use_viewport;
