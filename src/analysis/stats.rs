//! Interval estimates for the aggregate table: the Wilson score interval for a share and an
//! analytic (Wald) interval for the net cooperation index. Both are closed-form, so a row's
//! figures depend only on its counts and merging partial tallies reproduces them exactly.

/// The two-sided 95% normal quantile, Φ⁻¹(0.975).
pub const Z95: f64 = 1.959964;

/// A point estimate with its 95% interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// The point estimate.
    pub value: f64,
    /// Lower bound of the 95% interval.
    pub lo: f64,
    /// Upper bound of the 95% interval.
    pub hi: f64,
}

/// The share `k / n` with its 95% Wilson score interval (Wilson 1927), or `None` when
/// `n == 0`.
///
/// With p̂ = k/n and z = 1.959964: centre = (p̂ + z²/2n) / (1 + z²/n) and
/// half-width = z / (1 + z²/n) · √(p̂(1−p̂)/n + z²/4n²). Unlike the Wald interval it stays
/// inside [0, 1] and does not collapse to a point at k = 0 or k = n. The bounds are clamped
/// so rounding can never put p̂ outside its own interval.
pub fn wilson(k: u64, n: u64) -> Option<Estimate> {
    if n == 0 {
        return None;
    }
    let (k, n) = (k.min(n) as f64, n as f64);
    let p = k / n;
    let z2 = Z95 * Z95;
    let denom = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denom;
    let half = Z95 / denom * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    Some(Estimate {
        value: p,
        lo: (centre - half).clamp(0.0, p),
        hi: (centre + half).clamp(p, 1.0),
    })
}

/// The net cooperation index `(support − oppose) / m` with m = support + conditional +
/// oppose, and its 95% interval; `None` when m = 0.
///
/// Method (analytic, no resampling): the net index is the difference p_s − p_o of two
/// proportions of the same multinomial sample of size m, so
/// Var = (p_s(1−p_s) + p_o(1−p_o) + 2 p_s p_o) / m = (p_s + p_o − (p_s − p_o)²) / m.
/// The interval is net ± z·√Var (normal approximation), clamped to [−1, 1]. Like every Wald
/// interval it is too narrow for small m and collapses to a point when all stances agree;
/// read it together with `n`.
pub fn net_index(support: u64, conditional: u64, oppose: u64) -> Option<Estimate> {
    let m = support + conditional + oppose;
    if m == 0 {
        return None;
    }
    let m = m as f64;
    let (ps, po) = (support as f64 / m, oppose as f64 / m);
    let net = ps - po;
    let var = ((ps + po - net * net) / m).max(0.0);
    let half = Z95 * var.sqrt();
    Some(Estimate {
        value: net,
        lo: (net - half).clamp(-1.0, net),
        hi: (net + half).clamp(net, 1.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 5e-5
    }

    #[test]
    fn wilson_matches_hand_computed_values() {
        // 8 of 25, worked by hand: p̂ = 0.32, z² = 3.841459, z²/n = 0.1536584,
        // centre = (0.32 + 0.0768292) / 1.1536584 = 0.3439748,
        // half = 1.959964 / 1.1536584 · √(0.008704 + 0.0015366) = 1.6989127 · 0.1011960
        //      = 0.1719229, so (0.1720519, 0.5158973) (checked in Python to 7 decimals).
        // 0 of 10: centre = half = (z²/20) / (1 + z²/10) = 0.1920730 / 1.3841459 = 0.1387664,
        // so (0, 0.2775328).
        // 10 of 10 mirrors it: (0.7224672, 1).
        // 1 of 2: p̂ = 0.5, centre 0.5, half = 1.959964/2.9207295 · √(0.125 + 0.2400912)
        //      = 0.6710578 · 0.6042278 = 0.4054688, so (0.0945312, 0.9054688).
        let cases = [
            (8, 25, 0.32, 0.1721, 0.5159),
            (0, 10, 0.0, 0.0, 0.2775),
            (10, 10, 1.0, 0.7225, 1.0),
            (1, 2, 0.5, 0.0945, 0.9055),
        ];
        for (k, n, p, lo, hi) in cases {
            let e = wilson(k, n).unwrap();
            assert!(close(e.value, p), "{k}/{n}: {e:?}");
            assert!(close(e.lo, lo), "{k}/{n} lo: {e:?}");
            assert!(close(e.hi, hi), "{k}/{n} hi: {e:?}");
        }
        assert_eq!(wilson(0, 0), None);
    }

    #[test]
    fn net_index_matches_hand_computed_values() {
        // 6 support, 2 conditional, 2 oppose: m = 10, p_s = 0.6, p_o = 0.2, net = 0.4,
        // Var = (0.8 − 0.16)/10 = 0.064, half = 1.959964 · 0.2529822 = 0.4958360,
        // so (−0.0958, 0.8958).
        // 3 support, 0, 1 oppose: m = 4, net = 0.5, Var = (1 − 0.25)/4 = 0.1875,
        // half = 1.959964 · 0.4330127 = 0.8486893 → (−0.3487, 1.3487), clamped to 1.
        // All support: Var = 0, the interval is the point.
        let cases = [
            ((6, 2, 2), 0.4, -0.0958, 0.8958),
            ((3, 0, 1), 0.5, -0.3487, 1.0),
            ((5, 0, 0), 1.0, 1.0, 1.0),
            ((0, 4, 0), 0.0, 0.0, 0.0),
        ];
        for ((s, c, o), net, lo, hi) in cases {
            let e = net_index(s, c, o).unwrap();
            assert!(close(e.value, net), "{s},{c},{o}: {e:?}");
            assert!(close(e.lo, lo), "{s},{c},{o} lo: {e:?}");
            assert!(close(e.hi, hi), "{s},{c},{o} hi: {e:?}");
        }
        assert_eq!(net_index(0, 0, 0), None);
    }
}
