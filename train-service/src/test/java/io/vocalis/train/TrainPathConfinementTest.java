package io.vocalis.train;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vocalis.testkit.KafkaBrokerResource;
import io.vocalis.testkit.PathConfinementTest;
import java.util.List;

@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class TrainPathConfinementTest extends PathConfinementTest {

  @Override
  protected List<String> idTemplates() {
    return List.of("/api/v1/runs/{id}", "/api/v1/runs/{id}/artifacts/report.json", "/api/v1/models/{id}",
        "/api/v1/models/{id}/versions/1", "/api/v1/models/{id}/history", "/api/v1/console/speakers/{id}",
        "/api/v1/console/embeddings?run={id}");
  }
}
