package io.kebridge.training.data;

import io.kebridge.models.data.Dataset;
import io.kebridge.training.TrainingException;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * The batches of one training epoch, assembled on a background thread while the graph trains on
 * the previous ones. Order and augmentation come from one generator seeded by (seed, generation,
 * epoch), so an epoch's batches are the same whether the run was resumed or not. The last batch
 * is dropped when it would hold a single image (batch-norm needs two).
 */
public final class BatchProducer implements AutoCloseable {
  private static final Object END = new Object();
  private static final int PREFETCH = 3;

  private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(PREFETCH);
  private final Thread thread;
  private final int batches;
  private volatile boolean closed;

  private BatchProducer(
      Dataset data, Preprocessing prep, int batchSize, long seed, int generation, int epoch) {
    this.batches = batchesPerEpoch(data.size(), batchSize);
    long mixed = mix(seed, generation, epoch);
    this.thread =
        new Thread(
            () -> produce(data, prep, batchSize, mixed), "ke-batches-g" + generation + "-e" + epoch);
    thread.setDaemon(true);
  }

  /** Starts producing the batches of {@code epoch} (0-based) of {@code generation}. */
  public static BatchProducer start(
      Dataset data, Preprocessing prep, int batchSize, long seed, int generation, int epoch) {
    if (batchSize < 2) {
      throw new TrainingException("the batch size must be at least 2 (batch-norm), got " + batchSize);
    }
    if (data.size() < 2) {
      throw new TrainingException("the training set " + data.name() + " has fewer than 2 images");
    }
    BatchProducer p = new BatchProducer(data, prep, batchSize, seed, generation, epoch);
    p.thread.start();
    return p;
  }

  /** Number of batches this epoch has. */
  public static int batchesPerEpoch(int images, int batchSize) {
    return images / batchSize + (images % batchSize >= 2 ? 1 : 0);
  }

  static long mix(long seed, int generation, int epoch) {
    long z = seed * 0x9E3779B97F4A7C15L + generation * 0xBF58476D1CE4E5B9L + epoch * 0x94D049BB133111EBL;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    return z ^ (z >>> 31);
  }

  private void produce(Dataset data, Preprocessing prep, int batchSize, long seed) {
    try {
      SplittableRandom random = new SplittableRandom(seed);
      int n = data.size();
      int[] order = new int[n];
      for (int i = 0; i < n; i++) {
        order[i] = i;
      }
      for (int i = n - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
      int per = (int) prep.shape().elements();
      for (int b = 0; b < batches && !closed; b++) {
        int start = b * batchSize;
        int size = Math.min(batchSize, n - start);
        float[] x = new float[size * per];
        int[] y = new int[size];
        for (int i = 0; i < size; i++) {
          int idx = order[start + i];
          prep.train(data.image(idx), random, x, i * per);
          y[i] = data.label(idx);
        }
        queue.put(new Batch(x, y, size));
      }
      queue.put(END);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      // handed to the training thread, which rethrows it
      queue.clear();
      queue.offer(e);
    }
  }

  /** Batches this epoch produces. */
  public int batches() {
    return batches;
  }

  /**
   * The next batch, or null when the epoch is done.
   *
   * @throws TrainingException when producing a batch failed
   */
  public Batch next() {
    if (closed) {
      throw new IllegalStateException("this batch producer is closed");
    }
    Object item;
    try {
      item = queue.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TrainingException("interrupted while waiting for a training batch", e);
    }
    if (item == END) {
      queue.offer(END);
      return null;
    }
    if (item instanceof RuntimeException e) {
      throw new TrainingException("preparing a training batch failed: " + e.getMessage(), e);
    }
    return (Batch) item;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    thread.interrupt();
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
