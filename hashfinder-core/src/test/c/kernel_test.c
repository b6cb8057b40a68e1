/*
 * The kernel's own tests, run under AddressSanitizer and UBSan by the native-sanitize profile:
 * its SHA-1 against a plain reference implementation, its secrets against the search order, and
 * its scan against a candidate-by-candidate count, across the length boundaries.
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

static uint32_t rotl(uint32_t x, int n) { return x << n | x >> (32 - n); }

/* FIPS 180-4 SHA-1 of a message shorter than 56 bytes, one block, written for clarity. */
static void reference_sha1(const uint8_t *message, int length, uint8_t digest[20]) {
  uint8_t block[64] = {0};
  memcpy(block, message, (size_t) length);
  block[length] = 0x80;
  uint64_t bits = (uint64_t) length * 8;
  for (int i = 0; i < 8; i++) {
    block[63 - i] = (uint8_t) (bits >> (8 * i));
  }
  uint32_t w[80];
  for (int t = 0; t < 16; t++) {
    w[t] = (uint32_t) block[4 * t] << 24 | (uint32_t) block[4 * t + 1] << 16
        | (uint32_t) block[4 * t + 2] << 8 | block[4 * t + 3];
  }
  for (int t = 16; t < 80; t++) {
    w[t] = rotl(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
  }
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
  for (int i = 0; i < 5; i++) {
    digest[4 * i] = (uint8_t) (h[i] >> 24);
    digest[4 * i + 1] = (uint8_t) (h[i] >> 16);
    digest[4 * i + 2] = (uint8_t) (h[i] >> 8);
    digest[4 * i + 3] = (uint8_t) h[i];
  }
}

static const char ALPHABET[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* The base64 codes of a digest, '=' as 64. */
static void text_codes(const uint8_t digest[20], uint8_t codes[28]) {
  for (int c = 0; c < 27; c++) {
    int bit = 6 * c;
    int value = 0;
    for (int b = 0; b < 6; b++, bit++) {
      int byte = bit / 8;
      int on = byte < 20 ? digest[byte] >> (7 - bit % 8) & 1 : 0;
      value = value << 1 | on;
    }
    codes[c] = (uint8_t) value;
  }
  codes[27] = 64;
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

static int naive_distance(const char *target, const uint8_t codes[28]) {
  int m = (int) strlen(target);
  int best = m;
  for (int s = 0; s + m <= 28; s++) {
    int count = 0;
    for (int j = 0; j < m; j++) {
      count += !char_matches(target[j], codes[s + j]);
    }
    if (count < best) best = count;
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

static void check_scan(int features, const char *target, int threshold, int pass_all,
                       int64_t start, int64_t count) {
  hf_query query;
  make_query(target, threshold, pass_all, &query);
  int64_t *hits = malloc(sizeof(int64_t) * (size_t) count);
  int64_t *expected = malloc(sizeof(int64_t) * (size_t) count);
  int found = 0;
  /* Small capacities too, so that the scan's resumption after a full buffer is exercised. */
  int capacity = 1 + (int) (start % 7);
  for (int64_t at = start; at < start + count;) {
    int n = hf_scan_sha1_on(features, &query, at, start + count, hits + found, capacity);
    found += n;
    at = n == capacity ? hits[found - 1] + 1 : start + count;
  }
  int wanted = 0;
  for (int64_t index = start; index < start + count; index++) {
    uint8_t secret[HF_MAX_LENGTH + 1];
    uint8_t digest[20];
    uint8_t codes[28];
    int length = hf_secret_at(index, secret);
    reference_sha1(secret, length, digest);
    text_codes(digest, codes);
    if (naive_distance(target, codes) <= threshold) {
      expected[wanted++] = index;
    }
  }
  CHECK(found == wanted, "%s within %d from %lld: %d hits, expected %d", target, threshold,
        (long long) start, found, wanted);
  for (int i = 0; i < found && i < wanted; i++) {
    CHECK(hits[i] == expected[i], "%s within %d: hit %d is %lld, expected %lld", target,
          threshold, i, (long long) hits[i], (long long) expected[i]);
  }
  free(hits);
  free(expected);
}

int main(void) {
  if ((hf_cpu_features() & HF_CPU_ALL) != HF_CPU_ALL) {
    printf("kernel_test: this CPU lacks SHA-NI or AVX2; nothing to test\n");
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

  /* SHA-1 of single secrets, through every length. */
  const int64_t indices[] = {0, 1, 101, 254, 255, 256, 65280, 65281, 16646655, 16646656,
                             4244897280LL, 4244897281LL, 1082448806656LL, 276024445673281LL,
                             70386233646686656LL, INT64_MAX};
  for (size_t i = 0; i < sizeof indices / sizeof indices[0]; i++) {
    uint8_t expected[20];
    uint8_t actual[20];
    int length = hf_secret_at(indices[i], secret);
    reference_sha1(secret, length, expected);
    hf_sha1_of_index(indices[i], actual);
    CHECK(memcmp(expected, actual, 20) == 0, "SHA-1 of index %lld differs",
          (long long) indices[i]);
  }

  /* Scans against the naive count, from starts across the length boundaries. */
  const char *targets[] = {"aa", "doc", "grpc", "hashfind", "a+/9", "ZZ", "x", "cancel=", "ab=", "q=",
                           "PDY4Ns9OFmZmaaJdooChhlwtKHQ"};
  const int64_t starts[] = {0, 250, 65270, 16646650, 4244897270LL, INT64_MAX - 3000};
  for (size_t t = 0; t < sizeof targets / sizeof targets[0]; t++) {
    for (int threshold = 0; threshold <= 3; threshold++) {
      for (size_t s = 0; s < sizeof starts / sizeof starts[0]; s++) {
        /* Both copies of the scan this CPU can run: AVX2 alone, and with AVX-512 if it has it. */
        int features = hf_cpu_features();
        check_scan(features & ~HF_CPU_AVX512, targets[t], threshold, 0, starts[s], 3000);
        check_scan(features & ~HF_CPU_AVX512, targets[t], threshold, 1, starts[s], 300);
        if (features & HF_CPU_AVX512) {
          check_scan(features, targets[t], threshold, 0, starts[s], 3000);
        }
      }
    }
  }
  /* Ranges that end at the top of the index space (INT64_MAX, never itself examined), of every
     size up to a few blocks of lanes, so that each lane count meets the end: the scan must stop
     there, its cursor walking the last 8-byte secrets. With no filter and threshold m every
     candidate is a hit, so the hits are exactly the range, also when they fill the buffer. */
  {
    hf_query all;
    make_query("ab", 2, 1, &all);
    int features = hf_cpu_features();
    for (int copy = 0; copy < 2; copy++) {
      int on = copy == 0 ? features & ~HF_CPU_AVX512 : features;
      if (copy == 1 && !(features & HF_CPU_AVX512)) {
        break;
      }
      for (int64_t size = 0; size <= 9; size++) {
        int64_t start = INT64_MAX - size;
        int64_t hits[16];
        int found = hf_scan_sha1_on(on, &all, start, INT64_MAX, hits, 16);
        int exact = found == size;
        for (int i = 0; i < found && exact; i++) {
          exact = hits[i] == start + i;
        }
        CHECK(exact, "pass-all scan of the last %lld indices found %d", (long long) size, found);
        /* Resumed after full buffers of 3, to the very top. */
        int64_t total = 0;
        for (int64_t at = start; at < INT64_MAX;) {
          int n = hf_scan_sha1_on(on, &all, at, INT64_MAX, hits, 3);
          for (int i = 0; i < n; i++) {
            CHECK(hits[i] == start + total + i, "resumed scan to the top: hit %lld",
                  (long long) hits[i]);
          }
          total += n;
          at = n == 3 ? hits[n - 1] + 1 : INT64_MAX;
        }
        CHECK(total == size, "resumed scan of the last %lld indices found %lld", (long long) size,
              (long long) total);
      }
    }
    /* The last secrets themselves, and their hashes against the reference, as the scan's
       cursor produces them: every length of range ending at the top, filtered. */
    for (int64_t size = 1; size <= 9; size++) {
      check_scan(features & ~HF_CPU_AVX512, "a", 0, 0, INT64_MAX - size, size);
      check_scan(features & ~HF_CPU_AVX512, "x", 1, 0, INT64_MAX - size, size);
      if (features & HF_CPU_AVX512) {
        check_scan(features, "a", 0, 0, INT64_MAX - size, size);
      }
    }
    /* INT64_MAX - 1 is INT64_MAX with its last digit one less (126 is not 0). */
    const uint8_t before_last[8] = {130, 140, 154, 161, 154, 140, 130, 125};
    CHECK(hf_secret_at(INT64_MAX - 1, secret) == 8 && memcmp(secret, before_last, 8) == 0,
          "index INT64_MAX - 1 is not its base-255 digits");
  }

  /* An empty range finds nothing and writes nothing. */
  hf_query query;
  make_query("aa", 0, 0, &query);
  int64_t none[1] = {-1};
  CHECK(hf_scan_sha1(&query, 5, 5, none, 1) == 0 && none[0] == -1, "empty range");

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
