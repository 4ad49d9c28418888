//! Hash maps for the hot paths of ingest: the cells a batch folds its calls into and the
//! dictionary ids it looks up, a few dozen lookups per call with small keys that no client
//! chooses freely enough to matter (`foldhash`, seeded per process, instead of SipHash).

/// A `HashMap` with the fast hasher.
pub type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// A `HashSet` with the fast hasher.
pub type FastSet<T> = std::collections::HashSet<T, foldhash::fast::RandomState>;
