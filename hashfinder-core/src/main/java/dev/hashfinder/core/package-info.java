/**
 * The hashfinder engine: {@link dev.hashfinder.core.HashFinderEngine} runs the search on a pool of
 * workers, {@link dev.hashfinder.core.HashAlgorithms} makes digests from the JDK, from Guava or
 * from the classpath, and {@link dev.hashfinder.core.MatchVerifier} proves a match that another
 * finder (a remote server, a cluster's backend) reported, with the engine's own code. Everything
 * else here is package-private; what hashfinder's modules share beyond that is in {@link
 * dev.hashfinder.core.internal}, which is not API.
 *
 * <p>Nullness: the package is {@code @NullMarked}: no parameter, return value or field is
 * {@code null} unless its type says {@code @Nullable}.
 */
@NullMarked
package dev.hashfinder.core;

import org.jspecify.annotations.NullMarked;
