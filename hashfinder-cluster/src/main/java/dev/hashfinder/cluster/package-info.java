/**
 * One search dealt out to many hashfinder servers: {@link dev.hashfinder.cluster.HashFinderCluster}
 * is a {@link dev.hashfinder.HashFinder} whose answers are exactly one engine's, put together from
 * ranges its backends examined and proven before they count. It reaches its backends with the
 * adapter's {@code HashFinderClient} over whatever transport the application brings; a server in
 * front of it ({@code hashfinder-server}) learns its readiness through {@code
 * dev.hashfinder.grpc.Readiness}.
 *
 * <p>Nullness: the package is {@code @NullMarked}: no parameter, return value or field is
 * {@code null} unless its type says {@code @Nullable}.
 */
@NullMarked
package dev.hashfinder.cluster;

import org.jspecify.annotations.NullMarked;
