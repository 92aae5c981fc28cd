//! The intent model: a linear classifier over hashed word and character n-grams.
//!
//! It is an averaged perceptron trained at start-up (the first parse) on the training
//! split of `engine::corpus`, in a fixed order from a fixed seed, so every process has the
//! same weights and nothing is fetched or stored. Training takes well under a second in
//! a release build. Its scores become probabilities through a softmax whose temperature
//! is chosen on the held-out split, so that "0.8" means right about four times in five;
//! `parse` weighs that probability against the cue-word rules.

use std::sync::LazyLock;

use super::features::{self, DIM};
use crate::engine::corpus::{self, Split};
use crate::engine::intent::IntentKind;

const KINDS: usize = IntentKind::ALL.len();
/// Passes over the corpus; accuracy on the held-out split stops improving before this.
const EPOCHS: usize = 4;

/// The model's reading of an utterance.
#[derive(Debug, Clone, Copy)]
pub(super) struct Prediction {
    pub kind: IntentKind,
    /// Calibrated probability of `kind`, 0..1.
    pub probability: f32,
}

pub(super) struct Model {
    /// Averaged weights, feature-major: `w[feature * KINDS + kind]`.
    weights: Vec<f32>,
    /// Divides scores before the softmax (calibration).
    temperature: f32,
}

static MODEL: LazyLock<Model> = LazyLock::new(|| {
    let train = labelled(Split::Train);
    let mut model = Model::train(&train);
    model.temperature = model.calibrate(&labelled(Split::HeldOut));
    model
});

/// The trained model's reading of a normalised utterance.
pub(super) fn predict(normalized: &str) -> Prediction {
    MODEL.predict(&features::of(normalized))
}

fn labelled(split: Split) -> Vec<(Vec<u32>, usize)> {
    let mut out = Vec::new();
    for (n, e) in corpus::examples(split).into_iter().enumerate() {
        let masked = super::words(&e.text).masked;
        let gold = index(e.intent);
        if split == Split::Train {
            // Each training utterance once more with one word left out, so that no single
            // word of a template carries its intent alone.
            let words: Vec<&str> = masked.split(' ').collect();
            if words.len() > 3 {
                let drop = n % words.len();
                let shorter: Vec<&str> = words
                    .iter()
                    .enumerate()
                    .filter(|&(i, _)| i != drop)
                    .map(|(_, w)| *w)
                    .collect();
                out.push((features::of(&shorter.join(" ")), gold));
            }
        }
        out.push((features::of(&masked), gold));
    }
    out
}

fn index(kind: IntentKind) -> usize {
    IntentKind::ALL
        .iter()
        .position(|&k| k == kind)
        .unwrap_or(KINDS - 1)
}

impl Model {
    fn train(data: &[(Vec<u32>, usize)]) -> Self {
        let mut w = vec![0f32; DIM * KINDS];
        // Sum of each update weighted by when it happened: averaging without a copy per step.
        let mut stamped = vec![0f32; DIM * KINDS];
        let mut step = 1f32;
        let mut order: Vec<usize> = (0..data.len()).collect();
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        for _ in 0..EPOCHS {
            shuffle(&mut order, &mut seed);
            for &i in &order {
                let (f, gold) = &data[i];
                let guess = argmax(&scores(&w, f));
                if guess != *gold {
                    for &x in f {
                        let at = x as usize * KINDS;
                        w[at + gold] += 1.0;
                        w[at + guess] -= 1.0;
                        stamped[at + gold] += step;
                        stamped[at + guess] -= step;
                    }
                }
                step += 1.0;
            }
        }
        let weights = w.iter().zip(&stamped).map(|(w, s)| w - s / step).collect();
        Self {
            weights,
            temperature: 1.0,
        }
    }

    /// The temperature with the lowest log loss on `data`, from a doubling grid.
    fn calibrate(&self, data: &[(Vec<u32>, usize)]) -> f32 {
        let loss = |t: f32| -> f32 {
            data.iter()
                .map(|(f, gold)| -softmax(&scores(&self.weights, f), t)[*gold].max(1e-6).ln())
                .sum()
        };
        (-3..10)
            .map(|e| 2f32.powi(e))
            .min_by(|a, b| loss(*a).total_cmp(&loss(*b)))
            .unwrap_or(1.0)
    }

    fn predict(&self, f: &[u32]) -> Prediction {
        let p = softmax(&scores(&self.weights, f), self.temperature);
        let best = argmax(&p);
        Prediction {
            kind: IntentKind::ALL[best],
            probability: p[best],
        }
    }
}

fn scores(w: &[f32], f: &[u32]) -> [f32; KINDS] {
    let mut s = [0f32; KINDS];
    for &x in f {
        let row = &w[x as usize * KINDS..][..KINDS];
        s.iter_mut().zip(row).for_each(|(s, w)| *s += w);
    }
    s
}

fn argmax(s: &[f32]) -> usize {
    (0..s.len())
        .max_by(|&a, &b| s[a].total_cmp(&s[b]))
        .unwrap_or(0)
}

fn softmax(s: &[f32; KINDS], temperature: f32) -> [f32; KINDS] {
    let max = s.iter().copied().fold(f32::MIN, f32::max);
    let mut p = s.map(|x| ((x - max) / temperature).exp());
    let sum: f32 = p.iter().sum();
    p.iter_mut().for_each(|x| *x /= sum);
    p
}

/// Fisher–Yates with an xorshift generator: the same order on every run.
fn shuffle(order: &mut [usize], seed: &mut u64) {
    for i in (1..order.len()).rev() {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        order.swap(i, (*seed % (i as u64 + 1)) as usize);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probabilities_sum_to_one_and_sharpen_as_the_temperature_falls() {
        let mut s = [0f32; KINDS];
        s[0] = 2.0;
        s[1] = 1.0;
        let warm = softmax(&s, 4.0);
        let cold = softmax(&s, 0.25);
        assert!((warm.iter().sum::<f32>() - 1.0).abs() < 1e-4);
        assert!(cold[0] > warm[0] && cold[0] > 0.95);
    }

    #[test]
    fn the_same_seed_gives_the_same_order() {
        let (mut a, mut b): (Vec<usize>, Vec<usize>) = ((0..50).collect(), (0..50).collect());
        shuffle(&mut a, &mut 7);
        shuffle(&mut b, &mut 7);
        assert_eq!(a, b);
        assert_ne!(a, (0..50).collect::<Vec<_>>());
    }

    #[test]
    fn the_trained_model_reads_masked_requests_and_is_calibrated() {
        let credit = predict("<name> ko 500 udhaar likho");
        assert_eq!(credit.kind, IntentKind::AddCredit);
        assert!((0.5..=1.0).contains(&credit.probability), "{credit:?}");
        assert_eq!(
            predict("<name> ka balance kitna hai").kind,
            IntentKind::CheckBalance
        );
        assert!(MODEL.temperature > 0.0);
    }
}
