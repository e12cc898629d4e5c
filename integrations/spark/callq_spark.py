#!/usr/bin/env python3
"""callq on Apache Spark: analyze many call-record files on the executors, merge on the driver.

    spark-submit integrations/spark/callq_spark.py \
        --callq /path/to/callq --output report.json --format json \
        [--tasks N] [--fan-in 64] [--keep-partials DIR] \
        INPUT... [-- ANALYZE-OPTIONS...]

    spark-submit integrations/spark/callq_spark.py \
        --callq /path/to/callq --output report.html --format html \
        INPUT... [-- REPORT-OPTIONS...]     (the HTML report of `callq report`)

INPUT: files, directories or globs. Local paths and paths mounted on every node (Databricks
/dbfs/... and /Volumes/..., Synapse /synfs/...) are read by callq directly; URIs of any
filesystem Spark reads (abfss://, s3a://, gs://, hdfs://, file://) are fetched by Spark
(binaryFiles) into the task's local disk first, keeping their URI as their name in the report.

How it works: the inputs are listed on the driver and sorted (directories are expanded like
callq does: *.ndjson, *.jsonl, *.json, also .gz/.zst, recursively, in byte order of paths);
consecutive runs of files go to N tasks; each task runs
`callq analyze --format partial` over its files with the callq binary shipped by
SparkContext.addFile; the partials come back in input order and are merged with
`callq merge`, in a tree (each level on the executors, FAN-IN partials per merge) when there
are many. The report is the one `callq analyze` gives over all the inputs in that order with
the same options, byte for byte (with --format html: the tasks run `callq report --format
partial` and the report is the HTML of `callq report`), as long as no session has copies in two tasks' files (see
README.md: partition by day, or use --keep-duplicates).
"""

import argparse
import glob
import os
import shutil
import stat
import subprocess
import sys
import tempfile

INPUT_SUFFIXES = (".ndjson", ".jsonl", ".json")


def is_input_name(name):
    """callq's rule for files found in a directory (src/input.rs, is_input_name)."""
    for comp in (".gz", ".zst"):
        if name.endswith(comp):
            name = name[: -len(comp)]
            break
    return any(name.endswith(ext) for ext in INPUT_SUFFIXES)


def has_scheme(path):
    head = path.split("/", 1)[0]
    return head.endswith(":") and len(head) > 2  # "abfss:", not "C:"


def expand_local(arg):
    """Files of one local argument: a file, a directory (recursive, byte order), or a glob."""
    matches = sorted(glob.glob(arg)) if glob.has_magic(arg) else [arg]
    if not matches:
        raise SystemExit(f"callq_spark: no file matches {arg}")
    files = []
    for m in matches:
        if os.path.isdir(m):
            found = []
            for root, dirs, names in os.walk(m):
                dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(root, d))]
                found += [os.path.join(root, n) for n in names if is_input_name(n)]
            files += sorted(found, key=lambda p: p.encode())
        else:
            files.append(m)  # missing files are reported by callq (exit 2), as a local run does
    return files


def expand_uri(sc, arg):
    """Files of one URI argument, through the Hadoop FileSystem Spark uses."""
    jvm = sc._jvm
    conf = sc._jsc.hadoopConfiguration()
    path = jvm.org.apache.hadoop.fs.Path(arg)
    fs = path.getFileSystem(conf)
    statuses = fs.globStatus(path) or []
    files = []
    for st in statuses:
        if st.isDirectory():
            it = fs.listFiles(st.getPath(), True)
            found = []
            while it.hasNext():
                p = it.next().getPath()
                if is_input_name(p.getName()):
                    found.append(p.toString())
            files += sorted(found, key=lambda p: p.encode())
        else:
            files.append(st.getPath().toString())
    if not files:
        raise SystemExit(f"callq_spark: no file matches {arg}")
    return files


def balanced_runs(files, sizes, tasks):
    """Splits files into at most `tasks` runs of consecutive files of about equal bytes."""
    tasks = max(1, min(tasks, len(files)))
    total = sum(sizes) or 1
    runs, current, acc = [], [], 0
    for f, s in zip(files, sizes):
        current.append(f)
        acc += s
        if len(runs) < tasks - 1 and acc >= total * (len(runs) + 1) / tasks:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


def executable(name):
    from pyspark import SparkFiles

    path = SparkFiles.get(name)
    mode = os.stat(path).st_mode
    if not mode & stat.S_IXUSR:
        os.chmod(path, mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def run_callq(args, output, cwd=None):
    """Runs callq; returns the bytes it wrote to `output`. callq writes a partial even when
    an input is unreadable (exit 2) or nothing was read (exit 1): the final merge reports
    those exactly as a local run does. Anything else is an error of the task."""
    proc = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd)
    if proc.returncode in (0, 1, 2) and os.path.exists(output):
        with open(output, "rb") as f:
            return f.read()
    raise RuntimeError(
        f"{' '.join(args)} failed with exit status {proc.returncode}: "
        f"{proc.stderr.decode(errors='replace')}"
    )


def analyze_run(item, callq_name, analyze_args, threads, command="analyze"):
    """Executor: one run of consecutive files -> (index, partial bytes), by `callq COMMAND
    --format partial` (analyze, or report for the HTML report)."""
    index, files, remote = item
    exe = executable(callq_name)
    with tempfile.TemporaryDirectory(prefix="callq-") as tmp:
        out = os.path.join(tmp, "out.partial")
        cwd = None
        if remote:
            # `remote` holds (uri, bytes): each is written under a relative path spelled like
            # its URI ("abfss://c@a/x.ndjson" is the directory "abfss:", then "c@a", ...) and
            # callq, run in that directory, is given the URI itself: the report names it so.
            cwd = os.path.join(tmp, "in")
            files = []
            for uri, data in remote:
                local = os.path.join(cwd, uri)
                os.makedirs(os.path.dirname(local), exist_ok=True)
                with open(local, "wb") as f:
                    f.write(data)
                files.append(uri)
        args = [exe, command, "--format", "partial", "--output", out, "--no-progress",
                "--threads", str(threads)] + analyze_args + ["--"] + files
        return index, run_callq(args, out, cwd)


def merge_run(item, callq_name):
    """Executor: one run of consecutive partials -> (index, merged partial bytes)."""
    index, parts = item
    exe = executable(callq_name)
    with tempfile.TemporaryDirectory(prefix="callq-merge-") as tmp:
        names = []
        for i, data in enumerate(parts):
            name = os.path.join(tmp, f"{i:06}.partial")
            with open(name, "wb") as f:
                f.write(data)
            names.append(name)
        out = os.path.join(tmp, "merged.partial")
        return index, run_callq(
            [exe, "merge", "--format", "partial", "--output", out] + names, out
        )


def main(argv):
    if "--" in argv:
        cut = argv.index("--")
        argv, analyze_args = argv[:cut], argv[cut + 1:]
    else:
        analyze_args = []
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--callq", required=True, help="the callq binary (Linux, for the executors)")
    p.add_argument("--output", required=True, help="the report (a local path on the driver)")
    p.add_argument("--format", default="json", choices=["json", "table", "csv", "html", "partial"],
                   help="the report's format; html: the HTML report of `callq report` (the "
                        "options after -- are then callq report's)")
    p.add_argument("--command", choices=["analyze", "report"],
                   help="what the tasks run: analyze (default), or report (the default with "
                        "--format html; with --format partial it keeps a report's partial)")
    p.add_argument("--tasks", type=int, default=0,
                   help="analyze tasks (default: 2 per executor core, at most one per file)")
    p.add_argument("--fan-in", type=int, default=64, help="partials per merge (default 64)")
    p.add_argument("--threads", type=int, default=1, help="callq --threads in each task")
    p.add_argument("--keep-partials", help="also write every task's partial into this directory")
    p.add_argument("--master", help="Spark master when not run by spark-submit (local[2], ...)")
    p.add_argument("inputs", nargs="+")
    a = p.parse_args(argv)
    if a.fan_in < 2:
        raise SystemExit("callq_spark: --fan-in must be at least 2")
    command = a.command or ("report" if a.format == "html" else "analyze")
    if a.format == "html" and command != "report":
        raise SystemExit("callq_spark: --format html needs --command report (the default)")

    from pyspark import SparkConf, SparkContext

    conf = SparkConf().setAppName("callq")
    if a.master:
        conf = conf.setMaster(a.master)
    created = SparkContext._active_spark_context is None  # a notebook's context is kept
    sc = SparkContext.getOrCreate(conf)
    callq_name = os.path.basename(a.callq)
    sc.addFile(os.path.abspath(a.callq))

    files = []
    for arg in a.inputs:
        files += expand_uri(sc, arg) if has_scheme(arg) else expand_local(arg)
    sizes = [0 if has_scheme(f) or not os.path.isfile(f) else os.path.getsize(f) for f in files]
    tasks = a.tasks or 2 * sc.defaultParallelism
    runs = balanced_runs(files, sizes, tasks)

    local_items = [(i, run, None) for i, run in enumerate(runs) if not any(map(has_scheme, run))]
    remote_runs = [(i, run) for i, run in enumerate(runs) if any(map(has_scheme, run))]
    analyze = lambda item: analyze_run(item, callq_name, analyze_args, a.threads, command)
    partials = []
    if local_items:
        partials += (
            sc.parallelize(local_items, len(local_items)).map(analyze).collect()
        )
    for i, run in remote_runs:
        # Fetched by Spark itself (any filesystem it reads), then analyzed on the executor
        # that holds the bytes; one task per file, merged back in input order.
        by_uri = (
            sc.binaryFiles(",".join(run), minPartitions=len(run))
            .map(lambda kv: (kv[0], analyze_run((kv[0], [], [(kv[0], kv[1])]),
                                                callq_name, analyze_args, a.threads,
                                                command)[1]))
            .collect()
        )
        got = dict(by_uri)
        for j, uri in enumerate(run):
            key = uri if uri in got else next((k for k in got if k.rstrip("/") == uri), None)
            if key is None:
                raise SystemExit(f"callq_spark: Spark did not return {uri}")
            partials.append(((i, j), got[key]))
    partials = [data for _, data in sorted(partials, key=lambda kv: kv[0]
                                           if isinstance(kv[0], tuple) else (kv[0], 0))]
    if a.keep_partials:
        os.makedirs(a.keep_partials, exist_ok=True)
        for i, data in enumerate(partials):
            with open(os.path.join(a.keep_partials, f"part-{i:06}.partial"), "wb") as f:
                f.write(data)

    # Tree merge: each level merges runs of FAN-IN consecutive partials on the executors.
    merge = lambda item: merge_run(item, callq_name)
    while len(partials) > a.fan_in:
        chunks = [partials[i:i + a.fan_in] for i in range(0, len(partials), a.fan_in)]
        merged = sc.parallelize(list(enumerate(chunks)), len(chunks)).map(merge).collect()
        partials = [data for _, data in sorted(merged)]

    # The last merge on the driver, with the same binary, writes the report.
    with tempfile.TemporaryDirectory(prefix="callq-driver-") as tmp:
        names = []
        for i, data in enumerate(partials):
            name = os.path.join(tmp, f"{i:06}.partial")
            with open(name, "wb") as f:
                f.write(data)
            names.append(name)
        exe = os.path.join(tmp, "callq")
        shutil.copy(a.callq, exe)
        os.chmod(exe, 0o755)
        proc = subprocess.run([exe, "merge", "--format", a.format, "--output", a.output] + names,
                              stderr=subprocess.PIPE)
        sys.stderr.write(proc.stderr.decode(errors="replace"))
    if created:
        sc.stop()
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
