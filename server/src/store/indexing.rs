//! What both stores' dimension indexers share: when a batch writer folds the calls it stored
//! into the dimension cells and rank lists (many batches at once, not each batch on its own),
//! and the totals row each window adds per dimension and bucket.

use std::time::{Duration, Instant};

use crate::rollup::dims::{DimCellKey, DimCellMap};

/// The writer indexes once this many calls wait...
const INDEX_AFTER_CALLS: usize = 100_000;
/// ...or when this long has passed since it last did (and at once when idle).
const INDEX_AFTER: Duration = Duration::from_secs(1);

/// Adds to `cells` (one window's) the totals of each dimension's bucket: a cell with value id
/// 0 that sums all of the bucket's values, without sketches. Grouped Analytics takes the
/// listed values from it to show the rest as one row and one band.
pub fn add_totals(cells: &mut DimCellMap) {
    let mut totals: DimCellMap = DimCellMap::default();
    for (key, cell) in cells.iter() {
        let total = DimCellKey {
            value_id: 0,
            ..*key
        };
        totals.entry(total).or_default().merge_sums(cell);
    }
    cells.extend(totals);
}

/// When the batch writer indexes: calls stored since it last did, and when that was.
pub struct IndexSchedule {
    waiting: usize,
    last: Instant,
}

impl Default for IndexSchedule {
    fn default() -> Self {
        Self {
            waiting: 0,
            last: Instant::now(),
        }
    }
}

impl IndexSchedule {
    /// Counts `stored` more calls; true when it is time to index.
    pub fn stored(&mut self, stored: usize) -> bool {
        self.waiting += stored;
        self.waiting >= INDEX_AFTER_CALLS
            || (self.waiting > 0 && self.last.elapsed() >= INDEX_AFTER)
    }

    /// Everything waiting was indexed.
    pub fn done(&mut self) {
        self.waiting = 0;
        self.last = Instant::now();
    }
}
