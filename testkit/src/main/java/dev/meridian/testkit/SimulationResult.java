package dev.meridian.testkit;

/**
 * What one {@link ReplicaSimulator} run did, for tests that check the simulation exercised what it
 * should.
 *
 * @param mutations ops applied (not refused)
 * @param refused ops the type refused
 * @param sent messages handed to the network
 * @param dropped messages the network lost
 * @param duplicated extra copies the network made
 * @param delayed messages held back past the next tick
 * @param delivered messages delivered (copies included)
 * @param pulls mid-run {@code deltaSince} requests
 * @param pushes mid-run full-state pushes
 * @param restarts replica restarts
 * @param repairRounds anti-entropy rounds at the end, the last one changing nothing
 * @param convergedBeforeRepair all replicas were equal before anti-entropy
 */
public record SimulationResult(
    int mutations,
    int refused,
    int sent,
    int dropped,
    int duplicated,
    int delayed,
    int delivered,
    int pulls,
    int pushes,
    int restarts,
    int repairRounds,
    boolean convergedBeforeRepair) {}
