package dev.hashfinder.cluster;

import dev.hashfinder.CancellationToken;
import dev.hashfinder.Match;
import dev.hashfinder.Query;
import dev.hashfinder.ResourceBudget;
import dev.hashfinder.core.HashFinderEngine;
import dev.hashfinder.grpc.Outcomes;
import dev.hashfinder.grpc.proto.HashFinderGrpc;
import dev.hashfinder.grpc.proto.HashNameRequest;
import dev.hashfinder.grpc.proto.HashNameResponse;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A {@code hash_name.HashFinder} that passes the cluster's probe honestly (a one-hash call), and
 * answers every other call as its {@link Forgery} says, starting from what an honest engine
 * answers. It records every request.
 */
final class ForgingBackend extends HashFinderGrpc.HashFinderImplBase {
  /** What the backend does to its answers. */
  enum Forgery {
    /** Find: a true match's secret and hashed_name, claimed at the first index of the range. */
    WRONG_SECRET(false, "answered a match that fails its proof: its secret is not the secret "
        + "at index "),
    /** Find: the secret at the range's first index, with a hashed_name holding the target. */
    WRONG_HASHED_NAME(false, "answered a match that fails its proof: its hashed_name is not the "
        + "SHA-1 digest of the secret at index "),
    /** Find: the true secret and hashed_name at the range's first index, claimed at distance 0. */
    WRONG_DISTANCE(false, "answered a match that fails its proof: its distance 0 is not the "
        + "distance "),
    /** Find: an answer whose index lies just past its range. */
    OUTSIDE_RANGE(false, "answered index "),
    /** Find: a secret that is not base64. */
    MALFORMED(false, "sent a response that is not a match: "),
    /** Find: a 1 MiB hashed_name (the cap is enforced on a network channel only). */
    OVERSIZED(false, "sent a message over the 4096 bytes a response may have"),
    /** FindRange: the honest stream with its first two matches swapped. */
    OUT_OF_ORDER(true, ", out of index order"),
    /** FindRange: every match of the range, whatever max_matches says. */
    TOO_MANY(true, "streamed more than the 1024 matches it was asked for (max_matches)"),
    /** FindRange: the first match claimed at distance 0, which ends a stream as its ideal one. */
    FORGED_IDEAL(true, "streamed a match that fails its proof: its distance 0 is not the "
        + "distance "),
    /** FindRange: the honest stream's first match, then the end, without an ideal match. */
    ENDS_EARLY(true, "ended its stream without an ideal match");

    final boolean ranged;
    final String warning;

    Forgery(boolean ranged, String warning) {
      this.ranged = ranged;
      this.warning = warning;
    }
  }

  private final Forgery forgery;
  private final HashFinderEngine engine;
  final List<HashNameRequest> requests = Collections.synchronizedList(new ArrayList<>());

  ForgingBackend(Forgery forgery, HashFinderEngine engine) {
    this.forgery = forgery;
    this.engine = engine;
  }

  /** Whether a request is the cluster's probe: one hash. */
  static boolean isProbe(HashNameRequest request) {
    return request.getMaxHashes() == 1;
  }

  @Override
  public void find(HashNameRequest request, StreamObserver<HashNameResponse> responses) {
    requests.add(request);
    Query query = TestWire.query(request);
    try {
      if (isProbe(request) || forgery.ranged) {
        end(engine.find(query, TestWire.budget(request), new CancellationToken()), responses);
        return;
      }
      long first = request.getFirstIndex();
      Match atFirst = secretAt(first);
      HashNameResponse.Builder forged = HashNameResponse.newBuilder().setIndex(first)
          .setSecret(atFirst.secretBase64()).setHashedName(atFirst.hashText())
          .setHammingDistance(0);
      switch (forgery) {
        case WRONG_SECRET -> {
          Match answer = engine.find(query.startingAt(0)).get(30, TimeUnit.SECONDS);
          forged.setSecret(answer.secretBase64()).setHashedName(answer.hashText());
          if (answer.index() == first) {
            forged.setIndex(first + 1);
          }
        }
        case WRONG_HASHED_NAME -> forged.setHashedName(
            (query.target() + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").substring(0, 27) + "=");
        case WRONG_DISTANCE -> { } // the true secret and hashed_name, a false distance
        case OUTSIDE_RANGE -> forged.setIndex(first + request.getMaxHashes());
        case MALFORMED -> forged.setSecret("not base64!");
        case OVERSIZED -> forged.setHashedName("A".repeat(1 << 20));
        default -> throw new AssertionError(forgery);
      }
      responses.onNext(forged.build());
      responses.onCompleted();
    } catch (ExecutionException e) {
      responses.onError(Outcomes.toStatus(e.getCause()));
    } catch (Exception e) {
      responses.onError(Outcomes.toStatus(e));
    }
  }

  /** The match at {@code index} of a one-letter target within distance 1: its true secret. */
  private Match secretAt(long index) throws Exception {
    return engine.find(Query.of("a", 1).startingAt(index), ResourceBudget.ofHashes(1),
        new CancellationToken()).get(30, TimeUnit.SECONDS);
  }

  private static void end(CompletableFuture<Match> answer,
      StreamObserver<HashNameResponse> responses) throws InterruptedException {
    try {
      responses.onNext(TestWire.response(answer.get()));
      responses.onCompleted();
    } catch (ExecutionException e) {
      responses.onError(Outcomes.toStatus(e.getCause()));
    }
  }

  @Override
  public void findRange(HashNameRequest request, StreamObserver<HashNameResponse> observer) {
    requests.add(request);
    ServerCallStreamObserver<HashNameResponse> responses =
        (ServerCallStreamObserver<HashNameResponse>) observer;
    responses.setOnCancelHandler(() -> { });
    HashNameRequest asked = forgery == Forgery.TOO_MANY
        ? request.toBuilder().clearMaxMatches().build() : request;
    List<Match> stream = Collections.synchronizedList(new ArrayList<>());
    Throwable ending;
    try {
      engine.findRange(TestWire.query(asked), TestWire.budget(asked), new CancellationToken(),
          stream::add).get(60, TimeUnit.SECONDS);
      ending = null;
    } catch (ExecutionException e) {
      ending = e.getCause();
    } catch (InterruptedException | java.util.concurrent.TimeoutException e) {
      ending = e;
    }
    List<HashNameResponse> sent = new ArrayList<>(stream.stream().map(TestWire::response).toList());
    switch (forgery) {
      case OUT_OF_ORDER -> {
        if (sent.size() > 1) {
          Collections.swap(sent, 0, 1);
        }
      }
      case FORGED_IDEAL -> {
        if (!sent.isEmpty() && sent.get(0).getHammingDistance() > 0) {
          sent.set(0, sent.get(0).toBuilder().setHammingDistance(0).build());
        }
      }
      case ENDS_EARLY -> {
        if (sent.size() > 1) {
          sent = new ArrayList<>(sent.subList(0, 1));
          ending = null;
        }
      }
      default -> { }
    }
    for (HashNameResponse response : sent) {
      if (responses.isCancelled()) {
        return;
      }
      responses.onNext(response);
    }
    if (ending == null) {
      responses.onCompleted();
    } else {
      responses.onError(Outcomes.toStatus(ending));
    }
  }
}
