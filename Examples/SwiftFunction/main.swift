// example-function: two small functions.
//
//   wordcount {"text": "a b c"} → {"words": 3, "chars": 5}
//   sleep     {"ms": 250}       → {"slept_ms": 250}   (stops early on $/cancel: error -32800)
//
// Bad input is WireError(.invalidArgument) naming the field: error -32602, data.code
// "invalid_argument".
import LightningChildKit
import LightningProtocol

let child = Child(name: "example-function", version: "1.0.0")

child.function("wordcount") { input, _ in
    guard let text = input["text"]?.stringValue else {
        throw WireError(.invalidArgument, "wordcount input: field \"text\": expected a string, got \(input["text"]?.typeDescription ?? "nothing")")
    }
    let words = text.split(whereSeparator: { $0.isWhitespace }).count
    return ["words": .int(words), "chars": .int(text.count)]
}

child.function("sleep") { input, ctx in
    guard let ms = input["ms"]?.intValue, ms >= 0 else {
        let got = input["ms"].map { "\($0)" } ?? "nothing"
        throw WireError(.invalidArgument, "sleep input: field \"ms\": expected a non-negative integer, got \(got)")
    }
    ctx.progress(message: "sleeping \(ms) ms", percent: 0)
    try await Task.sleep(for: .milliseconds(ms))  // throws CancellationError on $/cancel
    return ["slept_ms": .int(ms)]
}

await child.run()
