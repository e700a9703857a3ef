/**
 * Checkpoint references to local checkpoint folders: {@link
 * io.vocalis.ml.checkpoint.source.CheckpointSource#resolve(String)} takes a folder path, a {@code
 * file:} URI, {@code gs://bucket/prefix} or {@code hf://org/name[@revision]} and returns a {@link
 * io.vocalis.ml.checkpoint.source.ResolvedCheckpoint} whose folder {@code Encoders.open(Path, ...)}
 * reads. {@code hf://} downloads go into the Hugging Face hub cache in huggingface_hub's own layout,
 * so Java and Python share the files; {@code gs://} downloads go into {@code $VOCALIS_CACHE/gcs}.
 */
package io.vocalis.ml.checkpoint.source;
