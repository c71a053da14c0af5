//! Keyset paging for the lists: a page is `limit` rows after the cursor, in the list's own
//! order, and the cursor is the last row's key (an application's or group's name, a
//! revision's id). A row inserted or deleted between two pages shifts nothing: no offsets.

use liftoff_kit::ApiError;

pub use super::deployments::{DEFAULT_PAGE, MAX_PAGE};

/// One page asked for: at most `limit` rows after `after`.
#[derive(Debug, Clone)]
pub struct Page {
    pub limit: i64,
    pub after: Option<String>,
}

impl Page {
    /// The query's `limit` (default [`DEFAULT_PAGE`]) and `cursor`, checked.
    pub fn new(limit: Option<i64>, cursor: Option<String>) -> Result<Self, ApiError> {
        let limit = limit.unwrap_or(DEFAULT_PAGE);
        if !(1..=MAX_PAGE).contains(&limit) {
            return Err(ApiError::invalid_field(format!(
                "limit: must be 1 to {MAX_PAGE}"
            )));
        }
        if cursor
            .as_deref()
            .is_some_and(|c| c.is_empty() || c.len() > 256)
        {
            return Err(ApiError::invalid_field(
                "cursor: not a cursor from this API",
            ));
        }
        Ok(Self {
            limit,
            after: cursor,
        })
    }

    /// How many rows to read: one more than the page, to know whether another follows.
    pub fn fetch(&self) -> i64 {
        self.limit + 1
    }

    /// Cuts the rows read to the page; the next cursor is the last kept row's key when more
    /// rows follow.
    pub fn cut<T>(&self, mut rows: Vec<T>, key: impl Fn(&T) -> String) -> (Vec<T>, Option<String>) {
        let more = rows.len() as i64 > self.limit;
        rows.truncate(self.limit as usize);
        let next = if more { rows.last().map(key) } else { None };
        (rows, next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_cut_to_its_limit_and_points_past_its_last_row() {
        let p = Page::new(Some(2), None).unwrap();
        assert_eq!(p.fetch(), 3);
        let (rows, next) = p.cut(vec!["a", "b", "c"], |r| r.to_string());
        assert_eq!((rows, next.as_deref()), (vec!["a", "b"], Some("b")));
        let (rows, next) = p.cut(vec!["a", "b"], |r| r.to_string());
        assert_eq!((rows, next), (vec!["a", "b"], None));
    }

    #[test]
    fn limits_outside_the_range_and_empty_cursors_are_refused() {
        for l in [0, -1, MAX_PAGE + 1] {
            assert_eq!(Page::new(Some(l), None).unwrap_err().status.as_u16(), 400);
        }
        assert_eq!(
            Page::new(None, Some(String::new()))
                .unwrap_err()
                .status
                .as_u16(),
            400
        );
        assert_eq!(Page::new(None, None).unwrap().limit, DEFAULT_PAGE);
    }
}
