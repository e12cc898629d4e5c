#!/usr/bin/env python3
"""Hostile-but-legal callRecords inputs for measuring callq's resource bounds (issue 19).

  hostile_gen.py huge  LINES STREAMS OUT   LINES pages, each one session/segment/media
                                           holding STREAMS realistic streams (~88 B each)
  hostile_gen.py dense LINES STREAMS OUT   the same with empty streams `{}` (3 B each):
                                           the worst parse-state expansion per byte
  hostile_gen.py labels BYTES OUT          pages of media with a unique label each (one
                                           stream per group): group cardinality
"""
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


if __name__ == "__main__":
    kind = sys.argv[1]
    if kind == "huge":
        pages(sys.argv[4], int(sys.argv[2]), int(sys.argv[3]), STREAM)
    elif kind == "dense":
        pages(sys.argv[4], int(sys.argv[2]), int(sys.argv[3]), b"{}")
    elif kind == "labels":
        labels(sys.argv[3], int(sys.argv[2]))
    else:
        sys.exit(__doc__)
