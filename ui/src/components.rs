//! The UI's components, one per file.

pub mod app;
pub mod connection_bar;
pub mod detail;
pub mod json_view;
pub mod send_panel;
pub mod timeline;
