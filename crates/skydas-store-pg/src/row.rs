//! PostgreSQL rows read as the values every backend selects with the same columns, through the
//! shared readers of [`skydas_store::row`].

use std::convert::Infallible;

use postgres::Row;
use skydas_store::row::{Cells, FromCells};

/// A PostgreSQL row seen as [`Cells`].
struct PgCells<'a>(&'a Row);

/// A column of another type than the value's field panics, as `Row::get` does: the SQL of
/// this crate and its migrations decide the types, so a mismatch is a bug, not input.
impl Cells for PgCells<'_> {
    type Error = Infallible;
    fn int(&self, i: usize) -> Result<i64, Infallible> {
        Ok(self.0.get(i))
    }
    fn text(&self, i: usize) -> Result<String, Infallible> {
        Ok(self.0.get(i))
    }
    fn opt_text(&self, i: usize) -> Result<Option<String>, Infallible> {
        Ok(self.0.get(i))
    }
    fn flag(&self, i: usize) -> Result<bool, Infallible> {
        Ok(self.0.get(i))
    }
}

/// Reads a row as `T`, in the column order of `T`'s reader.
pub(crate) fn read<T: FromCells>(r: &Row) -> T {
    match T::from_cells(&PgCells(r)) {
        Ok(v) => v,
        Err(never) => match never {},
    }
}
