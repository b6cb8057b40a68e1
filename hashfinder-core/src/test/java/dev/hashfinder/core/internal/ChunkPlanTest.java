package dev.hashfinder.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ChunkPlanTest {
  @Test
  void dealsInIndexOrder_andCutsTheLastRangeAtTheEnd() {
    ChunkPlan plan = new ChunkPlan(100, 250);

    assertThat(plan.claim(100)).isEqualTo(new ChunkPlan.Range(100, 200));
    assertThat(plan.claim(100)).isEqualTo(new ChunkPlan.Range(200, 300));
    assertThat(plan.claim(100)).isEqualTo(new ChunkPlan.Range(300, 350));
    assertThat(plan.claim(100)).isNull();
    assertThat(plan.allDealt()).isTrue();
  }

  @Test
  void anEndPastTheLargestIndex_isCutThere() {
    ChunkPlan plan = new ChunkPlan(10, Long.MAX_VALUE);

    assertThat(plan.end()).isEqualTo(Long.MAX_VALUE);
    assertThat(plan.claim(Long.MAX_VALUE)).isEqualTo(new ChunkPlan.Range(10, Long.MAX_VALUE));
  }

  @Test
  void aRangeGivenBack_isDealtAgainBeforeAnythingAboveIt_inPiecesOfTheAskedSize() {
    ChunkPlan plan = new ChunkPlan(0, 1_000);
    plan.claim(100);
    plan.claim(100);
    plan.giveBack(130, 200); // the second examiner proved [100, 130) before it failed
    plan.finished(100, 130);

    assertThat(plan.claim(50)).isEqualTo(new ChunkPlan.Range(130, 180));
    assertThat(plan.claim(50)).isEqualTo(new ChunkPlan.Range(180, 200));
    assertThat(plan.claim(50)).isEqualTo(new ChunkPlan.Range(200, 250));
  }

  @Test
  void nothingStartingAboveTheBestHit_isDealt_butEverythingBelowIs() {
    ChunkPlan plan = new ChunkPlan(0, 1_000);
    plan.claim(100);
    plan.claim(100);
    plan.giveBack(50, 100);

    assertThat(plan.hit(150)).isTrue();
    assertThat(plan.hit(170)).as("not the lowest").isFalse();
    assertThat(plan.claim(100)).isEqualTo(new ChunkPlan.Range(50, 100));
    assertThat(plan.claim(100)).isNull();
    assertThat(plan.allDealt()).isTrue();
    assertThat(plan.beyondBest(150)).isFalse();
    assertThat(plan.beyondBest(151)).isTrue();
  }

  @Test
  void aHitAtTheStartOfTheUndealt_stillDealsIt() {
    ChunkPlan plan = new ChunkPlan(0, 1_000);
    plan.claim(100);
    plan.hit(100); // reported by someone examining [100, ...) — only the plan's rules matter

    assertThat(plan.claim(10)).isEqualTo(new ChunkPlan.Range(100, 110));
    assertThat(plan.claim(10)).isNull();
  }

  @Test
  void settles_whenEveryIndexUpToTheBestHitIsExamined_inWhateverOrder() {
    ChunkPlan plan = new ChunkPlan(0, 1_000);
    plan.claim(100);
    plan.claim(100);
    plan.claim(100);
    plan.finished(200, 250); // a hit at 249 ends its range there
    plan.hit(249);
    assertThat(plan.settled()).isFalse();
    plan.finished(100, 200);
    assertThat(plan.settled()).isFalse();
    assertThat(plan.front()).isZero();

    plan.finished(0, 100);

    assertThat(plan.front()).isEqualTo(250);
    assertThat(plan.settled()).isTrue();
    assertThat(plan.examined()).isEqualTo(250);
  }

  @Test
  void withoutAHit_settlesWhenEveryIndexIsExamined() {
    ChunkPlan plan = new ChunkPlan(5, 10);
    plan.claim(4);
    plan.claim(4);
    plan.claim(4);
    plan.finished(5, 9);
    plan.finished(13, 15);
    assertThat(plan.settled()).isFalse();

    plan.finished(9, 13);

    assertThat(plan.settled()).isTrue();
    assertThat(plan.examined()).isEqualTo(10);
  }

  @Test
  void theHorizonHoldsDealingBack() {
    ChunkPlan plan = new ChunkPlan(0, 1_000);

    assertThat(plan.claim(100, 150)).isEqualTo(new ChunkPlan.Range(0, 100));
    assertThat(plan.claim(100, 150)).isEqualTo(new ChunkPlan.Range(100, 200));
    assertThat(plan.claim(100, 150)).isNull();
    assertThat(plan.allDealt()).isFalse();
  }

  @Test
  void randomFailuresAndOrders_examineEveryIndexOnce_andSettleAtTheLowestHit() {
    Random random = new Random(42);
    for (int round = 0; round < 200; round++) {
      long count = 1 + random.nextInt(5_000);
      long hit = random.nextBoolean() ? random.nextInt((int) count) : -1;
      ChunkPlan plan = new ChunkPlan(0, count);
      List<ChunkPlan.Range> inFlight = new ArrayList<>();
      BitSet examined = new BitSet();
      long lowest = Long.MAX_VALUE;
      while (!plan.settled()) {
        ChunkPlan.Range range = plan.claim(1 + random.nextInt(700));
        if (range != null) {
          inFlight.add(range);
          if (random.nextInt(3) > 0) {
            continue; // deal more before anything comes back
          }
        }
        assertThat(inFlight).as("nothing to deal and nothing in flight, unsettled: " + plan)
            .isNotEmpty();
        ChunkPlan.Range done = inFlight.remove(random.nextInt(inFlight.size()));
        long stop = done.end();
        if (random.nextInt(4) == 0) { // failed after proving a prefix
          stop = done.start() + random.nextInt((int) done.length());
          plan.giveBack(stop, done.end());
        } else if (hit >= done.start() && hit < done.end()) {
          stop = hit + 1;
          plan.hit(hit);
          lowest = hit;
        }
        assertThat(examined.get((int) done.start(), (int) stop).isEmpty())
            .as("dealt twice: [" + done.start() + ", " + stop + ")").isTrue();
        examined.set((int) done.start(), (int) stop);
        plan.finished(done.start(), stop);
      }
      assertThat(plan.bestHit()).isEqualTo(lowest);
      assertThat(plan.examined()).isEqualTo(examined.cardinality());
      assertThat(examined.nextClearBit(0)).isGreaterThanOrEqualTo((int) Math.min(count, lowest));
    }
  }

  @Test
  void undealt_countsWhatIsLeftBelowTheBestHit_givenBackRangesIncluded() {
    ChunkPlan plan = new ChunkPlan(100, 1_000);
    assertThat(plan.undealt()).isEqualTo(1_000);
    plan.claim(300);
    plan.claim(300);
    assertThat(plan.undealt()).isEqualTo(400);

    plan.giveBack(150, 400);
    assertThat(plan.undealt()).isEqualTo(650);

    plan.hit(799);
    assertThat(plan.undealt()).as("up to and with the hit").isEqualTo(250 + 100);
    plan.hit(299);
    assertThat(plan.undealt()).as("only the given-back part below the hit").isEqualTo(150);
  }

  @Test
  void aRangeGivenBackWhollyAboveTheBestHit_isNeverDealt() {
    ChunkPlan plan = new ChunkPlan(0, 1_000);
    plan.claim(100);
    plan.claim(100);
    plan.giveBack(150, 200);
    plan.hit(149);

    assertThat(plan.allDealt()).isTrue();
    assertThat(plan.claim(10)).isNull();
    assertThat(plan.undealt()).isZero();
  }

  @Test
  void aRangeGivenBackStartingAtTheBestHit_isStillDealt() {
    ChunkPlan plan = new ChunkPlan(0, 1_000);
    plan.claim(100);
    plan.claim(100);
    plan.giveBack(150, 200);
    plan.hit(150);

    assertThat(plan.allDealt()).isFalse();
    assertThat(plan.claim(10)).isEqualTo(new ChunkPlan.Range(150, 160));
    assertThat(plan.claim(10)).isNull();
  }

  @Test
  void theBoundariesOfHitsAndSettling() {
    ChunkPlan plan = new ChunkPlan(7, 1);
    assertThat(plan.first()).isEqualTo(7);
    assertThat(plan.end()).isEqualTo(8);
    assertThat(plan.hit(7)).isTrue();
    assertThat(plan.hit(7)).as("the same index again is no better").isFalse();
    assertThat(plan.claim(5)).isEqualTo(new ChunkPlan.Range(7, 8));

    plan.finished(7, 7); // nothing
    plan.giveBack(7, 7); // nothing
    assertThat(plan.settled()).as("the hit itself is not examined yet").isFalse();
    assertThat(plan.claim(5)).isNull();
    plan.finished(7, 8);

    assertThat(plan.settled()).isTrue();
    assertThat(plan.examined()).isEqualTo(1);
    assertThat(plan.toString()).isEqualTo(
        "ChunkPlan{[7, 8), front=8, neverDealt=8, givenBack=0, bestHit=7}");
    assertThat(new ChunkPlan(0, 5).toString()).contains("bestHit=none");
  }

  @Test
  void refusesWhatIsNotAPlan() {
    assertThatThrownBy(() -> new ChunkPlan(-1, 10)).hasMessageContaining("first < 0");
    assertThatThrownBy(() -> new ChunkPlan(0, 0)).hasMessageContaining("count < 1");
    assertThatThrownBy(() -> new ChunkPlan(0, 10).claim(0)).hasMessageContaining("size < 1");
    assertThatThrownBy(() -> new ChunkPlan.Range(5, 5)).hasMessageContaining("not a range");
  }
}
