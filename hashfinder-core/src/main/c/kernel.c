/*
 * The native scanning kernel; see kernel.h. Only the functions marked with HF_SIMD use the SHA,
 * SSE4.1 and AVX2 instructions, so the library loads on any x86-64 CPU and Java calls the scan
 * only after hf_cpu_features() said the CPU has them.
 */
#include "kernel.h"

#include <cpuid.h>
#include <immintrin.h>
#include <string.h>

#define HF_SIMD_AVX2 __attribute__((target("sha,ssse3,sse4.1,avx,avx2")))
#define HF_SIMD_AVX512 \
  __attribute__((target("sha,ssse3,sse4.1,avx,avx2,avx512f,avx512vl,avx512bw,avx512vbmi")))

int hf_cpu_features(void) {
  unsigned int eax, ebx, ecx, edx;
  int features = 0;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) {
    return 0;
  }
  int sse41 = (ecx >> 19) & 1;
  int ssse3 = (ecx >> 9) & 1;
  int osxsave = (ecx >> 27) & 1;
  int avx = (ecx >> 28) & 1;
  if (sse41 && ssse3) {
    features |= HF_CPU_SSE41;
  }
  if (__get_cpuid_max(0, 0) < 7) {
    return features;
  }
  __cpuid_count(7, 0, eax, ebx, ecx, edx);
  if ((ebx >> 29) & 1) {
    features |= HF_CPU_SHA;
  }
  if (((ebx >> 5) & 1) && avx && osxsave) {
    /* AVX2 also needs the OS to save the YMM registers: XCR0 bits 1 and 2; AVX-512 its
       opmask and upper ZMM state too, bits 5 to 7. */
    unsigned int xcr0_low, xcr0_high;
    __asm__ volatile("xgetbv" : "=a"(xcr0_low), "=d"(xcr0_high) : "c"(0));
    if ((xcr0_low & 6) == 6) {
      features |= HF_CPU_AVX2;
    }
    /* F, BW, VL and VBMI (every CPU with both SHA-NI and AVX-512 has VBMI). */
    int avx512 = ((ebx >> 16) & 1) && ((ebx >> 30) & 1) && ((ebx >> 31) & 1) && ((ecx >> 1) & 1);
    if (avx512 && (xcr0_low & 0xE6) == 0xE6) {
      features |= HF_CPU_AVX512;
    }
  }
  return features;
}

int hf_query_parse(const uint8_t *bytes, int length, hf_query *query) {
  if (length < HF_QUERY_HEADER) {
    return -1;
  }
  int m = bytes[193];
  if (m < 1 || m > HF_TEXT_LENGTH || length != HF_QUERY_HEADER + HF_CODES * m) {
    return -1;
  }
  if (bytes[194] > m) { /* m mismatches already admit every window */
    return -1;
  }
  memset(query, 0, sizeof *query);
  memcpy(query->first, bytes, 64);
  memcpy(query->second, bytes + 64, 64);
  memcpy(query->third, bytes + 128, 64);
  query->flags = bytes[192];
  query->target_length = (uint8_t) m;
  query->threshold = bytes[194];
  for (int i = 0; i < HF_CODES * m; i++) {
    uint8_t match = bytes[HF_QUERY_HEADER + i];
    if (match > 1) {
      return -1;
    }
    query->matches[i] = match;
    if (m <= 15 && !match) {
      int j = i / HF_CODES;
      query->mismatches[i % HF_CODES] |= 1ULL << (4 * j);
    }
  }
  return 0;
}

/* FIRST_INDEX[n]: the index of the first secret of length n; INT64_MAX past the last. */
static const int64_t FIRST_INDEX[HF_MAX_LENGTH + 2] = {
    0,
    1LL,
    256LL,
    65281LL,
    16646656LL,
    4244897281LL,
    1082448806656LL,
    276024445697281LL,
    70386233652806656LL,
    INT64_MAX,
};

int hf_secret_at(int64_t index, uint8_t secret[HF_MAX_LENGTH + 1]) {
  int length = 0;
  while (length < HF_MAX_LENGTH && FIRST_INDEX[length + 1] <= index) {
    length++;
  }
  int64_t value = index - FIRST_INDEX[length];
  for (int i = length - 1; i >= 0; i--) {
    secret[i] = (uint8_t) (value % 255);
    value /= 255;
  }
  return length;
}

/*
 * Walks the secrets in index order and keeps the first 12 bytes of each one's padded block as
 * SHA-1 message words: a secret is at most 8 bytes, so the block is the secret, 0x80, zeros and
 * the bit length, and only words 0, 1, 2 and 15 are not zero.
 */
typedef struct {
  uint8_t secret[HF_MAX_LENGTH + 1];
  int length;
  uint64_t words01; /* block bytes 0..7, big-endian */
  uint32_t word2;
  uint64_t unit;    /* what adding one to the last secret byte adds to words01 */
} cursor;

static void cursor_words(cursor *c) {
  uint8_t block[12] = {0};
  memcpy(block, c->secret, (size_t) c->length);
  block[c->length] = 0x80;
  uint64_t w = 0;
  for (int i = 0; i < 8; i++) {
    w = w << 8 | block[i];
  }
  c->words01 = w;
  c->word2 = (uint32_t) block[8] << 24;
  c->unit = c->length == 0 ? 0 : 1ULL << (8 * (8 - c->length));
}

static void cursor_seek(cursor *c, int64_t index) {
  memset(c->secret, 0, sizeof c->secret);
  c->length = hf_secret_at(index, c->secret);
  cursor_words(c);
}

static inline void cursor_advance(cursor *c) {
  int last = c->length - 1;
  if (last >= 0 && c->secret[last] != 254) {
    c->secret[last]++;
    c->words01 += c->unit;
    return;
  }
  for (int i = last; i >= 0; i--) {
    if (c->secret[i] != 254) {
      c->secret[i]++;
      cursor_words(c);
      return;
    }
    c->secret[i] = 0;
  }
  /* Every byte was 254: on to the first secret one byte longer, all zeros. */
  c->length++;
  c->secret[c->length - 1] = 0;
  cursor_words(c);
}

/*
 * The exact count: whether some window of the text has at most threshold mismatches. For
 * targets of up to 15 characters it is the shift-add algorithm (Baeza-Yates and Gonnet): one
 * 4-bit counter per target position, all advanced by one shift and one add per text character,
 * so the cost depends neither on the threshold nor on the text; longer targets count each window.
 */
static int within(const hf_query *query, const uint8_t codes[32]) {
  int m = query->target_length;
  int threshold = query->threshold;
  if (m <= 15) {
    uint64_t state = 0;
    int qualifies = 0;
    int top = 4 * (m - 1);
    for (int p = 0; p < HF_TEXT_LENGTH; p++) {
      state = (state << 4) + query->mismatches[codes[p]];
      qualifies |= (p >= m - 1) & ((int) ((state >> top) & 15) <= threshold);
    }
    return qualifies;
  }
  for (int start = 0; start + m <= HF_TEXT_LENGTH; start++) {
    int mismatches = 0;
    for (int j = 0; j < m && mismatches <= threshold; j++) {
      mismatches += 1 - query->matches[j * HF_CODES + codes[start + j]];
    }
    if (mismatches <= threshold) {
      return 1;
    }
  }
  return 0;
}

#define HF_SIMD HF_SIMD_AVX2
#define HF_LANES 2
#define HF_VBMI 0
#define HF_NAME(x) x##_avx2
#include "kernel_scan.h"
#undef HF_SIMD
#undef HF_LANES
#undef HF_VBMI
#undef HF_NAME

#define HF_SIMD HF_SIMD_AVX512
#define HF_LANES 4
#define HF_VBMI 1
#define HF_NAME(x) x##_avx512
#include "kernel_scan.h"
#undef HF_SIMD
#undef HF_LANES
#undef HF_VBMI
#undef HF_NAME

/* The features, read once when the library loads. */
static int cpu_features;

__attribute__((constructor)) static void read_cpu_features(void) {
  cpu_features = hf_cpu_features();
}

int hf_scan_sha1(const hf_query *query, int64_t start, int64_t end, int64_t *hits,
                 int capacity) {
  return hf_scan_sha1_on(cpu_features, query, start, end, hits, capacity);
}

int hf_scan_sha1_on(int features, const hf_query *query, int64_t start, int64_t end,
                    int64_t *hits, int capacity) {
  if (features & HF_CPU_AVX512) {
    return scan_sha1_avx512(query, start, end, hits, capacity);
  }
  return scan_sha1_avx2(query, start, end, hits, capacity);
}

HF_SIMD_AVX2 void hf_sha1_of_index(int64_t index, uint8_t digest[20]) {
  cursor c;
  cursor_seek(&c, index);
  uint64_t words01[2];
  uint32_t word2[2];
  uint32_t bits[2];
  for (int i = 0; i < 2; i++) {
    words01[i] = c.words01;
    word2[i] = c.word2;
    bits[i] = (uint32_t) c.length * 8;
  }
  __m128i abcd[2];
  uint32_t e[2];
  sha1_lanes_avx2(words01, word2, bits, abcd, e);
  _mm_storeu_si128((__m128i *) digest, digest_head_avx2(abcd[0]));
  uint32_t tail = __builtin_bswap32(e[0]);
  memcpy(digest + 16, &tail, 4);
}
