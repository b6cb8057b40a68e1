/**
 * The networked hashfinder server, hardened to face the internet: {@link
 * dev.hashfinder.server.HashFinderServer} runs the adapter's {@code HashFinderService} on grpc-java's
 * Netty transport (or in-process) with the standard health and reflection services, {@link
 * dev.hashfinder.server.ServerLimits} bounds what one peer may send, hold and reset, {@link
 * dev.hashfinder.server.BearerTokens} are the tokens it accepts, and TLS, per-caller shares of
 * the search slots and OpenTelemetry metrics are options of its builder.
 *
 * <p>Nullness: the package is {@code @NullMarked}: no parameter, return value or field is
 * {@code null} unless its type says {@code @Nullable}.
 */
@NullMarked
package dev.hashfinder.server;

import org.jspecify.annotations.NullMarked;
