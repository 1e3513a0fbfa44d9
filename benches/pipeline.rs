//! Per-stage throughput on the bundled sample corpus (`corpus/articles.jsonl`).
//!
//! Each stage is measured on its own, with the output of the stages before it computed
//! once up front, so a change to one stage shows up in its own line: reading JSONL,
//! loading the topic file, sentence splitting, attribution, stance rules, the whole
//! per-article chain, and record serialisation. Throughput is in bytes of article text
//! (bytes of file for reading and topic loading, bytes of JSON written for serialisation),
//! so the numbers compare with `scripts/bench`'s MB/s.
//!
//! Samples are few and short so that `cargo bench` stays around a minute on two cores;
//! for steadier numbers, raise them on the command line (`--measurement-time 20`).

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use stanceline::annotate::{Annotator, StanceModel};
use stanceline::attribute::{self, Attribution};
use stanceline::corpus::{Article, Inputs};
use stanceline::record::SentenceRecord;
use stanceline::segment::{self, Sentence};
use stanceline::stance;
use stanceline::topic::{Topic, DEFAULT_TOPIC_PATH};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn corpus_path() -> PathBuf {
    root().join("corpus/articles.jsonl")
}

fn topic_path() -> PathBuf {
    root().join(DEFAULT_TOPIC_PATH)
}

/// The sample corpus, read once; a bad record here is a broken checkout, not a bench result.
fn load_articles(path: &Path) -> Vec<Article> {
    Inputs::new(vec![path.to_path_buf()])
        .collect::<Result<Vec<_>, _>>()
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn load_topic() -> Topic {
    let path = topic_path();
    Topic::load(&path).unwrap_or_else(|e| panic!("cannot load {}: {e}", path.display()))
}

fn text_bytes(articles: &[Article]) -> u64 {
    articles.iter().map(|a| a.text.len() as u64).sum()
}

fn file_bytes(path: &Path) -> u64 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("cannot stat {}: {e}", path.display()))
        .len()
}

fn read_jsonl(c: &mut Criterion) {
    let path = corpus_path();
    let mut g = c.benchmark_group("read");
    g.throughput(Throughput::Bytes(file_bytes(&path)));
    g.bench_function("jsonl", |b| {
        b.iter(|| {
            let n = Inputs::new(vec![path.clone()])
                .filter(Result::is_ok)
                .count();
            black_box(n)
        })
    });
    g.finish();
}

fn topic_load(c: &mut Criterion) {
    let path = topic_path();
    let mut g = c.benchmark_group("topic");
    g.throughput(Throughput::Bytes(file_bytes(&path)));
    g.bench_function("load", |b| b.iter(|| black_box(Topic::load(&path).is_ok())));
    g.finish();
}

fn split(c: &mut Criterion) {
    let articles = load_articles(&corpus_path());
    let mut g = c.benchmark_group("segment");
    g.throughput(Throughput::Bytes(text_bytes(&articles)));
    g.bench_function("split", |b| {
        b.iter(|| {
            articles
                .iter()
                .map(|a| segment::split(black_box(&a.text)).len())
                .sum::<usize>()
        })
    });
    g.finish();
}

fn attribute_and_stance(c: &mut Criterion) {
    let articles = load_articles(&corpus_path());
    let topic = load_topic();
    let sentences: Vec<Vec<Sentence>> = articles.iter().map(|a| segment::split(&a.text)).collect();
    let bytes = text_bytes(&articles);

    let mut g = c.benchmark_group("attribute");
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function("attribute", |b| {
        b.iter(|| {
            articles
                .iter()
                .zip(&sentences)
                .map(|(a, s)| attribute::attribute(&topic, &a.text, &a.date, black_box(s)).len())
                .sum::<usize>()
        })
    });
    g.finish();

    let attributions: Vec<Vec<Attribution>> = articles
        .iter()
        .zip(&sentences)
        .map(|(a, s)| attribute::attribute(&topic, &a.text, &a.date, s))
        .collect();
    let mut g = c.benchmark_group("stance");
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function("rules", |b| {
        b.iter(|| {
            for ((a, sents), attrs) in articles.iter().zip(&sentences).zip(&attributions) {
                for (s, attr) in sents.iter().zip(attrs) {
                    // As in `Annotator::annotate`: the stance stage sees the sentence text.
                    black_box(stance::rules(&topic, black_box(s.text(&a.text)), attr));
                }
            }
        })
    });
    g.finish();
}

fn annotate(c: &mut Criterion) {
    let articles = load_articles(&corpus_path());
    let annotator = Annotator::new(load_topic(), StanceModel::Rules);
    let mut g = c.benchmark_group("annotate");
    g.throughput(Throughput::Bytes(text_bytes(&articles)));
    g.bench_function("article", |b| {
        b.iter(|| {
            articles
                .iter()
                .map(|a| annotator.annotate(black_box(a)).len())
                .sum::<usize>()
        })
    });
    g.finish();
}

fn serialise(c: &mut Criterion) {
    let articles = load_articles(&corpus_path());
    let annotator = Annotator::new(load_topic(), StanceModel::Rules);
    let records: Vec<SentenceRecord> = articles
        .iter()
        .flat_map(|a| annotator.annotate(a))
        .collect();
    let write_all = |buf: &mut Vec<u8>| {
        buf.clear();
        for r in &records {
            serde_json::to_writer(&mut *buf, r).expect("records serialise");
            buf.push(b'\n');
        }
    };
    let mut buf = Vec::new();
    write_all(&mut buf);
    let mut g = c.benchmark_group("record");
    g.throughput(Throughput::Bytes(buf.len() as u64));
    g.bench_function("serialise", |b| {
        b.iter(|| {
            write_all(&mut buf);
            black_box(buf.len())
        })
    });
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = pipeline;
    config = config();
    targets = read_jsonl, topic_load, split, attribute_and_stance, annotate, serialise
}
criterion_main!(pipeline);
