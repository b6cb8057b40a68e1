package dev.hashfinder.cluster;

import dev.hashfinder.ResourceBudget;
import java.time.Duration;
import java.util.List;

/**
 * What a cluster was built with, handed down whole to its membership and its searches: nothing
 * here changes after the cluster is built, so a search never asks the cluster for a setting.
 *
 * @param targets the targets as given, for messages
 * @param targetList each target, stripped; none blank
 * @param budget the budget every search is held to, whatever it asks for
 * @param rangeDuration about how long a range should take its backend
 * @param rangesPerBackend how many ranges of one search a backend holds at once
 * @param unavailableGrace how long a search waits for a backend that can take its work
 * @param startTimeout how long building waits for every backend's first verdict
 * @param reresolveInterval how often a {@code dns:///} target is resolved again
 * @param firstDropWait how long a dropped backend waits before its next probe, at first
 */
record ClusterSettings(String targets, List<String> targetList, ResourceBudget budget,
    Duration rangeDuration, int rangesPerBackend, Duration unavailableGrace,
    Duration startTimeout, Duration reresolveInterval, Duration firstDropWait) {
  ClusterSettings {
    targetList = List.copyOf(targetList);
  }
}
