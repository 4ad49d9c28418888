//! The seven price columns of `models`: their names in one place, bound and read one way.

use sqlx::query::Query;
use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{Row, Sqlite};

use crate::cost::Prices;

/// The price columns, in the order `bind` binds and `read` reads them.
const COLUMNS: [&str; 7] = [
    "price_input_per_mtok",
    "price_cached_input_per_mtok",
    "price_output_per_mtok",
    "price_per_image",
    "price_per_video_second",
    "price_per_audio_second",
    "price_per_mchar",
];

/// `price_input_per_mtok, ...`: the columns for a SELECT or an INSERT.
pub fn column_list() -> String {
    COLUMNS.join(", ")
}

/// `price_input_per_mtok = <value>, ...`: the columns of an UPDATE SET, each set to
/// `value(column)`.
pub fn assignments(value: impl Fn(&str) -> String) -> String {
    COLUMNS
        .iter()
        .map(|column| format!("{column} = {}", value(column)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Binds the seven prices, in `COLUMNS` order.
pub fn bind<'q>(
    query: Query<'q, Sqlite, SqliteArguments<'q>>,
    prices: &Prices,
) -> Query<'q, Sqlite, SqliteArguments<'q>> {
    query
        .bind(prices.input_per_mtok)
        .bind(prices.cached_input_per_mtok)
        .bind(prices.output_per_mtok)
        .bind(prices.per_image)
        .bind(prices.per_video_second)
        .bind(prices.per_audio_second)
        .bind(prices.per_mchar)
}

/// The prices of a row that selected `column_list()`.
pub fn read(row: &SqliteRow) -> Result<Prices, sqlx::Error> {
    let price = |index: usize| row.try_get::<Option<f64>, _>(COLUMNS[index]);
    Ok(Prices {
        input_per_mtok: price(0)?,
        cached_input_per_mtok: price(1)?,
        output_per_mtok: price(2)?,
        per_image: price(3)?,
        per_video_second: price(4)?,
        per_audio_second: price(5)?,
        per_mchar: price(6)?,
    })
}
