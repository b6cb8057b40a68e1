/**
 * The hashfinder engine: {@link dev.hashfinder.core.HashFinderEngine} runs the search on a pool of
 * workers, and {@link dev.hashfinder.core.HashAlgorithms} makes digests from the JDK, from Guava or
 * from the classpath. Everything else here is package-private.
 *
 * <p>Nullness: no parameter or return value in this package is {@code null} unless its
 * documentation says so.
 */
package dev.hashfinder.core;
