//! Comparing secrets without leaking, through timing, how much of a guess was right.

/// Equal length and equal bytes, in time that depends only on the length.
pub fn eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    #[test]
    fn compares_whole_values() {
        assert!(super::eq(b"abc", b"abc"));
        assert!(!super::eq(b"abc", b"abd"));
        assert!(!super::eq(b"abc", b"abcd"));
        assert!(super::eq(b"", b""));
    }
}
