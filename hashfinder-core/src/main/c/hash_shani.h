/*
 * SHA-1 and SHA-256 of HF_LANES one-block messages at once with the SHA-NI instructions, included
 * once per interleave: HF_SIMD is the target attribute, HF_LANES how many messages are
 * interleaved and HF_NAME(x) gives the functions their own names. One message cannot hide the
 * latency of the SHA rounds; several independent ones can, as long as they fit the registers.
 *
 * SHA-NI has only legacy SSE encodings. Compiled for a target with AVX, the moves and additions
 * around them get VEX or EVEX ones, and on some Intel CPUs that mix runs a hundred times slower
 * while the upper halves of the vector registers hold data. So the caller clears them
 * (vzeroupper) before a batch's rounds, which legacy SSE alone also needs to run at full speed,
 * the cores are never inlined into the wide code around them, and no register wider than 128
 * bits may appear in them: compiled for legacy SSE alone (HF_SIMD without AVX: xmm0-15) that
 * cannot happen; compiled for AVX-512 (EVEX moves to and from xmm16-31, so that four messages fit
 * without spilling) a compiler could still copy an array through a zmm register, which build.sh
 * checks the library for.
 */
#undef HF_SHANI_CORE
#define HF_SHANI_CORE HF_SIMD __attribute__((noinline, unused))

/* SHA-1 rounds 4g..4g+3 of every message; the function of the rounds is g / 5. */
#undef HF_SHA1_GROUP
#define HF_SHA1_GROUP(g)                                                                   \
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

/* SHA-1 of blocks[0, HF_LANES): each digest's 20 bytes to out + i * HF_STRIDE. */
HF_SHANI_CORE static void HF_NAME(sha1_ni)(const hf_block *blocks, uint8_t *out) {
  const __m128i abcd0 = _mm_set_epi32(0x67452301, (int) 0xEFCDAB89, (int) 0x98BADCFE, 0x10325476);
  const __m128i e0 = _mm_set_epi32((int) 0xC3D2E1F0, 0, 0, 0);
  __m128i msg[HF_LANES][4];
  __m128i saved[HF_LANES];
  __m128i abcd[HF_LANES];
  for (int i = 0; i < HF_LANES; i++) {
    /* W0 in the highest dword, as the SHA-1 instructions take them. */
    msg[i][0] = _mm_set_epi32((int) (blocks[i].head >> 32), (int) blocks[i].head,
                              (int) blocks[i].tail, 0);
    msg[i][1] = _mm_setzero_si128();
    msg[i][2] = _mm_setzero_si128();
    msg[i][3] = _mm_set_epi32(0, 0, 0, (int) blocks[i].bits);
    abcd[i] = abcd0;
    saved[i] = _mm_setzero_si128();
  }
  HF_SHA1_GROUP(0) HF_SHA1_GROUP(1) HF_SHA1_GROUP(2) HF_SHA1_GROUP(3) HF_SHA1_GROUP(4)
  HF_SHA1_GROUP(5) HF_SHA1_GROUP(6) HF_SHA1_GROUP(7) HF_SHA1_GROUP(8) HF_SHA1_GROUP(9)
  HF_SHA1_GROUP(10) HF_SHA1_GROUP(11) HF_SHA1_GROUP(12) HF_SHA1_GROUP(13) HF_SHA1_GROUP(14)
  HF_SHA1_GROUP(15) HF_SHA1_GROUP(16) HF_SHA1_GROUP(17) HF_SHA1_GROUP(18) HF_SHA1_GROUP(19)
  /* A..D come out with A in the highest dword: reversing the 16 bytes gives their big-endian
     bytes in order; E follows. */
  const __m128i reverse = _mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  for (int i = 0; i < HF_LANES; i++) {
    uint8_t *digest = out + i * HF_STRIDE;
    _mm_storeu_si128((__m128i *) digest,
                     _mm_shuffle_epi8(_mm_add_epi32(abcd[i], abcd0), reverse));
    uint32_t e = (uint32_t) _mm_extract_epi32(_mm_sha1nexte_epu32(saved[i], e0), 3);
    e = __builtin_bswap32(e);
    memcpy(digest + 16, &e, 4);
  }
}
#undef HF_SHA1_GROUP

/*
 * SHA-256 rounds 4g..4g+3 of every message, and the message schedule's share of them: words
 * 4(g+1).. finished with sha256msg2 and words 4(g-1).. started with sha256msg1 for later groups.
 * The state is kept as SHA-NI wants it: ABEF and CDGH.
 */
#undef HF_SHA256_GROUP
#define HF_SHA256_GROUP(g)                                                                 \
  for (int i = 0; i < HF_LANES; i++) {                                                     \
    __m128i k = _mm_add_epi32(msg[i][(g) & 3], K256[g]);                                   \
    cdgh[i] = _mm_sha256rnds2_epu32(cdgh[i], abef[i], k);                                  \
    if ((g) >= 3 && (g) <= 14) {                                                           \
      __m128i carry = _mm_alignr_epi8(msg[i][(g) & 3], msg[i][((g) - 1) & 3], 4);          \
      msg[i][((g) + 1) & 3] = _mm_sha256msg2_epu32(                                        \
          _mm_add_epi32(msg[i][((g) + 1) & 3], carry), msg[i][(g) & 3]);                   \
    }                                                                                      \
    abef[i] = _mm_sha256rnds2_epu32(abef[i], cdgh[i], _mm_shuffle_epi32(k, 0x0E));         \
    if ((g) >= 1 && (g) <= 12) {                                                           \
      msg[i][((g) - 1) & 3] = _mm_sha256msg1_epu32(msg[i][((g) - 1) & 3], msg[i][(g) & 3]); \
    }                                                                                      \
  }

/* SHA-256 of blocks[0, HF_LANES): each digest's 32 bytes to out + i * HF_STRIDE. */
HF_SHANI_CORE static void HF_NAME(sha256_ni)(const hf_block *blocks, uint8_t *out) {
  /* The round constants four at a time, the first in the lowest dword. */
  const __m128i K256[16] = {
      _mm_set_epi32((int) 0xE9B5DBA5, (int) 0xB5C0FBCF, 0x71374491, 0x428A2F98),
      _mm_set_epi32((int) 0xAB1C5ED5, (int) 0x923F82A4, 0x59F111F1, 0x3956C25B),
      _mm_set_epi32(0x550C7DC3, 0x243185BE, 0x12835B01, (int) 0xD807AA98),
      _mm_set_epi32((int) 0xC19BF174, (int) 0x9BDC06A7, (int) 0x80DEB1FE, 0x72BE5D74),
      _mm_set_epi32(0x240CA1CC, 0x0FC19DC6, (int) 0xEFBE4786, (int) 0xE49B69C1),
      _mm_set_epi32(0x76F988DA, 0x5CB0A9DC, 0x4A7484AA, 0x2DE92C6F),
      _mm_set_epi32((int) 0xBF597FC7, (int) 0xB00327C8, (int) 0xA831C66D, (int) 0x983E5152),
      _mm_set_epi32(0x14292967, 0x06CA6351, (int) 0xD5A79147, (int) 0xC6E00BF3),
      _mm_set_epi32(0x53380D13, 0x4D2C6DFC, 0x2E1B2138, 0x27B70A85),
      _mm_set_epi32((int) 0x92722C85, (int) 0x81C2C92E, 0x766A0ABB, 0x650A7354),
      _mm_set_epi32((int) 0xC76C51A3, (int) 0xC24B8B70, (int) 0xA81A664B, (int) 0xA2BFE8A1),
      _mm_set_epi32(0x106AA070, (int) 0xF40E3585, (int) 0xD6990624, (int) 0xD192E819),
      _mm_set_epi32(0x34B0BCB5, 0x2748774C, 0x1E376C08, 0x19A4C116),
      _mm_set_epi32(0x682E6FF3, 0x5B9CCA4F, 0x4ED8AA4A, 0x391C0CB3),
      _mm_set_epi32((int) 0x8CC70208, (int) 0x84C87814, 0x78A5636F, 0x748F82EE),
      _mm_set_epi32((int) 0xC67178F2, (int) 0xBEF9A3F7, (int) 0xA4506CEB, (int) 0x90BEFFFA)};
  /* The initial state as ABEF (A in the highest dword) and CDGH. */
  const __m128i abef0 = _mm_set_epi32(0x6A09E667, (int) 0xBB67AE85, 0x510E527F, (int) 0x9B05688C);
  const __m128i cdgh0 = _mm_set_epi32(0x3C6EF372, (int) 0xA54FF53A, 0x1F83D9AB, 0x5BE0CD19);
  __m128i msg[HF_LANES][4];
  __m128i abef[HF_LANES];
  __m128i cdgh[HF_LANES];
  for (int i = 0; i < HF_LANES; i++) {
    /* W0 in the lowest dword. */
    msg[i][0] = _mm_set_epi32(0, (int) blocks[i].tail, (int) blocks[i].head,
                              (int) (blocks[i].head >> 32));
    msg[i][1] = _mm_setzero_si128();
    msg[i][2] = _mm_setzero_si128();
    msg[i][3] = _mm_set_epi32((int) blocks[i].bits, 0, 0, 0);
    abef[i] = abef0;
    cdgh[i] = cdgh0;
  }
  HF_SHA256_GROUP(0) HF_SHA256_GROUP(1) HF_SHA256_GROUP(2) HF_SHA256_GROUP(3)
  HF_SHA256_GROUP(4) HF_SHA256_GROUP(5) HF_SHA256_GROUP(6) HF_SHA256_GROUP(7)
  HF_SHA256_GROUP(8) HF_SHA256_GROUP(9) HF_SHA256_GROUP(10) HF_SHA256_GROUP(11)
  HF_SHA256_GROUP(12) HF_SHA256_GROUP(13) HF_SHA256_GROUP(14) HF_SHA256_GROUP(15)
  /* Back to A..D and E..H, then each word's bytes big-endian. */
  const __m128i swap = _mm_set_epi8(12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3);
  for (int i = 0; i < HF_LANES; i++) {
    __m128i s0 = _mm_add_epi32(abef[i], abef0);
    __m128i s1 = _mm_add_epi32(cdgh[i], cdgh0);
    __m128i feba = _mm_shuffle_epi32(s0, 0x1B);
    __m128i dchg = _mm_shuffle_epi32(s1, 0xB1);
    __m128i dcba = _mm_blend_epi16(feba, dchg, 0xF0);
    __m128i hgfe = _mm_alignr_epi8(dchg, feba, 8);
    uint8_t *digest = out + i * HF_STRIDE;
    _mm_storeu_si128((__m128i *) digest, _mm_shuffle_epi8(dcba, swap));
    _mm_storeu_si128((__m128i *) (digest + 16), _mm_shuffle_epi8(hgfe, swap));
  }
}
#undef HF_SHA256_GROUP
