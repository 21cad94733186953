import Foundation
@testable import HostCore
import LightningProtocol
import Testing

/// `POST /v1/events` reads its body straight into events for an event object or an array of
/// events, and through `JSONValue` otherwise (`APIServer.events(from:)`): both ways must give
/// the same events, and every error still names what is wrong.
@Suite struct EventsBodyTests {
    static let one = #"{"id":"e1","timestamp":"2026-12-07T00:00:00Z","type":"order.created","source":"shop","data":{"n":1,"x":1.5,"s":"é","big":12345678901234567890,"list":[true,null,{"k":"v"}]},"metadata":{"m":"1"},"priority":"high"}"#
    static let two = #"{"id":"e2","timestamp":"2026-12-07T00:00:01.5Z","type":"order.paid","data":{}}"#

    func viaJSONValue(_ text: String) throws -> [Event] {
        try APIServer.events(from: Wire.decode(JSONValue.self, from: Data(text.utf8), what: "request body"))
    }

    @Test func theDirectReadGivesTheSameEventsAsTheJSONValueRead() throws {
        for body in [Self.one, "  \n" + Self.one, "[\(Self.one),\(Self.two)]", "\t[ ]", #"{"events":[\#(Self.one),\#(Self.two)]}"#,
                     #"{"id":"e3","timestamp":"2026-12-07T00:00:02Z","type":"a.b","events":"an event's own field"}"#] {
            let direct = try APIServer.events(from: Data(body.utf8))
            #expect(direct == (try viaJSONValue(body)), "\(body)")
        }
        #expect(try APIServer.events(from: Data("[\(Self.one),\(Self.two)]".utf8)).map(\.type) == ["order.created", "order.paid"])
        #expect(try APIServer.events(from: Data(#"{"events":[\#(Self.two)]}"#.utf8)).map(\.type) == ["order.paid"])
    }

    @Test func errorsNameTheFieldAsBefore() {
        func message(_ body: String) -> String? {
            do { _ = try APIServer.events(from: Data(body.utf8)); return nil } catch let e as WireError { return e.message } catch { return "\(error)" }
        }
        #expect(message(#"{"source":"x"}"#) == #"event: field "type": required but missing"#)
        #expect(message(#"[{"type":"a"},{"source":"x"}]"#) == #"events[1]: field "type": required but missing"#)
        #expect(message(#"{"events":{"type":"a"}}"#) == #"request body: field "events": expected an array, got an object"#)
        #expect(message("42") == "request body: expected an event object or an array of events, got an integer")
        #expect(message("{").map { $0.hasPrefix("request body: not valid JSON") } == true)
    }
}
