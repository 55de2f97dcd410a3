#!/usr/bin/env bash
# Regenerates the README screenshots docs/summary.png and docs/ranking.png from the sample:
# ftscore scores samples/portfolio.xlsx, headless LibreOffice prints the workbook with one page per
# sheet at 100 % (SinglePageSheets), and pdftoppm renders page 1 (Summary) and the left part of
# page 2 (Ranking, from Rank to ROI %).
#
# Needs: .venv (`make run`), soffice (Debian: libreoffice-calc-nogui), pdfinfo, pdftotext and
# pdftoppm (poppler-utils). For Excel-like text widths install fonts-crosextra-carlito (metric
# twin of Calibri, the workbook's font); without it LibreOffice falls back to a wider font.
# Usage: docs/make-screenshots.sh            DPI=90 docs/make-screenshots.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DPI=${DPI:-80}
PAD=16   # white border in pixels

for tool in soffice pdfinfo pdftotext pdftoppm; do
    command -v "$tool" >/dev/null || { echo "make-screenshots: $tool not found" >&2; exit 1; }
done
fc-match Calibri 2>/dev/null | grep -qi carlito \
    || echo "make-screenshots: warning: no Carlito font; text widths will differ from Excel" >&2

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
xlsx="$tmp/portfolio-scored.xlsx"
.venv/bin/ftscore score samples/portfolio.xlsx -o "$xlsx" 2>/dev/null || [ $? -eq 1 ]  # 1: sample's own errors
timeout 120 soffice --headless --norestore --nolockcheck "-env:UserInstallation=file://$tmp/lo-profile" \
    --convert-to 'pdf:calc_pdf_Export:{"SinglePageSheets":{"type":"boolean","value":"true"}}' \
    --outdir "$tmp" "$xlsx" >/dev/null 2>&1
pdf="$tmp/portfolio-scored.pdf"

# page N's width and height in points
size() { pdfinfo -f "$1" -l "$1" "$pdf" | awk -v p="$1" '$1 == "Page" && $2 == p { print $4, $6 }'; }
px() { awk -v pt="$1" -v dpi="$DPI" 'BEGIN { printf "%d", pt * dpi / 72 + 0.999 }'; }
# left edge (points) of the cell holding word number $3 of the first run of words $2 on page $1 ("" if absent),
# e.g. `xmin 2 "ROI % Cost" 3` is where the column after "ROI %" starts
xmin() {
    pdftotext -f "$1" -l "$1" -bbox "$pdf" - | awk -F'"' -v want="$2" -v k="$3" '
        BEGIN { n = split(want, w, " ") }
        /<word/ { t = $0; sub(/.*">/, "", t); sub(/<\/word>.*/, "", t); i++; word[i] = t; x[i] = $2 }
        END { for (s = 1; s + n - 1 <= i; s++) { ok = 1
                  for (j = 1; j <= n; j++) if (word[s + j - 1] != w[j]) { ok = 0; break }
                  if (ok) { print x[s + k - 1] - 4; exit } } }'  # 4 pt: the cell's text inset
}
# page, right edge in points, height in points, output file without .png; a white border of PAD
# pixels, except on the right when the page is cut short
render() {
    local w=$(( $(px "$2") + PAD )) right
    read -r right _ < <(size "$1")
    [ "$(px "$2")" -lt "$(px "$right")" ] || w=$(( w + PAD ))
    pdftoppm -r "$DPI" -f "$1" -l "$1" -singlefile -x "-$PAD" -y "-$PAD" \
        -W "$w" -H $(( $(px "$3") + 2 * PAD )) -png "$pdf" "$4"
}

# Summary: the whole sheet, up to the chart data block if there is one.
read -r w h < <(size 1)
cut=$(xmin 1 "Data for the charts" 1)
render 1 "${cut:-$w}" "$h" docs/summary

# Ranking: from Rank to ROI % (the rationale columns are too wide for a screenshot).
read -r w h < <(size 2)
cut=$(xmin 2 "ROI % Cost" 3)
render 2 "${cut:-$w}" "$h" docs/ranking

ls -l docs/summary.png docs/ranking.png
