//! The pane layout: a binary tree of splits whose leaves are pane ids. Pure: splitting,
//! closing, focus order, resizing and the rectangles each pane gets.

/// A rectangle of terminal cells, as the core sees one (the UI converts to its own).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Area {
    pub x: u16,
    pub y: u16,
    pub width: u16,
    pub height: u16,
}

impl Area {
    pub const fn new(x: u16, y: u16, width: u16, height: u16) -> Area {
        Area {
            x,
            y,
            width,
            height,
        }
    }

    /// Whether the two share a cell.
    pub fn intersects(self, other: Area) -> bool {
        self.x < other.x + other.width
            && other.x < self.x + self.width
            && self.y < other.y + other.height
            && other.y < self.y + self.height
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    /// Side by side (`|`).
    Horizontal,
    /// Stacked (`-`).
    Vertical,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layout {
    Pane(u64),
    Split {
        dir: Split,
        /// Percent of the space the first child gets.
        ratio: u16,
        first: Box<Layout>,
        second: Box<Layout>,
    },
}

const MIN_RATIO: u16 = 10;
const MAX_RATIO: u16 = 90;

impl Layout {
    /// Pane ids in reading order (the order tab moves focus in).
    pub fn panes(&self) -> Vec<u64> {
        match self {
            Layout::Pane(id) => vec![*id],
            Layout::Split { first, second, .. } => {
                let mut v = first.panes();
                v.extend(second.panes());
                v
            }
        }
    }

    /// Splits pane `at` in two; `new` takes the second half. False if `at` is not here.
    pub fn split(&mut self, at: u64, dir: Split, new: u64) -> bool {
        match self {
            Layout::Pane(id) if *id == at => {
                *self = Layout::Split {
                    dir,
                    ratio: 50,
                    first: Box::new(Layout::Pane(at)),
                    second: Box::new(Layout::Pane(new)),
                };
                true
            }
            Layout::Pane(_) => false,
            Layout::Split { first, second, .. } => {
                first.split(at, dir, new) || second.split(at, dir, new)
            }
        }
    }

    /// Removes pane `id`; its sibling takes the space. None when it was the last pane.
    pub fn close(self, id: u64) -> Option<Layout> {
        match self {
            Layout::Pane(p) if p == id => None,
            Layout::Pane(_) => Some(self),
            Layout::Split {
                dir,
                ratio,
                first,
                second,
            } => match (first.close(id), second.close(id)) {
                (Some(a), Some(b)) => Some(Layout::Split {
                    dir,
                    ratio,
                    first: Box::new(a),
                    second: Box::new(b),
                }),
                (Some(only), None) | (None, Some(only)) => Some(only),
                (None, None) => None,
            },
        }
    }

    /// How deep pane `id` sits (0 for a lone pane).
    pub fn depth(&self, id: u64) -> Option<usize> {
        match self {
            Layout::Pane(p) => (*p == id).then_some(0),
            Layout::Split { first, second, .. } => {
                first.depth(id).or_else(|| second.depth(id)).map(|d| d + 1)
            }
        }
    }

    /// Grows (`delta` > 0) or shrinks pane `id` by moving the divider of its innermost split.
    pub fn resize(&mut self, id: u64, delta: i16) -> bool {
        let Layout::Split {
            ratio,
            first,
            second,
            ..
        } = self
        else {
            return false;
        };
        if first.resize(id, delta) || second.resize(id, delta) {
            return true;
        }
        let in_first = first.panes().contains(&id);
        if !in_first && !second.panes().contains(&id) {
            return false;
        }
        let signed = if in_first { delta } else { -delta };
        *ratio = (*ratio as i16 + signed).clamp(MIN_RATIO as i16, MAX_RATIO as i16) as u16;
        true
    }

    /// Each pane's rectangle inside `area`.
    pub fn rects(&self, area: Area) -> Vec<(u64, Area)> {
        match self {
            Layout::Pane(id) => vec![(*id, area)],
            Layout::Split {
                dir,
                ratio,
                first,
                second,
            } => {
                let (a, b) = match dir {
                    Split::Horizontal => {
                        let w = (area.width as u32 * *ratio as u32 / 100) as u16;
                        (
                            Area { width: w, ..area },
                            Area {
                                x: area.x + w,
                                width: area.width - w,
                                ..area
                            },
                        )
                    }
                    Split::Vertical => {
                        let h = (area.height as u32 * *ratio as u32 / 100) as u16;
                        (
                            Area { height: h, ..area },
                            Area {
                                y: area.y + h,
                                height: area.height - h,
                                ..area
                            },
                        )
                    }
                };
                let mut v = first.rects(a);
                v.extend(second.rects(b));
                v
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AREA: Area = Area {
        x: 0,
        y: 0,
        width: 100,
        height: 40,
    };

    fn four() -> Layout {
        let mut l = Layout::Pane(1);
        assert!(l.split(1, Split::Horizontal, 2));
        assert!(l.split(1, Split::Vertical, 3));
        assert!(l.split(2, Split::Vertical, 4));
        l
    }

    #[test]
    fn four_panes_tile_the_area_without_overlap() {
        let l = four();
        assert_eq!(l.panes(), [1, 3, 2, 4]);
        let rects = l.rects(AREA);
        assert_eq!(rects.len(), 4);
        let total: u32 = rects
            .iter()
            .map(|(_, r)| r.width as u32 * r.height as u32)
            .sum();
        assert_eq!(total, 100 * 40);
        for (i, (_, a)) in rects.iter().enumerate() {
            for (_, b) in &rects[i + 1..] {
                assert!(!a.intersects(*b), "{a:?} overlaps {b:?}");
            }
        }
        assert_eq!(rects[0].1, Area::new(0, 0, 50, 20));
        assert_eq!(rects[3].1, Area::new(50, 20, 50, 20));
    }

    #[test]
    fn closing_a_pane_gives_its_space_to_the_sibling() {
        let l = four().close(3).unwrap();
        assert_eq!(l.panes(), [1, 2, 4]);
        assert_eq!(l.rects(AREA)[0].1, Area::new(0, 0, 50, 40));
        assert!(Layout::Pane(1).close(1).is_none());
        assert_eq!(Layout::Pane(1).close(9), Some(Layout::Pane(1)));
    }

    #[test]
    fn resize_moves_the_innermost_divider_within_bounds() {
        let mut l = Layout::Pane(1);
        l.split(1, Split::Horizontal, 2);
        assert!(l.resize(2, 10));
        assert_eq!(l.rects(AREA)[1].1.width, 60);
        for _ in 0..20 {
            l.resize(1, 10);
        }
        assert_eq!(l.rects(AREA)[0].1.width, 90);
        assert!(!l.resize(7, 10));
    }

    #[test]
    fn depth_tells_how_nested_a_pane_is() {
        let l = four();
        assert_eq!(l.depth(1), Some(2));
        assert_eq!(Layout::Pane(5).depth(5), Some(0));
        assert_eq!(l.depth(9), None);
    }
}
