package io.vocalis.embed;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vocalis.testkit.KafkaBrokerResource;
import io.vocalis.testkit.PathConfinementTest;
import java.util.List;

@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class EmbedPathConfinementTest extends PathConfinementTest {

  @Override
  protected List<String> idTemplates() {
    return List.of("/api/v1/embeddings/{id}?encoder=fbank", "/api/v1/embeddings/{id}/data?encoder=fbank",
        "/api/v1/embeddings/" + "0".repeat(64) + "?encoder={id}", "/api/v1/backfills/{id}");
  }
}
