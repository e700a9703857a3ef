package io.vocalis.infer;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vocalis.testkit.KafkaBrokerResource;
import io.vocalis.testkit.ServiceBasicsTest;

@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class InferServiceBasicsTest extends ServiceBasicsTest {}
