// Package bench is the comparative benchmark of ssecors against the Go SSE
// clients github.com/tmaxmax/go-sse, github.com/launchdarkly/eventsource,
// github.com/r3labs/sse/v2 and github.com/donovanhide/eventsource, the SSE
// decoders inside github.com/openai/openai-go and
// github.com/anthropics/anthropic-sdk-go, and two floors (a bare
// bufio.Reader.ReadSlice line split, and a bare net/http GET split into
// lines).
//
// The package itself holds only Go benchmarks, for benchstat:
//
//	go test -run '^$' -bench . -benchmem -count 10 > new.txt
//
// The full report, with the idle-footprint, reconnect and large-event
// measurements and the spec conformance cases (package conform), each
// library in its own process, is written by cmd/report:
//
//	go run ./cmd/report -out ../BENCHMARKS.md
package bench
