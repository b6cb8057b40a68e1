/**
 * The hashfinder engine: {@link dev.hashfinder.core.HashFinderEngine} runs the search on a pool of
 * workers, and {@link dev.hashfinder.core.HashAlgorithms} makes digests from the JDK, from Guava or
 * from the classpath. Two more public types are pieces shared with hashfinder's other modules
 * rather than an application's API: {@link dev.hashfinder.core.ChunkPlan}, how a search's indices
 * are dealt out, and {@link dev.hashfinder.core.MatchVerifier}, which proves a match another
 * finder reported; the cluster in {@code hashfinder-grpc} uses both. Everything else here is
 * package-private.
 *
 * <p>Nullness: no parameter or return value in this package is {@code null} unless its
 * documentation says so.
 */
package dev.hashfinder.core;
