package dev.meridian.nemesis;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * What happened during a run, against time: fault intervals, acknowledged operations per second
 * and each daemon's replication lag (the writes it holds that its peers have not acknowledged,
 * summed over its peers, from the Status call; -1 when the daemon did not answer). Drawn as a PNG
 * with Java2D.
 */
final class Timeline {
  /** One sample: seconds since the start, acknowledged ops/s, lag per daemon. */
  @SuppressWarnings("ArrayRecordComponent") // written once by the sampler, only read to draw
  record Sample(double t, double opsPerSecond, long[] lag) {}

  /** One fault: its name and when it was on. */
  record Fault(String name, double from, double to) {}

  private final List<Sample> samples = new ArrayList<>();
  private final List<Fault> faults = new ArrayList<>();
  private final long startNanos = System.nanoTime();
  private double lastHeal = -1;
  private double converged = -1;

  double now() {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  synchronized void sample(double opsPerSecond, long[] lag) {
    samples.add(new Sample(now(), opsPerSecond, lag));
  }

  synchronized void fault(String name, double from, double to) {
    faults.add(new Fault(name, from, to));
  }

  synchronized void healAndConverge(double heal, double converge) {
    lastHeal = heal;
    converged = converge;
  }

  synchronized List<Fault> faults() {
    return List.copyOf(faults);
  }

  /** Writes the picture. */
  synchronized void draw(Path png, String title) throws IOException {
    int w = 1600;
    int h = 720;
    int left = 70;
    int right = 20;
    int top = 50;
    int mid = 380;
    int bottom = 680;
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, w, h);
    double tMax = Math.max(1, Math.max(converged, samples.isEmpty() ? 1 : samples.get(samples.size() - 1).t()));
    double xs = (w - left - right) / tMax;
    Color[] band = {new Color(255, 220, 220), new Color(220, 230, 255), new Color(225, 250, 225),
        new Color(255, 240, 200), new Color(240, 225, 255)};
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    for (int i = 0; i < faults.size(); i++) {
      Fault f = faults.get(i);
      int x0 = left + (int) (f.from() * xs);
      int x1 = left + (int) (f.to() * xs);
      g.setColor(band[i % band.length]);
      g.fillRect(x0, top, Math.max(1, x1 - x0), bottom - top);
      g.setColor(Color.DARK_GRAY);
      g.drawString(f.name(), x0 + 2, top + 12 + 12 * (i % 2));
    }
    // Throughput (upper panel).
    double opsMax = 1;
    long lagMax = 1;
    for (Sample s : samples) {
      opsMax = Math.max(opsMax, s.opsPerSecond());
      for (long l : s.lag()) {
        lagMax = Math.max(lagMax, l);
      }
    }
    int upperTop = top + 30;
    g.setColor(Color.BLACK);
    g.drawRect(left, upperTop, w - left - right, mid - upperTop);
    g.drawRect(left, mid + 20, w - left - right, bottom - mid - 20);
    g.drawString("acknowledged ops/s (max " + Math.round(opsMax) + ")", left + 4, upperTop + 14);
    g.drawString("replication lag per daemon, writes unacknowledged by peers (max " + lagMax
        + "; below the axis: no answer)", left + 4, mid + 34);
    g.setStroke(new BasicStroke(1.5f));
    g.setColor(new Color(20, 90, 200));
    int px = -1;
    int py = -1;
    for (Sample s : samples) {
      int x = left + (int) (s.t() * xs);
      int y = mid - (int) (s.opsPerSecond() / opsMax * (mid - upperTop - 20));
      if (px >= 0) {
        g.drawLine(px, py, x, y);
      }
      px = x;
      py = y;
    }
    Color[] node = {new Color(200, 30, 30), new Color(30, 140, 30), new Color(30, 30, 200),
        new Color(200, 120, 0), new Color(140, 0, 160)};
    int nodes = samples.isEmpty() ? 0 : samples.get(0).lag().length;
    for (int n = 0; n < nodes; n++) {
      g.setColor(node[n % node.length]);
      px = -1;
      for (Sample s : samples) {
        int x = left + (int) (s.t() * xs);
        long l = s.lag()[n];
        int y = l < 0 ? bottom + 6 + 2 * n
            : bottom - (int) ((double) l / lagMax * (bottom - mid - 40));
        if (px >= 0) {
          g.drawLine(px, py, x, y);
        }
        px = x;
        py = y;
      }
      g.drawString("n" + n, w - right - 30 * (nodes - n), mid + 34);
    }
    g.setColor(Color.BLACK);
    g.setStroke(new BasicStroke(1f));
    for (int s = 0; s <= tMax; s += tMax > 600 ? 60 : 10) {
      int x = left + (int) (s * xs);
      g.drawLine(x, bottom, x, bottom + 4);
      g.drawString(s + "s", x - 8, bottom + 30);
    }
    if (lastHeal >= 0) {
      g.setColor(Color.RED);
      int x = left + (int) (lastHeal * xs);
      g.drawLine(x, top, x, bottom);
      g.drawString("last heal", x + 2, bottom - 4);
      if (converged >= 0) {
        int cx = left + (int) (converged * xs);
        g.setColor(new Color(0, 130, 0));
        g.drawLine(cx, top, cx, bottom);
        g.drawString(String.format("converged +%.1fs", converged - lastHeal), cx + 2, bottom - 16);
      }
    }
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
    g.drawString(title, left, 22);
    g.dispose();
    ImageIO.write(img, "png", png.toFile());
  }
}
