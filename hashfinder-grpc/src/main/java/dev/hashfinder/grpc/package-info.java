/**
 * hashfinder over gRPC, the thin adapter with no network transport of its own: {@link
 * dev.hashfinder.grpc.HashFinderService} serves any {@link dev.hashfinder.HashFinder} (usually
 * the engine) as the {@code hash_name.HashFinder} service on whatever server an application runs,
 * {@link dev.hashfinder.grpc.HashFinderClient} reaches one through the same {@link
 * dev.hashfinder.HashFinder} interface as the engine, {@link
 * dev.hashfinder.grpc.BearerTokenCredentials} sends a bearer token with its calls, and {@link
 * dev.hashfinder.grpc.InProcessHashFinder} is a fixture for tests without sockets. What a server
 * plugs into the service is small interfaces here: {@link dev.hashfinder.grpc.CallAdmission}
 * (per-caller shares), {@link dev.hashfinder.grpc.CallObserver} (how each call ended) and {@link
 * dev.hashfinder.grpc.Readiness} (whether the finder can search). The networked, hardened server
 * is {@code hashfinder-server}'s; the cluster of servers is {@code hashfinder-cluster}'s.
 *
 * <p>Status codes a client sees ({@link dev.hashfinder.grpc.Outcomes} maps them to the API's
 * endings and back):
 *
 * <ul>
 *   <li>{@code OK}: an answer was found.
 *   <li>{@code RESOURCE_EXHAUSTED}: the budget ran out (the message names the budget and the hashes
 *       examined, and a {@code google.rpc.ErrorInfo} with reason {@code BUDGET_EXHAUSTED} carries
 *       them as metadata), or the server is at its limit of concurrent searches (reason
 *       {@code TOO_MANY_SEARCHES}, said at once).
 *   <li>{@code CANCELLED}: the client cancelled.
 *   <li>{@code DEADLINE_EXCEEDED}: the call's deadline or the server's time budget passed.
 *   <li>{@code INVALID_ARGUMENT}: the request is malformed, or asks for a target no hash text
 *       can bring within its distance; the message names the wire field. A {@code
 *       google.rpc.BadRequest} carries it when it is one of the query's ({@link
 *       dev.hashfinder.InvalidQueryException}); a negative {@code max_hashes} or {@code
 *       max_matches}, or bytes that are not a request, come without one (docs/PROTOCOL.md).
 *   <li>{@code UNAVAILABLE}: the server is shutting down, or its engine was closed.
 * </ul>
 *
 * <p>Nullness: the package is {@code @NullMarked}: no parameter, return value or field is
 * {@code null} unless its type says {@code @Nullable}.
 */
@NullMarked
package dev.hashfinder.grpc;

import org.jspecify.annotations.NullMarked;
