import Foundation
@testable import LightningChildKit
import LightningProtocol
import Testing

/// Finding the id in the first bytes of an over-size line (no processes).
struct OversizeProbeTests {
    private func scan(_ text: String) -> OversizeProbe.Found { OversizeProbe.scan(Data(text.utf8)) }

    @Test func findsIdAndMethodOfATruncatedRequest() {
        #expect(scan(#"{"id":7,"jsonrpc":"2.0","method":"event.handle","params":{"event":{"data":"xxxx"#)
                == OversizeProbe.Found(id: .int(7), hasMethod: true, isResponse: false))
    }

    @Test func findsAStringIdAfterNestedValues() {
        #expect(scan(#"{"params":{"id":1,"a":[{"}":"]"}]},"method":"x","id":"a\"b","#)
                == OversizeProbe.Found(id: .string("a\"b"), hasMethod: true, isResponse: false))
    }

    @Test func recognisesAResponse() {
        #expect(scan(#"{"id":-3,"jsonrpc":"2.0","result":{"documents":[{"#)
                == OversizeProbe.Found(id: .int(-3), hasMethod: false, isResponse: true))
    }

    @Test func givesUpOnNonJSON() {
        #expect(scan("garbage") == OversizeProbe.Found())
        #expect(scan(#"{"params":{"id":1"#) == OversizeProbe.Found())
        #expect(scan("") == OversizeProbe.Found())
    }
}
