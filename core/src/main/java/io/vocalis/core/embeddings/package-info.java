/**
 * The embedding cache's contract, shared by embed-service, the Trainer and infer-service: which
 * hidden states are kept ({@link io.vocalis.core.embeddings.StateSelection}), in which storage type
 * ({@link io.vocalis.core.embeddings.EmbeddingDtype}), and the one key that names an entry ({@link
 * io.vocalis.core.embeddings.EmbeddingKey}).
 */
package io.vocalis.core.embeddings;
