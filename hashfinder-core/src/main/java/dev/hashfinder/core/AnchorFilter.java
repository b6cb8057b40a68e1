package dev.hashfinder.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A branch-free first look at a digest that rejects almost every candidate before any window is
 * counted, working on the digest bytes in SIMD-within-a-register style.
 *
 * <p>The digest's bits are read as {@code long}s of ten 6-bit lanes, each lane one base64
 * character ({@link #pack}). By the pigeonhole principle (see {@link
 * WindowMatcher}), a window within distance k of the target matches one of k + 1 pieces of it
 * exactly, so it matches that piece's <em>anchor</em>, the run of adjacent characters of the piece
 * least likely to occur, somewhere in the text: a run of three ({@code TripleFilter}) when every
 * piece that can match has three characters or more and there are at most {@link #MAX_TRIPLES}
 * pieces, else a pair. For pairs, lanes equal to a character are found for all ten lanes at once
 * with a XOR and the exact zero-lane test {@code ~(((y & M) + M) | y | M) & H}; an anchor occurs
 * where its first character's lanes meet its second's, shifted by one lane. A candidate with no
 * anchor anywhere cannot qualify; the rest (a few percent) go to the exact count. It never rejects
 * a candidate that qualifies.
 *
 * <p>Padding characters ({@code '='}) are not in the lanes: a piece whose anchor needs one is not
 * filtered, and neither is a piece of one character matching a padding-only code. Immutable and
 * thread-safe.
 */
final class AnchorFilter {
  /** Lanes per long: ten 6-bit characters in the low 60 bits. */
  static final int LANES = 10;
  /** The lowest bit of each lane. */
  private static final long ONES = 0x041041041041041L;
  private static final long LOW5 = 0x1F * ONES;
  private static final long HIGH = 0x20 * ONES;
  /** Shifts the first lane's bits onto the last lane's. */
  private static final int FIRST_TO_LAST = 6 * (LANES - 1);

  private static final VarHandle LONG_BE =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  private final int longs;
  /** Per long: the high bit of each lane that holds a character of the hash text. */
  private final long[] valid;
  /** Per anchor: both case variants of its first and second character, broadcast. */
  private final long[] first1;
  private final long[] first2;
  private final long[] second1;
  private final long[] second2;
  private final boolean[] single; // a one-character anchor (a piece of length one)
  private final boolean passAll;
  private final boolean rejectAll;
  /**
   * The triple filter, used when every piece that can match has three characters or more and
   * there are at most {@link #MAX_TRIPLES} of them; null: the pair anchors above.
   */
  private final @Nullable TripleFilter triples;

  /** The most pieces the triple filter takes: two bits of a byte each. */
  static final int MAX_TRIPLES = 4;

  /**
   * Builds the filter, or one that passes everything when it cannot help.
   *
   * @param target code points of the target
   * @param pieceStarts where each piece starts; the last ends at the target's end
   * @param dataCharacters how many characters of the hash text come from digest bits (not '=')
   */
  AnchorFilter(int[] target, int[] pieceStarts, int dataCharacters) {
    this.longs = (dataCharacters + LANES - 1) / LANES;
    this.valid = new long[longs];
    for (int j = 0; j < longs; j++) {
      int lanes = Math.min(LANES, dataCharacters - LANES * j);
      for (int q = 0; q < lanes; q++) {
        valid[j] |= 0x20L << (6 * (LANES - 1 - q));
      }
    }
    List<long[]> anchors = new ArrayList<>();
    boolean unfilterable = pieceStarts.length == 0;
    for (int i = 0; i < pieceStarts.length && !unfilterable; i++) {
      int start = pieceStarts[i];
      int end = i + 1 < pieceStarts.length ? pieceStarts[i + 1] : target.length;
      long[] anchor = anchor(target, start, end);
      if (anchor == null) {
        unfilterable = true; // needs '=': leave this query to the exact count
      } else if (anchor.length > 0) {
        anchors.add(anchor);
      } // else: the piece can never match, so it cannot be the exact one; leave it out
    }
    this.passAll = unfilterable;
    this.rejectAll = !unfilterable && anchors.isEmpty();
    this.triples = unfilterable || anchors.isEmpty()
        ? null : TripleFilter.of(target, pieceStarts, dataCharacters, longs);
    int n = anchors.size();
    first1 = new long[n];
    first2 = new long[n];
    second1 = new long[n];
    second2 = new long[n];
    single = new boolean[n];
    for (int i = 0; i < n; i++) {
      long[] anchor = anchors.get(i);
      first1[i] = anchor[0];
      first2[i] = anchor[1];
      single[i] = anchor.length == 2;
      second1[i] = single[i] ? 0 : anchor[2];
      second2[i] = single[i] ? 0 : anchor[3];
    }
  }

  /**
   * The anchor of {@code target[start, end)}: broadcast codes of the rarest adjacent pair (or the
   * single character); an empty array if some character never matches; null if the anchor would
   * need a padding character.
   */
  private static long @Nullable [] anchor(int[] target, int start, int end) {
    int[][] codes = pieceCodes(target, start, end);
    if (codes == null) {
      return new long[0];
    }
    if (codes.length == 1) {
      return codes[0].length == 0
          ? null : new long[] {broadcast(codes[0], 0), broadcast(codes[0], 1)};
    }
    int best = rarestRun(codes, 2);
    if (best < 0) {
      return null;
    }
    return new long[] {broadcast(codes[best], 0), broadcast(codes[best], 1),
        broadcast(codes[best + 1], 0), broadcast(codes[best + 1], 1)};
  }

  /**
   * The {@link #dataCodes} of each character of {@code target[start, end)}, or null if one of
   * them matches nothing at all, so that the piece can never match exactly.
   */
  static int @Nullable [][] pieceCodes(int[] target, int start, int end) {
    int[][] codes = new int[end - start][];
    for (int j = start; j < end; j++) {
      codes[j - start] = dataCodes(target[j]);
      if (codes[j - start] == null) {
        return null;
      }
    }
    return codes;
  }

  /**
   * Where a piece's rarest run of {@code length} adjacent characters starts: of the runs without
   * '=' (not in the lanes), the first whose characters match the fewest codes together; -1 if
   * there is none.
   *
   * @param codes the piece's {@link #pieceCodes}
   */
  static int rarestRun(int[][] codes, int length) {
    int best = -1;
    long bestWeight = Long.MAX_VALUE;
    for (int at = 0; at + length <= codes.length; at++) {
      long weight = 1;
      for (int k = 0; k < length; k++) {
        weight *= codes[at + k].length;
      }
      if (weight > 0 && weight < bestWeight) { // 0: a run with '='
        best = at;
        bestWeight = weight;
      }
    }
    return best;
  }

  /**
   * The data codes (0..63) a target character matches: two for a letter, one for a digit, '+'
   * or '/'; none for '=' (an empty array: padding only); null if it matches nothing at all.
   */
  static int @Nullable [] dataCodes(int c) {
    List<Integer> codes = new ArrayList<>(2);
    for (int code = 0; code < 64; code++) {
      if (HashText.matches(c, code)) {
        codes.add(code);
      }
    }
    if (codes.isEmpty()) {
      return HashText.matches(c, HashText.PAD) ? new int[0] : null;
    }
    return codes.stream().mapToInt(Integer::intValue).toArray();
  }

  private static long broadcast(int[] codes, int which) {
    return codes[Math.min(which, codes.length - 1)] * ONES;
  }

  /** Longs {@link #pack} fills for a digest of {@code digestLength} bytes. */
  static int longsFor(int digestLength) {
    return (HashText.dataCharacters(digestLength) + LANES - 1) / LANES;
  }

  /**
   * The buffer length {@link #pack} needs for a digest of {@code digestLength} bytes: the digest,
   * then zeros, so that every 8-byte read it makes stays inside.
   */
  static int paddedLength(int digestLength) {
    return (longsFor(digestLength) * LANES * 6 + 7) / 8 + 8;
  }

  /**
   * Reads the digest's bits, 60 at a time, into longs of ten lanes: lane q of long j is the
   * character 10j + q of the base64 text. {@code digest} must be {@link #paddedLength} long, with
   * zeros after the digest.
   */
  static void pack(byte[] digest, long[] packed) {
    for (int j = 0; j < packed.length; j++) {
      int bit = j * LANES * 6;
      long word = (long) LONG_BE.get(digest, bit >>> 3);
      packed[j] = (word << (bit & 7)) >>> 4;
    }
  }

  /** Whether the candidate may qualify: false only if no window can. */
  boolean mayQualify(long[] packed) {
    if (triples != null) {
      return triples.mayQualify(packed);
    }
    if (passAll) {
      return true;
    }
    if (rejectAll) {
      return false;
    }
    for (int i = 0; i < first1.length; i++) {
      if (occurs(packed, i)) {
        return true;
      }
    }
    return false;
  }

  private boolean occurs(long[] packed, int anchor) {
    long a1 = first1[anchor];
    long a2 = first2[anchor];
    if (single[anchor]) {
      long found = 0;
      for (int j = 0; j < longs; j++) {
        found |= lanesEqual(packed[j], a1, a2) & valid[j];
      }
      return found != 0;
    }
    long b1 = second1[anchor];
    long b2 = second2[anchor];
    long found = 0;
    long next = lanesEqual(packed[0], b1, b2) & valid[0];
    for (int j = 0; j < longs; j++) {
      long second = next;
      next = j + 1 < longs ? lanesEqual(packed[j + 1], b1, b2) & valid[j + 1] : 0;
      // The second character one lane on: within the long, or the first lane of the next one.
      found |= lanesEqual(packed[j], a1, a2) & valid[j] & (second << 6 | next >>> FIRST_TO_LAST);
    }
    return found != 0;
  }

  /** The high bit of every lane of {@code x} that equals the lanes of {@code v1} or {@code v2}. */
  private static long lanesEqual(long x, long v1, long v2) {
    long y1 = x ^ v1;
    long y2 = x ^ v2;
    return ~((((y1 & LOW5) + LOW5) | y1 | LOW5) & (((y2 & LOW5) + LOW5) | y2 | LOW5)) & HIGH;
  }

  /** Whether the triple filter is in use, for tests. */
  boolean usesTriples() {
    return triples != null;
  }

  /**
   * A filter whose cost does not grow with the distance: each piece's anchor is its rarest run of
   * three characters, and every run of three in the text contains a pair of characters that
   * starts on an even position. So the text's pairs at even positions, 12 bits each and never
   * split across two longs, are looked up in one table that marks the first two and the last two
   * characters of every anchor: one lookup per two characters, whatever the number of pieces.
   * The few texts with a marked pair (a few percent) have the run around it checked; only those
   * with a whole anchor go on to the exact count.
   */
  private static final class TripleFilter {
    private static final int PAIRS = 1 << 12;
    private static final int MASK = PAIRS - 1;
    /** Data characters of a SHA-1 (20-byte) text: 27, so even pairs start at 0, 2, ..., 24. */
    private static final int SHA1_CHARACTERS = HashText.dataCharacters(20);

    /** Bit i: some even pair is anchor i's first two characters; bit i + 4: its last two. */
    private final byte[] table;
    /** matches[i][k * 64 + code]: anchor i's character k matches that code. */
    private final boolean[][] matches;
    private final int longs;
    /** Even positions q with q + 1 a data character: q = 0, 2, ..., lastPair. */
    private final int lastPair;
    private final int dataCharacters;

    private TripleFilter(byte[] table, boolean[][] matches, int longs, int dataCharacters) {
      this.table = table;
      this.matches = matches;
      this.longs = longs;
      this.dataCharacters = dataCharacters;
      this.lastPair = (dataCharacters - 2) & ~1;
    }

    /**
     * The triple filter for these pieces, or null if a piece that can match is shorter than
     * three characters or needs '=' in every run of three, or there are too many pieces.
     */
    static @Nullable TripleFilter of(
        int[] target, int[] pieceStarts, int dataCharacters, int longs) {
      if (pieceStarts.length > MAX_TRIPLES || dataCharacters < 3) {
        return null;
      }
      byte[] table = new byte[PAIRS];
      List<boolean[]> anchors = new ArrayList<>();
      for (int i = 0; i < pieceStarts.length; i++) {
        int start = pieceStarts[i];
        int end = i + 1 < pieceStarts.length ? pieceStarts[i + 1] : target.length;
        int[][] codes = pieceCodes(target, start, end);
        if (codes == null) {
          continue; // never matches exactly, so no qualifying text needs its anchor
        }
        int best = rarestRun(codes, 3);
        if (best < 0) {
          return null; // shorter than three, or '=' in every run of three
        }
        int bit = anchors.size();
        boolean[] anchor = new boolean[3 * 64];
        for (int k = 0; k < 3; k++) {
          for (int code : codes[best + k]) {
            anchor[k * 64 + code] = true;
          }
        }
        for (int first : codes[best]) {
          for (int second : codes[best + 1]) {
            table[first << 6 | second] |= (byte) (1 << bit);
          }
        }
        for (int second : codes[best + 1]) {
          for (int third : codes[best + 2]) {
            table[second << 6 | third] |= (byte) (1 << (bit + MAX_TRIPLES));
          }
        }
        anchors.add(anchor);
      }
      return anchors.isEmpty()
          ? null : new TripleFilter(table, anchors.toArray(new boolean[0][]), longs, dataCharacters);
    }

    boolean mayQualify(long[] packed) {
      byte[] table = this.table;
      if (dataCharacters == SHA1_CHARACTERS) {
        // SHA-1, the default, written out: thirteen pairs in three longs, no loop to run.
        long a = packed[0];
        long b = packed[1];
        long c = packed[2];
        int marks = table[(int) (a >>> 48) & MASK] | table[(int) (a >>> 36) & MASK]
            | table[(int) (a >>> 24) & MASK] | table[(int) (a >>> 12) & MASK]
            | table[(int) a & MASK]
            | table[(int) (b >>> 48) & MASK] | table[(int) (b >>> 36) & MASK]
            | table[(int) (b >>> 24) & MASK] | table[(int) (b >>> 12) & MASK]
            | table[(int) b & MASK]
            | table[(int) (c >>> 48) & MASK] | table[(int) (c >>> 36) & MASK]
            | table[(int) (c >>> 24) & MASK];
        return marks != 0 && wholeAnchor(packed);
      }
      int marks = 0;
      int q = 0;
      for (int j = 0; j < longs; j++) {
        long x = packed[j];
        for (int shift = 48; shift >= 0 && q <= lastPair; shift -= 12, q += 2) {
          marks |= table[(int) (x >>> shift) & (PAIRS - 1)];
        }
      }
      return marks != 0 && wholeAnchor(packed);
    }

    /**
     * The second look, for the few texts with a marked pair: is the character that completes
     * the anchor next to it? A pair marked as an anchor's first two needs its third after it, one
     * marked as its last two its first before it.
     */
    private boolean wholeAnchor(long[] packed) {
      for (int q = 0; q <= lastPair; q += 2) {
        int marks = table[(code(packed, q) << 6 | code(packed, q + 1))] & 0xff;
        for (; marks != 0; marks &= marks - 1) {
          int bit = Integer.numberOfTrailingZeros(marks);
          boolean found = bit < MAX_TRIPLES
              ? q + 2 < dataCharacters && matches[bit][128 + code(packed, q + 2)]
              : q >= 1 && matches[bit - MAX_TRIPLES][code(packed, q - 1)];
          if (found) {
            return true;
          }
        }
      }
      return false;
    }

    private static int code(long[] packed, int character) {
      return (int) (packed[character / LANES] >>> (6 * (LANES - 1 - character % LANES))) & 63;
    }
  }
}
