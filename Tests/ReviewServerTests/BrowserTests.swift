import AsyncHTTPClient
import DatasetCore
import Foundation
import NIOCore
import Testing
@testable import ReviewServer
import ReviewStore

/// Debian's chromium and its driver; `.ci/run` installs both and sets REQUIRE_BROWSER_TESTS so
/// that a missing browser fails there instead of skipping.
let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
let chromedriver = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"].first { FileManager.default.isExecutableFile(atPath: $0) }
let browserTestsEnabled = (chromium != nil && chromedriver != nil) || ProcessInfo.processInfo.environment["REQUIRE_BROWSER_TESTS"] != nil

/// A W3C WebDriver session with chromedriver, over its HTTP protocol.
struct WebDriver {
    let base: URL
    let session: String
    let driver: Process

    /// With `phoneWidth`, the page is laid out as on a phone that many CSS pixels wide.
    static func start(phoneWidth: Int? = nil) async throws -> WebDriver {
        let driverPath = try #require(chromedriver, "chromedriver is not installed (apt-get install chromium chromium-driver)")
        let browser = try #require(chromium)
        // A driver that cannot listen on its port ends at once, and another test's driver may be
        // answering there: only a driver still running once its port answers is this test's
        // (two tests sharing one driver drive one browser, and the first to end ends the other's
        // session). Each port is one the kernel found free.
        var started: (driver: Process, base: URL)?
        for _ in 0..<5 where started == nil {
            let port = try freePort()
            let driver = Process()
            driver.executableURL = URL(fileURLWithPath: driverPath)
            driver.arguments = ["--port=\(port)"]
            driver.standardOutput = FileHandle.nullDevice
            driver.standardError = FileHandle.nullDevice
            try driver.run()
            let base = URL(string: "http://127.0.0.1:\(port)")!
            for _ in 0..<100 where driver.isRunning {
                if (try? await Self.call(base.appendingPathComponent("status"), "GET"))?["value"] != nil { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            if driver.isRunning { started = (driver, base) }
        }
        let (driver, base) = try #require(started, "chromedriver did not stay up on any of five ports")
        var options: [String: Any] = [
            "binary": browser, "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--lang=ko-KR",
                                        "--window-size=1000,1400"],
        ]
        if let phoneWidth {
            options["mobileEmulation"] = ["deviceMetrics": ["width": phoneWidth, "height": 844, "pixelRatio": 2, "touch": true]]
        }
        let capabilities: [String: Any] = ["capabilities": ["alwaysMatch": ["browserName": "chrome", "goog:chromeOptions": options]]]
        let created = try await Self.call(base.appendingPathComponent("session"), "POST", capabilities)
        let session = try #require((created["value"] as? [String: Any])?["sessionId"] as? String, "\(created)")
        return WebDriver(base: base.appendingPathComponent("session/\(session)"), session: session, driver: driver)
    }

    /// A port nothing listens on now: the kernel's choice for a socket bound to port 0.
    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(descriptor >= 0, "socket: errno \(errno)")
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
        }
        try #require(bound, "bind: errno \(errno)")
        return Int(UInt16(bigEndian: address.sin_port))
    }

    @discardableResult
    static func call(_ url: URL, _ method: String, _ body: [String: Any]? = nil) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .init(rawValue: method)
        if let body {
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
            request.headers.add(name: "Content-Type", value: "application/json")
        }
        // Generous: while the rest of the suite runs on both cores, a browser's first start and
        // its first pages have taken over a minute, and one call over 60 s failed a run.
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(240))
        let data = try await response.body.collect(upTo: 16 << 20)
        return (try JSONSerialization.jsonObject(with: Data(buffer: data))) as? [String: Any] ?? [:]
    }

    @discardableResult
    func call(_ path: String, _ method: String = "POST", _ body: [String: Any]? = [:]) async throws -> Any? {
        let response = try await Self.call(path.isEmpty ? base : base.appendingPathComponent(path), method, method == "GET" ? nil : body)
        if let error = (response["value"] as? [String: Any])?["error"] { Issue.record("WebDriver \(path): \(error)") }
        return response["value"]
    }

    func go(_ url: String) async throws { try await call("url", "POST", ["url": url]) }

    func currentURL() async throws -> String { try await call("url", "GET") as? String ?? "" }

    func element(_ css: String) async throws -> String {
        let value = try await call("element", "POST", ["using": "css selector", "value": css]) as? [String: Any]
        return try #require(value?.values.first as? String, "no element \(css)")
    }

    func text(_ css: String) async throws -> String { try await call("element/\(try await element(css))/text", "GET") as? String ?? "" }

    /// Presses keys as a person would, on whatever has the focus.
    func press(_ keys: String) async throws {
        let actions = keys.unicodeScalars.flatMap { key in
            [["type": "keyDown", "value": String(key)], ["type": "keyUp", "value": String(key)]]
        }
        try await call("actions", "POST", ["actions": [["type": "key", "id": "keyboard", "actions": actions]]])
    }

    /// Types into an element (any script, Hangul included).
    func type(_ css: String, _ text: String, clear: Bool = false) async throws {
        let id = try await element(css)
        if clear { try await call("element/\(id)/clear") }
        try await call("element/\(id)/value", "POST", ["text": text])
    }

    func click(_ css: String) async throws { try await call("element/\(try await element(css))/click") }

    func isSelected(_ css: String) async throws -> Bool {
        try await call("element/\(try await element(css))/selected", "GET") as? Bool ?? false
    }

    /// Runs a script in the page; its `return` value comes back.
    func script(_ source: String) async throws -> Any? {
        try await call("execute/sync", "POST", ["script": source, "args": []])
    }

    func resize(width: Int, height: Int) async throws {
        try await call("window/rect", "POST", ["width": width, "height": height])
    }

    /// Saves the page as PNG into the folder `REVIEW_SCREENSHOTS` names, when it names one.
    func screenshot(named name: String) async throws {
        guard let folder = ProcessInfo.processInfo.environment["REVIEW_SCREENSHOTS"] else { return }
        let encoded = try #require(try await call("screenshot", "GET") as? String)
        let url = URL(fileURLWithPath: folder).appendingPathComponent("\(name).png")
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try #require(Data(base64Encoded: encoded)).write(to: url)
    }

    /// Waits until the page's address satisfies `condition` (a form post redirects).
    func waitForURL(_ condition: (String) -> Bool) async throws -> String {
        for _ in 0..<50 {
            let url = try await currentURL()
            if condition(url) { return url }
            try await Task.sleep(for: .milliseconds(100))
        }
        return try await currentURL()
    }

    /// Waits until the text of the first element `css` selects satisfies `condition`: after a
    /// form is sent, the old page's elements may still be found, then go stale as it is replaced.
    func waitForText(_ css: String, _ condition: (String) -> Bool) async throws -> String {
        let selector = String(decoding: try JSONSerialization.data(withJSONObject: css, options: .fragmentsAllowed), as: UTF8.self)
        for _ in 0..<50 {
            let text = try await script("const e = document.querySelector(\(selector)); return e ? e.innerText : ''") as? String ?? ""
            if condition(text) { return text }
            try await Task.sleep(for: .milliseconds(100))
        }
        return try await text(css)
    }

    func quit() async {
        _ = try? await call("", "DELETE")
        driver.terminate()
        // Polled: Process.waitUntilExit spins a run loop when called from a concurrency thread.
        for _ in 0..<20 where driver.isRunning { try? await Task.sleep(for: .milliseconds(100)) }
        // chromedriver may outlive SIGTERM; it must not outlive the tests.
        if driver.isRunning { kill(driver.processIdentifier, SIGKILL) }
    }
}

@Suite(.enabled(if: browserTestsEnabled, "needs chromium and chromium-driver"), .serialized)
struct BrowserTests {
    @Test func aReviewerSignsInAndReviewsABatchWithTheKeyboard() async throws {
        let fixture = try ServerFixture(plan: ServerFixture.oneReviewer(labels: [LabelSpec.known("time_sensitive")!]), items: 3)
        defer { fixture.remove() }
        let batch = try fixture.batch
        let reviewer = try fixture.firstReviewer
        let token = try fixture.store.issueSignInToken(reviewer: reviewer)
        let routes = try fixture.routes()
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let server = Task { try await routes.run(host: "127.0.0.1", port: 0) { port in portSink.yield(port) } }
        defer { server.cancel() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        let origin = "http://127.0.0.1:\(port)"

        let browser = try await WebDriver.start()
        do {
            try await browser.go("\(origin)/sign-in/\(token)")
            #expect(try await browser.currentURL() == "\(origin)/")
            #expect(try await browser.text("main").contains(batch))
            try await browser.go("\(origin)/batches/\(batch)")
            try await browser.click("#start")
            #expect(try await browser.text(".question").contains("조선을 세운 사람은 누구인가?"))
            let first = try await browser.currentURL()

            // a without the round's label: the page says what is missing and stays.
            try await browser.press("a")
            #expect(try await browser.text(".error").contains("time_sensitive"))
            #expect(try await browser.text("#label-time_sensitive #error-time_sensitive") == "an approval in round check needs the label 'time_sensitive'")
            // 2 (time_sensitive: false), then a: approved, and the page moves on to the next.
            try await browser.press("2a")
            let second = try await browser.waitForURL { $0 != first }
            #expect(second.hasSuffix("/items/2?saved=approve"))
            #expect(try await browser.text(".saved").contains("Saved: approve"))
            // r, a reason in Korean, Enter: reject the second.
            try await browser.press("r")
            try await browser.type("#reason", "연도가 틀림\u{E007}")
            let third = try await browser.waitForURL { $0 != second }
            #expect(third.hasSuffix("/items/3?saved=reject"))
            // e: revise the third; the question field has the focus.
            try await browser.press("e")
            try await browser.type("#revised-question", "조선을 건국한 왕은 누구인가?", clear: true)
            try await browser.click("#revise")
            _ = try await browser.waitForURL { $0 != third }
            // The batch page now shows every item decided and offers nothing more to approve.
            try await browser.go("\(origin)/batches/\(batch)")
            #expect(try await browser.text("main").contains("0 left to decide"))
        } catch {
            await browser.quit()
            throw error
        }
        await browser.quit()

        let decisions = try fixture.store.decisions().map {
            [$0.itemID, $0.decision, $0.reason ?? "", $0.labels.sorted { $0.key < $1.key }.flatMap { name, values in values.map { "\(name)=\($0)" } }.joined(separator: ",")]
        }
        let ids = try fixture.store.batchItems(batch).map(\.item.id)
        #expect(decisions == [[ids[0], "approve", "", "time_sensitive=false"], [ids[1], "reject", "연도가 틀림", ""],
                              [ids[2], "revise", "", ""]])
        #expect(try fixture.store.versions(of: ids[2]).last?.item.question == "조선을 건국한 왕은 누구인가?")
        #expect(try fixture.store.refusals().isEmpty)
    }
}
