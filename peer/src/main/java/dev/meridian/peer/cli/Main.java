package dev.meridian.peer.cli;

/** Placeholder. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {}
}
