package dev.hashfinder.core;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * The order in which secrets are searched: index 0 is the empty string, then every string of
 * length 1, then of length 2, and so on, each byte taking the values 0..254 (0xFF never occurs, as
 * in the reference implementation), first byte most significant.
 *
 * <p>Stateless; the methods work on a caller's buffer so the hot loop allocates nothing.
 */
final class SecretSequence {
  /** Values a byte of a secret takes: 0..254. */
  static final int RADIX = 255;

  /** The longest secret an index in {@code [0, Long.MAX_VALUE]} names. */
  static final int MAX_LENGTH = 8;

  /** FIRST_INDEX[n] is the index of the first secret of length n (all zeros). */
  private static final long[] FIRST_INDEX = new long[MAX_LENGTH + 2];

  static {
    long first = 0;
    long count = 1; // secrets of length n: RADIX^n
    for (int n = 0; n < FIRST_INDEX.length; n++) {
      FIRST_INDEX[n] = first;
      if (first > Long.MAX_VALUE - count) {
        for (int rest = n + 1; rest < FIRST_INDEX.length; rest++) {
          FIRST_INDEX[rest] = Long.MAX_VALUE;
        }
        break;
      }
      first += count;
      count = count > Long.MAX_VALUE / RADIX ? Long.MAX_VALUE : count * RADIX;
    }
  }

  private SecretSequence() {}

  /**
   * Writes the secret at {@code index} to the start of {@code buffer}.
   *
   * @return its length
   */
  static int write(long index, byte[] buffer) {
    checkArgument(index >= 0, "index < 0: %s", index);
    int length = 0;
    while (length + 1 < FIRST_INDEX.length && FIRST_INDEX[length + 1] <= index
        && FIRST_INDEX[length + 1] != Long.MAX_VALUE) {
      length++;
    }
    long value = index - FIRST_INDEX[length];
    for (int i = length - 1; i >= 0; i--) {
      buffer[i] = (byte) (value % RADIX);
      value /= RADIX;
    }
    return length;
  }

  /** The secret at {@code index}, as a new array. */
  static byte[] at(long index) {
    byte[] buffer = new byte[MAX_LENGTH];
    int length = write(index, buffer);
    byte[] secret = new byte[length];
    System.arraycopy(buffer, 0, secret, 0, length);
    return secret;
  }

  /**
   * Turns the secret in {@code buffer[0, length)} into the next one, in place.
   *
   * @param buffer at least {@code length + 1} bytes long
   * @return the next secret's length
   */
  static int increment(byte[] buffer, int length) {
    for (int i = length - 1; i >= 0; i--) {
      if (buffer[i] != (byte) (RADIX - 1)) {
        buffer[i]++;
        return length;
      }
      buffer[i] = 0;
    }
    // Every byte was the largest value: on to the first secret one byte longer, all zeros.
    buffer[length] = 0;
    return length + 1;
  }
}
