"""PySpark driver behind scripts/spark-annotate: annotate and tally a corpus on Spark.

Each partition of the corpus is piped through `stanceline annotate` (RDD.pipe), its records
are written under --out, tallied with `stanceline aggregate --partial` (RDD.pipe again) and
the partials are merged on the driver with `stanceline merge`, whose table goes to stdout.

Partitions are runs of whole calendar months, and articles keep their input order inside a
partition, because `aggregate` folds near-duplicate wire copies only within one input: a
story and its reprint a day later must reach the same `aggregate --partial`. Cuts between
months are placed where no article falls within COPY_WINDOW_DAYS of the cut, when such a cut
is near the balanced position; otherwise the cut is made anyway and reported, since copies
straddling it would be counted twice.

Nothing here assumes local mode: the binary and its data files reach the executors with
SparkContext.addFile and are found there through SparkFiles; only --out (and the input) must
be on a file system that every machine sees (HDFS, S3, or the local disk in local mode).
"""

import argparse
import datetime
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

# Must match MARKER in scripts/spark_pipe.sh.
MARKER = "#stanceline-spark-partition"
# A reprint appears on the same day as its original or shortly after.
COPY_WINDOW_DAYS = 2
# What annotate counts as a blank line (Rust's u8::is_ascii_whitespace).
ASCII_SPACE = " \t\n\r\x0c"
# Default partition size when --partitions is not given (see README "Scale out").
ARTICLES_PER_PARTITION = 20000
DEFAULT_TOPIC = "models/topics/us-china.toml"
DEFAULT_MODEL_DIR = "models/encoders/all-MiniLM-L6-v2"
DEFAULT_HEADS = "models/heads/stance.json"
MODEL_FILES = ("model.safetensors", "tokenizer.json", "vocab.txt", "config.json")

# Finds spark_pipe.sh in the first SparkFiles root that holds it and runs it. The roots are
# what SparkFiles.getRootDirectory() said on the executors: the driver's temporary folder in
# local mode, the task's working folder (".") on YARN, Kubernetes and standalone clusters.
LOCATE = r"""
w=
while [ $# -gt 0 ] && [ "$1" != -- ]; do
  if [ -z "$w" ] && [ -f "$1/spark_pipe.sh" ]; then w=$1/spark_pipe.sh; fi
  shift
done
[ $# -gt 0 ] && shift
if [ -z "$w" ]; then
  echo "stanceline-spark: spark_pipe.sh is not among the files shipped to this executor" >&2
  exit 2
fi
exec /bin/sh "$w" "$@"
"""

DATE_RE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", re.ASCII)


class Failure(Exception):
    """A run that cannot go on: exit status 2 with this message."""


def say(msg):
    print(f"stanceline-spark: {msg}", file=sys.stderr, flush=True)


def parse_args(argv):
    if "--" in argv:
        cut = argv.index("--")
        argv, extra = argv[:cut], argv[cut + 1 :]
    else:
        extra = []
    p = argparse.ArgumentParser(
        prog="spark-annotate",
        description="Annotate article JSONL on Apache Spark and print the aggregate.",
        epilog="Arguments after -- go to every `stanceline annotate` "
        "(e.g. -- --stance rules, -- --topic my.toml).",
    )
    p.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="article JSONL files (.gz too) or folders of them",
    )
    p.add_argument(
        "--out",
        required=True,
        metavar="DIR",
        help="where the annotated partitions, partials and counts go (must not exist)",
    )
    p.add_argument("--master", default="local[2]", help="Spark master URL [default: local[2]]")
    p.add_argument(
        "--partitions",
        type=int,
        metavar="N",
        help=f"number of partitions [default: about one per {ARTICLES_PER_PARTITION} articles, at least the default parallelism]",
    )
    p.add_argument(
        "--by",
        default="month",
        choices=["day", "week", "month", "quarter", "year"],
        help="period of the aggregate [default: month]",
    )
    p.add_argument(
        "--format",
        default="table",
        choices=["table", "csv", "json"],
        help="format of the aggregate [default: table]",
    )
    p.add_argument(
        "--conf",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra Spark configuration (repeatable)",
    )
    p.add_argument("--stanceline", required=True, metavar="BIN", help=argparse.SUPPRESS)
    p.add_argument("--pipe-script", required=True, metavar="FILE", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.partitions is not None and args.partitions < 1:
        p.error("--partitions must be at least 1")
    return args, extra


def option_value(extra, name):
    """The value of annotate option NAME in EXTRA (`--name V` or `--name=V`), or None."""
    for i, a in enumerate(extra):
        if a == name and i + 1 < len(extra):
            return extra[i + 1]
        if a.startswith(name + "="):
            return a[len(name) + 1 :]
    return None


def without_option(extra, name):
    out, skip = [], False
    for a in extra:
        if skip:
            skip = False
        elif a == name:
            skip = True
        elif not a.startswith(name + "="):
            out.append(a)
    return out


def annotate_args(extra, stage):
    """Annotate's arguments for the executors, with every file it needs copied to STAGE
    (to be shipped) and named `@/NAME` (resolved by spark_pipe.sh next to itself)."""
    for bad in ("-o", "--output", "--stats", "--summary", "--on-error"):
        if option_value(extra, bad) is not None or bad in extra:
            raise Failure(
                f"{bad} cannot be passed to annotate here: the driver owns the output and the counts"
            )
    takes_value = ("--topic", "--stance", "--heads", "--model-dir", "--threads")
    for i, a in enumerate(extra):
        if not a.startswith("-") and not (i > 0 and extra[i - 1] in takes_value):
            # It would be read as an input by every partition's annotate.
            raise Failure(f"inputs go before --, not to annotate: {a}")

    shipped = []
    args = list(extra)

    def ship(option, path):
        nonlocal args
        args = without_option(args, option)
        name = os.path.basename(os.path.normpath(path))
        if name in ("stanceline", "spark_pipe.sh") or name in shipped:
            raise Failure(f"cannot ship {path}: a file named {name} is already shipped")
        dest = os.path.join(stage, name)
        if os.path.isdir(path):
            shutil.copytree(path, dest)
        else:
            shutil.copyfile(path, dest)
        shipped.append(name)
        args += [option, "@/" + name]

    topic = option_value(extra, "--topic")
    if topic is not None or os.path.isfile(DEFAULT_TOPIC):
        path = topic or DEFAULT_TOPIC
        if not os.path.isfile(path):
            raise Failure(f"topic file {path} not found")
        ship("--topic", path)

    stance = option_value(extra, "--stance")
    if stance != "rules":
        model_dir = option_value(extra, "--model-dir") or DEFAULT_MODEL_DIR
        heads = option_value(extra, "--heads") or DEFAULT_HEADS
        present = all(
            os.path.isfile(os.path.join(model_dir, f)) for f in MODEL_FILES
        ) and os.path.isfile(heads)
        if present:
            ship("--model-dir", model_dir)
            ship("--heads", heads)
        elif stance is None:
            # Said once here rather than once per partition by every annotate.
            say(f"note: stance model: rules (no encoder in {model_dir} or no heads in {heads})")
            args += ["--stance", "rules"]
        else:
            raise Failure(
                f"--stance {stance} needs the encoder in {model_dir} and the heads in {heads}"
            )
    return args


def expand_inputs(inputs):
    """Input paths for textFile, in the order a single `annotate` run would read them."""
    paths = []
    for path in inputs:
        if "://" in path:
            paths.append(path)
        elif os.path.isdir(path):
            found = sorted(
                os.path.join(path, f)
                for f in os.listdir(path)
                if f.endswith((".jsonl", ".jsonl.gz")) and not f.startswith((".", "_"))
            )
            if not found:
                raise Failure(f"{path} holds no .jsonl or .jsonl.gz files")
            paths.extend(os.path.abspath(f) for f in found)
        elif os.path.isfile(path):
            paths.append(os.path.abspath(path))
        else:
            raise Failure(f"{path}: no such file or folder")
    return paths


def date_key(line):
    """(month key "YYYY-MM", first day, last day) of the article on LINE as day ordinals, or
    None when the line has no valid date (annotate will reject it). A month-only date spans
    its month; a year-only date is filed under January and spans its year."""
    try:
        obj = json.loads(line)
    except ValueError:
        return None
    d = obj.get("date") if isinstance(obj, dict) else None
    if not isinstance(d, str):
        return None
    m = DATE_RE.fullmatch(d.strip())
    if not m:
        return None
    year = int(m.group(1))
    try:
        if m.group(3):
            day = datetime.date(year, int(m.group(2)), int(m.group(3))).toordinal()
            return (f"{m.group(1)}-{m.group(2)}", day, day)
        if m.group(2):
            first = datetime.date(year, int(m.group(2)), 1)
            nxt = datetime.date(year + (first.month == 12), first.month % 12 + 1, 1)
            return (f"{m.group(1)}-{m.group(2)}", first.toordinal(), nxt.toordinal() - 1)
        return (
            f"{m.group(1)}-01",
            datetime.date(year, 1, 1).toordinal(),
            datetime.date(year, 12, 31).toordinal(),
        )
    except ValueError:
        return None


def plan_partitions(months, n):
    """Cuts the sorted months into at most N contiguous runs of similar article counts.

    MONTHS: sorted list of (key, count, first day, last day), days as ordinals. Returns the
    partition of each month key and the (month before, month after) of each risky cut: one
    with articles less than COPY_WINDOW_DAYS + 1 days apart across it. With fewer months than
    N, each month is a partition and the last partitions stay empty.

    >>> d = lambda m, day: datetime.date(2020, m, day).toordinal()
    >>> quiet = [(f"2020-0{m}", 10, d(m, 10), d(m, 20)) for m in (1, 2, 3, 4)]
    >>> plan_partitions(quiet, 2)
    ({'2020-01': 0, '2020-02': 0, '2020-03': 1, '2020-04': 1}, [])
    >>> plan_partitions(quiet, 4)[0]
    {'2020-01': 0, '2020-02': 1, '2020-03': 2, '2020-04': 3}
    >>> plan_partitions(quiet[:2], 4)
    ({'2020-01': 0, '2020-02': 1}, [])

    A story on 29 February and its copy on 1 March: the balanced cut would part them, so the
    cut moves to the quiet gap between January and February, still within half a partition.

    >>> leap = [quiet[0], ("2020-02", 10, d(2, 5), d(2, 29)), ("2020-03", 10, d(3, 1), d(3, 20)), quiet[3]]
    >>> plan_partitions(leap, 2)
    ({'2020-01': 0, '2020-02': 1, '2020-03': 1, '2020-04': 1}, [])

    Every month full to its last day: no quiet cut, so the balanced one is made and reported.

    >>> dense = [("2020-01", 10, d(1, 1), d(1, 31)), ("2020-02", 10, d(2, 1), d(2, 29)),
    ...          ("2020-03", 10, d(3, 1), d(3, 31)), ("2020-04", 10, d(4, 1), d(4, 30))]
    >>> plan_partitions(dense, 2)
    ({'2020-01': 0, '2020-02': 0, '2020-03': 1, '2020-04': 1}, [('2020-02', '2020-03')])
    >>> plan_partitions([], 3)
    ({}, [])
    """
    n = min(n, len(months))
    total = sum(c for _, c, _, _ in months)
    cum = [0]
    for _, c, _, _ in months:
        cum.append(cum[-1] + c)
    # A cut before months[b] (1 <= b < len) is safe when no copy can straddle it.
    safe = {b: months[b][2] - months[b - 1][3] > COPY_WINDOW_DAYS for b in range(1, len(months))}
    cuts, risky = [], []
    tolerance = total / (2 * n) if n else 0
    for k in range(1, n):
        lo = (cuts[-1] + 1) if cuts else 1
        hi = len(months) - (n - k)  # leave a month for each cut still to make
        target = total * k / n
        cands = range(lo, hi + 1)
        best = min(cands, key=lambda b: (abs(cum[b] - target), b))
        quiet = [b for b in cands if safe[b] and abs(cum[b] - target) <= tolerance]
        if quiet:
            best = min(quiet, key=lambda b: (abs(cum[b] - target), b))
        elif not safe[best]:
            risky.append((months[best - 1][0], months[best][0]))
        cuts.append(best)
    part, p = {}, 0
    for b, (key, _, _, _) in enumerate(months):
        while p < len(cuts) and b >= cuts[p]:
            p += 1
        part[key] = p
    return part, risky


def main(argv):
    args, extra = parse_args(argv)
    for f in (args.stanceline, args.pipe_script):
        if not os.path.isfile(f):
            raise Failure(f"{f} not found")
    paths = expand_inputs(args.inputs)
    if "://" not in args.out and os.path.exists(args.out):
        raise Failure(f"--out {args.out} already exists: remove it or name another folder")

    stage = tempfile.mkdtemp(prefix="stanceline-spark-")
    try:
        return run(args, extra, paths, stage)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def run(args, extra, paths, stage):
    ann_args = annotate_args(extra, stage)
    shutil.copyfile(args.stanceline, os.path.join(stage, "stanceline"))
    os.chmod(os.path.join(stage, "stanceline"), 0o755)
    shutil.copyfile(args.pipe_script, os.path.join(stage, "spark_pipe.sh"))

    if args.master.startswith("local") and "PYSPARK_PYTHON" not in os.environ:
        # Local workers use this environment's Python, which has pyspark; on a cluster the
        # executors use theirs (set PYSPARK_PYTHON to choose).
        os.environ["PYSPARK_PYTHON"] = sys.executable
    from pyspark import SparkConf, SparkContext, SparkFiles, StorageLevel

    conf = SparkConf().setAppName("stanceline-annotate").setMaster(args.master)
    conf.set("spark.ui.showConsoleProgress", "false")
    for kv in args.conf:
        if "=" not in kv:
            raise Failure(f"--conf {kv}: expected KEY=VALUE")
        k, v = kv.split("=", 1)
        conf.set(k, v)
    sc = SparkContext(conf=conf)
    sc.setLogLevel("ERROR")
    try:
        return job(sc, args, ann_args, paths, stage, SparkFiles, StorageLevel)
    finally:
        sc.stop()


def job(sc, args, ann_args, paths, stage, SparkFiles, StorageLevel):
    for name in sorted(os.listdir(stage)):
        sc.addFile(os.path.join(stage, name), recursive=os.path.isdir(os.path.join(stage, name)))
    task_cpus = sc.getConf().get("spark.task.cpus", "1")
    if option_value(ann_args, "--threads") is None:
        # One annotate per task, with the cores Spark gives the task.
        ann_args = ann_args + ["--threads", task_cpus]

    out = args.out.rstrip("/")
    lines = sc.textFile(",".join(paths))
    # Blank lines are no records for annotate either; a byte-order mark is dropped by annotate
    # on a file's first line, which need not be a partition's first line.
    indexed = (
        lines.zipWithIndex()
        .map(lambda li: (li[0][1:] if li[0].startswith("\ufeff") else li[0], li[1]))
        .filter(lambda li: li[0].strip(ASCII_SPACE) != "")
    )

    # Per month: count, first and last day; None collects the undated lines.
    def merge_stats(a, b):
        return (a[0] + b[0], min(a[1], b[1]), max(a[2], b[2]))

    def month_stats(li):
        k = date_key(li[0])
        return (k[0], (1, k[1], k[2])) if k else (None, (1, 0, 0))

    stats = dict(indexed.map(month_stats).reduceByKey(merge_stats).collect())
    undated = stats.pop(None, (0, 0, 0))[0]
    months = sorted((k, c, lo, hi) for k, (c, lo, hi) in stats.items())
    total = sum(c for _, c, _, _ in months) + undated
    n = args.partitions or max(sc.defaultParallelism, -(-total // ARTICLES_PER_PARTITION))
    part, risky = plan_partitions(months, n)
    if len(months) < n:
        say(
            f"note: {len(months)} months of articles for {n} partitions: some partitions stay empty"
        )
    if risky:
        shown = ", ".join(f"{a}|{b}" for a, b in risky[:5]) + (" ..." if len(risky) > 5 else "")
        say(
            f"warning: {len(risky)} partition cut(s) fall between articles less than "
            f"{COPY_WINDOW_DAYS + 1} days apart ({shown}); wire copies published across a cut are counted twice"
        )

    # Undated lines are rejected by annotate wherever they go; partition 0 counts them.
    def keyed(li):
        k = date_key(li[0])
        return ((part.get(k[0], 0) if k else 0, li[1]), li[0])

    roots = (
        sc.parallelize(range(sc.defaultParallelism), sc.defaultParallelism)
        .map(lambda _: SparkFiles.getRootDirectory())
        .distinct()
        .collect()
    )
    # RDD.pipe replaces the environment. Nothing of the driver's is passed on: its paths
    # (TMPDIR, say) need not exist on the executors.
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin"}

    def pipe_command(mode, mode_args):
        return shlex.join(
            ["/bin/sh", "-c", LOCATE, "locate", *sorted(roots), "--", mode, *mode_args]
        )

    articles = (
        indexed.map(keyed)
        # Sorting by (partition, input index) keeps each partition in input order; it spills
        # to disk rather than holding a partition in memory.
        .repartitionAndSortWithinPartitions(n, partitionFunc=lambda k: k[0]).values()
    )
    piped = articles.pipe(pipe_command("annotate", ann_args), env=env)

    def split_marker(index, it):
        seen = False
        for line in it:
            if line.startswith(MARKER):
                m = json.loads(line[len(MARKER) :])
                if m["exit"] not in (0, 1) or not m["stats"]:
                    raise RuntimeError(
                        f"stanceline annotate failed on partition {index} with exit status {m['exit']} (see the executor's stderr)"
                    )
                seen = True
                yield ("s", index, m["stats"])
            else:
                yield ("r", line)
        if not seen:
            raise RuntimeError(f"partition {index}: annotate ended without its counts")

    tagged = piped.mapPartitionsWithIndex(split_marker).persist(StorageLevel.MEMORY_AND_DISK)
    records = tagged.filter(lambda t: t[0] == "r").map(lambda t: t[1])
    records.saveAsTextFile(out + "/annotated")
    summaries = sorted(tagged.filter(lambda t: t[0] == "s").map(lambda t: (t[1], t[2])).collect())

    partials = (
        records.pipe(
            pipe_command("aggregate", ["--by", args.by, "--quiet"]), env=env, checkCode=True
        )
        .mapPartitionsWithIndex(lambda i, it: [(i, "\n".join(it))])
        .collect()
    )
    tagged.unpersist()

    month_range = {}
    for key, p in part.items():
        lo, hi = month_range.get(p, (key, key))
        month_range[p] = (min(lo, key), max(hi, key))
    rows = []
    for index, s in summaries:
        first, last = month_range.get(index, ("", ""))
        rows.append(dict(partition=index, first_month=first, last_month=last, **s))
        say(
            f"partition {index} [{first or '-'} .. {last or '-'}]: {s['records_read']} records read, "
            f"{s['annotated']} annotated, {s['rejected']} rejected, {s['sentences']} sentences"
        )
    sc.parallelize([json.dumps(r) for r in rows], 1).saveAsTextFile(out + "/partitions")
    sc.parallelize([p for _, p in sorted(partials)], 1).saveAsTextFile(out + "/partials")

    read = sum(s["records_read"] for _, s in summaries)
    annotated = sum(s["annotated"] for _, s in summaries)
    rejected = sum(s["rejected"] for _, s in summaries)
    sentences = sum(s["sentences"] for _, s in summaries)
    models = sorted({s["stance_model"] for _, s in summaries})
    say(
        f"{read} records read in {len(summaries)} partitions: {annotated} annotated, {rejected} rejected, "
        f"{sentences} sentences (stance model {', '.join(models)})"
    )
    if len(summaries) != n or read != total or read != annotated + rejected:
        raise Failure(
            f"counts do not reconcile: {total} input records, {read} read by {len(summaries)} of {n} partitions, "
            f"{annotated} annotated + {rejected} rejected"
        )

    with tempfile.TemporaryDirectory(prefix="stanceline-partials-") as tmp:
        files = []
        for index, text in sorted(partials):
            f = os.path.join(tmp, f"part-{index:05}.json")
            with open(f, "w", encoding="utf-8") as fh:
                fh.write(text + "\n")
            files.append(f)
        sys.stdout.flush()
        rc = subprocess.run([args.stanceline, "merge", "--format", args.format, *files]).returncode
        if rc != 0:
            raise Failure(f"stanceline merge failed with exit status {rc}")
    return 1 if rejected else 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except Failure as e:
        say(f"error: {e}")
        sys.exit(2)
    except Exception as e:  # a failed Spark job: say the cause, not the whole Java trace
        lines = str(e).splitlines()
        ours = [l.split("RuntimeError: ", 1)[1] for l in lines if "RuntimeError: " in l]
        say(f"error: the Spark job failed: {(ours or lines or [type(e).__name__])[0]}")
        sys.exit(2)
