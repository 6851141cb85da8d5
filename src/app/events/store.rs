//! One context's events, bounded: at most `cap` rows, the least recently seen dropped first, so
//! a noisy cluster costs a fixed amount of memory however many events it writes.

use std::collections::{BTreeSet, HashMap};

use jiff::Timestamp;

use crate::cluster::event_rows::EventRow;
use crate::cluster::events::Delta;
use crate::cluster::rows::{Key, Row};

#[derive(Debug, Clone, Default)]
pub struct EventStore {
    rows: HashMap<Key, EventRow>,
    /// (last seen, key), oldest first: what to drop when over the cap. None sorts first.
    by_time: BTreeSet<(Option<Timestamp>, Key)>,
    /// Rows dropped for the cap since the watch started (shown in the title).
    pub dropped: usize,
}

impl EventStore {
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn rows(&self) -> impl Iterator<Item = &EventRow> {
        self.rows.values()
    }

    pub fn get(&self, key: &Key) -> Option<&EventRow> {
        self.rows.get(key)
    }

    pub fn apply(&mut self, delta: Delta<EventRow>, cap: usize) {
        match delta {
            Delta::Reset(rows) => {
                self.rows.clear();
                self.by_time.clear();
                rows.into_iter().for_each(|r| self.upsert(r));
            }
            Delta::Extend(rows) => rows.into_iter().for_each(|r| self.upsert(r)),
            Delta::Upsert(r) => self.upsert(r),
            Delta::Remove(k) => {
                if let Some(old) = self.rows.remove(&k) {
                    self.by_time.remove(&(old.last_seen, k));
                }
            }
        }
        self.trim(cap);
    }

    fn upsert(&mut self, r: EventRow) {
        let key = r.key();
        self.by_time.insert((r.last_seen, key.clone()));
        if let Some(old) = self.rows.insert(key.clone(), r)
            && self.rows[&key].last_seen != old.last_seen
        {
            self.by_time.remove(&(old.last_seen, key));
        }
    }

    fn trim(&mut self, cap: usize) {
        while self.rows.len() > cap {
            let Some((_, key)) = self.by_time.pop_first() else {
                break;
            };
            self.rows.remove(&key);
            self.dropped += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(name: &str, minute: i64) -> EventRow {
        EventRow {
            namespace: "default".into(),
            name: name.into(),
            type_: "Normal".into(),
            reason: "Pulled".into(),
            object_kind: "Pod".into(),
            object_namespace: "default".into(),
            object_name: "p".into(),
            count: 1,
            message: String::new(),
            last_seen: Some(Timestamp::from_second(minute * 60).unwrap()),
        }
    }

    fn names(s: &EventStore) -> Vec<String> {
        let mut v: Vec<String> = s.rows().map(|r| r.name.clone()).collect();
        v.sort();
        v
    }

    #[test]
    fn over_the_cap_the_least_recently_seen_events_are_dropped() {
        let mut s = EventStore::default();
        s.apply(Delta::Reset(vec![ev("a", 3), ev("b", 1), ev("c", 2)]), 2);
        assert_eq!(names(&s), vec!["a", "c"]);
        assert_eq!(s.dropped, 1);
        // `c` seen again later: now `a` is the oldest.
        s.apply(Delta::Upsert(ev("c", 9)), 2);
        s.apply(Delta::Upsert(ev("d", 5)), 2);
        assert_eq!(names(&s), vec!["c", "d"]);
        assert_eq!(s.len(), 2);
        assert_eq!(s.by_time.len(), 2, "the time index follows the rows");
    }

    #[test]
    fn removal_and_relist_keep_the_index_whole() {
        let mut s = EventStore::default();
        s.apply(Delta::Extend(vec![ev("a", 1), ev("b", 2)]), 10);
        s.apply(Delta::Remove(("default".into(), "a".into())), 10);
        assert_eq!(names(&s), vec!["b"]);
        s.apply(Delta::Upsert(ev("b", 2)), 10);
        assert_eq!(s.by_time.len(), 1);
        s.apply(Delta::Reset(vec![ev("z", 1)]), 10);
        assert_eq!(names(&s), vec!["z"]);
        assert_eq!(s.by_time.len(), 1);
    }
}
