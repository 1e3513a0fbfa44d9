//! Property tests for aggregation: merging the partial tallies of any split of the input
//! equals tallying the whole, and every row is internally consistent (shares in [0, 1], each
//! interval around its estimate, stance counts adding up to n).

use proptest::prelude::*;
use stanceline::analysis::{Aggregator, AnnotatedRecord, Bucket, Partial, Tally};
use stanceline::record::{Group, Label};
use stanceline::PartialDate;

fn record() -> impl Strategy<Value = AnnotatedRecord> {
    (
        0..6u32,
        2023..2026i32,
        prop::option::of((1..=12u32, prop::option::of(1..=28u32))),
        prop::sample::select(Group::ALL.to_vec()),
        prop::sample::select(Label::ALL.to_vec()),
    )
        .prop_map(|(doc, year, md, group, stance)| AnnotatedRecord {
            doc_id: format!("doc{doc}"),
            date: PartialDate {
                year,
                month: md.map(|(m, _)| m),
                day: md.and_then(|(_, d)| d),
            },
            text: format!("sentence from doc{doc}"),
            group,
            stance,
        })
}

fn bucket() -> impl Strategy<Value = Bucket> {
    prop::sample::select(vec![
        Bucket::Day,
        Bucket::Week,
        Bucket::Month,
        Bucket::Quarter,
        Bucket::Year,
    ])
}

fn tally(records: &[AnnotatedRecord], by: Bucket) -> Tally {
    let mut agg = Aggregator::new(by, None);
    for r in records {
        agg.push(r.clone());
    }
    agg.finish()
}

/// Through the partial file format, as `merge` reads it.
fn round_trip(t: &Tally) -> Tally {
    let json = serde_json::to_string(&t.to_partial()).unwrap();
    let partial: Partial = serde_json::from_str(&json).unwrap();
    Tally::from_partial(partial).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn merging_any_split_equals_the_whole(
        records in prop::collection::vec(record(), 0..80),
        cuts in prop::collection::vec(0usize..80, 0..4),
        by in bucket(),
    ) {
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(records.len())).collect();
        cuts.push(0);
        cuts.push(records.len());
        cuts.sort_unstable();
        let mut merged = Tally::new(by);
        for w in cuts.windows(2) {
            merged.merge(round_trip(&tally(&records[w[0]..w[1]], by))).unwrap();
        }
        let whole = tally(&records, by);
        prop_assert_eq!(&merged, &whole);
        prop_assert_eq!(merged.rows(&[]), whole.rows(&[]));
    }

    #[test]
    fn rows_are_consistent(
        records in prop::collection::vec(record(), 0..80),
        by in bucket(),
    ) {
        let t = tally(&records, by);
        let rows = t.rows(&[]);
        let total: u64 = rows.iter().map(|r| r.n).sum();
        prop_assert_eq!(total, records.len() as u64, "every record is counted once");
        for r in &rows {
            prop_assert_eq!(r.support + r.conditional + r.oppose + r.neutral, r.n);
            prop_assert!(r.articles <= r.n);
            for share in [r.support_share, r.conditional_share, r.oppose_share] {
                match share {
                    None => prop_assert_eq!(r.n, 0),
                    Some(e) => {
                        prop_assert!(0.0 <= e.lo && e.lo <= e.value, "{:?}", e);
                        prop_assert!(e.value <= e.hi && e.hi <= 1.0, "{:?}", e);
                    }
                }
            }
            match r.net {
                None => prop_assert_eq!(r.support + r.conditional + r.oppose, 0),
                Some(e) => {
                    prop_assert!(-1.0 <= e.lo && e.lo <= e.value, "{:?}", e);
                    prop_assert!(e.value <= e.hi && e.hi <= 1.0, "{:?}", e);
                }
            }
        }
    }

    #[test]
    fn wilson_interval_holds_its_estimate(k in 0u64..500, extra in 0u64..500) {
        let n = k + extra;
        match stanceline::analysis::wilson(k, n) {
            None => prop_assert_eq!(n, 0),
            Some(e) => {
                prop_assert!((e.value - k as f64 / n as f64).abs() < 1e-12);
                prop_assert!(0.0 <= e.lo && e.lo <= e.value && e.value <= e.hi && e.hi <= 1.0);
                // Never a point: Wilson keeps width even at 0 and n.
                prop_assert!(e.hi - e.lo > 0.0);
            }
        }
    }
}
