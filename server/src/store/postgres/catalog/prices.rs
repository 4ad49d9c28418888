//! The price columns of `models`, named after the price fields (`price_` and the field's
//! name, in `PRICE_FIELDS` order), bound and read one way.

use app::model::PRICE_FIELDS;
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::query::Query;
use sqlx::{Postgres, Row};

use crate::cost::Prices;

/// The column of the price field `field`.
fn column(field: &str) -> String {
    format!("price_{field}")
}

/// `price_input_per_mtok, ...`: the columns for a SELECT or an INSERT, in binding order.
pub fn column_list() -> String {
    PRICE_FIELDS
        .iter()
        .map(|(field, _)| column(field))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `$first, $first+1, ...`: one placeholder per price, in binding order.
pub fn placeholders(first: usize) -> String {
    (first..first + PRICE_FIELDS.len())
        .map(|number| format!("${number}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `price_input_per_mtok = <value>, ...`: an UPDATE's SET, each column set to
/// `value(column, position)` where `position` counts from 0 in binding order.
pub fn assignments(value: impl Fn(&str, usize) -> String) -> String {
    PRICE_FIELDS
        .iter()
        .enumerate()
        .map(|(position, (field, _))| {
            let column = column(field);
            format!("{column} = {}", value(&column, position))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Binds the prices, in `column_list` order.
pub fn bind<'q>(
    mut query: Query<'q, Postgres, PgArguments>,
    prices: &Prices,
) -> Query<'q, Postgres, PgArguments> {
    for (field, _) in PRICE_FIELDS {
        query = query.bind(prices.get(field));
    }
    query
}

/// The prices of a row that selected `column_list()`.
pub fn read(row: &PgRow) -> Result<Prices, sqlx::Error> {
    let price = |field: &str| row.try_get::<Option<f64>, _>(column(field).as_str());
    Ok(Prices {
        input_per_mtok: price("input_per_mtok")?,
        cached_input_per_mtok: price("cached_input_per_mtok")?,
        output_per_mtok: price("output_per_mtok")?,
        per_image: price("per_image")?,
        per_video_second: price("per_video_second")?,
        per_audio_second: price("per_audio_second")?,
        per_mchar: price("per_mchar")?,
    })
}
