package dev.hashfinder;

/**
 * A digest the search can hash candidates with: a stateless factory that hands each worker its
 * own {@link Digester}.
 *
 * <p>Implementations must be thread-safe and immutable; each worker thread of a search calls
 * {@link #newDigester()} once and keeps the result to itself. An implementation found through
 * {@link java.util.ServiceLoader} (listed in {@code META-INF/services/dev.hashfinder.HashAlgorithm})
 * needs a public no-argument constructor and can then be chosen by {@link #name()}.
 */
public interface HashAlgorithm {

  /**
   * The name a query uses to choose this digest, such as {@code "SHA-1"}. Names compare
   * case-insensitively.
   *
   * @return the name
   */
  String name();

  /** {@return the number of bytes each digest has; at least 1} */
  int digestLength();

  /** {@return a new digester for the calling thread's exclusive use} */
  Digester newDigester();
}
