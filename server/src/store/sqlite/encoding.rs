//! How request rows are stored compactly (every byte counts at millions of rows): canonical
//! UUID request ids as 16-byte blobs (kind and source as small integer codes, from their tables:
//! `ModelKind::code`, `Source::code`), usage amounts by their unit's measure, and the SQL that
//! reads ids back as text.

use app::model::{Amount, Measure};

use super::StoreError;
pub use crate::store::reads::{request_key, uuid_bytes, uuid_prefix_range};

/// [`REQUEST_ID_TEXT`] as a literal, for `concat!` (`copy_data`'s columns).
macro_rules! request_id_text_sql {
    () => {
        "CASE typeof(request_id) WHEN 'blob' THEN lower(\
         substr(hex(request_id), 1, 8) || '-' || substr(hex(request_id), 9, 4) || '-' || \
         substr(hex(request_id), 13, 4) || '-' || substr(hex(request_id), 17, 4) || '-' || \
         substr(hex(request_id), 21)) ELSE request_id END"
    };
}
pub(crate) use request_id_text_sql;

/// SQL giving the stored `request_id` back as text (a blob is a canonical lowercase UUID).
pub const REQUEST_ID_TEXT: &str = request_id_text_sql!();

/// A stored `request_id` value as text (a 16-byte blob is a canonical lowercase UUID).
pub fn request_id_text(value: rusqlite::types::ValueRef<'_>) -> Option<String> {
    match value {
        rusqlite::types::ValueRef::Text(text) => Some(String::from_utf8_lossy(text).into_owned()),
        rusqlite::types::ValueRef::Blob(bytes) => uuid::Uuid::from_slice(bytes)
            .ok()
            .map(|uuid| uuid.hyphenated().to_string()),
        _ => None,
    }
}

/// A usage amount as the value bound to its column (NULL when unknown).
pub fn amount_value(amount: Option<Amount>) -> rusqlite::types::Value {
    match amount {
        None => rusqlite::types::Value::Null,
        Some(Amount::Count(count)) => rusqlite::types::Value::Integer(count),
        Some(Amount::Seconds(seconds)) => rusqlite::types::Value::Real(seconds),
    }
}

/// A stored usage amount of a unit measured by `measure` (`None` for NULL).
pub fn read_amount(
    value: rusqlite::types::ValueRef<'_>,
    measure: Measure,
) -> Result<Option<Amount>, StoreError> {
    use rusqlite::types::ValueRef;
    Ok(Some(match (measure, value) {
        (_, ValueRef::Null) => return Ok(None),
        (Measure::Count, ValueRef::Integer(count)) => Amount::Count(count),
        (Measure::Count, ValueRef::Real(count)) => Amount::Count(count as i64),
        (Measure::Seconds, ValueRef::Integer(seconds)) => Amount::Seconds(seconds as f64),
        (Measure::Seconds, ValueRef::Real(seconds)) => Amount::Seconds(seconds),
        _ => return Err(StoreError::Corrupt("a usage amount is not a number".into())),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_canonical_lowercase_uuids_become_blobs() {
        let id = "0192f1a4-7c3e-7b2a-9f10-3c4d5e6f7a8b";
        let bytes = uuid_bytes(id).expect("canonical");
        assert_eq!(uuid::Uuid::from_bytes(bytes).hyphenated().to_string(), id);
        assert_eq!(uuid_bytes(&id.to_uppercase()), None, "case must survive");
        assert_eq!(uuid_bytes("0192f1a47c3e7b2a9f103c4d5e6f7a8b"), None);
        assert_eq!(uuid_bytes("req_123"), None);
    }

    #[test]
    fn uuid_prefixes_become_blob_ranges() {
        let id = "0192f1a4-7c3e-7b2a-9f10-3c4d5e6f7a8b";
        let blob = uuid_bytes(id).expect("canonical").to_vec();
        for length in 1..=36 {
            let (low, high) = uuid_prefix_range(&id[..length]).expect("a uuid prefix");
            assert!(low <= blob && blob < high, "prefix of {length}");
        }
        let (low, high) = uuid_prefix_range("0192f1a5").expect("prefix");
        assert!(blob < low, "a different prefix excludes it");
        assert!(high > low);
        let (_, top) = uuid_prefix_range("ff").expect("prefix");
        assert_eq!(top[0], 0xff, "ff.. has no upper bound of 16 bytes");
        assert_eq!(top.len(), 17);
        assert_eq!(uuid_prefix_range("0192f1a4x"), None);
        assert_eq!(
            uuid_prefix_range("0192F1"),
            None,
            "upper case is stored as text"
        );
        assert_eq!(
            uuid_prefix_range("0192f1a47"),
            None,
            "a dash must come at 8"
        );
        let (low, high) = uuid_prefix_range("0192f1a4-7").expect("prefix");
        assert_eq!((low[4], high[4]), (0x70, 0x80));
    }

    #[test]
    fn amounts_are_stored_by_their_measure_and_read_back() {
        use rusqlite::types::{Value, ValueRef};
        assert_eq!(amount_value(Some(Amount::Count(7))), Value::Integer(7));
        assert_eq!(amount_value(Some(Amount::Seconds(1.5))), Value::Real(1.5));
        assert_eq!(amount_value(None), Value::Null);
        let read = |value, measure| read_amount(value, measure).expect("a number");
        assert_eq!(
            read(ValueRef::Integer(5), Measure::Seconds),
            Some(Amount::Seconds(5.0))
        );
        assert_eq!(
            read(ValueRef::Integer(5), Measure::Count),
            Some(Amount::Count(5))
        );
        assert_eq!(read(ValueRef::Null, Measure::Count), None);
        assert!(read_amount(ValueRef::Text(b"5"), Measure::Count).is_err());
    }

    #[test]
    fn request_keys_are_stable_32_bit_values() {
        assert_eq!(request_key(""), i64::from(0x811c_9dc5_u32 as i32));
        assert_eq!(request_key("req_1"), request_key("req_1"));
        assert_ne!(request_key("req_1"), request_key("req_2"));
        assert!(i32::try_from(request_key("anything at all")).is_ok());
    }
}
