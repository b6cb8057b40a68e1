package dev.hashfinder.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hashfinder.CancellationToken;
import dev.hashfinder.InvalidQueryException;
import dev.hashfinder.Match;
import dev.hashfinder.Query;
import dev.hashfinder.ResourceBudget;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MatchVerifierTest {
  private final HashFinderEngine engine =
      HashFinderEngine.newBuilder().threads(2).budget(ResourceBudget.ofHashes(2_000_000)).build();

  @AfterEach
  void close() {
    engine.close();
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({"SHA-1, grpc", "SHA-256, grpc", "MD5, grpc", "SHA-512, hash"})
  void everyMatchTheEngineReports_isProven(String algorithm, String target) throws Exception {
    Query query = Query.of(target, 0).withAlgorithm(algorithm).withInterestingDistance(1);
    List<Match> streamed = Collections.synchronizedList(new ArrayList<>());
    engine.findRange(query, ResourceBudget.unlimited(), new CancellationToken(), streamed::add)
        .get(60, TimeUnit.SECONDS);
    Match answer = engine.find(query).get(60, TimeUnit.SECONDS);

    assertThat(streamed).hasSizeGreaterThan(1);
    MatchVerifier ranged = MatchVerifier.forFindRange(query);
    assertThat(streamed).allSatisfy(match -> assertThat(ranged.check(match)).isEmpty());
    assertThat(MatchVerifier.forFind(query).check(answer)).isEmpty();
  }

  @Test
  void aSecretThatIsNotTheOneAtItsIndex_isRefused() throws Exception {
    Match answer = engine.find(Query.of("aa", 0)).get(30, TimeUnit.SECONDS); // index 101
    Match shifted = new Match(answer.index() - 1, answer.secret(), answer.hashText(), 0);

    assertThat(MatchVerifier.forFind(Query.of("aa", 0)).check(shifted))
        .contains("its secret is not the secret at index 100");
  }

  @Test
  void aHashTextThatIsNotTheSecretsDigest_isRefused() {
    Match forged = new Match(0, new byte[0], "aaaaaaaaaaaaaaaaaaaaaaaaaaa=", 0);

    assertThat(MatchVerifier.forFind(Query.of("aa", 0)).check(forged))
        .contains("its hashed_name is not the SHA-1 digest of the secret at index 0");
  }

  @Test
  void aDistanceThatIsNotTheSecretsDistance_isRefused() throws Exception {
    Match answer = engine.find(Query.of("aa", 1)).get(30, TimeUnit.SECONDS);
    Match closer = new Match(answer.index(), answer.secret(), answer.hashText(), 0);
    Match further = new Match(answer.index(), answer.secret(), answer.hashText(), 2);

    MatchVerifier verifier = MatchVerifier.forFind(Query.of("aa", 1));
    assertThat(verifier.check(answer)).isEmpty();
    assertThat(verifier.check(closer)).contains("its distance 0 is not the distance 1 of the "
        + "secret at index " + answer.index());
    assertThat(verifier.check(further)).contains("its distance 2 is not the distance 1 of the "
        + "secret at index " + answer.index());
  }

  @Test
  void aTrueMatchAboveTheSearchesDistance_isRefused() throws Exception {
    // The empty secret's true hash text and distance, but Find reports only ideal matches.
    byte[] digest = java.security.MessageDigest.getInstance("SHA-1").digest(new byte[0]);
    String text = Base64.getEncoder().encodeToString(digest);
    Query query = Query.of("grpc", 0).withInterestingDistance(4);
    MatchVerifier ranged = MatchVerifier.forFindRange(query);
    int distance = 0;
    while (ranged.check(new Match(0, new byte[0], text, distance)).isPresent()) {
      distance++; // the true distance: the only one the ranged verifier accepts
    }

    assertThat(distance).isPositive();
    assertThat(MatchVerifier.forFind(query).check(new Match(0, new byte[0], text, distance)))
        .contains("the secret at index 0 is at distance " + distance + ", above the 0 a match "
            + "may have");
  }

  @Test
  void aMatchWithoutAnIndex_isRefused() throws Exception {
    Match answer = engine.find(Query.of("aa", 0)).get(30, TimeUnit.SECONDS);
    Match unindexed = new Match(-1, answer.secret(), answer.hashText(), answer.distance());

    assertThat(MatchVerifier.forFind(Query.of("aa", 0)).check(unindexed))
        .contains("it has no index");
  }

  @Test
  void theLastIndex_isProvenWithoutOverflow() throws Exception {
    long index = Long.MAX_VALUE - 1;
    byte[] secret = SecretSequence.at(index);
    String text = Base64.getEncoder().encodeToString(
        java.security.MessageDigest.getInstance("SHA-1").digest(secret));
    MatchVerifier verifier = MatchVerifier.forFind(Query.of("a", 1).startingAt(index));

    // A one-letter target is within distance 1 of any hash text: 0 or 1 is its distance.
    assertThat(List.of(0, 1)).filteredOn(distance ->
        verifier.check(new Match(index, secret, text, distance)).isEmpty()).hasSize(1);
  }

  @Test
  void aQueryNoEngineCouldSearch_isRefused_namingTheField() {
    assertThatThrownBy(() -> MatchVerifier.forFind(Query.of("aa", 0).withAlgorithm("NOPE")))
        .isInstanceOfSatisfying(InvalidQueryException.class,
            e -> assertThat(e.field()).isEqualTo(InvalidQueryException.Field.ALGORITHM));
    assertThatThrownBy(() -> MatchVerifier.forFindRange(Query.of("x".repeat(29), 0)))
        .isInstanceOfSatisfying(InvalidQueryException.class,
            e -> assertThat(e.field()).isEqualTo(InvalidQueryException.Field.TARGET));
  }
}
