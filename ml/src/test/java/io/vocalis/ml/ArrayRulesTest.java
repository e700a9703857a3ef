package io.vocalis.ml;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import java.nio.Buffer;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The {@link OwnedArrays} rule, checked on the compiled main classes: no code outside {@code
 * OwnedArrays} builds an array from Java values with DJL's own calls ({@code NDManager.create} of
 * arrays, buffers, numbers or strings; {@code NDArray.set} of a buffer or array), nor uses the
 * Number overloads of the operations whose backward pass keeps their operand ({@code mul}, {@code
 * div}, {@code pow}, {@code maximum}, {@code minimum}, {@code mod} and the in-place forms). Those make a tensor over a Java
 * buffer that only one Java object keeps alive; a view of it, or autograd's saved copy, reads freed
 * memory once it is collected. The rule is proved able to fail on {@link Offender}.
 */
class ArrayRulesTest {
  private static final Set<String> KEEPING_OPERAND = Set.of("mul", "div", "pow", "maximum", "minimum", "mod",
      "muli", "divi", "powi", "modi");

  private static final DescribedPredicate<JavaMethodCall> JAVA_BACKED = DescribedPredicate.describe(
      "build an NDArray over Java memory (NDManager.create from values, NDArray.set from a buffer,"
          + " Number overloads of mul/div/pow/maximum/minimum/mod, in place or not): use OwnedArrays",
      call -> {
        JavaClass owner = call.getTargetOwner();
        String name = call.getName();
        List<JavaClass> params = call.getTarget().getRawParameterTypes();
        if (owner.isAssignableTo(NDManager.class) && name.equals("create")) {
          return params.isEmpty() || !params.get(0).isEquivalentTo(Shape.class);
        }
        if (owner.isAssignableTo(NDArray.class) && name.equals("set")) {
          return params.size() == 1 && (params.get(0).isArray() || params.get(0).isAssignableTo(Buffer.class));
        }
        return owner.isAssignableTo(NDArray.class) && KEEPING_OPERAND.contains(name)
            && params.stream().anyMatch(p -> p.isAssignableTo(Number.class));
      });

  private static final ArchRule RULE = noClasses().that().doNotHaveFullyQualifiedName(OwnedArrays.class.getName())
      .should().callMethodWhere(JAVA_BACKED);

  @Test
  void mainCodeBuildsArraysFromJavaValuesOnlyThroughOwnedArrays() {
    JavaClasses main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.vocalis");
    assertThat(main.contain(OwnedArrays.class)).isTrue();
    assertThat(main.size()).as("main classes imported").isGreaterThan(100);
    RULE.check(main);
  }

  @Test
  void theRuleCatchesEachForbiddenCall() {
    EvaluationResult result = RULE.evaluate(new ClassFileImporter().importClasses(Offender.class));
    List<String> violations = result.getFailureReport().getDetails();
    assertThat(violations).hasSize(5);
    assertThat(String.join("\n", violations)).contains("NDManager.create(", "NDArray.mul(java.lang.Number)",
        "NDArray.maximum(java.lang.Number)", "NDArray.set(", "NDArray.div(java.lang.Number)");
  }

  /** Calls the rule forbids (five) and ones it allows (none reported). */
  @SuppressWarnings("unused")
  private static final class Offender {
    NDArray forbidden(NDManager manager, NDArray x) {
      NDArray a = manager.create(new float[] {1f});
      x.set(new float[] {2f});
      return a.mul(2f).maximum(0).div(3);
    }

    NDArray allowed(NDManager manager, NDArray x) {
      NDArray zeros = manager.create(new Shape(2));
      return zeros.add(1f).sub(x).mul(OwnedArrays.scalar(x, 2));
    }
  }
}
