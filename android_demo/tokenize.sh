#!/usr/bin/env bash
# tokenize.sh SPIECE_MODEL TEXT_FILE — one JSON array of token ids per line of TEXT_FILE, computed by the pure-Java
# core (android_demo/core) exactly as the Android app tokenizes: [CLS] ... [SEP], no truncation/padding, ALBERT
# defaults (lowercase, strip accents). Builds the core first if its classes are missing or older than its sources.
# Options (parity tests of other settings): --no-lower-case, --keep-accents, --split-digit-comma.
# tokenize.sh --jsonl MODEL REQUESTS.jsonl — MODEL is spiece.model or vocab.txt; one request a line
# {"text", "pair", "max_length", "padding", "settings" (a bundle tokenizer.json: kind + options)}, one answer a line
# {"ids", "types", "mask", "offsets"}: the batch mode of the differential tests (one JVM per model).
# Errors (bad model, unreadable file, invalid UTF-8 with its line number): one line on stderr, exit status 2.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CORE="$HERE/core"
CLASSES="$CORE/build/classes"
stale() {
  [ -f "$CLASSES/org/albertedge/core/TokenizeCli.class" ] || return 0
  [ -n "$(find "$CORE/src/main/java" -name '*.java' -newer "$CLASSES/org/albertedge/core/TokenizeCli.class" -print -quit)" ]
}
if stale; then
  mkdir -p "$CORE/build"
  (
    command -v flock >/dev/null && flock 9
    if stale; then bash "$CORE/build.sh" --main >&2 || { echo "tokenize.sh: building the Java core failed" >&2; exit 2; }; fi
  ) 9>"$CORE/build/.lock"
fi
exec java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto -cp "$CLASSES" org.albertedge.core.TokenizeCli "$@"
