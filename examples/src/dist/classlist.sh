#!/bin/sh
# Writes the class list of the distribution's class-data-sharing archive (see bin/hashfinder):
# the classes that short runs of the command line load, as -XX:DumpLoadedClassList records them,
# from three runs: --version, an embedded "find aa", and "find aa --server" against a "serve"
# started here on a free loopback port.
#
# Usage: classlist.sh JAVA JAR OUT
set -eu
java=$1
jar=$2
out=$3
mkdir -p -- "$(dirname -- "$out")"
work=$(mktemp -d)
server=
cleanup() {
  [ -z "$server" ] || kill "$server" 2>/dev/null || true
  rm -rf -- "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

"$java" -XX:DumpLoadedClassList="$work/version" -jar "$jar" --version >/dev/null
"$java" -XX:DumpLoadedClassList="$work/embedded" -jar "$jar" find aa --quiet >/dev/null

# Made before the server starts, so that the loop below never reads a file not yet there.
: >"$work/serve.log"
"$java" -jar "$jar" serve --port 0 --bind 127.0.0.1 2>"$work/serve.log" &
server=$!
port=
tries=0
while [ -z "$port" ]; do
  port=$(sed -n 's/.*serving hash_name\.HashFinder on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' \
    "$work/serve.log")
  if [ -z "$port" ]; then
    tries=$((tries + 1))
    if [ "$tries" -gt 120 ] || ! kill -0 "$server" 2>/dev/null; then
      echo "classlist.sh: the server did not start:" >&2
      cat "$work/serve.log" >&2
      exit 1
    fi
    sleep 1
  fi
done
"$java" -XX:DumpLoadedClassList="$work/remote" -jar "$jar" find aa --quiet \
  --server "127.0.0.1:$port" >/dev/null

# One list: each line once, in the order first seen.
awk '!seen[$0]++' "$work/version" "$work/embedded" "$work/remote" > "$out"
