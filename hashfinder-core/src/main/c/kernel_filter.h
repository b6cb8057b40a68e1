/*
 * The kernel's first look at a hash text, included once per copy: HF_SIMD is the target
 * attribute, HF_VBMI 1 for the AVX-512 copy (64 characters a register, one-instruction table
 * lookups) or 0 for the AVX2 one (32 characters), HF_NAME(x) gives the copy's names.
 *
 * The digest's base64 codes are made in registers (the multiply-shift split of Mula's base64
 * encoders with AVX2; a byte permute and a multishift with VBMI), looked up in each anchor
 * character's 64-entry table, the second character's bits moved one position back and the
 * third's two, and ANDed: a bit left anywhere means an anchor occurs. The cost is the same for
 * one anchor or eight. A text longer than a register is looked at in windows that overlap by
 * four characters, so that every anchor lies wholly inside one of them.
 */

#if HF_VBMI
#define HF_WINDOW 64
#define HF_VEC __m512i
#else
#define HF_WINDOW 32
#define HF_VEC __m256i
#endif
/* Windows start every HF_WINDOW - 4 characters, that is every 3 (HF_WINDOW - 4) / 4 bytes. A
   text of d data characters needs 1 + ceil((d - HF_WINDOW + 2) / (HF_WINDOW - 4)) of them, so
   that every anchor start p < d has p + 2 in one window. */
#define HF_MAX_WINDOWS (1 + (HF_MAX_TEXT - 3) / (HF_WINDOW - 4))

/* With VBMI, a text of at most this many data characters is looked at two candidates to a
   register: the first's codes in positions 0..31, the second's in 32..63. */
#define HF_PAIR_CHARACTERS 30

typedef struct {
  int pass_all;
#if HF_VBMI
  __m512i table[3];
  __m512i pair_spread; /* the byte permute that lays out two candidates' bytes for the split */
#else
  __m256i table[3][4]; /* four 16-entry quarters of each table, for the byte shuffles */
#endif
  /* valid[w][k]: per position of window w, all ones where the text has a data character,
     else the anchors for which character k is not needed (none for the first). */
  HF_VEC valid[HF_MAX_WINDOWS][3];
} HF_NAME(filter);

/* Whether candidates with texts of data_characters are looked at two to a register. */
static inline int HF_NAME(pairs)(int data_characters) {
  return HF_VBMI && data_characters <= HF_PAIR_CHARACTERS;
}

/* How many windows a text of data_characters needs. */
static inline int HF_NAME(windows)(int data_characters) {
  int windows = 1;
  while ((windows - 1) * (HF_WINDOW - 4) + HF_WINDOW - 3 < data_characters - 1) {
    windows++;
  }
  return windows;
}

HF_SIMD static void HF_NAME(filter_init)(HF_NAME(filter) * f, const hf_query *query,
                                           int data_characters) {
  f->pass_all = query->flags & HF_PASS_ALL;
  int windows = HF_NAME(windows)(data_characters);
#if HF_VBMI
  /* Output bytes 4g..4g+3 take candidate g / 8's bytes 3j + 1, 3j, 3j + 2, 3j + 1 (j = g % 8),
     the second candidate's from the permute's second register (indices 64 and up). */
  uint8_t spread[64];
  for (int g = 0; g < 16; g++) {
    int base = 64 * (g / 8) + 3 * (g % 8);
    spread[4 * g] = (uint8_t) (base + 1);
    spread[4 * g + 1] = (uint8_t) base;
    spread[4 * g + 2] = (uint8_t) (base + 2);
    spread[4 * g + 3] = (uint8_t) (base + 1);
  }
  f->pair_spread = _mm512_loadu_si512((const void *) spread);
#endif
  for (int k = 0; k < 3; k++) {
    const uint8_t *table = k == 0 ? query->first : k == 1 ? query->second : query->third;
    uint8_t any = 0xFF; /* anchors for which this character is not needed: set for every code */
    for (int code = 0; code < 64; code++) {
      any &= table[code];
    }
#if HF_VBMI
    f->table[k] = _mm512_loadu_si512((const void *) table);
#else
    for (int t = 0; t < 4; t++) {
      f->table[k][t] =
          _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *) (table + 16 * t)));
    }
#endif
    for (int w = 0; w < windows; w++) {
      uint8_t mask[HF_WINDOW];
      for (int p = 0; p < HF_WINDOW; p++) {
        /* As two halves, each a window of its own, where candidates are looked at in pairs. */
        int position = HF_NAME(pairs)(data_characters) ? p % 32 : w * (HF_WINDOW - 4) + p;
        mask[p] = position < data_characters ? 0xFF : any;
      }
#if HF_VBMI
      f->valid[w][k] = _mm512_loadu_si512((const void *) mask);
#else
      f->valid[w][k] = _mm256_loadu_si256((const __m256i *) mask);
#endif
    }
  }
}

#if HF_VBMI
/* The codes of the 64 characters from the 48 bytes at in, each in the low 6 bits of its byte
   (the top two hold other bits: the lookups ignore them). */
HF_SIMD static inline __m512i HF_NAME(base64_codes)(const uint8_t *in) {
  const __m512i spread = _mm512_setr_epi32(
      0x01020001, 0x04050304, 0x07080607, 0x0a0b090a, 0x0d0e0c0d, 0x10110f10, 0x13141213,
      0x16171516, 0x191a1819, 0x1c1d1b1c, 0x1f201e1f, 0x22232122, 0x25262425, 0x28292728,
      0x2b2c2a2b, 0x2e2f2d2e);
  __m512i bytes = _mm512_permutexvar_epi8(spread, _mm512_loadu_si512((const void *) in));
  return _mm512_multishift_epi64_epi8(_mm512_set1_epi64(0x3036242a1016040aLL), bytes);
}

/* 0, 1, ..., 63. */
HF_SIMD static inline __m512i HF_NAME(positions)(void) {
  return _mm512_set_epi8(63, 62, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47,
                         46, 45, 44, 43, 42, 41, 40, 39, 38, 37, 36, 35, 34, 33, 32, 31, 30, 29,
                         28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11,
                         10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
}

/* Whether an anchor occurs in the text of the digest at digest (zeros after it), which has
   data_characters (a constant where this is inlined, so that the windows' loop unrolls). */
HF_SIMD static inline int HF_NAME(filter_passes)(const HF_NAME(filter) * f, const uint8_t *digest,
                                                   int data_characters) {
  int windows = HF_NAME(windows)(data_characters);
  /* next[p] = p + 1 and p + 2: where the characters one and two positions on are. */
  const __m512i next1 = _mm512_add_epi8(HF_NAME(positions)(), _mm512_set1_epi8(1));
  const __m512i next2 = _mm512_add_epi8(HF_NAME(positions)(), _mm512_set1_epi8(2));
  for (int w = 0; w < windows; w++) {
    __m512i codes = HF_NAME(base64_codes)(digest + 3 * (HF_WINDOW - 4) / 4 * w);
    __m512i a = _mm512_and_si512(_mm512_permutexvar_epi8(codes, f->table[0]), f->valid[w][0]);
    __m512i b = _mm512_and_si512(_mm512_permutexvar_epi8(codes, f->table[1]), f->valid[w][1]);
    __m512i c = _mm512_and_si512(_mm512_permutexvar_epi8(codes, f->table[2]), f->valid[w][2]);
    /* b one character on and c two; past the window's end, nothing. */
    __m512i b_next = _mm512_maskz_permutexvar_epi8(0x7FFFFFFFFFFFFFFFULL, next1, b);
    __m512i c_next = _mm512_maskz_permutexvar_epi8(0x3FFFFFFFFFFFFFFFULL, next2, c);
    if (_mm512_test_epi8_mask(a, _mm512_and_si512(b_next, c_next))) {
      return 1;
    }
  }
  return 0;
}
/*
 * filter_passes for two candidates at once, where pairs(data_characters): bit 0 of the result
 * for the digest at first, bit 1 for the one at second.
 */
HF_SIMD static inline int HF_NAME(filter_pair)(const HF_NAME(filter) * f, const uint8_t *first,
                                                 const uint8_t *second) {
  const __m512i next1 = _mm512_add_epi8(HF_NAME(positions)(), _mm512_set1_epi8(1));
  const __m512i next2 = _mm512_add_epi8(HF_NAME(positions)(), _mm512_set1_epi8(2));
  __m512i bytes = _mm512_permutex2var_epi8(_mm512_loadu_si512((const void *) first),
                                           f->pair_spread,
                                           _mm512_loadu_si512((const void *) second));
  __m512i codes =
      _mm512_multishift_epi64_epi8(_mm512_set1_epi64(0x3036242a1016040aLL), bytes);
  __m512i a = _mm512_and_si512(_mm512_permutexvar_epi8(codes, f->table[0]), f->valid[0][0]);
  __m512i b = _mm512_and_si512(_mm512_permutexvar_epi8(codes, f->table[1]), f->valid[0][1]);
  __m512i c = _mm512_and_si512(_mm512_permutexvar_epi8(codes, f->table[2]), f->valid[0][2]);
  /* b one character on and c two, within each half. */
  __m512i b_next = _mm512_maskz_permutexvar_epi8(0x7FFFFFFF7FFFFFFFULL, next1, b);
  __m512i c_next = _mm512_maskz_permutexvar_epi8(0x3FFFFFFF3FFFFFFFULL, next2, c);
  __mmask64 found = _mm512_test_epi8_mask(a, _mm512_and_si512(b_next, c_next));
  return ((uint32_t) found != 0) | ((found >> 32) != 0) << 1;
}
#else
/* The codes of the 32 characters from the 24 bytes at in, one per byte (0..63). */
HF_SIMD static inline __m256i HF_NAME(base64_codes)(const uint8_t *in) {
  __m256i bytes = _mm256_inserti128_si256(
      _mm256_castsi128_si256(_mm_loadu_si128((const __m128i *) in)),
      _mm_loadu_si128((const __m128i *) (in + 12)), 1);
  const __m256i spread = _mm256_setr_epi8(
      1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10,
      1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10);
  bytes = _mm256_shuffle_epi8(bytes, spread);
  __m256i ac = _mm256_mulhi_epu16(_mm256_and_si256(bytes, _mm256_set1_epi32(0x0fc0fc00)),
                                  _mm256_set1_epi32(0x04000040));
  __m256i bd = _mm256_mullo_epi16(_mm256_and_si256(bytes, _mm256_set1_epi32(0x003f03f0)),
                                  _mm256_set1_epi32(0x01000010));
  return _mm256_or_si256(ac, bd);
}

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

/* Whether an anchor occurs in the text of the digest at digest (zeros after it), which has
   data_characters (a constant where this is inlined, so that the windows' loop unrolls). */
HF_SIMD static inline int HF_NAME(filter_passes)(const HF_NAME(filter) * f, const uint8_t *digest,
                                                   int data_characters) {
  int windows = HF_NAME(windows)(data_characters);
  for (int w = 0; w < windows; w++) {
    __m256i codes = HF_NAME(base64_codes)(digest + 3 * (HF_WINDOW - 4) / 4 * w);
    __m256i a = _mm256_and_si256(HF_NAME(lookup64)(codes, f->table[0]), f->valid[w][0]);
    __m256i b = _mm256_and_si256(HF_NAME(lookup64)(codes, f->table[1]), f->valid[w][1]);
    __m256i c = _mm256_and_si256(HF_NAME(lookup64)(codes, f->table[2]), f->valid[w][2]);
    /* b one character on and c two: within each 128-bit half, and across from the upper. */
    __m256i b_next = _mm256_alignr_epi8(_mm256_permute2x128_si256(b, b, 0x81), b, 1);
    __m256i c_next = _mm256_alignr_epi8(_mm256_permute2x128_si256(c, c, 0x81), c, 2);
    if (!_mm256_testz_si256(a, _mm256_and_si256(b_next, c_next))) {
      return 1;
    }
  }
  return 0;
}
#endif

#undef HF_WINDOW
#undef HF_VEC
#undef HF_MAX_WINDOWS
#undef HF_PAIR_CHARACTERS
