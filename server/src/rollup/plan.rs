//! Which rollup cells answer a time range: day cells for whole days, hour cells for whole hours
//! at the edges, minute cells for the rest, never coarser than the chart's granularity, and
//! never minute cells older than they are kept (there an edge widens to its whole hour).

use app::model::Granularity;

use crate::rollup::Level;

/// A run of cells of one level: buckets starting in `[from_ms, to_ms)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    pub level: Level,
    pub from_ms: i64,
    pub to_ms: i64,
}

/// The coarsest level whose cells still fit inside one point of `granularity`.
pub fn finest_needed(granularity: Granularity) -> Level {
    match granularity {
        Granularity::Minute | Granularity::FiveMinutes => Level::Minute,
        Granularity::Hour => Level::Hour,
        Granularity::Day => Level::Day,
    }
}

fn floor(ms: i64, level: Level) -> i64 {
    level.bucket(ms)
}

fn ceil(ms: i64, level: Level) -> i64 {
    let floored = level.bucket(ms);
    if floored == ms {
        ms
    } else {
        floored + level.width_ms()
    }
}

fn finer(level: Level) -> Option<Level> {
    match level {
        Level::Day => Some(Level::Hour),
        Level::Hour => Some(Level::Minute),
        Level::Minute => None,
    }
}

/// The segments covering `[from_ms, to_ms)` (widened to whole minutes) using cells no coarser
/// than `coarsest`. Minute cells before `minute_cutoff_ms` no longer exist, so an edge there
/// is widened to its whole hour. Segments are in time order and do not overlap.
pub fn plan(from_ms: i64, to_ms: i64, coarsest: Level, minute_cutoff_ms: i64) -> Vec<Segment> {
    let from = floor(from_ms, Level::Minute);
    let to = ceil(to_ms, Level::Minute);
    let mut segments = Vec::new();
    if from < to {
        cover(from, to, coarsest, minute_cutoff_ms, &mut segments);
    }
    merge_adjacent(segments)
}

fn cover(from: i64, to: i64, level: Level, minute_cutoff_ms: i64, out: &mut Vec<Segment>) {
    if from >= to {
        return;
    }
    let Some(finer_level) = finer(level) else {
        // Minute cells: only where they are still kept; older edges use their whole hours.
        if from < minute_cutoff_ms {
            let hour_from = floor(from, Level::Hour);
            let hour_to = ceil(to.min(minute_cutoff_ms), Level::Hour);
            out.push(Segment {
                level: Level::Hour,
                from_ms: hour_from,
                to_ms: hour_to,
            });
            cover(hour_to, to, Level::Minute, minute_cutoff_ms, out);
            return;
        }
        out.push(Segment {
            level: Level::Minute,
            from_ms: from,
            to_ms: to,
        });
        return;
    };
    let inner_from = ceil(from, level);
    let inner_to = floor(to, level);
    if inner_from >= inner_to {
        cover(from, to, finer_level, minute_cutoff_ms, out);
        return;
    }
    cover(from, inner_from, finer_level, minute_cutoff_ms, out);
    out.push(Segment {
        level,
        from_ms: inner_from,
        to_ms: inner_to,
    });
    cover(inner_to, to, finer_level, minute_cutoff_ms, out);
}

/// Joins neighbouring segments of the same level and drops any that a widened hour already
/// covers.
fn merge_adjacent(segments: Vec<Segment>) -> Vec<Segment> {
    let mut merged: Vec<Segment> = Vec::with_capacity(segments.len());
    for segment in segments {
        if let Some(last) = merged.last_mut() {
            if segment.to_ms <= last.to_ms {
                continue;
            }
            if last.level == segment.level && last.to_ms >= segment.from_ms {
                last.to_ms = segment.to_ms;
                continue;
            }
        }
        merged.push(segment);
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: i64 = 60_000;
    const HOUR: i64 = 60 * MINUTE;
    const DAY: i64 = 24 * HOUR;
    // 2026-11-20T00:00Z, a day boundary.
    const T0: i64 = 1_763_596_800_000;

    fn seg(level: Level, from_ms: i64, to_ms: i64) -> Segment {
        Segment {
            level,
            from_ms,
            to_ms,
        }
    }

    #[test]
    fn whole_days_come_from_day_cells_and_edges_from_hours_and_minutes() {
        let from = T0 + 22 * HOUR + 30 * MINUTE; // day 0, 22:30
        let to = T0 + 3 * DAY + 2 * HOUR + 15 * MINUTE; // day 3, 02:15
        let segments = plan(from, to, Level::Day, 0);
        assert_eq!(
            segments,
            vec![
                seg(Level::Minute, from, T0 + 23 * HOUR),
                seg(Level::Hour, T0 + 23 * HOUR, T0 + DAY),
                seg(Level::Day, T0 + DAY, T0 + 3 * DAY),
                seg(Level::Hour, T0 + 3 * DAY, T0 + 3 * DAY + 2 * HOUR),
                seg(Level::Minute, T0 + 3 * DAY + 2 * HOUR, to),
            ]
        );
    }

    #[test]
    fn hourly_charts_never_use_day_cells_and_minute_charts_use_minutes_only() {
        let from = T0 + 30 * MINUTE;
        let to = T0 + 2 * DAY;
        let hourly = plan(from, to, finest_needed(Granularity::Hour), 0);
        assert!(
            hourly.iter().all(|segment| segment.level != Level::Day),
            "{hourly:?}"
        );
        assert_eq!(
            hourly,
            vec![
                seg(Level::Minute, from, T0 + HOUR),
                seg(Level::Hour, T0 + HOUR, to)
            ]
        );
        let minutes = plan(from, to, finest_needed(Granularity::FiveMinutes), 0);
        assert_eq!(minutes, vec![seg(Level::Minute, from, to)]);
    }

    #[test]
    fn segments_cover_the_range_exactly_once_in_order() {
        for (from, to) in [
            (
                T0 + 7 * MINUTE,
                T0 + 7 * MINUTE + 3 * DAY + 5 * HOUR + 11 * MINUTE,
            ),
            (T0, T0 + 30 * DAY),
            (T0 + 59 * MINUTE, T0 + 61 * MINUTE),
            (T0 + 12_345, T0 + 99_999),
        ] {
            let segments = plan(from, to, Level::Day, 0);
            assert_eq!(
                segments.first().map(|s| s.from_ms),
                Some(Level::Minute.bucket(from))
            );
            assert_eq!(
                segments.last().map(|s| s.to_ms),
                Some(ceil(to, Level::Minute))
            );
            for pair in segments.windows(2) {
                assert_eq!(pair[0].to_ms, pair[1].from_ms, "{segments:?}");
            }
            for segment in &segments {
                assert_eq!(
                    segment.level.bucket(segment.from_ms),
                    segment.from_ms,
                    "aligned: {segment:?}"
                );
                assert_eq!(
                    segment.level.bucket(segment.to_ms),
                    segment.to_ms,
                    "aligned: {segment:?}"
                );
            }
        }
    }

    #[test]
    fn an_edge_older_than_minute_retention_widens_to_its_hour() {
        let from = T0 + 10 * HOUR + 20 * MINUTE;
        let to = T0 + 12 * HOUR + 5 * MINUTE;
        let cutoff = T0 + 11 * HOUR; // minute cells before 11:00 are gone
        let segments = plan(from, to, Level::Hour, cutoff);
        assert_eq!(
            segments,
            vec![
                seg(Level::Hour, T0 + 10 * HOUR, T0 + 12 * HOUR),
                seg(Level::Minute, T0 + 12 * HOUR, to),
            ]
        );
    }
}
