import AzureSupport
import Foundation
import LightningProtocol
import Testing

/// The SAS vectors of the reference (computed with azure-servicebus 7.15.0's
/// `generate_sas_token` and checked with plain `hmac`): the key is used as written.
@Suite struct ServiceBusSASTests {
    static let uri = "https://contoso.servicebus.windows.net/myqueue"
    static let key = Secret("SGVsbG9Xb3JsZEtleQ==")

    @Test func stringToSignIsTheFormEncodedURIAndTheExpiry() {
        #expect(SASToken.stringToSign(uri: Self.uri, expiry: 1_700_000_000)
                == "https%3A%2F%2Fcontoso.servicebus.windows.net%2Fmyqueue\n1700000000")
    }

    @Test func signatureMatchesTheReferenceVector() {
        #expect(SASToken.signature(uri: Self.uri, key: Self.key, expiry: 1_700_000_000) == "Am3nmorrk1NuzP8LfRC4hhHi6SMTGXOsJUCzWG6gHMM=")
    }

    @Test func theWholeHeaderMatchesTheReferenceVector() {
        #expect(SASToken.token(uri: Self.uri, keyName: "RootManageSharedAccessKey", key: Self.key, expiry: 1_700_000_000)
                == "SharedAccessSignature sr=https%3A%2F%2Fcontoso.servicebus.windows.net%2Fmyqueue&sig=Am3nmorrk1NuzP8LfRC4hhHi6SMTGXOsJUCzWG6gHMM%3D&se=1700000000&skn=RootManageSharedAccessKey")
    }

    @Test func anSbURIHasItsOwnSignature() {
        #expect(SASToken.signature(uri: "sb://contoso.servicebus.windows.net/myqueue", key: Self.key, expiry: 1_700_000_000)
                == "IRZEoVOvunauDenX2AgPG3vjFwSMl2jDzT8ccOUR5rc=")
    }

    /// Decoding the key first (Cosmos DB's rule, wrong for Service Bus) gives the reference's
    /// "wrong" signature, which we must not produce.
    @Test func theKeyIsNotBase64Decoded() throws {
        let decoded = try #require(Data(base64Encoded: Self.key.exposed))
        let wrong = SASToken.signature(uri: Self.uri, key: Secret(String(decoding: decoded, as: UTF8.self)), expiry: 1_700_000_000)
        #expect(wrong == "UH6psKV5Kx8UtcYtV7rF40H68QL+SfHs90RsHteU0eY=")
        #expect(SASToken.signature(uri: Self.uri, key: Self.key, expiry: 1_700_000_000) != wrong)
    }

    @Test func formEncodingIsPythonsQuotePlus() {
        #expect(SASToken.formEncode("a b/c?d=e&f~g_h.i-j+k") == "a+b%2Fc%3Fd%3De%26f~g_h.i-j%2Bk")
        #expect(SASToken.formEncode("é") == "%C3%A9")
    }

    @Test func theCacheKeepsATokenUntilItNearlyExpiresThenSignsAnew() {
        let cache = SASTokenCache(audience: Self.uri, keyName: "k", key: Self.key, lifetime: 3600)
        let t0 = Date(timeIntervalSince1970: 1_700_000_000)
        let first = cache.header(now: t0)
        #expect(first.contains("se=1700003600"))
        #expect(cache.header(now: t0.addingTimeInterval(3000)) == first)
        // 300 s (the refresh margin) before expiry, a new token is signed.
        let later = cache.header(now: t0.addingTimeInterval(3301))
        #expect(later != first)
        #expect(later.contains("se=\(1_700_000_000 + 3301 + 3600)"))
        #expect(cache.tokensSigned == 2)
    }

    @Test func connectionStringsResolveToTheHTTPSEndpointAndNeverShowTheKey() throws {
        let c = try ServiceBusConnection("Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=abc=+/def",
                                         what: "config field \"connection_string\"")
        #expect(c.baseURL.absoluteString == "https://contoso.servicebus.windows.net/")
        #expect(c.keyName == "send")
        #expect(c.key.exposed == "abc=+/def")
        #expect(!"\(c)".contains("abc=+/def"))
        let o = try ServiceBusConnection("Endpoint=sb://x/;SharedAccessKeyName=a;SharedAccessKey=b", endpointOverride: "http://127.0.0.1:9", what: "cs")
        #expect(o.baseURL.absoluteString == "http://127.0.0.1:9/")
        let missing = #expect(throws: WireError.self) {
            try ServiceBusConnection("Endpoint=sb://x/;SharedAccessKey=topsecret", what: "config field \"connection_string\"")
        }
        #expect(missing?.message == "config field \"connection_string\": missing SharedAccessKeyName= (has: Endpoint, SharedAccessKey)")
        #expect(missing?.message.contains("topsecret") == false)
    }
}
