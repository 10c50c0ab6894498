//! Result rows read by column position, whichever driver returned them: each value that every
//! backend selects with the same columns (collections, object versions, watch items, audit
//! rows, protected domains, item rows …) is built from its columns by one [`FromCells`]
//! implementation, and each backend only says how its driver reads one column ([`Cells`]).

/// A result row whose columns are read by position, in the driver's own way.
pub trait Cells {
    /// What a failed read of one column gives.
    type Error;
    /// An integer column.
    fn int(&self, i: usize) -> Result<i64, Self::Error>;
    /// A text column that is never NULL.
    fn text(&self, i: usize) -> Result<String, Self::Error>;
    /// A text column that may be NULL.
    fn opt_text(&self, i: usize) -> Result<Option<String>, Self::Error>;
    /// A boolean column (an integer 0 or 1 in SQLite).
    fn flag(&self, i: usize) -> Result<bool, Self::Error>;

    /// Column `i` as whichever [`Cell`] type the caller wants.
    fn cell<T: Cell>(&self, i: usize) -> Result<T, Self::Error> {
        T::read(self, i)
    }
}

/// A Rust type that one column is read as.
pub trait Cell: Sized {
    /// Reads column `i` of `row`.
    fn read<C: Cells + ?Sized>(row: &C, i: usize) -> Result<Self, C::Error>;
}

impl Cell for i64 {
    fn read<C: Cells + ?Sized>(row: &C, i: usize) -> Result<Self, C::Error> {
        row.int(i)
    }
}

impl Cell for String {
    fn read<C: Cells + ?Sized>(row: &C, i: usize) -> Result<Self, C::Error> {
        row.text(i)
    }
}

impl Cell for Option<String> {
    fn read<C: Cells + ?Sized>(row: &C, i: usize) -> Result<Self, C::Error> {
        row.opt_text(i)
    }
}

impl Cell for bool {
    fn read<C: Cells + ?Sized>(row: &C, i: usize) -> Result<Self, C::Error> {
        row.flag(i)
    }
}

/// A value built from the columns of one row, in the order its backends select them.
pub trait FromCells: Sized {
    /// Reads the value from `row`.
    fn from_cells<C: Cells + ?Sized>(row: &C) -> Result<Self, C::Error>;
}

/// Implements [`FromCells`] for a tuple of [`Cell`] types, read from the columns in order.
macro_rules! tuple_from_cells {
    ($($t:ident),+) => {
        impl<$($t: Cell),+> FromCells for ($($t,)+) {
            fn from_cells<R: Cells + ?Sized>(r: &R) -> Result<Self, R::Error> {
                let mut col = 0;
                Ok(($(
                    {
                        col += 1;
                        r.cell::<$t>(col - 1)?
                    },
                )+))
            }
        }
    };
}

tuple_from_cells!(T0, T1);
tuple_from_cells!(T0, T1, T2, T3, T4);

impl Cells for rusqlite::Row<'_> {
    type Error = rusqlite::Error;
    fn int(&self, i: usize) -> rusqlite::Result<i64> {
        self.get(i)
    }
    fn text(&self, i: usize) -> rusqlite::Result<String> {
        self.get(i)
    }
    fn opt_text(&self, i: usize) -> rusqlite::Result<Option<String>> {
        self.get(i)
    }
    fn flag(&self, i: usize) -> rusqlite::Result<bool> {
        self.get(i)
    }
}

/// Reads an SQLite row as `T`; it has the shape `query_map` and `query_row` take.
pub(crate) fn sqlite_row<T: FromCells>(r: &rusqlite::Row<'_>) -> rusqlite::Result<T> {
    T::from_cells(r)
}

/// Writes the [`FromCells`] implementation of a struct whose fields are read from the
/// columns in the order they are named (the order of the type's column list), each optionally
/// passed through a conversion: `AuditRecord { seq => count, time, … }`.
macro_rules! from_cells {
    ($ty:ident { $($field:ident $(=> $conv:expr)?),* $(,)? }) => {
        impl $crate::row::FromCells for $ty {
            fn from_cells<C: $crate::row::Cells + ?Sized>(
                r: &C,
            ) -> std::result::Result<Self, C::Error> {
                let mut col = 0;
                $(
                    let $field = {
                        col += 1;
                        $crate::row::from_cells!(@cell r, col - 1 $(=> $conv)?)
                    };
                )*
                Ok($ty { $($field),* })
            }
        }
    };
    (@cell $r:ident, $i:expr) => {
        $crate::row::Cells::cell(&*$r, $i)?
    };
    (@cell $r:ident, $i:expr => $conv:expr) => {
        $conv($crate::row::Cells::cell(&*$r, $i)?)
    };
}
pub(crate) use from_cells;
