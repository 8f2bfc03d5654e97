#!/usr/bin/env bash
# Builds the pure-Java core with plain javac (Java 17) into build/ and runs its JUnit 4 suite.
#   android_demo/core/build.sh            compile main + tests, run all tests (exit status = test result)
#   android_demo/core/build.sh --main     compile the main classes only (what tokenize.sh needs)
# Needs: javac/java 17+, junit4 + hamcrest jars (Debian: apt-get install default-jdk-headless junit4).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
BUILD="$HERE/build"
JAVA_OPTS=(-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto)

command -v javac >/dev/null || { echo "build.sh: javac not found (install a JDK 17, e.g. default-jdk-headless)" >&2; exit 2; }

mkdir -p "$BUILD"
compile_main() {
  TMP_DIR=""
  TMP_DIR="$(mktemp -d "$BUILD/tmp.XXXXXX")"; tmp="$TMP_DIR"   # inside build/ (git-ignored); removed even when javac fails
  trap 'rm -rf "${TMP_DIR:-}"' EXIT
  find "$HERE/src/main/java" -name '*.java' > "$tmp/sources.txt"
  javac -J-XX:+UseSerialGC --release 17 -encoding UTF-8 -Xlint:all -Werror -d "$tmp/classes" @"$tmp/sources.txt"
  rm -rf "$BUILD/classes"
  mv "$tmp/classes" "$BUILD/classes"
  rm -rf "$tmp"
}

compile_main
[ "${1:-}" = "--main" ] && exit 0

find_jar() {  # first existing jar among the candidates
  for j in "$@"; do [ -f "$j" ] && { echo "$j"; return; }; done
}
JUNIT="${JUNIT_JAR:-$(find_jar /usr/share/java/junit4.jar /usr/share/java/junit.jar)}"
HAMCREST="${HAMCREST_JAR:-$(find_jar /usr/share/java/hamcrest-core.jar /usr/share/java/hamcrest.jar /usr/share/java/hamcrest-all.jar)}"
if [ -z "$JUNIT" ] || [ -z "$HAMCREST" ]; then
  echo "build.sh: junit4/hamcrest jars not found (apt-get install junit4, or set JUNIT_JAR and HAMCREST_JAR)" >&2
  exit 2
fi
rm -rf "$BUILD/test-classes"
find "$HERE/src/test/java" -name '*.java' > "$BUILD/test-sources.txt"
javac -J-XX:+UseSerialGC --release 17 -encoding UTF-8 -Xlint:all -Werror -cp "$BUILD/classes:$JUNIT" \
  -d "$BUILD/test-classes" @"$BUILD/test-sources.txt"
TESTS=$(cd "$BUILD/test-classes" && find . -name '*Test.class' | sed 's|^\./||; s|\.class$||; s|/|.|g' | sort)
exec java "${JAVA_OPTS[@]}" -Drepo.root="$REPO" -cp "$BUILD/classes:$BUILD/test-classes:$JUNIT:$HAMCREST" \
  org.junit.runner.JUnitCore $TESTS
