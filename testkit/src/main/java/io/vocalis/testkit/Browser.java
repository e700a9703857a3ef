package io.vocalis.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Headless Chromium for the console's browser tests (train-service's, and cli's against the real
 * services; a module that uses it declares {@code selenium-chrome-driver} itself): finds {@code chromium} and {@code
 * chromedriver} (on the PATH, or at {@code $VOCALIS_CHROMIUM} / {@code $VOCALIS_CHROMEDRIVER}),
 * installs Debian's {@code chromium chromium-driver} once when they are missing and this runs as
 * root with apt-get, and otherwise fails naming what is missing. Screenshots go to {@code
 * target/console-screenshots/}.
 */
public final class Browser {
  public static final Path SCREENSHOTS = Path.of("target", "console-screenshots");
  private static boolean installTried;

  private Browser() {}

  /** A fresh headless Chromium (its own profile folder) with a 1280 x 1000 window. */
  public static ChromeDriver start() {
    Path chromium = find("VOCALIS_CHROMIUM", "chromium", "chromium-browser");
    Path driver = find("VOCALIS_CHROMEDRIVER", "chromedriver");
    ChromeOptions options = new ChromeOptions().setBinary(chromium.toString()).addArguments("--headless",
        "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-dev-shm-usage", "--window-size=1280,1000",
        "--user-data-dir=" + temporaryProfile());
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(driver.toFile())
        .usingAnyFreePort().build();
    ChromeDriver browser = new ChromeDriver(service, options);
    browser.manage().timeouts().scriptTimeout(Duration.ofSeconds(20));
    return browser;
  }

  /**
   * Polls the page every 20 ms until {@code condition} holds (an element missing or replaced
   * meanwhile counts as not yet); after {@code seconds} fails naming {@code what} and the text of
   * the page's {@code main}.
   */
  public static void await(ChromeDriver browser, int seconds, String what, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
    for (;;) {
      try {
        if (condition.getAsBoolean()) {
          return;
        }
      } catch (NoSuchElementException | StaleElementReferenceException e) {
        // not there yet
      }
      if (System.nanoTime() >= deadline) {
        throw new AssertionError(String.format("waiting %ss for %s; the page shows: %s", seconds, what,
            browser.findElements(By.cssSelector("main")).stream().map(WebElement::getText).toList()));
      }
      Thread.sleep(20);
    }
  }

  /** Saves the whole page (the window stretched to its height) as {@code target/console-screenshots/<name>.png}. */
  public static Path screenshot(ChromeDriver browser, String name) {
    Dimension window = browser.manage().window().getSize();
    try {
      Files.createDirectories(SCREENSHOTS);
      Path file = SCREENSHOTS.resolve(name + ".png");
      long height = (Long) browser.executeScript("return document.documentElement.scrollHeight");
      browser.manage().window().setSize(new Dimension(window.getWidth(), (int) Math.min(4000, height + 140)));
      Files.write(file, ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
      browser.manage().window().setSize(window);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path temporaryProfile() {
    try {
      return Files.createTempDirectory("vocalis-console-chromium");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static synchronized Path find(String variable, String... names) {
    Optional<Path> found = locate(variable, names);
    if (found.isEmpty() && !installTried) {
      installTried = true;
      install();
      found = locate(variable, names);
    }
    return found.orElseThrow(() -> new IllegalStateException(String.join(" or ", names)
        + " not found on the PATH nor at $" + variable + ", and installing Debian's chromium chromium-driver "
        + "(apt-get, as root) did not provide it: install them, or point $" + variable + " at the executable"));
  }

  private static Optional<Path> locate(String variable, String... names) {
    String configured = System.getenv(variable);
    if (configured != null && !configured.isBlank()) {
      Path p = Path.of(configured);
      return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
    }
    List<Path> dirs = new ArrayList<>();
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
      dirs.add(Path.of(dir));
    }
    for (String name : names) {
      for (Path dir : dirs) {
        Path p = dir.resolve(name);
        if (Files.isExecutable(p)) {
          return Optional.of(p);
        }
      }
    }
    return Optional.empty();
  }

  /**
   * apt-get install -y chromium chromium-driver, when running as root with apt-get (after an
   * apt-get update when the first try fails: a fresh machine may have no package lists); its
   * failure is reported by find, the log is in the temporary folder.
   */
  private static void install() {
    if (!"root".equals(System.getProperty("user.name")) || locate("", "apt-get").isEmpty()) {
      return;
    }
    Path log = Path.of(System.getProperty("java.io.tmpdir"), "vocalis-chromium-install.log");
    try {
      if (!apt(log, "install", "-y", "--no-install-recommends", "chromium", "chromium-driver")
          && apt(log, "update")) {
        apt(log, "install", "-y", "--no-install-recommends", "chromium", "chromium-driver");
      }
    } catch (IOException e) {
      // reported by find: nothing was installed
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Runs apt-get with {@code args} (10 minutes at most), its output appended to {@code log}; whether it succeeded. */
  private static boolean apt(Path log, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("apt-get"));
    command.addAll(List.of(args));
    Process apt = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    apt.getOutputStream().close();
    if (!apt.waitFor(10, TimeUnit.MINUTES)) {
      apt.destroyForcibly();
      return false;
    }
    return apt.exitValue() == 0;
  }
}
