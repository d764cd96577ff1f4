#!/usr/bin/env bash
# Re-create web/static/vendor/ from the npm registry: the map's scripts and styles are
# served by the app itself (council networks reach no CDN), so they live in the repository
# and this script only records, and can repeat, where each file came from.
#
#   scripts/vendor.sh        # needs npm; writes web/static/vendor/<package>/
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out="$here/web/static/vendor"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

PACKAGES=(leaflet@1.9.4 leaflet-draw@1.0.4 chart.js@4.4.7)
for spec in "${PACKAGES[@]}"; do
  npm pack --silent "$spec" >/dev/null
done
for tgz in *.tgz; do
  mkdir -p "${tgz%.tgz}" && tar xzf "$tgz" -C "${tgz%.tgz}"
done

rm -rf "$out/leaflet" "$out/leaflet-draw" "$out/chart.js"
mkdir -p "$out/leaflet" "$out/leaflet-draw" "$out/chart.js"
cp leaflet-1.9.4/package/dist/leaflet.js leaflet-1.9.4/package/dist/leaflet.css \
   leaflet-1.9.4/package/LICENSE "$out/leaflet/"
cp -r leaflet-1.9.4/package/dist/images "$out/leaflet/"
cp leaflet-draw-1.0.4/package/dist/leaflet.draw.js leaflet-draw-1.0.4/package/dist/leaflet.draw.css "$out/leaflet-draw/"
cp -r leaflet-draw-1.0.4/package/dist/images "$out/leaflet-draw/"
cp chart.js-4.4.7/package/dist/chart.umd.js chart.js-4.4.7/package/LICENSE.md "$out/chart.js/"
# leaflet-draw's package carries no licence file; its package.json says MIT and its
# header names the copyright holders, which LICENSE here restates.
cat > "$out/leaflet-draw/LICENSE" <<'LIC'
Leaflet.draw 1.0.4 - MIT License (package.json "license": "MIT")
Copyright (c) 2012-2017, Jacob Toye, Jon West, Smartrak, Leaflet
https://github.com/Leaflet/Leaflet.draw

Permission is hereby granted, free of charge, to any person obtaining a copy of this
software and associated documentation files (the "Software"), to deal in the Software
without restriction, including without limitation the rights to use, copy, modify, merge,
publish, distribute, sublicense, and/or sell copies of the Software, and to permit persons
to whom the Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED,
INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR
PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE
FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR
OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER
DEALINGS IN THE SOFTWARE.
LIC
echo "vendored: ${PACKAGES[*]} -> $out"
