//! Deterministic id sources.
//!
//! Every id a fake hands out comes from an [`IdGen`] seeded from the run's
//! configuration, so the same run produces the same ids and its journal snapshot stays
//! stable.

/// A small, seeded pseudo-random generator (SplitMix64) plus counters for the id
/// shapes vendors use.
#[derive(Debug, Clone)]
pub struct IdGen {
    state: u64,
}

impl IdGen {
    /// A generator whose whole sequence is fixed by `seed`.
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The next 64 pseudo-random bits.
    pub fn next_u64(&mut self) -> u64 {
        // SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, and good enough for ids.
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// `n` lowercase hex characters.
    pub fn hex(&mut self, n: usize) -> String {
        let mut out = String::with_capacity(n + 16);
        while out.len() < n {
            out.push_str(&format!("{:016x}", self.next_u64()));
        }
        out.truncate(n);
        out
    }

    /// A number in `low..high` (requires `low < high`).
    pub fn range(&mut self, low: u64, high: u64) -> u64 {
        low + self.next_u64() % (high - low)
    }
}

/// Hands out increasing int64 ids with a fixed stride, like Zendesk's 13-digit ids
/// (captured audit and event ids step by 128).
#[derive(Debug, Clone)]
pub struct Sequence {
    next: u64,
    stride: u64,
}

impl Sequence {
    /// A sequence starting at `start` and stepping by `stride`.
    pub fn new(start: u64, stride: u64) -> Self {
        Self {
            next: start,
            stride,
        }
    }

    /// The next id.
    pub fn next_id(&mut self) -> u64 {
        let id = self.next;
        self.next += self.stride;
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_gives_same_sequence_and_different_seeds_differ() {
        let (mut a, mut b, mut c) = (IdGen::new(7), IdGen::new(7), IdGen::new(8));
        let xs: Vec<u64> = (0..4).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..4).map(|_| b.next_u64()).collect();
        let zs: Vec<u64> = (0..4).map(|_| c.next_u64()).collect();
        assert_eq!(xs, ys);
        assert_ne!(xs, zs);
    }

    #[test]
    fn hex_has_the_requested_length_and_alphabet() {
        let s = IdGen::new(1).hex(32);
        assert_eq!(s.len(), 32);
        assert!(
            s.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
    }

    #[test]
    fn range_stays_inside_its_bounds() {
        let mut g = IdGen::new(3);
        for _ in 0..1000 {
            let v = g.range(1_000_000_000_000, 9_999_999_999_999);
            assert!((1_000_000_000_000..9_999_999_999_999).contains(&v));
        }
    }

    #[test]
    fn sequence_steps_by_its_stride() {
        let mut s = Sequence::new(100, 128);
        assert_eq!([s.next_id(), s.next_id(), s.next_id()], [100, 228, 356]);
    }
}
