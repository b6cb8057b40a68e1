/**
 * The public types of hashfinder: what to search for ({@link dev.hashfinder.Query}), how much it
 * may cost ({@link dev.hashfinder.ResourceBudget}), how to stop it
 * ({@link dev.hashfinder.CancellationToken}), which digest to use
 * ({@link dev.hashfinder.HashAlgorithm}) and the service itself ({@link dev.hashfinder.HashFinder}).
 *
 * <p>Nullness: the package is {@code @NullMarked}: no parameter, return value or field is
 * {@code null} unless its type says {@code @Nullable}. A {@code null} argument is rejected with a {@link NullPointerException}
 * naming it.
 *
 * <p>This module has no runtime dependencies; the engine lives in {@code hashfinder-core} and the
 * gRPC binding in {@code hashfinder-grpc}.
 */
@NullMarked
package dev.hashfinder;

import org.jspecify.annotations.NullMarked;
