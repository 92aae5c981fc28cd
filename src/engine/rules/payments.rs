//! The parts of a payment and its total: "500 cash aur 300 UPI", "1000 diye, 500 cash 500
//! UPI", "aadha cash aadha UPI", "1000 mein se 600 cash baaki UPI".
//!
//! Each mode word takes the nearest free number (before it first: "500 cash", then after:
//! "cash 500"), one number per mode word. A number left over is the total when the parts
//! add up to it, scales parts said as fractions ("aadha"), or leaves its remainder to a
//! mode word that took no number ("baaki UPI"). The amount is always the total, never the
//! total and its parts added together.

use super::lexicon::{self, mode};
use super::normalize::Tok;
use super::quantities::paise;
use crate::engine::intent::{PaymentMode, PaymentPart};

/// How far from its mode word a number may be ("500 rupaye cash", "cash mein 500").
const REACH: usize = 3;

/// The payment parts and the total in paise; no parts when no mode is said.
pub(super) fn read(toks: &[Tok], used: &mut [bool]) -> (Vec<PaymentPart>, Option<i64>) {
    let modes: Vec<(usize, PaymentMode)> = toks
        .iter()
        .enumerate()
        .filter_map(|(i, t)| mode(&t.text).map(|m| (i, m)))
        .collect();
    if modes.is_empty() {
        return (Vec::new(), None);
    }
    let paired = pair(toks, used, &modes);
    let left: Vec<usize> = (0..toks.len()).filter(|&i| free(toks, used, i)).collect();
    let value = |i: usize| toks[i].num.unwrap_or(0.0);
    let mut parts: Vec<(PaymentMode, f64)> = modes
        .iter()
        .zip(&paired)
        .filter_map(|(&(_, m), p)| p.map(|i| (m, value(i))))
        .collect();
    let mut open_modes: Vec<PaymentMode> = modes
        .iter()
        .zip(&paired)
        .filter(|(_, p)| p.is_none())
        .map(|(&(_, m), _)| m)
        .collect();
    // "aadha aadha cash aur UPI": fractions said together go to the modes in order.
    let mut loose = left.iter().copied().filter(|&i| value(i) < 1.0);
    while !open_modes.is_empty() {
        let Some(i) = loose.next() else { break };
        used[i] = true;
        parts.push((open_modes.remove(0), value(i)));
    }
    let total = left.iter().copied().find(|&i| value(i) >= 1.0);
    let rupees = settle(&parts, &open_modes, total.map(value), &modes);
    if let Some(t) = total.filter(|_| rupees.is_some()) {
        used[t] = true;
    }
    let Some((parts, total)) = rupees else {
        return (Vec::new(), None);
    };
    let parts = parts
        .into_iter()
        .filter_map(|(mode, r)| paise(r).map(|amount_paise| PaymentPart { mode, amount_paise }))
        .collect::<Vec<_>>();
    let total = paise(total);
    (parts, total)
}

/// A number free to be money: not yet read, and not a quantity of something.
fn free(toks: &[Tok], used: &[bool], i: usize) -> bool {
    !used[i]
        && toks[i].num.is_some()
        && lexicon::unit(toks.get(i + 1).map_or("", |t| t.text.as_str())).is_none()
}

/// For each mode word, the free number nearest it (before it first), each number once.
fn pair(toks: &[Tok], used: &mut [bool], modes: &[(usize, PaymentMode)]) -> Vec<Option<usize>> {
    let mut paired: Vec<Option<usize>> = vec![None; modes.len()];
    for d in 1..=REACH {
        for (k, &(m, _)) in modes.iter().enumerate() {
            if paired[k].is_some() {
                continue;
            }
            let near = [m.checked_sub(d), Some(m + d)];
            if let Some(i) = near
                .into_iter()
                .flatten()
                .find(|&i| i < toks.len() && free(toks, used, i))
            {
                used[i] = true;
                paired[k] = Some(i);
            }
        }
    }
    paired
}

/// The parts in rupees and the total, from the paired parts, the mode words left without a
/// number and a number left over; `None` when nothing makes sense of them.
fn settle(
    parts: &[(PaymentMode, f64)],
    open_modes: &[PaymentMode],
    total: Option<f64>,
    modes: &[(usize, PaymentMode)],
) -> Option<(Vec<(PaymentMode, f64)>, f64)> {
    let sum: f64 = parts.iter().map(|p| p.1).sum();
    let fractions = parts.iter().any(|p| p.1 < 1.0);
    let single_mode = modes.iter().all(|m| m.1 == modes[0].1);
    match total {
        // "1000 diye, aadha cash aadha UPI"
        Some(t) if fractions => Some((parts.iter().map(|&(m, f)| (m, f * t)).collect(), t)),
        // "1000 diye, 500 cash 500 UPI"
        Some(t) if parts.is_empty() || (sum - t).abs() < 0.005 => {
            let parts = if parts.is_empty() && single_mode {
                vec![(modes[0].1, t)]
            } else {
                parts.to_vec()
            };
            Some((parts, t))
        }
        // "1000 mein se 600 cash, baaki UPI"
        Some(t) if sum < t && !open_modes.is_empty() => {
            let mut all = parts.to_vec();
            all.push((open_modes[0], t - sum));
            Some((all, t))
        }
        _ if fractions => None,
        _ if parts.is_empty() => None,
        _ => Some((parts.to_vec(), sum)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PaymentMode::{Cash, Upi};

    const TWO: [(usize, PaymentMode); 2] = [(0, Cash), (1, Upi)];

    #[test]
    fn parts_that_add_up_to_the_total_keep_it() {
        let got = settle(&[(Cash, 600.0), (Upi, 400.0)], &[], Some(1000.0), &TWO);
        assert_eq!(got, Some((vec![(Cash, 600.0), (Upi, 400.0)], 1000.0)));
    }

    #[test]
    fn fractions_are_shares_of_the_total_and_a_remainder_goes_to_the_open_mode() {
        let halves = settle(&[(Cash, 0.5), (Upi, 0.5)], &[], Some(800.0), &TWO);
        assert_eq!(halves, Some((vec![(Cash, 400.0), (Upi, 400.0)], 800.0)));
        let rest = settle(&[(Cash, 600.0)], &[Upi], Some(1000.0), &TWO);
        assert_eq!(rest, Some((vec![(Cash, 600.0), (Upi, 400.0)], 1000.0)));
    }

    #[test]
    fn fractions_without_a_total_mean_nothing() {
        assert_eq!(settle(&[(Cash, 0.5)], &[Upi], None, &TWO), None);
        let parts = settle(&[(Cash, 500.0), (Upi, 300.0)], &[], None, &TWO);
        assert_eq!(parts, Some((vec![(Cash, 500.0), (Upi, 300.0)], 800.0)));
    }
}
