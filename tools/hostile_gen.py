#!/usr/bin/env python3
"""Hostile-but-legal callRecords inputs for measuring callq's resource bounds (issue 19).

  hostile_gen.py huge  LINES STREAMS OUT   LINES pages, each one session/segment/media
                                           holding STREAMS realistic streams (~88 B each)
  hostile_gen.py dense LINES STREAMS OUT   the same with empty streams `{}` (3 B each):
                                           the worst parse-state expansion per byte
  hostile_gen.py labels BYTES OUT          pages of media with a unique label each (one
                                           stream per group): group cardinality
  hostile_gen.py skipped IN BYTES HOPS UA OUT
                                           the documents of IN (NDJSON, e.g. `callq gen`)
                                           with HOPS trace-route hops in every network and
                                           user-agent header values of UA characters, until
                                           BYTES: large subtrees `analyze` skips (issue 18)
"""
import json
import sys

HEAD = b'{"value":[{"id":"s","startDateTime":"2020-02-25T18:52:21Z","segments":[{"media":[{"label":"main-audio","streams":['
TAIL = b']}]}]}]}\n'
STREAM = b'{"streamDirection":"callerToCallee","averageJitter":"PT0.012S","packetUtilization":900}'


def pages(out, lines, streams, stream):
    body = b",".join([stream] * streams)
    with open(out, "wb") as f:
        for _ in range(lines):
            f.write(HEAD + body + TAIL)


def labels(out, size):
    n = 0
    written = 0
    with open(out, "wb") as f:
        while written < size:
            media = []
            for _ in range(1000):
                media.append(b'{"label":"L%d","streams":[{"streamDirection":"callerToCallee","averageJitter":"PT0.01S"}]}' % n)
                n += 1
            line = b'{"value":[{"id":"s","segments":[{"media":[' + b",".join(media) + b"]}]}]}\n"
            f.write(line)
            written += len(line)
    print(f"{n} groups, {written} bytes", file=sys.stderr)


def skipped(src, size, hops, ua, out):
    def grow(node):
        if isinstance(node, dict):
            trace = node.get("traceRouteHops")
            if isinstance(trace, list) and trace:
                node["traceRouteHops"] = [
                    dict(trace[i % len(trace)], hopCount=i + 1) for i in range(hops)
                ]
            agent = node.get("userAgent")
            if isinstance(agent, dict) and isinstance(agent.get("headerValue"), str):
                value = agent["headerValue"] + " "
                agent["headerValue"] = (value * (ua // len(value) + 1))[:ua]
            for v in node.values():
                grow(v)
        elif isinstance(node, list):
            for v in node:
                grow(v)

    written = lines = 0
    with open(src, "rb") as f, open(out, "wb") as o:
        for raw in f:
            if written >= size:
                break
            doc = json.loads(raw)
            grow(doc)
            line = json.dumps(doc, separators=(",", ":")).encode() + b"\n"
            o.write(line)
            written += len(line)
            lines += 1
    print(f"{lines} lines, {written} bytes", file=sys.stderr)


if __name__ == "__main__":
    kind = sys.argv[1]
    if kind == "huge":
        pages(sys.argv[4], int(sys.argv[2]), int(sys.argv[3]), STREAM)
    elif kind == "dense":
        pages(sys.argv[4], int(sys.argv[2]), int(sys.argv[3]), b"{}")
    elif kind == "labels":
        labels(sys.argv[3], int(sys.argv[2]))
    elif kind == "skipped":
        skipped(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6])
    else:
        sys.exit(__doc__)
