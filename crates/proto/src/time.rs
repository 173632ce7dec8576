//! Wall-clock times from microseconds since the Unix epoch, without a time library (this
//! crate also compiles to wasm): calendar parts and RFC 3339 text.

const US_PER_DAY: i64 = 86_400_000_000;

/// A wall-clock moment broken into calendar parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub milli: u32,
}

/// `at_us` (µs since the epoch) shifted by `offset_min` minutes east of UTC, in calendar
/// parts. Proleptic Gregorian (Howard Hinnant's `civil_from_days`).
pub fn civil(at_us: i64, offset_min: i32) -> Civil {
    let local = at_us.saturating_add(i64::from(offset_min) * 60_000_000);
    let (days, rem) = (local.div_euclid(US_PER_DAY), local.rem_euclid(US_PER_DAY));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    let secs = rem / 1_000_000;
    Civil {
        year,
        month,
        day,
        hour: (secs / 3600) as u32,
        minute: (secs % 3600 / 60) as u32,
        second: (secs % 60) as u32,
        milli: (rem % 1_000_000 / 1000) as u32,
    }
}

/// `2026-11-26T15:04:05.123Z`.
pub fn rfc3339(at_us: i64) -> String {
    let c = civil(at_us, 0);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        c.year, c.month, c.day, c.hour, c.minute, c.second, c.milli
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_timestamps_as_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(1_795_705_445_123_456), "2026-11-26T15:04:05.123Z");
        assert_eq!(rfc3339(951_782_400_000_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(rfc3339(-1_000), "1969-12-31T23:59:59.999Z");
    }

    #[test]
    fn offsets_shift_the_local_time() {
        let c = civil(1_795_705_445_123_456, 60);
        assert_eq!((c.hour, c.minute), (16, 4));
        let c = civil(0, -90);
        assert_eq!((c.year, c.month, c.day, c.hour, c.minute), (1969, 12, 31, 22, 30));
    }
}
