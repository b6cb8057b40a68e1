/*
 * The ceiling each kernel is held against: the kernel's own hash cores with nothing around them
 * (no secrets walked, no filter), 1, 2, 4 and 8 messages or registers of lanes per call, on one
 * thread. Prints messages per second for each. Built and run by build.sh ceiling; the figures
 * are in docs/PERFORMANCE.md.
 */
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hash.h"

#define HF_SHANI_SSE __attribute__((target("sha,ssse3,sse4.1")))
#define HF_SHANI_AVX2 __attribute__((target("sha,ssse3,sse4.1,avx,avx2")))
#define HF_SHANI_AVX512 \
  __attribute__((target("sha,ssse3,sse4.1,avx,avx2,avx512f,avx512vl,avx512bw")))
#define HF_AVX2 __attribute__((target("avx,avx2")))
#define HF_AVX512 __attribute__((target("avx,avx2,avx512f,avx512vl,avx512bw")))

/* SHA-NI cores: HF_LANES messages interleaved, compiled for AVX2's 16 registers and AVX-512's
   32. */
#define HF_SIMD HF_SHANI_SSE
#define HF_LANES 1
#define HF_NAME(x) x##_sse_1
#include "hash_shani.h"
#undef HF_LANES
#undef HF_NAME
#define HF_LANES 2
#define HF_NAME(x) x##_sse_2
#include "hash_shani.h"
#undef HF_LANES
#undef HF_NAME
#define HF_LANES 4
#define HF_NAME(x) x##_sse_4
#include "hash_shani.h"
#undef HF_LANES
#undef HF_NAME
#define HF_LANES 8
#define HF_NAME(x) x##_sse_8
#include "hash_shani.h"
#undef HF_LANES
#undef HF_NAME
#undef HF_SIMD
#define HF_SIMD HF_SHANI_AVX2
#define HF_LANES 1
#define HF_NAME(x) x##_avx2_1
#include "hash_shani.h"
#undef HF_LANES
#undef HF_NAME
#define HF_LANES 2
#define HF_NAME(x) x##_avx2_2
#include "hash_shani.h"
#undef HF_LANES
#undef HF_NAME
#define HF_LANES 4
#define HF_NAME(x) x##_avx2_4
#include "hash_shani.h"
#undef HF_LANES
#undef HF_NAME
#define HF_LANES 8
#define HF_NAME(x) x##_avx2_8
#include "hash_shani.h"
#undef HF_LANES
#undef HF_NAME
#undef HF_SIMD
#define HF_SIMD HF_SHANI_AVX512
#define HF_LANES 1
#define HF_NAME(x) x##_avx512_1
#include "hash_shani.h"
#undef HF_LANES
#undef HF_NAME
#define HF_LANES 2
#define HF_NAME(x) x##_avx512_2
#include "hash_shani.h"
#undef HF_LANES
#undef HF_NAME
#define HF_LANES 4
#define HF_NAME(x) x##_avx512_4
#include "hash_shani.h"
#undef HF_LANES
#undef HF_NAME
#define HF_LANES 8
#define HF_NAME(x) x##_avx512_8
#include "hash_shani.h"
#undef HF_LANES
#undef HF_NAME
#undef HF_SIMD

/* Lane cores: HF_VECTORS registers of lanes interleaved. */
#define HF_SIMD HF_AVX2
#define HF_WIDE 0
#define HF_VECTORS 1
#define HF_NAME(x) x##_avx2_1
#include "hash_lanes.h"
#undef HF_VECTORS
#undef HF_NAME
#define HF_VECTORS 2
#define HF_NAME(x) x##_avx2_2
#include "hash_lanes.h"
#undef HF_VECTORS
#undef HF_NAME
#define HF_VECTORS 4
#define HF_NAME(x) x##_avx2_4
#include "hash_lanes.h"
#undef HF_VECTORS
#undef HF_NAME
#undef HF_WIDE
#undef HF_SIMD
#define HF_SIMD HF_AVX512
#define HF_WIDE 1
#define HF_VECTORS 1
#define HF_NAME(x) x##_avx512_1
#include "hash_lanes.h"
#undef HF_VECTORS
#undef HF_NAME
#define HF_VECTORS 2
#define HF_NAME(x) x##_avx512_2
#include "hash_lanes.h"
#undef HF_VECTORS
#undef HF_NAME
#define HF_VECTORS 4
#define HF_NAME(x) x##_avx512_4
#include "hash_lanes.h"
#undef HF_VECTORS
#undef HF_NAME
#undef HF_WIDE
#undef HF_SIMD

typedef void (*core_fn)(const hf_block *blocks, uint8_t *out);

/* A core, the messages it hashes per call, and whether to dirty the upper vector state before
   each call instead of clearing it. */
typedef struct {
  const char *digest;
  const char *copy;
  core_fn core;
  int messages;
  int needs; /* 1 SHA-NI, 2 AVX-512 */
} entry;

static uint8_t out[64 * HF_STRIDE] __attribute__((aligned(64)));
static hf_block blocks[64];

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* A 256-bit write (not in a function compiled for AVX, where the compiler would add a
   vzeroupper on the way out). */
static void dirty_upper(void) {
  __asm__ volatile("vpcmpeqd %%ymm15, %%ymm15, %%ymm15" ::: "xmm15");
}

HF_AVX2 static void clean_upper(void) { _mm256_zeroupper(); }

/* Messages per second through one core, the best of three runs of about 0.2 s each. */
static double rate(const entry *e, int dirty) {
  double best = 0;
  for (int run = 0; run < 3; run++) {
    long calls = 0;
    uint64_t sink = 0;
    double start = now();
    double elapsed;
    do {
      for (int k = 0; k < 1000; k++) {
        for (int i = 0; i < e->messages; i++) {
          blocks[i].head += 1 + (sink & 1);
        }
        if (dirty) {
          dirty_upper();
        } else {
          clean_upper();
        }
        e->core(blocks, out);
        sink += out[0];
      }
      calls += 1000;
      elapsed = now() - start;
    } while (elapsed < 0.2);
    double r = calls * (double) e->messages / elapsed;
    if (r > best) {
      best = r;
    }
    if (sink == 42) {
      printf(" ");
    }
  }
  return best;
}

int main(int argc, char **argv) {
  int have_sha = __builtin_cpu_supports("sha");
  int have_avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
                    && __builtin_cpu_supports("avx512vl");
  int dirty = argc > 1 && strcmp(argv[1], "dirty") == 0;
  if (!__builtin_cpu_supports("avx2")) {
    printf("ceiling: this CPU lacks AVX2; nothing to measure\n");
    return 0;
  }
  for (int i = 0; i < 64; i++) {
    blocks[i].head = 0x6861736800000000ULL + ((uint64_t) i << 40) + 0x80000000ULL;
    blocks[i].tail = 0;
    blocks[i].bits = 32;
  }
  const entry entries[] = {
      {"SHA-1", "SHA-NI, legacy SSE only", sha1_ni_sse_1, 1, 1},
      {"SHA-1", "SHA-NI, legacy SSE only", sha1_ni_sse_2, 2, 1},
      {"SHA-1", "SHA-NI, legacy SSE only", sha1_ni_sse_4, 4, 1},
      {"SHA-1", "SHA-NI, legacy SSE only", sha1_ni_sse_8, 8, 1},
      {"SHA-1", "SHA-NI, AVX2 registers", sha1_ni_avx2_1, 1, 1},
      {"SHA-1", "SHA-NI, AVX2 registers", sha1_ni_avx2_2, 2, 1},
      {"SHA-1", "SHA-NI, AVX2 registers", sha1_ni_avx2_4, 4, 1},
      {"SHA-1", "SHA-NI, AVX2 registers", sha1_ni_avx2_8, 8, 1},
      {"SHA-1", "SHA-NI, AVX-512 registers", sha1_ni_avx512_1, 1, 3},
      {"SHA-1", "SHA-NI, AVX-512 registers", sha1_ni_avx512_2, 2, 3},
      {"SHA-1", "SHA-NI, AVX-512 registers", sha1_ni_avx512_4, 4, 3},
      {"SHA-1", "SHA-NI, AVX-512 registers", sha1_ni_avx512_8, 8, 3},
      {"SHA-256", "SHA-NI, legacy SSE only", sha256_ni_sse_1, 1, 1},
      {"SHA-256", "SHA-NI, legacy SSE only", sha256_ni_sse_2, 2, 1},
      {"SHA-256", "SHA-NI, legacy SSE only", sha256_ni_sse_4, 4, 1},
      {"SHA-256", "SHA-NI, legacy SSE only", sha256_ni_sse_8, 8, 1},
      {"SHA-256", "SHA-NI, AVX2 registers", sha256_ni_avx2_1, 1, 1},
      {"SHA-256", "SHA-NI, AVX2 registers", sha256_ni_avx2_2, 2, 1},
      {"SHA-256", "SHA-NI, AVX2 registers", sha256_ni_avx2_4, 4, 1},
      {"SHA-256", "SHA-NI, AVX2 registers", sha256_ni_avx2_8, 8, 1},
      {"SHA-256", "SHA-NI, AVX-512 registers", sha256_ni_avx512_1, 1, 3},
      {"SHA-256", "SHA-NI, AVX-512 registers", sha256_ni_avx512_2, 2, 3},
      {"SHA-256", "SHA-NI, AVX-512 registers", sha256_ni_avx512_4, 4, 3},
      {"SHA-256", "SHA-NI, AVX-512 registers", sha256_ni_avx512_8, 8, 3},
      {"MD5", "AVX2, 8 lanes a register", md5_lanes_avx2_1, 8, 0},
      {"MD5", "AVX2, 8 lanes a register", md5_lanes_avx2_2, 16, 0},
      {"MD5", "AVX2, 8 lanes a register", md5_lanes_avx2_4, 32, 0},
      {"MD5", "AVX-512, 16 lanes a register", md5_lanes_avx512_1, 16, 2},
      {"MD5", "AVX-512, 16 lanes a register", md5_lanes_avx512_2, 32, 2},
      {"MD5", "AVX-512, 16 lanes a register", md5_lanes_avx512_4, 64, 2},
      {"SHA-512", "AVX2, 4 lanes a register", sha512_lanes_avx2_1, 4, 0},
      {"SHA-512", "AVX2, 4 lanes a register", sha512_lanes_avx2_2, 8, 0},
      {"SHA-512", "AVX2, 4 lanes a register", sha512_lanes_avx2_4, 16, 0},
      {"SHA-512", "AVX-512, 8 lanes a register", sha512_lanes_avx512_1, 8, 2},
      {"SHA-512", "AVX-512, 8 lanes a register", sha512_lanes_avx512_2, 16, 2},
      {"SHA-512", "AVX-512, 8 lanes a register", sha512_lanes_avx512_4, 32, 2},
  };
  printf("%-8s %-30s %9s %12s%s\n", "digest", "core", "messages", "M/s", 
         dirty ? "  (upper vector state dirty before each call)" : "");
  for (size_t i = 0; i < sizeof entries / sizeof entries[0]; i++) {
    const entry *e = &entries[i];
    if (((e->needs & 1) && !have_sha) || ((e->needs & 2) && !have_avx512)) {
      continue;
    }
    printf("%-8s %-30s %9d %12.1f\n", e->digest, e->copy, e->messages, rate(e, dirty) / 1e6);
    fflush(stdout);
  }
  return 0;
}
