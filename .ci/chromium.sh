#!/usr/bin/env bash
# `callq report` in a real browser: headless Chromium opens the HTML report of the bundled
# corpus and of a generated six-month archive, and
#   - logs no console message (a script error, a blocked fetch, a CSP violation: the report
#     has none of these, so any console line is a failure);
#   - renders every chart: a 1280x2400 screenshot, and one of the whole page, are cropped to
#     each chart's box (measured by a copy of the page with a measuring script, run with
#     --dump-dom) and each crop must hold ink, not only background;
#   - prints to a PDF (--print-to-pdf).
# Installs Debian's chromium (apt-get) and Pillow (pip) when missing. Keeps the screenshots in
# $CALLQ_SCREENSHOTS when set (the README's docs/report.png is one of them), else cleans up.
# Usage: .ci/chromium.sh   (from anywhere; builds callq in debug)
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS

if ! command -v chromium >/dev/null 2>&1; then
  echo "== installing chromium (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi
if ! python3 -c 'import PIL' 2>/dev/null; then
  echo "== installing Pillow (pip)"
  python3 -m pip install -q pillow 2>/dev/null || python3 -m pip install -q --break-system-packages pillow
fi

cargo build -q --bin callq
callq="$PWD/target/debug/callq"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

chrome() {
  # Flags for a closed network: nothing in the background, nothing fetched.
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --disable-default-apps --disable-extensions --hide-scrollbars \
    --user-data-dir="$(mktemp -d -p "$work" profile.XXXX)" "$@"
}

echo "== reports"
# The corpus holds bad lines and two unreadable files on purpose: exit 2, and the report is
# written anyway (it lists them).
status=0
"$callq" report --no-progress -o "$work/corpus.html" corpus/ 2>"$work/corpus.log" || status=$?
if [ "$status" -ne 0 ] && [ "$status" -ne 2 ]; then cat "$work/corpus.log"; exit 1; fi
# `callq gen` spreads session starts over 183 days from 2024-01-01: six months.
"$callq" gen --seed 7 --size 30MB -o "$work/months.ndjson" 2>/dev/null
"$callq" report --no-progress --buildings corpus/buildings.csv -o "$work/months.html" \
  "$work/months.ndjson" 2>/dev/null
"$callq" report --no-progress --by-time week -o "$work/weeks.html" "$work/months.ndjson" 2>/dev/null

for name in corpus months weeks; do
  html="$work/$name.html"
  echo "== $name.html ($(wc -c <"$html") bytes)"
  # 1. Console: the page as shipped, Content-Security-Policy and all.
  chrome --enable-logging=stderr --v=0 --window-size=1280,2400 \
    --screenshot="$work/$name.png" "file://$html" 2>"$work/$name.console" >/dev/null
  if grep -a 'CONSOLE' "$work/$name.console"; then
    echo "$name.html: the browser logged console messages (above)" >&2
    exit 1
  fi
  # 2. Chart boxes: a copy without the CSP and with a script that writes them into the DOM.
  python3 - "$html" "$work/$name.measure.html" <<'EOF'
import re, sys
src = open(sys.argv[1], encoding="utf-8").read()
src = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>\n?', "", src, count=1)
probe = """<script>
var r = [];
document.querySelectorAll('svg.chart').forEach(function (s) {
  var b = s.getBoundingClientRect();
  r.push({id: s.id, x: b.left + scrollX, y: b.top + scrollY, w: b.width, h: b.height});
});
var pre = document.createElement('pre');
pre.id = 'chart-boxes';
pre.textContent = JSON.stringify({height: document.documentElement.scrollHeight, charts: r});
document.body.appendChild(pre);
</script>"""
open(sys.argv[2], "w", encoding="utf-8").write(src.replace("</body>", probe + "</body>"))
EOF
  chrome --window-size=1280,2400 --dump-dom "file://$work/$name.measure.html" \
    2>/dev/null >"$work/$name.dom"
  height=$(python3 -c '
import html, json, re, sys
m = re.search(r"<pre id=\"chart-boxes\">(.*?)</pre>", open(sys.argv[1]).read(), re.S)
print(json.loads(html.unescape(m.group(1)))["height"])' "$work/$name.dom")
  # The whole page, for the charts below the first 2400 pixels.
  chrome --window-size=1280,"$height" --screenshot="$work/$name-full.png" "file://$html" \
    >/dev/null 2>&1
  # 3. Every chart's box holds ink.
  python3 - "$work/$name.dom" "$work/$name.png" "$work/$name-full.png" <<'EOF'
import html, json, re, sys
from PIL import Image
m = re.search(r'<pre id="chart-boxes">(.*?)</pre>', open(sys.argv[1]).read(), re.S)
boxes = json.loads(html.unescape(m.group(1)))["charts"]
assert boxes, "no chart in the report"
def inked(img, b):
    """The share of the box's pixels in colour (not white, grey or black text): the bars,
    lines and dots; axes and labels alone do not pass."""
    crop = img.convert("RGB").crop((int(b["x"]), int(b["y"]), int(b["x"] + b["w"]), int(b["y"] + b["h"])))
    raw = crop.tobytes()
    px = [raw[i:i + 3] for i in range(0, len(raw), 3)]
    colour = sum(1 for p in px if max(p) - min(p) > 60)
    return colour / max(1, len(px)), len(set(px))
for shot, limit in ((sys.argv[2], 2400), (sys.argv[3], 10**9)):
    img = Image.open(shot)
    if limit == 2400:
        assert img.size == (1280, 2400), f"screenshot is {img.size}, not 1280x2400"
    seen = 0
    for b in boxes:
        if b["y"] + b["h"] > min(limit, img.size[1]):
            continue
        share, colours = inked(img, b)
        if share < 0.002 or colours < 3:
            sys.exit(f"{shot}: chart {b['id']} looks blank ({share:.2%} in colour, {colours} colours)")
        seen += 1
    print(f"   {shot.rsplit('/', 1)[-1]}: {seen} of {len(boxes)} charts checked, each with ink")
    assert seen > 0, "no chart in the screenshot"
    if limit != 2400:
        assert seen == len(boxes), "a chart lies outside the full-page screenshot"
EOF
  # 4. It prints.
  chrome --no-pdf-header-footer --print-to-pdf="$work/$name.pdf" "file://$html" >/dev/null 2>&1
  pages=$(python3 -c '
import re, sys
b = open(sys.argv[1], "rb").read()
assert b.startswith(b"%PDF-"), "not a PDF"
print(len(re.findall(rb"/Type\s*/Page[^s]", b)))' "$work/$name.pdf")
  echo "   PDF: $(wc -c <"$work/$name.pdf") bytes, $pages pages"
  [ "$pages" -ge 1 ]
  if [ -n "${CALLQ_SCREENSHOTS:-}" ]; then
    mkdir -p "$CALLQ_SCREENSHOTS"
    cp "$work/$name.png" "$work/$name-full.png" "$work/$name.pdf" "$html" "$CALLQ_SCREENSHOTS/"
  fi
done
echo "== chromium checks took $((SECONDS - started)) s"
