package dev.hashfinder.core;

import static com.google.common.base.Preconditions.checkArgument;
import static dev.hashfinder.core.HashText.CODES;
import static dev.hashfinder.core.HashText.PAD;

/**
 * Decides how close the base64 text of a digest comes to a target, working on the digest bytes:
 * no base64 string is built unless a candidate qualifies.
 *
 * <p>The hash text is turned into <em>codes</em>, one per character: 0..63 for the base64
 * alphabet and {@link HashText#PAD} for {@code '='}. A target character matches a set of codes (a
 * letter both cases, a digit or symbol one code, anything else none), held as a table.
 *
 * <p>Two stages decide "is the distance at most the threshold?". Both rest on the pigeonhole
 * principle: split the target into {@code threshold + 1} pieces; a window with at most {@code
 * threshold} mismatches matches at least one piece exactly. First {@link #mayQualify}, on the
 * packed digest ({@link AnchorFilter}), rejects almost every candidate without a branch. Then
 * {@link #within}, on the decoded codes, finds with one table lookup per text position the pieces
 * whose first character matches there, and counts only those windows, stopping at the first
 * mismatch too many. {@link #distance} gives the exact distance of a candidate that qualified.
 *
 * <p>Immutable and thread-safe; callers pass their own code buffers.
 */
final class WindowMatcher {

  private final int digestLength;
  private final int textLength;
  private final int targetLength;
  private final int threshold;
  /** matches[j * CODES + code]: whether target position j matches that code. */
  private final boolean[] matches;
  /** Bit i of anchors[code]: piece i's first character matches that code. */
  private final long[] anchors;
  /** The target position where piece i starts. */
  private final int[] pieceStarts;
  /** Every window qualifies: the threshold is at least the target length. */
  private final boolean always;
  /** More pieces than fit a {@code long}: count every window instead of filtering. */
  private final boolean unfiltered;
  /** The branch-free first look, on packed digest bytes. */
  private final AnchorFilter filter;

  /**
   * Creates a matcher.
   *
   * @param target the target, at most as long (in code points) as the hash text
   * @param threshold the largest distance {@link #within} accepts
   * @param digestLength the digest's length in bytes
   */
  WindowMatcher(String target, int threshold, int digestLength) {
    this.digestLength = digestLength;
    this.textLength = HashText.textLength(digestLength);
    int[] codePoints = target.codePoints().toArray();
    this.targetLength = codePoints.length;
    checkArgument(targetLength >= 1 && targetLength <= textLength,
        "target length %s not in [1, %s]", targetLength, textLength);
    this.threshold = threshold;
    this.matches = new boolean[targetLength * CODES];
    for (int j = 0; j < targetLength; j++) {
      for (int code = 0; code < CODES; code++) {
        matches[j * CODES + code] = HashText.matches(codePoints[j], code);
      }
    }
    this.always = threshold >= targetLength;
    int pieces = always ? 0 : threshold + 1;
    this.unfiltered = pieces > Long.SIZE;
    this.pieceStarts = new int[unfiltered ? 0 : pieces];
    this.anchors = new long[CODES];
    for (int i = 0; i < pieceStarts.length; i++) {
      pieceStarts[i] = HashText.pieceStart(i, targetLength, pieces);
      for (int code = 0; code < CODES; code++) {
        if (matches[pieceStarts[i] * CODES + code]) {
          anchors[code] |= 1L << i;
        }
      }
    }
    this.filter = new AnchorFilter(
        codePoints, always ? new int[0] : pieceStarts, HashText.dataCharacters(digestLength));
  }

  /** Longs a worker packs each digest into for {@link #mayQualify}. */
  int packedLongs() {
    return AnchorFilter.longsFor(digestLength);
  }

  /**
   * The quick first look: false only if no window can be within the threshold. {@code packed}
   * holds the digest as {@link AnchorFilter#pack} leaves it.
   */
  boolean mayQualify(long[] packed) {
    return filter.mayQualify(packed);
  }

  int textLength() {
    return textLength;
  }

  /** Writes the code of each character of the digest's base64 text to {@code codes}. */
  void decode(byte[] digest, byte[] codes) {
    int full = digestLength / 3 * 3;
    int c = 0;
    for (int i = 0; i < full; i += 3) {
      int bits = (digest[i] & 0xff) << 16 | (digest[i + 1] & 0xff) << 8 | (digest[i + 2] & 0xff);
      codes[c] = (byte) (bits >>> 18);
      codes[c + 1] = (byte) (bits >>> 12 & 63);
      codes[c + 2] = (byte) (bits >>> 6 & 63);
      codes[c + 3] = (byte) (bits & 63);
      c += 4;
    }
    int rest = digestLength - full;
    if (rest == 1) {
      int bits = (digest[full] & 0xff) << 16;
      codes[c] = (byte) (bits >>> 18);
      codes[c + 1] = (byte) (bits >>> 12 & 63);
      codes[c + 2] = PAD;
      codes[c + 3] = PAD;
    } else if (rest == 2) {
      int bits = (digest[full] & 0xff) << 16 | (digest[full + 1] & 0xff) << 8;
      codes[c] = (byte) (bits >>> 18);
      codes[c + 1] = (byte) (bits >>> 12 & 63);
      codes[c + 2] = (byte) (bits >>> 6 & 63);
      codes[c + 3] = PAD;
    }
  }

  /** Whether some window of the text in {@code codes} is within the threshold of the target. */
  boolean within(byte[] codes) {
    if (always) {
      return true;
    }
    int lastStart = textLength - targetLength;
    if (unfiltered) {
      for (int start = 0; start <= lastStart; start++) {
        if (mismatches(codes, start, threshold) <= threshold) {
          return true;
        }
      }
      return false;
    }
    for (int p = 0; p < textLength; p++) {
      long pieces = anchors[codes[p]];
      while (pieces != 0) {
        int start = p - pieceStarts[Long.numberOfTrailingZeros(pieces)];
        if (start >= 0 && start <= lastStart && mismatches(codes, start, threshold) <= threshold) {
          return true;
        }
        pieces &= pieces - 1;
      }
    }
    return false;
  }

  /** The smallest number of mismatches over every window: the candidate's distance. */
  int distance(byte[] codes) {
    int best = targetLength;
    for (int start = 0; start <= textLength - targetLength && best > 0; start++) {
      best = Math.min(best, mismatches(codes, start, best));
    }
    return best;
  }

  /** Mismatches of the window at {@code start}, counted until one more than {@code limit}. */
  private int mismatches(byte[] codes, int start, int limit) {
    int count = 0;
    for (int j = 0; j < targetLength; j++) {
      if (!matches[j * CODES + codes[start + j]] && ++count > limit) {
        return count;
      }
    }
    return count;
  }
}
