/*
 * What the kernel's hash cores share: the one-block message of a secret, given by its non-zero
 * words, and the buffer a batch's digests are written to. A secret is at most 8 bytes, so its
 * padded block is the secret, 0x80, zeros and the bit length: for every digest the kernel runs,
 * only the first 12 bytes and the length differ from one secret to the next.
 */
#ifndef HASHFINDER_HASH_H
#define HASHFINDER_HASH_H

#include <stdint.h>

typedef struct {
  uint64_t head; /* block bytes 0..7, big-endian */
  uint32_t tail; /* block bytes 8..11, big-endian: 0x80000000 after an 8-byte secret, else 0 */
  uint32_t bits; /* the secret's length in bits */
} hf_block;

/*
 * Bytes per digest in a batch's buffer: the longest digest (SHA-512's 64 bytes) and the zeros
 * after it that the filter's wide loads read. A core writes only the digest's own bytes.
 */
#define HF_STRIDE 128

#endif
