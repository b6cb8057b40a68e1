/*
 * One digest's scan in one copy, included by kernel.c for each: HF_SIMD and HF_NAME(x) as for
 * the copy's filter (kernel_filter.h), HF_DIGEST_ID the digest (HF_SHA1, ...), HF_SCAN and
 * HF_DIGEST_OF the names of the two functions made here, HF_BATCH how many candidates are hashed
 * at once, HF_HASH(blocks, out) the core that hashes them and HF_SHANI 1 if that core uses the
 * SHA-NI instructions.
 *
 * A batch is hashed first, every digest written to its own slot of a buffer, then filtered one
 * candidate at a time: the hash runs with the upper halves of the vector registers clear (which
 * SHA-NI's legacy encodings need on some CPUs; see hash_shani.h) and the wide filter after it.
 */
HF_SIMD static int HF_SCAN(const hf_query *query, int64_t start, int64_t end,
                                         int64_t *hits, int capacity) {
  const int data_characters = (digest_bytes(HF_DIGEST_ID) * 8 + 5) / 6;
  const int text_length = (digest_bytes(HF_DIGEST_ID) + 2) / 3 * 4;
  /* Pairs read the slot after the last: batches are even. */
  _Static_assert(HF_BATCH % 2 == 0, "HF_BATCH is odd");
  HF_NAME(filter) filter;
  HF_NAME(filter_init)(&filter, query, data_characters);
  /* Each digest in a slot of its own, the zeros after it left from here. */
  uint8_t digests[HF_BATCH * HF_STRIDE] __attribute__((aligned(64)));
  memset(digests, 0, sizeof digests);
  hf_block blocks[HF_BATCH];

  cursor c;
  cursor_seek(&c, start);
  int found = 0;
  int64_t index = start;
  while (index < end) {
    int n = end - index < HF_BATCH ? (int) (end - index) : HF_BATCH;
    for (int i = 0; i < HF_BATCH; i++) {
      if (i < n) {
        blocks[i] = cursor_block(&c);
        cursor_advance(&c);
      } else { /* past the end: hash the first again, and ignore it */
        blocks[i] = blocks[0];
      }
    }
#if HF_SHANI
    _mm256_zeroupper();
#endif
    HF_HASH(blocks, digests);
    /* Candidates one at a time, or two where the filter looks at pairs. */
    const int step = HF_NAME(pairs)(data_characters) ? 2 : 1;
    for (int i = 0; i < n; i += step) {
      const uint8_t *digest = digests + i * HF_STRIDE;
      int passed = (1 << step) - 1;
      if (!filter.pass_all) {
#if HF_VBMI
        passed = step == 2 ? HF_NAME(filter_pair)(&filter, digest, digest + HF_STRIDE)
                           : HF_NAME(filter_passes)(&filter, digest, data_characters);
#else
        passed = HF_NAME(filter_passes)(&filter, digest, data_characters);
#endif
      }
      for (int j = 0; passed != 0 && j < step && i + j < n; j++, passed >>= 1) {
        if (!(passed & 1)) {
          continue;
        }
        uint8_t text[HF_MAX_TEXT];
        text_codes(digest + j * HF_STRIDE, data_characters, text_length, text);
        if (within(query, text, text_length)) {
          hits[found++] = index + i + j;
          if (found == capacity) {
            return found;
          }
        }
      }
    }
    index += n;
  }
  return found;
}

HF_SIMD static void HF_DIGEST_OF(int64_t index, uint8_t *out) {
  uint8_t digests[HF_BATCH * HF_STRIDE] __attribute__((aligned(64)));
  hf_block blocks[HF_BATCH];
  cursor c;
  cursor_seek(&c, index);
  for (int i = 0; i < HF_BATCH; i++) {
    blocks[i] = cursor_block(&c);
  }
#if HF_SHANI
  _mm256_zeroupper();
#endif
  HF_HASH(blocks, digests);
  memcpy(out, digests, (size_t) hf_digest_length(HF_DIGEST_ID));
}
