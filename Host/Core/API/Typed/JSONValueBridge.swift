import Foundation
import LightningProtocol
import OpenAPIRuntime

// Free-form JSON (`{}` in the document: event data, step outputs, webhook bodies) between the
// daemon's `JSONValue` and the generated layer's containers, value by value: integers stay
// integers, doubles doubles, no JSON round trip.

extension OpenAPIValueContainer {
    init(_ v: JSONValue) throws { try self.init(unvalidatedValue: v.openAPIValue) }
}

extension OpenAPIObjectContainer {
    init(_ o: [String: JSONValue]) throws { try self.init(unvalidatedValue: o.mapValues(\.openAPIValue)) }
}

extension JSONValue {
    /// The value as OpenAPIRuntime's containers hold it.
    var openAPIValue: (any Sendable)? {
        switch self {
        case .null: return nil
        case .bool(let b): return b
        case .int(let i): return i
        case .double(let d): return d
        case .string(let s): return s
        case .array(let a): return a.map(\.openAPIValue)
        case .object(let o): return o.mapValues(\.openAPIValue)
        }
    }

    init(_ c: OpenAPIValueContainer) { self.init(openAPIValue: c.value) }
    init(_ c: OpenAPIObjectContainer) { self = .object(c.value.mapValues(JSONValue.init(openAPIValue:))) }

    /// A value the generated layer decoded (what `OpenAPIValueContainer` holds: nil, Bool, Int,
    /// Double, String, arrays and dictionaries of them).
    init(openAPIValue v: (any Sendable)?) {
        switch v {
        case nil: self = .null
        case let b as Bool: self = .bool(b)
        case let i as Int: self = .int(i)
        case let d as Double: self = .double(d)
        case let s as String: self = .string(s)
        case let a as [(any Sendable)?]: self = .array(a.map(JSONValue.init(openAPIValue:)))
        case let o as [String: (any Sendable)?]: self = .object(o.mapValues(JSONValue.init(openAPIValue:)))
        case let c as OpenAPIValueContainer: self.init(c)
        case let c as OpenAPIObjectContainer: self.init(c)
        case let c as OpenAPIArrayContainer: self = .array(c.value.map(JSONValue.init(openAPIValue:)))
        default: self = .string("\(v!)")  // unreachable: the containers admit only the types above (tryCast)
        }
    }
}
