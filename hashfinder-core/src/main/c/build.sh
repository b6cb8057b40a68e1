#!/usr/bin/env bash
# Builds the native scanning kernel for hashfinder-core (run by Maven; see the pom).
#
#   build.sh library OUT_DIR JAVA_HOME    the JNI library, into the jar's classes
#   build.sh test TEST_DIR                 the kernel's own test program, built and run
#   build.sh sanitize TEST_DIR             the same under AddressSanitizer and UBSan
#   build.sh ceiling TEST_DIR              the hash cores alone, messages per second (not run by
#                                          the build; docs/PERFORMANCE.md has the figures)
#
# Where the kernel cannot be built (not linux-x86_64, no C compiler on the PATH, no JNI headers)
# it says so and exits 0: the engine then runs its Java path, with the same answers. A compiler
# that is there but fails is an error. CC picks the compiler (default cc).
set -euo pipefail

mode="$1"
src="$(cd "$(dirname "$0")" && pwd)"
tests="$(cd "$src/../../test/c" && pwd)"
cc="${CC:-cc}"

skip() {
  echo "[hashfinder-core] native kernel not built: $1; the engine will run its Java path"
  exit 0
}

[ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] || skip "the kernel is for linux-x86_64 only"
command -v "$cc" >/dev/null 2>&1 || skip "no C compiler ('$cc') on the PATH"

# The library carries the usual hardening: stack protector,
# fortified libc calls, full RELRO, a non-executable stack.
common=(-std=gnu11 -Wall -Wextra -I"$src")
hardening=(-fstack-protector-strong -D_FORTIFY_SOURCE=2 -fstack-clash-protection -fcf-protection
  -Wl,-z,relro,-z,now,-z,noexecstack)

# The SHA-NI rounds must not meet a register wider than 128 bits (see hash_shani.h): on some
# Intel CPUs they would run a hundred times slower. A compiler may still copy an array through
# one in the AVX-512 copy's cores, so the built cores are looked at where objdump is there to
# look; returns 1 if one did.
wide_shani_cores() {
  command -v objdump >/dev/null 2>&1 || return 1
  local wide
  wide="$(objdump -d --no-show-raw-insn "$1" \
    | awk '/^[0-9a-f]+ <sha(1|256)_ni_[a-z0-9_]*>:$/ { core = 1; next } /^$/ { core = 0 }
           core && /[yz]mm[0-9]/')"
  [ -n "$wide" ]
}

case "$mode" in
  library)
    out="$2"
    java_home="$3"
    [ -f "$java_home/include/jni.h" ] || skip "no JNI headers under $java_home/include"
    dir="$out/dev/hashfinder/core/linux-x86_64"
    mkdir -p "$dir"
    build_library() {
      "$cc" "${common[@]}" "${hardening[@]}" -O3 -fPIC -shared -fvisibility=hidden \
        -I"$java_home/include" -I"$java_home/include/linux" "$@" \
        "$src/kernel.c" "$src/jni.c" -o "$dir/libhashfinder-kernel.so"
    }
    build_library
    if wide_shani_cores "$dir/libhashfinder-kernel.so"; then
      echo "[hashfinder-core] $cc put a wide register into the AVX-512 copy's SHA-NI rounds;" \
        "building them for legacy SSE instead"
      build_library -DHF_SHANI_EVEX=0
    fi
    echo "[hashfinder-core] native kernel built: $dir/libhashfinder-kernel.so"
    ;;
  test | sanitize)
    out="$2"
    mkdir -p "$out"
    if [ "$mode" = sanitize ]; then
      flags=(-O1 -g -fno-var-tracking-assignments -fno-omit-frame-pointer -fsanitize=address,undefined
        -fno-sanitize-recover=all)
    else
      flags=(-O3 "${hardening[@]}")
    fi
    "$cc" "${common[@]}" "${flags[@]}" "$src/kernel.c" "$tests/kernel_test.c" \
      -o "$out/kernel_test-$mode"
    "$out/kernel_test-$mode"
    ;;
  ceiling)
    out="$2"
    mkdir -p "$out"
    "$cc" "${common[@]}" -O3 "$tests/ceiling.c" -o "$out/ceiling"
    "$out/ceiling" "${@:3}"
    ;;
  *)
    echo "usage: build.sh library OUT_DIR JAVA_HOME | test DIR | sanitize DIR | ceiling DIR [dirty]" >&2
    exit 2
    ;;
esac
