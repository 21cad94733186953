import DockerEngine
import Testing

/// The Docker plugin's wire pieces without any engine: the multiplexed log-frame decoder
/// (vectors from the reference doc, docs/containers.md) and the HTTP/1.1 response parser.
@Suite struct DockerLogFrameTests {
    /// `01 00 00 00 00 00 00 04 "out\n"` and `02 00 00 00 00 00 00 04 "err\n"`.
    static let stdoutFrame: [UInt8] = [0x01, 0, 0, 0, 0, 0, 0, 0x04, 0x6F, 0x75, 0x74, 0x0A]
    static let stderrFrame: [UInt8] = [0x02, 0, 0, 0, 0, 0, 0, 0x04, 0x65, 0x72, 0x72, 0x0A]

    @Test func decodesTheReferenceVectors() throws {
        let out = try LogFrameDecoder.decode(Self.stdoutFrame)
        #expect(out.stdout == Array("out\n".utf8))
        #expect(out.stderr.isEmpty)
        let err = try LogFrameDecoder.decode(Self.stderrFrame)
        #expect(err.stdout.isEmpty)
        #expect(err.stderr == Array("err\n".utf8))
    }

    @Test func interleavedFramesKeepTheirOrderPerStream() throws {
        let stream = Self.stdoutFrame + Self.stderrFrame + Self.stdoutFrame + [0x02, 0, 0, 0, 0, 0, 0, 0x01, 0x21]
        let d = try LogFrameDecoder.decode(stream)
        #expect(String(decoding: d.stdout, as: UTF8.self) == "out\nout\n")
        #expect(String(decoding: d.stderr, as: UTF8.self) == "err\n!")
    }

    @Test func framesSplitAtEveryByteDecodeTheSame() throws {
        let stream = Self.stdoutFrame + Self.stderrFrame
        for cut in 0...stream.count {
            var d = LogFrameDecoder()
            try d.feed(stream[..<cut])
            try d.feed(stream[cut...])
            try d.finish()
            #expect(d.stdout == Array("out\n".utf8), "cut at \(cut)")
            #expect(d.stderr == Array("err\n".utf8), "cut at \(cut)")
        }
        // One byte at a time.
        var d = LogFrameDecoder()
        for b in stream { try d.feed([b]) }
        try d.finish()
        #expect(d.stdout == Array("out\n".utf8))
    }

    @Test func sizeIsBigEndianAcrossAllFourBytes() throws {
        let payload = [UInt8](repeating: 0x61, count: 0x0102)
        let d = try LogFrameDecoder.decode([0x01, 0, 0, 0, 0x00, 0x00, 0x01, 0x02] + payload)
        #expect(d.stdout.count == 258)
    }

    @Test func stdinFramesGoToStdoutAndEmptyFramesAreFine() throws {
        let d = try LogFrameDecoder.decode([0x00, 0, 0, 0, 0, 0, 0, 0x02, 0x68, 0x69, 0x01, 0, 0, 0, 0, 0, 0, 0])
        #expect(d.stdout == Array("hi".utf8))
    }

    @Test func refusesAnUnknownStreamOrPadding() {
        #expect(throws: LogFrameError.self) { try LogFrameDecoder.decode([0x05, 0, 0, 0, 0, 0, 0, 0x01, 0x61]) }
        #expect(throws: LogFrameError.self) { try LogFrameDecoder.decode([0x01, 0, 7, 0, 0, 0, 0, 0x01, 0x61]) }
        // A raw (TTY) stream is not frames: "out\n..." starts with 'o'.
        #expect(throws: LogFrameError.self) { try LogFrameDecoder.decode(Array("out\nmore text".utf8)) }
    }

    @Test func aTruncatedFrameIsAnError() {
        let e = #expect(throws: LogFrameError.self) { try LogFrameDecoder.decode(Array(Self.stdoutFrame.dropLast())) }
        #expect(e?.description.contains("incomplete frame") == true)
        #expect(throws: LogFrameError.self) { try LogFrameDecoder.decode([0x01, 0, 0]) }
    }

    @Test func streamThreeCarriesTheEngineError() {
        let msg = Array("boom".utf8)
        let e = #expect(throws: LogFrameError.self) { try LogFrameDecoder.decode([0x03, 0, 0, 0, 0, 0, 0, 0x04] + msg) }
        #expect(e?.description.contains("boom") == true)
    }
}

@Suite struct HTTPResponseParserTests {
    static func parse(_ text: String, method: String = "GET", pieces: Int = 1) throws -> HTTPResponse {
        var p = HTTPResponseParser(requestMethod: method)
        let bytes = Array(text.utf8)
        let size = max(1, bytes.count / pieces)
        var i = 0
        while i < bytes.count && !p.isComplete {
            try p.feed(bytes[i..<min(bytes.count, i + size)])
            i += size
        }
        if !p.isComplete { try p.finish() }
        return try #require(p.response)
    }

    @Test func contentLengthBody() throws {
        let r = try Self.parse("HTTP/1.1 201 Created\r\nApi-Version: 1.41\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n{\"Id\":\"ab\"}\n")
        #expect(r.status == 201)
        #expect(r.reason == "Created")
        #expect(r.header("api-version") == "1.41")
        #expect(r.bodyText == "{\"Id\":\"ab\"}\n")
    }

    @Test func contentLengthStopsAtTheBodyEnd() throws {
        var p = HTTPResponseParser()
        try p.feed(Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOKextra".utf8))
        #expect(p.isComplete)
        #expect(p.response?.bodyText == "OK")
    }

    @Test func chunkedBodyWithExtensionsAndTrailers() throws {
        let text = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "4;name=value\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nX-Trailer: yes\r\n\r\n"
        let r = try Self.parse(text)
        #expect(r.bodyText == "Wikipedia in\r\n\r\nchunks.")
    }

    @Test func everySplitPointGivesTheSameResponse() throws {
        let texts = [
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n"
                + "1a\r\n{\"status\":\"pulling layer\"}\r\n10\r\n{\"error\":\"nope\"}\r\n0\r\n\r\n",
            "HTTP/1.1 404 Not Found\r\nContent-Length: 31\r\n\r\n{\"message\":\"No such container\"}",
        ]
        for text in texts {
            let whole = try Self.parse(text)
            let bytes = Array(text.utf8)
            for cut in 1..<bytes.count {
                var p = HTTPResponseParser()
                try p.feed(bytes[..<cut])
                try p.feed(bytes[cut...])
                #expect(p.response == whole, "cut at \(cut)")
            }
            #expect(try Self.parse(text, pieces: bytes.count) == whole)  // one byte at a time
        }
    }

    @Test func noBodyFor204And304AndHead() throws {
        #expect(try Self.parse("HTTP/1.1 204 No Content\r\nApi-Version: 1.41\r\n\r\n").body.isEmpty)
        #expect(try Self.parse("HTTP/1.1 304 Not Modified\r\n\r\n").status == 304)
        var p = HTTPResponseParser(requestMethod: "HEAD")
        try p.feed(Array("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n".utf8))
        #expect(p.isComplete)
        #expect(p.response?.body.isEmpty == true)
    }

    @Test func bodyUntilCloseWithoutLength() throws {
        var p = HTTPResponseParser()
        try p.feed(Array("HTTP/1.1 200 OK\r\n\r\nraw stream".utf8))
        #expect(!p.isComplete)
        try p.feed(Array(" continues".utf8))
        try p.finish()
        #expect(p.response?.bodyText == "raw stream continues")
    }

    @Test func continueHeadIsSkipped() throws {
        let r = try Self.parse("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK")
        #expect(r.status == 200)
        #expect(r.bodyText == "OK")
    }

    @Test func bareLineFeedsAreAccepted() throws {
        let r = try Self.parse("HTTP/1.1 200 OK\nContent-Length: 3\n\nabc")
        #expect(r.bodyText == "abc")
        #expect(r.header("Content-Length") == "3")
    }

    @Test func malformedResponsesNameTheProblem() throws {
        let status = #expect(throws: HTTPParseError.self) { try Self.parse("SMTP 220 hello\r\n\r\n") }
        #expect(status?.description.contains("status line") == true)
        let chunk = #expect(throws: HTTPParseError.self) {
            try Self.parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n")
        }
        #expect(chunk?.description.contains("chunk size") == true)
        #expect(throws: HTTPParseError.self) { try Self.parse("HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n") }
        #expect(throws: HTTPParseError.self) { try Self.parse("HTTP/1.1 200 OK\r\nBadHeader\r\n\r\n") }
    }

    @Test func endOfStreamBeforeTheEndIsAnError() throws {
        var p = HTTPResponseParser()
        try p.feed(Array("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc".utf8))
        let e = #expect(throws: HTTPParseError.self) { try p.finish() }
        #expect(e?.description.contains("7 of the Content-Length body bytes missing") == true)
        var q = HTTPResponseParser()
        try q.feed(Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab".utf8))
        #expect(throws: HTTPParseError.self) { try q.finish() }
        var empty = HTTPResponseParser()
        #expect(throws: HTTPParseError.self) { try empty.finish() }
    }

    @Test func bodyLimitIsEnforced() throws {
        var p = HTTPResponseParser(maxBody: 4)
        #expect(throws: HTTPParseError.self) { try p.feed(Array("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabcde".utf8)) }
        var q = HTTPResponseParser(maxBody: 4)
        #expect(throws: HTTPParseError.self) {
            try q.feed(Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n".utf8))
        }
    }
}
