package io.vocalis.train;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vocalis.testkit.KafkaBrokerResource;
import io.vocalis.testkit.ServiceBasicsTest;

@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class TrainServiceBasicsTest extends ServiceBasicsTest {}
