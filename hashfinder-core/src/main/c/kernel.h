/*
 * The native scanning kernel: the digest of every secret in a range of indices, several messages
 * at once (SHA-1 and SHA-256 with the SHA-NI instructions, MD5 and SHA-512 one message per
 * vector lane), a branch-free first look at each hash text, and the exact window count for the
 * few candidates that pass it. The Java engine keeps everything else: chunks, ordering, budgets
 * and cancellation. See NativeKernel.java for the contract the two sides share.
 */
#ifndef HASHFINDER_KERNEL_H
#define HASHFINDER_KERNEL_H

#include <stdint.h>

/* The digests the kernel runs; the numbers are NativeKernel.Digest's. */
#define HF_SHA1 0
#define HF_SHA256 1
#define HF_MD5 2
#define HF_SHA512 3
#define HF_DIGESTS 4

/* Codes of the hash text: 0..63 for the base64 alphabet, 64 for '='. */
#define HF_CODES 65
/* The longest hash text: SHA-512's, 86 data characters and two '='. */
#define HF_MAX_TEXT 88
/* The longest digest, in bytes. */
#define HF_MAX_DIGEST 64
/* The longest secret an index in [0, INT64_MAX] names. */
#define HF_MAX_LENGTH 8

/*
 * A query as the kernel sees it; the layout of the byte array Java hands over (NativeKernel).
 * The filter looks for anchors, up to three adjacent characters each, anywhere in the text:
 *   [0, 64)    first[code]: bit i set if anchor i's first character matches code
 *   [64, 128)  second[code]: the same for its second character; an anchor of one character has
 *              its bit set for every code
 *   [128, 192) third[code]: the same for its third character
 *   [192]      flags: HF_PASS_ALL (no filter: count every candidate)
 *   [193]      the target's length m, 1..88 (at most the digest's text length)
 *   [194]      the threshold, 0..m: a candidate qualifies if some window has at most this
 *              many mismatches (m admits every candidate)
 *   [195, 195 + 65 m)  matches[j * 65 + code]: 1 if target character j matches code
 * A candidate without an anchor is rejected, so the anchors must be such that every qualifying
 * text holds one of them (Java takes one from each of threshold + 1 pieces of the target).
 */
#define HF_QUERY_HEADER 195
#define HF_QUERY_MAX (HF_QUERY_HEADER + HF_CODES * HF_MAX_TEXT)
#define HF_PASS_ALL 1

typedef struct {
  uint8_t first[64];
  uint8_t second[64];
  uint8_t third[64];
  uint8_t flags;
  uint8_t target_length;
  uint8_t threshold;
  uint8_t matches[HF_CODES * HF_MAX_TEXT];
  /* For targets of up to 15 characters: bit 4j of mismatches[code] set if target character j
     does not match code (the shift-add table). */
  uint64_t mismatches[HF_CODES];
} hf_query;

/* Bits of hf_cpu_features(). */
#define HF_CPU_SHA 1
#define HF_CPU_SSE41 2
#define HF_CPU_AVX2 4
/* AVX-512 F, BW, VL and VBMI (every CPU with SHA-NI and AVX-512 has VBMI). */
#define HF_CPU_AVX512 8

/* What the kernel can use that this CPU and OS offer: HF_CPU_* bits. */
int hf_cpu_features(void);

/* The copies of a digest's scan: one for AVX-512 (with VBMI), one for AVX2. */
#define HF_COPY_NONE 0
#define HF_COPY_AVX2 1
#define HF_COPY_AVX512 2

/*
 * The copy of the digest's scan that runs with these HF_CPU_* features, or HF_COPY_NONE if they
 * lack what it needs: SHA-NI, SSE4.1 and AVX2 for SHA-1 and SHA-256; AVX2 for MD5 and SHA-512.
 */
int hf_copy(int digest, int features);

/* Candidates the digest's copy for these features hashes at once (messages interleaved, or
   lanes); 0 if hf_copy is HF_COPY_NONE. */
int hf_batch(int digest, int features);

/* The digest's length in bytes, its hash text's length and how many of those characters carry
   digest bits (the rest is '='); 0 for an unknown digest. */
int hf_digest_length(int digest);
int hf_text_length(int digest);
int hf_data_characters(int digest);

/*
 * Parses a query from its byte layout; returns 0, or -1 if it is malformed (a length, threshold
 * or code out of range), in which case nothing may be scanned with it.
 */
int hf_query_parse(const uint8_t *bytes, int length, hf_query *query);

/*
 * Examines the indices [start, end) in order with the digest's copy for these features and
 * writes each index whose hash text has a window within the threshold to hits, stopping after
 * capacity of them.
 *
 * Returns how many hits it wrote; if that is capacity, the scan stopped right after the last one
 * and the caller goes on from there. Returns -1, scanning nothing, if hf_copy(digest, features)
 * is HF_COPY_NONE or the target is longer than the digest's text. 0 <= start <= end.
 */
int hf_scan(int digest, int features, const hf_query *query, int64_t start, int64_t end,
            int64_t *hits, int capacity);

/*
 * The digest of the secret at index, through the same code as hf_scan with these features:
 * hf_digest_length(digest) bytes to out. Returns 0, or -1 as hf_scan does.
 */
int hf_digest_of_index(int digest, int features, int64_t index, uint8_t out[HF_MAX_DIGEST]);

/* hf_scan and hf_digest_of_index for SHA-1 with the features this CPU has. */
int hf_scan_sha1(const hf_query *query, int64_t start, int64_t end, int64_t *hits, int capacity);
void hf_sha1_of_index(int64_t index, uint8_t digest[20]);

/*
 * Thread CPU time, in nanoseconds, of hf_scan over count candidates from index 1,000,000 with a
 * query that rejects every text (kernel nonzero), or of hashing the same secrets one message at
 * a time as the JDK does (kernel 0: SHA-NI for SHA-1 and SHA-256, plain C for MD5 and SHA-512):
 * the kernel's check, when it loads, that it is faster on this CPU than the Java path could be.
 * -1 as hf_scan.
 */
int64_t hf_time(int digest, int features, int kernel, int64_t count);

/* The secret at index (0 <= index): its bytes in secret[0, length); returns length. */
int hf_secret_at(int64_t index, uint8_t secret[HF_MAX_LENGTH + 1]);

#endif
