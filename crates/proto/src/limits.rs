//! How much mcpscope takes from a server before it stops: a hostile or broken server must not
//! exhaust memory. Each limit has a default, a saved setting (the window's Settings, the
//! history database's `limits` row) and a CLI flag; past one, the record is cut and flagged
//! `too_large` with the sizes, the stream or request ends with a clear error, and everything
//! captured before stays.

use serde::{Deserialize, Serialize};

/// The limits in force for a session. Every field has a default, so a saved setting from an
/// older version (or a partial one) still reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Limits {
    /// The most of one (non-stream) response body read, in bytes; the rest is not read.
    pub body_bytes: u64,
    /// The most one SSE frame may grow before its blank line, in bytes; past it the stream is
    /// closed.
    pub sse_frame_bytes: u64,
    /// The most of an authorization document (metadata, JWKS, token response), in bytes.
    pub auth_body_bytes: u64,
    /// Records of the current session kept in memory; older ones are read back from the
    /// history (without a history they are gone, and the timeline says so).
    pub timeline_records: u64,
    /// Rows the window's live timeline keeps while it follows the newest; older ones are
    /// loaded back from the history a page at a time when scrolled to.
    pub window_rows: u64,
    /// Records waiting to be written to the history; past it, records are not stored (the
    /// timeline still has them) and the history holds a note naming how many and where.
    pub history_queue_records: u64,
    /// Server requests (elicitation, sampling) waiting for the user at once; past it the
    /// server is answered with an error at once.
    pub pending_requests: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            body_bytes: 64 << 20,
            sse_frame_bytes: 16 << 20,
            auth_body_bytes: 4 << 20,
            timeline_records: 10_000,
            window_rows: 50_000,
            history_queue_records: 100_000,
            pending_requests: 64,
        }
    }
}

/// One limit: its field, what it bounds, and how it reads and prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitInfo {
    /// The CLI flag without its dashes, and the setting's name in messages.
    pub flag: &'static str,
    pub label: &'static str,
    /// `true`: a size in bytes (read with [`parse_size`], shown with [`format_size`]).
    pub bytes: bool,
    /// The smallest value that still lets mcpscope work.
    pub min: u64,
}

impl Limits {
    /// Every limit, in the order the window shows them.
    pub const INFO: [LimitInfo; 7] = [
        LimitInfo { flag: "max-body", label: "Response body", bytes: true, min: 1024 },
        LimitInfo { flag: "max-sse-frame", label: "One SSE frame", bytes: true, min: 1024 },
        LimitInfo { flag: "max-auth-body", label: "Authorization document", bytes: true, min: 1024 },
        LimitInfo { flag: "max-timeline", label: "Records in memory", bytes: false, min: 100 },
        LimitInfo { flag: "max-history-queue", label: "History write queue", bytes: false, min: 1000 },
        LimitInfo { flag: "max-pending", label: "Server requests waiting", bytes: false, min: 1 },
        LimitInfo { flag: "max-window", label: "Rows in the live view", bytes: false, min: 100 },
    ];

    /// The value of the limit `INFO[i]`.
    pub fn get(&self, i: usize) -> u64 {
        [
            self.body_bytes,
            self.sse_frame_bytes,
            self.auth_body_bytes,
            self.timeline_records,
            self.history_queue_records,
            self.pending_requests,
            self.window_rows,
        ]
        .get(i)
        .copied()
        .unwrap_or(0)
    }

    /// Sets the limit `INFO[i]`, refusing a value under its minimum.
    pub fn set(&mut self, i: usize, value: u64) -> Result<(), String> {
        let info = Limits::INFO.get(i).ok_or_else(|| format!("no limit number {i}"))?;
        if value < info.min {
            let show = |v| if info.bytes { format_size(v) } else { v.to_string() };
            return Err(format!(
                "--{} {} is under the least mcpscope can work with ({})",
                info.flag,
                show(value),
                show(info.min)
            ));
        }
        let field = match i {
            0 => &mut self.body_bytes,
            1 => &mut self.sse_frame_bytes,
            2 => &mut self.auth_body_bytes,
            3 => &mut self.timeline_records,
            4 => &mut self.history_queue_records,
            5 => &mut self.pending_requests,
            _ => &mut self.window_rows,
        };
        *field = value;
        Ok(())
    }

    /// Sets the limit named by its flag (`max-body`) from text (`64MiB`, `10000`).
    pub fn set_text(&mut self, flag: &str, text: &str) -> Result<(), String> {
        let i = Limits::INFO
            .iter()
            .position(|l| l.flag == flag)
            .ok_or_else(|| format!("no limit called {flag:?}"))?;
        let value = if Limits::INFO[i].bytes {
            parse_size(text).map_err(|e| format!("--{flag}: {e}"))?
        } else {
            text.trim()
                .replace('_', "")
                .parse::<u64>()
                .map_err(|_| format!("--{flag}: {text:?} is not a whole number"))?
        };
        self.set(i, value)
    }

    /// Every limit checked against its minimum (a saved setting may have been edited by
    /// hand): the first one under it, named.
    pub fn check(&self) -> Result<(), String> {
        let mut copy = *self;
        (0..Limits::INFO.len()).try_for_each(|i| copy.set(i, self.get(i)))
    }

    /// A byte limit as a `usize` (saturating on 32-bit targets).
    pub fn usize(value: u64) -> usize {
        usize::try_from(value).unwrap_or(usize::MAX)
    }
}

/// Reads a size: a whole number of bytes with an optional unit, `K`/`KB`/`KiB`, `M`…, `G`…
/// (all powers of 1024, case and spaces ignored): `64MiB`, `512k`, `1048576`.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim().replace('_', "");
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: u64 =
        digits.parse().map_err(|_| format!("{text:?} is not a size (try 64MiB, 512KiB or 1048576)"))?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        other => return Err(format!("{other:?} in {text:?} is not a unit (use KiB, MiB or GiB)")),
    };
    n.checked_mul(1 << shift).ok_or_else(|| format!("{text:?} is too large"))
}

/// A size as people read it: `64 MiB`, `1.5 KiB`, `900 B`.
pub fn format_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut unit = 0;
    while unit + 1 < UNITS.len() && bytes >= 1 << (10 * (unit + 1)) {
        unit += 1;
    }
    if unit == 0 {
        return format!("{bytes} B");
    }
    let scaled = bytes as f64 / (1u64 << (10 * unit)) as f64;
    if scaled.fract() == 0.0 {
        format!("{scaled:.0} {}", UNITS[unit])
    } else {
        format!("{scaled:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_with_units_and_print_back() {
        assert_eq!(parse_size("64MiB"), Ok(64 << 20));
        assert_eq!(parse_size(" 512 k "), Ok(512 << 10));
        assert_eq!(parse_size("1_048_576"), Ok(1 << 20));
        assert_eq!(parse_size("2G"), Ok(2 << 30));
        assert!(parse_size("lots").unwrap_err().contains("not a size"));
        assert!(parse_size("3 parsecs").unwrap_err().contains("not a unit"));
        assert!(parse_size("99999999999999 GiB").unwrap_err().contains("too large"));
        assert_eq!(format_size(64 << 20), "64 MiB");
        assert_eq!(format_size(1536), "1.5 KiB");
        assert_eq!(format_size(900), "900 B");
    }

    #[test]
    fn limits_set_by_flag_refuse_values_under_their_minimum() {
        let mut l = Limits::default();
        l.set_text("max-body", "1MiB").unwrap();
        l.set_text("max-pending", "8").unwrap();
        assert_eq!((l.body_bytes, l.pending_requests), (1 << 20, 8));
        assert!(l.set_text("max-sse-frame", "10").unwrap_err().contains("under the least"));
        assert!(l.set_text("max-timeline", "many").unwrap_err().contains("not a whole number"));
        assert!(l.set_text("max-nothing", "1").unwrap_err().contains("no limit called"));
        // A partial saved setting keeps the defaults for the rest.
        let saved: Limits = serde_json::from_str(r#"{"bodyBytes": 2048}"#).unwrap();
        assert_eq!(saved, Limits { body_bytes: 2048, ..Limits::default() });
        assert!(Limits { pending_requests: 0, ..saved }.check().unwrap_err().contains("--max-pending"));
        for (i, info) in Limits::INFO.iter().enumerate() {
            assert!(Limits::default().get(i) >= info.min, "{} default under its minimum", info.flag);
        }
    }
}
