package dev.hashfinder.cli;

import dev.hashfinder.CancellationToken;
import dev.hashfinder.Match;
import dev.hashfinder.Query;
import dev.hashfinder.ResourceBudget;
import dev.hashfinder.core.HashFinderEngine;
import dev.hashfinder.grpc.proto.HashFinderGrpc;
import dev.hashfinder.grpc.proto.HashNameRequest;
import dev.hashfinder.grpc.proto.HashNameResponse;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/**
 * A {@code hash_name.HashFinder} server that lies, run as a process of its own beside real
 * {@code serve} processes: it passes a cluster's one-hash probe honestly, then answers every
 * {@code Find} with a forged secret and {@code hashed_name} at distance 0 at the first index of
 * its range, and every {@code FindRange} with 3,000 forged responses whatever {@code
 * max_matches} says, the last an ideal one with a 1 MiB {@code hashed_name}. It prints {@code
 * port N} once it listens.
 *
 * <p>Usage: {@code java -cp TEST_CLASSES:hashfinder.jar dev.hashfinder.cli.ForgingServer}
 */
public final class ForgingServer extends HashFinderGrpc.HashFinderImplBase {
  static final int STREAMED = 3000;
  private static final String FORGED_SECRET =
      Base64.getEncoder().encodeToString("forged".getBytes(StandardCharsets.US_ASCII));

  private final HashFinderEngine engine =
      HashFinderEngine.newBuilder().threads(1).budget(ResourceBudget.ofHashes(1)).build();

  public static void main(String[] args) throws Exception {
    Server server = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
        .addService(new ForgingServer()).build().start();
    System.out.println("port " + server.getPort());
    System.out.flush();
    server.awaitTermination();
  }

  /** A hash text holding the target: what a forger claims its secret hashes to. */
  private static String forgedText(HashNameRequest request) {
    return (request.getDesiredName() + "A".repeat(27)).substring(0, 27) + "=";
  }

  @Override
  public void find(HashNameRequest request, StreamObserver<HashNameResponse> responses) {
    if (request.getMaxHashes() == 1) { // the cluster's probe: answered as a server would
      try {
        Query query = new Query(request.getDesiredName(), request.getIdealHammingDistance(), 0,
            Query.DEFAULT_ALGORITHM, request.getFirstIndex());
        Match match = engine.find(query, ResourceBudget.ofHashes(1), new CancellationToken())
            .get(30, TimeUnit.SECONDS);
        responses.onNext(HashNameResponse.newBuilder().setIndex(match.index())
            .setSecret(match.secretBase64()).setHashedName(match.hashText())
            .setHammingDistance(match.distance()).build());
        responses.onCompleted();
      } catch (Exception e) {
        responses.onError(e);
      }
      return;
    }
    responses.onNext(HashNameResponse.newBuilder().setIndex(request.getFirstIndex())
        .setSecret(FORGED_SECRET).setHashedName(forgedText(request)).build());
    responses.onCompleted();
  }

  @Override
  public void findRange(HashNameRequest request, StreamObserver<HashNameResponse> observer) {
    ServerCallStreamObserver<HashNameResponse> responses =
        (ServerCallStreamObserver<HashNameResponse>) observer;
    responses.setOnCancelHandler(() -> { });
    for (int i = 0; i < STREAMED && !responses.isCancelled(); i++) {
      boolean last = i == STREAMED - 1;
      responses.onNext(HashNameResponse.newBuilder().setIndex(request.getFirstIndex() + i)
          .setSecret(FORGED_SECRET)
          .setHashedName(last ? "A".repeat(1 << 20) : forgedText(request))
          .setHammingDistance(last ? 0 : 1).build());
    }
    if (!responses.isCancelled()) {
      responses.onCompleted();
    }
  }
}
