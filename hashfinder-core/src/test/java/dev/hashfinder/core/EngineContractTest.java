package dev.hashfinder.core;

import dev.hashfinder.HashFinder;

/** The contract, against the engine called directly. */
class EngineContractTest extends HashFinderContract {
  @Override
  protected HashFinder deploy(HashFinderEngine engine) {
    return engine;
  }
}
