package dev.hashfinder.grpc;

import dev.hashfinder.HashFinder;
import dev.hashfinder.core.HashFinderContract;
import dev.hashfinder.core.HashFinderEngine;

/** The contract, through gRPC over an in-process channel. */
class InProcessContractTest extends HashFinderContract {
  @Override
  protected HashFinder deploy(HashFinderEngine engine) {
    return closeLater(InProcessHashFinder.start(engine)).client();
  }
}
