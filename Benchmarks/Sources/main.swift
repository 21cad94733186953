// Replaced by the benchmark suite (in progress).
print("lightning-bench: not written yet")
