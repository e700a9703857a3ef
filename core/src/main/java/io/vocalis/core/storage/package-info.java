/**
 * Object storage addressed by URIs: a local directory ({@code file:}) or a Google Cloud Storage
 * bucket with an optional prefix ({@code gs://bucket/prefix}).
 *
 * <p>Entry point: {@link io.vocalis.core.storage.Storage#open(java.net.URI)}. Objects are named by
 * relative, {@code /}-separated keys; every write is atomic and guarded by a {@link
 * io.vocalis.core.storage.WriteCondition}. All failures are unchecked {@link
 * io.vocalis.core.storage.StorageException}s, except refused keys, which are {@link
 * io.vocalis.core.storage.IllegalKeyException}s.
 */
package io.vocalis.core.storage;
