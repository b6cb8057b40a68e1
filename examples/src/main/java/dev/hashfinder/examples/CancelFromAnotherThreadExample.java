package dev.hashfinder.examples;

import dev.hashfinder.CancellationToken;
import dev.hashfinder.Match;
import dev.hashfinder.Query;
import dev.hashfinder.ResourceBudget;
import dev.hashfinder.core.HashFinderEngine;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;

/**
 * Starts a search that would run for years, and stops it from another thread: once through its
 * token, once through its future. Either way the workers are free within milliseconds.
 */
public final class CancelFromAnotherThreadExample {
  private CancelFromAnotherThreadExample() {}

  public static void main(String[] args) throws Exception {
    try (HashFinderEngine engine = HashFinderEngine.create()) {
      Query hopeless = Query.of("cancellation", 0);

      CancellationToken token = new CancellationToken();
      CompletableFuture<Match> first = engine.find(hopeless, ResourceBudget.unlimited(), token);
      Thread canceller = new Thread(token::cancel, "canceller");
      canceller.start();
      canceller.join();
      report("by its token", first);

      CompletableFuture<Match> second = engine.find(hopeless);
      CompletableFuture.runAsync(() -> second.cancel(false)).join();
      report("by its future", second);

      while (engine.activeSearches() > 0) {
        Thread.onSpinWait(); // the workers notice within milliseconds
      }
      System.out.println("workers free; " + engine.hashesExamined() + " hashes examined in all");
    }
  }

  private static void report(String how, CompletableFuture<Match> search) {
    try {
      search.join();
    } catch (CancellationException e) {
      System.out.println("cancelled " + how);
    }
  }
}
