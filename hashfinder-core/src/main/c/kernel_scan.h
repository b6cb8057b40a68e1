/*
 * The SIMD half of the kernel, included by kernel.c once per instruction set it is built for:
 * HF_SIMD is the target attribute, HF_LANES how many messages are hashed side by side and
 * HF_NAME(x) gives each copy's functions their own names. SHA-NI's rounds have a latency that one
 * message cannot hide; with AVX-512's 32 vector registers four messages fit without spilling,
 * with AVX2's 16 two do.
 */
/* Rounds 4g..4g+3 of every lane; the function of the rounds is g / 5. */
#undef HF_GROUP
#define HF_GROUP(g)                                                                        \
  for (int i = 0; i < HF_LANES; i++) {                                                     \
    __m128i w;                                                                             \
    if ((g) < 4) {                                                                         \
      w = msg[i][(g) & 3];                                                                 \
    } else {                                                                               \
      w = _mm_sha1msg2_epu32(                                                              \
          _mm_xor_si128(_mm_sha1msg1_epu32(msg[i][(g) & 3], msg[i][((g) + 1) & 3]),        \
                        msg[i][((g) + 2) & 3]),                                            \
          msg[i][((g) + 3) & 3]);                                                          \
      msg[i][(g) & 3] = w;                                                                 \
    }                                                                                      \
    __m128i e = (g) == 0 ? _mm_add_epi32(e0, w) : _mm_sha1nexte_epu32(saved[i], w);        \
    saved[i] = abcd[i];                                                                    \
    abcd[i] = _mm_sha1rnds4_epu32(abcd[i], e, (g) / 5);                                    \
  }

/*
 * SHA-1 of HF_LANES one-block messages at once. words01[i], word2[i] and bits[i] describe lane
 * i's block (see cursor); its state comes back as abcd[i] (A in the highest dword) and e[i].
 */
HF_SIMD static inline void HF_NAME(sha1_lanes)(const uint64_t words01[HF_LANES],
                                      const uint32_t word2[HF_LANES],
                                      const uint32_t bits[HF_LANES], __m128i abcd[HF_LANES],
                                      uint32_t e_out[HF_LANES]) {
  const __m128i abcd0 = _mm_set_epi32(0x67452301, (int) 0xEFCDAB89, (int) 0x98BADCFE, 0x10325476);
  const __m128i e0 = _mm_set_epi32((int) 0xC3D2E1F0, 0, 0, 0);
  __m128i msg[HF_LANES][4];
  __m128i saved[HF_LANES] = {0};
  for (int i = 0; i < HF_LANES; i++) {
    msg[i][0] = _mm_set_epi32((int) (words01[i] >> 32), (int) words01[i], (int) word2[i], 0);
    msg[i][1] = _mm_setzero_si128();
    msg[i][2] = _mm_setzero_si128();
    msg[i][3] = _mm_set_epi32(0, 0, 0, (int) bits[i]);
    abcd[i] = abcd0;
  }
  HF_GROUP(0) HF_GROUP(1) HF_GROUP(2) HF_GROUP(3) HF_GROUP(4)
  HF_GROUP(5) HF_GROUP(6) HF_GROUP(7) HF_GROUP(8) HF_GROUP(9)
  HF_GROUP(10) HF_GROUP(11) HF_GROUP(12) HF_GROUP(13) HF_GROUP(14)
  HF_GROUP(15) HF_GROUP(16) HF_GROUP(17) HF_GROUP(18) HF_GROUP(19)
  for (int i = 0; i < HF_LANES; i++) {
    e_out[i] = (uint32_t) _mm_extract_epi32(_mm_sha1nexte_epu32(saved[i], e0), 3);
    abcd[i] = _mm_add_epi32(abcd[i], abcd0);
  }
}

/* The digest's 20 bytes: A..D from the vector, E after them. */
HF_SIMD static inline __m128i HF_NAME(digest_head)(__m128i abcd) {
  const __m128i reverse = _mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  return _mm_shuffle_epi8(abcd, reverse);
}

/*
 * The base64 codes of a SHA-1 digest, one per byte: characters 0..26, then zeros (character 27
 * is '=', which the caller adds where it needs it). The 6-bit split is the multiply-shift
 * technique of Mula's base64 encoders.
 */
HF_SIMD static inline __m256i HF_NAME(base64_codes)(__m128i head, uint32_t e) {
  __m128i tail = _mm_insert_epi32(_mm_srli_si128(head, 12), (int) __builtin_bswap32(e), 1);
  __m256i in = _mm256_set_m128i(tail, head);
  const __m256i spread = _mm256_setr_epi8(
      1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10,
      1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10);
  in = _mm256_shuffle_epi8(in, spread);
  __m256i ac = _mm256_mulhi_epu16(_mm256_and_si256(in, _mm256_set1_epi32(0x0fc0fc00)),
                                  _mm256_set1_epi32(0x04000040));
  __m256i bd = _mm256_mullo_epi16(_mm256_and_si256(in, _mm256_set1_epi32(0x003f03f0)),
                                  _mm256_set1_epi32(0x01000010));
  return _mm256_or_si256(ac, bd);
}

#if HF_VBMI
/* table[code] for each byte of codes (0..63): one two-register byte permute (AVX-512 VBMI);
   table[0] holds entries 0..31, table[1] entries 32..63. */
HF_SIMD static inline __m256i HF_NAME(lookup64)(__m256i codes, const __m256i table[4]) {
  return _mm256_permutex2var_epi8(table[0], codes, table[1]);
}
#else
/* table[code] for each byte of codes (0..63): four 16-entry shuffles, picked by bits 4 and 5. */
HF_SIMD static inline __m256i HF_NAME(lookup64)(__m256i codes, const __m256i table[4]) {
  __m256i bit4 = _mm256_slli_epi16(codes, 3);
  __m256i bit5 = _mm256_slli_epi16(codes, 2);
  __m256i low = _mm256_blendv_epi8(_mm256_shuffle_epi8(table[0], codes),
                                   _mm256_shuffle_epi8(table[1], codes), bit4);
  __m256i high = _mm256_blendv_epi8(_mm256_shuffle_epi8(table[2], codes),
                                    _mm256_shuffle_epi8(table[3], codes), bit4);
  return _mm256_blendv_epi8(low, high, bit5);
}
#endif

HF_SIMD static int HF_NAME(scan_sha1)(const hf_query *query, int64_t start, int64_t end, int64_t *hits,
                         int capacity) {
  __m256i tables[3][4];
  __m256i valid[3];
  for (int k = 0; k < 3; k++) {
    const uint8_t *table = k == 0 ? query->first : k == 1 ? query->second : query->third;
    uint8_t any = 0xFF; /* anchors for which this character is not needed: set for every code */
    for (int code = 0; code < 64; code++) {
      any &= table[code];
    }
    for (int t = 0; t < 4; t++) {
#if HF_VBMI
      tables[k][t] = _mm256_loadu_si256((const __m256i *) (table + 32 * (t & 1)));
#else
      tables[k][t] =
          _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *) (table + 16 * t)));
#endif
    }
    /* Past the data characters the codes are 0: only anchors that need no character there may
       pass, so that an anchor may end on the text's last data character. */
    uint8_t mask[32];
    memset(mask, 0xFF, HF_DATA_CHARACTERS);
    memset(mask + HF_DATA_CHARACTERS, any, 32 - HF_DATA_CHARACTERS);
    valid[k] = _mm256_loadu_si256((const __m256i *) mask);
  }
  const int pass_all = query->flags & HF_PASS_ALL;

  cursor c;
  cursor_seek(&c, start);
  int found = 0;
  int64_t index = start;
  while (index < end) {
    /* SHA-NI has only legacy SSE encodings. On some Intel CPUs (and their virtual machines),
       legacy SSE beside VEX code while the upper halves of the vector registers hold data costs a
       state transition of hundreds of cycles per switch: the previous lanes' 256-bit filter left
       them dirty, so clear them before the SHA rounds (and the plain C of the cursor) run. */
    _mm256_zeroupper();
    int n = end - index < HF_LANES ? (int) (end - index) : HF_LANES;
    uint64_t words01[HF_LANES];
    uint32_t word2[HF_LANES];
    uint32_t bits[HF_LANES];
    for (int i = 0; i < HF_LANES; i++) {
      if (i < n) {
        words01[i] = c.words01;
        word2[i] = c.word2;
        bits[i] = (uint32_t) c.length * 8;
        cursor_advance(&c);
      } else { /* past the end: hash the first lane again, and ignore it */
        words01[i] = words01[0];
        word2[i] = word2[0];
        bits[i] = bits[0];
      }
    }
    __m128i abcd[HF_LANES];
    uint32_t e[HF_LANES];
    HF_NAME(sha1_lanes)(words01, word2, bits, abcd, e);
    for (int i = 0; i < n; i++) {
      __m256i codes = HF_NAME(base64_codes)(HF_NAME(digest_head)(abcd[i]), e[i]);
      if (!pass_all) {
        __m256i a = _mm256_and_si256(HF_NAME(lookup64)(codes, tables[0]), valid[0]);
        __m256i b = _mm256_and_si256(HF_NAME(lookup64)(codes, tables[1]), valid[1]);
        __m256i c3 = _mm256_and_si256(HF_NAME(lookup64)(codes, tables[2]), valid[2]);
        /* b one character on and c3 two: within each 128-bit half, and across from the upper. */
        __m256i b_next = _mm256_alignr_epi8(_mm256_permute2x128_si256(b, b, 0x81), b, 1);
        __m256i c_next = _mm256_alignr_epi8(_mm256_permute2x128_si256(c3, c3, 0x81), c3, 2);
        if (_mm256_testz_si256(a, _mm256_and_si256(b_next, c_next))) {
          continue;
        }
      }
      uint8_t text[32];
      _mm256_storeu_si256((__m256i *) text, codes);
      text[HF_DATA_CHARACTERS] = 64; /* '=' */
      if (within(query, text)) {
        hits[found++] = index + i;
        if (found == capacity) {
          return found;
        }
      }
    }
    index += n;
  }
  return found;
}

