//! The query of a paged list.

use liftoff_kit::ApiError;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::paging::Page;

/// `limit` and `cursor` of a list that pages by key.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

impl PageQuery {
    pub fn page(self) -> Result<Page, ApiError> {
        Page::new(self.limit, self.cursor)
    }
}
