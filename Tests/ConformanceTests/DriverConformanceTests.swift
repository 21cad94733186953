import Foundation
import HostCore
import LightningConformance
import LightningProtocol
import LightningTestSupport
import Testing

/// The driver contract (LightningConformance's `DriverRules`, docs/plugin-abi.md#driver) against
/// the shipped drivers, Swift and C, in both isolation tiers: the rules `lightning plugins test`
/// runs against a third party's driver.
@Suite(.timeLimit(.minutes(2)))
struct DriverConformanceTests {
    struct Driver: Sendable, CustomTestStringConvertible {
        let product: String
        let id: String
        let capabilities: [String]
        var tier: ConformanceTarget.Tier = .inProcess
        var testDescription: String { tier == .inProcess ? id : "\(id) (\(tier.rawValue))" }

        var target: ConformanceTarget {
            var t = ConformanceTarget.library(LibrarySpec(url: BuildProducts.url("lib\(product).so"), sha256: nil, expectedId: id,
                                                          expectedVersion: nil, subject: id),
                                              tier: tier, lightning: BuildProducts.lightning)
            t.capabilities = capabilities
            return t
        }

        func inTier(_ t: ConformanceTarget.Tier) -> Driver { var d = self; d.tier = t; return d }

        static let echo = Driver(product: "LightningEchoDriver", id: "echo-driver", capabilities: ["echo.*"])
        static let c = Driver(product: "LightningCExampleDriver", id: "c-example-driver", capabilities: ["c.greet", "c.count"])
    }

    static let drivers: [Driver] = [.echo, .echo.inTier(.process), .c, .c.inTier(.process)]

    @Test(arguments: drivers, DriverRules.all)
    func keepsTheContract(_ d: Driver, _ rule: ConformanceRule) async {
        let result = await ConformanceRunner.run(rule, on: d.target)
        for failure in result.failures {
            Issue.record("\(rule.id) (\(rule.section)): \(failure)")
        }
    }
}
