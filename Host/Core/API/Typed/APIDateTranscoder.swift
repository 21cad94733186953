import Foundation
import LightningProtocol
import OpenAPIRuntime

/// Timestamps of the generated layer as the API writes them everywhere else (`Timestamp`:
/// RFC 3339 in UTC with milliseconds, `2026-11-24T10:00:00.123Z`) and as it reads them (without
/// fractions, with an offset, or up to nanoseconds, truncated to milliseconds). The generator's
/// default ISO 8601 transcoder writes no fractions and refuses them on input.
struct APIDateTranscoder: DateTranscoder {
    func encode(_ date: Date) throws -> String { Timestamp(date).description }

    func decode(_ string: String) throws -> Date {
        guard let t = Timestamp(rfc3339: string) else {
            throw DecodingError.dataCorrupted(.init(codingPath: [],
                debugDescription: "expected an RFC 3339 timestamp such as \"2026-12-24T17:00:00Z\", got \"\(string)\""))
        }
        return t.date
    }
}
