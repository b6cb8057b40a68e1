/*
 * MD5 and SHA-512 with one message per vector lane, for digests the CPU has no instructions for:
 * 16 MD5 or 8 SHA-512 messages in an AVX-512 register, 8 or 4 in an AVX2 one, as multi-buffer
 * hashing libraries do. Included once per copy: HF_SIMD is the target attribute, HF_WIDE 1 for
 * AVX-512 (rotates and three-input logic in one instruction each) or 0 for AVX2, HF_VECTORS how
 * many registers of messages are interleaved (one round's chain of additions and rotates is
 * longer than the CPU needs to issue it) and HF_NAME(x) gives the copy's functions their names.
 */

#if HF_WIDE
#define HF_V __m512i
#define HF_V_BYTES 64
#define HF_LOAD(p) _mm512_loadu_si512((const void *) (p))
#define HF_STORE(p, v) _mm512_storeu_si512((void *) (p), v)
#define HF_ADD32 _mm512_add_epi32
#define HF_SET32(x) _mm512_set1_epi32((int) (x))
#define HF_ROL32(x, n) _mm512_rol_epi32(x, n)
#define HF_MD5_F(b, c, d) _mm512_ternarylogic_epi32(b, c, d, 0xCA) /* b ? c : d */
#define HF_MD5_G(b, c, d) _mm512_ternarylogic_epi32(d, b, c, 0xCA) /* d ? b : c */
#define HF_MD5_H(b, c, d) _mm512_ternarylogic_epi32(b, c, d, 0x96) /* b ^ c ^ d */
#define HF_MD5_I(b, c, d) _mm512_ternarylogic_epi32(b, c, d, 0x39) /* c ^ (b | ~d) */
#define HF_ADD64 _mm512_add_epi64
#define HF_SET64(x) _mm512_set1_epi64((long long) (x))
#define HF_ROR64(x, n) _mm512_ror_epi64(x, n)
#define HF_SHR64(x, n) _mm512_srli_epi64(x, n)
#define HF_XOR3_64(a, b, c) _mm512_ternarylogic_epi64(a, b, c, 0x96)
#define HF_CH64(e, f, g) _mm512_ternarylogic_epi64(e, f, g, 0xCA)
#define HF_MAJ64(a, b, c) _mm512_ternarylogic_epi64(a, b, c, 0xE8)
#else
#define HF_V __m256i
#define HF_V_BYTES 32
#define HF_LOAD(p) _mm256_loadu_si256((const __m256i *) (p))
#define HF_STORE(p, v) _mm256_storeu_si256((__m256i *) (p), v)
#define HF_ADD32 _mm256_add_epi32
#define HF_SET32(x) _mm256_set1_epi32((int) (x))
#define HF_ROL32(x, n) _mm256_or_si256(_mm256_slli_epi32(x, n), _mm256_srli_epi32(x, 32 - (n)))
#define HF_MD5_F(b, c, d) _mm256_xor_si256(_mm256_and_si256(_mm256_xor_si256(c, d), b), d)
#define HF_MD5_G(b, c, d) _mm256_xor_si256(_mm256_and_si256(_mm256_xor_si256(b, c), d), c)
#define HF_MD5_H(b, c, d) _mm256_xor_si256(_mm256_xor_si256(b, c), d)
#define HF_MD5_I(b, c, d) \
  _mm256_xor_si256(c, _mm256_or_si256(b, _mm256_xor_si256(d, _mm256_set1_epi32(-1))))
#define HF_ADD64 _mm256_add_epi64
#define HF_SET64(x) _mm256_set1_epi64x((long long) (x))
#define HF_ROR64(x, n) _mm256_or_si256(_mm256_srli_epi64(x, n), _mm256_slli_epi64(x, 64 - (n)))
#define HF_SHR64(x, n) _mm256_srli_epi64(x, n)
#define HF_XOR3_64(a, b, c) _mm256_xor_si256(_mm256_xor_si256(a, b), c)
#define HF_CH64(e, f, g) _mm256_xor_si256(_mm256_and_si256(_mm256_xor_si256(f, g), e), g)
#define HF_MAJ64(a, b, c) \
  _mm256_or_si256(_mm256_and_si256(_mm256_or_si256(a, b), c), _mm256_and_si256(a, b))
#endif

/* Messages per call: lanes of 32-bit words for MD5, of 64-bit words for SHA-512. */
#define HF_MD5_LANES (HF_VECTORS * HF_V_BYTES / 4)
#define HF_SHA512_LANES (HF_VECTORS * HF_V_BYTES / 8)

/* One MD5 step of every register: a = b + ((a + f(b, c, d) + k + m) <<< s). */
#define HF_MD5_STEP(f, a, b, c, d, m, s, k)                                                \
  for (int v = 0; v < HF_VECTORS; v++) {                                                   \
    a[v] = HF_ADD32(b[v], HF_ROL32(HF_ADD32(HF_ADD32(a[v], HF_ADD32(m[v], HF_SET32(k))),  \
                                            f(b[v], c[v], d[v])),                         \
                                   s));                                                    \
  }

/*
 * MD5 of blocks[0, HF_MD5_LANES): each digest's 16 bytes to out + i * HF_STRIDE. The block's
 * words are little-endian: 0 and 1 are the secret's bytes, 2 holds 0x80 after an 8-byte secret,
 * 14 the bit length; the other twelve are zero, and the compiler drops their additions.
 */
HF_SIMD static inline void HF_NAME(md5_lanes)(const hf_block *blocks, uint8_t *out) {
  uint32_t words[4][HF_MD5_LANES] __attribute__((aligned(64)));
  for (int i = 0; i < HF_MD5_LANES; i++) {
    words[0][i] = __builtin_bswap32((uint32_t) (blocks[i].head >> 32));
    words[1][i] = __builtin_bswap32((uint32_t) blocks[i].head);
    words[2][i] = blocks[i].tail >> 24;
    words[3][i] = blocks[i].bits;
  }
  HF_V m[16][HF_VECTORS];
  HF_V a[HF_VECTORS], b[HF_VECTORS], c[HF_VECTORS], d[HF_VECTORS];
  for (int v = 0; v < HF_VECTORS; v++) {
    for (int w = 0; w < 16; w++) {
      m[w][v] = HF_SET32(0);
    }
    m[0][v] = HF_LOAD(&words[0][v * HF_V_BYTES / 4]);
    m[1][v] = HF_LOAD(&words[1][v * HF_V_BYTES / 4]);
    m[2][v] = HF_LOAD(&words[2][v * HF_V_BYTES / 4]);
    m[14][v] = HF_LOAD(&words[3][v * HF_V_BYTES / 4]);
    a[v] = HF_SET32(0x67452301);
    b[v] = HF_SET32(0xEFCDAB89);
    c[v] = HF_SET32(0x98BADCFE);
    d[v] = HF_SET32(0x10325476);
  }
  HF_MD5_STEP(HF_MD5_F, a, b, c, d, m[0], 7, 0xD76AA478)
  HF_MD5_STEP(HF_MD5_F, d, a, b, c, m[1], 12, 0xE8C7B756)
  HF_MD5_STEP(HF_MD5_F, c, d, a, b, m[2], 17, 0x242070DB)
  HF_MD5_STEP(HF_MD5_F, b, c, d, a, m[3], 22, 0xC1BDCEEE)
  HF_MD5_STEP(HF_MD5_F, a, b, c, d, m[4], 7, 0xF57C0FAF)
  HF_MD5_STEP(HF_MD5_F, d, a, b, c, m[5], 12, 0x4787C62A)
  HF_MD5_STEP(HF_MD5_F, c, d, a, b, m[6], 17, 0xA8304613)
  HF_MD5_STEP(HF_MD5_F, b, c, d, a, m[7], 22, 0xFD469501)
  HF_MD5_STEP(HF_MD5_F, a, b, c, d, m[8], 7, 0x698098D8)
  HF_MD5_STEP(HF_MD5_F, d, a, b, c, m[9], 12, 0x8B44F7AF)
  HF_MD5_STEP(HF_MD5_F, c, d, a, b, m[10], 17, 0xFFFF5BB1)
  HF_MD5_STEP(HF_MD5_F, b, c, d, a, m[11], 22, 0x895CD7BE)
  HF_MD5_STEP(HF_MD5_F, a, b, c, d, m[12], 7, 0x6B901122)
  HF_MD5_STEP(HF_MD5_F, d, a, b, c, m[13], 12, 0xFD987193)
  HF_MD5_STEP(HF_MD5_F, c, d, a, b, m[14], 17, 0xA679438E)
  HF_MD5_STEP(HF_MD5_F, b, c, d, a, m[15], 22, 0x49B40821)
  HF_MD5_STEP(HF_MD5_G, a, b, c, d, m[1], 5, 0xF61E2562)
  HF_MD5_STEP(HF_MD5_G, d, a, b, c, m[6], 9, 0xC040B340)
  HF_MD5_STEP(HF_MD5_G, c, d, a, b, m[11], 14, 0x265E5A51)
  HF_MD5_STEP(HF_MD5_G, b, c, d, a, m[0], 20, 0xE9B6C7AA)
  HF_MD5_STEP(HF_MD5_G, a, b, c, d, m[5], 5, 0xD62F105D)
  HF_MD5_STEP(HF_MD5_G, d, a, b, c, m[10], 9, 0x02441453)
  HF_MD5_STEP(HF_MD5_G, c, d, a, b, m[15], 14, 0xD8A1E681)
  HF_MD5_STEP(HF_MD5_G, b, c, d, a, m[4], 20, 0xE7D3FBC8)
  HF_MD5_STEP(HF_MD5_G, a, b, c, d, m[9], 5, 0x21E1CDE6)
  HF_MD5_STEP(HF_MD5_G, d, a, b, c, m[14], 9, 0xC33707D6)
  HF_MD5_STEP(HF_MD5_G, c, d, a, b, m[3], 14, 0xF4D50D87)
  HF_MD5_STEP(HF_MD5_G, b, c, d, a, m[8], 20, 0x455A14ED)
  HF_MD5_STEP(HF_MD5_G, a, b, c, d, m[13], 5, 0xA9E3E905)
  HF_MD5_STEP(HF_MD5_G, d, a, b, c, m[2], 9, 0xFCEFA3F8)
  HF_MD5_STEP(HF_MD5_G, c, d, a, b, m[7], 14, 0x676F02D9)
  HF_MD5_STEP(HF_MD5_G, b, c, d, a, m[12], 20, 0x8D2A4C8A)
  HF_MD5_STEP(HF_MD5_H, a, b, c, d, m[5], 4, 0xFFFA3942)
  HF_MD5_STEP(HF_MD5_H, d, a, b, c, m[8], 11, 0x8771F681)
  HF_MD5_STEP(HF_MD5_H, c, d, a, b, m[11], 16, 0x6D9D6122)
  HF_MD5_STEP(HF_MD5_H, b, c, d, a, m[14], 23, 0xFDE5380C)
  HF_MD5_STEP(HF_MD5_H, a, b, c, d, m[1], 4, 0xA4BEEA44)
  HF_MD5_STEP(HF_MD5_H, d, a, b, c, m[4], 11, 0x4BDECFA9)
  HF_MD5_STEP(HF_MD5_H, c, d, a, b, m[7], 16, 0xF6BB4B60)
  HF_MD5_STEP(HF_MD5_H, b, c, d, a, m[10], 23, 0xBEBFBC70)
  HF_MD5_STEP(HF_MD5_H, a, b, c, d, m[13], 4, 0x289B7EC6)
  HF_MD5_STEP(HF_MD5_H, d, a, b, c, m[0], 11, 0xEAA127FA)
  HF_MD5_STEP(HF_MD5_H, c, d, a, b, m[3], 16, 0xD4EF3085)
  HF_MD5_STEP(HF_MD5_H, b, c, d, a, m[6], 23, 0x04881D05)
  HF_MD5_STEP(HF_MD5_H, a, b, c, d, m[9], 4, 0xD9D4D039)
  HF_MD5_STEP(HF_MD5_H, d, a, b, c, m[12], 11, 0xE6DB99E5)
  HF_MD5_STEP(HF_MD5_H, c, d, a, b, m[15], 16, 0x1FA27CF8)
  HF_MD5_STEP(HF_MD5_H, b, c, d, a, m[2], 23, 0xC4AC5665)
  HF_MD5_STEP(HF_MD5_I, a, b, c, d, m[0], 6, 0xF4292244)
  HF_MD5_STEP(HF_MD5_I, d, a, b, c, m[7], 10, 0x432AFF97)
  HF_MD5_STEP(HF_MD5_I, c, d, a, b, m[14], 15, 0xAB9423A7)
  HF_MD5_STEP(HF_MD5_I, b, c, d, a, m[5], 21, 0xFC93A039)
  HF_MD5_STEP(HF_MD5_I, a, b, c, d, m[12], 6, 0x655B59C3)
  HF_MD5_STEP(HF_MD5_I, d, a, b, c, m[3], 10, 0x8F0CCC92)
  HF_MD5_STEP(HF_MD5_I, c, d, a, b, m[10], 15, 0xFFEFF47D)
  HF_MD5_STEP(HF_MD5_I, b, c, d, a, m[1], 21, 0x85845DD1)
  HF_MD5_STEP(HF_MD5_I, a, b, c, d, m[8], 6, 0x6FA87E4F)
  HF_MD5_STEP(HF_MD5_I, d, a, b, c, m[15], 10, 0xFE2CE6E0)
  HF_MD5_STEP(HF_MD5_I, c, d, a, b, m[6], 15, 0xA3014314)
  HF_MD5_STEP(HF_MD5_I, b, c, d, a, m[13], 21, 0x4E0811A1)
  HF_MD5_STEP(HF_MD5_I, a, b, c, d, m[4], 6, 0xF7537E82)
  HF_MD5_STEP(HF_MD5_I, d, a, b, c, m[11], 10, 0xBD3AF235)
  HF_MD5_STEP(HF_MD5_I, c, d, a, b, m[2], 15, 0x2AD7D2BB)
  HF_MD5_STEP(HF_MD5_I, b, c, d, a, m[9], 21, 0xEB86D391)
  uint32_t state[4][HF_MD5_LANES] __attribute__((aligned(64)));
  for (int v = 0; v < HF_VECTORS; v++) {
    HF_STORE(&state[0][v * HF_V_BYTES / 4], HF_ADD32(a[v], HF_SET32(0x67452301)));
    HF_STORE(&state[1][v * HF_V_BYTES / 4], HF_ADD32(b[v], HF_SET32(0xEFCDAB89)));
    HF_STORE(&state[2][v * HF_V_BYTES / 4], HF_ADD32(c[v], HF_SET32(0x98BADCFE)));
    HF_STORE(&state[3][v * HF_V_BYTES / 4], HF_ADD32(d[v], HF_SET32(0x10325476)));
  }
  /* The digest is A..D, each little-endian: as they lie in memory on this CPU. */
  for (int i = 0; i < HF_MD5_LANES; i++) {
    uint32_t digest[4] = {state[0][i], state[1][i], state[2][i], state[3][i]};
    memcpy(out + i * HF_STRIDE, digest, 16);
  }
}
#undef HF_MD5_STEP

/* SHA-512's round constants. */
#ifndef HF_SHA512_K_DEFINED
#define HF_SHA512_K_DEFINED
static const uint64_t HF_SHA512_K[80] = {
    0x428A2F98D728AE22ULL, 0x7137449123EF65CDULL, 0xB5C0FBCFEC4D3B2FULL, 0xE9B5DBA58189DBBCULL,
    0x3956C25BF348B538ULL, 0x59F111F1B605D019ULL, 0x923F82A4AF194F9BULL, 0xAB1C5ED5DA6D8118ULL,
    0xD807AA98A3030242ULL, 0x12835B0145706FBEULL, 0x243185BE4EE4B28CULL, 0x550C7DC3D5FFB4E2ULL,
    0x72BE5D74F27B896FULL, 0x80DEB1FE3B1696B1ULL, 0x9BDC06A725C71235ULL, 0xC19BF174CF692694ULL,
    0xE49B69C19EF14AD2ULL, 0xEFBE4786384F25E3ULL, 0x0FC19DC68B8CD5B5ULL, 0x240CA1CC77AC9C65ULL,
    0x2DE92C6F592B0275ULL, 0x4A7484AA6EA6E483ULL, 0x5CB0A9DCBD41FBD4ULL, 0x76F988DA831153B5ULL,
    0x983E5152EE66DFABULL, 0xA831C66D2DB43210ULL, 0xB00327C898FB213FULL, 0xBF597FC7BEEF0EE4ULL,
    0xC6E00BF33DA88FC2ULL, 0xD5A79147930AA725ULL, 0x06CA6351E003826FULL, 0x142929670A0E6E70ULL,
    0x27B70A8546D22FFCULL, 0x2E1B21385C26C926ULL, 0x4D2C6DFC5AC42AEDULL, 0x53380D139D95B3DFULL,
    0x650A73548BAF63DEULL, 0x766A0ABB3C77B2A8ULL, 0x81C2C92E47EDAEE6ULL, 0x92722C851482353BULL,
    0xA2BFE8A14CF10364ULL, 0xA81A664BBC423001ULL, 0xC24B8B70D0F89791ULL, 0xC76C51A30654BE30ULL,
    0xD192E819D6EF5218ULL, 0xD69906245565A910ULL, 0xF40E35855771202AULL, 0x106AA07032BBD1B8ULL,
    0x19A4C116B8D2D0C8ULL, 0x1E376C085141AB53ULL, 0x2748774CDF8EEB99ULL, 0x34B0BCB5E19B48A8ULL,
    0x391C0CB3C5C95A63ULL, 0x4ED8AA4AE3418ACBULL, 0x5B9CCA4F7763E373ULL, 0x682E6FF3D6B2B8A3ULL,
    0x748F82EE5DEFB2FCULL, 0x78A5636F43172F60ULL, 0x84C87814A1F0AB72ULL, 0x8CC702081A6439ECULL,
    0x90BEFFFA23631E28ULL, 0xA4506CEBDE82BDE9ULL, 0xBEF9A3F7B2C67915ULL, 0xC67178F2E372532BULL,
    0xCA273ECEEA26619CULL, 0xD186B8C721C0C207ULL, 0xEADA7DD6CDE0EB1EULL, 0xF57D4F7FEE6ED178ULL,
    0x06F067AA72176FBAULL, 0x0A637DC5A2C898A6ULL, 0x113F9804BEF90DAEULL, 0x1B710B35131C471BULL,
    0x28DB77F523047D84ULL, 0x32CAAB7B40C72493ULL, 0x3C9EBE0A15C9BEBCULL, 0x431D67C49C100D4CULL,
    0x4CC5D4BECB3E42B6ULL, 0x597F299CFC657E2AULL, 0x5FCB6FAB3AD6FAECULL, 0x6C44198C4A475817ULL};
static const uint64_t HF_SHA512_H0[8] = {
    0x6A09E667F3BCC908ULL, 0xBB67AE8584CAA73BULL, 0x3C6EF372FE94F82BULL, 0xA54FF53A5F1D36F1ULL,
    0x510E527FADE682D1ULL, 0x9B05688C2B3E6C1FULL, 0x1F83D9ABFB41BD6BULL, 0x5BE0CD19137E2179ULL};
#endif

/*
 * One SHA-512 round t of every register, the schedule's word t first where t >= 16. The eight
 * working variables rotate by name from round to round, so no value is moved.
 */
#define HF_SHA512_ROUND(a, b, c, d, e, f, g, h, t)                                         \
  for (int v = 0; v < HF_VECTORS; v++) {                                                   \
    if ((t) >= 16) {                                                                       \
      HF_V w2 = w[((t) - 2) & 15][v];                                                      \
      HF_V w15 = w[((t) - 15) & 15][v];                                                    \
      HF_V s1 = HF_XOR3_64(HF_ROR64(w2, 19), HF_ROR64(w2, 61), HF_SHR64(w2, 6));          \
      HF_V s0 = HF_XOR3_64(HF_ROR64(w15, 1), HF_ROR64(w15, 8), HF_SHR64(w15, 7));         \
      w[(t) & 15][v] =                                                                     \
          HF_ADD64(HF_ADD64(w[(t) & 15][v], s0), HF_ADD64(w[((t) - 7) & 15][v], s1));      \
    }                                                                                      \
    HF_V t1 = HF_ADD64(HF_ADD64(h[v], HF_ADD64(w[(t) & 15][v], HF_SET64(HF_SHA512_K[t]))),   \
                       HF_ADD64(HF_XOR3_64(HF_ROR64(e[v], 14), HF_ROR64(e[v], 18),          \
                                           HF_ROR64(e[v], 41)),                            \
                                HF_CH64(e[v], f[v], g[v])));                               \
    HF_V t2 = HF_ADD64(HF_XOR3_64(HF_ROR64(a[v], 28), HF_ROR64(a[v], 34), HF_ROR64(a[v], 39)), \
                       HF_MAJ64(a[v], b[v], c[v]));                                        \
    d[v] = HF_ADD64(d[v], t1);                                                             \
    h[v] = HF_ADD64(t1, t2);                                                               \
  }
#define HF_SHA512_EIGHT(t)                                \
  HF_SHA512_ROUND(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], (t))     \
  HF_SHA512_ROUND(s[7], s[0], s[1], s[2], s[3], s[4], s[5], s[6], (t) + 1) \
  HF_SHA512_ROUND(s[6], s[7], s[0], s[1], s[2], s[3], s[4], s[5], (t) + 2) \
  HF_SHA512_ROUND(s[5], s[6], s[7], s[0], s[1], s[2], s[3], s[4], (t) + 3) \
  HF_SHA512_ROUND(s[4], s[5], s[6], s[7], s[0], s[1], s[2], s[3], (t) + 4) \
  HF_SHA512_ROUND(s[3], s[4], s[5], s[6], s[7], s[0], s[1], s[2], (t) + 5) \
  HF_SHA512_ROUND(s[2], s[3], s[4], s[5], s[6], s[7], s[0], s[1], (t) + 6) \
  HF_SHA512_ROUND(s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[0], (t) + 7)

/*
 * SHA-512 of blocks[0, HF_SHA512_LANES): each digest's 64 bytes to out + i * HF_STRIDE. The
 * 128-byte block's words are big-endian: 0 is the secret, 1 holds 0x80 after an 8-byte secret,
 * 15 the bit length; the other thirteen are zero until the schedule fills them.
 */
HF_SIMD static inline void HF_NAME(sha512_lanes)(const hf_block *blocks, uint8_t *out) {
  uint64_t words[3][HF_SHA512_LANES] __attribute__((aligned(64)));
  for (int i = 0; i < HF_SHA512_LANES; i++) {
    words[0][i] = blocks[i].head;
    words[1][i] = (uint64_t) blocks[i].tail << 32;
    words[2][i] = blocks[i].bits;
  }
  HF_V w[16][HF_VECTORS];
  HF_V s[8][HF_VECTORS];
  for (int v = 0; v < HF_VECTORS; v++) {
    for (int j = 0; j < 16; j++) {
      w[j][v] = HF_SET64(0);
    }
    w[0][v] = HF_LOAD(&words[0][v * HF_V_BYTES / 8]);
    w[1][v] = HF_LOAD(&words[1][v * HF_V_BYTES / 8]);
    w[15][v] = HF_LOAD(&words[2][v * HF_V_BYTES / 8]);
    for (int j = 0; j < 8; j++) {
      s[j][v] = HF_SET64(HF_SHA512_H0[j]);
    }
  }
  HF_SHA512_EIGHT(0) HF_SHA512_EIGHT(8) HF_SHA512_EIGHT(16) HF_SHA512_EIGHT(24)
  HF_SHA512_EIGHT(32) HF_SHA512_EIGHT(40) HF_SHA512_EIGHT(48) HF_SHA512_EIGHT(56)
  HF_SHA512_EIGHT(64) HF_SHA512_EIGHT(72)
  uint64_t state[8][HF_SHA512_LANES] __attribute__((aligned(64)));
  for (int v = 0; v < HF_VECTORS; v++) {
    for (int j = 0; j < 8; j++) {
      HF_STORE(&state[j][v * HF_V_BYTES / 8], HF_ADD64(s[j][v], HF_SET64(HF_SHA512_H0[j])));
    }
  }
  for (int i = 0; i < HF_SHA512_LANES; i++) {
    uint64_t digest[8];
    for (int j = 0; j < 8; j++) {
      digest[j] = __builtin_bswap64(state[j][i]);
    }
    memcpy(out + i * HF_STRIDE, digest, 64);
  }
}
#undef HF_SHA512_ROUND
#undef HF_SHA512_EIGHT

#undef HF_V
#undef HF_V_BYTES
#undef HF_LOAD
#undef HF_STORE
#undef HF_ADD32
#undef HF_SET32
#undef HF_ROL32
#undef HF_MD5_F
#undef HF_MD5_G
#undef HF_MD5_H
#undef HF_MD5_I
#undef HF_ADD64
#undef HF_SET64
#undef HF_ROR64
#undef HF_SHR64
#undef HF_XOR3_64
#undef HF_CH64
#undef HF_MAJ64
#undef HF_MD5_LANES
#undef HF_SHA512_LANES
