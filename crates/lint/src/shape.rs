//! Judging a flood's notifications by their shape, without reading them again.
//!
//! The capture reads a flood of alike notifications by a template ([`mcpscope_wire::template`])
//! and marks each message with the template's [`Shape`](mcpscope_proto::Shape): its text is the
//! template's, but for one valid JSON value in each gap (the values of `params`' members). Once
//! one message of a shape was found to fit its schema type with nothing to report, and the
//! lint's own walk found which of those values the type takes as any JSON (its memo's gaps), a
//! later message of the shape is clean too when it begins with the first message's text up to
//! the end of the last value that was not free, and one byte more:
//! - up to there the two texts are the same bytes, so each value there is the same value (a
//!   JSON value ends where its own bytes and the byte after it say);
//! - after there, the capture has already checked that the text is the template's pieces with a
//!   valid value in each gap, and every gap left is one the type takes as any JSON.
//!
//! So the message is the first one's memo template with other values in its gaps, which fits
//! for the reason the memo gives ([`crate::memo`]). The rest of a notification's rules depend
//! on its method, kind and direction (the shape's and the key's) and on the version in force
//! (kept with the verdict). Only clean messages are remembered: a report is always made in
//! full. A flood's message then costs one comparison of its envelope instead of a walk.

use std::num::NonZeroU64;
use std::ops::Range;

use rustc_hash::FxHashMap;

/// Shapes remembered at most; past that, the list starts again.
const MAX_SHAPES: usize = 256;

/// The shapes seen clean, by shape and direction (`true`: sent by the client).
#[derive(Default)]
pub(crate) struct Shapes {
    clean: FxHashMap<(NonZeroU64, bool), Clean>,
    /// Lookups that found a message clean (for the tests).
    #[cfg(test)]
    pub(crate) found: usize,
}

struct Clean {
    /// The version whose schema judged it.
    version: &'static str,
    /// What a message of the shape must begin with.
    prefix: Box<str>,
}

impl Shapes {
    /// Whether `text`, a message of `shape`, is known to be clean under `version`.
    pub(crate) fn clean(
        &mut self,
        shape: NonZeroU64,
        outbound: bool,
        version: &'static str,
        text: &str,
    ) -> bool {
        let clean = self
            .clean
            .get(&(shape, outbound))
            .is_some_and(|c| c.version == version && text.starts_with(&*c.prefix));
        #[cfg(test)]
        {
            self.found += usize::from(clean);
        }
        clean
    }

    /// Remembers that `text`, a message of `shape`, was found clean under `version`, its
    /// schema type taking the values at `free` as any JSON.
    pub(crate) fn learn(
        &mut self,
        shape: NonZeroU64,
        outbound: bool,
        version: &'static str,
        text: &str,
        free: &[Range<usize>],
    ) {
        let Some(gaps) = mcpscope_wire::template::shape_gaps(text) else { return };
        let fixed_end = gaps.iter().filter(|g| !free.contains(g)).map(|g| g.end).max().unwrap_or(0);
        let Some(prefix) = text.get(..(fixed_end + 1).min(text.len())) else { return };
        if self.clean.len() >= MAX_SHAPES {
            self.clean.clear();
        }
        self.clean.insert((shape, outbound), Clean { version, prefix: prefix.into() });
    }
}
