package io.vocalis.ml.encoders;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;

/**
 * The attention the encoders computed before {@link FusedAttention}: matrix product, softmax,
 * matrix product, in cache-sized blocks. Kept as the reference the fused op is checked and timed
 * against.
 */
final class UnfusedAttention {
  private UnfusedAttention() {}

  /**
   * Scores computed at once (elements, 4 MB of float32): big enough that a block's matrix products
   * amortise the per-operation overhead, small enough that its scores stay in cache between the
   * product, the softmax and the product with the values instead of streaming through memory.
   */
  private static final long SCORE_BLOCK = 1L << 20;

  /** Queries per block, evened out over the sequence so that the last block is not a sliver. */
  private static final long BLOCK_ROWS = 256;

  /**
   * Dot-product attention of {@code (batch, heads, time, headDim)} queries (already scaled), keys
   * and values, with an additive {@code bias} broadcastable to the scores (null for none). Heads
   * are folded into the batch and the work is cut into blocks of about {@value #BLOCK_ROWS} queries
   * of a group of heads, at most {@value #SCORE_BLOCK} scores each (more only where one head's
   * block of keys is longer); outside training each block's scores are freed as soon as they are
   * used. The result is exact attention, the same for an item whatever its batch mates (only the
   * grouping of independent rows changes).
   */
  static NDArray attention(NDArray q, NDArray k, NDArray v, NDArray bias, boolean training) {
    Shape s = q.getShape();
    long slices = s.get(0) * s.get(1);
    long queries = s.get(2);
    long keys = k.getShape().get(2);
    long blocks = Math.max(1, Math.round((double) queries / BLOCK_ROWS));
    long rows = (queries + blocks - 1) / blocks;
    long group = Math.min(slices, Math.max(1, SCORE_BLOCK / (rows * keys)));
    NDArray foldedQueries = q.reshape(slices, queries, s.get(3));
    NDArray keysT = k.reshape(slices, keys, s.get(3)).transpose(0, 2, 1);
    NDArray values = v.reshape(slices, keys, s.get(3));
    NDArray sliceBias = bias == null ? null : foldHeads(bias, s.get(0), s.get(1), keys);
    NDList groups = new NDList();
    for (long g = 0; g < slices; g += group) {
      String slice = g + ":" + Math.min(slices, g + group);
      NDArray groupKeys = keysT.get(slice);
      NDArray groupValues = values.get(slice);
      NDArray groupBias = sliceBias == null || sliceBias.getShape().get(0) == 1 ? sliceBias : sliceBias.get(slice);
      NDList parts = new NDList();
      for (long start = 0; start < queries; start += rows) {
        String range = start + ":" + Math.min(queries, start + rows);
        NDArray blockBias = groupBias == null || groupBias.getShape().get(1) == 1 ? groupBias
            : groupBias.get(":, " + range);
        parts.add(block(foldedQueries.get(slice + ", " + range), groupKeys, groupValues, blockBias, training));
      }
      groups.add(parts.size() == 1 ? parts.head() : NDArrays.concat(parts, 1));
    }
    NDArray out = groups.size() == 1 ? groups.head() : NDArrays.concat(groups, 0);
    return out.reshape(s);
  }

  /**
   * {@code bias} broadcastable to {@code (batch, heads, queries, keys)} as {@code (batch * heads or
   * 1, queries or 1, keys)}, matching the folded scores.
   */
  private static NDArray foldHeads(NDArray bias, long batch, long heads, long keys) {
    Shape b = bias.getShape();
    long queries = b.get(2);
    if (b.get(0) == 1 && b.get(1) == 1) {
      return bias.reshape(1, queries, keys);
    }
    return bias.broadcast(new Shape(batch, heads, queries, keys)).reshape(batch * heads, queries, keys);
  }

  private static NDArray block(NDArray q, NDArray keysT, NDArray v, NDArray bias, boolean training) {
    NDArray scores = q.matMul(keysT);
    if (bias != null) {
      scores.addi(bias);
    }
    NDArray weights = scores.softmax(-1);
    if (!training) {
      scores.close();
    }
    NDArray out = weights.matMul(v);
    if (!training) {
      weights.close();
    }
    return out;
  }

}
