#!/usr/bin/env bash
# Regenerates the README's pictures of the scored sample, as LibreOffice prints it and shows it:
#   docs/summary.png  docs/ranking.png  docs/options.png  docs/changes.png   the first printed page of
#                                                                            each of these sheets
#   docs/ranking-screen.png   Ranking as on screen (the sheet at 100 %, left part: Rank to ROI %)
#   docs/print-ranking.png  docs/print-options.png   two printed pages at $PRINT_DPI, to read: Ranking's
#                                                    second (the rationale), Options' first (the money)
#
# ftscore scores samples/portfolio.xlsx into a history, then an edited copy of it (a use case added,
# one removed, one with three times the calls) into the same history, so the second workbook's
# Changes sheet has something to show. Headless LibreOffice prints each workbook to PDF with the
# workbook's own print set-up (every sheet: landscape, legible scale, column groups) and pdftoppm
# renders every page to PNG; the pages of the sample's PDF are kept in $PAGES when it is set.
# Prints the page count of each sheet.
#
# Needs: .venv (`make run`), soffice (Debian: libreoffice-calc-nogui), pdfinfo, pdftotext and
# pdftoppm (poppler-utils). For Excel-like text widths install fonts-crosextra-carlito (metric
# twin of Calibri, the workbook's font); without it LibreOffice falls back to a wider font.
# Usage: docs/make-screenshots.sh        DPI=90 PAGES=out/pages docs/make-screenshots.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DPI=${DPI:-70}
PRINT_DPI=${PRINT_DPI:-100}

for tool in soffice pdfinfo pdftotext pdftoppm; do
    command -v "$tool" >/dev/null || { echo "make-screenshots: $tool not found" >&2; exit 1; }
done
fc-match Calibri 2>/dev/null | grep -qi carlito \
    || echo "make-screenshots: warning: no Carlito font; text widths will differ from Excel" >&2

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pages=${PAGES:-$tmp/pages}
mkdir -p "$tmp/before" "$tmp/after" "$pages"

# score INPUT OUTPUT: into the one history, as one portfolio (exit 1 is the sample's own errors)
score() {
    .venv/bin/ftscore score "$1" -o "$2" --history "$tmp/history.sqlite" --portfolio sample -q || [ $? -eq 1 ]
}
# pdf XLSX [FILTER]: the PDF beside the workbook
pdf() {
    timeout 180 soffice --headless --norestore --nolockcheck "-env:UserInstallation=file://$tmp/lo-profile" \
        --convert-to "${2:-pdf}" --outdir "$(dirname "$1")" "$1" >/dev/null 2>&1
}
# sheets PDF: the sheet of every page, one a line (the first word of the page's footer)
sheets() {
    local n
    n=$(pdfinfo "$1" | awk '$1 == "Pages:" { print $2 }')
    for ((p = 1; p <= n; p++)); do
        pdftotext -f "$p" -l "$p" -layout "$1" - | awk '{ gsub(/\f/, "") } NF { last = $1 } END { print last }'
    done
}
# first_page PDF SHEET: the number of the sheet's first page
first_page() { sheets "$1" | awk -v s="$2" '$1 == s && !found { print NR; found = 1 }'; }
# png PDF PAGE OUT: one page as OUT.png
png() { pdftoppm -r "$DPI" -f "$2" -l "$2" -singlefile -png "$1" "$3"; }

score samples/portfolio.xlsx "$tmp/before/portfolio-scored.xlsx"
.venv/bin/python - samples/portfolio.xlsx "$tmp/after/portfolio.xlsx" <<'EDIT'
import sys
import openpyxl

wb = openpyxl.load_workbook(sys.argv[1])
ws = wb.active
ids = [c.value for c in ws["A"]]
calls = [c.value for c in ws[1]].index("Monthly Calls") + 1
ws.cell(ids.index("UC-01") + 1, calls).value *= 3                  # three times the calls
added = [c.value for c in ws[ids.index("UC-10") + 1]]
added[:2] = ["UC-27", "Purchase order extraction"]                   # a use case added
ws.delete_rows(ids.index("UC-24") + 1)                               # one removed
ws.append(added)
wb.save(sys.argv[2])
EDIT
score "$tmp/after/portfolio.xlsx" "$tmp/after/portfolio-scored.xlsx"

before="$tmp/before/portfolio-scored.pdf"
after="$tmp/after/portfolio-scored.pdf"
pdf "$tmp/before/portfolio-scored.xlsx"
pdf "$tmp/after/portfolio-scored.xlsx"

# every page of the sample, named by its number and sheet
n=0
while read -r sheet; do
    n=$((n + 1))
    png "$before" "$n" "$pages/$(printf %02d "$n")-$sheet"
done < <(sheets "$before")
echo "the sample prints on $n pages:" $(sheets "$before" | uniq -c | awk '{ printf "%s %s, ", $2, $1 }')

for sheet in Summary Ranking Options; do
    cp "$pages/$(printf %02d "$(first_page "$before" "$sheet")")-$sheet.png" "docs/$(tr A-Z a-z <<<"$sheet").png"
done
png "$after" "$(first_page "$after" Changes)" docs/changes
DPI=$PRINT_DPI png "$before" $(($(first_page "$before" Ranking) + 1)) docs/print-ranking
DPI=$PRINT_DPI png "$before" "$(first_page "$before" Options)" docs/print-options

# Ranking on screen: each sheet on one page at 100 % (SinglePageSheets), the left part of Ranking up
# to ROI % (the rationale and next step after it are too wide for a picture).
mkdir -p "$tmp/screen"
cp "$tmp/before/portfolio-scored.xlsx" "$tmp/screen/screen.xlsx"
pdf "$tmp/screen/screen.xlsx" 'pdf:calc_pdf_Export:{"SinglePageSheets":{"type":"boolean","value":"true"}}'
screen="$tmp/screen/screen.pdf"
page=3  # Summary, Changes, Ranking
cut=$(pdftotext -f $page -l $page -bbox "$screen" - \
    | awk -F'"' '/<word/ && />Rationale</ && prev ~ />%</ && !cut { cut = $2 - 4 } /<word/ { prev = $0 } END { print cut }')
read -r width height < <(pdfinfo -f $page -l $page "$screen" | awk -v p=$page '$1 == "Page" && $2 == p && $3 == "size:" { print $4, $6 }')
px() { awk -v pt="$1" -v dpi="$DPI" 'BEGIN { printf "%d", pt * dpi / 72 + 0.999 }'; }
pdftoppm -r "$DPI" -f $page -l $page -singlefile -W "$(px "${cut:-$width}")" -H "$(px "$height")" -png "$screen" \
    docs/ranking-screen
ls -l docs/summary.png docs/ranking.png docs/options.png docs/changes.png docs/ranking-screen.png \
    docs/print-ranking.png docs/print-options.png
