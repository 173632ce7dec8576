//! The window's own choices kept between runs (the history database's `preferences` row):
//! what a user set once and expects to find set the next time the app starts.

use serde::{Deserialize, Serialize};

/// Every field has a default, so a saved row from an older version (or a partial one) still
/// reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Preferences {
    /// New connections are written to the history (the connection bar's **Record** box).
    /// Unticked, a connection is live only: for traffic that must not be kept, or to watch a
    /// flood at full speed.
    pub record_history: bool,
}

impl Default for Preferences {
    fn default() -> Preferences {
        Preferences { record_history: true }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partial_or_older_row_reads_with_the_defaults() {
        let empty: Preferences = serde_json::from_str("{}").unwrap();
        assert_eq!(empty, Preferences::default());
        assert!(empty.record_history, "connections are recorded unless the user said otherwise");
        let newer: Preferences =
            serde_json::from_str(r#"{"recordHistory": false, "fromTheFuture": 1}"#).unwrap();
        assert!(!newer.record_history);
        assert_eq!(
            serde_json::to_value(Preferences { record_history: false }).unwrap(),
            serde_json::json!({"recordHistory": false})
        );
    }
}
