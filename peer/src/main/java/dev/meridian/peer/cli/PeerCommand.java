package dev.meridian.peer.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code meridian peer}: runs the peer daemon (being written). */
@Command(name = "peer", mixinStandardHelpOptions = true, description = "Runs a peer daemon.")
public final class PeerCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    return 0;
  }
}
