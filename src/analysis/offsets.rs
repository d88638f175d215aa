//! Offsets in the unit the caller asked for.
//!
//! Internally every span is a pair of UTF-8 byte offsets into the analysed text, always on char
//! boundaries. At the edge they are converted once, through a table of char starts, into code
//! points (the default), UTF-16 code units or UTF-8 bytes. Spans are never recomputed by
//! searching for their text.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The unit in which `start` and `end` of every span count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum OffsetUnit {
    /// Unicode code points (Python's `str` indexing).
    #[default]
    Codepoint,
    /// UTF-16 code units (JavaScript's `String` indexing).
    Utf16,
    /// UTF-8 bytes (Rust's `str` indexing).
    Utf8,
}

impl OffsetUnit {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "codepoint" => Some(Self::Codepoint),
            "utf16" => Some(Self::Utf16),
            "utf8" => Some(Self::Utf8),
            _ => None,
        }
    }
}

/// Converts byte offsets of one text into the requested unit.
pub struct OffsetMap {
    unit: OffsetUnit,
    /// Byte offset of each char start, plus the text length at the end.
    byte_starts: Vec<u32>,
    /// UTF-16 offset of each char start, plus the total (only for `Utf16`).
    utf16_starts: Vec<u32>,
}

impl OffsetMap {
    pub fn new(text: &str, unit: OffsetUnit) -> Self {
        if unit == OffsetUnit::Utf8 {
            return Self {
                unit,
                byte_starts: Vec::new(),
                utf16_starts: Vec::new(),
            };
        }
        let mut byte_starts = Vec::with_capacity(text.len() + 1);
        let mut utf16_starts = Vec::new();
        let mut u16_pos = 0u32;
        for (b, c) in text.char_indices() {
            byte_starts.push(b as u32);
            if unit == OffsetUnit::Utf16 {
                utf16_starts.push(u16_pos);
                u16_pos += c.len_utf16() as u32;
            }
        }
        byte_starts.push(text.len() as u32);
        if unit == OffsetUnit::Utf16 {
            utf16_starts.push(u16_pos);
        }
        Self {
            unit,
            byte_starts,
            utf16_starts,
        }
    }

    /// Converts a byte offset that lies on a char boundary.
    pub fn convert(&self, byte: usize) -> usize {
        match self.unit {
            OffsetUnit::Utf8 => byte,
            OffsetUnit::Codepoint => self.char_index(byte),
            OffsetUnit::Utf16 => self.utf16_starts[self.char_index(byte)] as usize,
        }
    }

    fn char_index(&self, byte: usize) -> usize {
        match self.byte_starts.binary_search(&(byte as u32)) {
            Ok(i) => i,
            // Not a boundary: cannot happen for spans the core makes; round down to stay valid.
            Err(i) => i.saturating_sub(1),
        }
    }
}

/// Slices `text` by offsets in `unit`; `None` when they are out of range or off a boundary.
/// Used by tests and by `gloss eval` to check that every span slices back to its text.
pub fn slice_in_unit(text: &str, start: usize, end: usize, unit: OffsetUnit) -> Option<String> {
    if start > end {
        return None;
    }
    match unit {
        OffsetUnit::Utf8 => text.get(start..end).map(str::to_owned),
        OffsetUnit::Codepoint => {
            let s: String = text.chars().skip(start).take(end - start).collect();
            (s.chars().count() == end - start).then_some(s)
        }
        OffsetUnit::Utf16 => {
            let units: Vec<u16> = text.encode_utf16().collect();
            units
                .get(start..end)
                .and_then(|u| String::from_utf16(u).ok())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_each_unit() {
        let text = "a😀é b";
        let byte_b = text.find('b').unwrap();
        assert_eq!(
            OffsetMap::new(text, OffsetUnit::Codepoint).convert(byte_b),
            4
        );
        assert_eq!(OffsetMap::new(text, OffsetUnit::Utf16).convert(byte_b), 5);
        assert_eq!(
            OffsetMap::new(text, OffsetUnit::Utf8).convert(byte_b),
            byte_b
        );
        assert_eq!(
            slice_in_unit(text, 1, 2, OffsetUnit::Codepoint).unwrap(),
            "😀"
        );
        assert_eq!(slice_in_unit(text, 1, 3, OffsetUnit::Utf16).unwrap(), "😀");
        assert_eq!(slice_in_unit(text, 1, 2, OffsetUnit::Utf16), None);
    }
}
