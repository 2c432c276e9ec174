package dev.hubbub.server.console;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One headless Debian Chromium driven through the system's chromedriver: both paths are given,
 * so Selenium Manager never runs and nothing is downloaded. Each browser has a fresh profile of
 * its own (a separate context: separate storage, separate connections), removed on close, and
 * the flags that keep Chromium off the network besides the pages it is sent to.
 */
final class ConsoleBrowser implements AutoCloseable {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    /** For a human to look at after a run; under target/, never committed. */
    static final Path SCREENSHOTS = Path.of("target", "console-screenshots");
    /** Every wait on the page: generous, for a busy 2-core CI machine. */
    static final Duration WAIT = Duration.ofSeconds(30);

    private final Path profile;
    private final ChromeDriverService service;
    private final ChromeDriver driver;

    ConsoleBrowser() throws IOException {
        assertTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "the console's browser tests need Debian's chromium and chromium-driver: apt-get install chromium chromium-driver");
        this.profile = Files.createTempDirectory("hubbub-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-quic",
                "--disable-sync", "--disable-extensions", "--disable-default-apps", "--window-size=1400,1100",
                "--user-data-dir=" + profile.toAbsolutePath());
        this.service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        try {
            this.driver = new ChromeDriver(service, options);
        } catch (RuntimeException e) {
            service.stop();
            deleteProfile();
            throw e;
        }
        driver.manage().timeouts().pageLoadTimeout(WAIT).scriptTimeout(WAIT);
    }

    ChromeDriver driver() { return driver; }

    void open(int port) {
        driver.get("http://127.0.0.1:" + port + "/console");
        waitFor(d -> !d.findElements(By.id("node-status")).isEmpty());
    }

    WebElement byTestId(String id) {
        return driver.findElement(By.cssSelector("[data-testid='" + id + "']"));
    }

    void type(String testId, String text) {
        WebElement e = byTestId(testId);
        e.clear();
        e.sendKeys(text);
    }

    void click(String testId) {
        byTestId(testId).click();
    }

    String text(String testId) {
        return byTestId(testId).getText();
    }

    void waitFor(java.util.function.Function<org.openqa.selenium.WebDriver, Boolean> condition) {
        new WebDriverWait(driver, WAIT).ignoring(org.openqa.selenium.StaleElementReferenceException.class).until(condition);
    }

    /** Connects the page with {@code key} as {@code clientId} and waits until it is connected. */
    void connectWithKey(String key, String clientId) {
        click("cred-key");
        type("cred", key);
        type("client-id", clientId);
        click("connect");
        waitFor(d -> text("conn-state").equals("connected"));
    }

    void attach(String channel) {
        type("attach-name", channel);
        click("attach");
        waitFor(d -> !d.findElements(By.cssSelector("#attached li[data-channel='" + channel + "']")).isEmpty());
    }

    void publish(String channel, String data, String clientIdClaim) {
        new org.openqa.selenium.support.ui.Select(byTestId("publish-channel")).selectByValue(channel);
        type("publish-data", data);
        type("publish-client-id", clientIdClaim);
        click("publish");
    }

    void screenshot(String name) throws IOException {
        Files.createDirectories(SCREENSHOTS);
        Path shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE).toPath();
        Files.move(shot, SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public void close() {
        try {
            driver.quit(); // ends Chromium and its children
        } catch (RuntimeException ignored) {
            // the driver may already be gone; the service below ends chromedriver either way
        } finally {
            service.stop();
            deleteProfile();
        }
    }

    private void deleteProfile() {
        try (Stream<Path> files = Files.walk(profile)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp directory left behind is harmless
        }
    }
}
