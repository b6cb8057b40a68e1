/*
 * The kernel's own tests, run with the build and under AddressSanitizer and UBSan by the
 * native-sanitize profile: each digest against a plain reference implementation, its secrets
 * against the search order, and each copy of each scan against a candidate-by-candidate count,
 * across the length boundaries and near INT64_MAX.
 */
#include "kernel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

#define CHECK(condition, ...)          \
  do {                                 \
    if (!(condition)) {                \
      fprintf(stderr, __VA_ARGS__);    \
      fprintf(stderr, "\n");           \
      failures++;                      \
    }                                  \
  } while (0)

static const char *const NAMES[HF_DIGESTS] = {"SHA-1", "SHA-256", "MD5", "SHA-512"};

static uint32_t rotl(uint32_t x, int n) { return x << n | x >> (32 - n); }
static uint32_t rotr(uint32_t x, int n) { return x >> n | x << (32 - n); }
static uint64_t rotr64(uint64_t x, int n) { return x >> n | x << (64 - n); }

/* The one padded block of a message shorter than 56 bytes (big-endian length, as SHA-1 and
   SHA-256 want it; MD5 wants it little-endian). */
static void pad_block(const uint8_t *message, int length, int little_endian, uint8_t block[64]) {
  memset(block, 0, 64);
  memcpy(block, message, (size_t) length);
  block[length] = 0x80;
  uint64_t bits = (uint64_t) length * 8;
  for (int i = 0; i < 8; i++) {
    block[little_endian ? 56 + i : 63 - i] = (uint8_t) (bits >> (8 * i));
  }
}

static uint32_t be32(const uint8_t *p) {
  return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

static void put_be32(uint32_t x, uint8_t *p) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t) (x >> (24 - 8 * i));
}

/* FIPS 180-4 SHA-1 of a message shorter than 56 bytes, one block, written for clarity. */
static void reference_sha1(const uint8_t *message, int length, uint8_t digest[20]) {
  uint8_t block[64];
  pad_block(message, length, 0, block);
  uint32_t w[80];
  for (int t = 0; t < 16; t++) w[t] = be32(block + 4 * t);
  for (int t = 16; t < 80; t++) w[t] = rotl(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
  uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
  for (int t = 0; t < 80; t++) {
    uint32_t f, k;
    if (t < 20) { f = (b & c) | (~b & d); k = 0x5A827999; }
    else if (t < 40) { f = b ^ c ^ d; k = 0x6ED9EBA1; }
    else if (t < 60) { f = (b & c) | (b & d) | (c & d); k = 0x8F1BBCDC; }
    else { f = b ^ c ^ d; k = 0xCA62C1D6; }
    uint32_t temp = rotl(a, 5) + f + e + k + w[t];
    e = d; d = c; c = rotl(b, 30); b = a; a = temp;
  }
  h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e;
  for (int i = 0; i < 5; i++) put_be32(h[i], digest + 4 * i);
}

/* FIPS 180-4 SHA-256, one block. */
static void reference_sha256(const uint8_t *message, int length, uint8_t digest[32]) {
  static const uint32_t k[64] = {
      0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
      0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
      0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
      0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
      0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
      0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
      0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
      0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
      0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
      0xc67178f2};
  uint8_t block[64];
  pad_block(message, length, 0, block);
  uint32_t w[64];
  for (int t = 0; t < 16; t++) w[t] = be32(block + 4 * t);
  for (int t = 16; t < 64; t++) {
    uint32_t s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
    uint32_t s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
    w[t] = w[t - 16] + s0 + w[t - 7] + s1;
  }
  uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
  for (int t = 0; t < 64; t++) {
    uint32_t t1 = hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + k[t]
                  + w[t];
    uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    hh = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
  }
  h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
  for (int i = 0; i < 8; i++) put_be32(h[i], digest + 4 * i);
}

/* RFC 1321 MD5, one block. */
static void reference_md5(const uint8_t *message, int length, uint8_t digest[16]) {
  static const int s[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                            5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
                            4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                            6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};
  uint32_t k[64];
  for (int i = 0; i < 64; i++) {
    /* floor(abs(sin(i + 1)) * 2^32), as RFC 1321 defines them; tabulated to avoid libm. */
    static const uint32_t table[64] = {
        0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613,
        0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193,
        0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d,
        0x02441453, 0xd8a1e681, 0xe7d3fbc8, 0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed,
        0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122,
        0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
        0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665, 0xf4292244,
        0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
        0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb,
        0xeb86d391};
    k[i] = table[i];
  }
  uint8_t block[64];
  pad_block(message, length, 1, block);
  uint32_t m[16];
  for (int i = 0; i < 16; i++) {
    m[i] = (uint32_t) block[4 * i] | (uint32_t) block[4 * i + 1] << 8
           | (uint32_t) block[4 * i + 2] << 16 | (uint32_t) block[4 * i + 3] << 24;
  }
  uint32_t h[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
  for (int i = 0; i < 64; i++) {
    uint32_t f;
    int g;
    if (i < 16) { f = (b & c) | (~b & d); g = i; }
    else if (i < 32) { f = (d & b) | (~d & c); g = (5 * i + 1) % 16; }
    else if (i < 48) { f = b ^ c ^ d; g = (3 * i + 5) % 16; }
    else { f = c ^ (b | ~d); g = (7 * i) % 16; }
    uint32_t temp = d;
    d = c;
    c = b;
    b = b + rotl(a + f + k[i] + m[g], s[i]);
    a = temp;
  }
  h[0] += a; h[1] += b; h[2] += c; h[3] += d;
  for (int i = 0; i < 4; i++) {
    for (int j = 0; j < 4; j++) digest[4 * i + j] = (uint8_t) (h[i] >> (8 * j));
  }
}

/* FIPS 180-4 SHA-512 of a message shorter than 112 bytes, one 128-byte block. */
static void reference_sha512(const uint8_t *message, int length, uint8_t digest[64]) {
  static const uint64_t k[80] = {
      0x428a2f98d728ae22ULL, 0x7137449123ef65cdULL, 0xb5c0fbcfec4d3b2fULL, 0xe9b5dba58189dbbcULL,
      0x3956c25bf348b538ULL, 0x59f111f1b605d019ULL, 0x923f82a4af194f9bULL, 0xab1c5ed5da6d8118ULL,
      0xd807aa98a3030242ULL, 0x12835b0145706fbeULL, 0x243185be4ee4b28cULL, 0x550c7dc3d5ffb4e2ULL,
      0x72be5d74f27b896fULL, 0x80deb1fe3b1696b1ULL, 0x9bdc06a725c71235ULL, 0xc19bf174cf692694ULL,
      0xe49b69c19ef14ad2ULL, 0xefbe4786384f25e3ULL, 0x0fc19dc68b8cd5b5ULL, 0x240ca1cc77ac9c65ULL,
      0x2de92c6f592b0275ULL, 0x4a7484aa6ea6e483ULL, 0x5cb0a9dcbd41fbd4ULL, 0x76f988da831153b5ULL,
      0x983e5152ee66dfabULL, 0xa831c66d2db43210ULL, 0xb00327c898fb213fULL, 0xbf597fc7beef0ee4ULL,
      0xc6e00bf33da88fc2ULL, 0xd5a79147930aa725ULL, 0x06ca6351e003826fULL, 0x142929670a0e6e70ULL,
      0x27b70a8546d22ffcULL, 0x2e1b21385c26c926ULL, 0x4d2c6dfc5ac42aedULL, 0x53380d139d95b3dfULL,
      0x650a73548baf63deULL, 0x766a0abb3c77b2a8ULL, 0x81c2c92e47edaee6ULL, 0x92722c851482353bULL,
      0xa2bfe8a14cf10364ULL, 0xa81a664bbc423001ULL, 0xc24b8b70d0f89791ULL, 0xc76c51a30654be30ULL,
      0xd192e819d6ef5218ULL, 0xd69906245565a910ULL, 0xf40e35855771202aULL, 0x106aa07032bbd1b8ULL,
      0x19a4c116b8d2d0c8ULL, 0x1e376c085141ab53ULL, 0x2748774cdf8eeb99ULL, 0x34b0bcb5e19b48a8ULL,
      0x391c0cb3c5c95a63ULL, 0x4ed8aa4ae3418acbULL, 0x5b9cca4f7763e373ULL, 0x682e6ff3d6b2b8a3ULL,
      0x748f82ee5defb2fcULL, 0x78a5636f43172f60ULL, 0x84c87814a1f0ab72ULL, 0x8cc702081a6439ecULL,
      0x90befffa23631e28ULL, 0xa4506cebde82bde9ULL, 0xbef9a3f7b2c67915ULL, 0xc67178f2e372532bULL,
      0xca273eceea26619cULL, 0xd186b8c721c0c207ULL, 0xeada7dd6cde0eb1eULL, 0xf57d4f7fee6ed178ULL,
      0x06f067aa72176fbaULL, 0x0a637dc5a2c898a6ULL, 0x113f9804bef90daeULL, 0x1b710b35131c471bULL,
      0x28db77f523047d84ULL, 0x32caab7b40c72493ULL, 0x3c9ebe0a15c9bebcULL, 0x431d67c49c100d4cULL,
      0x4cc5d4becb3e42b6ULL, 0x597f299cfc657e2aULL, 0x5fcb6fab3ad6faecULL, 0x6c44198c4a475817ULL};
  uint8_t block[128] = {0};
  memcpy(block, message, (size_t) length);
  block[length] = 0x80;
  uint64_t bits = (uint64_t) length * 8;
  for (int i = 0; i < 8; i++) block[127 - i] = (uint8_t) (bits >> (8 * i));
  uint64_t w[80];
  for (int t = 0; t < 16; t++) {
    w[t] = 0;
    for (int i = 0; i < 8; i++) w[t] = w[t] << 8 | block[8 * t + i];
  }
  for (int t = 16; t < 80; t++) {
    uint64_t s0 = rotr64(w[t - 15], 1) ^ rotr64(w[t - 15], 8) ^ (w[t - 15] >> 7);
    uint64_t s1 = rotr64(w[t - 2], 19) ^ rotr64(w[t - 2], 61) ^ (w[t - 2] >> 6);
    w[t] = w[t - 16] + s0 + w[t - 7] + s1;
  }
  uint64_t h[8] = {0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL,
                   0xa54ff53a5f1d36f1ULL, 0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL,
                   0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL};
  uint64_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
  for (int t = 0; t < 80; t++) {
    uint64_t t1 = hh + (rotr64(e, 14) ^ rotr64(e, 18) ^ rotr64(e, 41)) + ((e & f) ^ (~e & g))
                  + k[t] + w[t];
    uint64_t t2 = (rotr64(a, 28) ^ rotr64(a, 34) ^ rotr64(a, 39)) + ((a & b) ^ (a & c) ^ (b & c));
    hh = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
  }
  h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
  for (int i = 0; i < 8; i++) {
    for (int j = 0; j < 8; j++) digest[8 * i + j] = (uint8_t) (h[i] >> (56 - 8 * j));
  }
}

static void reference_digest(int digest, const uint8_t *message, int length, uint8_t *out) {
  switch (digest) {
    case HF_SHA1: reference_sha1(message, length, out); break;
    case HF_SHA256: reference_sha256(message, length, out); break;
    case HF_MD5: reference_md5(message, length, out); break;
    default: reference_sha512(message, length, out); break;
  }
}

static const char ALPHABET[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* The base64 codes of a digest, '=' as 64, bit by bit. */
static int text_codes(int digest, const uint8_t *bytes, uint8_t codes[HF_MAX_TEXT]) {
  int length = hf_digest_length(digest);
  int data = hf_data_characters(digest);
  int text = hf_text_length(digest);
  for (int c = 0; c < data; c++) {
    int bit = 6 * c;
    int value = 0;
    for (int b = 0; b < 6; b++, bit++) {
      int byte = bit / 8;
      int on = byte < length ? bytes[byte] >> (7 - bit % 8) & 1 : 0;
      value = value << 1 | on;
    }
    codes[c] = (uint8_t) value;
  }
  for (int c = data; c < text; c++) codes[c] = 64;
  return text;
}

static int char_matches(char t, int code) {
  if (code == 64) {
    return t == '=';
  }
  char c = ALPHABET[code];
  if (t >= 'A' && t <= 'Z') t = (char) (t - 'A' + 'a');
  if (c >= 'A' && c <= 'Z') c = (char) (c - 'A' + 'a');
  return t == c;
}

/* The smallest number of mismatches of any window of the text. */
static int naive_distance(const char *target, const uint8_t *codes, int text) {
  int m = (int) strlen(target);
  int best = m;
  for (int s = 0; s + m <= text; s++) {
    int count = 0;
    for (int j = 0; j < m; j++) {
      count += !char_matches(target[j], codes[s + j]);
    }
    if (count < best) {
      best = count;
    }
  }
  return best;
}

/* Builds the query bytes as NativeKernel does: one anchor of up to three characters from each
   of threshold + 1 pieces, or no filter. */
static void make_query(const char *target, int threshold, int pass_all, hf_query *query) {
  int m = (int) strlen(target);
  uint8_t bytes[HF_QUERY_MAX] = {0};
  int pieces = threshold + 1;
  if (pieces > 8 || threshold >= m) {
    pass_all = 1;
  }
  for (int i = 0; i < pieces && !pass_all; i++) {
    int start = i * m / pieces;
    int end = (i + 1) * m / pieces;
    for (int k = 0; k < 3; k++) {
      int at = start + k;
      if (at < end && target[at] == '=') {
        pass_all = 1; /* '=' is not in the filter's lanes */
      }
      for (int code = 0; code < 64; code++) {
        if (at >= end || char_matches(target[at], code)) {
          bytes[64 * k + code] |= (uint8_t) (1 << i);
        }
      }
    }
  }
  if (pass_all) {
    memset(bytes, 0, 192);
    bytes[192] = HF_PASS_ALL;
  }
  bytes[193] = (uint8_t) m;
  bytes[194] = (uint8_t) (threshold < m ? threshold : m); /* m already admits every window */
  for (int j = 0; j < m; j++) {
    for (int code = 0; code < HF_CODES; code++) {
      bytes[HF_QUERY_HEADER + j * HF_CODES + code] = (uint8_t) char_matches(target[j], code);
    }
  }
  int rc = hf_query_parse(bytes, HF_QUERY_HEADER + HF_CODES * m, query);
  CHECK(rc == 0, "query %s/%d did not parse", target, threshold);
}

/* The features that run each copy this CPU has: AVX2 alone, and with AVX-512 if it has it. */
static int copies(int digest, int features[2]) {
  int all = hf_cpu_features();
  int n = 0;
  if (hf_copy(digest, all & ~HF_CPU_AVX512) == HF_COPY_AVX2) {
    features[n++] = all & ~HF_CPU_AVX512;
  }
  if (hf_copy(digest, all) == HF_COPY_AVX512) {
    features[n++] = all;
  }
  return n;
}

/* The hash texts of [start, start + count), by the reference implementation. */
static uint8_t *reference_texts(int digest, int64_t start, int64_t count) {
  uint8_t *texts = malloc((size_t) count * HF_MAX_TEXT);
  for (int64_t i = 0; i < count; i++) {
    uint8_t secret[HF_MAX_LENGTH + 1];
    uint8_t bytes[HF_MAX_DIGEST];
    int length = hf_secret_at(start + i, secret);
    reference_digest(digest, secret, length, bytes);
    text_codes(digest, bytes, texts + i * HF_MAX_TEXT);
  }
  return texts;
}

/* Every hit of the scan on [start, start + count), resumed after each full buffer of capacity. */
static int scan_all(int digest, int features, const hf_query *query, int64_t start,
                    int64_t count, int capacity, int64_t *hits) {
  int found = 0;
  for (int64_t at = start; at < start + count;) {
    int n = hf_scan(digest, features, query, at, start + count, hits + found, capacity);
    if (n < 0) {
      return -1;
    }
    found += n;
    at = n == capacity ? hits[found - 1] + 1 : start + count;
  }
  return found;
}

/* The scan of each copy against the naive count, for thresholds 0 to 3, with and without the
   filter. */
static void check_scans(int digest, const char *target, int64_t start, int64_t count,
                        const uint8_t *texts) {
  int text = hf_text_length(digest);
  int m = (int) strlen(target);
  if (m > text) {
    return;
  }
  int features[2];
  int n_copies = copies(digest, features);
  int64_t *hits = malloc(sizeof(int64_t) * (size_t) count);
  int64_t *expected = malloc(sizeof(int64_t) * (size_t) count);
  int *distances = malloc(sizeof(int) * (size_t) count);
  for (int64_t i = 0; i < count; i++) {
    distances[i] = naive_distance(target, texts + i * HF_MAX_TEXT, text);
  }
  for (int threshold = 0; threshold <= 3; threshold++) {
    int wanted = 0;
    for (int64_t i = 0; i < count; i++) {
      if (distances[i] <= threshold) {
        expected[wanted++] = start + i;
      }
    }
    for (int pass_all = 0; pass_all <= 1; pass_all++) {
      hf_query query;
      make_query(target, threshold, pass_all, &query);
      for (int c = 0; c < n_copies; c++) {
        /* Small capacities too, so that the scan's resumption after a full buffer is
           exercised (without the filter every few candidates are a hit: larger ones). */
        int capacity = (pass_all ? 40 : 1) + (int) ((start % 7 + threshold) % 7);
        int found = scan_all(digest, features[c], &query, start, count, capacity, hits);
        CHECK(found == wanted, "%s copy %d: %s within %d from %lld (filter %s): %d hits, expected %d",
              NAMES[digest], hf_copy(digest, features[c]), target, threshold, (long long) start,
              pass_all ? "off" : "on", found, wanted);
        for (int i = 0; i < found && i < wanted; i++) {
          CHECK(hits[i] == expected[i], "%s: %s within %d: hit %d is %lld, expected %lld",
                NAMES[digest], target, threshold, i, (long long) hits[i],
                (long long) expected[i]);
        }
      }
    }
  }
  free(hits);
  free(expected);
  free(distances);
}

/*
 * The filter's windows: a two-character target within 0 over many candidates has hits starting
 * at every position of the text, those where windows overlap included; each copy must find
 * them all, and the test checks that every position was indeed covered.
 */
static void check_every_position(int digest) {
  const int64_t start = 1000000;
  const int64_t count = 30000;
  int data = hf_data_characters(digest);
  uint8_t *texts = reference_texts(digest, start, count);
  int covered[HF_MAX_TEXT] = {0};
  for (int64_t i = 0; i < count; i++) {
    const uint8_t *codes = texts + i * HF_MAX_TEXT;
    for (int p = 0; p + 1 < data; p++) {
      covered[p] |= char_matches('a', codes[p]) && char_matches('a', codes[p + 1]);
    }
  }
  for (int p = 0; p + 1 < data; p++) {
    CHECK(covered[p], "%s: no text of the range has \"aa\" at %d: pick another range",
          NAMES[digest], p);
  }
  check_scans(digest, "aa", start, count, texts);
  free(texts);
}

int main(void) {
  int all = hf_cpu_features();
  if (!(all & HF_CPU_AVX2)) {
    printf("kernel_test: this CPU lacks AVX2; nothing to test\n");
    return 0;
  }
  /* The search order, at the length boundaries. */
  uint8_t secret[HF_MAX_LENGTH + 1];
  CHECK(hf_secret_at(0, secret) == 0, "index 0 is not empty");
  CHECK(hf_secret_at(255, secret) == 1 && secret[0] == 254, "index 255 is not FE");
  CHECK(hf_secret_at(256, secret) == 2 && secret[0] == 0 && secret[1] == 0, "index 256");
  CHECK(hf_secret_at(511, secret) == 2 && secret[0] == 1 && secret[1] == 0, "index 511");
  CHECK(hf_secret_at(65280, secret) == 2 && secret[0] == 254 && secret[1] == 254, "index 65280");
  CHECK(hf_secret_at(65281, secret) == 3, "index 65281");
  CHECK(hf_secret_at(INT64_MAX, secret) == 8, "index INT64_MAX");
  /* The first secret of each length is all zeros, the one before it all 254 (0xFE). */
  uint64_t first = 0;
  uint64_t count = 1;
  for (int length = 0; length <= HF_MAX_LENGTH; length++) {
    int n = hf_secret_at((int64_t) first, secret);
    int zeros = n == length;
    for (int i = 0; i < n; i++) zeros &= secret[i] == 0;
    CHECK(zeros, "index %llu is not %d zero bytes", (unsigned long long) first, length);
    if (length > 0) {
      n = hf_secret_at((int64_t) first - 1, secret);
      int top = n == length - 1;
      for (int i = 0; i < n; i++) top &= secret[i] == 254;
      CHECK(top, "index %llu is not %d bytes of 254", (unsigned long long) first - 1, length - 1);
    }
    first += count;
    count *= 255;
  }
  /* INT64_MAX in base 255, from its offset among the secrets of length 8. */
  const uint8_t last[8] = {130, 140, 154, 161, 154, 140, 130, 126};
  CHECK(hf_secret_at(INT64_MAX, secret) == 8 && memcmp(secret, last, 8) == 0,
        "index INT64_MAX is not its base-255 digits");

  /* The reference implementations against the standards' test vectors ("abc"). */
  static const char *const ABC[HF_DIGESTS] = {
      "a9993e364706816aba3e25717850c26c9cd0d89d",
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
      "900150983cd24fb0d6963f7d28e17f72",
      "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
      "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"};
  for (int digest = 0; digest < HF_DIGESTS; digest++) {
    uint8_t bytes[HF_MAX_DIGEST];
    char hex[2 * HF_MAX_DIGEST + 1];
    reference_digest(digest, (const uint8_t *) "abc", 3, bytes);
    for (int i = 0; i < hf_digest_length(digest); i++) sprintf(hex + 2 * i, "%02x", bytes[i]);
    CHECK(strcmp(hex, ABC[digest]) == 0, "reference %s of abc is %s", NAMES[digest], hex);
  }

  /* Each digest of single secrets, through every length and each copy. */
  const int64_t indices[] = {0, 1, 101, 254, 255, 256, 65280, 65281, 16646655, 16646656,
                             4244897280LL, 4244897281LL, 1082448806656LL, 276024445673281LL,
                             70386233646686656LL, INT64_MAX};
  for (int digest = 0; digest < HF_DIGESTS; digest++) {
    int features[2];
    int n_copies = copies(digest, features);
    for (size_t i = 0; i < sizeof indices / sizeof indices[0]; i++) {
      uint8_t expected[HF_MAX_DIGEST];
      int length = hf_secret_at(indices[i], secret);
      reference_digest(digest, secret, length, expected);
      for (int c = 0; c < n_copies; c++) {
        uint8_t actual[HF_MAX_DIGEST];
        CHECK(hf_digest_of_index(digest, features[c], indices[i], actual) == 0,
              "%s has no copy for features %d", NAMES[digest], features[c]);
        CHECK(memcmp(expected, actual, (size_t) hf_digest_length(digest)) == 0,
              "%s (copy %d) of index %lld differs", NAMES[digest], hf_copy(digest, features[c]),
              (long long) indices[i]);
      }
    }
  }

  /* Scans against the naive count, from starts across the length boundaries. */
  const char *targets[] = {"aa", "doc", "grpc", "hashfind", "a+/9", "ZZ", "x", "cancel=", "ab=",
                           "q=", "PDY4Ns9OFmZmaaJdooChhlwtKHQ",
                           "the quick brown fox jumps over a lazy dog, twice"};
  const int64_t starts[] = {0, 250, 65270, 16646650, 4244897270LL, INT64_MAX - 1500};
  for (int digest = 0; digest < HF_DIGESTS; digest++) {
    for (size_t s = 0; s < sizeof starts / sizeof starts[0]; s++) {
      const int64_t span = 1500;
      uint8_t *texts = reference_texts(digest, starts[s], span);
      for (size_t t = 0; t < sizeof targets / sizeof targets[0]; t++) {
        check_scans(digest, targets[t], starts[s], span, texts);
      }
      free(texts);
    }
    check_every_position(digest);
  }

  /* Ranges that end at the top of the index space (INT64_MAX, never itself examined), of every
     size up to a few blocks of lanes, so that each copy's lane count meets the end: the scan
     must stop there, its cursor walking the last 8-byte secrets. With no filter and threshold m
     every candidate is a hit, so the hits are exactly the range, also when they fill the
     buffer; filtered, the hits are the reference's. */
  for (int digest = 0; digest < HF_DIGESTS; digest++) {
    hf_query every;
    make_query("ab", 2, 1, &every);
    int features[2];
    int n_copies = copies(digest, features);
    for (int c = 0; c < n_copies; c++) {
      for (int64_t size = 0; size <= 33; size++) {
        int64_t start = INT64_MAX - size;
        int64_t hits[40];
        int found = hf_scan(digest, features[c], &every, start, INT64_MAX, hits, 40);
        int exact = found == size;
        for (int i = 0; i < found && exact; i++) {
          exact = hits[i] == start + i;
        }
        CHECK(exact, "%s copy %d: pass-all scan of the last %lld indices found %d", NAMES[digest],
              hf_copy(digest, features[c]), (long long) size, found);
        /* Resumed after full buffers of 3, to the very top. */
        int total = scan_all(digest, features[c], &every, start, size, 3, hits);
        CHECK(total == size, "%s: resumed scan of the last %lld indices found %d", NAMES[digest],
              (long long) size, total);
        for (int i = 0; i < total && total == size; i++) {
          CHECK(hits[i] == start + i, "%s: resumed scan to the top: hit %lld", NAMES[digest],
                (long long) hits[i]);
        }
      }
    }
    for (int64_t size = 1; size <= 33; size += size < 9 ? 1 : 8) {
      uint8_t *texts = reference_texts(digest, INT64_MAX - size, size);
      check_scans(digest, "a", INT64_MAX - size, size, texts);
      check_scans(digest, "x", INT64_MAX - size, size, texts);
      free(texts);
    }
  }
  {
    /* INT64_MAX - 1 is INT64_MAX with its last digit one less (126 is not 0). */
    const uint8_t before_last[8] = {130, 140, 154, 161, 154, 140, 130, 125};
    CHECK(hf_secret_at(INT64_MAX - 1, secret) == 8 && memcmp(secret, before_last, 8) == 0,
          "index INT64_MAX - 1 is not its base-255 digits");
  }

  /* The one-call API for SHA-1 that the JNI side used before the other digests came. */
  hf_query query;
  make_query("aa", 0, 0, &query);
  int64_t none[1] = {-1};
  CHECK(hf_scan_sha1(&query, 5, 5, none, 1) == (all & HF_CPU_SHA ? 0 : -1) && none[0] == -1,
        "empty range");
  /* A copy the features do not allow, a target longer than the text: nothing scanned. */
  CHECK(hf_scan(HF_SHA256, all & ~HF_CPU_SHA, &query, 0, 10, none, 1) == -1,
        "SHA-256 without SHA-NI");
  CHECK(hf_scan(7, all, &query, 0, 10, none, 1) == -1, "an unknown digest");
  make_query("PDY4Ns9OFmZmaaJdooChhlwtKHQ", 0, 0, &query);
  CHECK(hf_scan(HF_MD5, all, &query, 0, 10, none, 1) == -1, "a target longer than MD5's text");
  CHECK(none[0] == -1, "a refused scan wrote a hit");
  /* The load-time speed check's two timings run. */
  for (int digest = 0; digest < HF_DIGESTS; digest++) {
    if (hf_copy(digest, all) != HF_COPY_NONE) {
      CHECK(hf_time(digest, all, 1, 1000) >= 0 && hf_time(digest, all, 0, 1000) >= 0,
            "%s: timing failed", NAMES[digest]);
    }
  }

  /* The parser refuses what kernel.h calls malformed: a threshold above the target's length, a
     length out of range, a match byte other than 0 or 1; it accepts the threshold m. */
  {
    uint8_t bytes[HF_QUERY_MAX] = {0};
    int m = 2;
    int length = HF_QUERY_HEADER + HF_CODES * m;
    bytes[193] = (uint8_t) m;
    hf_query parsed;
    bytes[194] = (uint8_t) m;
    CHECK(hf_query_parse(bytes, length, &parsed) == 0, "threshold m refused");
    bytes[194] = (uint8_t) (m + 1);
    CHECK(hf_query_parse(bytes, length, &parsed) == -1, "threshold m + 1 accepted");
    bytes[194] = 255;
    CHECK(hf_query_parse(bytes, length, &parsed) == -1, "threshold 255 accepted");
    bytes[194] = 0;
    bytes[193] = 0;
    CHECK(hf_query_parse(bytes, HF_QUERY_HEADER, &parsed) == -1, "length 0 accepted");
    bytes[193] = (uint8_t) m;
    bytes[HF_QUERY_HEADER] = 2;
    CHECK(hf_query_parse(bytes, length, &parsed) == -1, "match byte 2 accepted");
  }

  if (failures) {
    fprintf(stderr, "kernel_test: %d failures\n", failures);
    return 1;
  }
  printf("kernel_test: passed\n");
  return 0;
}
