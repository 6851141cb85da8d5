//! A sorted sequence with positional access: sorted chunks of bounded size. Insert and remove
//! cost a binary search plus a move of at most `MAX` elements; the position of an element and
//! the element at a position cost a walk over the chunk lengths (n / `MAX` of them). The order
//! is the caller's comparator (the view index's sort depends on state it does not own). Pure.

use std::cmp::Ordering;

/// Chunks split past this many elements: small enough that a move within one is cheap,
/// large enough that the chunk walk stays short for 200,000 rows.
const MAX: usize = 512;

#[derive(Debug, Clone)]
pub struct Ordered<T> {
    chunks: Vec<Vec<T>>,
    len: usize,
}

impl<T> Default for Ordered<T> {
    fn default() -> Self {
        Ordered {
            chunks: Vec::new(),
            len: 0,
        }
    }
}

impl<T> Ordered<T> {
    /// From elements already sorted by the comparator the later calls will use.
    pub fn from_sorted(items: Vec<T>) -> Self {
        let len = items.len();
        let mut chunks = Vec::with_capacity(len / (MAX / 2) + 1);
        let mut it = items.into_iter().peekable();
        while it.peek().is_some() {
            chunks.push(it.by_ref().take(MAX / 2).collect());
        }
        Ordered { chunks, len }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The chunk `x` belongs in: the first whose last element is not below it (else the last).
    fn chunk_for(&self, x: &T, cmp: &impl Fn(&T, &T) -> Ordering) -> usize {
        let i = self
            .chunks
            .partition_point(|c| c.last().is_some_and(|l| cmp(l, x) == Ordering::Less));
        i.min(self.chunks.len().saturating_sub(1))
    }

    pub fn insert(&mut self, x: T, cmp: impl Fn(&T, &T) -> Ordering) {
        if self.chunks.is_empty() {
            self.chunks.push(Vec::with_capacity(MAX));
        }
        let ci = self.chunk_for(&x, &cmp);
        let chunk = &mut self.chunks[ci];
        let at = chunk.partition_point(|e| cmp(e, &x) == Ordering::Less);
        chunk.insert(at, x);
        self.len += 1;
        if chunk.len() > MAX {
            let tail = chunk.split_off(MAX / 2);
            self.chunks.insert(ci + 1, tail);
        }
    }

    /// Removes the element equal to `x` under `cmp`; false if there is none.
    pub fn remove(&mut self, x: &T, cmp: impl Fn(&T, &T) -> Ordering) -> Option<T> {
        let (ci, at) = self.find(x, &cmp)?;
        let chunk = &mut self.chunks[ci];
        let removed = chunk.remove(at);
        if chunk.is_empty() {
            self.chunks.remove(ci);
        }
        self.len -= 1;
        Some(removed)
    }

    fn find(&self, x: &T, cmp: &impl Fn(&T, &T) -> Ordering) -> Option<(usize, usize)> {
        if self.chunks.is_empty() {
            return None;
        }
        let ci = self.chunk_for(x, cmp);
        let chunk = &self.chunks[ci];
        let at = chunk.partition_point(|e| cmp(e, x) == Ordering::Less);
        (at < chunk.len() && cmp(&chunk[at], x) == Ordering::Equal).then_some((ci, at))
    }

    /// The position of the element equal to `x`, if there is one.
    pub fn position(&self, x: &T, cmp: impl Fn(&T, &T) -> Ordering) -> Option<usize> {
        let (ci, at) = self.find(x, &cmp)?;
        Some(self.chunks[..ci].iter().map(Vec::len).sum::<usize>() + at)
    }

    /// The elements from position `from` on, in order.
    pub fn iter_from(&self, mut from: usize) -> impl Iterator<Item = &T> {
        let mut skip_chunks = 0;
        for c in &self.chunks {
            if from < c.len() {
                break;
            }
            from -= c.len();
            skip_chunks += 1;
        }
        self.chunks[skip_chunks.min(self.chunks.len())..]
            .iter()
            .flatten()
            .skip(from)
    }

    pub fn get(&self, i: usize) -> Option<&T> {
        self.iter_from(i).next()
    }

    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.chunks.iter().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng, rngs::StdRng};

    #[test]
    fn random_inserts_and_removes_keep_order_and_positions() {
        let mut rng = StdRng::seed_from_u64(7);
        let mut o = Ordered::from_sorted((0..3000).step_by(3).collect::<Vec<u32>>());
        let mut model: Vec<u32> = o.iter().copied().collect();
        for _ in 0..20_000 {
            let x = rng.random_range(0..5000u32);
            if rng.random_bool(0.5) {
                if model.binary_search(&x).is_err() {
                    o.insert(x, u32::cmp);
                    let at = model.partition_point(|e| *e < x);
                    model.insert(at, x);
                }
            } else {
                let removed = o.remove(&x, u32::cmp);
                match model.binary_search(&x) {
                    Ok(at) => {
                        model.remove(at);
                        assert_eq!(removed, Some(x));
                    }
                    Err(_) => assert_eq!(removed, None),
                }
            }
        }
        assert_eq!(o.len(), model.len());
        assert!(o.iter().copied().eq(model.iter().copied()));
        for (i, x) in model.iter().enumerate().step_by(97) {
            assert_eq!(o.position(x, u32::cmp), Some(i));
            assert_eq!(o.get(i), Some(x));
            assert!(o.iter_from(i).copied().eq(model[i..].iter().copied()));
        }
        assert_eq!(o.get(model.len()), None);
    }
}
