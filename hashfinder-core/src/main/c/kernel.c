/*
 * The native scanning kernel; see kernel.h. Only the functions marked with a target attribute
 * use SIMD instructions beyond the x86-64 baseline, so the library loads on any x86-64 CPU, and
 * each digest's scan runs only in a copy whose features hf_cpu_features() reported.
 */
#include "kernel.h"

#include <cpuid.h>
#include <immintrin.h>
#include <string.h>
#include <time.h>

#include "hash.h"

#define HF_SIMD_SHANI __attribute__((target("sha,ssse3,sse4.1")))
#define HF_SIMD_AVX2 __attribute__((target("sha,ssse3,sse4.1,avx,avx2")))
#define HF_SIMD_AVX512 \
  __attribute__((target("sha,ssse3,sse4.1,avx,avx2,avx512f,avx512vl,avx512bw,avx512vbmi")))

/*
 * Messages per batch of each core, from the ceiling harness (src/test/c/ceiling.c): SHA-1 and
 * SHA-256 rounds interleaved as far as it pays in legacy SSE's 16 registers (the AVX2 copy) or
 * with EVEX moves to and from AVX-512's 32 (four of either), lane cores one register (SHA-512,
 * whose schedule and state fill the registers) or two.
 */
#define HF_SHA1_LANES_AVX2 2
#define HF_SHA256_LANES_AVX2 4
#define HF_SHANI_LANES_AVX512 4
#define HF_MD5_VECTORS 2
#define HF_SHA512_VECTORS 1

static inline int digest_bytes(int digest) {
  switch (digest) {
    case HF_SHA1:
      return 20;
    case HF_SHA256:
      return 32;
    case HF_MD5:
      return 16;
    case HF_SHA512:
      return 64;
    default:
      return 0;
  }
}

int hf_digest_length(int digest) { return digest_bytes(digest); }

int hf_text_length(int digest) { return (digest_bytes(digest) + 2) / 3 * 4; }

int hf_data_characters(int digest) { return (digest_bytes(digest) * 8 + 5) / 6; }

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
    /* F, BW, VL and VBMI. */
    int avx512 = ((ebx >> 16) & 1) && ((ebx >> 30) & 1) && ((ebx >> 31) & 1) && ((ecx >> 1) & 1);
    if (avx512 && (features & HF_CPU_AVX2) && (xcr0_low & 0xE6) == 0xE6) {
      features |= HF_CPU_AVX512;
    }
  }
  return features;
}

int hf_copy(int digest, int features) {
  int needs = HF_CPU_AVX2;
  if (digest == HF_SHA1 || digest == HF_SHA256) {
    needs |= HF_CPU_SHA | HF_CPU_SSE41;
  } else if (digest != HF_MD5 && digest != HF_SHA512) {
    return HF_COPY_NONE;
  }
  if ((features & needs) != needs) {
    return HF_COPY_NONE;
  }
  return features & HF_CPU_AVX512 ? HF_COPY_AVX512 : HF_COPY_AVX2;
}

int hf_query_parse(const uint8_t *bytes, int length, hf_query *query) {
  if (length < HF_QUERY_HEADER) {
    return -1;
  }
  int m = bytes[193];
  if (m < 1 || m > HF_MAX_TEXT || length != HF_QUERY_HEADER + HF_CODES * m) {
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
 * big-endian words: a secret is at most 8 bytes, so the block is the secret, 0x80, zeros and the
 * bit length (see hash.h).
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

static inline hf_block cursor_block(const cursor *c) {
  hf_block block = {c->words01, c->word2, (uint32_t) c->length * 8};
  return block;
}

/* The base64 codes of the digest's text: data_characters codes, then 64 ('=') up to
   text_length. For the few candidates that pass the filter. */
static void text_codes(const uint8_t *digest, int data_characters, int text_length,
                       uint8_t *codes) {
  for (int c = 0; c < data_characters; c += 4) {
    int i = c / 4 * 3;
    uint32_t bits = (uint32_t) digest[i] << 16 | (uint32_t) digest[i + 1] << 8 | digest[i + 2];
    codes[c] = (uint8_t) (bits >> 18);
    codes[c + 1] = (uint8_t) (bits >> 12 & 63);
    codes[c + 2] = (uint8_t) (bits >> 6 & 63);
    codes[c + 3] = (uint8_t) (bits & 63);
  }
  for (int c = data_characters; c < text_length; c++) {
    codes[c] = 64;
  }
}

/*
 * The exact count: whether some window of the text has at most threshold mismatches. For
 * targets of up to 15 characters it is the shift-add algorithm (Baeza-Yates and Gonnet): one
 * 4-bit counter per target position, all advanced by one shift and one add per text character,
 * so the cost depends neither on the threshold nor on the text; longer targets count each window.
 */
static int within(const hf_query *query, const uint8_t *codes, int text_length) {
  int m = query->target_length;
  int threshold = query->threshold;
  if (m <= 15) {
    uint64_t state = 0;
    int qualifies = 0;
    int top = 4 * (m - 1);
    for (int p = 0; p < text_length; p++) {
      state = (state << 4) + query->mismatches[codes[p]];
      qualifies |= (p >= m - 1) & ((int) ((state >> top) & 15) <= threshold);
    }
    return qualifies;
  }
  for (int start = 0; start + m <= text_length; start++) {
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

/*
 * The SHA-NI cores: legacy SSE alone for the AVX2 copy; for the AVX-512 copy, with the 32
 * registers EVEX reaches. build.sh checks that no register wider than 128 bits got into them and
 * otherwise builds again with HF_SHANI_EVEX 0: legacy SSE for both copies.
 */
#ifndef HF_SHANI_EVEX
#define HF_SHANI_EVEX 1
#endif
#define HF_SIMD HF_SIMD_SHANI
#define HF_LANES HF_SHA1_LANES_AVX2
#define HF_NAME(x) x##_sse_sha1
#include "hash_shani.h"
#undef HF_LANES
#undef HF_NAME
#define HF_LANES HF_SHA256_LANES_AVX2
#define HF_NAME(x) x##_sse_sha256
#include "hash_shani.h"
#undef HF_LANES
#undef HF_NAME
#undef HF_SIMD
#if HF_SHANI_EVEX
#define HF_SIMD HF_SIMD_AVX512
#else
#define HF_SIMD HF_SIMD_SHANI
#endif
#define HF_LANES HF_SHANI_LANES_AVX512
#define HF_NAME(x) x##_evex
#include "hash_shani.h"
#undef HF_LANES
#undef HF_NAME
#undef HF_SIMD

/* The lane cores, then the filter and the four scans, once per copy. */
#define HF_SIMD HF_SIMD_AVX2
#define HF_WIDE 0
#define HF_VECTORS HF_MD5_VECTORS
#define HF_NAME(x) x##_avx2_md5
#include "hash_lanes.h"
#undef HF_VECTORS
#undef HF_NAME
#define HF_VECTORS HF_SHA512_VECTORS
#define HF_NAME(x) x##_avx2_sha512
#include "hash_lanes.h"
#undef HF_VECTORS
#undef HF_NAME
#undef HF_WIDE
#define HF_VBMI 0
#define HF_NAME(x) x##_avx2
#include "kernel_filter.h"

#define HF_SHANI 1
#define HF_BATCH HF_SHA1_LANES_AVX2
#define HF_DIGEST_ID HF_SHA1
#define HF_SCAN scan_sha1_avx2
#define HF_DIGEST_OF digest_of_sha1_avx2
#define HF_HASH(blocks, out) sha1_ni_sse_sha1(blocks, out)
#include "kernel_scan.h"
#undef HF_BATCH
#undef HF_DIGEST_ID
#undef HF_SCAN
#undef HF_DIGEST_OF
#undef HF_HASH
#define HF_BATCH HF_SHA256_LANES_AVX2
#define HF_DIGEST_ID HF_SHA256
#define HF_SCAN scan_sha256_avx2
#define HF_DIGEST_OF digest_of_sha256_avx2
#define HF_HASH(blocks, out) sha256_ni_sse_sha256(blocks, out)
#include "kernel_scan.h"
#undef HF_DIGEST_ID
#undef HF_SCAN
#undef HF_DIGEST_OF
#undef HF_HASH
#undef HF_SHANI
#undef HF_BATCH
#define HF_SHANI 0
#define HF_BATCH (HF_MD5_VECTORS * 8)
#define HF_DIGEST_ID HF_MD5
#define HF_SCAN scan_md5_avx2
#define HF_DIGEST_OF digest_of_md5_avx2
#define HF_HASH(blocks, out) md5_lanes_avx2_md5(blocks, out)
#include "kernel_scan.h"
#undef HF_DIGEST_ID
#undef HF_SCAN
#undef HF_DIGEST_OF
#undef HF_HASH
#undef HF_BATCH
#define HF_BATCH (HF_SHA512_VECTORS * 4)
#define HF_DIGEST_ID HF_SHA512
#define HF_SCAN scan_sha512_avx2
#define HF_DIGEST_OF digest_of_sha512_avx2
#define HF_HASH(blocks, out) sha512_lanes_avx2_sha512(blocks, out)
#include "kernel_scan.h"
#undef HF_DIGEST_ID
#undef HF_SCAN
#undef HF_DIGEST_OF
#undef HF_HASH
#undef HF_BATCH
#undef HF_SHANI
#undef HF_VBMI
#undef HF_NAME
#undef HF_SIMD

#define HF_SIMD HF_SIMD_AVX512
#define HF_WIDE 1
#define HF_VECTORS HF_MD5_VECTORS
#define HF_NAME(x) x##_avx512_md5
#include "hash_lanes.h"
#undef HF_VECTORS
#undef HF_NAME
#define HF_VECTORS HF_SHA512_VECTORS
#define HF_NAME(x) x##_avx512_sha512
#include "hash_lanes.h"
#undef HF_VECTORS
#undef HF_NAME
#undef HF_WIDE
#define HF_VBMI 1
#define HF_NAME(x) x##_avx512
#include "kernel_filter.h"

#define HF_SHANI 1
#define HF_BATCH HF_SHANI_LANES_AVX512
#define HF_DIGEST_ID HF_SHA1
#define HF_SCAN scan_sha1_avx512
#define HF_DIGEST_OF digest_of_sha1_avx512
#define HF_HASH(blocks, out) sha1_ni_evex(blocks, out)
#include "kernel_scan.h"
#undef HF_BATCH
#undef HF_DIGEST_ID
#undef HF_SCAN
#undef HF_DIGEST_OF
#undef HF_HASH
#define HF_BATCH HF_SHANI_LANES_AVX512
#define HF_DIGEST_ID HF_SHA256
#define HF_SCAN scan_sha256_avx512
#define HF_DIGEST_OF digest_of_sha256_avx512
#define HF_HASH(blocks, out) sha256_ni_evex(blocks, out)
#include "kernel_scan.h"
#undef HF_DIGEST_ID
#undef HF_SCAN
#undef HF_DIGEST_OF
#undef HF_HASH
#undef HF_SHANI
#undef HF_BATCH
#define HF_SHANI 0
#define HF_BATCH (HF_MD5_VECTORS * 16)
#define HF_DIGEST_ID HF_MD5
#define HF_SCAN scan_md5_avx512
#define HF_DIGEST_OF digest_of_md5_avx512
#define HF_HASH(blocks, out) md5_lanes_avx512_md5(blocks, out)
#include "kernel_scan.h"
#undef HF_DIGEST_ID
#undef HF_SCAN
#undef HF_DIGEST_OF
#undef HF_HASH
#undef HF_BATCH
#define HF_BATCH (HF_SHA512_VECTORS * 8)
#define HF_DIGEST_ID HF_SHA512
#define HF_SCAN scan_sha512_avx512
#define HF_DIGEST_OF digest_of_sha512_avx512
#define HF_HASH(blocks, out) sha512_lanes_avx512_sha512(blocks, out)
#include "kernel_scan.h"
#undef HF_DIGEST_ID
#undef HF_SCAN
#undef HF_DIGEST_OF
#undef HF_HASH
#undef HF_BATCH
#undef HF_SHANI
#undef HF_VBMI
#undef HF_NAME
#undef HF_SIMD

typedef int (*scan_fn)(const hf_query *, int64_t, int64_t, int64_t *, int);
typedef void (*digest_of_fn)(int64_t, uint8_t *);

/* [digest][copy - 1] */
static const scan_fn SCANS[HF_DIGESTS][2] = {
    {scan_sha1_avx2, scan_sha1_avx512},
    {scan_sha256_avx2, scan_sha256_avx512},
    {scan_md5_avx2, scan_md5_avx512},
    {scan_sha512_avx2, scan_sha512_avx512},
};
static const digest_of_fn DIGESTS_OF[HF_DIGESTS][2] = {
    {digest_of_sha1_avx2, digest_of_sha1_avx512},
    {digest_of_sha256_avx2, digest_of_sha256_avx512},
    {digest_of_md5_avx2, digest_of_md5_avx512},
    {digest_of_sha512_avx2, digest_of_sha512_avx512},
};

/* The features, read once when the library loads. */
static int cpu_features;

__attribute__((constructor)) static void read_cpu_features(void) {
  cpu_features = hf_cpu_features();
}

int hf_batch(int digest, int features) {
  int copy = hf_copy(digest, features);
  if (copy == HF_COPY_NONE) {
    return 0;
  }
  switch (digest) {
    case HF_SHA1:
      return copy == HF_COPY_AVX512 ? HF_SHANI_LANES_AVX512 : HF_SHA1_LANES_AVX2;
    case HF_SHA256:
      return copy == HF_COPY_AVX512 ? HF_SHANI_LANES_AVX512 : HF_SHA256_LANES_AVX2;
    case HF_MD5:
      return HF_MD5_VECTORS * (copy == HF_COPY_AVX512 ? 16 : 8);
    default:
      return HF_SHA512_VECTORS * (copy == HF_COPY_AVX512 ? 8 : 4);
  }
}

int hf_scan(int digest, int features, const hf_query *query, int64_t start, int64_t end,
            int64_t *hits, int capacity) {
  /* Never more than this CPU has, whatever the caller asks for. */
  int copy = hf_copy(digest, features & cpu_features);
  if (copy == HF_COPY_NONE || query->target_length > hf_text_length(digest)) {
    return -1;
  }
  return SCANS[digest][copy - 1](query, start, end, hits, capacity);
}

int hf_digest_of_index(int digest, int features, int64_t index, uint8_t out[HF_MAX_DIGEST]) {
  int copy = hf_copy(digest, features & cpu_features);
  if (copy == HF_COPY_NONE) {
    return -1;
  }
  DIGESTS_OF[digest][copy - 1](index, out);
  return 0;
}

int hf_scan_sha1(const hf_query *query, int64_t start, int64_t end, int64_t *hits,
                 int capacity) {
  return hf_scan(HF_SHA1, cpu_features, query, start, end, hits, capacity);
}

void hf_sha1_of_index(int64_t index, uint8_t digest[20]) {
  uint8_t out[HF_MAX_DIGEST];
  hf_digest_of_index(HF_SHA1, cpu_features, index, out);
  memcpy(digest, out, 20);
}

/*
 * What the kernel must beat on a CPU: the digest one message at a time, as the Java path's JDK
 * hashes it. For SHA-1 and SHA-256 that is SHA-NI (the JDK's intrinsic): the one-message core,
 * in legacy SSE with the upper state cleared before each message. For MD5 and SHA-512, plain C
 * without vector instructions (the compiler is told not to add any), which the JDK's Java path
 * does not outrun: its MD5 intrinsic is scalar too, and its SHA-512 ran at plain C's rate here.
 */
#define HF_PLAIN __attribute__((optimize("no-tree-vectorize", "no-tree-slp-vectorize")))

static inline uint32_t rotl32(uint32_t x, int n) { return x << n | x >> (32 - n); }
static inline uint64_t rotr64(uint64_t x, int n) { return x >> n | x << (64 - n); }

#define HF_SIMD HF_SIMD_SHANI
#define HF_LANES 1
#define HF_NAME(x) x##_one
#include "hash_shani.h"
#undef HF_LANES
#undef HF_NAME
#undef HF_SIMD

/* One SHA-NI message at a time: a sum of digest bytes. */
HF_SIMD_AVX2 static uint64_t one_at_a_time_shani(int digest, cursor *c, int64_t count) {
  uint8_t out[HF_STRIDE];
  uint64_t sum = 0;
  for (int64_t i = 0; i < count; i++) {
    hf_block block = cursor_block(c);
    _mm256_zeroupper();
    if (digest == HF_SHA1) {
      sha1_ni_one(&block, out);
    } else {
      sha256_ni_one(&block, out);
    }
    sum += out[0];
    cursor_advance(c);
  }
  return sum;
}

HF_PLAIN static uint32_t plain_md5(hf_block b) {
  static const uint32_t K[64] = {
      0xD76AA478, 0xE8C7B756, 0x242070DB, 0xC1BDCEEE, 0xF57C0FAF, 0x4787C62A, 0xA8304613,
      0xFD469501, 0x698098D8, 0x8B44F7AF, 0xFFFF5BB1, 0x895CD7BE, 0x6B901122, 0xFD987193,
      0xA679438E, 0x49B40821, 0xF61E2562, 0xC040B340, 0x265E5A51, 0xE9B6C7AA, 0xD62F105D,
      0x02441453, 0xD8A1E681, 0xE7D3FBC8, 0x21E1CDE6, 0xC33707D6, 0xF4D50D87, 0x455A14ED,
      0xA9E3E905, 0xFCEFA3F8, 0x676F02D9, 0x8D2A4C8A, 0xFFFA3942, 0x8771F681, 0x6D9D6122,
      0xFDE5380C, 0xA4BEEA44, 0x4BDECFA9, 0xF6BB4B60, 0xBEBFBC70, 0x289B7EC6, 0xEAA127FA,
      0xD4EF3085, 0x04881D05, 0xD9D4D039, 0xE6DB99E5, 0x1FA27CF8, 0xC4AC5665, 0xF4292244,
      0x432AFF97, 0xAB9423A7, 0xFC93A039, 0x655B59C3, 0x8F0CCC92, 0xFFEFF47D, 0x85845DD1,
      0x6FA87E4F, 0xFE2CE6E0, 0xA3014314, 0x4E0811A1, 0xF7537E82, 0xBD3AF235, 0x2AD7D2BB,
      0xEB86D391};
  static const int S[16] = {7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21};
  uint32_t m[16] = {__builtin_bswap32((uint32_t) (b.head >> 32)),
                    __builtin_bswap32((uint32_t) b.head), b.tail >> 24};
  m[14] = b.bits;
  uint32_t a = 0x67452301, bb = 0xEFCDAB89, c = 0x98BADCFE, d = 0x10325476;
  for (int i = 0; i < 64; i++) {
    uint32_t f;
    int g;
    if (i < 16) {
      f = (bb & c) | (~bb & d);
      g = i;
    } else if (i < 32) {
      f = (d & bb) | (~d & c);
      g = (5 * i + 1) & 15;
    } else if (i < 48) {
      f = bb ^ c ^ d;
      g = (3 * i + 5) & 15;
    } else {
      f = c ^ (bb | ~d);
      g = (7 * i) & 15;
    }
    uint32_t next = bb + rotl32(a + f + K[i] + m[g], S[(i / 16) * 4 + (i & 3)]);
    a = d;
    d = c;
    c = bb;
    bb = next;
  }
  return (a + 0x67452301) ^ (bb + 0xEFCDAB89);
}

HF_PLAIN static uint64_t plain_sha512(hf_block b) {
  uint64_t w[16] = {b.head, (uint64_t) b.tail << 32};
  w[15] = b.bits;
  const uint64_t *h0 = HF_SHA512_H0;
  uint64_t a = h0[0], bb = h0[1], c = h0[2], d = h0[3], e = h0[4], f = h0[5], g = h0[6],
           h = h0[7];
  for (int t = 0; t < 80; t++) {
    if (t >= 16) {
      uint64_t w15 = w[(t - 15) & 15], w2 = w[(t - 2) & 15];
      w[t & 15] += (rotr64(w15, 1) ^ rotr64(w15, 8) ^ (w15 >> 7)) + w[(t - 7) & 15]
                   + (rotr64(w2, 19) ^ rotr64(w2, 61) ^ (w2 >> 6));
    }
    uint64_t t1 = h + (rotr64(e, 14) ^ rotr64(e, 18) ^ rotr64(e, 41)) + ((e & f) ^ (~e & g))
                  + HF_SHA512_K[t] + w[t & 15];
    uint64_t t2 = (rotr64(a, 28) ^ rotr64(a, 34) ^ rotr64(a, 39)) + ((a & bb) ^ (a & c) ^ (bb & c));
    h = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = bb;
    bb = a;
    a = t1 + t2;
  }
  return (a + h0[0]) ^ (h + h0[7]);
}

static int64_t thread_nanos(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t hf_time(int digest, int features, int kernel, int64_t count) {
  const int64_t start = 1000000;
  if (hf_copy(digest, features & cpu_features) == HF_COPY_NONE || count < 0) {
    return -1;
  }
  int64_t began = thread_nanos();
  if (kernel) {
    /* No anchors: every text is hashed, looked at and rejected. */
    hf_query query;
    memset(&query, 0, sizeof query);
    query.target_length = 1;
    int64_t hit;
    hf_scan(digest, features, &query, start, start + count, &hit, 1);
  } else {
    cursor c;
    cursor_seek(&c, start);
    volatile uint64_t sink = 0;
    if (digest == HF_SHA1 || digest == HF_SHA256) {
      sink += one_at_a_time_shani(digest, &c, count);
    }
    for (int64_t i = 0; i < count && (digest == HF_MD5 || digest == HF_SHA512); i++) {
      hf_block block = cursor_block(&c);
      sink += digest == HF_MD5 ? plain_md5(block) : plain_sha512(block);
      cursor_advance(&c);
    }
  }
  return thread_nanos() - began;
}
