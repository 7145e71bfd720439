#!/usr/bin/env bash
# Seed the fuzz corpora from the conformance captures: the repository's own, and the shared
# corpus beside the checkout when it is there. Files are named by content hash (as libFuzzer
# names its own finds), so captures with the same name from different sources all go in.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dirs=("$here/../eas-wbxml/testdata")
[ -d "$here/../../shared/corpus" ] && dirs+=("$here/../../shared/corpus")
for t in wbxml_decode wbxml_roundtrip typed_decode; do
  mkdir -p "$here/corpus/$t"
  find "${dirs[@]}" -name '*.wbxml' -size -64k -print0 |
    while IFS= read -r -d '' f; do
      if [ "$t" = typed_decode ]; then
        # The first byte picks the protocol version: seed each capture as 14.1 and 16.1.
        for v in 04 06; do
          { printf "\\x$v"; cat "$f"; } > "$here/corpus/$t/$v-$(sha1sum "$f" | cut -c1-40)"
        done
      else
        cp "$f" "$here/corpus/$t/$(sha1sum "$f" | cut -c1-40)"
      fi
    done
done
# The model's fixtures: MIME messages, vCards, iCalendar files.
mkdir -p "$here/corpus/model_parse"
find "$here/../eas-model/testdata" -type f \( -name '*.eml' -o -name '*.vcf' -o -name '*.ics' \) -print0 |
  while IFS= read -r -d '' f; do
    cp "$f" "$here/corpus/model_parse/$(sha1sum "$f" | cut -c1-40)"
  done
# The MIME fixtures again for the outline builder, the first byte picking a chunk size.
mkdir -p "$here/corpus/mail_outline"
find "$here/../eas-model/testdata" -type f -name '*.eml' -print0 |
  while IFS= read -r -d '' f; do
    for c in 00 3f ff; do
      { printf "\\x$c"; cat "$f"; } > "$here/corpus/mail_outline/$c-$(sha1sum "$f" | cut -c1-40)"
    done
  done
# Inputs the fuzzer once found, kept as regression seeds: regressions/TARGET-NAME.
if [ -d "$here/regressions" ]; then
  for f in "$here/regressions/"*; do
    [ -e "$f" ] || continue
    name=$(basename "$f")
    for t in wbxml_decode wbxml_roundtrip typed_decode typed_roundtrip model_parse mail_outline; do
      case "$name" in "$t"-*) mkdir -p "$here/corpus/$t"; cp "$f" "$here/corpus/$t/";; esac
    done
  done
fi
