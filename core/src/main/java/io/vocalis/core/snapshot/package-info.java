/**
 * Dataset snapshots: immutable, content-named manifests of stored recordings selected by a {@link
 * io.vocalis.core.snapshot.SnapshotFilter}, with each recording's ratings revision ({@link
 * io.vocalis.core.snapshot.Snapshot}, written and read by {@link io.vocalis.core.snapshot.Snapshots}),
 * and their view as a training {@link io.vocalis.core.dataset.Dataset} ({@link
 * io.vocalis.core.snapshot.SnapshotDataset}).
 */
package io.vocalis.core.snapshot;
