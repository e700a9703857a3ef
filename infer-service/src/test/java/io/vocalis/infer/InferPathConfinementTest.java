package io.vocalis.infer;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vocalis.testkit.KafkaBrokerResource;
import io.vocalis.testkit.PathConfinementTest;
import java.util.List;

@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class InferPathConfinementTest extends PathConfinementTest {

  @Override
  protected List<String> idTemplates() {
    return List.of("/api/v1/predictions/{id}", "/api/v1/models/{id}");
  }
}
