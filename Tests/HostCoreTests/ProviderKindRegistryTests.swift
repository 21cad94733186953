@testable import HostCore
import Logging
import Testing

/// A provider kind's `case` is its registration: slots, bind order and messages follow from it.
@Suite struct ProviderKindRegistryTests {
    @Test func theEventBusIsBoundFirstThenTheOtherKindsInDeclarationOrder() {
        #expect(Manifest.ProviderKind.bindOrder == [.eventbus, .storage, .containers, .functions])
    }

    @Test func messagesListEveryKind() {
        #expect(Manifest.ProviderKind.listed == "storage, eventbus, containers or functions")
    }

    @Test func theManagerHasOneSlotPerKindInDeclarationOrder() {
        let manager = ProviderManager(logger: Logger(label: "test"))
        #expect(manager.all.map(\.kind) == Manifest.ProviderKind.allCases)
        for kind in Manifest.ProviderKind.allCases { #expect(manager.slot(kind).kind == kind) }
        #expect(manager.storage === manager.slot(.storage) && manager.eventbus === manager.slot(.eventbus))
    }
}
