package dev.hashfinder.core;

import java.util.Arrays;

/**
 * Keeps the JDK's SHA-NI compression stubs off a slow path of some Intel CPUs. SHA-NI has only
 * legacy SSE encodings; on those CPUs (and their virtual machines) a legacy SSE instruction next
 * to VEX code while the upper halves of the vector registers hold data pays a state transition of
 * hundreds of cycles, and the JDK's SHA-1 and SHA-256 stubs mix the two without clearing that
 * state first. HotSpot's C2, with AVX-512 ({@code -XX:UseAVX=3}, the default there), zeroes
 * every new object with a 256-bit register and clears the upper halves only in methods it knows
 * use wide vectors. So one allocation on a worker's thread, such as the chunk its next claim
 * returns, left the state dirty, and the following chunk hashed 20 to 100 times slower.
 *
 * <p>{@link #clear()} is one such method: a comparison the JIT compiles into wide-vector code. A
 * compiled method that contains it, inlined, clears the upper halves before every call it makes
 * out of itself, among them the compression stub; compiled on its own, it clears them as it
 * returns. The scan loop calls it once per block of candidates. With {@code -XX:UseAVX=2} or
 * {@code -XX:MaxVectorSize=16} the JIT never dirties the state and this costs nothing either.
 *
 * <p>Stateless and thread-safe.
 */
final class VectorState {
  private static final byte[] ZERO = {0};
  private static final byte[] ONE = {1};

  private VectorState() {}

  /**
   * Clears the upper halves of the vector registers, as described above. The JIT marks the
   * method that holds the comparison when it compiles it, so the result need not be used.
   */
  static void clear() {
    boolean unused = Arrays.equals(ZERO, ONE);
  }
}
