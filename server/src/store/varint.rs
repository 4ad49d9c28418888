//! The packed lists' numbers: LEB128 varints, signed ones zigzag-coded.

use crate::store::StoreError;

pub fn zigzag(value: i64) -> u64 {
    ((value << 1) ^ (value >> 63)) as u64
}

pub fn unzigzag(value: u64) -> i64 {
    ((value >> 1) as i64) ^ -((value & 1) as i64)
}

pub fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// The number at `*at`, moving `at` past it.
pub fn get_varint(bytes: &[u8], at: &mut usize) -> Result<u64, StoreError> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *bytes
            .get(*at)
            .ok_or_else(|| StoreError::Corrupt("a packed list ends inside a number".into()))?;
        *at += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err(StoreError::Corrupt(
        "a packed list has an overlong number".into(),
    ))
}

/// A signed number at `*at`.
pub fn get_signed(bytes: &[u8], at: &mut usize) -> Result<i64, StoreError> {
    Ok(unzigzag(get_varint(bytes, at)?))
}

/// The eight-byte float at `*at`.
pub fn get_f64(bytes: &[u8], at: &mut usize) -> Result<f64, StoreError> {
    let end = *at + 8;
    let raw: [u8; 8] = bytes
        .get(*at..end)
        .and_then(|slice| slice.try_into().ok())
        .ok_or_else(|| StoreError::Corrupt("a packed list ends inside a number".into()))?;
    *at = end;
    Ok(f64::from_le_bytes(raw))
}
