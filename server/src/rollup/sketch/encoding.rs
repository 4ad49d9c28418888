//! DDSketch's Java-compatible binary form (DataDog's `sketches-java` and every port read it):
//! a sequence of flag bytes, each a 2-bit type (features, positive store, index mapping,
//! negative store) under a 6-bit subflag, followed by its value. Counts are "var doubles"
//! (a double's bits offset by 1.0, rotated left by 6, written 7 bits at a time from the top),
//! indexes zig-zag varints. What `encode` writes is what the `sketches-ddsketch` crate wrote:
//! count, min, max, sum, the logarithmic mapping (γ, offset 0), the zero count, then the
//! positive bins as index deltas and counts.

use super::{gamma, Sketch};

const FEATURES: u8 = 0;
const POSITIVE_STORE: u8 = 1;
const INDEX_MAPPING: u8 = 2;
const NEGATIVE_STORE: u8 = 3;

const fn flag(subflag: u8, kind: u8) -> u8 {
    (subflag << 2) | kind
}

const FLAG_MAPPING_LOG: u8 = flag(0, INDEX_MAPPING);
const FLAG_ZERO_COUNT: u8 = flag(1, FEATURES);
const FLAG_COUNT: u8 = flag(0x28, FEATURES);
const FLAG_SUM: u8 = flag(0x21, FEATURES);
const FLAG_MIN: u8 = flag(0x22, FEATURES);
const FLAG_MAX: u8 = flag(0x23, FEATURES);

/// Bin encodings (a store flag's subflag).
const INDEX_DELTAS_AND_COUNTS: u8 = 1;
const INDEX_DELTAS: u8 = 2;
const CONTIGUOUS_COUNTS: u8 = 3;

const ROTATE: u32 = 6;

pub fn encode(sketch: &Sketch) -> Vec<u8> {
    let mut out = Vec::with_capacity(48 + sketch.bins.len() * 3);
    let count = sketch.count();
    if count != 0 {
        out.push(FLAG_COUNT);
        put_var_double(&mut out, count as f64);
        out.push(FLAG_MIN);
        out.extend_from_slice(&sketch.min.to_le_bytes());
        out.push(FLAG_MAX);
        out.extend_from_slice(&sketch.max.to_le_bytes());
    }
    if sketch.sum != 0.0 {
        out.push(FLAG_SUM);
        out.extend_from_slice(&sketch.sum.to_le_bytes());
    }
    out.push(FLAG_MAPPING_LOG);
    out.extend_from_slice(&gamma().to_le_bytes());
    out.extend_from_slice(&0.0_f64.to_le_bytes());
    if sketch.zero != 0 {
        out.push(FLAG_ZERO_COUNT);
        put_var_double(&mut out, sketch.zero as f64);
    }
    let filled = sketch.filled_bins().count();
    if filled > 0 {
        out.push(flag(INDEX_DELTAS_AND_COUNTS, POSITIVE_STORE));
        put_varint(&mut out, filled as u64);
        let mut previous = 0_i64;
        for (key, count) in sketch.filled_bins() {
            let delta = i64::from(key) - previous;
            put_varint(&mut out, ((delta >> 63) ^ (delta << 1)) as u64);
            put_var_double(&mut out, count as f64);
            previous = i64::from(key);
        }
    }
    out
}

/// Adds the sketch `bytes` hold to `sketch`.
pub fn decode_into(bytes: &[u8], sketch: &mut Sketch) -> Result<(), String> {
    if bytes.is_empty() {
        return Err("empty".into());
    }
    let mut input = Input(bytes);
    let (mut min, mut max, mut sum) = (f64::INFINITY, f64::NEG_INFINITY, 0.0);
    while let Some(flag_byte) = input.byte_or_end() {
        match flag_byte {
            FLAG_COUNT => {
                input.var_double()?;
            }
            FLAG_MIN => min = input.f64()?,
            FLAG_MAX => max = input.f64()?,
            FLAG_SUM => sum = input.f64()?,
            FLAG_ZERO_COUNT => sketch.zero += whole(input.var_double()?)?,
            FLAG_MAPPING_LOG => {
                let mapped = input.f64()?;
                let offset = input.f64()?;
                if mapped.to_bits() != gamma().to_bits() || offset != 0.0 {
                    return Err(format!("a mapping of gamma {mapped}, offset {offset}"));
                }
            }
            _ if flag_byte & 3 == POSITIVE_STORE => read_bins(&mut input, flag_byte >> 2, sketch)?,
            _ if flag_byte & 3 == NEGATIVE_STORE => {
                return Err("negative durations".into());
            }
            _ => return Err(format!("flag byte 0x{flag_byte:02x}")),
        }
    }
    sketch.min = sketch.min.min(min);
    sketch.max = sketch.max.max(max);
    sketch.sum += sum;
    Ok(())
}

fn read_bins(input: &mut Input<'_>, encoding: u8, sketch: &mut Sketch) -> Result<(), String> {
    let bins = input.varint()?;
    if bins > input.0.len() as u64 {
        return Err(format!("{bins} bins in {} bytes", input.0.len()));
    }
    let key = |index: i64| i32::try_from(index).map_err(|_| format!("bin {index}"));
    match encoding {
        INDEX_DELTAS_AND_COUNTS | INDEX_DELTAS => {
            let mut index = 0_i64;
            for _ in 0..bins {
                index = index.saturating_add(input.signed_varint()?);
                let count = if encoding == INDEX_DELTAS {
                    1
                } else {
                    whole(input.var_double()?)?
                };
                sketch.add_to_bin(key(index)?, count);
            }
        }
        CONTIGUOUS_COUNTS => {
            let mut index = input.signed_varint()?;
            let step = input.signed_varint()?;
            for _ in 0..bins {
                let count = whole(input.var_double()?)?;
                sketch.add_to_bin(key(index)?, count);
                index = index.saturating_add(step);
            }
        }
        other => return Err(format!("bin encoding {other}")),
    }
    Ok(())
}

/// A count: a whole, non-negative number.
#[inline]
fn whole(count: f64) -> Result<u64, String> {
    // Through i64: its conversions are single instructions, u64's are not (this runs per bin).
    let whole = count as i64;
    if whole >= 0 && whole as f64 == count && count < 9.0e18 {
        Ok(whole as u64)
    } else {
        Err(format!("a count of {count}"))
    }
}

fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    // At most 9 bytes: the ninth carries the last 8 bits whole.
    for _ in 0..8 {
        if value < 0x80 {
            break;
        }
        out.push(value as u8 | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn put_var_double(out: &mut Vec<u8>, value: f64) {
    let mut bits = (value + 1.0)
        .to_bits()
        .wrapping_sub(1.0_f64.to_bits())
        .rotate_left(ROTATE);
    for _ in 0..8 {
        let next = (bits >> 57) as u8;
        bits <<= 7;
        if bits == 0 {
            out.push(next);
            return;
        }
        out.push(next | 0x80);
    }
    out.push((bits >> 56) as u8);
}

struct Input<'a>(&'a [u8]);

/// The input ended inside a value.
struct Cut;

impl From<Cut> for String {
    fn from(_: Cut) -> String {
        "cut short".into()
    }
}

impl Input<'_> {
    #[inline]
    fn byte_or_end(&mut self) -> Option<u8> {
        let (first, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(*first)
    }

    #[inline]
    fn byte(&mut self) -> Result<u8, Cut> {
        self.byte_or_end().ok_or(Cut)
    }

    fn f64(&mut self) -> Result<f64, Cut> {
        let Some((bytes, rest)) = self.0.split_first_chunk::<8>() else {
            return Err(Cut);
        };
        self.0 = rest;
        Ok(f64::from_le_bytes(*bytes))
    }

    #[inline]
    fn varint(&mut self) -> Result<u64, Cut> {
        if let Some((&first, rest)) = self.0.split_first() {
            if first < 0x80 {
                self.0 = rest;
                return Ok(u64::from(first));
            }
        }
        let mut value = 0_u64;
        let mut shift = 0;
        loop {
            let next = self.byte()?;
            if next < 0x80 || shift == 56 {
                return Ok(value | (u64::from(next) << shift));
            }
            value |= u64::from(next & 0x7f) << shift;
            shift += 7;
        }
    }

    #[inline]
    fn signed_varint(&mut self) -> Result<i64, Cut> {
        let encoded = self.varint()?;
        Ok((encoded >> 1) as i64 ^ -((encoded & 1) as i64))
    }

    #[inline]
    fn var_double(&mut self) -> Result<f64, Cut> {
        let first = self.byte()?;
        if first < 0x80 {
            // Most counts (small whole numbers) take one byte.
            return Ok(var_bits_to_double(u64::from(first) << 57));
        }
        let mut bits = u64::from(first & 0x7f) << 57;
        let mut shift = 50;
        loop {
            let next = self.byte()?;
            if shift == 1 {
                bits |= u64::from(next);
                break;
            }
            if next < 0x80 {
                bits |= u64::from(next) << shift;
                break;
            }
            bits |= u64::from(next & 0x7f) << shift;
            shift -= 7;
        }
        Ok(var_bits_to_double(bits))
    }
}

#[inline]
fn var_bits_to_double(bits: u64) -> f64 {
    f64::from_bits(bits.rotate_right(ROTATE).wrapping_add(1.0_f64.to_bits())) - 1.0
}
