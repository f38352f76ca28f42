//! Deterministic ids and the prefix hash the usage model remembers.
//!
//! Ids (`msg_…`, `toolu_…`, `chatcmpl-…`, `call_…`) are derived from the
//! request bytes, the turn and the block index: a rerun of a test sees the
//! same ids, while two requests of one conversation never share one (their
//! bodies differ), even across a server restart. The hash is 128-bit FNV-1a
//! (<http://www.isthe.com/chongo/tech/comp/fnv/>), chosen because it can be
//! read at every prefix in one pass; it is not cryptographic and need not be.

const OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;

/// A running 128-bit FNV-1a hash.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fnv128(u128);

impl Fnv128 {
    /// The hash of no bytes.
    pub(crate) fn new() -> Self {
        Self(OFFSET)
    }

    /// Feeds `bytes`; feeding `a` then `b` equals feeding `a ++ b`.
    pub(crate) fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 ^= u128::from(*byte);
            self.0 = self.0.wrapping_mul(PRIME);
        }
    }

    /// The hash of everything fed so far.
    pub(crate) fn value(&self) -> u128 {
        self.0
    }
}

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// `prefix` followed by 22 base-62 characters hashed from `parts`, e.g.
/// `id("toolu_01", &[body, b"turn 3", b"block 1"])`.
pub(crate) fn id(prefix: &str, parts: &[&[u8]]) -> String {
    let mut hash = Fnv128::new();
    for part in parts {
        hash.write(&(part.len() as u64).to_le_bytes());
        hash.write(part);
    }
    let mut value = hash.value();
    let mut out = String::with_capacity(prefix.len() + 22);
    out.push_str(prefix);
    for _ in 0..22 {
        out.push(char::from(ALPHABET[(value % 62) as usize]));
        value /= 62;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashing_is_streaming() {
        let mut split = Fnv128::new();
        split.write(b"ab");
        split.write(b"cd");
        let mut whole = Fnv128::new();
        whole.write(b"abcd");
        assert_eq!(split.value(), whole.value());
        assert_ne!(Fnv128::new().value(), whole.value());
    }

    #[test]
    fn ids_are_stable_and_distinct() {
        let a = id("toolu_01", &[b"body", b"0"]);
        assert_eq!(a, id("toolu_01", &[b"body", b"0"]));
        assert_ne!(a, id("toolu_01", &[b"body", b"1"]));
        assert_ne!(id("x", &[b"ab", b"c"]), id("x", &[b"a", b"bc"]));
        assert_eq!(a.len(), "toolu_01".len() + 22);
    }
}
