package dev.hashfinder.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hashfinder.BudgetExhaustedException;
import dev.hashfinder.Match;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A ranged search's matches reach its listener in index order, however its ranges finished. */
class InOrderDeliveryTest {
  private final List<Long> delivered = new ArrayList<>();

  private static Match match(long index, int distance) {
    return new Match(index, new byte[] {'a'}, "AAAA", distance);
  }

  private static InOrderDelivery.Piece piece(long end, boolean ideal, long... indices) {
    List<Match> matches = new ArrayList<>();
    for (int i = 0; i < indices.length; i++) {
      matches.add(match(indices[i], ideal && i == indices.length - 1 ? 0 : 5));
    }
    return new InOrderDelivery.Piece(end, matches, ideal);
  }

  private InOrderDelivery delivery(long first, long maxMatches) {
    return new InOrderDelivery(first, maxMatches, m -> delivered.add(m.index()));
  }

  @Test
  void piecesHandedInOutOfOrder_areDeliveredInIndexOrder_onceTheGapBelowIsFilled() {
    InOrderDelivery delivery = delivery(100, Long.MAX_VALUE);
    delivery.put(120, piece(130, false, 125));
    delivery.put(110, piece(120, false, 111, 119));

    assertThat(delivery.deliverReady(() -> false, () -> 0)).isEqualTo(InOrderDelivery.Step.NEXT);
    assertThat(delivered).isEmpty();
    assertThat(delivery.nextToEmit()).isEqualTo(100);
    assertThat(delivery.waiting()).isEqualTo(2);

    delivery.put(100, piece(110, false, 104));
    assertThat(delivery.deliverReady(() -> false, () -> 0)).isEqualTo(InOrderDelivery.Step.NEXT);
    assertThat(delivered).containsExactly(104L, 111L, 119L, 125L);
    assertThat(delivery.nextToEmit()).isEqualTo(130);
    assertThat(delivery.waiting()).isZero();
  }

  @Test
  void thePieceEndingWithTheIdealMatch_endsTheStream_andNothingAboveIsDelivered() {
    InOrderDelivery delivery = delivery(0, Long.MAX_VALUE);
    delivery.put(10, piece(20, false, 15));
    delivery.put(0, piece(8, true, 3, 7));

    assertThat(delivery.deliverReady(() -> false, () -> 0)).isEqualTo(InOrderDelivery.Step.FOUND);
    assertThat(delivered).containsExactly(3L, 7L);
  }

  @Test
  void oneMatchOverMaxMatches_failsWithTheLimitAndTheHashesExamined() {
    InOrderDelivery delivery = delivery(0, 2);
    delivery.put(0, piece(10, false, 1, 2, 3));

    assertThatThrownBy(() -> delivery.deliverReady(() -> false, () -> 77))
        .isInstanceOfSatisfying(BudgetExhaustedException.class, e -> {
          assertThat(e.limit()).isEqualTo(BudgetExhaustedException.Limit.MATCHES);
          assertThat(e.limitValue()).isEqualTo(2);
          assertThat(e.hashesExamined()).isEqualTo(77);
        });
    assertThat(delivered).containsExactly(1L, 2L);
  }

  @Test
  void exactlyMaxMatches_isNoFailure() {
    InOrderDelivery delivery = delivery(0, 2);
    delivery.put(0, piece(10, true, 1, 2));

    assertThat(delivery.deliverReady(() -> false, () -> 0)).isEqualTo(InOrderDelivery.Step.FOUND);
    assertThat(delivered).containsExactly(1L, 2L);
  }

  @Test
  void theListenersOwnFailure_comesOutAsItIs() {
    IllegalStateException thrown = new IllegalStateException("listener broke");
    InOrderDelivery delivery = new InOrderDelivery(0, Long.MAX_VALUE, m -> {
      throw thrown;
    });
    delivery.put(0, piece(10, false, 1));

    assertThatThrownBy(() -> delivery.deliverReady(() -> false, () -> 0)).isSameAs(thrown);
  }

  @Test
  void aStoppedSearch_deliversNothingMore_andDoesNotMovePastThePiece() {
    InOrderDelivery delivery = delivery(0, Long.MAX_VALUE);
    delivery.put(0, piece(10, false, 1));

    assertThat(delivery.deliverReady(() -> true, () -> 0))
        .isEqualTo(InOrderDelivery.Step.STOPPED);
    assertThat(delivered).isEmpty();
    assertThat(delivery.nextToEmit()).isZero();
  }
}
