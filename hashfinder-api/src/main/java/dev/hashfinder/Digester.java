package dev.hashfinder;

/**
 * Hashes one input after another for a single worker, reusing whatever state it needs so that the
 * search's hot loop allocates nothing. Made by {@link HashAlgorithm#newDigester()}.
 *
 * <p>Not thread-safe: confined to the worker thread that made it.
 */
@FunctionalInterface
public interface Digester {

  /**
   * Writes the digest of {@code input[0, length)} to {@code output[0, digestLength)}. Each call
   * is independent of the ones before it.
   *
   * @param input the bytes to hash; not modified
   * @param length how many of them, from index 0
   * @param output where the digest goes; at least {@link HashAlgorithm#digestLength()} long
   */
  void digest(byte[] input, int length, byte[] output);
}
