package io.vocalis.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The gke overlay's Deployments and the training Job template go through a Kubernetes API and come
 * back unchanged. fabric8's mock server (crud mode) is a fake: it stores and serves objects like an
 * API server but validates nothing and runs no controllers (no real kube-apiserver runs here).
 */
@EnableKubernetesMockClient(crud = true)
class MockApiServerTest {
  static KubernetesClient client;

  @Test
  void deploymentsAndTheTrainingJobRoundTripThroughTheApi() {
    Rendered gke = Rendered.overlay("overlays/gke");
    KubernetesSerialization serialization = new KubernetesSerialization();
    List<Deployment> rendered = gke.all("Deployment").stream()
        .map(d -> serialization.unmarshal(d.toString(), Deployment.class)).toList();
    Job job = TrainingJobs.template(gke, null).orElseThrow().job();

    rendered.forEach(d -> client.apps().deployments().inNamespace(ManifestRules.NAMESPACE).resource(d).create());
    client.batch().v1().jobs().inNamespace(job.getMetadata().getNamespace()).resource(job).create();

    for (Deployment deployment : rendered) {
      Deployment stored = client.apps().deployments().inNamespace(ManifestRules.NAMESPACE)
          .withName(deployment.getMetadata().getName()).get();
      assertThat(stored.getSpec()).as(deployment.getMetadata().getName()).isEqualTo(deployment.getSpec());
    }
    Job stored = client.batch().v1().jobs().inNamespace(ManifestRules.NAMESPACE).withName(job.getMetadata().getName()).get();
    assertThat(stored.getSpec()).isEqualTo(job.getSpec());

    PodSpec training = stored.getSpec().getTemplate().getSpec();
    PodSpec embedding = client.apps().deployments().inNamespace(ManifestRules.NAMESPACE).withName("vocalis-embed").get()
        .getSpec().getTemplate().getSpec();
    assertThat(training.getNodeSelector()).isEqualTo(embedding.getNodeSelector()).containsKey(ManifestRules.ACCELERATOR);
    assertThat(training.getTolerations()).isEqualTo(embedding.getTolerations()).hasSize(1);
    assertThat(training.getContainers().get(0).getResources().getLimits().get(ManifestRules.GPU))
        .isEqualTo(embedding.getContainers().get(0).getResources().getLimits().get(ManifestRules.GPU));
    assertThat(client.apps().deployments().inNamespace(ManifestRules.NAMESPACE).list().getItems())
        .extracting(d -> d.getMetadata().getName())
        .containsExactlyInAnyOrder("vocalis-ingest", "vocalis-embed", "vocalis-train", "vocalis-infer");
  }
}
