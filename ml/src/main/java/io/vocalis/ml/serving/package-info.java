/**
 * Serving trained models: a loaded model safe under concurrent calls ({@link
 * io.vocalis.ml.serving.ServingModel}) and the slot that swaps one version for the next without
 * failing a request ({@link io.vocalis.ml.serving.ModelSlot}).
 */
package io.vocalis.ml.serving;
