package dev.hashfinder.core;

/**
 * A finder that counts the candidates its searches examine, such as {@link HashFinderEngine} or a
 * cluster of servers. A server that reports metrics reads the count through this interface,
 * whatever finder it serves.
 *
 * <p>Implementations are thread-safe: the count may be read from any thread at any time.
 */
public interface HashCounter {
  /** {@return how many candidates this finder's searches have examined so far; never decreases} */
  long hashesExamined();
}
