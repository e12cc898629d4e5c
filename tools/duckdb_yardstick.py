#!/usr/bin/env python3
"""The yardstick for `callq flatten`: what a data engineer would otherwise run.

usage: duckdb_yardstick.py INPUT.ndjson OUT.parquet [THREADS]

DuckDB (the Python package from PyPI) reads the NDJSON pages of sessions with read_ndjson
(only the members the rows need, declared, so nothing is inferred), unnests
value[*].segments[*].media[*].streams[*], builds the same row columns as `callq flatten`
(ids, times, caller/callee context with the segment-else-session fallback, the 22 metrics
with ISO-8601 durations turned into milliseconds and non-finite values as null) and writes
them with COPY ... TO 'x.parquet' (zstd). Not done here (callq does them): the two CQD
classifications, duplicate removal, bad-line reporting. Prints rows and seconds.
"""

import sys
import time

import duckdb

src, out = sys.argv[1], sys.argv[2]
threads = int(sys.argv[3]) if len(sys.argv) > 3 else 2

DURATIONS = ["averageAudioNetworkJitter", "averageFreezeDuration", "averageJitter",
             "averageRoundTripTime", "maxAudioNetworkJitter", "maxJitter", "maxRoundTripTime",
             "rmsFreezeDuration"]
DOUBLES = ["averageAudioDegradation", "averagePacketLossRate", "averageRatioOfConcealedSamples",
           "averageReceivedFrameRate", "averageVideoFrameLossPercentage",
           "averageVideoFrameRate", "averageVideoPacketLossRate", "lowFrameRateRatio",
           "lowVideoProcessingCapabilityRatio", "maxPacketLossRate", "maxRatioOfConcealedSamples",
           "postForwardErrorCorrectionPacketLossRate"]
INTS = ["averageBandwidthEstimate", "packetUtilization"]

ENDPOINT = ("STRUCT(\"@odata.type\" VARCHAR, userAgent STRUCT(platform VARCHAR, "
            "productFamily VARCHAR), identity STRUCT(\"user\" STRUCT(id VARCHAR, "
            "displayName VARCHAR)))")
NETWORK = "STRUCT(connectionType VARCHAR, subnet VARCHAR, ipAddress VARCHAR, wifiBand VARCHAR)"
DEVICE = "STRUCT(captureDeviceName VARCHAR, renderDeviceName VARCHAR)"
STREAM = ("STRUCT(streamId VARCHAR, streamDirection VARCHAR, "
          + ", ".join(f"{m} VARCHAR" for m in DURATIONS + DOUBLES + INTS) + ")")
MEDIA = (f"STRUCT(label VARCHAR, callerNetwork {NETWORK}, calleeNetwork {NETWORK}, "
         f"callerDevice {DEVICE}, calleeDevice {DEVICE}, streams {STREAM}[])")
SEGMENT = (f"STRUCT(id VARCHAR, startDateTime TIMESTAMPTZ, endDateTime TIMESTAMPTZ, "
           f"caller {ENDPOINT}, callee {ENDPOINT}, media {MEDIA}[])")
SESSION = (f"STRUCT(id VARCHAR, startDateTime TIMESTAMPTZ, endDateTime TIMESTAMPTZ, "
           f"caller {ENDPOINT}, callee {ENDPOINT}, segments {SEGMENT}[])")


def endpoint(side):
    seg, ses = f"g.{side}", f"s.{side}"
    kind = (f"CASE {{}} WHEN '#microsoft.graph.callRecords.participantEndpoint' THEN "
            f"'participant' WHEN '#microsoft.graph.callRecords.serviceEndpoint' THEN 'service' "
            f"ELSE {{}} END")
    k = lambda e: kind.format(f'{e}."@odata.type"', f'{e}."@odata.type"')
    net, dev = f"m.{side}Network", f"m.{side}Device"
    return [
        f"coalesce({k(seg)}, {k(ses)}) AS {side}Kind",
        f"coalesce({seg}.userAgent.platform, {ses}.userAgent.platform) AS {side}Platform",
        f"coalesce({seg}.userAgent.productFamily, {ses}.userAgent.productFamily) "
        f"AS {side}ProductFamily",
        f"coalesce({seg}.identity.user.id, {ses}.identity.user.id) AS {side}UserId",
        f"coalesce({seg}.identity.user.displayName, {ses}.identity.user.displayName) "
        f"AS {side}UserDisplayName",
        f"{net}.connectionType AS {side}ConnectionType",
        f"{net}.subnet AS {side}Subnet",
        f"{net}.ipAddress AS {side}IpAddress",
        f"{net}.wifiBand AS {side}WifiBand",
        f"{dev}.captureDeviceName AS {side}CaptureDevice",
        f"{dev}.renderDeviceName AS {side}RenderDevice",
    ]


metrics = ([f"dur_ms(t.{m}) AS {m}" for m in DURATIONS]
           + [f"finite(TRY_CAST(t.{m} AS DOUBLE)) AS {m}" for m in DOUBLES]
           + [f"TRY_CAST(t.{m} AS BIGINT) AS {m}" for m in INTS])
select = ",\n  ".join([
    "regexp_extract(p.ctx, 'callRecords(?:\\(''|/)([^''/)]+)', 1) AS recordId",
    "s.id AS sessionId", "g.id AS segmentId", "t.streamId AS streamId", "m.label AS label",
    "t.streamDirection AS direction", "s.startDateTime AS sessionStart",
    "s.endDateTime AS sessionEnd", "g.startDateTime AS segmentStart",
    "g.endDateTime AS segmentEnd",
] + endpoint("caller") + endpoint("callee") + metrics)

sql = f"""
COPY (
  WITH p AS (
    SELECT "@odata.context" AS ctx, value
    FROM read_ndjson('{src}', columns={{'@odata.context': 'VARCHAR', 'value': '{SESSION}[]'}},
                     maximum_object_size=134217728)
  ),
  s AS (SELECT ctx, unnest(value) AS s FROM p),
  g AS (SELECT ctx, s, unnest(s.segments) AS g FROM s),
  m AS (SELECT ctx, s, g, unnest(g.media) AS m FROM g),
  t AS (SELECT ctx, s, g, m, unnest(m.streams) AS t FROM m)
  SELECT
  {select.replace('p.ctx', 'ctx')}
  FROM t
) TO '{out}' (FORMAT parquet, COMPRESSION zstd)
"""

db = duckdb.connect()
db.sql(f"SET threads = {threads}")
db.sql("SET preserve_insertion_order = true")
db.sql("""CREATE MACRO finite(x) AS CASE WHEN isfinite(x) THEN x END""")
PATTERN = r"^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d*\.?\d*)S)?)?$"
part = lambda k: f"coalesce(TRY_CAST(regexp_extract(x, '{PATTERN}', {k}) AS DOUBLE), 0)"
db.sql(f"""CREATE MACRO dur_ms(x) AS CASE WHEN x IS NULL THEN NULL ELSE 1000 * (
  {part(1)} * 604800 + {part(2)} * 86400 + {part(3)} * 3600 + {part(4)} * 60 + {part(5)}) END""")
started = time.time()
db.sql(sql)
secs = time.time() - started
rows = db.sql(f"SELECT count(*) FROM '{out}'").fetchall()[0][0]
print(f"duckdb {duckdb.__version__}: {rows} rows in {secs:.2f} s")
