/*
 * The native scanning kernel: SHA-1 of every secret in a range of indices with the SHA-NI
 * instructions, a branch-free first look at each hash text with AVX2, and the exact window count
 * for the few candidates that pass it. The Java engine keeps everything else: chunks, ordering,
 * budgets and cancellation. See NativeKernel.java for the contract the two sides share.
 */
#ifndef HASHFINDER_KERNEL_H
#define HASHFINDER_KERNEL_H

#include <stdint.h>

/* Codes of the hash text: 0..63 for the base64 alphabet, 64 for '='. */
#define HF_CODES 65
/* The base64 text of a SHA-1 digest: 27 data characters and one '='. */
#define HF_TEXT_LENGTH 28
#define HF_DATA_CHARACTERS 27
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
 *   [193]      the target's length m, 1..28
 *   [194]      the threshold, 0..m: a candidate qualifies if some window has at most this
 *              many mismatches (m admits every candidate)
 *   [195, 195 + 65 m)  matches[j * 65 + code]: 1 if target character j matches code
 * A candidate without an anchor is rejected, so the anchors must be such that every qualifying
 * text holds one of them (Java takes one from each of threshold + 1 pieces of the target).
 */
#define HF_QUERY_HEADER 195
#define HF_QUERY_MAX (HF_QUERY_HEADER + HF_CODES * HF_TEXT_LENGTH)
#define HF_PASS_ALL 1

typedef struct {
  uint8_t first[64];
  uint8_t second[64];
  uint8_t third[64];
  uint8_t flags;
  uint8_t target_length;
  uint8_t threshold;
  uint8_t matches[HF_CODES * HF_TEXT_LENGTH];
  /* For targets of up to 15 characters: bit 4j of mismatches[code] set if target character j
     does not match code (the shift-add table). */
  uint64_t mismatches[HF_CODES];
} hf_query;

/* Bits of hf_cpu_features(). */
#define HF_CPU_SHA 1
#define HF_CPU_SSE41 2
#define HF_CPU_AVX2 4
#define HF_CPU_ALL (HF_CPU_SHA | HF_CPU_SSE41 | HF_CPU_AVX2)
/* Not needed; with it the scan keeps four messages in flight instead of two. */
#define HF_CPU_AVX512 8

/* What the kernel needs that this CPU and OS offer: HF_CPU_* bits. */
int hf_cpu_features(void);

/*
 * Parses a query from its byte layout; returns 0, or -1 if it is malformed (a length, threshold
 * or code out of range), in which case nothing may be scanned with it.
 */
int hf_query_parse(const uint8_t *bytes, int length, hf_query *query);

/*
 * Examines the indices [start, end) in order and writes each index whose hash text has a window
 * within the threshold to hits, stopping after capacity of them. Needs every HF_CPU_ALL feature.
 *
 * Returns how many hits it wrote; if that is capacity, the scan stopped right after the last one
 * and the caller goes on from there. 0 <= start <= end.
 */
int hf_scan_sha1(const hf_query *query, int64_t start, int64_t end, int64_t *hits, int capacity);

/* hf_scan_sha1 as it runs on a CPU with these HF_CPU_* features (tests run both copies). */
int hf_scan_sha1_on(int features, const hf_query *query, int64_t start, int64_t end,
                    int64_t *hits, int capacity);

/* The secret at index (0 <= index): its bytes in secret[0, length); returns length. */
int hf_secret_at(int64_t index, uint8_t secret[HF_MAX_LENGTH + 1]);

/* The SHA-1 digest of the secret at index, through the same SHA-NI code as the scan. */
void hf_sha1_of_index(int64_t index, uint8_t digest[20]);

#endif
