//! Human-readable durations exactly as Kubernetes prints them (apimachinery `duration.HumanDuration` and
//! `ShortHumanDuration`): kubectl's AGE column, the sim's Table cells and tug's ticking ages all agree.

/// `HumanDuration`: two significant units where it helps (`3m20s`, `5h10m`, `2d3h`, `2y30d`).
/// Negative inputs of at most a second count as "now" (clock skew); more negative is `<invalid>`.
pub fn human_duration(secs: i64) -> String {
    if secs < -1 {
        return "<invalid>".into();
    }
    if secs < 0 {
        return "0s".into();
    }
    if secs < 60 * 2 {
        return format!("{secs}s");
    }
    let minutes = secs / 60;
    if minutes < 10 {
        let s = secs % 60;
        return if s == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{s}s")
        };
    }
    if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = secs / 3600;
    if hours < 8 {
        let m = minutes % 60;
        return if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        let h = hours % 24;
        return if h == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{h}h", hours / 24)
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        let dy = (hours / 24) % 365;
        return if dy == 0 {
            format!("{}y", hours / 24 / 365)
        } else {
            format!("{}y{dy}d", hours / 24 / 365)
        };
    }
    format!("{}y", hours / 24 / 365)
}

/// `ShortHumanDuration`: one unit (`45s`, `3m`, `5h`, `2d`, `1y`).
pub fn short_human_duration(secs: i64) -> String {
    if secs < -1 {
        return "<invalid>".into();
    }
    if secs < 0 {
        return "0s".into();
    }
    match secs {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 86_400 => format!("{}h", s / 3600),
        s if s < 86_400 * 365 => format!("{}d", s / 86_400),
        s => format!("{}y", s / 86_400 / 365),
    }
}

/// Age of an RFC 3339 timestamp at `now`, as kubectl's AGE column shows it (`<unknown>` if unparseable).
pub fn age(timestamp: &str, now: jiff::Timestamp) -> String {
    match timestamp.parse::<jiff::Timestamp>() {
        Ok(t) => human_duration(now.duration_since(t).as_secs()),
        Err(_) => "<unknown>".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_duration_matches_apimachinery() {
        let cases = [
            (-5, "<invalid>"),
            (-1, "0s"),
            (0, "0s"),
            (45, "45s"),
            (119, "119s"),
            (120, "2m"),
            (200, "3m20s"),
            (600, "10m"),
            (179 * 60, "179m"),
            (3 * 3600, "3h"),
            (5 * 3600 + 10 * 60, "5h10m"),
            (8 * 3600, "8h"),
            (47 * 3600, "47h"),
            (2 * 86_400 + 3 * 3600, "2d3h"),
            (7 * 86_400, "7d"),
            (45 * 86_400, "45d"),
            (729 * 86_400, "729d"),
            (2 * 365 * 86_400 + 30 * 86_400, "2y30d"),
            (3 * 365 * 86_400, "3y"),
            (9 * 365 * 86_400, "9y"),
        ];
        for (secs, want) in cases {
            assert_eq!(human_duration(secs), want, "{secs}s");
        }
    }

    #[test]
    fn short_human_duration_matches_apimachinery() {
        for (secs, want) in [
            (59, "59s"),
            (60, "1m"),
            (3599, "59m"),
            (3600, "1h"),
            (86_400 * 2, "2d"),
            (86_400 * 400, "1y"),
        ] {
            assert_eq!(short_human_duration(secs), want);
        }
    }
}
