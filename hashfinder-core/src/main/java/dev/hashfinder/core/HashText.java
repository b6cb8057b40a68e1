package dev.hashfinder.core;

/**
 * The layout of a digest's base64 text, which the Java matcher, its filter and the native kernel
 * share: how long it is, which characters carry the digest's bits, and how a target is cut into
 * the pieces whose anchors the filters look for. Not instantiable.
 */
final class HashText {
  /** The code of the padding character {@code '='}. */
  static final int PAD = 64;
  /** How many codes a text's character may have: base64's 64 and {@link #PAD}. */
  static final int CODES = 65;

  private HashText() {}

  /** The length of the base64 text, with padding, of a digest of {@code digestLength} bytes. */
  static int textLength(int digestLength) {
    return (digestLength + 2) / 3 * 4;
  }

  /**
   * The characters of that text that carry the digest's bits, before its padding: 27 of SHA-1's
   * 28, 43 of SHA-256's 44.
   */
  static int dataCharacters(int digestLength) {
    return (digestLength * 8 + 5) / 6;
  }

  /**
   * Where piece {@code i} of {@code pieces} starts in a target of {@code targetLength}
   * characters; piece {@code i} ends where piece {@code i + 1} starts, the last at the target's
   * end ({@code pieceStart(pieces, ...)}). The pieces are as equal as the division allows, each at
   * least one character long while {@code pieces <= targetLength}. The Java filter and the native
   * kernel's cut the target alike, so that both take the same anchors.
   */
  static int pieceStart(int i, int targetLength, int pieces) {
    return (int) ((long) i * targetLength / pieces);
  }

  /** Whether target code point {@code c} matches the character with base64 code {@code code}. */
  static boolean matches(int c, int code) {
    if (c >= 'a' && c <= 'z') {
      return code == c - 'a' || code == 26 + (c - 'a');
    }
    if (c >= 'A' && c <= 'Z') {
      return code == c - 'A' || code == 26 + (c - 'A');
    }
    if (c >= '0' && c <= '9') {
      return code == 52 + (c - '0');
    }
    return switch (c) {
      case '+' -> code == 62;
      case '/' -> code == 63;
      case '=' -> code == PAD;
      default -> false; // other ASCII never occurs in base64; non-ASCII never matches
    };
  }
}
