# Sourced by ./gantry, ./test and .ci/run: exports JAVA_HOME pointing at a JDK >= 21.
# Order: $JAVA_HOME, then the JDKs under /usr/lib/jvm (as on Debian/Ubuntu), the newest,
# then `java` on PATH. Fails with a message saying what to install when none is found.

gantry_jdk_major() { # prints the feature version of the JDK at $1, or nothing
  local release="$1/release"
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 0
  if [ -f "$release" ]; then
    sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$release"
  else
    "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p'
  fi
}

gantry_find_jdk() {
  local min=21 candidate major
  local candidates=()
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  for candidate in $(ls -d /usr/lib/jvm/*/ 2>/dev/null); do candidates+=("${candidate%/}"); done
  if command -v javac >/dev/null 2>&1; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")")
  fi
  # JAVA_HOME wins when it is new enough; otherwise the newest JDK found.
  local best="" best_major=0 first=1
  for candidate in "${candidates[@]}"; do
    major=$(gantry_jdk_major "$candidate")
    if [ -n "$major" ] && [ "$major" -ge "$min" ]; then
      if [ "$first" = 1 ] && [ -n "${JAVA_HOME:-}" ] && [ "$candidate" = "$JAVA_HOME" ]; then
        return 0
      fi
      if [ "$major" -gt "$best_major" ]; then best="$candidate"; best_major="$major"; fi
    fi
    first=0
  done
  if [ -n "$best" ]; then
    export JAVA_HOME="$best"
    return 0
  fi
  {
    echo "gantry: no JDK >= $min found (looked at JAVA_HOME='${JAVA_HOME:-}', /usr/lib/jvm/*, and javac on PATH)."
    echo "        Install one, e.g. 'apt-get install openjdk-21-jdk-headless' or Temurin 21+, or set JAVA_HOME to it."
  } >&2
  return 1
}
