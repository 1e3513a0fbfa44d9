#!/bin/sh
# The command that scripts/spark_annotate.py pipes each Spark partition through. The driver
# ships it with SparkContext.addFile next to the stanceline binary (and the topic, encoder and
# heads files), so everything it runs is found beside it, on whichever machine runs the task.
#
#   spark_pipe.sh annotate ARGS...   stanceline annotate ARGS... - (stdin to stdout), then one
#                                    marker line with the partition's counts (see MARKER)
#   spark_pipe.sh aggregate ARGS...  stanceline aggregate --partial ARGS... -
#
# An argument that starts with @/ names a shipped file: @/ becomes this script's folder.
# annotate's warnings and notes go to stderr, which Spark keeps in the executor's log.
set -u

dir=$(cd "$(dirname "$0")" && pwd) || exit 2
mode=${1:-}
[ $# -gt 0 ] && shift

# Rewrite @/NAME arguments in place (POSIX sh has no arrays: rotate through "$@").
n=$#
while [ "$n" -gt 0 ]; do
  a=$1
  shift
  case $a in
    @/*) a="$dir/${a#@/}" ;;
  esac
  set -- "$@" "$a"
  n=$((n - 1))
done

# Must match MARKER in scripts/spark_annotate.py; no JSONL record can start with '#'.
MARKER='#stanceline-spark-partition'

case $mode in
  annotate)
    stats=$(mktemp "${TMPDIR:-/tmp}/stanceline-stats.XXXXXX") || exit 2
    "$dir/stanceline" annotate --stats "$stats" "$@" -
    rc=$?
    counts=$(cat "$stats" 2>/dev/null)
    rm -f "$stats"
    [ -n "$counts" ] || counts=null
    # The driver reads the exit status from here: 0 and 1 (records rejected) are a finished
    # partition; anything else fails the task.
    printf '%s {"exit":%d,"stats":%s}\n' "$MARKER" "$rc" "$counts"
    ;;
  aggregate)
    exec "$dir/stanceline" aggregate --partial "$@" -
    ;;
  *)
    echo "spark_pipe.sh: unknown mode '$mode' (annotate or aggregate)" >&2
    exit 2
    ;;
esac
